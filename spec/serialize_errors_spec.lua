-- Specs for the reading side of lua/harmonium/serialize.lua on bad input: truncated files
-- at every byte offset, bad magic, unsupported versions, corrupt tags, ids and sizes.
-- Every case must raise a clear Lua error, never crash and never allocate from a bad size.
local hm = require 'harmonium'

local pack = string.pack
local HEADER = "HMSER\0" .. pack('<I4', 1)

local function tmpfile()
   local name = os.tmpname()
   os.remove(name)
   return name
end

local function writefile(path, s)
   local f = assert(io.open(path, 'wb'))
   f:write(s)
   f:close()
end

-- a small object with one of everything
local function sample()
   local C = hm.class('specerr.Thing')
   function C:__init() self.w = hm.FloatTensor({1, 2, 3}) end
   local shared = { 1, 2 }
   local obj = { n = 1, f = 0.5, s = "str", b = true, o = C(), a = shared, again = shared,
                 l = hm.LongTensor({{1, 2}, {3, 4}}), sz = hm.FloatTensor(2, 3):size() }
   obj.cycle = obj
   return obj
end

describe("hm.deserialize on bad input", function()
   it("raises for the data truncated at every byte offset", function()
      local s = hm.serialize(sample())
      assert.is_table(hm.deserialize(s))
      for k = 0, #s - 1 do
         local ok, err = pcall(hm.deserialize, s:sub(1, k))
         assert.is_false(ok, "no error at length " .. k)
         assert.is_string(err)
         assert.matches("^[^\n]*hm%.deserialize: data ", err)
         assert.is_truthy(err:find("truncated", 1, true), "at length " .. k .. ": " .. err)
      end
   end)

   it("names the offset and the size of a truncated file", function()
      local path = tmpfile()
      local s = hm.serialize(hm.DoubleTensor(50))
      writefile(path, s:sub(1, 300))
      assert.error_matches(function() hm.load(path) end,
                           "hm%.load: '" .. path:gsub("%p", "%%%0") .. "' is truncated %(.*at offset 29, file has 300%)")
      -- a small file cut at every offset
      local full = hm.serialize(sample())
      for k = 0, #full - 1 do
         writefile(path, full:sub(1, k))
         local ok, err = pcall(hm.load, path)
         assert.is_false(ok)
         assert.is_truthy(err:find("truncated", 1, true), err)
      end
      os.remove(path)
   end)

   it("rejects bad magic and unsupported versions", function()
      assert.error_matches(function() hm.deserialize("") end, "truncated")
      assert.error_matches(function() hm.deserialize("HMS") end, "truncated")
      assert.error_matches(function() hm.deserialize("hello world, not ours") end,
                           "hm%.deserialize: data is not a harmonium file %(bad magic%)")
      assert.error_matches(function() hm.deserialize("\x89PNG") end, "not a harmonium file %(bad magic%)")
      assert.error_matches(function() hm.deserialize("HMSER\0" .. pack('<I4', 2) .. "\0") end,
                           "has unsupported version 2 %(this build reads version 1%)")
      assert.error_matches(function() hm.deserialize("HMSER\0" .. pack('<I4', 2^32 - 1)) end,
                           "unsupported version 4294967295")
   end)

   it("rejects unknown tags, trailing data and bad ids", function()
      assert.error_matches(function() hm.deserialize(HEADER .. "\99") end,
                           "is corrupt %(unknown tag 99 at offset 10%)")
      assert.error_matches(function() hm.deserialize(HEADER .. "\0\0\0") end,
                           "is corrupt %(2 bytes of trailing data at offset 11%)")
      assert.error_matches(function() hm.deserialize(HEADER .. "\7" .. pack('<i8', 1)) end,
                           "reference to unknown object 1")
      assert.error_matches(function() hm.deserialize(HEADER .. "\6" .. pack('<i8i8', 5, 0)) end,
                           "object id 5 out of sequence")
      assert.error_matches(function() hm.deserialize(HEADER .. "\6" .. pack('<i8i8', 1, 1) .. "\0\0") end,
                           "nil or NaN table key")
      assert.error_matches(function()
         hm.deserialize(HEADER .. "\6" .. pack('<i8i8Bd', 1, 1, 4, 0 / 0) .. "\0")
      end, "nil or NaN table key")
   end)

   it("rejects corrupt sizes without allocating them", function()
      -- a string claiming 2^62 bytes
      assert.error_matches(function() hm.deserialize(HEADER .. "\5" .. pack('<i8', 2^62) .. "abc") end,
                           "truncated %(needed 4611686018427387904 bytes at offset 19, data has 22%)")
      assert.error_matches(function() hm.deserialize(HEADER .. "\5" .. pack('<i8', -5)) end,
                           "negative string length")
      -- a table claiming 2^60 entries
      assert.error_matches(function() hm.deserialize(HEADER .. "\6" .. pack('<i8i8', 1, 2^60) .. "\0\0") end,
                           "a table of 1152921504606846976 entries at offset 10 cannot fit in the 2 bytes left")
      -- tensors: huge, overflowing, negative sizes; bad type and rank
      local function tensor(ty, sizes, data)
         local parts = { HEADER, pack('<Bi8BB', 8, 1, ty, #sizes) }
         for _, sz in ipairs(sizes) do parts[#parts + 1] = pack('<i8', sz) end
         parts[#parts + 1] = data or ""
         return table.concat(parts)
      end
      assert.are.equal(2, hm.deserialize(tensor(2, { 2 }, pack('<ff', 1, 2)))[2])
      assert.error_matches(function() hm.deserialize(tensor(2, { 2^40, 2^40 }, "abcd")) end,
                           "truncated %(a hm%.FloatTensor of size 1099511627776x1099511627776 needs more than the 4 bytes left at offset 37, data has 41%)")
      assert.error_matches(function() hm.deserialize(tensor(3, { 2^62, 4, 4 }, "")) end, "truncated")
      assert.error_matches(function() hm.deserialize(tensor(3, { 3 }, pack('<dd', 1, 2))) end, "truncated")
      assert.error_matches(function() hm.deserialize(tensor(1, { 2, -1 })) end, "negative tensor size %-1")
      assert.error_matches(function() hm.deserialize(tensor(7, { 1 })) end, "tensor type 7")
      assert.error_matches(function()
         hm.deserialize(HEADER .. pack('<Bi8BB', 8, 1, 2, 200))
      end, "tensor with 200 dimensions")
   end)

   it("names an unknown class", function()
      local s = hm.serialize(hm.class('specerr.Gone')())
      hm.class.registry['specerr.Gone'] = nil
      assert.error_matches(function() hm.deserialize(s) end,
                           "contains an object of unknown class 'specerr%.Gone' %(load the module")
   end)

   it("survives random corruption of a valid file", function()
      local s = hm.serialize(sample())
      local seed = 12345
      local function rand(n)       -- a small LCG: the specs do not touch math.random
         seed = (seed * 1103515245 + 12345) % 2147483648
         return seed % n + 1
      end
      local failures = 0
      for _ = 1, 2000 do
         local bytes = { s:byte(1, -1) }
         for _ = 1, rand(4) do bytes[rand(#bytes)] = rand(256) - 1 end
         local ok, err = pcall(hm.deserialize, string.char(table.unpack(bytes)))
         if not ok then
            failures = failures + 1
            assert.is_string(err)
            assert.matches("hm%.deserialize: data ", err)
         end
      end
      assert.is_true(failures > 0)
   end)
end)

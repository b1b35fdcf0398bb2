-- hm.data.readIDX / writeIDX: round trips of every type, raw and gzip, and clear errors on
-- damaged files (truncated, wrong magic, unsupported type, size mismatches, corrupt gzip).
local hm = require 'harmonium'
local support = require 'support'

local tmpfiles = {}
local function tmp(ext)
   local p = support.tmpname(ext)
   tmpfiles[#tmpfiles + 1] = p
   return p
end

local function be32(...) return string.pack(">" .. string.rep("I4", select("#", ...)), ...) end
local function header(code, ...) return "\0\0" .. string.char(code, select("#", ...)) .. be32(...) end

-- write bytes, gzip-compressed through the gzip tool when gz
local function writeRaw(s, gz)
   local p = tmp(gz and ".gz" or nil)
   if gz then
      local raw = tmp()
      support.writefile(raw, s)
      local _, err, code = support.sh("gzip -c " .. support.q(raw) .. " > " .. support.q(p))
      assert(code == 0, err)
   else
      support.writefile(p, s)
   end
   return p
end

local function readErr(p)
   local ok, err = pcall(hm.data.readIDX, p)
   assert.is_false(ok)
   return tostring(err)
end

describe("hm.data.readIDX / writeIDX", function()
   teardown(function() for _, p in ipairs(tmpfiles) do os.remove(p) end end)

   -- values that exercise each type's range, including the extremes and negatives
   local function filled(cls, sizes, values)
      local t = cls(hm.LongStorage(sizes))
      local flat = t:view(-1)
      for i = 1, flat:nElement() do flat[i] = values[(i - 1) % #values + 1] end
      return t
   end
   cases = {
      { "u8", hm.ByteTensor, { 0, 1, 127, 128, 255, 37 }, "hm.ByteTensor" },
      { "i8", hm.LongTensor, { -128, -1, 0, 1, 127, 55 }, "hm.LongTensor" },
      { "i16", hm.LongTensor, { -32768, -1, 0, 300, 32767 }, "hm.LongTensor" },
      { "i32", hm.LongTensor, { -2147483648, -1, 0, 70000, 2147483647 }, "hm.LongTensor" },
      { "f32", hm.FloatTensor, { -1.5, 0, 3.25, 1e-30, -7e20, 0.1 }, "hm.FloatTensor" },
      { "f64", hm.DoubleTensor, { -1.5, 0, 1 / 3, 1e-300, -7e200, math.pi }, "hm.DoubleTensor" },
   }
   for _, c in ipairs(cases) do
      local ty, cls, values, resultType = c[1], c[2], c[3], c[4]
      for _, gz in ipairs { false, true } do
         it("round-trips " .. ty .. (gz and " through gzip" or " raw"), function()
            local t = filled(cls, { 3, 4, 5 }, values)
            local p = tmp(gz and ".idx.gz" or ".idx")
            assert.is_true(hm.data.writeIDX(p, t, ty))
            local r = hm.data.readIDX(p)
            assert.equal(resultType, r:type())
            assert.same({ 3, 4, 5 }, r:size():totable())
            assert.tensor_near(t:double(), r:double(), 0)
            -- gzip files start with 1f 8b, raw ones with the magic number
            local head = support.readfile(p):sub(1, 4)
            if gz then assert.equal("\31\139", head:sub(1, 2))
            else assert.equal("\0\0" .. string.char(({ u8 = 8, i8 = 9, i16 = 11, i32 = 12,
               f32 = 13, f64 = 14 })[ty], 3), head) end
         end)
      end
   end

   it("writes the natural type by default and reads a view's elements in row-major order", function()
      local t = hm.DoubleTensor(4, 3):uniform()
      local p = tmp(".idx")
      hm.data.writeIDX(p, t:t())
      local r = hm.data.readIDX(p)
      assert.equal("hm.DoubleTensor", r:type())
      assert.tensor_near(t:t():contiguous(), r, 0)
      hm.data.writeIDX(p, hm.LongTensor { 5, -6 })
      assert.equal(string.char(0, 0, 12, 1), support.readfile(p):sub(1, 4))
   end)

   it("reads hand-written big-endian files exactly as specified", function()
      local p = writeRaw(header(0x0B, 2, 2) .. string.pack(">i2i2i2i2", -2, 258, 0, 32767))
      assert.tensor_near(hm.DoubleTensor { { -2, 258 }, { 0, 32767 } }, hm.data.readIDX(p):double(), 0)
      p = writeRaw(header(0x0D, 3) .. string.pack(">fff", 1.5, -2, 0.25))
      assert.tensor_near(hm.DoubleTensor { 1.5, -2, 0.25 }, hm.data.readIDX(p):double(), 0)
   end)

   it("converts bytes to floats in one pass with opts.type = 'float' and a scale", function()
      local t = hm.ByteTensor { { 0, 51, 255 }, { 102, 1, 2 } }
      local p = tmp(".gz")
      hm.data.writeIDX(p, t)
      local f = hm.data.readIDX(p, { type = "float", scale = 1 / 255 })
      assert.equal("hm.FloatTensor", f:type())
      assert.tensor_near(t:double():div(255), f, 1e-7)
      local g = hm.data.readIDX(writeRaw(header(0x0C, 2) .. be32(7, 9)), { type = "float", scale = 2 })
      assert.tensor_near(hm.DoubleTensor { 14, 18 }, g, 0)
   end)

   it("reads only the first n items with opts.n", function()
      local t = hm.ByteTensor(10, 2, 3):random(0, 255)
      for _, ext in ipairs { ".idx", ".idx.gz" } do
         local p = tmp(ext)
         hm.data.writeIDX(p, t)
         local r = hm.data.readIDX(p, { n = 4 })
         assert.same({ 4, 2, 3 }, r:size():totable())
         assert.tensor_near(t:narrow(1, 1, 4):double(), r:double(), 0)
         assert.same({ 10, 2, 3 }, hm.data.readIDX(p, { n = 99 }):size():totable())
         assert.same({ 0, 2, 3 }, hm.data.readIDX(p, { n = 0 }):size():totable())
      end
   end)

   it("handles zero-size dimensions and concatenated gzip members", function()
      local p = tmp(".idx")
      hm.data.writeIDX(p, hm.ByteTensor(0, 5))
      assert.same({ 0, 5 }, hm.data.readIDX(p):size():totable())
      local a, b = tmp(), tmp()
      support.writefile(a, header(8, 4) .. "\1\2")
      support.writefile(b, "\3\4")
      local c = tmp(".gz")
      support.sh("gzip -c " .. support.q(a) .. " > " .. support.q(c) .. "; gzip -c " ..
                 support.q(b) .. " >> " .. support.q(c))
      assert.tensor_near(hm.DoubleTensor { 1, 2, 3, 4 }, hm.data.readIDX(c):double(), 0)
   end)

   describe("errors", function()
      for _, gz in ipairs { false, true } do
         local how = gz and " (gzip)" or ""
         it("names the file and the problem for a truncated file" .. how, function()
            local p = writeRaw(header(8, 2, 3):sub(1, 9), gz)
            local err = readErr(p)
            assert.matches("hm.data.readIDX: '" .. p:gsub("%p", "%%%0") .. "': truncated file", err)
            assert.matches("truncated", readErr(writeRaw("\0\0", gz)))
            assert.matches("size mismatch", readErr(writeRaw(header(8, 2, 3) .. "\1\2\3\4", gz)))
         end)
         it("rejects a wrong magic number" .. how, function()
            assert.matches("wrong magic number", readErr(writeRaw("\1\0\8\1" .. be32(1) .. "x", gz)))
            assert.matches("wrong magic number", readErr(writeRaw("PK\3\4 not idx at all", gz)))
         end)
         it("rejects an unsupported type code or dimension count" .. how, function()
            assert.matches("unsupported IDX type code 0x0a", readErr(writeRaw(header(0x0A, 1) .. "x", gz)))
            assert.matches("unsupported IDX type code 0xff", readErr(writeRaw(header(0xFF, 1) .. "x", gz)))
            assert.matches("unsupported number of dimensions 0", readErr(writeRaw("\0\0\8\0", gz)))
            assert.matches("unsupported number of dimensions 17",
               readErr(writeRaw("\0\0\8\17" .. string.rep("\0\0\0\1", 17), gz)))
         end)
         it("reports a size mismatch when the header says more than the data" .. how, function()
            local p = writeRaw(header(8, 60000, 28, 28) .. string.rep("\0", 100), gz)
            local err = readErr(p)
            assert.matches("size mismatch", err)
            assert.matches("%[60000 x 28 x 28%]", err)
         end)
         it("reports a size mismatch when the data go on past the header's size" .. how, function()
            local err = readErr(writeRaw(header(8, 2) .. "\1\2\3", gz))
            assert.matches("size mismatch", err)
            assert.matches("holds more", err)
         end)
         it("refuses dimensions whose product overflows, before allocating" .. how, function()
            local err = readErr(writeRaw(header(0x0E, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF) .. "x", gz))
            assert.matches("overflow", err)
            -- a product that fits but that the file cannot hold: refused without allocating
            err = readErr(writeRaw(header(0x0E, 0xFFFFFFFF, 0xFFFF) .. "x", gz))
            assert.matches("size mismatch", err)
         end)
      end

      it("rejects a corrupt or truncated gzip stream", function()
         local p = tmp(".gz")
         hm.data.writeIDX(p, hm.ByteTensor(50, 50):random(0, 255))
         local s = support.readfile(p)
         local q = writeRaw(s:sub(1, #s // 2))
         assert.matches("corrupt gzip stream", readErr(q))
         local bad = s:sub(1, 20) .. string.rep("\255", 40) .. s:sub(61)
         local err = readErr(writeRaw(bad))
         assert.is_truthy(err:find("corrupt gzip stream", 1, true) or err:find("size mismatch", 1, true))
         assert.matches("trailing bytes", readErr(writeRaw(s .. "junk")))
      end)

      it("says when a file cannot be opened", function()
         assert.matches("cannot open '/nonexistent/x.idx' %(No such file", readErr("/nonexistent/x.idx"))
         assert.matches("not a regular file", readErr("/tmp"))
      end)

      it("checks writeIDX arguments and value ranges", function()
         local p = tmp(".idx")
         assert.error_matches(function() hm.data.writeIDX(p, hm.LongTensor { 1, 200 }, "i8") end,
            "element 2, 200, does not fit type 'i8'")
         assert.error_matches(function() hm.data.writeIDX(p, hm.LongTensor { -1 }, "u8") end,
            "does not fit type 'u8'")
         assert.error_matches(function() hm.data.writeIDX(p, hm.LongTensor { 2 ^ 40 }) end,
            "does not fit type 'i32'")
         assert.error_matches(function() hm.data.writeIDX(p, hm.FloatTensor { 1.5 }, "i32") end,
            "integer type 'i32' needs a hm.ByteTensor or hm.LongTensor")
         assert.error_matches(function() hm.data.writeIDX(p, hm.FloatTensor()) end,
            "1 to 16 dimensions")
         assert.error_matches(function() hm.data.writeIDX(p, hm.FloatTensor { 1 }, "f16") end,
            "invalid option 'f16'")
         assert.error_matches(function() hm.data.writeIDX("/nonexistent/dir/x.idx", hm.FloatTensor { 1 }) end,
            "cannot write '/nonexistent/dir/x.idx'")
         assert.error_matches(function() hm.data.readIDX(42) end, "string expected")
         assert.error_matches(function() hm.data.readIDX(p, { n = -1 }) end, "non%-negative")
         -- a failed write leaves no file behind
         assert.is_false(support.exists(p))
      end)
   end)
end)

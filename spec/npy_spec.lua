-- Specs for hm.savenpy / hm.loadnpy (lua/harmonium/serialize.lua): the exact bytes NumPy's
-- format defines, hand-built files in every supported dtype, order and version, and clear
-- errors on unsupported or truncated files. A round trip through NumPy runs when
-- /usr/bin/python3 has numpy.
local hm = require 'harmonium'

local pack = string.pack

local function tmpfile()
   local name = os.tmpname()
   os.remove(name)
   return name .. ".npy"
end

local function writefile(path, s)
   local f = assert(io.open(path, 'wb'))
   f:write(s)
   f:close()
end

local function readfile(path)
   local f = assert(io.open(path, 'rb'))
   local s = f:read('a')
   f:close()
   return s
end

-- A .npy file as NumPy writes it: magic, version, header length, the dict padded with
-- spaces to a 64-byte boundary and ended by "\n", then the data.
local function npy(dict, data, major)
   major = major or 1
   local prefix = major == 1 and 10 or 12
   local header = dict .. string.rep(" ", (64 - (prefix + #dict + 1) % 64) % 64) .. "\n"
   local len = major == 1 and pack('<I2', #header) or pack('<I4', #header)
   return "\147NUMPY" .. string.char(major, 0) .. len .. header .. (data or "")
end

local function loadbytes(s)
   local path = tmpfile()
   writefile(path, s)
   local ok, v = pcall(hm.loadnpy, path)
   os.remove(path)
   if not ok then error(v, 0) end
   return v
end

local function assert_same_tensor(expected, actual)
   assert.are.equal(expected:type(), actual:type())
   assert.are.equal(tostring(expected:size()), tostring(actual:size()))
   assert.is_true(hm._tobytes(expected) == hm._tobytes(actual))
end

describe("hm.savenpy", function()
   it("writes NumPy's format 1.0 header byte for byte", function()
      local path = tmpfile()
      hm.savenpy(path, hm.FloatTensor({{1, 2, 3}, {4, 5, 6}}))
      local s = readfile(path)
      local dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
      assert.are.equal(npy(dict, pack('<ffffff', 1, 2, 3, 4, 5, 6)), s)
      assert.are.equal(0, (s:find("\n", 1, true)) % 64)      -- data start 64-byte aligned
      hm.savenpy(path, hm.LongTensor({7}))
      assert.are.equal(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", pack('<i8', 7)),
                       readfile(path))
      os.remove(path)
   end)

   it("round-trips every type, views and zero-element tensors", function()
      local path = tmpfile()
      local base = hm.DoubleTensor({{{1, 2, 3}, {4, 5, 6}}, {{7, 8, 9}, {10, 11, 12}}})
      for _, T in ipairs({ hm.ByteTensor, hm.LongTensor, hm.FloatTensor, hm.DoubleTensor }) do
         local t = T(base)
         for _, x in ipairs({ t, t:transpose(1, 3), t:select(2, 1), T(0, 4), T(3, 0, 2) }) do
            hm.savenpy(path, x)
            local back = hm.loadnpy(path)
            assert_same_tensor(x:contiguous(), back)
         end
         hm.savenpy(path, T())
         assert.are.equal(0, hm.loadnpy(path):nElement())
      end
      local big = hm.LongTensor({ math.maxinteger, math.mininteger, -1 })
      hm.savenpy(path, big)
      assert_same_tensor(big, hm.loadnpy(path))
      os.remove(path)
   end)

   it("raises on bad arguments", function()
      assert.error_matches(function() hm.savenpy(1, hm.FloatTensor(1)) end, "bad argument #1 to 'savenpy'")
      assert.error_matches(function() hm.savenpy("/tmp/x.npy", {}) end,
                           "bad argument #2 to 'savenpy' %(tensor expected, got table%)")
   end)
end)

describe("hm.loadnpy", function()
   it("reads each supported dtype", function()
      local t = loadbytes(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
                              pack('<dddd', 1.5, -2, 3, 4)))
      assert_same_tensor(hm.DoubleTensor({{1.5, -2}, {3, 4}}), t)
      t = loadbytes(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", "\0\127\255"))
      assert_same_tensor(hm.ByteTensor({0, 127, 255}), t)
      t = loadbytes(npy("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", "\1\0"))
      assert_same_tensor(hm.ByteTensor({1, 0}), t)
      t = loadbytes(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }",
                        pack('<i4i4i4i4', -2147483648, -1, 0, 2147483647)))
      assert_same_tensor(hm.LongTensor({-2147483648, -1, 0, 2147483647}), t)
      t = loadbytes(npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2), }",
                        pack('<i8i8', -3, 2^62)))
      assert_same_tensor(hm.LongTensor({{-3, 2^62}}), t)
   end)

   it("transposes Fortran-order data", function()
      -- the 2x3 matrix {{1,2,3},{4,5,6}} in column-major order
      local t = loadbytes(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                              pack('<ffffff', 1, 4, 2, 5, 3, 6)))
      assert_same_tensor(hm.FloatTensor({{1, 2, 3}, {4, 5, 6}}), t)
      assert.is_true(t:isContiguous())
      -- 2x2x2: element (i,j,k) at i + 2j + 4k
      local data = {}
      for k = 0, 1 do for j = 0, 1 do for i = 0, 1 do data[#data + 1] = 100 * i + 10 * j + k end end end
      t = loadbytes(npy("{'descr': '<i8', 'fortran_order': True, 'shape': (2, 2, 2), }",
                        pack(string.rep('i8', 8), table.unpack(data))))
      assert_same_tensor(hm.LongTensor({{{0, 1}, {10, 11}}, {{100, 101}, {110, 111}}}), t)
      t = loadbytes(npy("{'descr': '<f8', 'fortran_order': True, 'shape': (3,), }", pack('<ddd', 1, 2, 3)))
      assert_same_tensor(hm.DoubleTensor({1, 2, 3}), t)
   end)

   it("reads format versions 2.0 and 3.0 and any spelling of the header", function()
      local data = pack('<ff', 1, 2)
      local want = hm.FloatTensor({1, 2})
      assert_same_tensor(want, loadbytes(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data, 2)))
      assert_same_tensor(want, loadbytes(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data, 3)))
      assert_same_tensor(want, loadbytes(npy('{ "shape" : ( 2 , ) ,"fortran_order":False,"descr":"<f4"}', data)))
      assert_same_tensor(want, loadbytes(npy("{'descr': '=f4', 'fortran_order': False, 'shape': (2L,)}", data)))
      -- a 0-d array is one element; a zero in the shape gives no elements
      assert_same_tensor(hm.FloatTensor({7}), loadbytes(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", pack('<f', 7))))
      assert.are.equal(0, loadbytes(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }")):nElement())
   end)

   it("rejects unsupported dtypes with a clear message", function()
      local function header(descr) return npy("{'descr': " .. descr .. ", 'fortran_order': False, 'shape': (1,), }", string.rep("\0", 8)) end
      assert.error_matches(function() loadbytes(header("'>f4'")) end, "unsupported dtype '>f4' %(big%-endian%)")
      assert.error_matches(function() loadbytes(header("'|O'")) end, "unsupported dtype '|O'")
      assert.error_matches(function() loadbytes(header("'<f2'")) end, "unsupported dtype '<f2'")
      assert.error_matches(function() loadbytes(header("'<c16'")) end, "unsupported dtype '<c16'")
      assert.error_matches(function() loadbytes(header("[('a', '<f4')]")) end, "unsupported dtype %(structured%)")
   end)

   it("rejects bad magic, versions and headers", function()
      assert.error_matches(function() loadbytes("not an npy file at all") end, "is not a %.npy file %(bad magic%)")
      assert.error_matches(function() loadbytes("\147NUM") end, "truncated")
      assert.error_matches(function() loadbytes("\147NUMPY\4\0\0\0") end, "unsupported %.npy format version 4%.0")
      assert.error_matches(function() loadbytes(npy("{'descr': '<f4', 'shape': (1,), }", "abcd")) end,
                           "no valid 'fortran_order'")
      assert.error_matches(function() loadbytes(npy("{'descr': '<f4', 'fortran_order': False}", "abcd")) end,
                           "no valid 'shape'")
      assert.error_matches(function() loadbytes(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", "abcd")) end,
                           "invalid shape entry %-1")
      assert.error_matches(function() loadbytes(npy("{'descr': '<f4' 'fortran_order': False}", "")) end,
                           "unreadable header %(expected ',' or '}'")
      assert.error_matches(function() loadbytes(npy("{'descr': '<f4", "")) end, "unreadable header")
      assert.error_matches(function() loadbytes(npy("[1, 2]", "")) end, "header that is not a dict")
   end)

   it("raises on a file truncated anywhere, and on sizes the file cannot hold", function()
      local path = tmpfile()
      hm.savenpy(path, hm.DoubleTensor({{1, 2}, {3, 4}}))
      local s = readfile(path)
      for k = 0, #s - 1 do
         writefile(path, s:sub(1, k))
         local ok, err = pcall(hm.loadnpy, path)
         assert.is_false(ok, "no error at length " .. k)
         assert.is_truthy(err:find("hm.loadnpy: '" .. path .. "'", 1, true), err)
      end
      writefile(path, s:sub(1, 140))
      assert.error_matches(function() hm.loadnpy(path) end, "is truncated %(needed 32 bytes at offset 128, file has 140%)")
      writefile(path, npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }", "x"))
      assert.error_matches(function() hm.loadnpy(path) end, "is truncated %(a dtype <f8 array of size 4294967296x4294967296x4 needs more than the 1 bytes left at offset 128, file has 129%)")
      assert.error_matches(function() hm.loadnpy(path .. ".missing") end, "hm%.loadnpy: cannot open")
      os.remove(path)
   end)

   local numpy = os.execute("/usr/bin/python3 -c 'import numpy' 2>/dev/null")
   local check = numpy and it or pending
   check("round-trips through NumPy (needs /usr/bin/python3 with numpy)", function()
      local a, b = tmpfile(), tmpfile()
      hm.savenpy(a, hm.FloatTensor({{1, 2, 3}, {4, 5, 6}}))
      local script = string.format([[
import numpy as np
x = np.load('%s')
assert x.dtype == np.float32 and x.shape == (2, 3) and x[1, 2] == 6
np.save('%s', np.asfortranarray(np.arange(12, dtype=np.int32).reshape(3, 4) - 5))
]], a, b)
      assert.is_true(os.execute("/usr/bin/python3 -c \"" .. script .. "\""))
      local t = hm.loadnpy(b)
      assert.are.equal('hm.LongTensor', t:type())
      assert.are.equal(-5, t[1][1])
      assert.are.equal(6, t[3][4])
      assert.are.equal(-4, t[1][2])
      os.remove(a)
      os.remove(b)
   end)
end)

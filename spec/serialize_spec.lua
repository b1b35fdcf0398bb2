-- Specs for lua/harmonium/serialize.lua (hm.save / hm.load / hm.serialize /
-- hm.deserialize) and hm._tobytes / hm._frombytes in csrc/serialize.c: round trips of
-- every value type, shared references and cycles, class objects, atomic writes.
-- serialize_errors_spec.lua covers truncated and corrupt input.
local hm = require 'harmonium'

local types = { hm.ByteTensor, hm.LongTensor, hm.FloatTensor, hm.DoubleTensor }

-- a deterministic fill with a different value per element, valid in every type
local function ramp(T, ...)
   local t = T(...)
   if t:nElement() == 0 then return t end
   local flat = t:view(-1)
   for i = 1, flat:nElement() do
      local v = (i * 37) % 251
      if T == hm.FloatTensor or T == hm.DoubleTensor then v = v / 8 - 11 end
      if T == hm.LongTensor then v = v * 1000003 - 90000000 end
      flat[i] = v
   end
   return t
end

-- same type, same shape, identical bytes
local function assert_same_tensor(expected, actual)
   assert.is_true(hm.isTensor(actual))
   assert.are.equal(expected:type(), actual:type())
   assert.are.equal(tostring(expected:size()), tostring(actual:size()))
   assert.are.equal(expected:dim(), actual:dim())
   assert.is_true(hm._tobytes(expected) == hm._tobytes(actual))
end

local function rt(x) return hm.deserialize(hm.serialize(x)) end

local function tmpfile()
   local name = os.tmpname()
   os.remove(name)
   return name
end

local function readall(path)
   local f = assert(io.open(path, 'rb'))
   local s = f:read('a')
   f:close()
   return s
end

describe("hm._tobytes / hm._frombytes", function()
   it("give the raw little-endian bytes of a tensor and back", function()
      assert.are.equal(string.pack('<ff', 1.5, -2), hm._tobytes(hm.FloatTensor({1.5, -2})))
      assert.are.equal(string.pack('<i8i8', -1, 2^40), hm._tobytes(hm.LongTensor({-1, 2^40})))
      local t, nextpos = hm._frombytes('double', {2}, 'xx' .. string.pack('<dd', 3.25, -7), 3)
      assert_same_tensor(hm.DoubleTensor({3.25, -7}), t)
      assert.are.equal(19, nextpos)
      t = hm._frombytes('hm.LongTensor', {3}, string.pack('<i4i4i4', -5, 7, 2^31 - 1), 1, 'i4')
      assert_same_tensor(hm.LongTensor({-5, 7, 2^31 - 1}), t)
   end)

   it("gather views row-major", function()
      local m = ramp(hm.DoubleTensor, 3, 4)
      local v = m:t()
      assert.is_false(v:isContiguous())
      assert.are.equal(hm._tobytes(v:contiguous()), hm._tobytes(v))
      assert.are.equal('', hm._tobytes(hm.FloatTensor(0, 3)))
      assert.are.equal('', hm._tobytes(hm.FloatTensor()))
   end)

   it("check the string is long enough before allocating", function()
      assert.error_matches(function() hm._frombytes('float', {3}, string.rep('x', 11)) end,
                           "string too short")
      assert.error_matches(function() hm._frombytes('float', {2^40, 2^40}, 'xxxx') end,
                           "string too short")
      assert.error_matches(function() hm._frombytes('float', {-1}, 'xxxx') end,
                           "bad argument #2 to '_frombytes'")
      assert.error_matches(function() hm._frombytes('half', {1}, 'xxxx') end,
                           "invalid tensor type 'half'")
      assert.error_matches(function() hm._frombytes('float', {1}, 'xxxx', 9) end,
                           "bad argument #4 to '_frombytes'")
      assert.error_matches(function() hm._frombytes('float', {1}, 'xxxx', 1, 'i4') end,
                           "bad argument #5 to '_frombytes'")
   end)
end)

describe("hm.serialize", function()
   it("writes a versioned little-endian header and fixed-width values", function()
      local s = hm.serialize(1)
      assert.are.equal("HMSER\0" .. string.pack('<I4', 1) .. "\3" .. string.pack('<i8', 1), s)
      assert.are.equal("HMSER\0\1\0\0\0\5" .. string.pack('<i8', 2) .. "hi", hm.serialize("hi"))
   end)

   it("round-trips nil, booleans, numbers and strings", function()
      local values = { true, false, 0, 1, -1, math.maxinteger, math.mininteger, 0.1, -0.0,
                       1e308, 5e-324, math.huge, -math.huge, 2^53, "", "a\0b\255",
                       string.rep("xyz", 100000) }
      for _, v in ipairs(values) do
         local back = rt(v)
         assert.are.equal(v, back)
         assert.are.equal(math.type(v), math.type(back))
      end
      assert.is_nil(rt(nil))
      local nan = rt(0 / 0)
      assert.is_true(nan ~= nan)
      assert.are.equal(1 / -0.0, 1 / rt(-0.0))     -- the sign of zero survives
   end)

   it("round-trips nested tables with every kind of key", function()
      local key = { 'k' }
      local obj = {
         1, 2.5, "three", true, false,
         nested = { deep = { deeper = { "x", { y = { z = 42 } } } } },
         [true] = "yes", [false] = "no", [3.5] = "float key", [-7] = "negative",
         [key] = "table key", ['with space'] = 1,
         empty = {},
      }
      local back = rt(obj)
      assert.are.same(obj[1], back[1])
      assert.are.equal(42, back.nested.deep.deeper[2].y.z)
      assert.are.equal("yes", back[true])
      assert.are.equal("no", back[false])
      assert.are.equal("float key", back[3.5])
      assert.are.equal("negative", back[-7])
      assert.are.same({}, back.empty)
      local found
      for k, v in pairs(back) do if type(k) == 'table' then found = k; assert.are.equal("table key", v) end end
      assert.are.same({ 'k' }, found)
   end)

   it("round-trips tensors of every type, views and zero-element tensors", function()
      for _, T in ipairs(types) do
         local m = ramp(T, 3, 4, 5)
         assert_same_tensor(m, rt(m))
         assert_same_tensor(m:transpose(1, 3), rt(m:transpose(1, 3)))
         assert_same_tensor(m:narrow(2, 2, 2), rt(m:narrow(2, 2, 2)))
         assert_same_tensor(m:select(3, 4), rt(m:select(3, 4)))
         assert.is_true(rt(m:transpose(1, 2)):isContiguous())
         assert_same_tensor(T(0, 3), rt(T(0, 3)))
         assert_same_tensor(T(4, 0, 2), rt(T(4, 0, 2)))
         local e = rt(T())
         assert.are.equal(0, e:dim())
         assert.are.equal(T():type(), e:type())
         assert_same_tensor(ramp(T, 1), rt(ramp(T, 1)))
      end
      local x = hm.DoubleTensor({0 / 0, math.huge, -0.0, 5e-324})
      local y = rt(x)
      assert.is_true(y[1] ~= y[1])
      assert.are.equal(math.huge, y[2])
      assert.are.equal(5e-324, y[4])
   end)

   it("keeps shared references and cycles as one object", function()
      local shared = { v = 1 }
      local t = hm.FloatTensor(3):fill(2)
      local obj = { a = shared, b = shared, list = { shared, t }, t1 = t, t2 = t }
      obj.self = obj
      obj.list.parent = obj
      local back = rt(obj)
      assert.are.equal(back.a, back.b)
      assert.are.equal(back.a, back.list[1])
      assert.are.equal(back, back.self)
      assert.are.equal(back, back.list.parent)
      assert.are.equal(back.t1, back.t2)
      assert.are.equal(back.t1, back.list[2])
      back.t1[1] = 9
      assert.are.equal(9, back.t2[1])
      -- two views of one storage come back as independent tensors with the same values
      local m = ramp(hm.FloatTensor, 2, 3)
      local v = rt({ m, m:t() })
      assert_same_tensor(m, v[1])
      assert_same_tensor(m:t(), v[2])
      v[1][1][1] = 100
      assert.are_not.equal(100, v[2][1][1])
   end)

   it("round-trips size tables with their metatable", function()
      local s = rt(hm.FloatTensor(2, 3):size())
      assert.are.equal('2x3', tostring(s))
      assert.are.equal(getmetatable(hm.FloatTensor(1):size()), getmetatable(s))
   end)

   it("writes hm.class objects by class name and rebuilds them without __init", function()
      local Layer = hm.class('specser.Layer')
      local inits = 0
      function Layer:__init(n) inits = inits + 1; self.n = n; self.weight = hm.FloatTensor(n):fill(n) end
      function Layer:size() return self.n end
      local Net = hm.class('specser.Net', 'specser.Layer')
      function Net:__init() inits = inits + 1; self.layers = { Layer(2), Layer(3) } end
      function Net:__tostring() return 'Net' end
      local net = Net()
      net.first = net.layers[1]
      net.layers.owner = net
      inits = 0
      local back = rt(net)
      assert.are.equal(0, inits)
      assert.are.equal(Net, getmetatable(back))
      assert.are.equal('specser.Net', hm.type(back))
      assert.are.equal('Net', tostring(back))
      assert.are.equal(3, back.layers[2]:size())
      assert.are.equal(back.first, back.layers[1])
      assert.are.equal(back, back.layers.owner)
      assert_same_tensor(net.layers[2].weight, back.layers[2].weight)
      assert.is_true(hm.isTypeOf(back, 'specser.Layer'))
   end)

   it("refuses functions and other unserializable values, naming the key path", function()
      assert.error_matches(function() hm.serialize({ modules = { {}, { fn = print } } }) end,
                           "^[^\n]*hm%.serialize: cannot serialize a function %(at obj%.modules%[2%]%.fn%)")
      assert.error_matches(function() hm.serialize({ ['a b'] = coroutine.create(print) }) end,
                           'cannot serialize a thread %(at obj%["a b"%]%)')
      assert.error_matches(function() hm.serialize(io.stdout) end,
                           "cannot serialize a userdata that is not a tensor %(at obj%)")
      assert.error_matches(function() hm.serialize({ x = setmetatable({}, {}) }) end,
                           "metatable that is not an hm.class class %(at obj%.x%)")
   end)
end)

describe("hm.save / hm.load", function()
   it("round-trips through a file", function()
      local path = tmpfile()
      local obj = { weights = ramp(hm.DoubleTensor, 4, 3), name = "model", epoch = 7 }
      hm.save(path, obj)
      local back = hm.load(path)
      assert_same_tensor(obj.weights, back.weights)
      assert.are.equal("model", back.name)
      assert.are.equal(7, back.epoch)
      assert.are.equal(hm.serialize(obj.weights), (function()
         hm.save(path, obj.weights) return readall(path) end)())
      os.remove(path)
   end)

   it("moves a large tensor quickly", function()
      local path = tmpfile()
      local t = hm.FloatTensor(1000, 4000):fill(1.5)
      t[1000][4000] = -3
      local t0 = hm._clock()
      hm.save(path, { t = t })
      local back = hm.load(path)
      local elapsed = hm._clock() - t0
      os.remove(path)
      assert.are.equal(-3, back.t[1000][4000])
      assert.are.equal(1.5, back.t[500][17])
      assert.is_true(elapsed < 5, "16 MB round trip took " .. elapsed .. " s")
   end)

   it("reads values before, between and after tensors larger than its read buffer", function()
      local path = tmpfile()
      local a, b = ramp(hm.DoubleTensor, 300, 100), ramp(hm.ByteTensor, 70000)
      local obj = { "first", a, { x = 1, y = "between" }, b:narrow(1, 5, 69990), a, "last", ramp(hm.FloatTensor, 3) }
      hm.save(path, obj)
      local back = hm.load(path)
      assert.are.equal("first", back[1])
      assert_same_tensor(a, back[2])
      assert.are.same({ x = 1, y = "between" }, back[3])
      assert_same_tensor(b:narrow(1, 5, 69990), back[4])
      assert.are.equal(back[2], back[5])
      assert.are.equal("last", back[6])
      assert_same_tensor(ramp(hm.FloatTensor, 3), back[7])
      -- cut inside the big tensor's data
      local s = hm.serialize(obj)
      for _, k in ipairs({ 100, 240000, #s - 70000, #s - 1 }) do
         local f = assert(io.open(path, 'wb'))
         f:write(s:sub(1, k))
         f:close()
         assert.error_matches(function() hm.load(path) end, "is truncated %(needed %d+ bytes at offset %d+, file has " .. k .. "%)")
      end
      os.remove(path)
   end)

   it("writes and reads tensor bytes straight through open files", function()
      local path = tmpfile()
      local f = assert(io.open(path, 'wb'))
      local m = ramp(hm.FloatTensor, 4, 5)
      assert.is_true(hm._fwrite(f, m:t()))
      assert.is_true(hm._fwrite(f, hm.FloatTensor(0)))
      f:close()
      assert.error_matches(function() hm._fwrite(f, m) end, "attempt to use a closed file")
      assert.error_matches(function() hm._fwrite(io.stdout, {}) end, "bad argument #2 to '_fwrite'")
      assert.are.equal(hm._tobytes(m:t()), readall(path))
      f = assert(io.open(path, 'rb'))
      local back = hm._fread(f, 'float', { 5, 4 })
      assert_same_tensor(m:t():contiguous(), back)
      f:seek('set', 0)
      assert.error_matches(function() hm._fread(f, 'float', { 5, 5 }) end, "file too short")
      assert.error_matches(function() hm._fread(f, 'float', { 2^40, 2^40 }) end, "file too short")
      assert.error_matches(function() hm._fread(f, 'float', { 1 }, 'i4') end, "bad argument #4 to '_fread'")
      local l = hm._fread(f, 'long', { 20 }, 'i4')
      assert.are.equal(20, l:nElement())
      f:close()
      os.remove(path)
   end)

   it("leaves the old file intact when a save fails, and no temporary behind", function()
      local dir = tmpfile()
      assert.is_true(os.execute("mkdir " .. dir))
      local path = dir .. "/model.bin"
      hm.save(path, { version = 1 })
      local before = readall(path)
      assert.error_matches(function() hm.save(path, { version = 2, big = hm.FloatTensor(1000), f = print }) end,
                           "hm%.save: cannot serialize a function %(at obj%.f%)")
      assert.are.equal(before, readall(path))
      assert.are.equal(1, hm.load(path).version)
      local ls = io.popen("ls -A " .. dir)
      local listing = ls:read('a')
      ls:close()
      assert.are.equal("model.bin\n", listing)
      assert.error_matches(function() hm.save(dir .. "/no/such/dir/x.bin", 1) end,
                           "hm%.save: cannot write '.-/no/such/dir/x%.bin'")
      os.remove(path)
      os.remove(dir)
   end)

   it("raises on a missing file or a bad argument", function()
      assert.error_matches(function() hm.load("/nonexistent/x.bin") end,
                           "hm%.load: cannot open '/nonexistent/x%.bin'")
      assert.error_matches(function() hm.load("/tmp") end, "hm%.load: cannot read '/tmp' %(")
      assert.error_matches(function() hm.load(5) end, "bad argument #1 to 'load' %(string expected")
      assert.error_matches(function() hm.save(nil, 5) end, "bad argument #1 to 'save'")
      assert.error_matches(function() hm.deserialize(5) end, "bad argument #1 to 'deserialize'")
   end)
end)

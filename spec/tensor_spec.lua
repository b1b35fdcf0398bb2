-- Specs for csrc/tensor.c and lua/harmonium/tensor.lua: construction, types, shape
-- queries, copy across types, fill, printing.
local hm = require 'harmonium'

-- a deterministic fill that does not depend on the random module
local function ramp(t)
   local flat = t:view(-1)
   for i = 1, flat:nElement() do flat[i] = ((i * 37) % 101) / 10 - 5 end
   return t
end

describe("tensor construction", function()
   it("builds from a nested table and gives it back with totable", function()
      local t = hm.Tensor({{1, 2, 3}, {4, 5, 6}})
      assert.are.equal(2, t:dim())
      assert.are.equal(2, t:size(1))
      assert.are.equal(3, t:size(2))
      assert.are.same({{1, 2, 3}, {4, 5, 6}}, t:totable())
   end)

   it("builds from sizes, zero-filled, in each type", function()
      for _, T in ipairs{hm.FloatTensor, hm.DoubleTensor, hm.ByteTensor, hm.LongTensor} do
         local t = T(2, 3, 4)
         assert.are.equal(tostring(T), t:type())
         assert.are.equal(24, t:nElement())
         for i = 1, 2 do for j = 1, 3 do for k = 1, 4 do
            assert.are.equal(0, t[i][j][k])
         end end end
      end
   end)

   it("builds from a size table returned by size()", function()
      local a = hm.Tensor(4, 5)
      local b = hm.DoubleTensor(a:size())
      assert.are.equal("4x5", tostring(b:size()))
   end)

   it("makes an empty tensor with no arguments", function()
      local t = hm.Tensor()
      assert.are.equal(0, t:dim())
      assert.are.equal(0, t:nElement())
      assert.are.same({}, t:totable())
   end)

   it("shares storage when built from another tensor of the same type", function()
      local a = hm.Tensor(3):fill(1)
      local b = hm.Tensor(a)
      b[2] = 7
      assert.are.equal(7, a[2])
   end)

   it("converts when built from a tensor of another type", function()
      local a = hm.DoubleTensor({1.5, -2.5, 300})
      local l = hm.LongTensor(a)
      assert.are.same({1, -2, 300}, l:totable())
      local b = hm.ByteTensor(a)
      assert.are.same({1, 0, 255}, b:totable())   -- saturates instead of wrapping
   end)

   it("holds doubles exactly and floats to single precision", function()
      local d = hm.DoubleTensor({0.1})
      local f = hm.FloatTensor({0.1})
      assert.are.equal(0.1, d[1])
      assert.are_not.equal(0.1, f[1])
      assert.is_true(math.abs(f[1] - 0.1) < 1e-8)
   end)

   it("keeps every bit of 64-bit integers in LongTensors", function()
      local t = hm.LongTensor({math.maxinteger, math.mininteger, 2^53 + 1 // 1})
      assert.are.equal(math.maxinteger, t[1])
      assert.are.equal(math.mininteger, t:totable()[2])
      t[3] = 9007199254740993
      assert.are.equal(9007199254740993, t[3])
   end)

   it("raises clear errors for bad constructor arguments", function()
      assert.has_error(function() hm.Tensor(-1) end)
      assert.has_error(function() hm.Tensor(2.5) end)
      assert.has_error(function() hm.Tensor("x") end)
      assert.error_matches(function() hm.Tensor({{1, 2}, {3}}) end, "not rectangular")
      assert.error_matches(function() hm.Tensor({{1, 2}, {3, "a"}}) end, "number was expected")
      assert.error_matches(function() hm.Tensor({1, {2}}) end, "number was expected")
      assert.error_matches(function() hm.Tensor(1e9, 1e9, 1e9) end, "too many")
   end)
end)

describe("tensor types", function()
   it("converts with type(), float(), double(), byte(), long()", function()
      local a = hm.Tensor({1.7, 2.2})
      assert.are.equal("hm.DoubleTensor", a:double():type())
      assert.are.equal("hm.LongTensor", a:long():type())
      assert.are.same({1, 2}, a:long():totable())
      assert.are.equal(a, a:float())                 -- same type: the tensor itself
      assert.are.equal("hm.ByteTensor", a:type("torch.ByteTensor"):type())
      assert.are.equal("hm.LongTensor", a:typeAs(hm.LongTensor()):type())
      assert.has_error(function() a:type("hm.HalfTensor") end)
   end)

   it("changes the default type", function()
      hm.setdefaulttensortype("hm.DoubleTensor")
      assert.are.equal("hm.DoubleTensor", hm.Tensor(2):type())
      hm.setdefaulttensortype("torch.FloatTensor")
      assert.are.equal("hm.FloatTensor", hm.Tensor(2):type())
      assert.has_error(function() hm.setdefaulttensortype("hm.ByteTensor") end)
   end)

   it("reports types with hm.type and hm.isTensor", function()
      assert.are.equal("hm.LongTensor", hm.type(hm.LongTensor(1)))
      assert.are.equal("number", hm.type(3))
      assert.is_true(hm.isTensor(hm.Tensor()))
      assert.is_false(hm.isTensor({}))
   end)
end)

describe("copy and fill", function()
   it("copies across every pair of types", function()
      local names = {"FloatTensor", "DoubleTensor", "ByteTensor", "LongTensor"}
      for _, s in ipairs(names) do
         for _, d in ipairs(names) do
            local src = hm[s]({{1, 2}, {3, 4}})
            local dst = hm[d](2, 2):copy(src)
            assert.are.same({{1, 2}, {3, 4}}, dst:totable())
         end
      end
   end)

   it("copies between differently shaped tensors of equal size in row-major order", function()
      local a = hm.Tensor({{1, 2, 3}, {4, 5, 6}})
      local b = hm.Tensor(3, 2):copy(a)
      assert.are.same({{1, 2}, {3, 4}, {5, 6}}, b:totable())
   end)

   it("copies from and into non-contiguous views", function()
      local a = ramp(hm.DoubleTensor(5, 7))
      local at = a:t()
      local b = hm.DoubleTensor(7, 5):copy(at)
      for i = 1, 7 do for j = 1, 5 do assert.are.equal(a[j][i], b[i][j]) end end
      local c = hm.DoubleTensor(5, 7):zero()
      c:t():copy(b)
      assert.are.same(a:totable(), c:totable())
      local n = hm.FloatTensor(3, 8):fill(-1)
      n:narrow(2, 3, 4):copy(hm.FloatTensor(3, 4):fill(2))
      assert.are.same({-1, -1, 2, 2, 2, 2, -1, -1}, n[2]:totable())
   end)

   it("copies a 3D permuted view", function()
      local a = ramp(hm.DoubleTensor(2, 3, 4))
      local p = a:permute(3, 1, 2):contiguous()
      for i = 1, 2 do for j = 1, 3 do for k = 1, 4 do
         assert.are.equal(a[i][j][k], p[k][i][j])
      end end end
   end)

   it("raises on a copy of a different number of elements", function()
      assert.error_matches(function() hm.Tensor(2, 3):copy(hm.Tensor(7)) end,
                           "size mismatch: destination is %[2 x 3%], source is %[7%]")
      assert.error_matches(function() hm.Tensor(2):copy({1, 2}) end, "harmonium.Tensor expected")
   end)

   it("fills and zeroes contiguous and strided tensors", function()
      local a = hm.Tensor(4, 4):fill(3)
      a:select(2, 2):fill(9)
      assert.are.same({3, 9, 3, 3}, a[1]:totable())
      a:t():zero()
      assert.are.same({0, 0, 0, 0}, a[4]:totable())
      assert.has_error(function() a:fill("x") end)
   end)

   it("accepts zero-element tensors everywhere", function()
      local z = hm.Tensor(0, 3)
      assert.are.equal(0, z:nElement())
      z:fill(1):zero()
      assert.are.equal(0, z:clone():nElement())
      assert.are.equal(0, z:t():contiguous():nElement())
      assert.are.equal(0, hm.Tensor(0):copy(hm.DoubleTensor(0)):nElement())
   end)
end)

describe("resize", function()
   it("keeps the storage when it is large enough and reallocates otherwise", function()
      local a = hm.Tensor(2, 3):fill(5)
      a:resize(3, 2)
      assert.are.equal(5, a[3][2])
      a:resize(10, 10)
      assert.are.equal("10x10", tostring(a:size()))
      a:resizeAs(hm.Tensor(4))
      assert.are.equal(1, a:dim())
      assert.has_error(function() a:resize(-2) end)
   end)

   it("leaves a view of the same shape alone and makes a reshaped view contiguous", function()
      local a = hm.Tensor(3, 4)
      local t = a:t()
      t:resize(4, 3)
      assert.is_false(t:isContiguous())       -- same shape: strides kept, as Torch7 does
      t:resize(2, 6)
      assert.is_true(t:isContiguous())
   end)
end)

describe("printing", function()
   it("shows values and the Torch7 footer", function()
      local s = tostring(hm.Tensor({{1, 2, 3}, {4, 5, 6}}))
      assert.truthy(s:find("[hm.FloatTensor of size 2x3]", 1, true))
      assert.truthy(s:find("1  2  3", 1, true))
   end)

   it("prints fractions, slices of 3D tensors, empty tensors and big tensors", function()
      assert.truthy(tostring(hm.DoubleTensor({0.5, 1.25})):find("1.2500", 1, true))
      local s3 = tostring(hm.Tensor(2, 2, 2):fill(1))
      assert.truthy(s3:find("(2,.,.) =", 1, true))
      assert.are.equal("[hm.LongTensor with no dimension]", tostring(hm.LongTensor()))
      local big = tostring(hm.Tensor(100, 100))
      assert.truthy(big:find("...", 1, true))
      assert.truthy(big:find("[hm.FloatTensor of size 100x100]", 1, true))
      assert.truthy(tostring(hm.Tensor({0/0})):find("nan"))
   end)
end)

describe("memory", function()
   it("lets the collector reclaim dropped tensors", function()
      collectgarbage("collect")
      local before = collectgarbage("count")
      for _ = 1, 200 do local _t = hm.Tensor(256, 1024) end   -- 200 x 1 MB
      collectgarbage("collect")
      local after = collectgarbage("count")
      assert.is_true(after - before < 4096, "heap grew by " .. (after - before) .. " KB")
   end)

   it("counts tensor bytes in the Lua heap", function()
      collectgarbage("collect")
      local before = collectgarbage("count")
      local keep = hm.Tensor(1024, 1024)                      -- 4 MB
      local grown = collectgarbage("count") - before
      assert.is_true(grown > 4000, "heap grew by only " .. grown .. " KB")
      keep = nil
   end)
end)

-- Specs for csrc/tensor_reduce.c, part 1: sum, prod, mean, max and min over all elements
-- and along each dimension, compared with naive Lua loops on contiguous, transposed and
-- narrowed inputs of every type; result forms; empty tensors; argument errors.
-- Part 2 (tensor_reduce_stats_spec.lua): std, var, norm, logsumexp, cumsum, cumprod,
-- argmax/argmin, precision, parallel paths.
local hm = require 'harmonium'

------------------------------------------------------------------ naive references

-- deterministic fill (the random module is not used), with negative values for signed types
local function fill(t)
   local flat = t:view(-1)
   local kind = t:type()
   for i = 1, flat:nElement() do
      local v = ((i * 37) % 101)
      if kind == "hm.ByteTensor" then flat[i] = v % 7 + 1
      elseif kind == "hm.LongTensor" then flat[i] = v - 50
      else flat[i] = v / 10 - 5 end
   end
   return t
end

-- element values of t in row-major order, and its sizes
local function flatten(t)
   local vals, size = {}, t:size():totable()
   local function walk(x)
      if type(x) == "table" then for _, y in ipairs(x) do walk(y) end
      else vals[#vals + 1] = x end
   end
   walk(t:totable())
   return vals, size
end

-- apply f to every row of t along dim d (1-based); returns a flat list of results in the
-- row-major order of the kept-dimension result
local function naiveDim(t, d, f)
   local vals, size = flatten(t)
   local outer, n, inner = 1, size[d], 1
   for k = 1, d - 1 do outer = outer * size[k] end
   for k = d + 1, #size do inner = inner * size[k] end
   local out = {}
   for o = 0, outer - 1 do
      for j = 0, inner - 1 do
         local row = {}
         for k = 0, n - 1 do row[k + 1] = vals[o * n * inner + k * inner + j + 1] end
         out[#out + 1] = { f(row) }
      end
   end
   return out
end

local function lsum(r) local s = 0 for _, v in ipairs(r) do s = s + v end return s end
local function lprod(r) local s = 1 for _, v in ipairs(r) do s = s * v end return s end
local function lmax(r)
   local m, i = r[1], 1
   for k = 2, #r do if r[k] > m then m, i = r[k], k end end
   return m, i
end
local function lmin(r)
   local m, i = r[1], 1
   for k = 2, #r do if r[k] < m then m, i = r[k], k end end
   return m, i
end

-- compare the list of results (field which of each entry) with the flat tensor t
local function assertListNear(expected, t, which, tol)
   local got = flatten(t)
   assert.are.equal(#expected, #got)
   for k = 1, #expected do
      local e = expected[k][which]
      if math.abs(e - got[k]) > tol * math.max(1, math.abs(e)) then
         error(string.format("element %d: expected %.17g, got %.17g", k, e, got[k]), 2)
      end
   end
end

local function keptSize(t, d)
   local s = t:size():totable()
   s[d] = 1
   return table.concat(s, "x")
end

-- inputs of type T: contiguous 3D, transposed, narrowed, a 1D vector
local function inputs(T)
   local a = fill(T(3, 4, 5))
   local b = fill(T(5, 4, 3)):transpose(1, 3)        -- 3x4x5, not contiguous
   local c = fill(T(4, 7)):narrow(2, 2, 4)           -- 4x4, not contiguous
   local v = fill(T(9))
   return { a, b, c, v }
end

local types = { hm.FloatTensor, hm.DoubleTensor, hm.ByteTensor, hm.LongTensor }
local tolOf = { ["hm.FloatTensor"] = 1e-5, ["hm.DoubleTensor"] = 1e-12,
                ["hm.ByteTensor"] = 0, ["hm.LongTensor"] = 0 }

------------------------------------------------------------------ specs

describe("sum, prod, max and min over all elements", function()
   it("match naive loops for every type and layout", function()
      for _, T in ipairs(types) do
         for _, t in ipairs(inputs(T)) do
            local vals = flatten(t)
            local tol = tolOf[t:type()]
            assert.near(lsum(vals), t:sum(), tol * math.max(1, math.abs(lsum(vals))))
            assert.are.equal(lmax(vals), t:max())
            assert.are.equal(lmin(vals), t:min())
            assert.near(lsum(vals) / #vals, t:mean(), 1e-5 * math.max(1, math.abs(lsum(vals))))
         end
      end
   end)

   it("computes hand-checked values", function()
      local a = hm.Tensor({{1, 2, 3}, {4, 5, 6}})
      assert.are.equal(21, a:sum())
      assert.are.equal(720, a:prod())
      assert.are.equal(3.5, a:mean())
      assert.are.equal(6, a:max())
      assert.are.equal(1, a:min())
      assert.are.equal(21, hm.sum(a))
   end)

   it("returns integers for byte and long sums and products", function()
      assert.are.equal(math.type(6), math.type(hm.LongTensor({1, 2, 3}):sum()))
      assert.are.equal(300, hm.ByteTensor({200, 100}):sum())          -- no wrap-around
      assert.are.equal(-24, hm.LongTensor({-1, 2, 3, 4}):prod())
      assert.are.equal(255, hm.ByteTensor({3, 255, 7}):max())
      assert.are.equal("integer", math.type(hm.LongTensor({5, 9}):max()))
      local big = hm.LongTensor({2 ^ 62, 2 ^ 62, -(2 ^ 62)})
      assert.are.equal(4611686018427387904, big:sum())                  -- exact in int64
   end)

   it("handles products with a prod of a float tensor", function()
      assert.near(0.5 * 4 * -2, hm.FloatTensor({0.5, 4, -2}):prod(), 1e-6)
      local v = hm.DoubleTensor(40)
      for i = 1, 40 do v[i] = ((i * 37) % 101) / 50 - 0.99 end
      assert.near(lprod(flatten(v)), v:prod(), 1e-9 * math.abs(lprod(flatten(v))))
   end)

   it("gives 0, 1 and NaN for the sum, prod and mean of an empty tensor", function()
      for _, t in ipairs{ hm.Tensor(), hm.Tensor(0, 3), hm.LongTensor(2, 0) } do
         assert.are.equal(0, t:sum())
         assert.are.equal(1, t:prod())
      end
      local m = hm.Tensor():mean()
      assert.is_true(m ~= m)
   end)

   it("propagates NaN through max and min", function()
      local t = hm.DoubleTensor({1, 0 / 0, 3})
      local mx, mn = t:max(), t:min()
      assert.is_true(mx ~= mx)
      assert.is_true(mn ~= mn)
   end)
end)

describe("sum, prod, mean along a dimension", function()
   it("matches naive loops along every dimension, every type and layout", function()
      for _, T in ipairs(types) do
         for _, t in ipairs(inputs(T)) do
            local tol = tolOf[t:type()]
            for d = 1, t:dim() do
               local s = t:sum(d)
               assert.are.equal(t:type(), s:type())
               assert.are.equal(keptSize(t, d), tostring(s:size()))
               if T == hm.ByteTensor then
                  assertListNear(naiveDim(t, d, function(r) return lsum(r) % 256 end), s, 1, 0)
               else
                  assertListNear(naiveDim(t, d, lsum), s, 1, tol)
               end
               if T ~= hm.ByteTensor then
                  local p = t:prod(d)
                  assertListNear(naiveDim(t, d, lprod), p, 1, math.max(tol, 1e-6))
               end
               if T == hm.FloatTensor or T == hm.DoubleTensor then
                  assertListNear(naiveDim(t, d, function(r) return lsum(r) / #r end), t:mean(d), 1, tol)
               end
            end
         end
      end
   end)

   it("keeps the reduced dimension with size 1, as Torch7 does", function()
      local a = hm.Tensor({{1, 2, 3}, {4, 5, 6}})
      assert.tensor_near({{5, 7, 9}}, a:sum(1))
      assert.tensor_near({{6}, {15}}, a:sum(2))
      assert.tensor_near({{6}, {15}}, a:sum(-1))            -- negative counts from the end
      assert.tensor_near({{4, 10, 18}}, a:prod(1))
      assert.tensor_near({{2.5, 3.5, 4.5}}, a:mean(1))
      assert.tensor_near({21}, hm.Tensor({1, 2, 3, 4, 5, 6}):sum(1))
   end)

   it("wraps byte sums along a dimension like the element type", function()
      local b = hm.ByteTensor({{200, 100}, {1, 2}})
      assert.are.same({{201, 102}}, b:sum(1):totable())
      assert.are.same({{44}, {3}}, b:sum(2):totable())      -- 300 mod 256
   end)

   it("sums a zero-size dimension to 0 and multiplies it to 1", function()
      local t = hm.Tensor(0, 3)
      assert.are.same({{0, 0, 0}}, t:sum(1):totable())
      assert.are.same({{1, 1, 1}}, t:prod(1):totable())
      assert.are.equal("0x1", tostring(t:sum(2):size()))
   end)

   it("writes into a result tensor, resizing it: hm.sum(res, t, d) and res:sum(t, d)", function()
      local a = fill(hm.Tensor(3, 4))
      local res = hm.Tensor(7)
      local r = hm.sum(res, a, 2)
      assert.are.equal(res, r)
      assert.tensor_near(a:sum(2), res, 1e-6)
      local res2 = hm.Tensor()
      assert.are.equal(res2, res2:prod(a, 1))
      assert.tensor_near(a:prod(1), res2, 1e-4)
      hm.mean(res2, a, 1)
      assert.tensor_near(a:mean(1), res2, 1e-6)
   end)

   it("writes into a non-contiguous result view in place, keeping its strides", function()
      local a = fill(hm.DoubleTensor(3, 4))
      local big = hm.DoubleTensor(3, 2):zero()
      local col = big:narrow(2, 2, 1)                     -- 3x1 with stride 2
      assert.are.equal(col, hm.sum(col, a, 2))
      assert.tensor_near(a:sum(2), col, 1e-12)
      assert.tensor_near(a:sum(2), big:narrow(2, 2, 1), 1e-12)
      assert.are.same({0, 0, 0}, {big[1][1], big[2][1], big[3][1]})
   end)

   it("gives the right answer when the result is the input itself", function()
      local a = fill(hm.DoubleTensor(3, 4))
      local expected = a:sum(1)
      hm.sum(a, a, 1)
      assert.tensor_near(expected, a, 1e-12)
   end)

   it("leaves the input unchanged", function()
      local a = fill(hm.Tensor(3, 4))
      local before = a:clone()
      a:sum(1); a:max(2); a:prod(2)
      assert.tensor_near(before, a, 0)
   end)
end)

describe("max and min along a dimension", function()
   it("return values and 1-based LongTensor indices matching naive loops", function()
      for _, T in ipairs(types) do
         for _, t in ipairs(inputs(T)) do
            for d = 1, t:dim() do
               local v, i = t:max(d)
               assert.are.equal(t:type(), v:type())
               assert.are.equal("hm.LongTensor", i:type())
               assert.are.equal(keptSize(t, d), tostring(i:size()))
               local ref = naiveDim(t, d, lmax)
               assertListNear(ref, v, 1, 0)
               assertListNear(ref, i, 2, 0)
               v, i = t:min(d)
               ref = naiveDim(t, d, lmin)
               assertListNear(ref, v, 1, 0)
               assertListNear(ref, i, 2, 0)
            end
         end
      end
   end)

   it("computes the hand-checked example of the Torch7 manual", function()
      local x = hm.Tensor({{1.1994, -0.6290, 0.6888}, {-0.0038, -0.0908, -0.2075},
                           {0.3437, -0.9948, 0.1216}})
      local v, i = x:max(1)
      assert.tensor_near({{1.1994, -0.0908, 0.6888}}, v, 1e-6)
      assert.are.same({{1, 2, 1}}, i:totable())
      v, i = x:max(2)
      assert.are.same({{1}, {1}, {1}}, i:totable())
      v, i = x:min(2)
      assert.tensor_near({{-0.6290}, {-0.2075}, {-0.9948}}, v, 1e-6)
      assert.are.same({{2}, {3}, {2}}, i:totable())
   end)

   it("breaks ties with the first index", function()
      local t = hm.Tensor({{3, 1, 3, 1}, {2, 2, 2, 2}})
      local _, i = t:max(2)
      assert.are.same({{1}, {1}}, i:totable())
      _, i = t:min(2)
      assert.are.same({{2}, {1}}, i:totable())
      _, i = hm.Tensor({{5, 5}, {5, 5}, {5, 5}}):max(1)
      assert.are.same({{1, 1}}, i:totable())
      local long = hm.LongTensor(1000):fill(7)                    -- crosses vector lanes
      long[500] = 9; long[700] = 9
      _, i = long:view(1, 1000):max(2)
      assert.are.equal(500, i[1][1])
   end)

   it("returns the first NaN as max and min along a dimension", function()
      local t = hm.DoubleTensor({{1, 0 / 0, 5, 0 / 0}, {4, 3, 2, 1}})
      local v, i = t:max(2)
      assert.is_true(v[1][1] ~= v[1][1])
      assert.are.same({{2}, {1}}, i:totable())
      v, i = t:min(1)
      assert.are.same({{1, 1, 2, 1}}, i:totable())
   end)

   it("fills result tensors: hm.max(values, indices, t, d)", function()
      local a = fill(hm.Tensor(4, 6))
      local vals, idx = hm.Tensor(), hm.LongTensor(10)
      local rv, ri = hm.max(vals, idx, a, 2)
      assert.are.equal(vals, rv)
      assert.are.equal(idx, ri)
      local ev, ei = a:max(2)
      assert.tensor_near(ev, vals, 0)
      assert.are.same(ei:totable(), idx:totable())
      vals:min(idx, a, 1)
      ev, ei = a:min(1)
      assert.tensor_near(ev, vals, 0)
      assert.are.same(ei:totable(), idx:totable())
   end)
end)

describe("reduction argument errors", function()
   local a = hm.Tensor(2, 3)

   it("rejects a dimension out of range, naming the argument", function()
      assert.error_matches(function() hm.sum(a, 3) end,
         "bad argument #2 to '[^']*sum' %(dimension 3 out of range for 2D tensor%)")
      assert.error_matches(function() hm.max(a, 0) end, "bad argument #2 .*out of range")
      assert.error_matches(function() hm.prod(a, -3) end, "dimension %-3 out of range")
      assert.error_matches(function() a:mean(5) end, "dimension 5 out of range")
      assert.error_matches(function() hm.sum(hm.Tensor(), hm.Tensor(), 1) end, "out of range for 0D")
   end)

   it("rejects non-tensors and non-integer dimensions", function()
      assert.error_matches(function() hm.sum("x") end, "bad argument #1 .*harmonium.Tensor expected, got string")
      assert.error_matches(function() hm.max(nil) end, "harmonium.Tensor expected, got nil")
      assert.error_matches(function() hm.sum(a, "two") end, "bad argument #2 .*number expected, got string")
      assert.error_matches(function() hm.min(a, 1.5) end, "bad argument #2 .*integer")
      assert.error_matches(function() hm.sum(5, a, 1) end, "bad argument #1 .*harmonium.Tensor expected, got number")
   end)

   it("rejects result tensors of the wrong type", function()
      assert.error_matches(function() hm.sum(hm.DoubleTensor(), a, 1) end,
         "bad argument #1 .*hm.FloatTensor expected, got hm.DoubleTensor")
      assert.error_matches(function() hm.max(hm.Tensor(), hm.Tensor(), a, 1) end,
         "bad argument #2 .*hm.LongTensor expected, got hm.FloatTensor")
      local l = hm.LongTensor(2, 3)
      assert.error_matches(function() hm.max(l, l, hm.LongTensor(2, 3), 1) end, "must not share storage")
   end)

   it("rejects max and min of an empty tensor or dimension", function()
      assert.error_matches(function() hm.max(hm.Tensor()) end, "cannot take the maximum of an empty tensor")
      assert.error_matches(function() hm.min(hm.Tensor(0, 4)) end, "cannot take the minimum of an empty tensor")
      assert.error_matches(function() hm.max(hm.Tensor(0, 4), 1) end, "empty")
      assert.has_no.errors(function() hm.max(hm.Tensor(0, 4), 2) end)   -- 4 empty rows: 0x1 result
   end)

   it("rejects mean along a dimension of an integer tensor", function()
      assert.error_matches(function() hm.mean(hm.ByteTensor(2, 2), 1) end,
         "hm.FloatTensor or hm.DoubleTensor expected, got hm.ByteTensor")
      assert.are.equal(2.5, hm.LongTensor({1, 2, 3, 4}):mean())       -- all elements: any type
   end)
end)

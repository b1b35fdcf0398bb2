-- Specs for csrc/tensor_reduce.c, part 2: std, var, norm, logsumexp, cumsum, cumprod,
-- argmax and argmin, compared with naive Lua loops; precision of float sums and variances;
-- the parallel paths and their independence from the thread count.
local hm = require 'harmonium'

------------------------------------------------------------------ naive references

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

local function flatten(t)
   local vals = {}
   local function walk(x)
      if type(x) == "table" then for _, y in ipairs(x) do walk(y) end
      else vals[#vals + 1] = x end
   end
   walk(t:totable())
   return vals, t:size():totable()
end

-- rows of t along dim d (1-based) as lists, with a function placing results: out[o][k][j]
local function rows(t, d)
   local vals, size = flatten(t)
   local outer, n, inner = 1, size[d], 1
   for k = 1, d - 1 do outer = outer * size[k] end
   for k = d + 1, #size do inner = inner * size[k] end
   local list = {}
   for o = 0, outer - 1 do
      for j = 0, inner - 1 do
         local row = {}
         for k = 0, n - 1 do row[k + 1] = vals[o * n * inner + k * inner + j + 1] end
         list[#list + 1] = { row = row, o = o, j = j }
      end
   end
   return list, outer, n, inner
end

local function naiveDim(t, d, f)
   local out = {}
   for k, r in ipairs(rows(t, d)) do out[k] = f(r.row) end
   return out
end

local function lvar(r, biased)
   local m = 0
   for _, v in ipairs(r) do m = m + v end
   m = m / #r
   local s = 0
   for _, v in ipairs(r) do s = s + (v - m) ^ 2 end
   return s / (biased and #r or #r - 1)
end
local function lnorm(r, p)
   local s = 0
   if p == math.huge then
      for _, v in ipairs(r) do s = math.max(s, math.abs(v)) end
      return s
   end
   if p == 0 then
      for _, v in ipairs(r) do if v ~= 0 then s = s + 1 end end
      return s
   end
   for _, v in ipairs(r) do s = s + math.abs(v) ^ p end
   return s ^ (1 / p)
end
local function llse(r)
   local s = 0
   for _, v in ipairs(r) do s = s + math.exp(v) end
   return math.log(s)
end

local function assertFlatNear(expected, t, tol)
   local got = flatten(t)
   assert.are.equal(#expected, #got)
   for k = 1, #expected do
      local e = expected[k]
      if math.abs(e - got[k]) > tol * math.max(1, math.abs(e)) then
         error(string.format("element %d: expected %.17g, got %.17g", k, e, got[k]), 2)
      end
   end
end

local function inputs(T)
   return { fill(T(3, 4, 5)), fill(T(5, 4, 3)):transpose(1, 3), fill(T(4, 7)):narrow(2, 2, 4),
            fill(T(9)) }
end

local floats = { { hm.FloatTensor, 1e-5 }, { hm.DoubleTensor, 1e-12 } }

------------------------------------------------------------------ specs

describe("std and var", function()
   it("match naive two-pass formulas over all elements and along every dimension", function()
      for _, c in ipairs(floats) do
         local T, tol = c[1], c[2]
         for _, t in ipairs(inputs(T)) do
            local all = flatten(t)
            assert.near(lvar(all), t:var(), tol * 10)
            assert.near(lvar(all, true), t:var(true), tol * 10)
            assert.near(math.sqrt(lvar(all)), t:std(), tol * 10)
            for d = 1, t:dim() do
               assertFlatNear(naiveDim(t, d, lvar), t:var(d), tol)
               assertFlatNear(naiveDim(t, d, function(r) return lvar(r, true) end), t:var(d, true), tol)
               assertFlatNear(naiveDim(t, d, function(r) return math.sqrt(lvar(r)) end), t:std(d), tol)
               assertFlatNear(naiveDim(t, d, function(r) return math.sqrt(lvar(r, true)) end),
                              hm.std(t, d, true), tol)
            end
         end
      end
   end)

   it("computes hand-checked values, unbiased by default", function()
      local t = hm.DoubleTensor({2, 4, 4, 4, 5, 5, 7, 9})
      assert.near(32 / 7, t:var(), 1e-12)
      assert.near(2, t:std(true), 1e-12)
      assert.tensor_near({{1, 1, 1}}, hm.DoubleTensor({{1, 2, 3}, {3, 4, 5}}):var(1, true), 1e-12)
      local res = hm.DoubleTensor()
      hm.std(res, hm.DoubleTensor({{1, 3}, {5, 9}}), 2)
      assert.tensor_near({{math.sqrt(2)}, {math.sqrt(8)}}, res, 1e-12)
   end)

   it("keeps precision for data far from zero", function()
      local t = hm.DoubleTensor(1000)
      for i = 1, 1000 do t[i] = 1e9 + (i % 2) end
      assert.near(0.25, t:var(true), 1e-9)
      local f = hm.FloatTensor(4, 2000)
      for i = 1, 4 do for j = 1, 2000 do f[i][j] = 10000 + (j % 2) end end
      assert.tensor_near({{0.25}, {0.25}, {0.25}, {0.25}}, f:var(2, true), 1e-6)
   end)

   it("gives NaN for the unbiased variance of one element and of nothing", function()
      local v = hm.Tensor({3}):var()
      assert.is_true(v ~= v)
      assert.are.equal(0, hm.Tensor({3}):var(true))
      v = hm.Tensor():std()
      assert.is_true(v ~= v)
   end)

   it("rejects integer tensors and a non-boolean flag", function()
      assert.error_matches(function() hm.var(hm.LongTensor(3)) end,
         "bad argument #1 .*hm.FloatTensor or hm.DoubleTensor expected, got hm.LongTensor")
      assert.error_matches(function() hm.std(hm.Tensor(2, 2), 1, "yes") end,
         "bad argument #3 .*boolean expected, got string")
      assert.error_matches(function() hm.var(hm.Tensor(2, 2), 3) end, "dimension 3 out of range")
   end)
end)

describe("norm", function()
   it("matches naive loops for p = 2, 1, 3, 0.5, 0 and inf, all elements and every dim", function()
      for _, c in ipairs(floats) do
         local T, tol = c[1], c[2]
         for _, t in ipairs(inputs(T)) do
            for _, p in ipairs{2, 1, 3, 0.5, 0, math.huge} do
               local all = flatten(t)
               assert.near(lnorm(all, p), t:norm(p), tol * math.max(1, lnorm(all, p)))
               for d = 1, t:dim() do
                  assertFlatNear(naiveDim(t, d, function(r) return lnorm(r, p) end), t:norm(p, d), tol)
               end
            end
         end
      end
   end)

   it("is the 2-norm by default and supports hm.norm(res, t, p, d)", function()
      local t = hm.DoubleTensor({{3, 4}, {-6, 8}})
      assert.near(math.sqrt(125), t:norm(), 1e-12)
      assert.near(21, hm.norm(t, 1), 1e-12)
      assert.near(4, hm.DoubleTensor({0, 1, 0, 2, 3, 4}):norm(0), 0)
      local res = hm.DoubleTensor()
      assert.are.equal(res, hm.norm(res, t, 2, 2))
      assert.tensor_near({{5}, {10}}, res, 1e-12)
      assert.are.equal(0, hm.Tensor():norm())
   end)

   it("rejects a negative p and integer tensors", function()
      assert.error_matches(function() hm.norm(hm.Tensor(3), -1) end, "bad argument #2 .*p must be non%-negative")
      assert.error_matches(function() hm.norm(hm.ByteTensor(3)) end, "hm.FloatTensor or hm.DoubleTensor expected")
   end)
end)

describe("logsumexp", function()
   it("matches the naive formula over all elements and along every dimension", function()
      for _, c in ipairs(floats) do
         local T, tol = c[1], c[2]
         for _, t in ipairs(inputs(T)) do
            assert.near(llse(flatten(t)), t:logsumexp(), tol * 10)
            for d = 1, t:dim() do
               assertFlatNear(naiveDim(t, d, llse), t:logsumexp(d), tol)
            end
         end
      end
   end)

   it("is stable for large values and handles infinities and NaN", function()
      local inf = math.huge
      assert.near(1000 + math.log(2), hm.DoubleTensor({1000, 1000}):logsumexp(), 1e-9)
      assert.near(-1000 + math.log(3), hm.DoubleTensor({-1000, -1000, -1000}):logsumexp(), 1e-9)
      assert.are.equal(-inf, hm.DoubleTensor({-inf, -inf}):logsumexp())
      assert.are.equal(inf, hm.DoubleTensor({1, inf}):logsumexp())
      assert.near(2, hm.DoubleTensor({-inf, 2}):logsumexp(), 1e-12)
      local v = hm.DoubleTensor({1, 0 / 0, 3}):logsumexp()
      assert.is_true(v ~= v)
      assert.are.equal(-inf, hm.Tensor():logsumexp())
      local m = hm.FloatTensor({{-inf, -inf}, {500, 500}}):logsumexp(2)
      assert.are.equal(-inf, m[1][1])
      assert.near(500 + math.log(2), m[2][1], 1e-3)
      local res = hm.FloatTensor()
      hm.logsumexp(res, hm.FloatTensor({{0, 0}, {1, 1}}), 1)
      assert.tensor_near({{math.log(1 + math.exp(1)), math.log(1 + math.exp(1))}}, res, 1e-6)
   end)
end)

describe("cumsum and cumprod", function()
   local function naiveCum(t, d, prod)
      local list, outer, n, inner = rows(t, d)
      local out = {}
      for _, r in ipairs(list) do
         local acc = prod and 1 or 0
         for k = 1, n do
            if prod then acc = acc * r.row[k] else acc = acc + r.row[k] end
            out[r.o * n * inner + (k - 1) * inner + r.j + 1] = acc
         end
      end
      return out
   end

   it("match naive running sums and products along every dimension, every type", function()
      for _, T in ipairs{hm.FloatTensor, hm.DoubleTensor, hm.LongTensor, hm.ByteTensor} do
         for _, t in ipairs(inputs(T)) do
            for d = 1, t:dim() do
               local s = t:cumsum(d)
               assert.are.equal(t:type(), s:type())
               assert.are.equal(tostring(t:size()), tostring(s:size()))
               local ref = naiveCum(t, d)
               if T == hm.ByteTensor then for k, v in ipairs(ref) do ref[k] = v % 256 end end
               assertFlatNear(ref, s, 1e-5)
               if T ~= hm.ByteTensor then
                  assertFlatNear(naiveCum(t, d, true), t:cumprod(d), 1e-5)
               end
            end
         end
      end
   end)

   it("runs along dimension 1 by default, as in Torch7, and leaves t unchanged", function()
      local a = hm.Tensor({{1, 2, 3}, {4, 5, 6}})
      assert.tensor_near({{1, 2, 3}, {5, 7, 9}}, a:cumsum())
      assert.tensor_near({{1, 3, 6}, {4, 9, 15}}, a:cumsum(2))
      assert.tensor_near({{1, 2, 6}, {4, 20, 120}}, hm.cumprod(a, -1))
      assert.tensor_near({{1, 2, 3}, {4, 5, 6}}, a)
      assert.are.equal(0, hm.Tensor():cumsum():nElement())
   end)

   it("writes into a result tensor, including the input itself", function()
      local a = hm.DoubleTensor({{1, 2, 3}, {4, 5, 6}})
      local res = hm.DoubleTensor(1)
      assert.are.equal(res, hm.cumsum(res, a, 2))
      assert.tensor_near({{1, 3, 6}, {4, 9, 15}}, res)
      res:cumprod(a, 1)
      assert.tensor_near({{1, 2, 3}, {4, 10, 18}}, res)
      hm.cumsum(a, a, 2)
      assert.tensor_near({{1, 3, 6}, {4, 9, 15}}, a)
   end)

   it("rejects bad dimensions and result types", function()
      assert.error_matches(function() hm.cumsum(hm.Tensor(2), 2) end, "bad argument #2 .*out of range for 1D")
      assert.error_matches(function() hm.cumsum(hm.LongTensor(), hm.Tensor(2), 1) end,
         "bad argument #1 .*hm.FloatTensor expected, got hm.LongTensor")
      assert.error_matches(function() hm.cumprod({}) end, "harmonium.Tensor expected, got table")
   end)
end)

describe("argmax and argmin", function()
   it("give the 1-based row-major index of the first extreme element", function()
      local t = hm.Tensor({{1, 9, 3}, {9, 0, 0}})
      assert.are.equal(2, t:argmax())
      assert.are.equal(5, t:argmin())
      assert.are.equal("integer", math.type(t:argmax()))
      assert.are.same({{2}, {1}}, t:argmax(2):totable())
      assert.are.same({{1, 2, 2}}, hm.argmin(t, 1):totable())
      local idx = hm.LongTensor()
      assert.are.equal(idx, hm.argmax(idx, t:t(), 1))
      assert.are.same({{2, 1}}, idx:totable())
      assert.error_matches(function() hm.argmax(hm.Tensor()) end, "empty tensor")
   end)
end)

describe("large reductions", function()
   local nthreads

   before_each(function() nthreads = hm.getnumthreads() end)
   after_each(function() hm.setnumthreads(nthreads) end)

   it("sum 10^7 floats accurately", function()
      local n = 10000000
      local t = hm.FloatTensor(n):fill(0.1)
      local f = hm.FloatTensor({0.1})[1]                 -- 0.1 rounded to float
      assert.near(n * f, t:sum(), 1e-6)
      assert.near(f, t:mean(), 1e-12)
      assert.near(0, t:var(), 1e-12)
      assert.near(math.sqrt(n) * f, t:norm(), 1e-6)
   end)

   it("give the same results whatever the thread count", function()
      local t = hm.FloatTensor(3000000):zero()
      local flat = t
      for i = 1, 3000000, 997 do flat[i] = (i % 1000) / 7 - 50 end
      local m = hm.DoubleTensor(600, 700)
      fill(m)
      local results = {}
      for _, k in ipairs{1, 2, 3} do
         hm.setnumthreads(k)
         results[k] = { t:sum(), t:var(), t:norm(3), t:logsumexp(), t:argmax(),
                        m:sum(1), m:sum(2), m:std(1), m:cumsum(1), m:max(2) }
      end
      for k = 2, 3 do
         for i = 1, 5 do assert.are.equal(results[1][i], results[k][i]) end
         for i = 6, 10 do assert.tensor_near(results[1][i], results[k][i], 0) end
      end
   end)

   it("match naive loops on inputs big enough to run in parallel", function()
      local m = fill(hm.DoubleTensor(300, 400))
      local mt = m:t()                                     -- non-contiguous
      for _, x in ipairs{m, mt} do
         for d = 1, 2 do
            local sums, maxs = naiveDim(x, d, function(r)
               local s = 0 for _, v in ipairs(r) do s = s + v end return s end), {}
            assertFlatNear(sums, x:sum(d), 1e-12)
            local v, i = x:max(d)
            local ref = naiveDim(x, d, function(r)
               local b, bi = r[1], 1
               for k = 2, #r do if r[k] > b then b, bi = r[k], k end end
               return bi end)
            assertFlatNear(ref, i, 0)
            maxs = naiveDim(x, d, function(r) return math.max(table.unpack(r)) end)
            assertFlatNear(maxs, v, 0)
            assertFlatNear(naiveDim(x, d, lvar), x:var(d), 1e-10)
         end
         local all = flatten(x)
         local s = 0 for _, v in ipairs(all) do s = s + v end
         assert.near(s, x:sum(), 1e-8)
         assert.near(lvar(all), x:var(), 1e-10)
      end
   end)
end)

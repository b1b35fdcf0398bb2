-- Specs for csrc/nn_ops.c (hm._nn): each fused kernel against a naive Lua loop, in float and
-- double, on contiguous and non-contiguous operands and results, in place, at sizes past the
-- thread grain (same result at 1 and 2 threads), and its argument errors.
local hm = require 'harmonium'
local common = require 'nn.common'
local K = hm._nn

-- a tensor of t's type with f(i, j) at each element of a 2D shape (or f(1, j) for 1D)
local function map2(t, f)
   local r = t:clone()
   if t:dim() == 1 then
      for j = 1, t:size(1) do r[j] = f(1, j) end
   else
      for i = 1, t:size(1) do for j = 1, t:size(2) do r[i][j] = f(i, j) end end
   end
   return r
end

local function at(t, i, j) return t:dim() == 1 and t[j] or t[i][j] end

-- the rows of a 1D or 2D tensor as Lua arrays
local function rows(t)
   local m = t:dim() == 1 and t:view(1, -1) or t
   local out = {}
   for i = 1, m:size(1) do
      out[i] = {}
      for j = 1, m:size(2) do out[i][j] = m[i][j] end
   end
   return out
end

local function naiveLogSoftMax(x)
   local R = rows(x)
   return map2(x, function(i, j)
      local m = -math.huge
      for _, v in ipairs(R[i]) do m = math.max(m, v) end
      local s = 0
      for _, v in ipairs(R[i]) do s = s + math.exp(v - m) end
      return R[i][j] - m - math.log(s)
   end)
end

local function naiveSoftMax(x)
   local y = naiveLogSoftMax(x)
   return map2(y, function(i, j) return math.exp(at(y, i, j)) end)
end

-- with 2 threads, then with 1: both results (identical by design: splits are fixed)
local function bothThreadCounts(f)
   local nt = hm.getnumthreads()
   hm.setnumthreads(2)
   local a = f()
   hm.setnumthreads(1)
   local b = f()
   hm.setnumthreads(nt)
   return a, b
end

describe("hm._nn kernels", function()
   before_each(common.seed)

   describe("sigmoidGrad and tanhGrad", function()
      it("compute g*y*(1-y) and g*(1-y^2) as a naive loop, in float and double", function()
         for _, T in ipairs{ hm.FloatTensor, hm.DoubleTensor } do
            local y, g = T(7, 5):uniform(0, 1), T(7, 5):normal()
            local tol = T == hm.FloatTensor and 1e-6 or 1e-14
            local s = map2(y, function(i, j) return g[i][j] * y[i][j] * (1 - y[i][j]) end)
            local t = map2(y, function(i, j) return g[i][j] * (1 - y[i][j] ^ 2) end)
            assert.tensor_near(s, K.sigmoidGrad(T(), g, y), tol)
            assert.tensor_near(t, K.tanhGrad(T(), g, y), tol)
         end
      end)

      it("take non-contiguous operands and results, resize the result and work in place", function()
         local y, g = hm.DoubleTensor(6, 4):uniform(0, 1), hm.DoubleTensor(6, 4):normal()
         local want = map2(y, function(i, j) return g[i][j] * y[i][j] * (1 - y[i][j]) end)
         local gi = common.noncontig(hm.DoubleTensor(6, 4))
         assert.are.equal(gi, K.sigmoidGrad(gi, common.noncontig(g), common.noncontig(y)))
         assert.tensor_near(want, gi, 1e-14)
         assert.tensor_near(want, K.sigmoidGrad(hm.DoubleTensor(3), g, y), 1e-14)
         local t = hm.DoubleTensor(4, 6):copy(y:t())              -- transposed operand
         assert.tensor_near(want, K.sigmoidGrad(hm.DoubleTensor(), g, t:t()), 1e-14)
         local same = g:clone()
         K.sigmoidGrad(same, same, y)                               -- gradInput is gradOutput
         assert.tensor_near(want, same, 1e-14)
      end)

      it("give the same result split over 2 threads as on one (past the grain)", function()
         local y, g = hm.Tensor(300, 1000):uniform(0, 1), hm.Tensor(300, 1000):normal()
         local a, b = bothThreadCounts(function() return K.tanhGrad(hm.Tensor(), g, y) end)
         assert.tensor_near(b, a, 0)
         local i, j = 123, 777
         assert.is_true(math.abs(a[i][j] - g[i][j] * (1 - y[i][j] ^ 2)) < 1e-6)
      end)

      it("reject mismatched types and element counts", function()
         assert.error_matches(function() K.sigmoidGrad(hm.Tensor(), hm.Tensor(3), hm.Tensor(4)) end,
            "bad argument #2 to 'sigmoidGrad' %(size mismatch: gradOutput is %[3%], output is %[4%]%)")
         assert.error_matches(function() K.tanhGrad(hm.Tensor(), hm.DoubleTensor(3), hm.Tensor(3)) end,
            "bad argument #2 to 'tanhGrad'")
         assert.error_matches(function() K.tanhGrad(hm.Tensor(), hm.LongTensor(3), hm.LongTensor(3)) end,
            "hm.FloatTensor or hm.DoubleTensor expected, got hm.LongTensor")
      end)
   end)

   describe("logSoftMax and softMax", function()
      it("match a naive loop on 1D and batch input, in float and double", function()
         for _, T in ipairs{ hm.FloatTensor, hm.DoubleTensor } do
            local tol = T == hm.FloatTensor and 1e-5 or 1e-12
            for _, x in ipairs{ T(9):normal(), T(4, 37):normal():mul(5) } do
               assert.tensor_near(naiveLogSoftMax(x), K.logSoftMax(T(), x), tol)
               assert.tensor_near(naiveSoftMax(x), K.softMax(T(), x), tol)
            end
         end
      end)

      it("take non-contiguous input, write a non-contiguous result and work in place", function()
         local x = hm.DoubleTensor(5, 6):normal()
         local want = naiveLogSoftMax(x)
         local out = common.noncontig(hm.DoubleTensor(5, 6))
         K.logSoftMax(out, common.noncontig(x))
         assert.tensor_near(want, out, 1e-12)
         local y = x:clone()
         assert.tensor_near(want, K.logSoftMax(y, y), 1e-12)
         y = x:clone()
         assert.tensor_near(naiveSoftMax(x), K.softMax(y, y), 1e-12)
      end)

      it("stay finite for large inputs and give -inf, NaN where x - logsumexp(x) does", function()
         local y = K.logSoftMax(hm.Tensor(), hm.Tensor{{1000, 1001, 1002}, {-math.huge, 0, 3e38}})
         assert.tensor_near(naiveLogSoftMax(hm.DoubleTensor{0, 1, 2}), y[1], 1e-4)  -- float spacing at 1000: 6e-5
         assert.are.equal(0, y[2][3])
         assert.are.equal(-math.huge, y[2][1])
         local inf = K.logSoftMax(hm.DoubleTensor(), hm.DoubleTensor{math.huge, 1})
         assert.is_true(inf[1] ~= inf[1])                          -- inf - inf
         assert.are.equal(-math.huge, inf[2])
         local none = K.logSoftMax(hm.DoubleTensor(), hm.DoubleTensor{-math.huge, -math.huge})
         assert.is_true(none[1] ~= none[1])
         local nan = K.softMax(hm.Tensor(), hm.Tensor{1, 0 / 0, 2})
         for j = 1, 3 do assert.is_true(nan[j] ~= nan[j]) end
         assert.tensor_near(hm.Tensor{1, 0}, K.softMax(hm.Tensor(), hm.Tensor{100, -math.huge}), 0)
      end)

      it("give the same rows split over 2 threads as on one", function()
         local x = hm.Tensor(200, 500):normal()
         local a, b = bothThreadCounts(function() return K.logSoftMax(hm.Tensor(), x) end)
         assert.tensor_near(b, a, 0)
         assert.tensor_near(naiveLogSoftMax(x[150]), a[150], 1e-5)
      end)
   end)

   describe("logSoftMaxGrad and softMaxGrad", function()
      it("match g - exp(y) sum(g) and y (g - sum(g y)) on 1D and batch, any strides", function()
         for _, T in ipairs{ hm.FloatTensor, hm.DoubleTensor } do
            local tol = T == hm.FloatTensor and 1e-5 or 1e-12
            for _, x in ipairs{ T(8):normal(), T(3, 21):normal() } do
               local g = x:clone():normal()
               local ly, sy = K.logSoftMax(T(), x), K.softMax(T(), x)
               local G, LY, SY = rows(g), rows(ly), rows(sy)
               local wl = map2(x, function(i, j)
                  local s = 0
                  for _, v in ipairs(G[i]) do s = s + v end
                  return G[i][j] - math.exp(LY[i][j]) * s
               end)
               local ws = map2(x, function(i, j)
                  local s = 0
                  for k, v in ipairs(G[i]) do s = s + v * SY[i][k] end
                  return SY[i][j] * (G[i][j] - s)
               end)
               assert.tensor_near(wl, K.logSoftMaxGrad(T(), g, ly), tol)
               assert.tensor_near(ws, K.softMaxGrad(T(), g, sy), tol)
               assert.tensor_near(wl, K.logSoftMaxGrad(common.noncontig(T():resizeAs(x)),
                  common.noncontig(g), common.noncontig(ly)), tol)
               local gg = g:clone()
               assert.tensor_near(ws, K.softMaxGrad(gg, gg, sy), tol)   -- in place
            end
         end
      end)

      it("reject gradOutput rows that do not line up with the output's", function()
         assert.error_matches(function() K.logSoftMaxGrad(hm.Tensor(), hm.Tensor(4, 3), hm.Tensor(3, 4)) end,
            "bad argument #2 to 'logSoftMaxGrad' %(size mismatch")
      end)
   end)

   describe("addRows and accRowSum", function()
      it("add a vector to every row, as a naive loop, for any strides", function()
         for _, T in ipairs{ hm.FloatTensor, hm.DoubleTensor } do
            local m, v = T(5, 300):normal(), T(300):normal()
            local want = map2(m, function(i, j) return m[i][j] + v[j] end)
            assert.tensor_near(want, K.addRows(m:clone(), v), 1e-6)
            local nc = common.noncontig(m)
            assert.are.equal(nc, K.addRows(nc, common.noncontig(v)))
            assert.tensor_near(want, nc, 1e-6)
         end
      end)

      it("add scale times the column sums to the result (accumulating), blocks of columns included", function()
         for _, T in ipairs{ hm.FloatTensor, hm.DoubleTensor } do
            local m, r0 = T(7, 600):normal(), T(600):normal()
            local want = map2(r0, function(_, j)
               local s = 0
               for i = 1, 7 do s = s + m[i][j] end
               return r0[j] + 0.5 * s
            end)
            local tol = T == hm.FloatTensor and 1e-5 or 1e-12
            assert.tensor_near(want, K.accRowSum(r0:clone(), m, 0.5), tol)
            local r = common.noncontig(r0)
            K.accRowSum(r, common.noncontig(m), 0.5)
            assert.tensor_near(want, r, tol)
            local twice = K.accRowSum(K.accRowSum(T(600):zero(), m), m)
            assert.tensor_near(map2(r0, function(_, j) return 2 * (want[j] - r0[j]) / 0.5 end), twice, tol)
         end
      end)

      it("give the same sums split over 2 threads as on one", function()
         local m = hm.Tensor(400, 3000):normal()
         local a, b = bothThreadCounts(function() return K.accRowSum(hm.Tensor(3000):zero(), m, -2) end)
         assert.tensor_near(b, a, 0)
         local s = 0
         for i = 1, 400 do s = s + m[i][2999] end
         assert.is_true(math.abs(a[2999] + 2 * s) < 1e-3)
      end)

      it("reject a vector of the wrong length and a non-2D matrix", function()
         assert.error_matches(function() K.addRows(hm.Tensor(2, 3), hm.Tensor(4)) end,
            "bad argument #2 to 'addRows' %(size mismatch: matrix is %[2 x 3%], vector is %[4%]%)")
         assert.error_matches(function() K.accRowSum(hm.Tensor(3), hm.Tensor(3)) end,
            "bad argument #2 to 'accRowSum' %(2D tensor expected, got 1D%)")
      end)
   end)

   describe("classNLL and classNLLGrad", function()
      it("pick -w[t] x[b, t] and the total weight, as a naive loop, through any strides", function()
         local x = hm.DoubleTensor(6, 4):normal()
         local t, w = hm.LongTensor{4, 1, 2, 2, 3, 4}, hm.DoubleTensor{0.5, 2, 1, 3}
         local loss, total = 0, 0
         for b = 1, 6 do loss, total = loss - w[t[b]] * x[b][t[b]], total + w[t[b]] end
         local l, tw = K.classNLL(x, t, w)
         assert.is_true(math.abs(l - loss) < 1e-12 and math.abs(tw - total) < 1e-12)
         l, tw = K.classNLL(x:t():contiguous():t(), common.noncontig(t), common.noncontig(w))
         assert.is_true(math.abs(l - loss) < 1e-12 and math.abs(tw - total) < 1e-12)
         l, tw = K.classNLL(x:float(), t)
         local plain = 0
         for b = 1, 6 do plain = plain - x[b][t[b]] end
         assert.is_true(math.abs(l - plain) < 1e-5 and tw == 6)
         l, tw = K.classNLL(x[2], hm.LongTensor{3})
         assert.is_true(l == -x[2][3] and tw == 1)
      end)

      it("write norm * w[t] at the targets and zeros elsewhere, through any strides", function()
         local t, w = hm.LongTensor{3, 1, 3}, hm.Tensor{2, 5, 7}
         local want = hm.Tensor{{0, 0, -1.4}, {-0.4, 0, 0}, {0, 0, -1.4}}
         assert.tensor_near(want, K.classNLLGrad(hm.Tensor(3, 3):fill(9), t, w, -0.2), 1e-7)
         local gi = common.noncontig(hm.Tensor(3, 3):fill(9))
         K.classNLLGrad(gi, t, nil, -1)
         assert.tensor_near(hm.Tensor{{0, 0, -1}, {-1, 0, 0}, {0, 0, -1}}, gi, 0)
      end)

      it("return nil and the first bad target, leaving gradInput untouched", function()
         local x = hm.Tensor(3, 4):normal()
         local l, bad = K.classNLL(x, hm.LongTensor{1, 5, 0})
         assert.is_nil(l)
         assert.are.equal(5, bad)
         local gi = hm.Tensor(3, 4):fill(1)
         local r, bad2 = K.classNLLGrad(gi, hm.LongTensor{1, 2, 0}, nil, 1)
         assert.is_nil(r)
         assert.are.equal(0, bad2)
         assert.are.equal(12, gi:sum())
      end)

      it("reject targets and weights of the wrong size or type", function()
         assert.error_matches(function() K.classNLL(hm.Tensor(3, 4), hm.LongTensor{1, 2}) end,
            "bad argument #2 to 'classNLL' %(size mismatch: input is %[3 x 4%], target is %[2%]%)")
         assert.error_matches(function() K.classNLL(hm.Tensor(3, 4), hm.Tensor{1, 2, 3}) end,
            "bad argument #2 to 'classNLL' %(hm.LongTensor expected")
         assert.error_matches(function() K.classNLL(hm.Tensor(3, 4), hm.LongTensor{1, 2, 3}, hm.Tensor(3)) end,
            "bad argument #3 to 'classNLL' %(size mismatch")
      end)
   end)

   describe("transposeInto", function()
      it("re-points a header at the transpose of a 2D tensor, sharing its storage and type", function()
         local w = hm.DoubleTensor(2, 3):normal()
         local v = hm.Tensor(5)
         assert.are.equal(v, K.transposeInto(v, w))
         assert.are.equal("hm.DoubleTensor", v:type())
         assert.tensor_near(w:t(), v, 0)
         v[3][2] = 42
         assert.are.equal(42, w[2][3])
         assert.error_matches(function() K.transposeInto(v, hm.Tensor(3)) end,
            "bad argument #2 to 'transposeInto' %(2D tensor expected, got 1D%)")
      end)
   end)
end)

-- hm.data utilities: permutation, shuffle, minibatches, split, onehot, toFloat, scale,
-- standardize / unstandardize, binarize.
local hm = require 'harmonium'

-- data whose row i is {i, 10 i, 100 i} and labels i, so any row tells where it came from
local function indexed(n)
   local x = hm.FloatTensor(n, 3)
   for i = 1, n do x[i][1], x[i][2], x[i][3] = i, 10 * i, 100 * i end
   return x, hm.range(1, n):long()
end

describe("hm.data utilities", function()
   describe("permutation and shuffle", function()
      it("gives a permutation, reproducible with a seed or a generator", function()
         local p = hm.data.permutation(50, 7)
         local seen = {}
         for i = 1, 50 do seen[p[i]] = true end
         for i = 1, 50 do assert.is_true(seen[i]) end
         assert.same(p:totable(), hm.data.permutation(50, 7):totable())
         assert.are_not.same(p:totable(), hm.data.permutation(50, 8):totable())
         assert.same(hm.data.permutation(20, hm.Generator(3)):totable(),
                     hm.data.permutation(20, hm.Generator(3)):totable())
         hm.manualSeed(5)
         local a = hm.data.permutation(20)
         hm.manualSeed(5)
         assert.same(a:totable(), hm.data.permutation(20):totable())
         assert.equal(0, hm.data.permutation(0):nElement())
      end)

      it("shuffles data and labels together into copies", function()
         local x, y = indexed(30)
         local xs, ys, perm = hm.data.shuffle(x, y, 11)
         for i = 1, 30 do
            assert.equal(perm[i], ys[i])
            assert.equal(perm[i] * 10, xs[i][2])
         end
         assert.equal(2, x[2][1])   -- inputs unchanged
         local xs2 = hm.data.shuffle(x, y, 11)
         assert.tensor_near(xs, xs2, 0)
         local xs3, ys3 = hm.data.shuffle(x, 11)   -- no labels
         assert.tensor_near(xs, xs3, 0)
         assert.is_nil(ys3)
      end)

      it("checks its arguments", function()
         local x, y = indexed(4)
         assert.error_matches(function() hm.data.shuffle(x, y:narrow(1, 1, 3)) end, "3 labels for 4 samples")
         assert.error_matches(function() hm.data.shuffle(x, y, "seed") end, "generator must be")
         assert.error_matches(function() hm.data.permutation(-1) end, "non%-negative integer")
      end)
   end)

   describe("minibatches", function()
      it("covers every sample exactly once per epoch, labels aligned", function()
         local x, y = indexed(23)
         for _, shuffle in ipairs { false, true } do
            local count, batches, sizes = {}, 0, {}
            for bx, by, i in hm.data.minibatches(x, y, 5, { shuffle = shuffle, generator = 3 }) do
               batches = batches + 1
               assert.equal(batches, i)
               sizes[#sizes + 1] = bx:size(1)
               assert.equal(bx:size(1), by:size(1))
               for k = 1, bx:size(1) do
                  assert.equal(by[k], bx[k][1])
                  assert.equal(by[k] * 100, bx[k][3])
                  count[by[k]] = (count[by[k]] or 0) + 1
               end
            end
            assert.equal(5, batches)
            assert.same({ 5, 5, 5, 5, 3 }, sizes)
            for k = 1, 23 do assert.equal(1, count[k]) end
         end
      end)

      it("visits in order without shuffling (views) and in a seeded order with it", function()
         local x, y = indexed(10)
         local first = {}
         for bx in hm.data.minibatches(x, y, 4) do first[#first + 1] = bx[1][1] end
         assert.same({ 1, 5, 9 }, first)
         local function order(seed)
            local o = {}
            for _, by in hm.data.minibatches(x, y, 3, { shuffle = true, generator = seed }) do
               for k = 1, by:size(1) do o[#o + 1] = by[k] end
            end
            return o
         end
         assert.same(order(9), order(9))
         assert.are_not.same(order(9), order(10))
         assert.same(hm.data.permutation(10, 9):totable(), order(9))
      end)

      it("reuses its batch buffers and drops a last partial batch on request", function()
         local x, y = indexed(10)
         local seen, n = {}, 0
         for bx, by in hm.data.minibatches(x, y, 4, { shuffle = true, dropLast = true }) do
            n = n + 1
            seen[#seen + 1] = tostring(hm._storageid(bx))
            assert.equal(4, by:size(1))
         end
         assert.equal(2, n)
         assert.equal(seen[1], seen[2])
         -- labels are optional
         local k = 0
         for bx, by in hm.data.minibatches(x, 6) do k = k + bx:size(1); assert.is_nil(by) end
         assert.equal(10, k)
      end)

      it("checks its arguments", function()
         local x, y = indexed(4)
         assert.error_matches(function() hm.data.minibatches(x, y, 0) end, "positive integer batch size")
         assert.error_matches(function() hm.data.minibatches(x, y:narrow(1, 1, 2), 2) end, "2 labels for 4")
      end)
   end)

   describe("split", function()
      it("holds out the last rows as views, or random rows when shuffled", function()
         local x, y = indexed(20)
         local tx, ty, vx, vy = hm.data.split(x, y, 0.25)
         assert.equal(15, tx:size(1))
         assert.equal(5, vx:size(1))
         assert.equal(16, vy[1])
         assert.equal(16, vx[1][1])
         tx, ty, vx, vy = hm.data.split(x, y, 3, { shuffle = true, generator = 4 })
         assert.equal(17, ty:size(1))
         assert.equal(3, vy:size(1))
         local all = {}
         for i = 1, 17 do all[ty[i]] = true; assert.equal(ty[i], tx[i][1]) end
         for i = 1, 3 do all[vy[i]] = true; assert.equal(vy[i], vx[i][1]) end
         for i = 1, 20 do assert.is_true(all[i]) end
      end)

      it("splits a data-set table into two tables", function()
         local x, y = indexed(10)
         local tr, va = hm.data.split({ data = x, labels = y }, 0.2)
         assert.equal(8, tr.size)
         assert.equal(2, va.size)
         assert.equal(9, va.labels[1])
         local _, _, vx = hm.data.split(x, y, 0)
         assert.equal(0, vx:size(1))
         assert.error_matches(function() hm.data.split(x, y, 11) end, "11 validation samples of 10")
         assert.error_matches(function() hm.data.split(x, y, 1.5) end, "a fraction")
      end)
   end)

   describe("labels and scaling", function()
      it("makes one-hot rows", function()
         local oh = hm.data.onehot(hm.LongTensor { 3, 1, 2 }, 4)
         assert.tensor_near(hm.DoubleTensor { { 0, 0, 1, 0 }, { 1, 0, 0, 0 }, { 0, 1, 0, 0 } }, oh, 0)
         assert.equal("hm.FloatTensor", oh:type())
         assert.equal("hm.DoubleTensor", hm.data.onehot(hm.ByteTensor { 1 }, 2, "hm.DoubleTensor"):type())
         assert.error_matches(function() hm.data.onehot(hm.LongTensor { 1, 5 }, 4) end, "label 5 out of range 1..4")
         assert.error_matches(function() hm.data.onehot(hm.LongTensor { 0 }, 4) end, "label 0 out of range")
      end)

      it("converts bytes to [0, 1] floats and rescales float data", function()
         local b = hm.ByteTensor { { 0, 255 }, { 51, 102 } }
         assert.tensor_near(hm.DoubleTensor { { 0, 1 }, { 0.2, 0.4 } }, hm.data.toFloat(b), 1e-7)
         assert.tensor_near(hm.DoubleTensor { { 0, 255 }, { 51, 102 } }, hm.data.toFloat(b, 1), 0)
         local res = hm.FloatTensor(7)
         local r = hm.data.toFloat(b:t(), 1 / 255, res)   -- a transposed view, into res
         assert.equal(res, r)
         assert.tensor_near(hm.DoubleTensor { { 0, 0.2 }, { 1, 0.4 } }, r, 1e-7)
         local s, lo, hi = hm.data.scale(hm.FloatTensor { -2, 0, 6 })
         assert.tensor_near(hm.DoubleTensor { 0, 0.25, 1 }, s, 1e-7)
         assert.equal(-2, lo)
         assert.equal(6, hi)
         assert.tensor_near(hm.DoubleTensor { 0, 0 }, hm.data.scale(hm.FloatTensor { 3, 3 }), 0)
         assert.tensor_near(hm.DoubleTensor { 0, 1 }, hm.data.scale(hm.ByteTensor { 0, 255 }), 0)
      end)

      it("standardizes per feature and applies the same transform to test data", function()
         local x = hm.DoubleTensor(200, 4):normal()
         x:select(2, 2):mul(5):add(3)
         x:select(2, 4):fill(7)                  -- a constant feature
         local z, stats = hm.data.standardize(x)
         assert.tensor_near(hm.DoubleTensor(1, 4):zero(), z:mean(1), 1e-12)
         local sd = z:narrow(2, 1, 3):clone():pow(2):mean(1)
         assert.tensor_near(hm.DoubleTensor(1, 3):fill(1), sd, 1e-12)
         assert.tensor_near(hm.DoubleTensor(200):zero(), z:select(2, 4), 0)
         assert.equal(1, stats.std[1][4])
         local t = hm.DoubleTensor(10, 4):normal()
         local zt = hm.data.standardize(t, stats)
         for j = 1, 4 do
            assert.near((t[3][j] - stats.mean[1][j]) / stats.std[1][j], zt[3][j], 1e-12)
         end
         assert.tensor_near(t, hm.data.unstandardize(zt, stats), 1e-12)
         assert.tensor_near(x, hm.data.unstandardize(z, stats), 1e-12)
         assert.error_matches(function() hm.data.standardize(hm.DoubleTensor(3, 5), stats) end,
            "another shape")
      end)

      it("standardizes globally and converts bytes to float", function()
         local x = hm.ByteTensor { { 0, 2 }, { 4, 6 } }
         local z, stats = hm.data.standardize(x, { global = true })
         assert.equal("hm.FloatTensor", z:type())
         assert.equal(3, stats.mean)
         assert.near(math.sqrt(5), stats.std, 1e-12)
         assert.near(0, z:mean(), 1e-6)
         assert.tensor_near(x:double(), hm.data.unstandardize(z, stats), 1e-5)
      end)

      it("binarizes by threshold and stochastically", function()
         local t = hm.FloatTensor { 0.1, 0.5, 0.7, 1 }
         local b = hm.data.binarize(t)
         assert.equal("hm.FloatTensor", b:type())
         assert.same({ 0, 0, 1, 1 }, b:totable())
         assert.same({ 0, 1, 1, 1 }, hm.data.binarize(t, 0.2):totable())
         assert.same({ 0, 1 }, hm.data.binarize(hm.ByteTensor { 100, 200 }, 127):long():totable())
         local p = hm.FloatTensor(20000):fill(0.3)
         local s1 = hm.data.binarize(p, "stochastic", 42)
         local s2 = hm.data.binarize(p, "stochastic", hm.Generator(42))
         assert.tensor_near(s1, s2, 0)
         assert.is_true(math.abs(s1:mean() - 0.3) < 0.02)
         local v = s1:clone():add(-1):cmul(s1)   -- s (s - 1) = 0 for 0/1 values
         assert.equal(0, v:abs():max())
         assert.error_matches(function() hm.data.binarize(hm.ByteTensor { 1 }, "stochastic") end,
            "needs float or double")
         assert.error_matches(function() hm.data.binarize(t, {}) end, "number or 'stochastic'")
      end)
   end)
end)

-- hm.RBM: construction, conditionals against hand computation, energies against
-- enumeration, Gaussian and softmax units, exact log Z against a naive loop, errors.
local hm = require 'harmonium'
local support = require 'support'

local sigmoid = function(x) return 1 / (1 + math.exp(-x)) end

-- A 3-visible, 2-hidden double RBM with hand-set parameters.
local function tiny(opts)
   opts = opts or {}
   local r = hm.RBM{ visible = 3, hidden = 2, type = 'hm.DoubleTensor', visibleType = opts.visibleType,
                     hiddenType = opts.hiddenType, sigma = opts.sigma }
   r.weight:copy(hm.DoubleTensor({ { 0.5, -1.0, 2.0 }, { 1.5, 0.25, -0.75 } }))
   r.visibleBias:copy(hm.DoubleTensor({ 0.1, -0.2, 0.3 }))
   r.hiddenBias:copy(hm.DoubleTensor({ -0.5, 0.4 }))
   return r
end

-- A random double RBM with weights of scale s.
local function randomRBM(V, H, s, opts)
   opts = opts or {}
   local r = hm.RBM{ visible = V, hidden = H, type = 'hm.DoubleTensor', visibleType = opts.visibleType,
                     hiddenType = opts.hiddenType, softmaxSize = opts.softmaxSize, sigma = opts.sigma }
   r.weight:normal(0, s)
   r.visibleBias:normal(0, s)
   r.hiddenBias:normal(0, s)
   return r
end

-- bits of integer i as a 1 x n double tensor
local function bits(i, n)
   local t = hm.DoubleTensor(1, n)
   for j = 1, n do t[1][j] = (i >> (j - 1)) & 1 end
   return t
end

describe("hm.RBM", function()
   before_each(function() hm.manualSeed(HM_SPEC_SEED or 1234) end)

   describe("construction", function()
      it("holds weight (hidden x visible), biases and flat parameters", function()
         local r = hm.RBM{ visible = 5, hidden = 3 }
         assert.are.same({ 3, 5 }, r.weight:size():totable())
         assert.are.equal(5, r.visibleBias:nElement())
         assert.are.equal(3, r.hiddenBias:nElement())
         assert.are.equal("hm.FloatTensor", r.weight:type())
         assert.are.equal("hm.RBM(5 bernoulli -> 3 bernoulli)", tostring(r))
         local p, g = r:getParameters()
         assert.are.equal(15 + 5 + 3, p:nElement())
         assert.are.equal(p:nElement(), g:nElement())
         p:fill(2)
         assert.are.equal(2, r.weight[3][5])
         assert.are.equal(2, r.hiddenBias[3])
         -- layout: weight rows first (a block of rows = a block of hidden units), then biases
         p:zero(); r.weight[2][1] = 7; r.visibleBias[1] = 8; r.hiddenBias[1] = 9
         assert.are.equal(7, p[6]); assert.are.equal(8, p[16]); assert.are.equal(9, p[21])
         g:zero(); r.gradWeight[1][1] = 1
         assert.are.equal(1, g[1])
      end)

      it("draws small initial weights with zero biases", function()
         local r = hm.RBM{ visible = 100, hidden = 50 }
         assert.is_true(math.abs(r.weight:std() - 0.01) < 0.001)
         assert.are.equal(0, r.visibleBias:abs():sum() + r.hiddenBias:abs():sum())
      end)

      it("includes log-variance in the parameters when sigma is learned", function()
         local r = hm.RBM{ visible = 4, hidden = 2, visibleType = 'gaussian', sigma = 2, learnSigma = true }
         local p = r:getParameters()
         assert.are.equal(8 + 4 + 2 + 4, p:nElement())
         assert.is_true(math.abs(r.logVariance[1] - math.log(4)) < 1e-6)
         assert.is_true(math.abs(r.sigma[1] - 2) < 1e-6)
      end)

      it("survives hm.save / hm.load and re-flattens its parameters", function()
         local r = randomRBM(6, 4, 1)
         local path = support.tmpname(".hm")
         hm.save(path, r)
         local r2 = hm.load(path)
         os.remove(path)
         assert.are.equal("hm.RBM", hm.type(r2))
         local v = hm.DoubleTensor(5, 6):bernoulli(0.5)
         assert.tensor_near(r:freeEnergy(v), r2:freeEnergy(v), 1e-12)
         local p = r2:getParameters()
         p:zero()
         assert.are.equal(0, r2.weight:abs():sum())
      end)

      it("converts between float and double", function()
         local r = randomRBM(6, 4, 1)
         local f = r:clone():float()
         assert.are.equal("hm.FloatTensor", f.weight:type())
         local v = hm.DoubleTensor(3, 6):bernoulli(0.5)
         assert.tensor_near(r:freeEnergy(v), f:freeEnergy(v:float()), 1e-4)
         assert.are.equal(f:getParameters():nElement(), 24 + 6 + 4)
      end)

      it("rejects bad options with clear errors", function()
         assert.error_matches(function() hm.RBM(784) end, "options table expected")
         assert.error_matches(function() hm.RBM{ visible = 0, hidden = 3 } end, "visible must be a positive integer")
         assert.error_matches(function() hm.RBM{ visible = 4, hidden = 3, visibleType = 'poisson' } end,
            "visibleType must be")
         assert.error_matches(function() hm.RBM{ visible = 5, hidden = 3, visibleType = 'softmax', softmaxSize = 2 } end,
            "softmaxSize 2 must be at least 2 and divide visible")
         assert.error_matches(function() hm.RBM{ visible = 4, hidden = 3, sigma = 2 } end, "only for Gaussian visibles")
         assert.error_matches(function() hm.RBM{ visible = 4, hidden = 3, visibleType = 'gaussian', sigma = -1 } end,
            "sigma must be positive")
      end)
   end)

   describe("conditionals", function()
      it("match hand computation on a tiny RBM", function()
         local r = tiny()
         local v = hm.DoubleTensor({ { 1, 0, 1 }, { 0, 1, 1 } })
         local ph = r:hiddenProb(v)
         assert.tensor_near({ { sigmoid(-0.5 + 0.5 + 2.0), sigmoid(0.4 + 1.5 - 0.75) },
                              { sigmoid(-0.5 - 1.0 + 2.0), sigmoid(0.4 + 0.25 - 0.75) } }, ph, 1e-12)
         local h = hm.DoubleTensor({ { 1, 0 }, { 1, 1 } })
         local pv = r:visibleProb(h)
         assert.tensor_near({ { sigmoid(0.1 + 0.5), sigmoid(-0.2 - 1.0), sigmoid(0.3 + 2.0) },
                              { sigmoid(0.1 + 2.0), sigmoid(-0.2 - 0.75), sigmoid(0.3 + 1.25) } }, pv, 1e-12)
         -- one 1D sample
         assert.tensor_near(ph[1], r:hiddenProb(hm.DoubleTensor({ 1, 0, 1 })), 1e-12)
      end)

      it("samples with the probabilities they return", function()
         local r = randomRBM(8, 6, 1)
         local v = hm.DoubleTensor(4000, 8)
         v:copy(hm.DoubleTensor(1, 8):bernoulli(0.5):expand(4000, 8))
         local s, p = r:sampleHidden(v)
         assert.tensor_near(r:hiddenProb(v), p, 1e-12)
         assert.are.equal(s:nElement(), hm.eq(s, 0):sum() + hm.eq(s, 1):sum())
         assert.tensor_near(p[1], hm.mean(s, 1):view(6), 0.03)
         local hs = hm.DoubleTensor(4000, 6):copy(s[1]:view(1, 6):expand(4000, 6))
         local vs, pv = r:sampleVisible(hs)
         assert.tensor_near(r:visibleProb(hs), pv, 1e-12)
         assert.tensor_near(pv[1], hm.mean(vs, 1):view(8), 0.03)
      end)

      it("float sampler probabilities equal hm.sigmoid of the input", function()
         local r = hm.RBM{ visible = 20, hidden = 10 }
         r.weight:normal(0, 1)
         local v = hm.Tensor(7, 20):bernoulli(0.5)
         local _, p = r:sampleHidden(v)
         local x = hm.addmm(r.hiddenBias:view(1, 10):expand(7, 10), v, r.weight:t())
         assert.tensor_near(hm.sigmoid(x), p, 0)
      end)

      it("runs Gibbs chains and generates samples", function()
         local r = randomRBM(6, 4, 1)
         local v = hm.DoubleTensor(10, 6):bernoulli(0.5)
         local vk, pk = r:gibbs(v, 3)
         assert.are.same({ 10, 6 }, vk:size():totable())
         assert.is_true(pk:min() >= 0 and pk:max() <= 1)
         local p, s = r:sample(5, { steps = 20 })
         assert.are.same({ 5, 6 }, p:size():totable())
         assert.are.same({ 5, 6 }, s:size():totable())
         local p2 = r:sample(10, { steps = 2, init = v })
         assert.are.same({ 10, 6 }, p2:size():totable())
         assert.error_matches(function() r:gibbs(v, 0) end, "k must be an integer >= 1")
      end)
   end)

   describe("energies", function()
      it("energy matches the formula by hand", function()
         local r = tiny()
         local v = hm.DoubleTensor({ { 1, 0, 1 } })
         local h = hm.DoubleTensor({ { 0, 1 } })
         -- -b.v - c.h - h W v
         local e = -(0.1 + 0.3) - 0.4 - (1.5 - 0.75)
         assert.is_true(math.abs(r:energy(v, h)[1] - e) < 1e-12)
      end)

      it("freeEnergy is -log sum_h exp(-E(v, h)) by enumeration", function()
         local r = randomRBM(5, 4, 1.5)
         local v = hm.DoubleTensor(6, 5):bernoulli(0.5)
         local fe = r:freeEnergy(v)
         for n = 1, 6 do
            local s = 0
            for hi = 0, 15 do s = s + math.exp(-r:energy(v:narrow(1, n, 1), bits(hi, 4))[1]) end
            assert.is_true(math.abs(fe[n] + math.log(s)) < 1e-10)
         end
      end)

      it("freeEnergy stays finite for huge inputs (stable softplus)", function()
         local r = randomRBM(5, 4, 1)
         r.weight:fill(200)
         local fe = r:freeEnergy(hm.DoubleTensor(2, 5):fill(1))
         assert.is_true(fe[1] > -math.huge and fe[1] < 0)
         assert.is_true(math.abs(fe[1] + 4 * 1000 + r.visibleBias:sum() + r.hiddenBias:sum()) < 1e-6)
      end)

      it("exactLogPartition matches brute force over both layers (6x4, naive loop)", function()
         local r = randomRBM(6, 4, 1)
         local W, b, c = r.weight, r.visibleBias, r.hiddenBias
         local acc = 0
         for vi = 0, 63 do
            for hi = 0, 15 do
               local e = 0
               for i = 1, 6 do
                  local vv = (vi >> (i - 1)) & 1
                  e = e - b[i] * vv
                  for j = 1, 4 do e = e - W[j][i] * vv * ((hi >> (j - 1)) & 1) end
               end
               for j = 1, 4 do e = e - c[j] * ((hi >> (j - 1)) & 1) end
               acc = acc + math.exp(-e)
            end
         end
         local lz, layer = r:exactLogPartition()
         assert.are.equal("hidden", layer)
         assert.is_true(math.abs(lz - math.log(acc)) < 1e-10)
         assert.is_true(math.abs(r:exactLogPartition{ layer = 'visible' } - math.log(acc)) < 1e-10)
         -- a float model gives the same value (computed in double)
         assert.is_true(math.abs(r:clone():float():exactLogPartition() - math.log(acc)) < 1e-4)
      end)

      it("exact probabilities sum to one and logLikelihood is -F - log Z", function()
         local r = randomRBM(7, 5, 2)
         local all = hm.DoubleTensor(128, 7)
         for i = 0, 127 do all[i + 1]:copy(bits(i, 7)) end
         local lz = r:exactLogPartition()
         local p = r:freeEnergy(all):neg():add(-lz):exp()
         assert.is_true(math.abs(p:sum() - 1) < 1e-10)
         local v = all:narrow(1, 3, 4)
         assert.is_true(math.abs(r:logLikelihood(v) - (-r:freeEnergy(v):mean() - lz)) < 1e-10)
         -- no overflow with large weights (logsumexp)
         r.weight:mul(100)
         local big = r:exactLogPartition()
         assert.is_true(big < math.huge and big > 100)
      end)

      it("refuses to enumerate large layers", function()
         local r = hm.RBM{ visible = 784, hidden = 500 }
         assert.error_matches(function() r:exactLogPartition() end, "no layer to enumerate")
      end)
   end)

   describe("Gaussian units", function()
      it("Gaussian visibles: conditionals use v / sigma and mean b + sigma W^T h", function()
         local r = tiny{ visibleType = 'gaussian', sigma = hm.DoubleTensor({ 1, 2, 0.5 }) }
         local v = hm.DoubleTensor({ { 1, -2, 0.5 } })
         local ph = r:hiddenProb(v)
         local x1 = -0.5 + 0.5 * 1 - 1.0 * (-1) + 2.0 * 1
         local x2 = 0.4 + 1.5 * 1 + 0.25 * (-1) - 0.75 * 1
         assert.tensor_near({ { sigmoid(x1), sigmoid(x2) } }, ph, 1e-12)
         local mean = r:visibleProb(hm.DoubleTensor({ { 1, 1 } }))
         assert.tensor_near({ { 0.1 + 1 * 2.0, -0.2 + 2 * (-0.75), 0.3 + 0.5 * 1.25 } }, mean, 1e-12)
         -- samples: mean and spread
         local h = hm.DoubleTensor(20000, 2):fill(1)
         local s = r:sampleVisible(h)
         assert.tensor_near(mean[1], hm.mean(s, 1):view(3), 0.05)
         assert.tensor_near({ 1, 2, 0.5 }, hm.std(s, 1):view(3), 0.05)
      end)

      it("Gaussian visibles: free energy by enumeration and log Z by numerical integration", function()
         local r = randomRBM(1, 3, 1, { visibleType = 'gaussian', sigma = 1.5 })
         local v = hm.DoubleTensor({ { 0.7 }, { -1.2 } })
         local fe = r:freeEnergy(v)
         for n = 1, 2 do
            local s = 0
            for hi = 0, 7 do s = s + math.exp(-r:energy(v:narrow(1, n, 1), bits(hi, 3))[1]) end
            assert.is_true(math.abs(fe[n] + math.log(s)) < 1e-10)
         end
         -- Z = integral of exp(-F(v)) dv (trapezoid on a fine grid)
         local n, lo, hi = 20001, -40, 40
         local grid = hm.DoubleTensor(n, 1)
         for i = 1, n do grid[i][1] = lo + (hi - lo) * (i - 1) / (n - 1) end
         local z = r:freeEnergy(grid):neg():exp():sum() * (hi - lo) / (n - 1)
         assert.is_true(math.abs(r:exactLogPartition() - math.log(z)) < 1e-6)
      end)

      it("Gaussian hiddens: mean c + W v / sigma, unit variance, free energy by integration", function()
         local r = randomRBM(3, 1, 1, { hiddenType = 'gaussian' })
         local v = hm.DoubleTensor({ { 1, 0, 1 } })
         local m = r:hiddenProb(v)
         assert.is_true(math.abs(m[1][1] - (r.hiddenBias[1] + r.weight[1][1] + r.weight[1][3])) < 1e-12)
         local s = r:sampleHidden(hm.DoubleTensor(20000, 3):copy(v:expand(20000, 3)))
         assert.is_true(math.abs(s:mean() - m[1][1]) < 0.03 and math.abs(s:std() - 1) < 0.03)
         -- F(v) = -log integral exp(-E(v, h)) dh
         local n, lo, hi = 20001, -30, 30
         local acc = 0
         for i = 1, n do
            local h = hm.DoubleTensor({ { lo + (hi - lo) * (i - 1) / (n - 1) } })
            acc = acc + math.exp(-r:energy(v, h)[1])
         end
         acc = acc * (hi - lo) / (n - 1)
         assert.is_true(math.abs(r:freeEnergy(v)[1] + math.log(acc)) < 1e-6)
         -- log Z over the 8 visible configurations
         local lz = 0
         local t = 0
         for vi = 0, 7 do t = t + math.exp(-r:freeEnergy(bits(vi, 3))[1]) end
         lz = math.log(t)
         assert.is_true(math.abs(r:exactLogPartition() - lz) < 1e-10)
      end)
   end)

   describe("softmax visibles", function()
      it("sample exactly one unit per group, with the group softmax as probabilities", function()
         local r = randomRBM(12, 5, 1, { visibleType = 'softmax', softmaxSize = 4 })
         local h = hm.DoubleTensor(3000, 5):copy(hm.DoubleTensor(1, 5):bernoulli(0.5):expand(3000, 5))
         local s, p = r:sampleVisible(h)
         local groups = s:view(3000 * 3, 4)
         assert.tensor_near(hm.DoubleTensor(9000, 1):fill(1), hm.sum(groups, 2), 0)
         assert.tensor_near(hm.DoubleTensor(3, 1):fill(1), hm.sum(p[1]:view(3, 4), 2), 1e-12)
         -- by hand: softmax of b + h W in each group
         local a = hm.addmv(r.visibleBias, r.weight:t(), h[1])
         for g = 0, 2 do
            local z = 0
            for k = 1, 4 do z = z + math.exp(a[g * 4 + k]) end
            for k = 1, 4 do assert.is_true(math.abs(p[1][g * 4 + k] - math.exp(a[g * 4 + k]) / z) < 1e-12) end
         end
         assert.tensor_near(p[1], hm.mean(s, 1):view(12), 0.03)
      end)

      it("log Z sums each group's logsumexp", function()
         local r = randomRBM(6, 3, 1, { visibleType = 'softmax', softmaxSize = 3 })
         -- brute force over the 9 one-hot visible configurations
         local t = 0
         for a = 1, 3 do
            for b = 1, 3 do
               local v = hm.DoubleTensor(1, 6):zero()
               v[1][a] = 1; v[1][3 + b] = 1
               t = t + math.exp(-r:freeEnergy(v)[1])
            end
         end
         assert.is_true(math.abs(r:exactLogPartition() - math.log(t)) < 1e-10)
      end)
   end)

   describe("evaluation helpers", function()
      it("pseudoLikelihood: exact sum by hand; the stochastic one averages to it", function()
         local r = randomRBM(5, 3, 1)
         local v = hm.DoubleTensor(4, 5):bernoulli(0.5)
         local exact = r:pseudoLikelihood(v, { exact = true })
         local f0 = r:freeEnergy(v)
         for n = 1, 4 do
            local s = 0
            for i = 1, 5 do
               local w = v:narrow(1, n, 1):clone()
               w[1][i] = 1 - w[1][i]
               s = s + math.log(sigmoid(r:freeEnergy(w)[1] - f0[n]))
            end
            assert.is_true(math.abs(exact[n] - s) < 1e-10)
         end
         local big = hm.DoubleTensor(20000, 5):copy(v[1]:view(1, 5):expand(20000, 5))
         local _, mean = r:pseudoLikelihood(big)
         assert.is_true(math.abs(mean - exact[1]) < 0.05 * math.abs(exact[1]) + 0.02)
         assert.error_matches(function()
            hm.RBM{ visible = 2, hidden = 2, visibleType = 'gaussian' }:pseudoLikelihood(hm.Tensor(1, 2))
         end, "Bernoulli visibles only")
      end)

      it("reconstructionError is small for a model that copies its input", function()
         local r = hm.RBM{ visible = 4, hidden = 4, type = 'hm.DoubleTensor' }
         r.weight:copy(hm.eye(4):double():mul(20))
         r.hiddenBias:fill(-10); r.visibleBias:fill(-10)
         local v = hm.DoubleTensor({ { 1, 0, 1, 0 }, { 0, 0, 1, 1 } })
         assert.is_true(r:reconstructionError(v) < 1e-6)
      end)

      it("initVisibleBias sets log-odds of the data means", function()
         local r = hm.RBM{ visible = 2, hidden = 2, type = 'hm.DoubleTensor' }
         r:initVisibleBias(hm.DoubleTensor({ { 1, 0 }, { 1, 1 }, { 0, 0 }, { 1, 0 } }))
         assert.is_true(math.abs(r.visibleBias[1] - math.log(3)) < 1e-12)
         assert.is_true(math.abs(r.visibleBias[2] + math.log(3)) < 1e-12)
      end)
   end)

   describe("bad input", function()
      it("raises clear errors for wrong sizes and types", function()
         local r = hm.RBM{ visible = 6, hidden = 4 }
         assert.error_matches(function() r:hiddenProb(hm.Tensor(3, 5)) end,
            "hm.RBM:hiddenProb: visible batch must be B x 6")
         assert.error_matches(function() r:visibleProb(hm.Tensor(3, 6)) end,
            "hm.RBM:visibleProb: hidden batch must be B x 4")
         assert.error_matches(function() r:freeEnergy(hm.DoubleTensor(3, 6)) end,
            "must be an hm.FloatTensor like the model")
         assert.error_matches(function() r:sampleHidden("x") end, "visible batch tensor expected")
         assert.error_matches(function() r:energy(hm.Tensor(3, 6), hm.Tensor(2, 4)) end, "v has 3 samples but h has 2")
      end)
   end)
end)

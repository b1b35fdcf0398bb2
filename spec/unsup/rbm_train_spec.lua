-- hm.rbm.train: the exact log-likelihood gradient of a 6x4 RBM against sampled statistics,
-- likelihood going up under CD-1, sparsity, learned sigma, options, bad input; mergePatches.
local hm = require 'harmonium'

-- N noisy copies of 4 random prototypes of V bits (5% of bits flipped).
local function toyData(N, V)
   local protos = hm.DoubleTensor(4, V):bernoulli(0.5)
   local data = hm.DoubleTensor(N, V)
   for i = 1, N do data[i]:copy(protos[(i % 4) + 1]) end
   local noise = hm.DoubleTensor(N, V):bernoulli(0.05)
   data:add(hm.cmul(data, noise):mul(-2):add(noise))
   return data
end

local function randomRBM(V, H, s)
   local r = hm.RBM{ visible = V, hidden = H, type = 'hm.DoubleTensor' }
   r.weight:normal(0, s); r.visibleBias:normal(0, s); r.hiddenBias:normal(0, s)
   return r
end

describe("hm.rbm.train", function()
   before_each(function() hm.manualSeed(HM_SPEC_SEED or 1234) end)

   describe("gradient", function()
      it("exact gradient of a 6x4 RBM (enumeration) matches long-run sampled statistics", function()
         local r = randomRBM(6, 4, 1)
         local data = toyData(200, 6)
         local gW, gb, gc = hm.rbm.exact.gradient(r, data)
         -- model statistics from 4000 Gibbs chains run 100 steps
         local _, _, _ = r:gibbs(data:narrow(1, 1, 1), 1)
         local v0 = hm.DoubleTensor(4000, 6):bernoulli(0.5)
         local vk = r:gibbs(v0, 100)
         local ph = r:hiddenProb(vk)
         local n = 4000
         local ph0 = r:hiddenProb(data)
         local sW = hm.mm(ph:t(), vk):div(n):add(-1 / data:size(1), hm.mm(ph0:t(), data))
         local sb = hm.mean(vk, 1):view(6):add(-1, hm.mean(data, 1):view(6))
         local sc = hm.mean(ph, 1):view(4):add(-1, hm.mean(ph0, 1):view(4))
         assert.tensor_near(gW, sW, 0.03)
         assert.tensor_near(gb, sb, 0.03)
         assert.tensor_near(gc, sc, 0.03)
         -- and a finite-difference check of the exact gradient itself
         local eps = 1e-5
         local w = r.weight[2][3]
         r.weight[2][3] = w + eps
         local lp = r:logLikelihood(data)
         r.weight[2][3] = w - eps
         local lm = r:logLikelihood(data)
         r.weight[2][3] = w
         assert.is_true(math.abs(-(lp - lm) / (2 * eps) - gW[2][3]) < 1e-6)
      end)

      it("PCD fills gradWeight with the (negative log-likelihood) gradient estimate", function()
         local r = randomRBM(6, 4, 1)
         local data = toyData(100, 6)
         local gW, gb, gc = hm.rbm.exact.gradient(r, data)
         -- one batch, many chains run long, a learning rate too small to move anything
         hm.rbm.train(r, data, { method = 'pcd', chains = 4000, k = 60, batchSize = 100, epochs = 1,
                                 learningRate = 1e-12, verbose = false })
         assert.tensor_near(gW, r.gradWeight, 0.04)
         assert.tensor_near(gb, r.gradVisibleBias, 0.04)
         assert.tensor_near(gc, r.gradHiddenBias, 0.04)
      end)
   end)

   describe("learning", function()
      it("CD-1 increases the exact log-likelihood of a toy dataset", function()
         local data = toyData(1000, 12)
         local r = hm.RBM{ visible = 12, hidden = 8, type = 'hm.DoubleTensor' }
         local before = r:logLikelihood(data)
         local stats = hm.rbm.train(r, data, { epochs = 10, learningRate = 0.1, batchSize = 20,
                                                momentum = 0.5, verbose = false })
         local after = r:logLikelihood(data)
         assert.is_true(after > before + 2, string.format("%.3f -> %.3f", before, after))
         assert.are.equal(10, #stats)
         assert.is_true(stats[10].reconstructionError < stats[1].reconstructionError)
      end)

      it("trains float models, PCD and mean-field, with a momentum schedule and a callback", function()
         local data = toyData(300, 12):float()
         local r = hm.RBM{ visible = 12, hidden = 8 }
         local seen = {}
         local stats = hm.rbm.train(r, data, {
            method = 'pcd', k = 2, meanField = true, epochs = 4, batchSize = 32, learningRate = 0.05,
            momentum = function(e) return e <= 2 and 0.5 or 0.9 end, weightDecay = 1e-4,
            validation = data:narrow(1, 1, 50), verbose = false,
            callback = function(e, st) seen[#seen + 1] = e; return e < 3 end })
         assert.are.same({ 1, 2, 3 }, seen)
         assert.are.equal(3, #stats)
         assert.are.equal(0.9, stats[3].momentum)
         assert.is_number(stats[1].freeEnergyGap)
         assert.is_number(stats[1].validationFreeEnergy)
         assert.is_true(r.weight:norm() < math.huge)
      end)

      it("sparsity pushes the mean hidden activation toward the target", function()
         local data = toyData(600, 16)
         local function meanAct(opts)
            hm.manualSeed(5)
            local r = hm.RBM{ visible = 16, hidden = 10, type = 'hm.DoubleTensor' }
            hm.rbm.train(r, data, { epochs = 20, learningRate = 0.1, batchSize = 20, verbose = false,
                                    sparsityTarget = opts.target, sparsityCost = opts.cost })
            return r:hiddenProb(data):mean()
         end
         local free = meanAct({})
         local sparse = meanAct({ target = 0.05, cost = 3 })
         assert.is_true(sparse < free - 0.2, string.format("%.3f vs %.3f", sparse, free))
         -- the penalty acts on hidden biases only, so CD keeps it a little above the target
         assert.is_true(sparse < 0.15 and sparse < free / 3, string.format("%.3f vs %.3f", sparse, free))
      end)

      it("learned sigma moves toward the data's standard deviation", function()
         local data = hm.DoubleTensor(2000, 4):normal(0, 3)
         local r = hm.RBM{ visible = 4, hidden = 2, type = 'hm.DoubleTensor', visibleType = 'gaussian',
                           sigma = 1, learnSigma = true }
         hm.rbm.train(r, data, { epochs = 20, learningRate = 0.01, sigmaLearningRate = 0.05,
                                 batchSize = 50, verbose = false })
         local s = r.sigma:mean()
         assert.is_true(s > 2 and s < 4, "sigma " .. s)
         -- sigma stays exp(z / 2)
         assert.tensor_near(hm.mul(r.logVariance, 0.5):exp(), r.sigma, 1e-12)
      end)

      it("Gaussian visibles with fixed sigma and Gaussian hiddens train without trouble", function()
         local data = hm.DoubleTensor(400, 6):normal(0, 1)
         local g = hm.RBM{ visible = 6, hidden = 3, type = 'hm.DoubleTensor', visibleType = 'gaussian' }
         hm.rbm.train(g, data, { epochs = 3, learningRate = 0.01, batchSize = 40, verbose = false })
         local lin = hm.RBM{ visible = 6, hidden = 3, type = 'hm.DoubleTensor', hiddenType = 'gaussian' }
         local bin = toyData(400, 6)
         local before = lin:logLikelihood(bin)
         hm.rbm.train(lin, bin, { epochs = 5, learningRate = 0.001, batchSize = 40, verbose = false })
         assert.is_true(lin:logLikelihood(bin) > before)
      end)

      it("softmax visibles train and keep one unit per group in the chains", function()
         local data = hm.DoubleTensor(200, 9):zero()
         for i = 1, 200 do for g = 0, 2 do data[i][g * 3 + ((i + g) % 3) + 1] = 1 end end
         local r = hm.RBM{ visible = 9, hidden = 4, type = 'hm.DoubleTensor', visibleType = 'softmax', softmaxSize = 3 }
         local before = r:logLikelihood(data)
         hm.rbm.train(r, data, { epochs = 10, learningRate = 0.5, batchSize = 20, verbose = false })
         assert.is_true(r:logLikelihood(data) > before + 1)
         hm.rbm.train(r, data, { method = 'pcd', epochs = 1, learningRate = 0.01, batchSize = 20, verbose = false })
         local _, s = r:sample(50, { steps = 10 })
         assert.tensor_near(hm.DoubleTensor(150, 1):fill(1), hm.sum(s:view(150, 3), 2), 0)
      end)
   end)

   describe("bad input", function()
      local r, data
      before_each(function()
         r = hm.RBM{ visible = 6, hidden = 4 }
         data = hm.Tensor(20, 6):bernoulli(0.5)
      end)

      it("raises clear errors", function()
         local function train(d, o) return function() hm.rbm.train(r, d, o) end end
         assert.error_matches(train(data, { learningRate = -0.1 }), "hm.rbm.train: learningRate must be a positive number, got %-0.1")
         assert.error_matches(train(data, { k = 0 }), "k must be an integer >= 1, got 0")
         assert.error_matches(train(hm.Tensor(20, 6):fill(2)), "data outside %[0, 1%] for Bernoulli visibles %(min 2, max 2%)")
         assert.error_matches(train(hm.Tensor(20, 5):fill(0)), "data must be N x 6 %(size mismatch: got 20x5%)")
         assert.error_matches(train(data, { method = 'sgd' }), "method must be 'cd' or 'pcd'")
         assert.error_matches(train(data, { momentum = 1.5 }), "momentum must be a number in %[0, 1%)")
         assert.error_matches(train(data, { validation = hm.Tensor(3, 7) }), "validation data must be N x 6")
         assert.error_matches(train(data, { sparsityTarget = 2 }), "sparsityTarget must be in %(0, 1%)")
         local nan = data:clone(); nan[1][1] = 0 / 0
         assert.error_matches(train(nan), "data contains NaN")
         assert.error_matches(function() hm.rbm.train({}, data) end, "hm.RBM expected")
         -- errors name the caller's line, not train.lua
         local ok, msg = pcall(hm.rbm.train, r, data, { k = 0 })
         assert.is_false(ok)
         assert.is_nil(msg:find("train.lua", 1, true))
      end)

      it("stops with a clear error when the weights blow up", function()
         local g = hm.RBM{ visible = 6, hidden = 4, visibleType = 'gaussian' }
         local x = hm.Tensor(200, 6):normal(0, 10)
         assert.error_matches(function()
            hm.rbm.train(g, x, { learningRate = 10, epochs = 5, batchSize = 10, verbose = false })
         end, "hm.rbm.train: NaN in weights at epoch %d+ %(learning rate 10 may be too large%)")
      end)
   end)
end)

describe("hm.rbm.mergePatches", function()
   it("builds a block-structured RBM over the image with averaged visible biases", function()
      local a = hm.RBM{ visible = 4, hidden = 2, type = 'hm.DoubleTensor' }
      local b = hm.RBM{ visible = 4, hidden = 3, type = 'hm.DoubleTensor' }
      a.weight:fill(1); b.weight:fill(2)
      a.visibleBias:fill(1); b.visibleBias:fill(3)
      a.hiddenBias:fill(-1); b.hiddenBias:fill(-2)
      -- 2x2 patches at (1,1) and (1,2) of a 3x3 image: they share column 2 of rows 1-2
      local m = hm.rbm.mergePatches({ a, b }, { { 1, 1 }, { 1, 2 } }, { 3, 3 })
      assert.are.equal(9, m.visible)
      assert.are.equal(5, m.hidden)
      local expectW = hm.DoubleTensor({
         { 1, 1, 0, 1, 1, 0, 0, 0, 0 }, { 1, 1, 0, 1, 1, 0, 0, 0, 0 },
         { 0, 2, 2, 0, 2, 2, 0, 0, 0 }, { 0, 2, 2, 0, 2, 2, 0, 0, 0 }, { 0, 2, 2, 0, 2, 2, 0, 0, 0 } })
      assert.tensor_near(expectW, m.weight, 0)
      assert.tensor_near({ 1, 2, 3, 1, 2, 3, 0, 0, 0 }, m.visibleBias, 0)
      assert.tensor_near({ -1, -1, -2, -2, -2 }, m.hiddenBias, 0)
      -- hidden units of a patch see only their patch: p(h | v) equals the patch RBM's
      local v = hm.DoubleTensor(1, 9):bernoulli(0.5)
      local pa = a:hiddenProb(hm.DoubleTensor({ { v[1][1], v[1][2], v[1][4], v[1][5] } }))
      assert.tensor_near(pa, m:hiddenProb(v):narrow(2, 1, 2), 1e-12)
   end)

   it("rejects patches outside the image and mismatched RBMs", function()
      local a = hm.RBM{ visible = 4, hidden = 2 }
      assert.error_matches(function() hm.rbm.mergePatches({ a }, { { 3, 3 } }, { 3, 3 }) end,
         "patch 1 at {3, 3} does not fit in a 3x3 image")
      assert.error_matches(function()
         hm.rbm.mergePatches({ a, hm.RBM{ visible = 9, hidden = 2 } }, { { 1, 1 }, { 1, 1 } }, { 3, 3 })
      end, "does not match RBM 1")
   end)
end)

describe("examples/rbm_mnist.lua", function()
   local support = require 'support'

   it("--quick trains on the bundled sample and writes filters, samples and the model", function()
      local dir = support.tmpname()
      os.remove(dir)
      local out, err, code = support.sh("bin/harmonium examples/rbm_mnist.lua --quick -epochs 2 -hidden 64 -out "
         .. support.q(dir))
      assert.are.equal(0, code, err)
      assert.is_truthy(out:find("epoch  2  reconstruction error", 1, true), out)
      local filters = assert(hm.image.load(dir .. "/filters.png"))
      assert.is_true(filters:dim() == 2 or filters:dim() == 3)
      local samples = assert(hm.image.load(dir .. "/samples.png"))
      assert.are.equal(300, samples:size(samples:dim()))      -- 10 x (28 + 2)
      local rbm = hm.load(dir .. "/rbm_mnist.hm")
      assert.are.equal("hm.RBM", hm.type(rbm))
      assert.are.equal(64, rbm.hidden)
      for _, f in ipairs({ "filters.png", "samples.png", "rbm_mnist.hm" }) do os.remove(dir .. "/" .. f) end
      os.remove(dir)
   end)
end)

-- hm.rbm.ais: annealed importance sampling estimates of log Z against exact enumeration.
-- The 784-15 RBM is trained on the bundled MNIST sample (hm.data.mnist{sample = true},
-- binarised at 0.5); the default suite runs AIS with 3,000 intermediate distributions, the
-- #slow one with the paper-sized 10,000.
local hm = require 'harmonium'

local function mnistRBM()
   hm.manualSeed(11)
   local s = hm.data.mnist{ sample = true }
   local data = hm.gt(s.data, 0.5):float()
   local r = hm.RBM{ visible = 784, hidden = 15 }
   r:initVisibleBias(data)
   hm.rbm.train(r, data, { epochs = 20, learningRate = 0.05, batchSize = 20, momentum = 0.5, verbose = false })
   return r, data
end

describe("hm.rbm.ais", function()
   before_each(function() hm.manualSeed(HM_SPEC_SEED or 1234) end)

   it("schedules go from 0 to 1 with the requested number of steps", function()
      for _, kind in ipairs({ "paper", "uniform" }) do
         local b = hm.rbm.aisSchedule(1000, kind)
         assert.are.equal(1001, #b)
         assert.are.equal(0, b[1]); assert.are.equal(1, b[#b])
         for i = 2, #b do assert.is_true(b[i] > b[i - 1]) end
      end
      -- the paper's schedule is finer above 0.5
      local b = hm.rbm.aisSchedule(5500)
      assert.are.equal(0.5, b[501])
      assert.is_true(math.abs(b[502] - b[501] - 1e-4) < 1e-12)
   end)

   it("is within 0.1 nats of the exact log Z of a small random RBM", function()
      local r = hm.RBM{ visible = 30, hidden = 10, type = 'hm.DoubleTensor' }
      r.weight:normal(0, 0.5); r.visibleBias:normal(0, 0.5); r.hiddenBias:normal(0, 0.5)
      local exact = r:exactLogPartition()
      local est, se, info = hm.rbm.ais(r, { runs = 100, betas = 1000 })
      assert.is_true(math.abs(est - exact) < 0.1, string.format("AIS %.4f, exact %.4f, se %.4f", est, exact, se))
      assert.is_true(se > 0 and se < 0.1)
      assert.is_true(info.logZLow <= est and est <= info.logZHigh)
      assert.are.equal(100, info.logWeights:nElement())
      assert.are.equal(1000, info.steps)
   end)

   it("handles softmax visibles", function()
      local r = hm.RBM{ visible = 12, hidden = 6, type = 'hm.DoubleTensor', visibleType = 'softmax', softmaxSize = 4 }
      r.weight:normal(0, 1); r.visibleBias:normal(0, 1); r.hiddenBias:normal(0, 1)
      local exact = r:exactLogPartition()
      local est = hm.rbm.ais(r, { runs = 100, betas = 1000, schedule = 'uniform' })
      assert.is_true(math.abs(est - exact) < 0.1, string.format("AIS %.4f, exact %.4f", est, exact))
   end)

   it("784-15 RBM trained on MNIST: within 0.15 nats of exact with 3,000 betas", function()
      local r, data = mnistRBM()
      local exact = r:exactLogPartition()
      local est, se = hm.rbm.ais(r, { runs = 100, betas = 3000, data = data })
      assert.is_true(math.abs(est - exact) < 0.15, string.format("AIS %.4f, exact %.4f, se %.4f", est, exact, se))
      -- the test log-probability is then -F - log Z within the same margin
      local ll = r:logLikelihood(data, est)
      assert.is_true(math.abs(ll - r:logLikelihood(data, exact)) < 0.15 and ll < 0)
   end)

   it("784-15 RBM trained on MNIST: within 0.1 nats of exact with 10,000 betas #slow", function()
      local r, data = mnistRBM()
      local exact = r:exactLogPartition()
      local est, se = hm.rbm.ais(r, { runs = 100, betas = 10000, data = data })
      assert.is_true(math.abs(est - exact) < 0.1, string.format("AIS %.4f, exact %.4f, se %.4f", est, exact, se))
   end)

   it("rejects models and options it cannot handle", function()
      local g = hm.RBM{ visible = 4, hidden = 2, visibleType = 'gaussian' }
      assert.error_matches(function() hm.rbm.ais(g) end, "hm.rbm.ais: Bernoulli hiddens with Bernoulli or softmax visibles only")
      local r = hm.RBM{ visible = 4, hidden = 2 }
      assert.error_matches(function() hm.rbm.ais(r, { runs = 0 }) end, "runs must be a positive integer")
      assert.error_matches(function() hm.rbm.ais(r, { betas = { 0, 0.7, 0.5, 1 } }) end, "betas must increase")
      assert.error_matches(function() hm.rbm.ais(r, { data = hm.Tensor(3, 5) }) end, "data must be N x 4")
   end)
end)

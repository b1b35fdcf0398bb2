-- Specs for lua/harmonium/optim/adagrad.lua: convergence on a quadratic, hand-computed steps,
-- learning-rate decay, weight decay, state, allocations and errors.
local hm = require 'harmonium'
local P = require 'optim.problems'

local adagrad = hm.optim.adagrad

describe("hm.optim.adagrad", function()
   it("converges on a quadratic to A^-1 b", function()
      local p = P.quadratic(10)
      local x = hm.DoubleTensor(10):zero()
      local _, fx = P.run(adagrad, p.feval, x, { learningRate = 0.5 }, 1000)
      assert.tensor_near(p.xstar, x, 1e-3)
      assert.near(p.f(p.xstar), fx, 1e-6)
   end)

   it("computes two steps by hand", function()
      -- step 1: v = g^2, x -= lr g / |g| (about lr sign(g)): (1, -2) -> (0.9, -1.9)
      -- step 2: g = (0.9, -1.9), v = (1 + 0.81, 4 + 3.61), x -= lr g / sqrt(v)
      local x, config = hm.DoubleTensor({ 1, -2 }), { learningRate = 0.1, epsilon = 0 }
      local _, fs = adagrad(P.half(), x, config)
      assert.near(2.5, fs[1], 1e-15)
      assert.tensor_near({ 0.9, -1.9 }, x, 1e-15)
      adagrad(P.half(), x, config)
      assert.tensor_near({ 0.9 - 0.1 * 0.9 / math.sqrt(1.81), -1.9 + 0.1 * 1.9 / math.sqrt(7.61) }, x, 1e-15)
      assert.tensor_near({ 1.81, 7.61 }, config.paramVariance, 1e-14)
      assert.equal(2, config.evalCounter)
   end)

   it("divides safely by a zero gradient history (epsilon)", function()
      local x = hm.DoubleTensor({ 1, 1 })
      adagrad(P.constant({ 0, 1 }), x, { learningRate = 0.1 })
      assert.tensor_near({ 1, 0.9 }, x, 1e-9)
   end)

   it("decays the learning rate as lr / (1 + n * decay)", function()
      -- a constant gradient 1: after n calls v = n, so step n is clr_n / sqrt(n)
      local x = hm.DoubleTensor({ 0 })
      P.run(adagrad, P.constant({ 1 }), x, { learningRate = 0.5, learningRateDecay = 0.25, epsilon = 0 }, 3)
      assert.near(-0.5 * (1 + 1 / 1.25 / math.sqrt(2) + 1 / 1.5 / math.sqrt(3)), x[1], 1e-14)
   end)

   it("with weightDecay equals adagrad on f + wd/2 |x|^2", function()
      local p = P.quadratic(8, 5)
      local x1, x2 = hm.DoubleTensor(8):fill(1), hm.DoubleTensor(8):fill(1)
      P.run(adagrad, p.feval, x1, { learningRate = 0.3, weightDecay = 0.3 }, 25)
      P.run(adagrad, P.withDecay(p.feval, 0.3), x2, { learningRate = 0.3 }, 25)
      assert.tensor_near(x2, x1, 1e-12)
   end)

   it("keeps its state in a separate table when given one", function()
      local cfg, state = { learningRate = 0.1 }, {}
      local a, b = hm.DoubleTensor({ 1, 2 }), hm.DoubleTensor({ 1, 2 })
      P.run(adagrad, P.half(), a, cfg, 2, state)
      P.run(adagrad, P.half(), a, cfg, 2, state)
      P.run(adagrad, P.half(), b, { learningRate = 0.1 }, 4)
      assert.equal(4, state.evalCounter)
      assert.is_nil(cfg.evalCounter)
      assert.tensor_near(b, a, 0)
   end)

   it("allocates no tensors per step", function()
      local perStep, growth = P.allocPerStep(adagrad, { learningRate = 0.01, weightDecay = 1e-4 }, 3000)
      assert.is_true(perStep < 200, "bytes per step: " .. perStep)
      assert.is_true(growth < 4, "KB of growth: " .. growth)
   end)

   it("raises on bad arguments", function()
      P.commonErrors(adagrad, "adagrad", assert)
      local x, f = hm.DoubleTensor({ 1 }), P.constant({ 1 })
      assert.error_matches(function() adagrad(f, x, { epsilon = -1 }) end,
                           "hm.optim.adagrad: epsilon must be >= 0, got -1", nil, true)
      assert.error_matches(function() adagrad(f, x, { learningRateDecay = -1 }) end,
                           "hm.optim.adagrad: learningRateDecay must be >= 0, got -1", nil, true)
   end)
end)

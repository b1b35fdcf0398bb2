-- Specs for lua/harmonium/optim/adam.lua: convergence on a quadratic and on Rosenbrock,
-- hand-computed steps (first step ~ -lr sign(g), constant gradients step by lr), bias
-- correction, learning-rate decay, weight decay, state, allocations and errors.
local hm = require 'harmonium'
local P = require 'optim.problems'

local adam = hm.optim.adam

describe("hm.optim.adam", function()
   it("converges on a quadratic to A^-1 b, in double and in float", function()
      local p = P.quadratic(10)
      local x = hm.DoubleTensor(10):zero()
      P.run(adam, p.feval, x, { learningRate = 0.05 }, 1000)
      assert.tensor_near(p.xstar, x, 1e-3)
      local pf = P.quadratic(10, 42, "FloatTensor")
      local xf = hm.FloatTensor(10):zero()
      P.run(adam, pf.feval, xf, { learningRate = 0.05 }, 1000)
      assert.tensor_near(pf.xstar, xf, 1e-3)
   end)

   it("converges on 2-D Rosenbrock from (-1.2, 1)", function()
      local x = hm.DoubleTensor({ -1.2, 1 })
      P.run(adam, P.rosenbrock(), x, { learningRate = 0.01 }, 20000)
      assert.tensor_near({ 1, 1 }, x, 1e-3)
   end)

   it("takes a first step of about -lr * sign(g)", function()
      local x = hm.DoubleTensor({ 1, 1, 1, 1 })
      local _, fs = adam(P.constant({ 3, -0.5, 1e-3, 0 }), x, { learningRate = 0.01 })
      assert.near(3 - 0.5 + 1e-3, fs[1], 1e-15)
      -- epsilon shortens the step of the small gradient 1e-3 by a relative 3e-4; a zero one stays
      assert.tensor_near({ 0.99, 1.01, 0.99, 1 }, x, 1e-5)
      -- exactly: m = 0.1 g, v = 0.001 g^2, step = lr sqrt(0.001)/0.1 * m / (sqrt(v) + eps)
      local expect = 1 - 0.01 * math.sqrt(0.001) / 0.1 * (0.1 * 3) / (math.sqrt(0.001) * 3 + 1e-8)
      assert.near(expect, x[1], 1e-15)
   end)

   it("steps by lr on every call under a constant gradient (bias correction)", function()
      local x, config = hm.DoubleTensor({ 0, 0 }), { learningRate = 0.1, epsilon = 0 }
      local feval = P.constant({ 2, -4 })
      for k = 1, 5 do
         adam(feval, x, config)
         assert.tensor_near({ -0.1 * k, 0.1 * k }, x, 1e-13)
      end
      assert.equal(5, config.t)
      assert.equal(5, config.evalCounter)
   end)

   it("computes the second step by hand with a changing gradient", function()
      -- g1 = 1, g2 = 3 (f = 0.5 x^2 from x = 1, after a step of 0.1 taken with lr 0.1: x1 = 0.9
      -- gives g2 = 0.9); m2 = 0.9 * 0.1 + 0.1 * 0.9 = 0.18, v2 = 0.999 * 0.001 + 0.001 * 0.81
      local x, config = hm.DoubleTensor({ 1 }), { learningRate = 0.1, epsilon = 0 }
      adam(P.half(), x, config)
      assert.near(0.9, x[1], 1e-15)
      adam(P.half(), x, config)
      local m2, v2 = 0.18, 0.999 * 0.001 + 0.001 * 0.81
      local step = 0.1 * math.sqrt(1 - 0.999 ^ 2) / (1 - 0.9 ^ 2) * m2 / math.sqrt(v2)
      assert.near(0.9 - step, x[1], 1e-14)
   end)

   it("decays the learning rate as lr / (1 + (t - 1) * decay)", function()
      local x = hm.DoubleTensor({ 0 })
      P.run(adam, P.constant({ 1 }), x, { learningRate = 0.5, learningRateDecay = 0.25, epsilon = 0 }, 3)
      assert.near(-0.5 * (1 + 1 / 1.25 + 1 / 1.5), x[1], 1e-14)
   end)

   it("with weightDecay equals adam on f + wd/2 |x|^2", function()
      local p = P.quadratic(8, 5)
      local x1, x2 = hm.DoubleTensor(8):fill(1), hm.DoubleTensor(8):fill(1)
      P.run(adam, p.feval, x1, { learningRate = 0.05, weightDecay = 0.3 }, 25)
      P.run(adam, P.withDecay(p.feval, 0.3), x2, { learningRate = 0.05 }, 25)
      assert.tensor_near(x2, x1, 1e-12)
   end)

   it("keeps its state in a separate table when given one", function()
      local cfg, state = { learningRate = 0.05 }, {}
      local a, b = hm.DoubleTensor({ 1, 2 }), hm.DoubleTensor({ 1, 2 })
      P.run(adam, P.half(), a, cfg, 3, state)
      P.run(adam, P.half(), a, cfg, 2, state)
      P.run(adam, P.half(), b, { learningRate = 0.05 }, 5)
      assert.equal(5, state.t)
      assert.is_nil(cfg.t)
      assert.is_nil(cfg.m)
      assert.tensor_near(b, a, 0)
   end)

   it("allocates no tensors per step", function()
      local perStep, growth = P.allocPerStep(adam, { learningRate = 0.01, weightDecay = 1e-4 }, 3000)
      assert.is_true(perStep < 200, "bytes per step: " .. perStep)
      assert.is_true(growth < 4, "KB of growth: " .. growth)
   end)

   it("raises on bad arguments", function()
      P.commonErrors(adam, "adam", assert)
      local x, f = hm.DoubleTensor({ 1 }), P.constant({ 1 })
      local function raises(msg, config)
         assert.error_matches(function() adam(f, x, config) end, "hm.optim.adam: " .. msg, nil, true)
      end
      raises("beta1 must be in [0, 1), got 1", { beta1 = 1 })
      raises("beta2 must be in [0, 1), got -0.1", { beta2 = -0.1 })
      raises("epsilon must be >= 0, got -1e-08", { epsilon = -1e-8 })
      raises("learningRateDecay must be >= 0, got -1", { learningRateDecay = -1 })
   end)
end)

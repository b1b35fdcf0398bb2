-- Specs for lua/harmonium/optim/rmsprop.lua: convergence on a quadratic, hand-computed steps,
-- initialMean, weight decay, state, allocations and errors.
local hm = require 'harmonium'
local P = require 'optim.problems'

local rmsprop = hm.optim.rmsprop

describe("hm.optim.rmsprop", function()
   it("converges on a quadratic to A^-1 b", function()
      local p = P.quadratic(10)
      local x = hm.DoubleTensor(10):zero()
      P.run(rmsprop, p.feval, x, { learningRate = 0.001 }, 3000)
      assert.tensor_near(p.xstar, x, 1e-3)
   end)

   it("computes two steps by hand", function()
      -- step 1: m = 0.01 g^2, x -= lr g / (0.1 |g| + eps), about 10 lr sign(g): (1, -2) -> (0.9, -1.9)
      -- step 2: g = (0.9, -1.9), m = 0.99 m + 0.01 g^2, x -= lr g / sqrt(m)
      local x, config = hm.DoubleTensor({ 1, -2 }), { learningRate = 0.01, epsilon = 0 }
      local _, fs = rmsprop(P.half(), x, config)
      assert.near(2.5, fs[1], 1e-15)
      assert.tensor_near({ 0.9, -1.9 }, x, 1e-15)
      rmsprop(P.half(), x, config)
      local m = { 0.99 * 0.01 + 0.01 * 0.81, 0.99 * 0.04 + 0.01 * 3.61 }
      assert.tensor_near(m, config.m, 1e-15)
      assert.tensor_near({ 0.9 - 0.01 * 0.9 / math.sqrt(m[1]), -1.9 + 0.01 * 1.9 / math.sqrt(m[2]) }, x, 1e-14)
      assert.equal(2, config.evalCounter)
   end)

   it("starts the running mean at initialMean", function()
      -- m = 0.5 * 4 + 0.5 * 1 = 2.5; x -= 0.1 * 1 / sqrt(2.5)
      local x = hm.DoubleTensor({ 0 })
      rmsprop(P.constant({ 1 }), x, { learningRate = 0.1, alpha = 0.5, initialMean = 4, epsilon = 0 })
      assert.near(-0.1 / math.sqrt(2.5), x[1], 1e-15)
   end)

   it("with weightDecay equals rmsprop on f + wd/2 |x|^2", function()
      local p = P.quadratic(8, 5)
      local x1, x2 = hm.DoubleTensor(8):fill(1), hm.DoubleTensor(8):fill(1)
      P.run(rmsprop, p.feval, x1, { learningRate = 0.01, weightDecay = 0.3 }, 25)
      P.run(rmsprop, P.withDecay(p.feval, 0.3), x2, { learningRate = 0.01 }, 25)
      assert.tensor_near(x2, x1, 1e-12)
   end)

   it("keeps its state in a separate table when given one", function()
      local cfg, state = { learningRate = 0.01 }, {}
      local a, b = hm.DoubleTensor({ 1, 2 }), hm.DoubleTensor({ 1, 2 })
      P.run(rmsprop, P.half(), a, cfg, 2, state)
      P.run(rmsprop, P.half(), a, cfg, 2, state)
      P.run(rmsprop, P.half(), b, { learningRate = 0.01 }, 4)
      assert.equal(4, state.evalCounter)
      assert.is_nil(cfg.m)
      assert.tensor_near(b, a, 0)
   end)

   it("allocates no tensors per step", function()
      local perStep, growth = P.allocPerStep(rmsprop, { learningRate = 0.001, weightDecay = 1e-4 }, 3000)
      assert.is_true(perStep < 200, "bytes per step: " .. perStep)
      assert.is_true(growth < 4, "KB of growth: " .. growth)
   end)

   it("raises on bad arguments", function()
      P.commonErrors(rmsprop, "rmsprop", assert)
      local x, f = hm.DoubleTensor({ 1 }), P.constant({ 1 })
      local function raises(msg, config)
         assert.error_matches(function() rmsprop(f, x, config) end, "hm.optim.rmsprop: " .. msg, nil, true)
      end
      raises("alpha must be in [0, 1), got 1", { alpha = 1 })
      raises("alpha must be in [0, 1), got -0.5", { alpha = -0.5 })
      raises("epsilon must be >= 0, got -1", { epsilon = -1 })
      raises("initialMean must be >= 0, got -1", { initialMean = -1 })
   end)
end)

-- Specs for lua/harmonium/optim/adadelta.lua: convergence on a quadratic, hand-computed steps,
-- learningRate, weight decay, state, allocations and errors.
local hm = require 'harmonium'
local P = require 'optim.problems'

local adadelta = hm.optim.adadelta

describe("hm.optim.adadelta", function()
   it("converges on a quadratic to A^-1 b with learningRate 0.5", function()
      -- With learningRate 1 (AdaDelta proper) the iterates hover about 0.05 from the minimum of
      -- this deterministic problem (PyTorch's Adadelta does the same); 0.5 converges.
      local p = P.quadratic(10)
      local x = hm.DoubleTensor(10):zero()
      local _, fx = P.run(adadelta, p.feval, x, { learningRate = 0.5 }, 2000)
      assert.tensor_near(p.xstar, x, 1e-3)
      assert.near(p.f(p.xstar), fx, 1e-6)
   end)

   it("computes two steps by hand", function()
      -- step 1 (rho 0.9, eps 1e-6, g = 1): v = 0.1, delta = sqrt(eps) / sqrt(0.1 + eps),
      -- u = 0.1 delta^2; step 2 (g = 1 again): v = 0.19, delta2 = sqrt(u + eps) / sqrt(0.19 + eps)
      local x, config = hm.DoubleTensor({ 0 }), {}
      local feval = P.constant({ 1 })
      adadelta(feval, x, config)
      local d1 = math.sqrt(1e-6) / math.sqrt(0.1 + 1e-6)
      assert.near(-d1, x[1], 1e-15)
      assert.near(0.1 * d1 * d1, config.accDelta[1], 1e-18)
      adadelta(feval, x, config)
      local d2 = math.sqrt(0.1 * d1 * d1 + 1e-6) / math.sqrt(0.19 + 1e-6)
      assert.near(-d1 - d2, x[1], 1e-15)
      assert.equal(2, config.evalCounter)
   end)

   it("scales the step by learningRate", function()
      local x1, x2 = hm.DoubleTensor({ 1, -2 }), hm.DoubleTensor({ 1, -2 })
      adadelta(P.half(), x1, {})
      adadelta(P.half(), x2, { learningRate = 0.25 })
      assert.tensor_near(hm.DoubleTensor({ 1, -2 }):add(0.25, x1 - hm.DoubleTensor({ 1, -2 })), x2, 1e-15)
   end)

   it("with weightDecay equals adadelta on f + wd/2 |x|^2", function()
      local p = P.quadratic(8, 5)
      local x1, x2 = hm.DoubleTensor(8):fill(1), hm.DoubleTensor(8):fill(1)
      P.run(adadelta, p.feval, x1, { weightDecay = 0.3 }, 25)
      P.run(adadelta, P.withDecay(p.feval, 0.3), x2, {}, 25)
      assert.tensor_near(x2, x1, 1e-12)
   end)

   it("keeps its state in a separate table when given one", function()
      local cfg, state = {}, {}
      local a, b = hm.DoubleTensor({ 1, 2 }), hm.DoubleTensor({ 1, 2 })
      P.run(adadelta, P.half(), a, cfg, 2, state)
      P.run(adadelta, P.half(), a, cfg, 2, state)
      P.run(adadelta, P.half(), b, {}, 4)
      assert.equal(4, state.evalCounter)
      assert.is_nil(cfg.accDelta)
      assert.tensor_near(b, a, 0)
   end)

   it("allocates no tensors per step", function()
      local perStep, growth = P.allocPerStep(adadelta, { weightDecay = 1e-4 }, 3000)
      assert.is_true(perStep < 200, "bytes per step: " .. perStep)
      assert.is_true(growth < 4, "KB of growth: " .. growth)
   end)

   it("raises on bad arguments", function()
      P.commonErrors(adadelta, "adadelta", assert)
      local x, f = hm.DoubleTensor({ 1 }), P.constant({ 1 })
      local function raises(msg, config)
         assert.error_matches(function() adadelta(f, x, config) end, "hm.optim.adadelta: " .. msg, nil, true)
      end
      raises("rho must be in [0, 1), got 1", { rho = 1 })
      raises("eps must be >= 0, got -1", { eps = -1 })
   end)
end)

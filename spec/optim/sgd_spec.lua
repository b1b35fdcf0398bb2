-- Specs for lua/harmonium/optim/sgd.lua: convergence on a quadratic and on Rosenbrock,
-- hand-computed steps (plain, momentum, dampening, Nesterov), learning-rate decay, weight decay
-- (global and per parameter), per-parameter learning rates, state, allocations and errors.
local hm = require 'harmonium'
local P = require 'optim.problems'

local sgd = hm.optim.sgd

describe("hm.optim.sgd", function()
   it("converges on a quadratic to A^-1 b", function()
      local p = P.quadratic(10)
      local x = hm.DoubleTensor(10):zero()
      local _, fx = P.run(sgd, p.feval, x, { learningRate = 0.2 }, 300)
      assert.tensor_near(p.xstar, x, 1e-3)
      assert.near(p.f(p.xstar), fx, 1e-6)
   end)

   it("converges on a quadratic with momentum, with Nesterov and in float", function()
      local p = P.quadratic(10)
      for _, config in ipairs({ { learningRate = 0.1, momentum = 0.9 },
                                { learningRate = 0.1, momentum = 0.9, dampening = 0 },
                                { learningRate = 0.1, momentum = 0.9, nesterov = true } }) do
         local x = hm.DoubleTensor(10):zero()
         P.run(sgd, p.feval, x, config, 400)
         assert.tensor_near(p.xstar, x, 1e-3)
      end
      local pf = P.quadratic(10, 42, "FloatTensor")
      local xf = hm.FloatTensor(10):zero()
      P.run(sgd, pf.feval, xf, { learningRate = 0.1, momentum = 0.5 }, 300)
      assert.tensor_near(pf.xstar, xf, 1e-3)
   end)

   it("converges on 2-D Rosenbrock from (-1.2, 1) with momentum", function()
      local x = hm.DoubleTensor({ -1.2, 1 })
      local _, fx = P.run(sgd, P.rosenbrock(), x, { learningRate = 1e-3, momentum = 0.9, dampening = 0 }, 20000)
      assert.tensor_near({ 1, 1 }, x, 1e-3)
      assert.is_true(fx < 1e-6)
   end)

   it("takes x - lr * g and returns f before the step", function()
      local x = hm.DoubleTensor({ 1, -2 })
      local rx, fs = sgd(P.half(), x, { learningRate = 0.1 })
      assert.equal(x, rx)
      assert.near(2.5, fs[1], 1e-15)               -- 0.5 * (1 + 4)
      assert.tensor_near({ 0.9, -1.8 }, x, 1e-15)
      assert.tensor_near({ 0.999, 0.998 }, sgd(P.constant({ 1, 2 }), hm.DoubleTensor({ 1, 1 })), 1e-15)
   end)

   it("computes the second momentum step by hand (default dampening = momentum, Torch7)", function()
      -- g = x; v1 = g0 = (1, -2); x1 = x0 - 0.1 v1 = (0.9, -1.8)
      -- v2 = 0.9 v1 + (1 - 0.9) g1 = (0.9 + 0.09, -1.8 - 0.18) = (0.99, -1.98)
      -- x2 = x1 - 0.1 v2 = (0.801, -1.602)
      local x, config = hm.DoubleTensor({ 1, -2 }), { learningRate = 0.1, momentum = 0.9 }
      local feval = P.half()
      sgd(feval, x, config)
      assert.tensor_near({ 0.9, -1.8 }, x, 1e-15)
      sgd(feval, x, config)
      assert.tensor_near({ 0.801, -1.602 }, x, 1e-15)
      assert.tensor_near({ 0.99, -1.98 }, config.dfdx, 1e-15)
   end)

   it("computes the second momentum step with dampening 0 (v = mom v + g)", function()
      -- v2 = 0.9 (1, -2) + (0.9, -1.8) = (1.8, -3.6); x2 = (0.9 - 0.18, -1.8 + 0.36)
      local x, config = hm.DoubleTensor({ 1, -2 }), { learningRate = 0.1, momentum = 0.9, dampening = 0 }
      local feval = P.half()
      sgd(feval, x, config)
      sgd(feval, x, config)
      assert.tensor_near({ 0.72, -1.44 }, x, 1e-15)
   end)

   it("computes two Nesterov steps by hand", function()
      -- v1 = g0 = (1, -2); step g0 + 0.9 v1 = (1.9, -3.8); x1 = (0.81, -1.62)
      -- v2 = 0.9 v1 + g1 = (1.71, -3.42); step g1 + 0.9 v2 = (2.349, -4.698); x2 = (0.5751, -1.1502)
      local x, config = hm.DoubleTensor({ 1, -2 }), { learningRate = 0.1, momentum = 0.9, nesterov = true }
      local feval = P.half()
      sgd(feval, x, config)
      assert.tensor_near({ 0.81, -1.62 }, x, 1e-15)
      sgd(feval, x, config)
      assert.tensor_near({ 0.5751, -1.1502 }, x, 1e-14)
   end)

   it("matches the Nesterov formula over several steps on a quadratic", function()
      local p = P.quadratic(6, 3)
      local lr, mom = 0.05, 0.8
      local x = hm.DoubleTensor(6):fill(0.5)
      local xr, v = x:clone(), nil
      local config = { learningRate = lr, momentum = mom, nesterov = true }
      for _ = 1, 8 do
         sgd(p.feval, x, config)
         -- reference: v = mom v + g (v = g first), x -= lr (g + mom v), in plain Lua tables
         local _, g = p.feval(xr)
         g = g:clone()
         v = v and v:mul(mom):add(g) or g:clone()
         xr:add(-lr, g:add(mom, v))
      end
      assert.tensor_near(xr, x, 1e-12)
   end)

   it("decays the learning rate as lr / (1 + n * decay)", function()
      local x = hm.DoubleTensor({ 0 })
      local config = { learningRate = 0.5, learningRateDecay = 0.25 }
      P.run(sgd, P.constant({ 1 }), x, config, 3)
      assert.near(-0.5 * (1 + 1 / 1.25 + 1 / 1.5), x[1], 1e-15)
   end)

   it("keeps its state between calls, in config or in a separate table", function()
      local config = { learningRate = 0.1, momentum = 0.5 }
      local x = hm.DoubleTensor({ 1, 2 })
      sgd(P.half(), x, config)
      assert.equal(1, config.evalCounter)
      sgd(P.half(), x, config)
      assert.equal(2, config.evalCounter)
      -- a separate state leaves config alone; 2 + 2 calls equal 4 calls
      local cfg, state = { learningRate = 0.1, momentum = 0.5 }, {}
      local a, b = hm.DoubleTensor({ 1, 2 }), hm.DoubleTensor({ 1, 2 })
      P.run(sgd, P.half(), a, cfg, 2, state)
      P.run(sgd, P.half(), a, cfg, 2, state)
      P.run(sgd, P.half(), b, { learningRate = 0.1, momentum = 0.5 }, 4)
      assert.equal(4, state.evalCounter)
      assert.is_nil(cfg.evalCounter)
      assert.is_nil(cfg.dfdx)
      assert.tensor_near(b, a, 0)
   end)

   it("with weightDecay equals sgd on f + wd/2 |x|^2", function()
      local p = P.quadratic(8, 5)
      for _, extra in ipairs({ {}, { momentum = 0.9, dampening = 0 }, { momentum = 0.9, nesterov = true } }) do
         local c1 = { learningRate = 0.05, weightDecay = 0.3 }
         local c2 = { learningRate = 0.05 }
         for k, v in pairs(extra) do c1[k], c2[k] = v, v end
         local x1, x2 = hm.DoubleTensor(8):fill(1), hm.DoubleTensor(8):fill(1)
         P.run(sgd, p.feval, x1, c1, 25)
         P.run(sgd, P.withDecay(p.feval, 0.3), x2, c2, 25)
         assert.tensor_near(x2, x1, 1e-12)
      end
   end)

   it("applies per-parameter weightDecays and learningRates", function()
      -- g = (1, 1) + wds .* x = (1 + 0.5 * 2, 1 + 0 * 2) = (2, 1); step lr .* lrs .* g
      local x = hm.DoubleTensor({ 2, 2 })
      sgd(P.constant({ 1, 1 }), x, { learningRate = 0.1, weightDecays = hm.DoubleTensor({ 0.5, 0 }),
                                     learningRates = hm.DoubleTensor({ 1, 3 }) })
      assert.tensor_near({ 2 - 0.1 * 2, 2 - 0.3 * 1 }, x, 1e-15)
   end)

   it("allocates no tensors per step", function()
      local perStep, growth = P.allocPerStep(sgd, { learningRate = 0.01, momentum = 0.9, weightDecay = 1e-4,
                                                    learningRateDecay = 1e-3 }, 3000)
      assert.is_true(perStep < 200, "bytes per step: " .. perStep)   -- the {fx} table only
      assert.is_true(growth < 4, "KB of growth: " .. growth)
   end)

   it("raises on bad arguments", function()
      P.commonErrors(sgd, "sgd", assert, { momentum = 0.5 })
      local x = hm.DoubleTensor({ 1 })
      local f = P.constant({ 1 })
      local function raises(msg, config)
         assert.error_matches(function() sgd(f, x, config) end, "hm.optim.sgd: " .. msg, nil, true)
      end
      raises("momentum must be in [0, 1), got 1", { momentum = 1 })
      raises("momentum must be in [0, 1), got -0.5", { momentum = -0.5 })
      raises("learningRateDecay must be >= 0, got -1", { learningRateDecay = -1 })
      raises("nesterov requires momentum > 0 and dampening 0, got momentum 0 and dampening 0",
             { nesterov = true })
      raises("nesterov requires momentum > 0 and dampening 0, got momentum 0.9 and dampening 0.9",
             { nesterov = true, momentum = 0.9, dampening = 0.9 })
      raises("learningRates has size 2, expected 1", { learningRates = hm.DoubleTensor(2) })
      raises("weightDecays must be a tensor, got number", { weightDecays = 0.1 })
      raises("learningRates must be a hm.DoubleTensor, got hm.FloatTensor", { learningRates = hm.FloatTensor(1) })
      -- the error names the caller's line
      local ok, msg = pcall(function() sgd(f, x, { learningRate = -1 }) end)
      assert.is_false(ok)
      assert.is_truthy(msg:find("sgd_spec.lua:%d+: hm%.optim%.sgd: learningRate must be >= 0, got %-1"))
   end)
end)

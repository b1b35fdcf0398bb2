-- Specs for lua/harmonium/optim/schedule.lua: values of the step, exponential, linear,
-- piecewise and momentum schedules at given epochs, apply() driving sgd, and option errors.
local hm = require 'harmonium'
local P = require 'optim.problems'

local S = hm.optim.schedule

describe("hm.optim.schedule", function()
   it("step halves the rate every 10 epochs, never below min", function()
      local lr = S.step({ initial = 0.1, every = 10, factor = 0.5 })
      assert.equal(0.1, lr(1))
      assert.equal(0.1, lr(10))
      assert.equal(0.05, lr(11))
      assert.equal(0.05, lr(20))
      assert.equal(0.025, lr(21))
      assert.near(0.1 * 0.5 ^ 9, lr(100), 1e-18)
      local floored = S.step({ initial = 1, every = 1, factor = 0.1, min = 1e-3 })
      assert.near(0.01, floored(3), 1e-15)
      assert.equal(1e-3, floored(50))
      assert.near(0.01, S.step({ initial = 1, every = 2 })(5), 1e-15)   -- factor defaults to 0.1
   end)

   it("exponential multiplies by decay each epoch", function()
      local lr = S.exponential({ initial = 0.2, decay = 0.9 })
      assert.equal(0.2, lr(1))
      assert.near(0.18, lr(2), 1e-15)
      assert.near(0.2 * 0.9 ^ 9, lr(10), 1e-15)
      assert.near(0.2 * 0.9 ^ 0.5, lr(1.5), 1e-15)       -- fractional epochs
      assert.equal(0.05, S.exponential({ initial = 0.2, decay = 0.5, min = 0.05 })(10))
   end)

   it("linear ramps from initial to final, then stays", function()
      local m = S.linear({ initial = 0.5, final = 0.99, epochs = 50 })
      assert.equal(0.5, m(1))
      assert.near(0.5 + 0.49 * 24 / 49, m(25), 1e-15)
      assert.equal(0.99, m(50))
      assert.equal(0.99, m(500))
      assert.equal(3, S.linear({ initial = 1, final = 3, epochs = 1 })(1))
   end)

   it("piecewise gives the value of the last pair started", function()
      local lr = S.piecewise({ { 1, 0.1 }, { 31, 0.01 }, { 61, 0.001 } })
      assert.equal(0.1, lr(1))
      assert.equal(0.1, lr(30))
      assert.equal(0.01, lr(31))
      assert.equal(0.01, lr(60.5))
      assert.equal(0.001, lr(61))
      assert.equal(0.001, lr(1000))
      assert.equal(7, S.piecewise({ { 1, 7 } })(99))
   end)

   it("momentum gives 0.5 for the first 5 epochs, then 0.9 (the RBM/DBN recipe)", function()
      local mom = S.momentum({ initial = 0.5, final = 0.9, switchEpoch = 5 })
      for e = 1, 5 do assert.equal(0.5, mom(e)) end
      assert.equal(0.9, mom(6))
      assert.equal(0.9, mom(100))
      local default = S.momentum()
      assert.equal(0.5, default(5))
      assert.equal(0.9, default(6))
   end)

   it("apply writes every scheduled key into an sgd config between epochs", function()
      local lrAt = S.step({ initial = 0.1, every = 2, factor = 0.5 })
      local momAt = S.momentum({ initial = 0.5, final = 0.9, switchEpoch = 1 })
      local config = { dampening = 0 }
      local x = hm.DoubleTensor({ 0 })
      local feval = P.constant({ 1 })
      -- constant gradient 1, dampening 0: v = mom v + 1 and x -= lr v
      local v, xr = 0, 0
      for epoch = 1, 4 do
         assert.equal(config, S.apply(config, { learningRate = lrAt, momentum = momAt }, epoch))
         assert.equal(lrAt(epoch), config.learningRate)
         assert.equal(momAt(epoch), config.momentum)
         for _ = 1, 3 do
            hm.optim.sgd(feval, x, config)
            v = (v == 0) and 1 or momAt(epoch) * v + 1
            xr = xr - lrAt(epoch) * v
         end
      end
      assert.near(xr, x[1], 1e-12)
      assert.equal(12, config.evalCounter)
   end)

   it("raises on bad options and bad epochs", function()
      local function raises(msg, f) assert.error_matches(f, "hm.optim.schedule." .. msg, nil, true) end
      raises("step: options table expected, got number", function() S.step(3) end)
      raises("step: 'initial' is required", function() S.step({ every = 3 }) end)
      raises("step: 'every' must be >= 1, got 0", function() S.step({ initial = 1, every = 0 }) end)
      raises("step: 'every' must be an integer, got 2.5", function() S.step({ initial = 1, every = 2.5 }) end)
      raises("step: 'initial' must be >= 0, got -0.1", function() S.step({ initial = -0.1, every = 1 }) end)
      raises("exponential: 'decay' must be a number, got string",
             function() S.exponential({ initial = 1, decay = "x" }) end)
      raises("linear: 'final' is required", function() S.linear({ initial = 1, epochs = 3 }) end)
      raises("piecewise: at least one {firstEpoch, value} pair expected", function() S.piecewise({}) end)
      raises("piecewise: the first pair must start at epoch 1, got 5", function() S.piecewise({ { 5, 1 } }) end)
      raises("piecewise: first epochs must increase: entry 3 starts at 10 after 10",
             function() S.piecewise({ { 1, 1 }, { 10, 2 }, { 10, 3 } }) end)
      raises("piecewise: entry 2 must be a {firstEpoch, value} pair of numbers",
             function() S.piecewise({ { 1, 1 }, 5 }) end)
      raises("momentum: 'final' must be in [0, 1), got 1", function() S.momentum({ final = 1 }) end)
      raises("momentum: 'initial' must be >= 0, got -0.5", function() S.momentum({ initial = -0.5 }) end)
      raises("step: epoch must be a number >= 1 (epochs count from 1), got 0",
             function() S.step({ initial = 1, every = 1 })(0) end)
      raises("momentum: epoch must be a number >= 1 (epochs count from 1), got nil", function() S.momentum()() end)
      raises("apply: schedules.learningRate must be a function, got number",
             function() S.apply({}, { learningRate = 0.1 }, 1) end)
      -- the error names the caller's line, from option helpers, constructors and schedules alike
      local lr = S.step({ initial = 1, every = 1 })
      for _, f in ipairs({ function() S.step({ every = 1 }) end, function() S.step({ initial = 1, every = 2.5 }) end,
                           function() lr(-1) end }) do
         local ok, msg = pcall(f)
         assert.is_false(ok)
         assert.is_truthy(msg:find("schedule_spec.lua:%d+: hm%.optim%.schedule%.step"), msg)
      end
   end)
end)

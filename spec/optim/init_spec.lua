-- Specs for lua/harmonium/optim/init.lua: what hm.optim exposes, and what every optimizer
-- shares: the Torch7 return values, non-contiguous and float parameters, empty tensors.
local hm = require 'harmonium'
local P = require 'optim.problems'

local NAMES = { "sgd", "adagrad", "rmsprop", "adam", "adadelta" }
local CONFIG = { sgd = { learningRate = 0.1, momentum = 0.9 }, adagrad = { learningRate = 0.1 },
                 rmsprop = { learningRate = 0.01 }, adam = { learningRate = 0.1 }, adadelta = {} }

local function copy(t)
   local c = {}
   for k, v in pairs(t) do c[k] = v end
   return c
end

describe("hm.optim", function()
   it("exposes the optimizers and the schedules", function()
      for _, name in ipairs(NAMES) do assert.is_function(hm.optim[name]) end
      for _, name in ipairs({ "step", "exponential", "linear", "piecewise", "momentum", "apply" }) do
         assert.is_function(hm.optim.schedule[name])
      end
   end)

   it("returns x itself and {f(x)} from before the step", function()
      for _, name in ipairs(NAMES) do
         local x = hm.DoubleTensor({ 1, -2 })
         local rx, fs = hm.optim[name](P.half(), x, copy(CONFIG[name]))
         assert.equal(x, rx)
         assert.same({ 2.5 }, fs)
      end
   end)

   it("updates a non-contiguous x (a column of a matrix) as it updates a contiguous one", function()
      for _, name in ipairs(NAMES) do
         local m = hm.DoubleTensor(3, 2):fill(5)
         local col = m:select(2, 2)
         local x = hm.DoubleTensor({ 1, -2, 3 })
         col:copy(x)
         local c1, c2 = copy(CONFIG[name]), copy(CONFIG[name])
         P.run(hm.optim[name], P.half(), col, c1, 3)
         P.run(hm.optim[name], P.half(), x, c2, 3)
         assert.tensor_near(x, col, 1e-15)
         assert.tensor_near({ 5, 5, 5 }, m:select(2, 1), 0)
      end
   end)

   it("works on float parameters and on empty tensors", function()
      for _, name in ipairs(NAMES) do
         local xf, xd = hm.FloatTensor({ 1, -2 }), hm.DoubleTensor({ 1, -2 })
         local gf = hm.FloatTensor(2)
         local function fevalf(x) return 0.5 * x:dot(x), gf:copy(x) end
         P.run(hm.optim[name], fevalf, xf, copy(CONFIG[name]), 3)
         P.run(hm.optim[name], P.half(), xd, copy(CONFIG[name]), 3)
         assert.tensor_near(xd, xf, 1e-6)
         local e = hm.DoubleTensor(0)
         local re = hm.optim[name](function() return 0, hm.DoubleTensor(0) end, e, copy(CONFIG[name]))
         assert.equal(0, re:nElement())
      end
   end)
end)

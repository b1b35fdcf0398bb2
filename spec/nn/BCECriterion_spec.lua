-- Specs for lua/harmonium/nn/BCECriterion.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

local function input(...) return hm.DoubleTensor(...):uniform(0.05, 0.95) end
local function target(...) return hm.DoubleTensor(...):uniform() end

describe("nn.BCECriterion", function()
   before_each(common.seed)

   it("matches a hand-computed loss", function()
      local c = (nn.BCECriterion()):double()
      assert.is_true(math.abs(c:forward(hm.DoubleTensor{0.9, 0.2}, hm.DoubleTensor{1, 0}) - (-(math.log(0.9) + math.log(0.8)) / 2)) < 1e-10)
   end)

   it("takes single samples and batches; the batch loss is the mean of the samples'", function()
      local c = (nn.BCECriterion()):double()
      local x, t = input(4, 5), target(4, 5)
      local total = 0
      for b = 1, 4 do total = total + c:forward(x[b], t[b]) end
      assert.is_true(math.abs(c:forward(x, t) - total / 4) < 1e-10)
      assert.are.equal("4x5", tostring(c:backward(x, t):size()))
      assert.are.equal("5", tostring(c:backward(x[1], t[1]):size()))
   end)

   it("sums instead of averaging when sizeAverage is false", function()
      local c = (nn.BCECriterion()):double()
      local x, t = input(3, 5), target(3, 5)
      local mean = c:forward(x, t)
      local gmean = c:backward(x, t):clone()
      c.sizeAverage = false
      local ratio = c:forward(x, t) / mean
      assert.is_true(ratio > 2.99)
      assert.tensor_near(gmean:mul(ratio), c:backward(x, t), 1e-10)
   end)

   it("passes gradcheck in double, batch, single and non-contiguous", function()
      local c = (nn.BCECriterion()):double()
      common.gradcheckCriterion(c, input(4, 5), target(4, 5))
      common.gradcheckCriterion(c, input(5), target(5))
      common.gradcheckCriterion(c, common.noncontig(input(4, 5)), target(4, 5))
   end)

   it("works in float as in double", function()
      local x, t = input(3, 5), target(3, 5)
      local d = (nn.BCECriterion()):double():forward(x, t)
      local f = (nn.BCECriterion()):forward(x:float(), hm.isTensor(t) and t:type() == "hm.DoubleTensor" and t:float() or t)
      assert.is_true(math.abs(d - f) < 1e-4 * math.max(1, math.abs(d)))
   end)

   it("applies per-class weights repeated over the batch", function()
      local c = nn.BCECriterion(hm.Tensor{2, 0}):double()
      local x, t = hm.DoubleTensor{{0.9, 0.2}, {0.5, 0.5}}, hm.DoubleTensor{{1, 0}, {0, 1}}
      assert.is_true(math.abs(c:forward(x, t) - (-2 * (math.log(0.9) + math.log(0.5)) / 4)) < 1e-10)
      common.gradcheckCriterion(c, hm.DoubleTensor(3, 2):uniform(0.1, 0.9), hm.DoubleTensor(3, 2):uniform())
   end)

   it("stays finite at probabilities 0 and 1", function()
      local c = nn.BCECriterion()
      local loss = c:forward(hm.Tensor{0, 1}, hm.Tensor{1, 0})
      assert.is_true(loss < math.huge and loss > 20)
      assert.error_matches(function() nn.BCECriterion(hm.Tensor(3)):forward(hm.Tensor(2, 2), hm.Tensor(2, 2)) end,
         "nn.BCECriterion: weights of size 3 do not match input 2x2")
   end)
end)

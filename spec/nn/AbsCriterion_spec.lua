-- Specs for lua/harmonium/nn/AbsCriterion.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

local function input(...) return hm.DoubleTensor(...):normal() end
local function target(...) return hm.DoubleTensor(...):normal() end

describe("nn.AbsCriterion", function()
   before_each(common.seed)

   it("matches a hand-computed loss", function()
      local c = (nn.AbsCriterion()):double()
      assert.is_true(math.abs(c:forward(hm.DoubleTensor{1, 2, 3}, hm.DoubleTensor{0, 2, 5}) - ((1 + 0 + 2) / 3)) < 1e-10)
   end)

   it("takes single samples and batches; the batch loss is the mean of the samples'", function()
      local c = (nn.AbsCriterion()):double()
      local x, t = input(4, 5), target(4, 5)
      local total = 0
      for b = 1, 4 do total = total + c:forward(x[b], t[b]) end
      assert.is_true(math.abs(c:forward(x, t) - total / 4) < 1e-10)
      assert.are.equal("4x5", tostring(c:backward(x, t):size()))
      assert.are.equal("5", tostring(c:backward(x[1], t[1]):size()))
   end)

   it("sums instead of averaging when sizeAverage is false", function()
      local c = (nn.AbsCriterion()):double()
      local x, t = input(3, 5), target(3, 5)
      local mean = c:forward(x, t)
      local gmean = c:backward(x, t):clone()
      c.sizeAverage = false
      local ratio = c:forward(x, t) / mean
      assert.is_true(ratio > 2.99)
      assert.tensor_near(gmean:mul(ratio), c:backward(x, t), 1e-10)
   end)

   it("passes gradcheck in double, batch, single and non-contiguous", function()
      local c = (nn.AbsCriterion()):double()
      common.gradcheckCriterion(c, input(4, 5), target(4, 5))
      common.gradcheckCriterion(c, input(5), target(5))
      common.gradcheckCriterion(c, common.noncontig(input(4, 5)), target(4, 5))
   end)

   it("works in float as in double", function()
      local x, t = input(3, 5), target(3, 5)
      local d = (nn.AbsCriterion()):double():forward(x, t)
      local f = (nn.AbsCriterion()):forward(x:float(), hm.isTensor(t) and t:type() == "hm.DoubleTensor" and t:float() or t)
      assert.is_true(math.abs(d - f) < 1e-4 * math.max(1, math.abs(d)))
   end)

   it("names itself on mismatched sizes", function()
      assert.error_matches(function() nn.AbsCriterion():forward(hm.Tensor(3), hm.Tensor(2, 2)) end,
         "nn.AbsCriterion: input and target sizes differ %(input 3, target 2x2%)")
   end)
end)

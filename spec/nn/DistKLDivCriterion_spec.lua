-- Specs for lua/harmonium/nn/DistKLDivCriterion.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

local function input(...) return hm.DoubleTensor(...):normal() end
local function target(...) return hm.DoubleTensor(...):uniform() end

describe("nn.DistKLDivCriterion", function()
   before_each(common.seed)

   it("matches a hand-computed loss", function()
      local c = (nn.DistKLDivCriterion()):double()
      assert.is_true(math.abs(c:forward(hm.DoubleTensor{math.log(0.5), math.log(0.25), math.log(0.25)}, hm.DoubleTensor{0.25, 0.75, 0}) - ((0.25 * math.log(0.5) + 0.75 * math.log(3)) / 3)) < 1e-10)
   end)

   it("takes single samples and batches; the batch loss is the mean of the samples'", function()
      local c = (nn.DistKLDivCriterion()):double()
      local x, t = input(4, 5), target(4, 5)
      local total = 0
      for b = 1, 4 do total = total + c:forward(x[b], t[b]) end
      assert.is_true(math.abs(c:forward(x, t) - total / 4) < 1e-10)
      assert.are.equal("4x5", tostring(c:backward(x, t):size()))
      assert.are.equal("5", tostring(c:backward(x[1], t[1]):size()))
   end)

   it("sums instead of averaging when sizeAverage is false", function()
      local c = (nn.DistKLDivCriterion()):double()
      local x, t = input(3, 5), target(3, 5)
      local mean = c:forward(x, t)
      local gmean = c:backward(x, t):clone()
      c.sizeAverage = false
      local ratio = c:forward(x, t) / mean
      assert.is_true(ratio > 2.99)
      assert.tensor_near(gmean:mul(ratio), c:backward(x, t), 1e-10)
   end)

   it("passes gradcheck in double, batch, single and non-contiguous", function()
      local c = (nn.DistKLDivCriterion()):double()
      common.gradcheckCriterion(c, input(4, 5), target(4, 5))
      common.gradcheckCriterion(c, input(5), target(5))
      common.gradcheckCriterion(c, common.noncontig(input(4, 5)), target(4, 5))
   end)

   it("works in float as in double", function()
      local x, t = input(3, 5), target(3, 5)
      local d = (nn.DistKLDivCriterion()):double():forward(x, t)
      local f = (nn.DistKLDivCriterion()):forward(x:float(), hm.isTensor(t) and t:type() == "hm.DoubleTensor" and t:float() or t)
      assert.is_true(math.abs(d - f) < 1e-4 * math.max(1, math.abs(d)))
   end)

   it("is zero for identical distributions and names itself on bad sizes", function()
      local p = hm.DoubleTensor{0.2, 0.3, 0.5}
      assert.is_true(math.abs(nn.DistKLDivCriterion():forward(p:clone():log(), p)) < 1e-15)
      assert.error_matches(function() nn.DistKLDivCriterion():forward(hm.Tensor(3), hm.Tensor(4)) end,
         "nn.DistKLDivCriterion: input and target sizes differ")
   end)
end)

-- Specs for lua/harmonium/nn/ClassNLLCriterion.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

describe("nn.ClassNLLCriterion", function()
   before_each(common.seed)

   it("matches a hand-computed loss", function()
      local c = (nn.ClassNLLCriterion()):double()
      local x = hm.DoubleTensor{{0.1, -0.5, 2}, {1, 0.3, -1}}
      local t = hm.LongTensor{3, 1}
      assert.is_true(math.abs(c:forward(x, t) - (-(2 + 1) / 2)) < 1e-10)
   end)

   it("takes one sample (number or 1-element target) and batches; batch loss is the mean", function()
      local c = (nn.ClassNLLCriterion()):double()
      local x, t = hm.DoubleTensor(4, 5):normal(), hm.LongTensor{2, 5, 1, 3}
      local total = 0
      for b = 1, 4 do total = total + c:forward(x[b], t[b]) end
      assert.is_true(math.abs(c:forward(x, t) - total / 4) < 1e-10)
      assert.are.equal(c:forward(x[2], 5), c:forward(x[2], hm.LongTensor{5}))
      c:forward(x, t)
      assert.are.equal("4x5", tostring(c:backward(x, t):size()))
      c:forward(x[1], 2)
      assert.are.equal("5", tostring(c:backward(x[1], 2):size()))
   end)

   it("sums instead of averaging when sizeAverage is false", function()
      local c = (nn.ClassNLLCriterion()):double()
      local x, t = hm.DoubleTensor(3, 4):normal(), hm.LongTensor{4, 1, 2}
      local mean = c:forward(x, t)
      c.sizeAverage = false
      assert.is_true(math.abs(c:forward(x, t) - 3 * mean) < 1e-10)
   end)

   it("passes gradcheck in double, batch, single and non-contiguous", function()
      local c = (nn.ClassNLLCriterion()):double()
      common.gradcheckCriterion(c, hm.DoubleTensor(4, 5):normal(), hm.LongTensor{2, 5, 1, 3})
      common.gradcheckCriterion(c, hm.DoubleTensor(5):normal(), 4)
      common.gradcheckCriterion(c, common.noncontig(hm.DoubleTensor(4, 5):normal()), hm.LongTensor{1, 1, 5, 3})
      common.gradcheckCriterion(c, hm.DoubleTensor(5, 4):normal():t(), hm.DoubleTensor{4, 3, 2, 1})
   end)

   it("works in float as in double", function()
      local x, t = hm.DoubleTensor(3, 4):normal(), hm.LongTensor{4, 1, 2}
      assert.is_true(math.abs((nn.ClassNLLCriterion()):double():forward(x, t) - (nn.ClassNLLCriterion()):forward(x:float(), t)) < 1e-5)
   end)

   it("names itself on targets out of range and mismatched counts", function()
      local c = nn.ClassNLLCriterion()
      assert.error_matches(function() c:forward(hm.Tensor(2, 3), hm.LongTensor{1, 4}) end,
         "nn.ClassNLLCriterion: target 4 out of range %[1, 3%]")
      assert.error_matches(function() c:forward(hm.Tensor(2, 3), hm.LongTensor{0, 1}) end,
         "nn.ClassNLLCriterion: target 0 out of range %[1, 3%]")
      assert.error_matches(function() c:forward(hm.Tensor(2, 3), hm.LongTensor{1, 2, 3}) end,
         "nn.ClassNLLCriterion: expected 2 targets %(a 1D tensor%), got target 3 for input 2x3")
   end)

   it("weights the classes and normalises by the total weight", function()
      local c = nn.ClassNLLCriterion(hm.Tensor{1, 2, 3}):double()
      local x = hm.DoubleTensor{{0.1, -0.5, 2}, {1, 0.3, -1}}
      assert.is_true(math.abs(c:forward(x, hm.LongTensor{3, 1}) - (-(3 * 2 + 1 * 1) / 4)) < 1e-10)
      assert.tensor_near(hm.DoubleTensor{{0, 0, -0.75}, {-0.25, 0, 0}}, c:backward(x, hm.LongTensor{3, 1}), 1e-12)
      common.gradcheckCriterion(c, hm.DoubleTensor(4, 3):normal(), hm.LongTensor{2, 3, 1, 3})
   end)
end)

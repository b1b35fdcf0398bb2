-- Specs for lua/harmonium/nn/CrossEntropyCriterion.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

describe("nn.CrossEntropyCriterion", function()
   before_each(common.seed)

   it("matches a hand-computed loss", function()
      local c = (nn.CrossEntropyCriterion()):double()
      local x = hm.DoubleTensor{{0.1, -0.5, 2}, {1, 0.3, -1}}
      local t = hm.LongTensor{3, 1}
      assert.is_true(math.abs(c:forward(x, t) - ((-(2 - math.log(math.exp(0.1) + math.exp(-0.5) + math.exp(2))) - (1 - math.log(math.exp(1) + math.exp(0.3) + math.exp(-1)))) / 2)) < 1e-10)
   end)

   it("takes one sample (number or 1-element target) and batches; batch loss is the mean", function()
      local c = (nn.CrossEntropyCriterion()):double()
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
      local c = (nn.CrossEntropyCriterion()):double()
      local x, t = hm.DoubleTensor(3, 4):normal(), hm.LongTensor{4, 1, 2}
      local mean = c:forward(x, t)
      c.sizeAverage = false
      assert.is_true(math.abs(c:forward(x, t) - 3 * mean) < 1e-10)
   end)

   it("passes gradcheck in double, batch, single and non-contiguous", function()
      local c = (nn.CrossEntropyCriterion()):double()
      common.gradcheckCriterion(c, hm.DoubleTensor(4, 5):normal(), hm.LongTensor{2, 5, 1, 3})
      common.gradcheckCriterion(c, hm.DoubleTensor(5):normal(), 4)
      common.gradcheckCriterion(c, common.noncontig(hm.DoubleTensor(4, 5):normal()), hm.LongTensor{1, 1, 5, 3})
      common.gradcheckCriterion(c, hm.DoubleTensor(5, 4):normal():t(), hm.DoubleTensor{4, 3, 2, 1})
   end)

   it("works in float as in double", function()
      local x, t = hm.DoubleTensor(3, 4):normal(), hm.LongTensor{4, 1, 2}
      assert.is_true(math.abs((nn.CrossEntropyCriterion()):double():forward(x, t) - (nn.CrossEntropyCriterion()):forward(x:float(), t)) < 1e-5)
   end)

   it("names itself on targets out of range and mismatched counts", function()
      local c = nn.CrossEntropyCriterion()
      assert.error_matches(function() c:forward(hm.Tensor(2, 3), hm.LongTensor{1, 4}) end,
         "nn.CrossEntropyCriterion: target 4 out of range %[1, 3%]")
      assert.error_matches(function() c:forward(hm.Tensor(2, 3), hm.LongTensor{0, 1}) end,
         "nn.CrossEntropyCriterion: target 0 out of range %[1, 3%]")
      assert.error_matches(function() c:forward(hm.Tensor(2, 3), hm.LongTensor{1, 2, 3}) end,
         "nn.CrossEntropyCriterion: expected 2 targets %(a 1D tensor%), got target 3 for input 2x3")
   end)

   it("equals LogSoftMax followed by ClassNLLCriterion, with class weights too", function()
      local w = hm.DoubleTensor{1, 2, 0.5}
      local c = nn.CrossEntropyCriterion(w):double()
      local x, t = hm.DoubleTensor(4, 3):normal(), hm.LongTensor{1, 2, 3, 2}
      local lsm, nll = nn.LogSoftMax():double(), nn.ClassNLLCriterion(w):double()
      assert.is_true(math.abs(c:forward(x, t) - nll:forward(lsm:forward(x), t)) < 1e-12)
      common.gradcheckCriterion(c, x, t)
   end)
end)

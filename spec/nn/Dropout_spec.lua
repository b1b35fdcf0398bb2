-- Specs for lua/harmonium/nn/Dropout.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

describe("nn.Dropout", function()
   before_each(common.seed)

   it("zeroes about p of the inputs and scales the rest by 1/(1-p) in training", function()
      local m = nn.Dropout(0.25)
      local y = m:forward(hm.Tensor(100, 100):fill(3))
      local kept = hm.ne(y, 0):sum()
      assert.is_true(math.abs(kept / 10000 - 0.75) < 0.02)
      assert.are.equal(4, y:max())                      -- 3 / 0.75
      assert.is_true(math.abs(y:mean() - 3) < 0.1)
   end)

   it("is the identity at evaluation, on batches and single samples", function()
      local m = nn.Dropout(0.5):evaluate()
      local x = hm.Tensor(4, 5):normal()
      assert.tensor_near(x, m:forward(x), 0)
      assert.tensor_near(x[1], m:forward(x[1]), 0)
      common.batchMatchesLoop(m, x)
      assert.tensor_near(x, m:backward(x, x), 0)
   end)

   it("routes the gradient through the same mask as the forward pass", function()
      local m = nn.Dropout(0.5)
      local x = hm.Tensor(6, 7):fill(1)
      local y = m:forward(x):clone()
      assert.tensor_near(y, m:backward(x, hm.Tensor(6, 7):fill(1)), 0)
   end)

   it("passes gradcheck at evaluation and with p = 0 in training", function()
      common.gradcheck(nn.Dropout(0.3):evaluate():double(), hm.DoubleTensor(3, 4):normal())
      common.gradcheck(nn.Dropout(0):double(), common.noncontig(hm.DoubleTensor(3, 4):normal()))
      common.gradcheck(nn.Dropout(0):double(), hm.DoubleTensor(4):normal())
   end)

   it("draws the same mask after reseeding", function()
      hm.manualSeed(5); local a = nn.Dropout(0.5):forward(hm.Tensor(50):fill(1)):clone()
      hm.manualSeed(5); local b = nn.Dropout(0.5):forward(hm.Tensor(50):fill(1)):clone()
      assert.tensor_near(a, b, 0)
   end)

   it("rejects a probability outside [0, 1) and non-tensor input", function()
      assert.error_matches(function() nn.Dropout(1) end, "nn.Dropout: probability must be in %[0, 1%), got 1")
      assert.error_matches(function() nn.Dropout():forward({}) end, "nn.Dropout: expected a float or double input tensor")
   end)
end)

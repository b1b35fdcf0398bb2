-- Specs for lua/harmonium/nn/Sigmoid.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

describe("nn.Sigmoid", function()
   before_each(common.seed)

   it("matches hand-computed values", function()
      local m = nn.Sigmoid()
      local x = hm.DoubleTensor{0, 2, -1}
      assert.tensor_near(hm.DoubleTensor{0.5, 1 / (1 + math.exp(-2)), 1 / (1 + math.exp(1))}, m:double():forward(x), 1e-6)
   end)

   it("keeps the shape of 1D, batch and 4D input", function()
      for _, sz in ipairs({ {7}, {3, 7}, {2, 3, 4, 5} }) do
         local x = hm.Tensor(table.unpack(sz)):normal()
         local m = nn.Sigmoid()
         assert.are.equal(tostring(x:size()), tostring(m:forward(x):size()))
         assert.are.equal(tostring(x:size()), tostring(m:backward(x, x:clone()):size()))
      end
   end)

   it("gives a batch output equal to a loop over single samples", function()
      common.batchMatchesLoop(nn.Sigmoid(), hm.Tensor(4, 6):normal())
   end)

   it("passes gradcheck in double, batch, single and non-contiguous", function()
      common.gradcheck((nn.Sigmoid()):double(), hm.DoubleTensor(3, 5):normal())
      common.gradcheck((nn.Sigmoid()):double(), hm.DoubleTensor(5):normal())
      common.gradcheck((nn.Sigmoid()):double(), common.noncontig(hm.DoubleTensor(3, 5):normal()))
   end)

   it("gives the same gradInput on a second backward call (nothing accumulates)", function()
      local m = (nn.Sigmoid()):double()
      local x, g = hm.DoubleTensor(3, 4):normal(), hm.DoubleTensor(3, 4):normal()
      m:forward(x)
      local a = m:backward(x, g):clone()
      assert.tensor_near(a, m:backward(x, g), 0)
   end)

   it("works in float as in double", function()
      local x = hm.DoubleTensor(3, 4):normal()
      assert.tensor_near((nn.Sigmoid()):double():forward(x), (nn.Sigmoid()):forward(x:float()), 1e-5)
   end)

   it("names itself on bad input", function()
      local m = nn.Sigmoid()
      assert.error_matches(function() m:forward(hm.LongTensor(3)) end,
         "nn.Sigmoid: expected a float or double input tensor, got hm.LongTensor")
      assert.error_matches(function() m:forward(nil) end, "nn.Sigmoid: expected a float or double input tensor")
   end)
end)

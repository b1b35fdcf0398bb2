-- Specs for lua/harmonium/nn/LeakyReLU.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

describe("nn.LeakyReLU", function()
   before_each(common.seed)

   it("matches hand-computed values", function()
      local m = nn.LeakyReLU(0.1)
      local x = hm.DoubleTensor{-2, 0, 3}
      assert.tensor_near(hm.DoubleTensor{-0.2, 0, 3}, m:double():forward(x), 1e-6)
   end)

   it("keeps the shape of 1D, batch and 4D input", function()
      for _, sz in ipairs({ {7}, {3, 7}, {2, 3, 4, 5} }) do
         local x = hm.Tensor(table.unpack(sz)):normal()
         local m = nn.LeakyReLU(0.1)
         assert.are.equal(tostring(x:size()), tostring(m:forward(x):size()))
         assert.are.equal(tostring(x:size()), tostring(m:backward(x, x:clone()):size()))
      end
   end)

   it("gives a batch output equal to a loop over single samples", function()
      common.batchMatchesLoop(nn.LeakyReLU(0.1), hm.Tensor(4, 6):normal())
   end)

   it("passes gradcheck in double, batch, single and non-contiguous", function()
      common.gradcheck((nn.LeakyReLU(0.1)):double(), hm.DoubleTensor(3, 5):normal())
      common.gradcheck((nn.LeakyReLU(0.1)):double(), hm.DoubleTensor(5):normal())
      common.gradcheck((nn.LeakyReLU(0.1)):double(), common.noncontig(hm.DoubleTensor(3, 5):normal()))
   end)

   it("gives the same gradInput on a second backward call (nothing accumulates)", function()
      local m = (nn.LeakyReLU(0.1)):double()
      local x, g = hm.DoubleTensor(3, 4):normal(), hm.DoubleTensor(3, 4):normal()
      m:forward(x)
      local a = m:backward(x, g):clone()
      assert.tensor_near(a, m:backward(x, g), 0)
   end)

   it("works in float as in double", function()
      local x = hm.DoubleTensor(3, 4):normal()
      assert.tensor_near((nn.LeakyReLU(0.1)):double():forward(x), (nn.LeakyReLU(0.1)):forward(x:float()), 1e-5)
   end)

   it("names itself on bad input", function()
      local m = nn.LeakyReLU(0.1)
      assert.error_matches(function() m:forward(hm.LongTensor(3)) end,
         "nn.LeakyReLU: expected a float or double input tensor, got hm.LongTensor")
      assert.error_matches(function() m:forward(nil) end, "nn.LeakyReLU: expected a float or double input tensor")
   end)

   it("scales the gradient by negval on the negative side; prints its slope", function()
      local m = nn.LeakyReLU(0.25)
      local x = hm.Tensor{-1, 2, -3, 4}
      m:forward(x)
      assert.tensor_near(hm.Tensor{1, 4, 1, 4}, m:backward(x, hm.Tensor(4):fill(4)), 1e-6)
      assert.are.equal("nn.LeakyReLU(0.25)", tostring(m))
      assert.tensor_near(hm.Tensor{-0.01, 1}, nn.LeakyReLU():forward(hm.Tensor{-1, 1}), 1e-7)
   end)
end)

-- Specs for lua/harmonium/nn/Maxout.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

describe("nn.Maxout", function()
   before_each(common.seed)

   it("takes the maximum of each group of the linear units (hand-checked)", function()
      local m = nn.Maxout(2, 2, 2)
      m.weight:copy(hm.Tensor{{1, 0}, {0, 1}, {1, 1}, {-1, -1}})
      m.bias:copy(hm.Tensor{0, 0, 0, 10})
      -- units: x1, x2 | x1 + x2, 10 - x1 - x2
      assert.tensor_near(hm.Tensor{3, 6}, m:forward(hm.Tensor{1, 3}), 1e-6)
      local gi = m:backward(hm.Tensor{1, 3}, hm.Tensor{1, 2})
      assert.tensor_near(hm.Tensor{-2, -1}, gi, 1e-6)     -- unit 2 (x2) and unit 4 (-x1-x2)
      assert.tensor_near(hm.Tensor{0, 1, 0, 2}, m.gradBias, 1e-6)
   end)

   it("maps n to m and (B, n) to (B, m); batch equals the loop", function()
      local m = nn.Maxout(5, 3, 4)
      assert.are.equal("3", tostring(m:forward(hm.Tensor(5):normal()):size()))
      assert.are.equal("6x3", tostring(m:forward(hm.Tensor(6, 5):normal()):size()))
      common.batchMatchesLoop(m, hm.Tensor(6, 5):normal())
   end)

   it("passes gradcheck on input, weight and bias", function()
      common.gradcheck(nn.Maxout(5, 3, 2):double(), hm.DoubleTensor(4, 5):normal())
      common.gradcheck(nn.Maxout(5, 3, 2):double(), hm.DoubleTensor(5):normal())
      common.gradcheck(nn.Maxout(5, 3, 2):double(), common.noncontig(hm.DoubleTensor(4, 5):normal()))
   end)

   it("accumulates gradients over two backward calls", function()
      common.twiceDoubles(nn.Maxout(5, 3, 2):double(), hm.DoubleTensor(4, 5):normal())
      common.scaleWorks(nn.Maxout(5, 3, 2):double(), hm.DoubleTensor(4, 5):normal())
   end)

   it("prints its sizes and names itself on bad input", function()
      local m = nn.Maxout(5, 3, 2)
      assert.are.equal("nn.Maxout(5 -> 3, pool 2)", tostring(m))
      assert.error_matches(function() m:forward(hm.Tensor(4, 6)) end,
         "nn.Maxout: expected input of size 5 %(or B x 5%), got 4x6")
   end)
end)

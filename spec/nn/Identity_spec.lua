-- Specs for lua/harmonium/nn/Identity.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

describe("nn.Identity", function()
   before_each(common.seed)

   it("passes input and gradient through unchanged (the same objects)", function()
      local m = nn.Identity()
      local x, g = hm.Tensor{1, 2}, hm.Tensor{3, 4}
      assert.are.equal(x, m:forward(x))
      assert.are.equal(g, m:backward(x, g))
      local t = { x, g }
      assert.are.equal(t, m:forward(t))
   end)

   it("keeps 1D and batch shapes; batch equals the loop", function()
      assert.are.equal("4x3", tostring(nn.Identity():forward(hm.Tensor(4, 3)):size()))
      common.batchMatchesLoop(nn.Identity(), hm.Tensor(4, 3):normal())
   end)

   it("passes gradcheck, also on non-contiguous input", function()
      common.gradcheck(nn.Identity(), hm.DoubleTensor(3, 2):normal())
      common.gradcheck(nn.Identity(), common.noncontig(hm.DoubleTensor(3, 2):normal()))
   end)

   it("has no parameters and prints its name", function()
      assert.is_nil(nn.Identity():parameters())
      assert.are.equal("nn.Identity", tostring(nn.Identity()))
   end)
end)

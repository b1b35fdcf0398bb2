-- Specs for lua/harmonium/nn/SpatialAveragePooling.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local support = require 'support'
local nn = hm.nn

describe("nn.SpatialAveragePooling", function()
   before_each(common.seed)

   it("averages each window and spreads the gradient evenly (hand-checked)", function()
      local x = support.count(hm.Tensor(1, 4, 4))
      local m = nn.SpatialAveragePooling(2, 2, 2, 2)
      assert.are.same({ { { 3.5, 5.5 }, { 11.5, 13.5 } } }, m:forward(x):totable())
      local gi = m:backward(x, hm.Tensor{{{4, 8}, {0, 0}}})
      assert.are.same({ { { 1, 1, 2, 2 }, { 1, 1, 2, 2 }, { 0, 0, 0, 0 }, { 0, 0, 0, 0 } } }, gi:totable())
   end)

   it("counts padding in the divisor by default, not with setCountExcludePad", function()
      local x = hm.Tensor(1, 2, 2):fill(4)
      local incl = nn.SpatialAveragePooling(2, 2, 2, 2, 1, 1):forward(x)
      assert.are.equal(1, incl[1][1][1])            -- one real pixel of four
      local excl = nn.SpatialAveragePooling(2, 2, 2, 2, 1, 1):setCountExcludePad():forward(x)
      assert.are.equal(4, excl[1][1][1])
   end)

   it("maps (C, H, W) and (B, C, H, W); :ceil() rounds the size up", function()
      assert.are.equal("3x6x6", tostring(nn.SpatialAveragePooling(2, 2):forward(hm.Tensor(3, 7, 7)):size()))
      assert.are.equal("2x3x4x4", tostring(nn.SpatialAveragePooling(2, 2, 2, 2):ceil():forward(hm.Tensor(2, 3, 7, 7)):size()))
   end)

   it("gives a batch output equal to a loop over single samples", function()
      common.batchMatchesLoop(nn.SpatialAveragePooling(3, 3, 2, 2, 1, 1), hm.Tensor(3, 2, 7, 6):normal())
   end)

   it("passes gradcheck, batch, single and non-contiguous, both padding modes", function()
      local mk = function() return nn.SpatialAveragePooling(3, 2, 2, 1, 1, 1):ceil() end
      common.gradcheck(mk(), hm.DoubleTensor(2, 2, 5, 4):normal())
      common.gradcheck(mk(), hm.DoubleTensor(2, 5, 4):normal())
      common.gradcheck(mk():setCountExcludePad(), common.noncontig(hm.DoubleTensor(2, 2, 5, 4):normal()))
   end)

   it("prints like Torch7 and names itself on bad input", function()
      assert.are.equal("nn.SpatialAveragePooling(2x2, 1,1)", tostring(nn.SpatialAveragePooling(2, 2)))
      assert.error_matches(function() nn.SpatialAveragePooling(2, 2):forward(hm.Tensor(2, 3, 4, 5, 6)) end,
         "nn.SpatialAveragePooling: expected input of size C x H x W %(or B x C x H x W%), got 2x3x4x5x6")
   end)
end)

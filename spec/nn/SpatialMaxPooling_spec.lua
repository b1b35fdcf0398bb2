-- Specs for lua/harmonium/nn/SpatialMaxPooling.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local support = require 'support'
local nn = hm.nn

describe("nn.SpatialMaxPooling", function()
   before_each(common.seed)

   it("takes the maximum of each window and routes the gradient to it (hand-checked)", function()
      local x = support.count(hm.Tensor(1, 4, 4))
      local m = nn.SpatialMaxPooling(2, 2)
      assert.are.same({ { { 6, 8 }, { 14, 16 } } }, m:forward(x):totable())
      local gi = m:backward(x, hm.Tensor{{{1, 2}, {3, 4}}})
      assert.are.same({ { { 0, 0, 0, 0 }, { 0, 1, 0, 2 }, { 0, 0, 0, 0 }, { 0, 3, 0, 4 } } }, gi:totable())
   end)

   it("sizes the output by floor or, with :ceil(), ceil", function()
      local x = hm.Tensor(2, 3, 7, 7)
      assert.are.equal("2x3x3x3", tostring(nn.SpatialMaxPooling(2, 2):forward(x):size()))
      assert.are.equal("2x3x4x4", tostring(nn.SpatialMaxPooling(2, 2):ceil():forward(x):size()))
      assert.are.equal("3x4x4", tostring(nn.SpatialMaxPooling(3, 3, 2, 2, 1, 1):forward(x[1]):size()))
   end)

   it("gives a batch output equal to a loop over single samples", function()
      common.batchMatchesLoop(nn.SpatialMaxPooling(3, 3, 2, 2, 1, 1):ceil(), hm.Tensor(3, 2, 7, 6):normal())
   end)

   it("passes gradcheck, batch, single and non-contiguous", function()
      local mk = function() return nn.SpatialMaxPooling(2, 2, 2, 1, 1, 0):ceil() end
      common.gradcheck(mk(), hm.DoubleTensor(2, 2, 5, 4):normal())
      common.gradcheck(mk(), hm.DoubleTensor(2, 5, 4):normal())
      common.gradcheck(mk(), common.noncontig(hm.DoubleTensor(2, 2, 5, 4):normal()))
   end)

   it("prints like Torch7 and keeps its indices as a LongTensor through type()", function()
      assert.are.equal("nn.SpatialMaxPooling(2x2, 2,2)", tostring(nn.SpatialMaxPooling(2, 2)))
      assert.are.equal("nn.SpatialMaxPooling(3x3, 2,2, 1,1)", tostring(nn.SpatialMaxPooling(3, 3, 2, 2, 1, 1)))
      local m = nn.SpatialMaxPooling(2, 2):double()
      assert.are.equal("hm.LongTensor", m.indices:type())
   end)

   it("names itself and the sizes on bad input", function()
      assert.error_matches(function() nn.SpatialMaxPooling(2, 2):forward(hm.Tensor(4, 4)) end,
         "nn.SpatialMaxPooling: expected input of size C x H x W %(or B x C x H x W%), got 4x4")
      assert.error_matches(function() nn.SpatialMaxPooling(5, 5):forward(hm.Tensor(1, 4, 4)) end,
         "nn.SpatialMaxPooling: input 1x4x4 is smaller than the kernel 5x5")
      assert.error_matches(function() nn.SpatialMaxPooling(2, 2, 2, 2, 2, 0) end,
         "padW must be an integer in 0..1")
   end)
end)

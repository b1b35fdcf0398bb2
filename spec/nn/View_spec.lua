-- Specs for lua/harmonium/nn/View.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local support = require 'support'
local nn = hm.nn

describe("nn.View", function()
   before_each(common.seed)

   it("views the input with new sizes, sharing its storage", function()
      local x = support.count(hm.Tensor(2, 3))
      local y = nn.View(3, 2):forward(x)
      assert.are.equal("3x2", tostring(y:size()))
      assert.are.equal(4, y[2][2])
      assert.are.equal(x:_storageid(), y:_storageid())
   end)

   it("infers a -1 size and adds a batch dimension", function()
      assert.are.equal("12", tostring(nn.View(-1):forward(hm.Tensor(3, 4)):size()))
      assert.are.equal("5x6", tostring(nn.View(6):forward(hm.Tensor(5, 2, 3)):size()))
      local v = nn.View(-1):setNumInputDims(3)
      assert.are.equal("2x60", tostring(v:forward(hm.Tensor(2, 3, 4, 5)):size()))
      assert.are.equal("1x60", tostring(v:forward(hm.Tensor(1, 3, 4, 5)):size()))
      assert.are.equal("60", tostring(v:forward(hm.Tensor(3, 4, 5)):size()))
      assert.are.equal("nn.View(-1)", tostring(v))
   end)

   it("gives a batch output equal to a loop over single samples", function()
      common.batchMatchesLoop(nn.View(6), hm.Tensor(4, 2, 3):normal())
   end)

   it("passes gradcheck, also on non-contiguous input (copied)", function()
      common.gradcheck(nn.View(6), hm.DoubleTensor(4, 2, 3):normal())
      common.gradcheck(nn.View(6), common.noncontig(hm.DoubleTensor(4, 2, 3):normal()))
      common.gradcheck(nn.View(3, 2), hm.DoubleTensor(6):normal())
   end)

   it("names itself and both sizes on a mismatch", function()
      assert.error_matches(function() nn.View(4):forward(hm.Tensor(3, 5)) end,
         "nn.View: input of size 3x5 does not fit the view 4")
      assert.error_matches(function() nn.View(0) end, "nn.View: sizes must be positive integers or %-1")
   end)
end)

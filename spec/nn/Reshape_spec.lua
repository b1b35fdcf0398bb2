-- Specs for lua/harmonium/nn/Reshape.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local support = require 'support'
local nn = hm.nn

describe("nn.Reshape", function()
   before_each(common.seed)

   it("copies the input into the new sizes in row-major order", function()
      local x = support.count(hm.Tensor(2, 3))
      local y = nn.Reshape(3, 2):forward(x)
      assert.are.same({ { 1, 2 }, { 3, 4 }, { 5, 6 } }, y:totable())
      assert.are_not.equal(x:_storageid(), y:_storageid())
      local t = nn.Reshape(6):forward(x:t())
      assert.are.same({ 1, 4, 2, 5, 3, 6 }, t:totable())
   end)

   it("reads a batch when the element count is a multiple; batchMode forces it", function()
      assert.are.equal("4x6", tostring(nn.Reshape(6):forward(hm.Tensor(4, 2, 3)):size()))
      assert.are.equal("6", tostring(nn.Reshape(6):forward(hm.Tensor(2, 3)):size()))
      assert.are.equal("2x3", tostring(nn.Reshape(3, true):forward(hm.Tensor(2, 3)):size()))
      assert.are.equal("nn.Reshape(3x2)", tostring(nn.Reshape(3, 2)))
   end)

   it("gives a batch output equal to a loop over single samples", function()
      common.batchMatchesLoop(nn.Reshape(3, 2), hm.Tensor(4, 6):normal())
   end)

   it("passes gradcheck, also on non-contiguous input", function()
      common.gradcheck(nn.Reshape(3, 2), hm.DoubleTensor(4, 6):normal())
      common.gradcheck(nn.Reshape(3, 2), common.noncontig(hm.DoubleTensor(4, 6):normal()))
      common.gradcheck(nn.Reshape(6), hm.DoubleTensor(2, 3):normal())
   end)

   it("names itself and the sizes on a mismatch", function()
      assert.error_matches(function() nn.Reshape(4):forward(hm.Tensor(3, 5)) end,
         "nn.Reshape: expected input of 4 elements %(or B x 4%), got 3x5")
   end)
end)

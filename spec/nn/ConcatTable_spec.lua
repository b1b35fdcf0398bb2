-- Specs for lua/harmonium/nn/ConcatTable.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

describe("nn.ConcatTable", function()
   before_each(common.seed)

   it("gives each child the same input and sums the gradients (hand-checked)", function()
      local c = nn.ConcatTable():add(nn.Identity()):add(nn.ReLU())
      local out = c:forward(hm.Tensor{-1, 2})
      assert.are.equal(2, #out)
      assert.tensor_near(hm.Tensor{0, 2}, out[2], 0)
      local gi = c:backward(hm.Tensor{-1, 2}, { hm.Tensor{1, 1}, hm.Tensor{10, 10} })
      assert.tensor_near(hm.Tensor{1, 11}, gi, 0)
   end)

   it("maps 1D and batch input to a table; batch equals the loop", function()
      local c = nn.ConcatTable():add(nn.Linear(3, 2)):add(nn.Linear(3, 4))
      local x = hm.Tensor(5, 3):normal()
      local out = c:forward(x)
      assert.are.equal("5x2", tostring(out[1]:size()))
      local o2 = out[2]:clone()
      for b = 1, 5 do assert.tensor_near(o2[b], c:forward(x[b])[2], 1e-6) end
   end)

   it("passes gradcheck with table outputs", function()
      local c = nn.ConcatTable():add(nn.Linear(3, 2)):add(nn.Sigmoid()):double()
      common.gradcheck(c, hm.DoubleTensor(4, 3):normal())
      common.gradcheck(c, hm.DoubleTensor(3):normal())
   end)

   it("accumulates parameter gradients over two backward calls", function()
      local c = nn.ConcatTable():add(nn.Linear(3, 2)):add(nn.Linear(3, 2)):double()
      local x = hm.DoubleTensor(4, 3):normal()
      local go = { hm.DoubleTensor(4, 2):normal(), hm.DoubleTensor(4, 2):normal() }
      c:forward(x); c:zeroGradParameters(); c:backward(x, go)
      local g1 = c.modules[2].gradWeight:clone()
      c:backward(x, go)
      assert.tensor_near(g1:mul(2), c.modules[2].gradWeight, 1e-12)
   end)

   it("names itself when gradOutput is not a table of the right length", function()
      local c = nn.ConcatTable():add(nn.Identity()):add(nn.Identity())
      c:forward(hm.Tensor(2))
      assert.error_matches(function() c:backward(hm.Tensor(2), hm.Tensor(2)) end,
         "nn.ConcatTable: expected a table of 2 gradOutputs, got a tensor")
   end)
end)

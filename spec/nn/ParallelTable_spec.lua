-- Specs for lua/harmonium/nn/ParallelTable.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

describe("nn.ParallelTable", function()
   before_each(common.seed)

   it("applies child i to input i (hand-checked)", function()
      local p = nn.ParallelTable():add(nn.ReLU()):add(nn.Identity())
      local out = p:forward({ hm.Tensor{-1, 2}, hm.Tensor{-3} })
      assert.tensor_near(hm.Tensor{0, 2}, out[1], 0)
      assert.tensor_near(hm.Tensor{-3}, out[2], 0)
      local gi = p:backward({ hm.Tensor{-1, 2}, hm.Tensor{-3} }, { hm.Tensor{5, 5}, hm.Tensor{7} })
      assert.tensor_near(hm.Tensor{0, 5}, gi[1], 0)
      assert.tensor_near(hm.Tensor{7}, gi[2], 0)
   end)

   it("works on batches and single samples alike", function()
      local p = nn.ParallelTable():add(nn.Linear(3, 2)):add(nn.Linear(4, 1))
      local a, b = hm.Tensor(5, 3):normal(), hm.Tensor(5, 4):normal()
      local out = p:forward({ a, b })
      local o1 = out[1]:clone()
      for i = 1, 5 do assert.tensor_near(o1[i], p:forward({ a[i], b[i] })[1], 1e-6) end
   end)

   it("passes gradcheck with table input and output", function()
      local p = nn.ParallelTable():add(nn.Linear(3, 2)):add(nn.Tanh()):double()
      common.gradcheck(p, { hm.DoubleTensor(4, 3):normal(), hm.DoubleTensor(4, 2):normal() })
      common.gradcheck(p, { hm.DoubleTensor(3):normal(), common.noncontig(hm.DoubleTensor(2):normal()) })
   end)

   it("accumulates parameter gradients over two backward calls", function()
      local p = nn.ParallelTable():add(nn.Linear(3, 2)):double()
      local x, go = { hm.DoubleTensor(4, 3):normal() }, { hm.DoubleTensor(4, 2):normal() }
      p:forward(x); p:zeroGradParameters(); p:backward(x, go)
      local g1 = p.modules[1].gradWeight:clone()
      p:backward(x, go)
      assert.tensor_near(g1:mul(2), p.modules[1].gradWeight, 1e-12)
   end)

   it("names itself when the input is not a table of the right length", function()
      local p = nn.ParallelTable():add(nn.Identity()):add(nn.Identity())
      assert.error_matches(function() p:forward({ hm.Tensor(2) }) end,
         "nn.ParallelTable: expected a table of 2 inputs, got a table of 1")
   end)
end)

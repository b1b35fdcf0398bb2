-- Specs for lua/harmonium/nn/Concat.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

describe("nn.Concat", function()
   before_each(common.seed)

   it("joins its children's outputs along the dimension (hand-checked)", function()
      local c = nn.Concat(1):add(nn.Identity()):add(nn.ReLU())
      assert.tensor_near(hm.Tensor{-1, 2, 0, 2}, c:forward(hm.Tensor{-1, 2}), 0)
      local gi = c:backward(hm.Tensor{-1, 2}, hm.Tensor{1, 1, 10, 10})
      assert.tensor_near(hm.Tensor{1, 11}, gi, 0)
   end)

   it("maps (B, n) to (B, m1 + m2) along dimension 2; batch equals the loop", function()
      local c = nn.Concat(2):add(nn.Linear(3, 2)):add(nn.Linear(3, 4))
      assert.are.equal("5x6", tostring(c:forward(hm.Tensor(5, 3):normal()):size()))
      local single = nn.Concat(1):add(c.modules[1]):add(c.modules[2])
      local x = hm.Tensor(5, 3):normal()
      local out = c:forward(x):clone()
      for b = 1, 5 do assert.tensor_near(out[b], single:forward(x[b]), 1e-6) end
   end)

   it("passes gradcheck on the input and each child's parameters", function()
      common.gradcheck(nn.Concat(2):add(nn.Linear(3, 2)):add(nn.Tanh()):double(), hm.DoubleTensor(4, 3):normal())
      common.gradcheck(nn.Concat(1):add(nn.Linear(3, 2)):add(nn.Linear(3, 1)):double(), hm.DoubleTensor(3):normal())
   end)

   it("accumulates gradients over two backward calls", function()
      common.twiceDoubles(nn.Concat(2):add(nn.Linear(3, 2)):add(nn.Linear(3, 4)):double(), hm.DoubleTensor(4, 3):normal())
   end)

   it("prints its branches like Torch7", function()
      local c = nn.Concat(1):add(nn.Tanh()):add(nn.Identity())
      assert.are.equal("nn.Concat {\n  input\n    |`-> (1): nn.Tanh\n     `-> (2): nn.Identity\n     ... -> output\n}",
         tostring(c))
   end)

   it("reports mismatched child outputs and a bad dimension", function()
      local c = nn.Concat(2):add(nn.Linear(3, 2)):add(nn.View(-1))
      assert.error_matches(function() c:forward(hm.Tensor(4, 3)) end, "nn.Concat: output of module 2 is 1D, cannot join along dimension 2")
      local d = nn.Concat(1):add(nn.Linear(3, 2)):add(nn.Linear(3, 3))
      assert.error_matches(function() d:forward(hm.Tensor(4, 3)) end, "nn.Concat: output of module 2 has size 4x3, expected 2 in dimension 2")
      assert.error_matches(function() nn.Concat(0) end, "nn.Concat: positive integer dimension expected")
   end)
end)

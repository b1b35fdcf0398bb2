-- Specs for lua/harmonium/nn/BatchNormalization.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

describe("nn.BatchNormalization", function()
   before_each(common.seed)

   it("normalises each feature over the batch (hand-checked)", function()
      local m = nn.BatchNormalization(2, 0):double()
      m.weight:copy(hm.DoubleTensor{2, 1}); m.bias:copy(hm.DoubleTensor{0, 1})
      local x = hm.DoubleTensor{{1, 10}, {3, 10}, {5, 16}, {7, 16}}
      -- feature 1: mean 4, var 5; feature 2: mean 13, var 9
      local s5 = math.sqrt(5)
      local y = m:forward(x)
      assert.tensor_near(hm.DoubleTensor{{-6 / s5, 0}, {-2 / s5, 0}, {2 / s5, 2}, {6 / s5, 2}}, y, 1e-12)
      assert.tensor_near(hm.DoubleTensor{0.4, 1.3}, m.running_mean, 1e-12)
      assert.tensor_near(hm.DoubleTensor{0.9 + 0.1 * 20 / 3, 0.9 + 0.1 * 12}, m.running_var, 1e-12)
   end)

   it("uses the running statistics at evaluation, on batches and single samples", function()
      local m = nn.BatchNormalization(3)
      for _ = 1, 50 do m:forward(hm.Tensor(20, 3):normal(2, 3)) end
      assert.tensor_near(hm.Tensor(3):fill(2), m.running_mean, 0.5)
      assert.tensor_near(hm.Tensor(3):fill(9), m.running_var, 2)
      m:evaluate()
      local x = hm.Tensor(4, 3):normal()
      local expect = x:clone():add(-1, m.running_mean:view(1, 3):expandAs(x))
      expect:cdiv(m.running_var:clone():add(m.eps):sqrt():view(1, 3):expandAs(x))
      assert.tensor_near(expect, m:forward(x), 1e-5)
      common.batchMatchesLoop(m, x)
      assert.are.equal("3", tostring(m:forward(x[1]):size()))
   end)

   it("passes gradcheck in training (batch statistics) and evaluation", function()
      common.gradcheck(nn.BatchNormalization(4):double(), hm.DoubleTensor(5, 4):normal())
      common.gradcheck(nn.BatchNormalization(4):double(), common.noncontig(hm.DoubleTensor(5, 4):normal()))
      common.gradcheck(nn.BatchNormalization(4, 1e-5, 0.1, false):double(), hm.DoubleTensor(5, 4):normal())
      local m = nn.BatchNormalization(4):double()
      m:forward(hm.DoubleTensor(6, 4):normal())
      m:evaluate()
      common.gradcheck(m, hm.DoubleTensor(5, 4):normal())
      common.gradcheck(m, hm.DoubleTensor(4):normal())
   end)

   it("accumulates gradients over two backward calls", function()
      common.twiceDoubles(nn.BatchNormalization(4):double(), hm.DoubleTensor(5, 4):normal())
      common.scaleWorks(nn.BatchNormalization(4):double(), hm.DoubleTensor(5, 4):normal())
   end)

   it("names itself on bad input", function()
      local m = nn.BatchNormalization(4)
      assert.error_matches(function() m:forward(hm.Tensor(5, 3)) end,
         "nn.BatchNormalization: expected input of size B x 4, got 5x3")
      assert.error_matches(function() m:forward(hm.Tensor(1, 4)) end,
         "expected more than 1 sample per batch in training mode, got 1x4")
      assert.error_matches(function() m:forward(hm.Tensor(4)) end, "expected input of size B x 4, got 4")
   end)
end)

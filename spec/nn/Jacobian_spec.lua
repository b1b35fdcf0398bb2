-- Specs for lua/harmonium/nn/Jacobian.lua: the checker itself must catch wrong gradients.
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn
local J = nn.Jacobian

-- A Linear whose input gradient is off by 1% and whose weight gradient is doubled.
local Broken = hm.class('nn.BrokenLinearForSpec', 'nn.Linear')
function Broken:updateGradInput(input, gradOutput)
   nn.Linear.updateGradInput(self, input, gradOutput)
   self.gradInput:mul(1.01)
   return self.gradInput
end
function Broken:accGradParameters(input, gradOutput, scale)
   nn.Linear.accGradParameters(self, input, gradOutput, 2 * (scale or 1))
end

describe("nn.Jacobian", function()
   before_each(common.seed)

   it("finds errors near zero for a correct module", function()
      local m = nn.Linear(4, 3):double()
      local x = hm.DoubleTensor(2, 4):normal()
      assert.is_true(J.testJacobian(m, x) < 1e-8)
      assert.is_true(J.testJacobianParameters(m, x, m.weight, m.gradWeight) < 1e-8)
      assert.is_true(J.testJacobianParameters(m, x, m.bias, m.gradBias) < 1e-8)
      assert.is_true(J.testJacobianUpdateParameters(m, x, m.weight) < 1e-8)
      assert.is_true(J.testIO(m, x) == 0)
   end)

   it("catches a wrong input gradient and a wrong parameter gradient", function()
      local m = Broken(4, 3):double()
      local x = hm.DoubleTensor(2, 4):normal()
      assert.is_true(J.testJacobian(m, x) > 1e-4)
      assert.is_true(J.testJacobianParameters(m, x, m.weight, m.gradWeight) > 0.1)
      local errs = J.testAll(m, x)
      assert.is_true(errs.max > 0.1 and errs.weight > 0.1 and errs.input > 1e-4)
   end)

   it("builds Jacobians of the right shape both ways", function()
      local m = nn.Linear(4, 3):double()
      local x = hm.DoubleTensor(2, 4):normal()
      local jf, jb = J.forward(m, x), J.backward(m, x)
      assert.are.equal("8x6", tostring(jf:size()))
      assert.tensor_near(jf, jb, 1e-8)
      -- for a Linear layer, d y[b][i] / d x[b][j] is W[i][j]
      assert.is_true(math.abs(jb[1][1] - m.weight[1][1]) < 1e-12)
   end)

   it("refills the input when given a range, and checks criterions", function()
      local x = hm.DoubleTensor(3, 2):zero()
      J.testJacobian(nn.Tanh(), x, -1, 1)
      assert.is_true(x:abs():sum() > 0 and x:max() <= 1)
      local e = J.testCriterion(nn.MSECriterion():double(), hm.DoubleTensor(3):normal(), hm.DoubleTensor(3):normal())
      assert.is_true(e < 1e-8)
   end)
end)

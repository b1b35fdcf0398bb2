--[[ nn.Sigmoid: y = 1 / (1 + exp(-x)), element-wise, any shape.
dL/dx = dL/dy * y * (1 - y), in one fused pass (hm._nn.sigmoidGrad).
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local Sigmoid = hm.class('nn.Sigmoid', 'nn.Module')
local sigmoidGrad = hm._nn.sigmoidGrad

function Sigmoid:updateOutput(input)
   utils.checkTensor(self, input)
   return self.output:sigmoid(input)
end

function Sigmoid:updateGradInput(input, gradOutput)
   return sigmoidGrad(self.gradInput, gradOutput, self.output)
end

return Sigmoid

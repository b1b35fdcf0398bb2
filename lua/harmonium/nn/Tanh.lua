--[[ nn.Tanh: y = tanh(x), element-wise, any shape.
dL/dx = dL/dy * (1 - y^2), in one fused pass (hm._nn.tanhGrad).
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local Tanh = hm.class('nn.Tanh', 'nn.Module')
local tanhGrad = hm._nn.tanhGrad

function Tanh:updateOutput(input)
   utils.checkTensor(self, input)
   return self.output:tanh(input)
end

function Tanh:updateGradInput(input, gradOutput)
   return tanhGrad(self.gradInput, gradOutput, self.output)
end

return Tanh

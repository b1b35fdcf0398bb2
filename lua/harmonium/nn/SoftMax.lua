--[[ nn.SoftMax: y_i = exp(x_i) / sum_j exp(x_j) along the last dimension; input n or (B, n).
dL/dx = y * (g - sum(g * y)) row by row.

One C kernel per pass (hm._nn.softMax, softMaxGrad); exp(x - max(x)) never overflows.
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local SoftMax = hm.class('nn.SoftMax', 'nn.Module')
local softMax, softMaxGrad = hm._nn.softMax, hm._nn.softMaxGrad

function SoftMax:updateOutput(input)
   utils.checkDims(self, input, 1, 2, "1D or 2D")
   return softMax(self.output, input)
end

function SoftMax:updateGradInput(input, gradOutput)
   return softMaxGrad(self.gradInput, gradOutput, self.output)
end

return SoftMax

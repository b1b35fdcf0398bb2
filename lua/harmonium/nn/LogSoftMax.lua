--[[ nn.LogSoftMax: y_i = x_i - log(sum_j exp(x_j)) along the last dimension; input n or (B, n).
dL/dx = g - exp(y) * sum(g) row by row.

Both passes are one C kernel each (hm._nn.logSoftMax, logSoftMaxGrad): the row maximum is
subtracted before exp, so large inputs neither overflow nor lose the small probabilities,
and no temporary is made (a 100 x 10 batch costs a binding call, not five tensor ops).
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local LogSoftMax = hm.class('nn.LogSoftMax', 'nn.Module')
local logSoftMax, logSoftMaxGrad = hm._nn.logSoftMax, hm._nn.logSoftMaxGrad

function LogSoftMax:updateOutput(input)
   utils.checkDims(self, input, 1, 2, "1D or 2D")
   return logSoftMax(self.output, input)
end

function LogSoftMax:updateGradInput(input, gradOutput)
   return logSoftMaxGrad(self.gradInput, gradOutput, self.output)
end

return LogSoftMax

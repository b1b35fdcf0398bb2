--[[ nn.SoftMax: y_i = exp(x_i) / sum_j exp(x_j) along the last dimension; input n or (B, n).
dL/dx = y * (g - sum(g * y)) row by row.

exp(x - logsumexp(x)) never overflows: logsumexp subtracts the row maximum in C.
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local SoftMax, parent = hm.class('nn.SoftMax', 'nn.Module')

function SoftMax:__init()
   parent.__init(self)
   self._sum = hm.Tensor()
end

-- 1D tensors as one row (views; works for any strides)
local function rows(t) return t:dim() == 1 and t:unsqueeze(1) or t end

function SoftMax:updateOutput(input)
   utils.checkDims(self, input, 1, 2, "1D or 2D")
   local x = rows(input)
   hm.logsumexp(self._sum, x, 2)
   self.output:resizeAs(input)
   rows(self.output):copy(x):add(-1, self._sum:expandAs(x)):exp()
   return self.output
end

function SoftMax:updateGradInput(input, gradOutput)
   local y, g = rows(self.output), rows(gradOutput)
   self.gradInput:resizeAs(self.output)
   local gi = rows(self.gradInput):cmul(g, y)
   hm.sum(self._sum, gi, 2)
   gi:copy(g):add(-1, self._sum:expandAs(gi)):cmul(y)
   return self.gradInput
end

return SoftMax

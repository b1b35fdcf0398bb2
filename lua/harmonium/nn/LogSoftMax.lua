--[[ nn.LogSoftMax: y_i = x_i - log(sum_j exp(x_j)) along the last dimension; input n or (B, n).
dL/dx = g - exp(y) * sum(g) row by row.

logsumexp subtracts the row maximum (in C), so large inputs neither overflow nor lose the
small probabilities.
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local LogSoftMax, parent = hm.class('nn.LogSoftMax', 'nn.Module')

function LogSoftMax:__init()
   parent.__init(self)
   self._sum = hm.Tensor()
end

local function rows(t) return t:dim() == 1 and t:unsqueeze(1) or t end

function LogSoftMax:updateOutput(input)
   utils.checkDims(self, input, 1, 2, "1D or 2D")
   local x = rows(input)
   hm.logsumexp(self._sum, x, 2)
   self.output:resizeAs(input)
   rows(self.output):copy(x):add(-1, self._sum:expandAs(x))
   return self.output
end

function LogSoftMax:updateGradInput(input, gradOutput)
   local y, g = rows(self.output), rows(gradOutput)
   hm.sum(self._sum, g, 2)
   self.gradInput:resizeAs(self.output)
   local gi = rows(self.gradInput):exp(y)
   gi:cmul(self._sum:expandAs(gi)):mul(-1):add(g)
   return self.gradInput
end

return LogSoftMax

--[[ nn.Sigmoid: y = 1 / (1 + exp(-x)), element-wise, any shape.
dL/dx = dL/dy * y * (1 - y).
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local Sigmoid = hm.class('nn.Sigmoid', 'nn.Module')

function Sigmoid:updateOutput(input)
   utils.checkTensor(self, input)
   return self.output:sigmoid(input)
end

function Sigmoid:updateGradInput(input, gradOutput)
   local y = self.output
   -- g*y - (g*y)*y: two passes, no buffer
   self.gradInput:resizeAs(y):cmul(gradOutput, y):addcmul(-1, self.gradInput, y)
   return self.gradInput
end

return Sigmoid

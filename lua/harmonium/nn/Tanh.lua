--[[ nn.Tanh: y = tanh(x), element-wise, any shape.
dL/dx = dL/dy * (1 - y^2).
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local Tanh = hm.class('nn.Tanh', 'nn.Module')

function Tanh:updateOutput(input)
   utils.checkTensor(self, input)
   return self.output:tanh(input)
end

function Tanh:updateGradInput(input, gradOutput)
   local y = self.output
   -- g - (g*y)*y
   local gi = self.gradInput:resizeAs(y):cmul(gradOutput, y)
   gi:cmul(y):mul(-1):add(gradOutput)
   return gi
end

return Tanh

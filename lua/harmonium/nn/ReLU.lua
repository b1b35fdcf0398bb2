--[[ nn.ReLU: y = max(x, 0), element-wise, any shape.
dL/dx = dL/dy where x > 0, else 0.
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local ReLU = hm.class('nn.ReLU', 'nn.Module')

function ReLU:updateOutput(input)
   utils.checkTensor(self, input)
   return self.output:cmax(input, 0)
end

function ReLU:updateGradInput(input, gradOutput)
   -- sign(y) is 1 exactly where x > 0 and 0 elsewhere
   self.gradInput:resizeAs(input):sign(self.output):cmul(gradOutput)
   return self.gradInput
end

return ReLU

--[[ nn.LeakyReLU([negval=0.01]): y = x for x > 0, negval * x otherwise; element-wise, any shape.
dL/dx = dL/dy for x > 0, negval * dL/dy otherwise.
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local LeakyReLU, parent = hm.class('nn.LeakyReLU', 'nn.Module')

--- nn.LeakyReLU([negval=0.01]): ERRORS: negval not a number
function LeakyReLU:__init(negval)
   parent.__init(self)
   negval = negval or 0.01
   if type(negval) ~= "number" then
      error("nn.LeakyReLU: negative slope must be a number, got " .. type(negval), 2)
   end
   self.negval = negval
end

function LeakyReLU:updateOutput(input)
   utils.checkTensor(self, input)
   -- x - (1 - negval) * min(x, 0)
   return self.output:cmin(input, 0):mul(self.negval - 1):add(input)
end

function LeakyReLU:updateGradInput(input, gradOutput)
   -- clamp(sign(x), 0, 1) is the indicator of x > 0; map {0, 1} to {negval, 1}
   local gi = self.gradInput:resizeAs(input):sign(input):clamp(0, 1)
   gi:mul(1 - self.negval):add(self.negval):cmul(gradOutput)
   return gi
end

function LeakyReLU:__tostring()
   return "nn.LeakyReLU(" .. self.negval .. ")"
end

return LeakyReLU

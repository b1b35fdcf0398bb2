--[=[ nn.SoftPlus([beta=1 [, threshold=20]]): y = log(1 + exp(beta x)) / beta, element-wise.
dL/dx = dL/dy * sigmoid(beta x).

Computed as (max(z, 0) + log1p(exp(-|z|))) / beta with z = beta x, which never overflows;
above the threshold (z > threshold) this equals x to within exp(-threshold)/beta, which is
what Torch7's threshold switch gives, so the threshold is kept only for compatibility.
]=]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local SoftPlus, parent = hm.class('nn.SoftPlus', 'nn.Module')

--- nn.SoftPlus([beta=1 [, threshold=20]]): ERRORS: beta not a positive number
function SoftPlus:__init(beta, threshold)
   parent.__init(self)
   self.beta = beta or 1
   self.threshold = threshold or 20
   if type(self.beta) ~= "number" or not (self.beta > 0) then
      error("nn.SoftPlus: beta must be a positive number, got " .. tostring(beta), 2)
   end
   self._buffer = hm.Tensor()
end

function SoftPlus:updateOutput(input)
   utils.checkTensor(self, input)
   local z = self.output:mul(input, self.beta)
   local buf = self._buffer:resizeAs(input):abs(z):mul(-1):exp():log1p()
   z:cmax(0):add(buf)
   if self.beta ~= 1 then z:div(self.beta) end
   return z
end

function SoftPlus:updateGradInput(input, gradOutput)
   self.gradInput:mul(input, self.beta):sigmoid():cmul(gradOutput)
   return self.gradInput
end

function SoftPlus:__tostring()
   return "nn.SoftPlus(" .. self.beta .. ")"
end

return SoftPlus

--[[ nn.Identity: output = input, gradInput = gradOutput (the same objects, no copy);
any input, tensor or table.
]]

local hm = require 'harmonium'
require 'harmonium.nn.Module'

local Identity = hm.class('nn.Identity', 'nn.Module')

function Identity:updateOutput(input)
   self.output = input
   return input
end

function Identity:updateGradInput(input, gradOutput)
   self.gradInput = gradOutput
   return gradOutput
end

function Identity:clearState()
   self.output, self.gradInput = hm.Tensor(), hm.Tensor()
   return self
end

return Identity

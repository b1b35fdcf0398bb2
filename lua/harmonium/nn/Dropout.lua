--[[ nn.Dropout([p=0.5]): in training, each input element is zeroed with probability p and
the survivors scaled by 1/(1-p) (inverted dropout, so evaluation needs no rescaling); in
evaluation (module:evaluate()) output = input. Any shape.
The mask is drawn with bernoulli(1-p) from the seeded default generator on every forward
in training mode and kept in self.noise for the backward pass: dL/dx = g * noise.
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local Dropout, parent = hm.class('nn.Dropout', 'nn.Module')

--- nn.Dropout([p=0.5]): ERRORS: p outside [0, 1)
function Dropout:__init(p)
   parent.__init(self)
   self.p = p or 0.5
   if type(self.p) ~= "number" or self.p < 0 or self.p >= 1 then
      error("nn.Dropout: probability must be in [0, 1), got " .. tostring(p), 2)
   end
   self.noise = hm.Tensor()
end

--- dropout:setp(p) -> self with a new drop probability
function Dropout:setp(p)
   self.p = p
   return self
end

function Dropout:updateOutput(input)
   utils.checkTensor(self, input)
   self.output:resizeAs(input):copy(input)
   if self.train and self.p > 0 then
      self.noise:resizeAs(input):bernoulli(1 - self.p):div(1 - self.p)
      self.output:cmul(self.noise)
   end
   return self.output
end

function Dropout:updateGradInput(input, gradOutput)
   self.gradInput:resizeAs(gradOutput):copy(gradOutput)
   if self.train and self.p > 0 then self.gradInput:cmul(self.noise) end
   return self.gradInput
end

function Dropout:__tostring()
   return "nn.Dropout(" .. self.p .. ")"
end

return Dropout

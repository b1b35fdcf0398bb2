--[[ nn.SmoothL1Criterion(): the Huber loss with delta 1. With d = x - t,
loss = sum_i (0.5 d_i^2 if |d_i| < 1 else |d_i| - 0.5), divided by the number of elements
when sizeAverage (default). gradInput = clamp(d, -1, 1) (/ n).
Vectorised: with a = |d| and c = min(a, 1), each term is c * (a - c/2).
]]

local hm = require 'harmonium'
require 'harmonium.nn.Criterion'

local SmoothL1Criterion, parent = hm.class('nn.SmoothL1Criterion', 'nn.Criterion')

--- nn.SmoothL1Criterion([sizeAverage=true])
function SmoothL1Criterion:__init(sizeAverage)
   parent.__init(self)
   if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
   self._abs = hm.Tensor()
   self._clip = hm.Tensor()
end

function SmoothL1Criterion:updateOutput(input, target)
   target = self:checkSameSize(input, target)
   local a = self._abs:resizeAs(input):copy(input):add(-1, target):abs()
   local c = self._clip:resizeAs(input):clamp(a, 0, 1)
   local loss = c:dot(a) - 0.5 * c:dot(c)
   if self.sizeAverage then loss = loss / input:nElement() end
   self.output = loss
   return loss
end

function SmoothL1Criterion:updateGradInput(input, target)
   target = self:checkSameSize(input, target)
   local gi = self.gradInput:resizeAs(input):copy(input):add(-1, target):clamp(-1, 1)
   if self.sizeAverage then gi:div(input:nElement()) end
   return gi
end

return SmoothL1Criterion

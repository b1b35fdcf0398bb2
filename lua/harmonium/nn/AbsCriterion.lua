--[[ nn.AbsCriterion(): loss = sum_i |x_i - t_i|, divided by the number of elements when
sizeAverage (default). gradInput = sign(x - t) (/ n).
]]

local hm = require 'harmonium'
require 'harmonium.nn.Criterion'

local AbsCriterion, parent = hm.class('nn.AbsCriterion', 'nn.Criterion')

--- nn.AbsCriterion([sizeAverage=true])
function AbsCriterion:__init(sizeAverage)
   parent.__init(self)
   if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
   self._diff = hm.Tensor()
end

function AbsCriterion:updateOutput(input, target)
   target = self:checkSameSize(input, target)
   local loss = self._diff:resizeAs(input):copy(input):add(-1, target):abs():sum()
   if self.sizeAverage then loss = loss / input:nElement() end
   self.output = loss
   return loss
end

function AbsCriterion:updateGradInput(input, target)
   target = self:checkSameSize(input, target)
   local gi = self.gradInput:resizeAs(input):copy(input):add(-1, target):sign()
   if self.sizeAverage then gi:div(input:nElement()) end
   return gi
end

return AbsCriterion

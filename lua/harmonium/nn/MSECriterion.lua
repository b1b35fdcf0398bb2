--[[ nn.MSECriterion(): loss = sum_i (x_i - t_i)^2, divided by the number of elements when
sizeAverage (default). gradInput = 2 (x - t) (/ n). Input and target: any shapes with the
same number of elements.
]]

local hm = require 'harmonium'
require 'harmonium.nn.Criterion'

local MSECriterion, parent = hm.class('nn.MSECriterion', 'nn.Criterion')

--- nn.MSECriterion([sizeAverage=true])
function MSECriterion:__init(sizeAverage)
   parent.__init(self)
   if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
   self._diff = hm.Tensor()
end

function MSECriterion:updateOutput(input, target)
   target = self:checkSameSize(input, target)
   local d = self._diff:resizeAs(input):copy(input):add(-1, target)
   local loss = d:dot(d)
   if self.sizeAverage then loss = loss / input:nElement() end
   self.output = loss
   return loss
end

function MSECriterion:updateGradInput(input, target)
   target = self:checkSameSize(input, target)
   local norm = self.sizeAverage and 2 / input:nElement() or 2
   self.gradInput:resizeAs(input):copy(input):add(-1, target):mul(norm)
   return self.gradInput
end

return MSECriterion

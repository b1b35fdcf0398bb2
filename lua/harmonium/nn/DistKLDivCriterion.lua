--[[ nn.DistKLDivCriterion([sizeAverage=true]): Kullback-Leibler divergence of the target
distribution t from the input, given as log-probabilities x:
   loss = sum_i t_i (log t_i - x_i)   (terms with t_i = 0 count as 0)
divided by the number of elements when sizeAverage (default). gradInput = -t (/ n).
Targets must be non-negative; log t is taken of max(t, 1e-30), which is exact for t = 0.
]]

local hm = require 'harmonium'
require 'harmonium.nn.Criterion'

local DistKLDivCriterion, parent = hm.class('nn.DistKLDivCriterion', 'nn.Criterion')

--- nn.DistKLDivCriterion([sizeAverage=true])
function DistKLDivCriterion:__init(sizeAverage)
   parent.__init(self)
   if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
   self._log = hm.Tensor()
end

function DistKLDivCriterion:updateOutput(input, target)
   target = self:checkSameSize(input, target)
   local lt = self._log:resizeAs(target):cmax(target, 1e-30):log():add(-1, input)
   local loss = target:dot(lt)
   if self.sizeAverage then loss = loss / input:nElement() end
   self.output = loss
   return loss
end

function DistKLDivCriterion:updateGradInput(input, target)
   target = self:checkSameSize(input, target)
   local gi = self.gradInput:resizeAs(input):copy(target):mul(-1)
   if self.sizeAverage then gi:div(input:nElement()) end
   return gi
end

return DistKLDivCriterion

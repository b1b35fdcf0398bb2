--[=[ nn.BCECriterion([weights [, sizeAverage=true]]): binary cross-entropy for
probabilities x in [0, 1] and targets t in [0, 1]:
   loss = - sum_i w_i (t_i log(x_i + eps) + (1 - t_i) log(1 - x_i + eps)),
divided by the number of elements when sizeAverage (default); eps = 1e-12 keeps the logs
finite at 0 and 1. gradInput = w (x - t) / ((x + eps)(1 - x + eps)) (/ n).
weights, when given, has the size of one sample (the last dimension) and is repeated over
the batch.
]=]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Criterion'

local BCECriterion, parent = hm.class('nn.BCECriterion', 'nn.Criterion')

local EPS = 1e-12

--- nn.BCECriterion([weights [, sizeAverage=true]]): ERRORS: weights not a 1D tensor
function BCECriterion:__init(weights, sizeAverage)
   parent.__init(self)
   if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
   if weights ~= nil then
      if not hm.isTensor(weights) or weights:dim() ~= 1 then
         error("nn.BCECriterion: weights must be a 1D tensor", 2)
      end
      self.weights = weights:type(hm.getdefaulttensortype()):clone()
   end
   self.eps = EPS
   self._a = hm.Tensor()
   self._b = hm.Tensor()
end

-- weights expanded to x's shape (nil without weights)
local function weightsFor(self, x)
   if not self.weights then return nil end
   local n = self.weights:size(1)
   if x:size(x:dim()) ~= n then
      error(string.format("nn.BCECriterion: weights of size %d do not match input %s", n,
         utils.sizestr(x)), 0)
   end
   local shape = {}
   for d = 1, x:dim() - 1 do shape[d] = 1 end
   shape[x:dim()] = n
   return self.weights:view(table.unpack(shape)):expandAs(x)
end

function BCECriterion:updateOutput(input, target)
   target = self:checkSameSize(input, target)
   local w = weightsFor(self, input)
   local a = self._a:resizeAs(input):add(input, self.eps):log()            -- log(x + eps)
   local b = self._b:resizeAs(input):mul(input, -1):add(1):add(self.eps):log() -- log(1 - x + eps)
   if w then a:cmul(w); b:cmul(w) end
   -- sum t a + (1 - t) b = t . a + sum b - t . b
   local loss = -(target:dot(a) + b:sum() - target:dot(b))
   if self.sizeAverage then loss = loss / input:nElement() end
   self.output = loss
   return loss
end

function BCECriterion:updateGradInput(input, target)
   target = self:checkSameSize(input, target)
   local w = weightsFor(self, input)
   local den = self._a:resizeAs(input):add(input, self.eps)
   den:cmul(self._b:resizeAs(input):mul(input, -1):add(1):add(self.eps))
   local gi = self.gradInput:resizeAs(input):copy(input):add(-1, target):cdiv(den)
   if w then gi:cmul(w) end
   if self.sizeAverage then gi:div(input:nElement()) end
   return gi
end

return BCECriterion

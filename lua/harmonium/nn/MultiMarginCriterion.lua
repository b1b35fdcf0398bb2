--[=[ nn.MultiMarginCriterion([p=1 [, weights [, margin=1 [, sizeAverage=true]]]]): the
multi-class hinge (SVM) loss. For a sample x (n scores) with class y:
   loss(x, y) = sum_{i ~= y} max(0, margin - x[y] + x[i])^p / n   (times weights[y] if given)
summed over the batch and divided by B when sizeAverage (default). input n or (B, n);
targets as ClassNLLCriterion's (1-based class indices).
Vectorised: Z = x - x[y] + margin (row-wise), Z[y] = 0, Z = max(Z, 0); the gradient is
p Z^(p-1) on i ~= y and minus its row sum on y.
]=]

local hm = require 'harmonium'
local ClassNLLCriterion = require 'harmonium.nn.ClassNLLCriterion'
require 'harmonium.nn.Criterion'

local MultiMarginCriterion, parent = hm.class('nn.MultiMarginCriterion', 'nn.Criterion')

--- nn.MultiMarginCriterion([p=1 [, weights [, margin=1 [, sizeAverage=true]]]])
-- ERRORS: p not 1 or 2; weights not a 1D tensor
function MultiMarginCriterion:__init(p, weights, margin, sizeAverage)
   parent.__init(self)
   p = p or 1
   if p ~= 1 and p ~= 2 then error("nn.MultiMarginCriterion: p must be 1 or 2, got " .. tostring(p), 2) end
   self.p = p
   self.margin = margin or 1
   if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
   if weights ~= nil then
      if not hm.isTensor(weights) or weights:dim() ~= 1 then
         error("nn.MultiMarginCriterion: weights must be a 1D tensor", 2)
      end
      self.weights = weights:type(hm.getdefaulttensortype()):clone()
   end
   self._target = hm.LongTensor()
   self._z = hm.Tensor()        -- (B, n) margins
   self._picked = hm.Tensor()   -- (B, 1)
   self._w = hm.Tensor()        -- (B, 1)
end

MultiMarginCriterion.prepare = ClassNLLCriterion.prepare

-- Z (B, n) = max(0, x - x[y] + margin) with Z[y] = 0, and the (B, 1) sample weights or nil.
local function margins(self, x, t)
   local picked = hm.gather(self._picked, x, 2, t)
   local z = self._z:resizeAs(x):copy(x):add(-1, picked:expandAs(x)):add(self.margin)
   z:scatter(2, t, 0):cmax(0)
   local w
   if self.weights then w = hm.indexSelect(self._w, self.weights, 1, t:view(-1)):view(-1, 1) end
   return z, w
end

function MultiMarginCriterion:updateOutput(input, target)
   local x, t = self:prepare(input, target)
   local z, w = margins(self, x, t)
   if self.p == 2 then z:cmul(z) end
   if w then z:cmul(w:expandAs(z)) end
   local loss = z:sum() / x:size(2)
   if self.sizeAverage then loss = loss / x:size(1) end
   self.output = loss
   return loss
end

function MultiMarginCriterion:updateGradInput(input, target)
   local x, t = self:prepare(input, target)
   local z, w = margins(self, x, t)
   local norm = 1 / x:size(2)
   if self.sizeAverage then norm = norm / x:size(1) end
   self.gradInput:resizeAs(input)
   local gi = input:dim() == 1 and self.gradInput:unsqueeze(1) or self.gradInput
   if self.p == 1 then gi:sign(z) else gi:copy(z):mul(2) end
   if w then gi:cmul(w:expandAs(gi)) end
   local rowsum = hm.sum(self._picked, gi, 2)
   gi:scatter(2, t, rowsum:mul(-1)):mul(norm)
   return self.gradInput
end

return MultiMarginCriterion

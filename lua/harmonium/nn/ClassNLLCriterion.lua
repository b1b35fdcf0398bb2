--[=[ nn.ClassNLLCriterion([weights [, sizeAverage=true]]): negative log-likelihood for
log-probabilities (e.g. the output of LogSoftMax).
   input n (one sample; target a class index 1..n, a number or a 1-element tensor)
   input (B, n) (target B class indices 1..n: a LongTensor or any tensor of integers)
   loss = - sum_b w[t_b] x[b, t_b], divided by sum_b w[t_b] when sizeAverage (default;
   with no weights that is B); gradInput[b, t_b] = -w[t_b] (/ that sum), zero elsewhere.
weights: optional 1D tensor of n class weights.
]=]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Criterion'

local ClassNLLCriterion, parent = hm.class('nn.ClassNLLCriterion', 'nn.Criterion')

--- nn.ClassNLLCriterion([weights [, sizeAverage=true]]): ERRORS: weights not a 1D tensor
function ClassNLLCriterion:__init(weights, sizeAverage)
   parent.__init(self)
   if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
   if weights ~= nil then
      if not hm.isTensor(weights) or weights:dim() ~= 1 then
         error("nn.ClassNLLCriterion: weights must be a 1D tensor", 2)
      end
      self.weights = weights:type(hm.getdefaulttensortype()):clone()
   end
   self._target = hm.LongTensor()   -- (B, 1) class indices
   self._picked = hm.Tensor()       -- (B, 1) x[b, t_b]
   self._w = hm.Tensor()            -- (B, 1) w[t_b]
end

-- input as (B, n) and targets as a (B, 1) LongTensor, checked.
function ClassNLLCriterion:prepare(input, target)
   local name = hm.type(self)
   utils.checkDims(self, input, 1, 2, "1D or 2D")
   local x = input:dim() == 1 and input:unsqueeze(1) or input
   local B, n = x:size(1), x:size(2)
   local t = self._target
   if type(target) == "number" then
      t:resize(1, 1):fill(target)
   elseif hm.isTensor(target) then
      if target:nElement() ~= B or (input:dim() == 2 and target:dim() ~= 1) then
         error(string.format("%s: expected %s, got target %s for input %s", name,
            input:dim() == 1 and "one target" or B .. " targets (a 1D tensor)",
            utils.sizestr(target), utils.sizestr(input)), 0)
      end
      t:resize(B, 1):copy(target:reshape(B, 1))
   else
      error(name .. ": expected a target tensor or number, got " .. hm.type(target), 0)
   end
   if B > 0 then
      local lo, hi = t:min(), t:max()
      if lo < 1 or hi > n or (type(target) == "number" and target ~= math.floor(target)) then
         error(string.format("%s: target %s out of range [1, %d]", name,
            tostring(type(target) == "number" and target or (lo < 1 and lo or hi)), n), 0)
      end
   end
   if self.weights and self.weights:nElement() ~= n then
      error(string.format("%s: %d class weights for input %s", name, self.weights:nElement(),
         utils.sizestr(input)), 0)
   end
   return x, t
end

-- (B, 1) weights of the target classes and their total (B without weights).
local function targetWeights(self, x, t)
   if not self.weights then return nil, x:size(1) end
   local w = hm.indexSelect(self._w, self.weights, 1, t:view(-1)):view(-1, 1)
   return w, w:sum()
end

function ClassNLLCriterion:updateOutput(input, target)
   local x, t = self:prepare(input, target)
   local picked = hm.gather(self._picked, x, 2, t)
   local w, total = targetWeights(self, x, t)
   local loss = -(w and picked:dot(w) or picked:sum())
   if self.sizeAverage and total ~= 0 then loss = loss / total end
   self.output = loss
   self.totalWeight = total
   return loss
end

function ClassNLLCriterion:updateGradInput(input, target)
   local x, t = self:prepare(input, target)
   local w, total = targetWeights(self, x, t)
   local norm = (self.sizeAverage and total ~= 0) and -1 / total or -1
   self.gradInput:resizeAs(input):zero()
   local gi = input:dim() == 1 and self.gradInput:unsqueeze(1) or self.gradInput
   if w then
      gi:scatter(2, t, self._picked:resizeAs(w):copy(w):mul(norm))
   else
      gi:scatter(2, t, norm)
   end
   return self.gradInput
end

return ClassNLLCriterion

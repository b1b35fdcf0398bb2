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
local classNLL, classNLLGrad = hm._nn.classNLL, hm._nn.classNLLGrad

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
   self._target = hm.LongTensor()   -- class indices given as another tensor type or a number
end

-- input as (B, n) and targets as a (B, 1) LongTensor, checked (MultiMarginCriterion's
-- preparation; ClassNLL's own passes hand the targets to hm._nn as they are).
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

-- The targets as a LongTensor of B elements for hm._nn.classNLL (target itself when it is
-- one, else converted into self._target), their count checked; the kernels check the range.
local function targets(self, input, target)
   utils.checkDims(self, input, 1, 2, "1D or 2D")
   local B = input:dim() == 2 and input:size(1) or 1
   if type(target) == "number" then
      if target ~= math.floor(target) then
         error(string.format("%s: target %s out of range [1, %d]", hm.type(self), tostring(target),
            input:size(input:dim())), 0)
      end
      return self._target:resize(1):fill(target)
   elseif not hm.isTensor(target) then
      error(hm.type(self) .. ": expected a target tensor or number, got " .. hm.type(target), 0)
   end
   if target:nElement() ~= B or (input:dim() == 2 and target:dim() ~= 1) then
      error(string.format("%s: expected %s, got target %s for input %s", hm.type(self),
         input:dim() == 1 and "one target" or B .. " targets (a 1D tensor)",
         utils.sizestr(target), utils.sizestr(input)), 0)
   end
   if target:type() == "hm.LongTensor" then return target end
   return self._target:resize(B):copy(target)
end

local function checkWeights(self, input)
   local n = input:size(input:dim())
   if self.weights and self.weights:nElement() ~= n then
      error(string.format("%s: %d class weights for input %s", hm.type(self), self.weights:nElement(),
         utils.sizestr(input)), 0)
   end
end

local function rangeError(self, input, bad)
   error(string.format("%s: target %d out of range [1, %d]", hm.type(self), bad,
      input:size(input:dim())), 0)
end

-- loss (not yet averaged) and total weight
local function nll(self, input, t)
   local loss, total = classNLL(input, t, self.weights)
   if not loss then rangeError(self, input, total) end
   return loss, total
end

function ClassNLLCriterion:updateOutput(input, target)
   local t = targets(self, input, target)
   checkWeights(self, input)
   local loss, total = nll(self, input, t)
   if not self.weights then total = input:dim() == 2 and input:size(1) or 1 end
   if self.sizeAverage and total ~= 0 then loss = loss / total end
   self.output = loss
   self.totalWeight = total
   return loss
end

function ClassNLLCriterion:updateGradInput(input, target)
   local t = targets(self, input, target)
   checkWeights(self, input)
   local total = input:dim() == 2 and input:size(1) or 1
   if self.weights then
      local _
      _, total = nll(self, input, t)
   end
   local norm = (self.sizeAverage and total ~= 0) and -1 / total or -1
   local gi, bad = classNLLGrad(self.gradInput:resizeAs(input), t, self.weights, norm)
   if not gi then rangeError(self, input, bad) end
   return gi
end

return ClassNLLCriterion

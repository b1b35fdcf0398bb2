--[[ nn.Criterion: the base of the loss functions (Torch7's protocol).

   loss      = crit:forward(input, target)    -- updateOutput: a number (also crit.output)
   gradInput = crit:backward(input, target)   -- updateGradInput: dloss/dinput (crit.gradInput)

sizeAverage (true by default) divides the summed loss by the number of elements (or of
samples, as each criterion says). Criterions are hm.class objects like modules: clone,
type/float/double and hm.save/hm.load work the same way.
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
local Module = require 'harmonium.nn.Module'

local Criterion = hm.class('nn.Criterion')

function Criterion:__init()
   self.gradInput = hm.Tensor()
   self.output = 0
   self.sizeAverage = true
end

--- crit:updateOutput(input, target) -> loss (a number)
function Criterion:updateOutput(input, target)
   return self.output
end

--- crit:forward(input, target) -> loss
function Criterion:forward(input, target)
   return self:updateOutput(input, target)
end

--- crit:updateGradInput(input, target) -> gradInput
function Criterion:updateGradInput(input, target)
   return self.gradInput
end

--- crit:backward(input, target) -> gradInput
function Criterion:backward(input, target)
   return self:updateGradInput(input, target)
end

--- crit:type(tname) / crit:float() / crit:double() -> self with its tensors converted
function Criterion:type(tname, cache)
   if tname == nil then return self.gradInput:type() end
   tname = utils.canonicalFloatType(tname, hm.type(self))
   utils.recursiveType(self, tname, cache)
   return self
end

function Criterion:float() return self:type("hm.FloatTensor") end
function Criterion:double() return self:type("hm.DoubleTensor") end

--- crit:clone() -> a deep copy
function Criterion:clone()
   return hm.deserialize(hm.serialize(self))
end

Criterion.clearState = Module.clearState

function Criterion:__tostring()
   return hm.type(self)
end

--- crit:checkSameSize(input, target): raise unless both are float/double tensors with the
-- same number of elements ("nn.MSECriterion: input and target sizes differ (input 3x4, target 3x5)").
-- A target of another float type is copied into self._target (input's type) and returned.
function Criterion:checkSameSize(input, target)
   local name = hm.type(self)
   utils.checkTensor(self, input)
   if not hm.isTensor(target) then
      error(name .. ": expected a target tensor, got " .. hm.type(target), 0)
   end
   if input:nElement() ~= target:nElement() then
      error(string.format("%s: input and target sizes differ (input %s, target %s)", name,
         utils.sizestr(input), utils.sizestr(target)), 0)
   end
   if target:type() ~= input:type() then
      self._target = self._target and self._target:type() == input:type() and self._target or input:new()
      self._target:resize(target:size()):copy(target)
      target = self._target
   end
   -- element-wise ops below pair elements in row-major order, so only the count must agree
   if not target:isSameSizeAs(input) then target = target:reshape(input:size()) end
   return target
end

return Criterion

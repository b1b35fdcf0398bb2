--[[ nn.ConcatTable: every child sees the same input; the output is the table of their
outputs {m_1(x), m_2(x), ...}. gradOutput is a table of the same length; gradInput is the
sum of the children's gradInputs (a tensor, or a table of tensors for a table input).
]]

local hm = require 'harmonium'
local Concat = require 'harmonium.nn.Concat'
require 'harmonium.nn.Container'

local ConcatTable, parent = hm.class('nn.ConcatTable', 'nn.Container')

function ConcatTable:__init()
   parent.__init(self)
   self.output = {}
end

local function fwd(m, x) return m:updateOutput(x) end
local function ugi(m, x, g) return m:updateGradInput(x, g) end
local function agp(m, x, g, s) return m:accGradParameters(x, g, s) end
local function bwd(m, x, g, s) return m:backward(x, g, s) end
local function aup(m, x, g, lr) return m:accUpdateGradParameters(x, g, lr) end

function ConcatTable:updateOutput(input)
   for i, m in ipairs(self.modules) do
      self.output[i] = self:rethrow(i, fwd, m, input)
   end
   for i = #self.output, #self.modules + 1, -1 do self.output[i] = nil end
   return self.output
end

-- acc := acc + x, for tensors or (nested) tables of tensors; `first` copies instead.
local function accumulate(acc, x, first)
   if hm.isTensor(x) then
      acc = hm.isTensor(acc) and acc or x:new()
      if first then acc:resizeAs(x):copy(x) else acc:add(x) end
      return acc
   end
   acc = type(acc) == "table" and not hm.isTensor(acc) and acc or {}
   for k, v in pairs(x) do acc[k] = accumulate(acc[k], v, first) end
   return acc
end

local function checkGrad(self, gradOutput)
   if type(gradOutput) ~= "table" or hm.isTensor(gradOutput) or #gradOutput ~= #self.modules then
      error(string.format("nn.ConcatTable: expected a table of %d gradOutputs, got %s",
         #self.modules, hm.isTensor(gradOutput) and "a tensor" or type(gradOutput) == "table"
         and "a table of " .. #gradOutput or type(gradOutput)), 0)
   end
end

local function each(self, fn, input, gradOutput, scale, sum)
   checkGrad(self, gradOutput)
   for i, m in ipairs(self.modules) do
      local gi = self:rethrow(i, fn, m, input, gradOutput[i], scale)
      if sum then self.gradInput = accumulate(self.gradInput, gi, i == 1) end
   end
   return self.gradInput
end

function ConcatTable:updateGradInput(input, gradOutput)
   return each(self, ugi, input, gradOutput, nil, true)
end

function ConcatTable:backward(input, gradOutput, scale)
   return each(self, bwd, input, gradOutput, scale or 1, true)
end

function ConcatTable:accGradParameters(input, gradOutput, scale)
   each(self, agp, input, gradOutput, scale or 1, false)
end

function ConcatTable:accUpdateGradParameters(input, gradOutput, lr)
   each(self, aup, input, gradOutput, lr, false)
end

function ConcatTable:clearState()
   parent.clearState(self)
   self.output = {}
   return self
end

ConcatTable.__tostring = Concat.__tostring

return ConcatTable

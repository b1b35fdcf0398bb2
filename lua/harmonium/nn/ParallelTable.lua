--[[ nn.ParallelTable: child i applied to element i of a table input;
output = {m_1(x_1), m_2(x_2), ...}, gradInput = {m_1's gradInput, ...}.
]]

local hm = require 'harmonium'
local Concat = require 'harmonium.nn.Concat'
require 'harmonium.nn.Container'

local ParallelTable, parent = hm.class('nn.ParallelTable', 'nn.Container')

function ParallelTable:__init()
   parent.__init(self)
   self.output = {}
   self.gradInput = {}
end

local function fwd(m, x) return m:updateOutput(x) end
local function ugi(m, x, g) return m:updateGradInput(x, g) end
local function agp(m, x, g, s) return m:accGradParameters(x, g, s) end
local function bwd(m, x, g, s) return m:backward(x, g, s) end
local function aup(m, x, g, lr) return m:accUpdateGradParameters(x, g, lr) end

local function checkTable(self, x, what)
   if type(x) ~= "table" or hm.isTensor(x) or #x ~= #self.modules then
      error(string.format("nn.ParallelTable: expected a table of %d %s, got %s", #self.modules, what,
         hm.isTensor(x) and "a tensor" or type(x) == "table" and "a table of " .. #x or type(x)), 0)
   end
end

function ParallelTable:updateOutput(input)
   checkTable(self, input, "inputs")
   for i, m in ipairs(self.modules) do self.output[i] = self:rethrow(i, fwd, m, input[i]) end
   for i = #self.output, #self.modules + 1, -1 do self.output[i] = nil end
   return self.output
end

local function each(self, fn, input, gradOutput, scale, keep)
   checkTable(self, input, "inputs")
   checkTable(self, gradOutput, "gradOutputs")
   for i, m in ipairs(self.modules) do
      local gi = self:rethrow(i, fn, m, input[i], gradOutput[i], scale)
      if keep then self.gradInput[i] = gi end
   end
   if keep then
      for i = #self.gradInput, #self.modules + 1, -1 do self.gradInput[i] = nil end
   end
   return self.gradInput
end

function ParallelTable:updateGradInput(input, gradOutput)
   return each(self, ugi, input, gradOutput, nil, true)
end

function ParallelTable:backward(input, gradOutput, scale)
   return each(self, bwd, input, gradOutput, scale or 1, true)
end

function ParallelTable:accGradParameters(input, gradOutput, scale)
   each(self, agp, input, gradOutput, scale or 1, false)
end

function ParallelTable:accUpdateGradParameters(input, gradOutput, lr)
   each(self, aup, input, gradOutput, lr, false)
end

function ParallelTable:clearState()
   parent.clearState(self)
   self.output, self.gradInput = {}, {}
   return self
end

ParallelTable.__tostring = Concat.__tostring

return ParallelTable

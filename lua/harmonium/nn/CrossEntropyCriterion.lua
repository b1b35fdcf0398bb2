--[=[ nn.CrossEntropyCriterion([weights [, sizeAverage=true]]): LogSoftMax followed by
ClassNLLCriterion, for raw scores. input n or (B, n); target as ClassNLLCriterion's
(1-based class indices); optional class weights.
]=]

local hm = require 'harmonium'
local LogSoftMax = require 'harmonium.nn.LogSoftMax'
local ClassNLLCriterion = require 'harmonium.nn.ClassNLLCriterion'
require 'harmonium.nn.Criterion'

local CrossEntropyCriterion, parent = hm.class('nn.CrossEntropyCriterion', 'nn.Criterion')

--- nn.CrossEntropyCriterion([weights [, sizeAverage=true]])
function CrossEntropyCriterion:__init(weights, sizeAverage)
   parent.__init(self)
   if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
   self.lsm = LogSoftMax()
   self.nll = ClassNLLCriterion(weights, sizeAverage)
end

local function rename(f, ...)
   local ok, a = pcall(f, ...)
   if not ok then error((tostring(a):gsub("^nn%.%a+:", "nn.CrossEntropyCriterion:")), 0) end
   return a
end

function CrossEntropyCriterion:updateOutput(input, target)
   self.nll.sizeAverage = self.sizeAverage
   local lsm = rename(self.lsm.updateOutput, self.lsm, input)
   self.output = rename(self.nll.updateOutput, self.nll, lsm, target)
   return self.output
end

function CrossEntropyCriterion:updateGradInput(input, target)
   self.nll.sizeAverage = self.sizeAverage
   local g = rename(self.nll.updateGradInput, self.nll, self.lsm.output, target)
   self.gradInput = self.lsm:updateGradInput(input, g)
   return self.gradInput
end

return CrossEntropyCriterion

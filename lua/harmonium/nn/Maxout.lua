--[[ nn.Maxout(inputSize, outputSize, poolSize): y_j = max_k (W x + b)_{(j-1)*poolSize + k},
Goodfellow et al. 2013: a linear map to outputSize groups of poolSize units, and the maximum
of each group. input n or (B, n); output m or (B, m); weight (m*poolSize, n), bias (m*poolSize).
The gradient flows only to the unit that won each group (its index is kept from forward).
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local Maxout, parent = hm.class('nn.Maxout', 'nn.Module')

--- nn.Maxout(inputSize, outputSize, poolSize): ERRORS: sizes not positive integers
function Maxout:__init(inputSize, outputSize, poolSize)
   parent.__init(self)
   for _, s in ipairs({ inputSize, outputSize, poolSize }) do
      if math.type(s) ~= "integer" or s < 1 then
         error("nn.Maxout: positive integer sizes expected, got " .. tostring(s), 2)
      end
   end
   self.inputSize, self.outputSize, self.poolSize = inputSize, outputSize, poolSize
   local units = outputSize * poolSize
   self.weight = hm.Tensor(units, inputSize)
   self.bias = hm.Tensor(units)
   self.gradWeight = hm.Tensor(units, inputSize):zero()
   self.gradBias = hm.Tensor(units):zero()
   self._linear = hm.Tensor()      -- (B, units) pre-activations
   self._gradLinear = hm.Tensor()  -- (B, units) gradient routed to the winners
   self._indices = hm.LongTensor() -- (B, outputSize, 1) winner of each group
   self._max = hm.Tensor()         -- (B, outputSize, 1) group maxima; output views it
   self._ones = hm.Tensor()
   self:reset()
end

--- maxout:reset([stdv | method]): uniform +-1/sqrt(inputSize) like Linear (Torch7's default)
function Maxout:reset(stdv)
   if type(stdv) == "string" then return self:init(stdv) end
   if stdv then stdv = stdv * math.sqrt(3) else stdv = 1 / math.sqrt(self.inputSize) end
   self.weight:uniform(-stdv, stdv)
   self.bias:uniform(-stdv, stdv)
   return self
end

local function batch(x) return x:dim() == 1 and x:unsqueeze(1) or x end

local function ones(self, n)
   if self._ones:nElement() ~= n then self._ones:resize(n):fill(1) end
   return self._ones
end

function Maxout:updateOutput(input)
   local n = self.inputSize
   utils.checkTensor(self, input)
   local d = input:dim()
   if (d ~= 1 and d ~= 2) or input:size(d) ~= n then
      error(string.format("nn.Maxout: expected input of size %d (or B x %d), got %s", n, n,
         utils.sizestr(input)), 0)
   end
   local x = batch(input)
   local B = x:size(1)
   local lin = self._linear:resize(B, self.weight:size(1))
   lin:addmm(0, lin, 1, x, self.weight:t()):addr(1, ones(self, B), self.bias)
   local groups = lin:view(B, self.outputSize, self.poolSize)
   local out = self._max:resize(B, self.outputSize, 1)
   hm.max(out, self._indices, groups, 3)
   if d == 1 then self.output = out:view(self.outputSize) else self.output = out:view(B, self.outputSize) end
   return self.output
end

-- The gradient of the pre-activations (B, units): each group's gradOutput goes to its winner.
local function route(self, input, gradOutput)
   local B = batch(input):size(1)
   local gl = self._gradLinear:resize(B, self.outputSize, self.poolSize):zero()
   gl:scatter(3, self._indices, batch(gradOutput):unsqueeze(3))
   return gl:view(B, self.weight:size(1))
end

function Maxout:updateGradInput(input, gradOutput)
   local gl2 = route(self, input, gradOutput)
   self.gradInput:resizeAs(input)
   batch(self.gradInput):addmm(0, batch(self.gradInput), 1, gl2, self.weight)
   return self.gradInput
end

function Maxout:accGradParameters(input, gradOutput, scale)
   scale = scale or 1
   local x = batch(input)
   local gl = route(self, input, gradOutput)
   self.gradWeight:addmm(scale, gl:t(), x)
   self.gradBias:addmv(scale, gl:t(), ones(self, x:size(1)))
end

function Maxout:__tostring()
   return string.format("nn.Maxout(%d -> %d, pool %d)", self.inputSize, self.outputSize, self.poolSize)
end

return Maxout

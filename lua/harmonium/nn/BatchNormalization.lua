--[=[ nn.BatchNormalization(nOutput [, eps=1e-5 [, momentum=0.1 [, affine=true]]]):
Ioffe & Szegedy 2015, on input (B, nOutput) (or nOutput, in evaluation only).
Training:   xhat = (x - mean_B(x)) / sqrt(var_B(x) + eps)  (biased batch variance)
            y = weight * xhat + bias                         (per feature; when affine)
            running_mean = (1 - momentum) running_mean + momentum mean_B
            running_var  = (1 - momentum) running_var  + momentum var_B * B/(B-1)
Evaluation: xhat = (x - running_mean) / sqrt(running_var + eps)
Backward (training), per feature with g = dL/dy * weight:
            dL/dx = (g - mean_B(g) - xhat mean_B(g xhat)) / sqrt(var_B + eps)
            dL/dweight += sum_B(dL/dy xhat), dL/dbias += sum_B(dL/dy)
Feature statistics live in (1, nOutput) rows that are expanded over the batch, so there is
no per-feature loop and, for a fixed batch size, no allocation.
]=]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local BN, parent = hm.class('nn.BatchNormalization', 'nn.Module')

--- nn.BatchNormalization(nOutput [, eps=1e-5 [, momentum=0.1 [, affine=true]]])
-- ERRORS: nOutput not a positive integer
function BN:__init(nOutput, eps, momentum, affine)
   parent.__init(self)
   if math.type(nOutput) ~= "integer" or nOutput < 1 then
      error("nn.BatchNormalization: positive integer number of features expected, got " ..
            tostring(nOutput), 2)
   end
   self.nOutput = nOutput
   self.eps = eps or 1e-5
   self.momentum = momentum or 0.1
   self.affine = affine ~= false
   self.running_mean = hm.Tensor(nOutput):zero()
   self.running_var = hm.Tensor(nOutput):fill(1)
   if self.affine then
      self.weight = hm.Tensor(nOutput)
      self.bias = hm.Tensor(nOutput)
      self.gradWeight = hm.Tensor(nOutput):zero()
      self.gradBias = hm.Tensor(nOutput):zero()
   end
   self.save_mean = hm.Tensor()    -- (1, n) batch mean (training) or running mean
   self.save_invstd = hm.Tensor()  -- (1, n) 1 / sqrt(var + eps)
   self._xhat = hm.Tensor()        -- (B, n)
   self._buf = hm.Tensor()         -- (1, n)
   self._sq = hm.Tensor()          -- (B, n) products
   self:reset()
end

--- bn:reset(): weight 1, bias 0, running statistics back to mean 0 and variance 1
function BN:reset()
   if self.affine then
      self.weight:fill(1)
      self.bias:zero()
   end
   self.running_mean:zero()
   self.running_var:fill(1)
   return self
end

local function rows(t) return t:dim() == 1 and t:unsqueeze(1) or t end

local function checkInput(self, input)
   utils.checkTensor(self, input)
   local n, d = self.nOutput, input:dim()
   if (d ~= 1 and d ~= 2) or input:size(d) ~= n or (d == 1 and self.train) then
      error(string.format("nn.BatchNormalization: expected input of size B x %d%s, got %s", n,
         self.train and "" or " (or " .. n .. ")", utils.sizestr(input)), 0)
   end
   if self.train and input:size(1) < 2 then
      error("nn.BatchNormalization: expected more than 1 sample per batch in training mode, got " ..
            utils.sizestr(input), 0)
   end
end

function BN:updateOutput(input)
   checkInput(self, input)
   local x = rows(input)
   local B, n = x:size(1), self.nOutput
   local mean, invstd = self.save_mean:resize(1, n), self.save_invstd:resize(1, n)
   local xhat = self._xhat:resizeAs(x)
   if self.train then
      hm.mean(mean, x, 1)
      xhat:copy(x):add(-1, mean:expandAs(x))
      local var = self._buf:resize(1, n)
      hm.sum(var, self._sq:resizeAs(x):cmul(xhat, xhat), 1)       -- sum of squares
      var:div(B)
      local m = self.momentum
      self.running_mean:mul(1 - m):add(m, mean:view(n))
      self.running_var:mul(1 - m):add(m * B / (B - 1), var:view(n))
      invstd:copy(var):add(self.eps):sqrt():pow(-1)
   else
      mean:copy(self.running_mean:view(1, n))
      invstd:copy(self.running_var:view(1, n)):add(self.eps):sqrt():pow(-1)
      xhat:copy(x):add(-1, mean:expandAs(x))
   end
   xhat:cmul(invstd:expandAs(x))
   self.output:resizeAs(input)
   local y = rows(self.output):copy(xhat)
   if self.affine then
      y:cmul(self.weight:view(1, n):expandAs(y)):add(self.bias:view(1, n):expandAs(y))
   end
   return self.output
end

function BN:updateGradInput(input, gradOutput)
   local x, g = rows(input), rows(gradOutput)
   local B, n = x:size(1), self.nOutput
   local xhat, buf = self._xhat, self._buf:resize(1, n)
   self.gradInput:resizeAs(input)
   local gi = rows(self.gradInput)
   if self.train then
      -- gi = g - mean(g) - xhat * mean(g * xhat), then * invstd * weight
      gi:cmul(g, xhat)
      hm.mean(buf, gi, 1)
      gi:copy(xhat):cmul(buf:expandAs(gi)):mul(-1):add(g)
      hm.mean(buf, g, 1)
      gi:add(-1, buf:expandAs(gi))
   else
      gi:copy(g)
   end
   gi:cmul(self.save_invstd:expandAs(gi))
   if self.affine then gi:cmul(self.weight:view(1, n):expandAs(gi)) end
   return self.gradInput
end

function BN:accGradParameters(input, gradOutput, scale)
   if not self.affine then return end
   scale = scale or 1
   local g = rows(gradOutput)
   local n = self.nOutput
   local buf = self._buf:resize(1, n)
   hm.sum(buf, self._sq:resizeAs(g):cmul(g, self._xhat), 1)
   self.gradWeight:add(scale, buf:view(n))
   hm.sum(buf, g, 1)
   self.gradBias:add(scale, buf:view(n))
end

function BN:__tostring()
   return string.format("nn.BatchNormalization (2D) (%d)", self.nOutput)
end

return BN

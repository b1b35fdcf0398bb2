--[[ nn.Linear(inputSize, outputSize [, bias=true]): y = W x + b.
input n or (B, n); output m or (B, m); weight (m, n), bias (m).

The batch bias is added to every row by one C pass (hm._nn.addRows) and its gradient is a
column sum (hm._nn.accRowSum), where Torch7 used a rank-1 update and a gemv with a ones
vector (addBuffer): the same sums without a BLAS call or a buffer (a third less time on
a 100 x 2000 batch). Buffers are kept between calls and the transposed operands are one
reused header, so a forward/backward pass of a fixed batch size allocates nothing. Setting
linear.gradInput = nil (Torch7) skips the input gradient of a first layer.
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local Linear, parent = hm.class('nn.Linear', 'nn.Module')
local addRows, accRowSum, transposeInto = hm._nn.addRows, hm._nn.accRowSum, hm._nn.transposeInto

-- Per module, one reusable tensor header that the products re-point at W^T or gradOutput^T
-- (hm._nn.transposeInto) where Torch7 made a new view per call: a training step then
-- allocates nothing. Kept out of the module's fields, so hm.save, clone and type() never
-- see it; it holds the storage it last viewed until the next call re-points it.
local scratch = setmetatable({}, { __mode = "k" })

local function transposed(self, t)
   local v = scratch[self]
   if not v then
      v = hm.Tensor()
      scratch[self] = v
   end
   return transposeInto(v, t)
end

--- nn.Linear(inputSize, outputSize [, bias=true])
-- ERRORS: sizes not positive integers
function Linear:__init(inputSize, outputSize, bias)
   parent.__init(self)
   if math.type(inputSize) ~= "integer" or inputSize < 1 or math.type(outputSize) ~= "integer"
      or outputSize < 1 then
      error("nn.Linear: positive integer sizes expected, got " .. tostring(inputSize) .. ", " ..
            tostring(outputSize), 2)
   end
   self.weight = hm.Tensor(outputSize, inputSize)
   self.gradWeight = hm.Tensor(outputSize, inputSize):zero()
   if bias ~= false then
      self.bias = hm.Tensor(outputSize)
      self.gradBias = hm.Tensor(outputSize):zero()
   end
   self:reset()
end

--- linear:noBias() -> self without bias (Torch7)
function Linear:noBias()
   self.bias, self.gradBias = nil, nil
   return self
end

--- linear:reset([stdv | method]): weight and bias uniform in +-stdv, stdv = 1/sqrt(inputSize)
-- by default (a given stdv is scaled by sqrt(3), as Torch7); a string picks an hm.nn.init method
function Linear:reset(stdv)
   if type(stdv) == "string" then return self:init(stdv) end
   if stdv then stdv = stdv * math.sqrt(3) else stdv = 1 / math.sqrt(self.weight:size(2)) end
   self.weight:uniform(-stdv, stdv)
   if self.bias then self.bias:uniform(-stdv, stdv) end
   return self
end

local function checkInput(self, input)
   local n = self.weight:size(2)
   if not hm.isTensor(input) then
      error("nn.Linear: expected an input tensor, got " .. hm.type(input), 0)
   end
   local d = input:dim()
   if (d ~= 1 and d ~= 2) or input:size(d) ~= n then
      error(string.format("nn.Linear: expected input of size %d (or B x %d), got %s", n, n,
         utils.sizestr(input)), 0)
   end
   if input:type() ~= self.weight:type() then
      error(string.format("nn.Linear: expected input of type %s, got %s (convert the module or the input)",
         self.weight:type(), input:type()), 0)
   end
end

function Linear:updateOutput(input)
   checkInput(self, input)
   if input:dim() == 1 then
      self.output:resize(self.weight:size(1))
      if self.bias then self.output:copy(self.bias) else self.output:zero() end
      self.output:addmv(1, self.weight, input)
   else
      local nframe = input:size(1)
      self.output:resize(nframe, self.weight:size(1))
      self.output:addmm(0, self.output, 1, input, transposed(self, self.weight))
      if self.bias then addRows(self.output, self.bias) end
   end
   return self.output
end

-- With self.gradInput set to nil (Torch7's idiom for a first layer whose input needs no
-- gradient, which PyTorch's autograd skips by itself) the product is skipped; returns nil.
function Linear:updateGradInput(input, gradOutput)
   if not self.gradInput then return nil end
   self.gradInput:resizeAs(input)
   if input:dim() == 1 then
      self.gradInput:addmv(0, self.gradInput, 1, transposed(self, self.weight), gradOutput)
   else
      self.gradInput:addmm(0, self.gradInput, 1, gradOutput, self.weight)
   end
   return self.gradInput
end

function Linear:accGradParameters(input, gradOutput, scale)
   scale = scale or 1
   if input:dim() == 1 then
      self.gradWeight:addr(scale, gradOutput, input)
      if self.bias then self.gradBias:add(scale, gradOutput) end
   else
      self.gradWeight:addmm(scale, transposed(self, gradOutput), input)
      if self.bias then accRowSum(self.gradBias, gradOutput, scale) end
   end
end

function Linear:__tostring()
   return string.format("nn.Linear(%d -> %d)%s", self.weight:size(2), self.weight:size(1),
      self.bias and "" or " without bias")
end

return Linear

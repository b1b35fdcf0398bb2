--[=[ nn.SpatialConvolution(nInputPlane, nOutputPlane, kW, kH [, dW=1, dH=1 [, padW=0, padH=padW]]):
2D convolution (cross-correlation, as Torch7) of input (B, C, H, W) or (C, H, W) with
weight (F, C, kH, kW) and bias (F), giving (B, F, oH, oW) or (F, oH, oW) with
oH = floor((H + 2 padH - kH) / dH) + 1, oW = floor((W + 2 padW - kW) / dW) + 1.
The loops over pixels are in C (csrc/conv.c: im2col + GEMM, or for float with stride 1 on
AVX-512 CPUs the direct kernels of csrc/conv_avx512.c); this file checks shapes, owns
the buffers (self.finput, self.fgradInput: the kernels' scratch, kept across calls so a
pass over a fixed batch size allocates nothing) and accumulates gradients.
]=]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local SpatialConvolution, parent = hm.class('nn.SpatialConvolution', 'nn.Module')

local function checkInt(v, lo, what)
   if math.type(v) ~= "integer" or v < lo then
      error(string.format("nn.SpatialConvolution: %s must be an integer >= %d, got %s", what, lo,
         tostring(v)), 3)
   end
end

--- nn.SpatialConvolution(nInputPlane, nOutputPlane, kW, kH [, dW=1, dH=1 [, padW=0, padH=padW]])
-- ERRORS: sizes, strides or padding not integers in range
function SpatialConvolution:__init(nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH)
   parent.__init(self)
   dW, dH = dW or 1, dH or 1
   padW = padW or 0
   padH = padH or padW
   checkInt(nInputPlane, 1, "nInputPlane"); checkInt(nOutputPlane, 1, "nOutputPlane")
   checkInt(kW, 1, "kW"); checkInt(kH, 1, "kH"); checkInt(dW, 1, "dW"); checkInt(dH, 1, "dH")
   checkInt(padW, 0, "padW"); checkInt(padH, 0, "padH")
   self.nInputPlane, self.nOutputPlane = nInputPlane, nOutputPlane
   self.kW, self.kH, self.dW, self.dH, self.padW, self.padH = kW, kH, dW, dH, padW, padH
   self.weight = hm.Tensor(nOutputPlane, nInputPlane, kH, kW)
   self.bias = hm.Tensor(nOutputPlane)
   self.gradWeight = hm.Tensor(nOutputPlane, nInputPlane, kH, kW):zero()
   self.gradBias = hm.Tensor(nOutputPlane):zero()
   self.finput = hm.Tensor()
   self.fgradInput = hm.Tensor()
   self:reset()
end

--- conv:noBias() -> self without bias
function SpatialConvolution:noBias()
   self.bias, self.gradBias = nil, nil
   return self
end

--- conv:reset([stdv | method]): uniform +-1/sqrt(kW*kH*nInputPlane) (Torch7's default)
function SpatialConvolution:reset(stdv)
   if type(stdv) == "string" then return self:init(stdv) end
   if stdv then stdv = stdv * math.sqrt(3)
   else stdv = 1 / math.sqrt(self.kW * self.kH * self.nInputPlane) end
   self.weight:uniform(-stdv, stdv)
   if self.bias then self.bias:uniform(-stdv, stdv) end
   return self
end

local function checkInput(self, input)
   utils.checkTensor(self, input)
   local d, C = input:dim(), self.nInputPlane
   if (d ~= 3 and d ~= 4) or input:size(d - 2) ~= C then
      error(string.format("nn.SpatialConvolution: expected input of size %d x H x W (or B x %d x H x W), got %s",
         C, C, utils.sizestr(input)), 0)
   end
   local H, W = input:size(d - 1), input:size(d)
   if H + 2 * self.padH < self.kH or W + 2 * self.padW < self.kW then
      error(string.format("nn.SpatialConvolution: input %s is smaller than the kernel %dx%d (padding %d,%d)",
         utils.sizestr(input), self.kW, self.kH, self.padW, self.padH), 0)
   end
   if input:type() ~= self.weight:type() then
      error(string.format("nn.SpatialConvolution: expected input of type %s, got %s (convert the module or the input)",
         self.weight:type(), input:type()), 0)
   end
end

function SpatialConvolution:updateOutput(input)
   checkInput(self, input)
   hm._conv2d_forward(self.output, input, self.weight, self.bias, self.kW, self.kH, self.dW, self.dH,
      self.padW, self.padH, self.finput)
   return self.output
end

-- With self.gradInput set to nil (Torch7's idiom for a first layer, whose input needs no
-- gradient) the input-gradient pass is skipped and nil returned.
function SpatialConvolution:updateGradInput(input, gradOutput)
   if not self.gradInput then return nil end
   hm._conv2d_backward_input(self.gradInput, input, gradOutput, self.weight, self.kW, self.kH,
      self.dW, self.dH, self.padW, self.padH, self.fgradInput)
   return self.gradInput
end

function SpatialConvolution:accGradParameters(input, gradOutput, scale)
   hm._conv2d_backward_params(self.gradWeight, self.gradBias, input, gradOutput, self.kW, self.kH,
      self.dW, self.dH, self.padW, self.padH, scale or 1, self.finput)
end

function SpatialConvolution:__tostring()
   local s = string.format("nn.SpatialConvolution(%d -> %d, %dx%d", self.nInputPlane,
      self.nOutputPlane, self.kW, self.kH)
   if self.dW ~= 1 or self.dH ~= 1 or self.padW ~= 0 or self.padH ~= 0 then
      s = s .. string.format(", %d,%d", self.dW, self.dH)
   end
   if self.padW ~= 0 or self.padH ~= 0 then s = s .. string.format(", %d,%d", self.padW, self.padH) end
   return s .. ")" .. (self.bias and "" or " without bias")
end

return SpatialConvolution

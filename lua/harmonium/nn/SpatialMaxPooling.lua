--[=[ nn.SpatialMaxPooling(kW, kH [, dW=kW, dH=kH [, padW=0, padH=0]]): the maximum of each
kW x kH window, stepping dW, dH, over input (B, C, H, W) or (C, H, W); output
(B, C, oH, oW) or (C, oH, oW), oH = floor((H + 2 padH - kH) / dH) + 1 (pool:ceil() rounds up,
Torch7's ceil mode). The position of each maximum is kept in self.indices (a LongTensor)
and the gradient flows back to it alone. Kernels in C (csrc/conv.c).
]=]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local SpatialMaxPooling, parent = hm.class('nn.SpatialMaxPooling', 'nn.Module')

--- nn.SpatialMaxPooling(kW, kH [, dW=kW, dH=kH [, padW=0, padH=0]])
-- ERRORS: sizes not positive integers, padding negative or over half the kernel
function SpatialMaxPooling:__init(kW, kH, dW, dH, padW, padH)
   parent.__init(self)
   self.kW, self.kH = kW, kH
   self.dW, self.dH = dW or kW, dH or kH
   self.padW, self.padH = padW or 0, padH or 0
   utils.checkPooling(self, 2)
   self.ceil_mode = false
   self.indices = hm.LongTensor()
end

--- pool:ceil() / pool:floor() -> self, rounding the output size up / down (default down)
function SpatialMaxPooling:ceil()
   self.ceil_mode = true
   return self
end

function SpatialMaxPooling:floor()
   self.ceil_mode = false
   return self
end

function SpatialMaxPooling:updateOutput(input)
   utils.checkPoolingInput(self, input)
   hm._maxpool2d_forward(self.output, self.indices, input, self.kW, self.kH, self.dW, self.dH,
      self.padW, self.padH, self.ceil_mode)
   return self.output
end

function SpatialMaxPooling:updateGradInput(input, gradOutput)
   hm._maxpool2d_backward(self.gradInput, input, gradOutput, self.indices)
   return self.gradInput
end

function SpatialMaxPooling:__tostring()
   local s = string.format("%s(%dx%d, %d,%d", hm.type(self), self.kW, self.kH, self.dW, self.dH)
   if self.padW ~= 0 or self.padH ~= 0 then s = s .. string.format(", %d,%d", self.padW, self.padH) end
   return s .. ")"
end

return SpatialMaxPooling

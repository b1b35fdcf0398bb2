--[=[ nn.SpatialAveragePooling(kW, kH [, dW=1, dH=1 [, padW=0, padH=0]]): the mean of each
kW x kH window, stepping dW, dH (Torch7's defaults), over input (B, C, H, W) or (C, H, W);
output sizes as SpatialMaxPooling's, with :ceil() for ceil mode. Windows that overlap the
padding divide by their padded size (setCountIncludePad, the default, as Torch7) or by the
number of real pixels (setCountExcludePad). Kernels in C (csrc/conv.c).
]=]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
local SpatialMaxPooling = require 'harmonium.nn.SpatialMaxPooling'

local SpatialAveragePooling, parent = hm.class('nn.SpatialAveragePooling', 'nn.Module')

--- nn.SpatialAveragePooling(kW, kH [, dW=1, dH=1 [, padW=0, padH=0]])
-- ERRORS: sizes not positive integers, padding negative or over half the kernel
function SpatialAveragePooling:__init(kW, kH, dW, dH, padW, padH)
   parent.__init(self)
   self.kW, self.kH = kW, kH
   self.dW, self.dH = dW or 1, dH or 1
   self.padW, self.padH = padW or 0, padH or 0
   utils.checkPooling(self, 2)
   self.ceil_mode = false
   self.count_include_pad = true
end

SpatialAveragePooling.ceil = SpatialMaxPooling.ceil
SpatialAveragePooling.floor = SpatialMaxPooling.floor

--- pool:setCountIncludePad() / pool:setCountExcludePad() -> self
function SpatialAveragePooling:setCountIncludePad()
   self.count_include_pad = true
   return self
end

function SpatialAveragePooling:setCountExcludePad()
   self.count_include_pad = false
   return self
end

function SpatialAveragePooling:updateOutput(input)
   utils.checkPoolingInput(self, input)
   hm._avgpool2d_forward(self.output, input, self.kW, self.kH, self.dW, self.dH, self.padW,
      self.padH, self.ceil_mode, self.count_include_pad)
   return self.output
end

function SpatialAveragePooling:updateGradInput(input, gradOutput)
   hm._avgpool2d_backward(self.gradInput, input, gradOutput, self.kW, self.kH, self.dW, self.dH,
      self.padW, self.padH, self.ceil_mode, self.count_include_pad)
   return self.gradInput
end

SpatialAveragePooling.__tostring = SpatialMaxPooling.__tostring

return SpatialAveragePooling

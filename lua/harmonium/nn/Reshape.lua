--[[ nn.Reshape(sizes... [, batchMode]): the input copied into the given sizes.
With batchMode nil, an input with exactly prod(sizes) elements is one sample and any other
input is a batch (B, ...) reshaped to (B, sizes...); batchMode true forces the batch reading,
false the single one. gradInput is gradOutput reshaped back to the input's sizes.
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local Reshape, parent = hm.class('nn.Reshape', 'nn.Module')

--- nn.Reshape(s1, s2, ... [, batchMode]) or nn.Reshape(hm.LongStorage{...} [, batchMode])
-- ERRORS: sizes not positive integers
function Reshape:__init(...)
   parent.__init(self)
   local args = table.pack(...)
   if type(args[args.n]) == "boolean" then
      self.batchMode = args[args.n]
      args.n = args.n - 1
   end
   local sizes = (args.n == 1 and type(args[1]) == "table") and args[1] or args
   self.size = {}
   self.nelement = 1
   for i = 1, (sizes.n or #sizes) do
      local s = sizes[i]
      if math.type(s) ~= "integer" or s < 1 then
         error("nn.Reshape: sizes must be positive integers, got " .. tostring(s), 2)
      end
      self.size[i] = s
      self.nelement = self.nelement * s
   end
   if #self.size == 0 then error("nn.Reshape: expected at least one size", 2) end
end

function Reshape:updateOutput(input)
   utils.checkTensor(self, input)
   local n = input:nElement()
   local batch = self.batchMode
   if batch == nil then batch = n ~= self.nelement end
   local ok = n == self.nelement
   if batch then ok = input:dim() > 1 and n == input:size(1) * self.nelement end
   if not ok then
      error(string.format("nn.Reshape: expected input of %d elements (or B x %d), got %s",
         self.nelement, self.nelement, utils.sizestr(input)), 0)
   end
   if batch then
      self.output:resize(input:size(1), table.unpack(self.size))
   else
      self.output:resize(table.unpack(self.size))
   end
   -- copy walks both tensors in row-major order, so this is a reshape of any layout
   self.output:view(-1):copy(input:reshape(n))
   return self.output
end

function Reshape:updateGradInput(input, gradOutput)
   self.gradInput:resizeAs(input)
   self.gradInput:view(-1):copy(gradOutput:reshape(gradOutput:nElement()))
   return self.gradInput
end

function Reshape:__tostring()
   return "nn.Reshape(" .. table.concat(self.size, "x") .. (self.batchMode and ", batch" or "") .. ")"
end

return Reshape

--[[ nn.View(sizes...): the input seen with new sizes (no copy when the input is contiguous).
One size may be -1 (inferred). Batches as in Torch7: when the input holds a multiple of the
view's elements, the leading extra factor becomes a batch dimension. view:setNumInputDims(n)
says how many trailing input dimensions make one sample, so that a batch of one is seen as
a batch: View(-1):setNumInputDims(3) maps (B, C, H, W) to (B, C*H*W) for every B.
gradInput is gradOutput seen with the input's sizes.
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'
require 'harmonium.nn.Module'

local View, parent = hm.class('nn.View', 'nn.Module')

--- nn.View(s1, s2, ...) or nn.View(hm.LongStorage{...}) or nn.View({s1, s2, ...})
-- ERRORS: sizes not positive integers (one -1 allowed)
function View:__init(...)
   parent.__init(self)
   local sizes = select("#", ...) == 1 and type((...)) == "table" and (...) or { ... }
   self.size = {}
   self.numElements = 1
   local inferred = 0
   for i = 1, #sizes do
      local s = sizes[i]
      if math.type(s) ~= "integer" or (s < 1 and s ~= -1) then
         error("nn.View: sizes must be positive integers or -1, got " .. tostring(s), 2)
      end
      if s == -1 then inferred = inferred + 1 else self.numElements = self.numElements * s end
      self.size[i] = s
   end
   if #self.size == 0 or inferred > 1 then
      error("nn.View: expected at least one size and at most one -1", 2)
   end
   self._input = hm.Tensor()
   self._gradOutput = hm.Tensor()
end

--- view:setNumInputDims(n) -> self: the last n input dimensions form one sample
function View:setNumInputDims(n)
   self.numInputDims = n
   return self
end

-- The batch size, or nil when the input is one sample (Torch7's batchsize rule).
local function batchsize(self, input)
   local ind = input:dim()
   local maxdim = self.numInputDims or ind
   if maxdim > ind then maxdim = ind end
   local ine = 1
   for i = ind, ind - maxdim + 1, -1 do ine = ine * input:size(i) end
   if ine % self.numElements ~= 0 then
      error(string.format("nn.View: input of size %s does not fit the view %s", utils.sizestr(input),
         table.concat(self.size, "x")), 0)
   end
   local bsz = ine // self.numElements
   for _, s in ipairs(self.size) do if s == -1 then bsz = 1 break end end
   for i = ind - maxdim, 1, -1 do bsz = bsz * input:size(i) end
   if bsz == 1 and (not self.numInputDims or ind <= self.numInputDims) then return nil end
   return bsz
end

-- t itself when contiguous, else a contiguous copy in the module's buffer `field`
local function contiguous(self, field, t)
   if t:isContiguous() then return t end
   if self[field]:type() ~= t:type() then self[field] = t:new() end
   return self[field]:resizeAs(t):copy(t)
end

function View:updateOutput(input)
   utils.checkTensor(self, input)
   local bsz = batchsize(self, input)
   local x = contiguous(self, "_input", input)
   if bsz then
      self.output = x:view(bsz, table.unpack(self.size))
   else
      self.output = x:view(table.unpack(self.size))
   end
   return self.output
end

function View:updateGradInput(input, gradOutput)
   self.gradInput = contiguous(self, "_gradOutput", gradOutput):view(input:size())
   return self.gradInput
end

function View:__tostring()
   return "nn.View(" .. table.concat(self.size, ", ") .. ")"
end

return View

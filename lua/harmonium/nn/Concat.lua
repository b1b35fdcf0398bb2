--[[ nn.Concat(dim): every child sees the same input; their outputs are joined along
dimension dim (all other sizes must agree). gradInput is the sum of the children's
gradInputs, each fed its slice of gradOutput.
]]

local hm = require 'harmonium'
require 'harmonium.nn.Container'

local Concat, parent = hm.class('nn.Concat', 'nn.Container')

--- nn.Concat(dim): ERRORS: dim not a positive integer
function Concat:__init(dim)
   parent.__init(self)
   if math.type(dim) ~= "integer" or dim < 1 then
      error("nn.Concat: positive integer dimension expected, got " .. tostring(dim), 2)
   end
   self.dimension = dim
   self.sizes = {}
end

local function fwd(m, x) return m:updateOutput(x) end
local function ugi(m, x, g) return m:updateGradInput(x, g) end
local function agp(m, x, g, s) return m:accGradParameters(x, g, s) end
local function bwd(m, x, g, s) return m:backward(x, g, s) end
local function aup(m, x, g, lr) return m:accUpdateGradParameters(x, g, lr) end

function Concat:updateOutput(input)
   local dim = self.dimension
   local outs, size = {}, nil
   for i, m in ipairs(self.modules) do
      local o = self:rethrow(i, fwd, m, input)
      outs[i] = o
      if o:dim() < dim then
         error(string.format("nn.Concat: output of module %d is %dD, cannot join along dimension %d",
            i, o:dim(), dim), 0)
      end
      if not size then
         size = o:size():totable()
      else
         for d = 1, o:dim() do
            if d ~= dim and o:size(d) ~= size[d] then
               error(string.format("nn.Concat: output of module %d has size %s, expected %d in dimension %d",
                  i, tostring(o:size()), size[d], d), 0)
            end
         end
         size[dim] = size[dim] + o:size(dim)
      end
   end
   if not size then return self.output end
   self.output:resize(hm.LongStorage(size))
   local offset = 1
   for i, o in ipairs(outs) do
      self.sizes[i] = o:size(dim)
      self.output:narrow(dim, offset, o:size(dim)):copy(o)
      offset = offset + o:size(dim)
   end
   return self.output
end

-- Run fn on each child with its slice of gradOutput; sum the gradInputs when `sum` is set.
local function eachSlice(self, fn, input, gradOutput, scale, sum)
   local dim, offset = self.dimension, 1
   if sum then self.gradInput:resizeAs(input):zero() end
   for i, m in ipairs(self.modules) do
      local n = self.sizes[i]
      local gi = self:rethrow(i, fn, m, input, gradOutput:narrow(dim, offset, n), scale)
      if sum then self.gradInput:add(gi) end
      offset = offset + n
   end
   return self.gradInput
end

function Concat:updateGradInput(input, gradOutput)
   return eachSlice(self, ugi, input, gradOutput, nil, true)
end

function Concat:backward(input, gradOutput, scale)
   return eachSlice(self, bwd, input, gradOutput, scale or 1, true)
end

function Concat:accGradParameters(input, gradOutput, scale)
   eachSlice(self, agp, input, gradOutput, scale or 1, false)
end

function Concat:accUpdateGradParameters(input, gradOutput, lr)
   eachSlice(self, aup, input, gradOutput, lr, false)
end

--- tostring: Torch7's branching layout
function Concat:__tostring()
   local lines = { hm.type(self) .. " {", "  input" }
   for _, l in ipairs(self:childLines("  |`-> ", "  |    ", "   `-> ", "       ")) do
      lines[#lines + 1] = l
   end
   lines[#lines + 1] = "     ... -> output"
   lines[#lines + 1] = "}"
   return table.concat(lines, "\n")
end

return Concat

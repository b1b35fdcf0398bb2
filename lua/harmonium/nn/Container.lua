--[[ nn.Container: the base of modules holding children in self.modules (Sequential,
Concat, ConcatTable, ParallelTable). It forwards the parameter protocol to the children and
adds the position of a failing child to its error ("In module 3 of nn.Sequential: ...").
]]

local hm = require 'harmonium'
local Module = require 'harmonium.nn.Module'

local Container, parent = hm.class('nn.Container', 'nn.Module')

function Container:__init(...)
   parent.__init(self, ...)
   self.modules = {}
end

--- container:add(module) -> self, with module appended (ERRORS: not an nn module)
function Container:add(module)
   if not hm.isTypeOf(module, 'nn.Module') then
      error(hm.type(self) .. ": add expects an nn module, got " .. hm.type(module), 2)
   end
   self.modules[#self.modules + 1] = module
   return self
end

--- container:get(i) -> the i-th child
function Container:get(i)
   return self.modules[i]
end

--- container:size() -> the number of children
function Container:size()
   return #self.modules
end

--- container:rethrow(i, fn, ...) -> fn(...), with an error prefixed by "In module i of <class>: "
function Container:rethrow(i, fn, ...)
   local ok, a = pcall(fn, ...)
   if not ok then
      local msg = type(a) == "string" and a or tostring(a)
      error("In module " .. i .. " of " .. hm.type(self) .. ": " .. msg, 0)
   end
   return a
end

function Container:parameterFields()
   return {}
end

--- container:parameters() -> every child's parameters and gradients, in order
function Container:parameters()
   local p, g = {}, {}
   for _, m in ipairs(self.modules) do
      local mp, mg = m:parameters()
      if mp then
         for i = 1, #mp do p[#p + 1] = mp[i]; g[#g + 1] = mg[i] end
      end
   end
   if #p == 0 then return nil end
   return p, g
end

function Container:zeroGradParameters()
   for _, m in ipairs(self.modules) do m:zeroGradParameters() end
end

function Container:updateParameters(lr)
   for _, m in ipairs(self.modules) do m:updateParameters(lr) end
end

function Container:training()
   self.train = true
   for _, m in ipairs(self.modules) do m:training() end
   return self
end

function Container:evaluate()
   self.train = false
   for _, m in ipairs(self.modules) do m:evaluate() end
   return self
end

function Container:reset(arg)
   for _, m in ipairs(self.modules) do m:reset(arg) end
   return self
end

function Container:maxNorm(c)
   for _, m in ipairs(self.modules) do m:maxNorm(c) end
   return self
end

function Container:share(other, ...)
   for i, m in ipairs(self.modules) do
      if other.modules and other.modules[i] then m:share(other.modules[i], ...) end
   end
   return self
end

function Container:clearState()
   Module.clearState(self)
   for _, m in ipairs(self.modules) do m:clearState() end
   return self
end

--- The "(i): child" lines of a container's printout, children indented under the heading.
function Container:childLines(prefix, ext, lastPrefix, lastExt)
   local lines = {}
   for i, m in ipairs(self.modules) do
      local last = i == #self.modules
      local text = tostring(m):gsub("\n", "\n  " .. (last and lastExt or ext))
      lines[i] = "  " .. (last and lastPrefix or prefix) .. "(" .. i .. "): " .. text
   end
   return lines
end

return Container

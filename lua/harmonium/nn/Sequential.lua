--[[ nn.Sequential: children applied one after another; output = m_n(...m_2(m_1(input))).
Input and output are whatever the first and last child take and give.
]]

local hm = require 'harmonium'
require 'harmonium.nn.Container'

local Sequential, parent = hm.class('nn.Sequential', 'nn.Container')

local function fwd(m, x) return m:updateOutput(x) end
local function bwd(m, x, g, s) return m:backward(x, g, s) end
local function ugi(m, x, g) return m:updateGradInput(x, g) end
local function agp(m, x, g, s) return m:accGradParameters(x, g, s) end
local function aup(m, x, g, lr) return m:accUpdateGradParameters(x, g, lr) end

--- seq:insert(module [, index]) -> self, with module inserted at index (default: the end)
function Sequential:insert(module, index)
   parent.add(self, module)
   table.remove(self.modules)
   table.insert(self.modules, index or #self.modules + 1, module)
   return self
end

--- seq:remove([index]) -> the removed child (default: the last)
function Sequential:remove(index)
   return table.remove(self.modules, index)
end

function Sequential:updateOutput(input)
   local current = input
   for i, m in ipairs(self.modules) do
      current = self:rethrow(i, fwd, m, current)
   end
   self.output = current
   return current
end

-- Walk the children backwards; child i sees the output of child i-1 as its input.
-- The first child may give no gradInput (Torch7's `linear.gradInput = nil` on a first
-- layer); the whole container then has none. A later child must give one, since the
-- child before it needs it.
local function walkBack(self, fn, input, gradOutput, scale)
   local current = gradOutput
   for i = #self.modules, 2, -1 do
      local prev = self.modules[i - 1].output
      current = self:rethrow(i, fn, self.modules[i], prev, current, scale)
      if current == nil then
         error(string.format("In module %d of %s: %s gave no gradInput, but module %d needs one",
            i, hm.type(self), hm.type(self.modules[i]), i - 1), 0)
      end
   end
   if #self.modules > 0 then
      current = self:rethrow(1, fn, self.modules[1], input, current, scale)
   end
   return current
end

function Sequential:updateGradInput(input, gradOutput)
   self.gradInput = walkBack(self, ugi, input, gradOutput)
   return self.gradInput
end

function Sequential:backward(input, gradOutput, scale)
   self.gradInput = walkBack(self, bwd, input, gradOutput, scale or 1)
   return self.gradInput
end

-- Parameter passes need each child's gradOutput, which is the next child's gradInput.
local function walkParams(self, fn, input, gradOutput, scale)
   local current = gradOutput
   for i = #self.modules, 1, -1 do
      local m = self.modules[i]
      local prev = i > 1 and self.modules[i - 1].output or input
      self:rethrow(i, fn, m, prev, current, scale)
      current = m.gradInput
   end
end

function Sequential:accGradParameters(input, gradOutput, scale)
   walkParams(self, agp, input, gradOutput, scale or 1)
end

function Sequential:accUpdateGradParameters(input, gradOutput, lr)
   walkParams(self, aup, input, gradOutput, lr)
end

--- tostring: Torch7's layout
--   nn.Sequential {
--     [input -> (1) -> (2) -> output]
--     (1): nn.Linear(2 -> 4)
--     (2): nn.Tanh
--   }
function Sequential:__tostring()
   local arrows = { "[input" }
   for i = 1, #self.modules do arrows[#arrows + 1] = "(" .. i .. ")" end
   arrows[#arrows + 1] = "output]"
   local lines = { hm.type(self) .. " {", "  " .. table.concat(arrows, " -> ") }
   for _, l in ipairs(self:childLines("", "", "", "")) do lines[#lines + 1] = l end
   lines[#lines + 1] = "}"
   return table.concat(lines, "\n")
end

return Sequential

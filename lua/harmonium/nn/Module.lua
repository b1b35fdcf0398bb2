--[[ nn.Module: the base of every layer and container (Torch7's nn.Module protocol).

   output    = module:forward(input)                       -- updateOutput
   gradInput = module:backward(input, gradOutput [, scale]) -- updateGradInput + accGradParameters
   params, grads = module:parameters()        -- lists of tensors (nil when none)
   flatP, flatG  = module:getParameters()     -- one flat tensor each, viewing every parameter
   module:zeroGradParameters(); module:updateParameters(lr)
   module:training(); module:evaluate()       -- self.train
   module:clone(['weight', 'bias', ...])      -- deep copy; named fields shared with the original
   module:share(other, 'weight', ...)         -- fields become the other module's tensors
   module:type('hm.DoubleTensor'); module:float(); module:double()
   module:init('xavier') / module:reset([stdv | method])  -- see hm.nn.init
   module:maxNorm(c)                          -- hm.nn.utils.maxNorm on self.weight

A subclass overrides updateOutput, updateGradInput and, when it has parameters,
accGradParameters and reset. Parameters live in the fields weight/bias with gradients
gradWeight/gradBias (parameterFields lists the pairs); getParameters re-points those fields
at views of the flat tensors. Modules are hm.class objects, so hm.save/hm.load write and
rebuild them (class name and fields) with no extra code.

Errors raised by modules name the module first ("nn.Linear: ...") and carry no file position
(level 0), so that containers can prefix the path ("In module 3 of nn.Sequential: ...").
]]

local hm = require 'harmonium'
local utils = require 'harmonium.nn.utils'

local Module = hm.class('nn.Module')

function Module:__init()
   self.gradInput = hm.Tensor()
   self.output = hm.Tensor()
   self.train = true
end

--- module:parameterFields() -> list of {paramField, gradField} pairs present on this module
-- Used by parameters() and getParameters(); override to declare other parameter fields.
function Module:parameterFields()
   local list = {}
   if hm.isTensor(self.weight) then list[#list + 1] = { "weight", "gradWeight" } end
   if hm.isTensor(self.bias) then list[#list + 1] = { "bias", "gradBias" } end
   return list
end

--- module:parameters() -> {weights...}, {gradients...} (nil when the module has none)
function Module:parameters()
   local fields = self:parameterFields()
   if #fields == 0 then return nil end
   local p, g = {}, {}
   for i, f in ipairs(fields) do p[i], g[i] = self[f[1]], self[f[2]] end
   return p, g
end

--- module:updateOutput(input) -> self.output (the base class passes nothing through)
function Module:updateOutput(input)
   return self.output
end

--- module:forward(input) -> output
function Module:forward(input)
   return self:updateOutput(input)
end

--- module:backward(input, gradOutput [, scale=1]) -> gradInput
-- Computes gradInput and adds scale x the parameter gradients to gradWeight/gradBias.
function Module:backward(input, gradOutput, scale)
   scale = scale or 1
   self:updateGradInput(input, gradOutput)
   self:accGradParameters(input, gradOutput, scale)
   return self.gradInput
end

--- module:updateGradInput(input, gradOutput) -> self.gradInput
function Module:updateGradInput(input, gradOutput)
   return self.gradInput
end

--- module:accGradParameters(input, gradOutput [, scale=1]): grads += scale * dLoss/dparams
function Module:accGradParameters(input, gradOutput, scale)
end

--- module:accUpdateGradParameters(input, gradOutput, lr): params -= lr * dLoss/dparams,
-- without touching the gradient buffers (Torch7's trick: accumulate into the parameters).
function Module:accUpdateGradParameters(input, gradOutput, lr)
   local saved = {}
   for i, f in ipairs(self:parameterFields()) do
      saved[i] = self[f[2]]
      self[f[2]] = self[f[1]]
   end
   self:accGradParameters(input, gradOutput, -lr)
   for i, f in ipairs(self:parameterFields()) do self[f[2]] = saved[i] end
end

--- module:zeroGradParameters(): set every parameter gradient to zero
function Module:zeroGradParameters()
   local _, grads = self:parameters()
   if grads then for _, g in ipairs(grads) do g:zero() end end
end

--- module:updateParameters(lr): params -= lr * grads (plain gradient descent step)
function Module:updateParameters(lr)
   local params, grads = self:parameters()
   if params then
      for i, p in ipairs(params) do p:add(-lr, grads[i]) end
   end
end

--- module:training() / module:evaluate(): switch self.train (Dropout, BatchNormalization)
function Module:training()
   self.train = true
   return self
end

function Module:evaluate()
   self.train = false
   return self
end

--- module:reset([stdv | method]): re-initialise the parameters. A string is an hm.nn.init
-- method name ('xavier', 'he', ...); a number or nil is the module's own default (Torch7).
function Module:reset(arg)
   if type(arg) == "string" then return self:init(arg) end
   return self
end

--- module:init(method [, options]) -> self, parameters re-initialised by hm.nn.init[method]
-- (recursively for containers). ERRORS: unknown method
function Module:init(method, options)
   local init = require 'harmonium.nn.initializers'
   init.apply(self, method, options)
   return self
end

--- module:maxNorm(c) -> self, with rows of self.weight scaled down to L2 norm at most c
-- (containers apply it to every child with a 2D or 4D weight)
function Module:maxNorm(c)
   if hm.isTensor(self.weight) and self.weight:dim() >= 2 then utils.maxNorm(self.weight, c) end
   return self
end

------------------------------------------------------------------ copies and types

--- module:share(other, field...) -> self, whose named fields become other's tensors (so
-- both modules update the same parameters). Containers share child by child.
function Module:share(other, ...)
   for i = 1, select("#", ...) do
      local name = select(i, ...)
      if self[name] ~= nil and other[name] ~= nil then self[name] = other[name] end
   end
   return self
end

--- module:clone([field...]) -> a deep copy; with field names, those fields are shared with
-- this module (clone('weight', 'bias') for weight tying, as Torch7)
function Module:clone(...)
   local copy = hm.deserialize(hm.serialize(self))
   if select("#", ...) > 0 then copy:share(self, ...) end
   return copy
end

--- module:type(tname [, cache]) -> self with every float/double tensor converted to tname
-- (children included; tensors shared between modules stay shared). With no argument,
-- returns the type of the parameters or output.
function Module:type(tname, cache)
   if tname == nil then return (self.weight or self.output):type() end
   tname = utils.canonicalFloatType(tname, hm.type(self))
   utils.recursiveType(self, tname, cache)
   return self
end

function Module:float() return self:type("hm.FloatTensor") end
function Module:double() return self:type("hm.DoubleTensor") end

--- module:clearState() -> self with output, gradInput and other buffers emptied
-- (smaller files for hm.save); they are rebuilt on the next forward/backward
function Module:clearState()
   for k, v in pairs(self) do
      if hm.isTensor(v) and (k == "output" or k == "gradInput" or k:sub(1, 1) == "_") then
         self[k] = v:new()
      end
   end
   return self
end

function Module:__tostring()
   return hm.type(self)
end

------------------------------------------------------------------ walking modules

--- module:apply(fn): call fn(m) on this module and every module inside it
function Module:apply(fn)
   fn(self)
   if self.modules then
      for _, m in ipairs(self.modules) do m:apply(fn) end
   end
end

--- module:listModules() -> this module and every module inside it, depth first
function Module:listModules()
   local list = {}
   self:apply(function(m) list[#list + 1] = m end)
   return list
end

--- module:findModules(typename) -> the modules of class typename (e.g. 'nn.Linear')
function Module:findModules(typename)
   local list = {}
   self:apply(function(m) if hm.type(m) == typename then list[#list + 1] = m end end)
   return list
end

------------------------------------------------------------------ flat parameters

-- Lay the tensors named by refs (module, field) out in one new flat tensor and re-point the
-- fields at views of it. Tensors sharing a storage keep their relative positions, so shared
-- or overlapping parameters stay shared; a non-contiguous one is compacted on its own.
local function flatten(refs, which)
   local order, seen = {}, {}
   for _, r in ipairs(refs) do
      local t = r.module[r[which]]
      if not seen[t] then seen[t] = true; order[#order + 1] = t end
   end
   if #order == 0 then return nil end
   local tname = order[1]:type()
   local groups, glist = {}, {}
   for i, t in ipairs(order) do
      if t:type() ~= tname then
         error("nn.Module: getParameters needs parameters of one type, got " .. tname ..
               " and " .. t:type(), 0)
      end
      local key = t:isContiguous() and t:_storageid() or i
      local g = groups[key]
      if not g then
         g = { lo = math.huge, hi = 0, tensors = {} }
         groups[key] = g
         glist[#glist + 1] = g
      end
      local lo = t:storageOffset()
      g.lo = math.min(g.lo, lo)
      g.hi = math.max(g.hi, lo + t:nElement() - 1)
      g.tensors[#g.tensors + 1] = t
   end
   local total = 0
   for _, g in ipairs(glist) do
      g.base = total
      total = total + math.max(g.hi - g.lo + 1, 0)
   end
   local flat = hm[tname:sub(4)](total):zero()
   local map = {}
   for _, g in ipairs(glist) do
      for _, t in ipairs(g.tensors) do
         local n = t:nElement()
         local v
         if n == 0 then v = t:new()
         else
            v = flat:narrow(1, g.base + t:storageOffset() - g.lo + 1, n):view(t:size())
            v:copy(t)
         end
         map[t] = v
      end
   end
   for _, r in ipairs(refs) do r.module[r[which]] = map[r.module[r[which]]] end
   return flat
end

--- module:getParameters() -> flatParams, flatGradParams
-- One 1D tensor holding every parameter and one holding every gradient; afterwards each
-- module's weight/bias/gradWeight/gradBias are views into them, so an optimizer working on
-- the flat tensors trains the network. Call it once, after building the network (and after
-- type()); a second call re-flattens and detaches the tensors returned by the first.
-- ERRORS: parameters of mixed types; parameters shared but not their gradients
function Module:getParameters()
   local refs = {}
   for _, m in ipairs(self:listModules()) do
      if not m.modules then
         for _, f in ipairs(m:parameterFields()) do
            refs[#refs + 1] = { module = m, f[1], f[2] }
         end
      end
   end
   local flatP = flatten(refs, 1) or hm.Tensor(0)
   local flatG = flatten(refs, 2) or flatP:new(0)
   if flatP:nElement() ~= flatG:nElement() then
      error("nn.Module: getParameters found " .. flatP:nElement() .. " parameters but " ..
            flatG:nElement() .. " gradients (check that you are sharing parameters and gradParameters)", 0)
   end
   return flatP, flatG
end

return Module

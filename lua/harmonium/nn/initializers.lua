--[[ hm.nn.init: weight initialisation schemes (this file is initializers.lua; it is reached
as hm.nn.init). Every function takes a module, walks it and its children, and draws new
values for each weight of 2 or more dimensions from the seeded default generator:

   hm.nn.init.default(m)       Torch7's: the module's own reset(), uniform +-1/sqrt(fanIn)
   hm.nn.init.xavier(m)        Glorot & Bengio 2010, uniform +-gain*sqrt(6/(fanIn+fanOut))
   hm.nn.init.xavier_normal(m) normal, std gain*sqrt(2/(fanIn+fanOut))
   hm.nn.init.he(m)            He et al. 2015 (Kaiming), normal, std gain*sqrt(2/fanIn)
   hm.nn.init.he_uniform(m)    uniform +-gain*sqrt(6/fanIn)
   (aliases: glorot = xavier, glorot_normal = xavier_normal, kaiming = he,
    kaiming_uniform = he_uniform)

Options table, all optional: { gain = 1 }. The xavier and he schemes set biases to zero.
fanIn and fanOut come from the weight's shape: (out, in) for Linear and Maxout,
(out, in, kH, kW) for convolutions, so fanIn = in*kH*kW and fanOut = out*kH*kW.
Modules usually call these through module:init('xavier') or module:reset('he'), which
return the module: hm.nn.Linear(784, 500):init('he').
]]

local hm = require 'harmonium'

local M = {}

-- fanIn, fanOut of a weight (out, in, ...)
local function fans(w)
   local receptive = 1
   for d = 3, w:dim() do receptive = receptive * w:size(d) end
   return w:size(2) * receptive, w:size(1) * receptive
end

-- Call draw(weight, fanIn, fanOut) on every module of m with a weight of 2+ dims.
local function each(m, draw)
   for _, mod in ipairs(m:listModules()) do
      if not mod.modules and hm.isTensor(mod.weight) and mod.weight:dim() >= 2 then
         local fanIn, fanOut = fans(mod.weight)
         draw(mod.weight, fanIn, fanOut)
         if hm.isTensor(mod.bias) then mod.bias:zero() end
      end
   end
   return m
end

local function gainOf(options)
   return options and options.gain or 1
end

--- default(m) -> m, every module reset to Torch7's default (module:reset())
function M.default(m)
   for _, mod in ipairs(m:listModules()) do
      if not mod.modules then mod:reset() end
   end
   return m
end

--- xavier(m [, {gain=1}]) -> m: weights uniform in +-gain*sqrt(6 / (fanIn + fanOut)), biases 0
function M.xavier(m, options)
   local gain = gainOf(options)
   return each(m, function(w, fanIn, fanOut)
      local a = gain * math.sqrt(6 / (fanIn + fanOut))
      w:uniform(-a, a)
   end)
end

--- xavier_normal(m [, {gain=1}]) -> m: weights normal(0, gain*sqrt(2 / (fanIn + fanOut))), biases 0
function M.xavier_normal(m, options)
   local gain = gainOf(options)
   return each(m, function(w, fanIn, fanOut)
      w:normal(0, gain * math.sqrt(2 / (fanIn + fanOut)))
   end)
end

--- he(m [, {gain=1}]) -> m: weights normal(0, gain*sqrt(2 / fanIn)) (for ReLU nets), biases 0
function M.he(m, options)
   local gain = gainOf(options)
   return each(m, function(w, fanIn)
      w:normal(0, gain * math.sqrt(2 / fanIn))
   end)
end

--- he_uniform(m [, {gain=1}]) -> m: weights uniform in +-gain*sqrt(6 / fanIn), biases 0
function M.he_uniform(m, options)
   local gain = gainOf(options)
   return each(m, function(w, fanIn)
      local a = gain * math.sqrt(6 / fanIn)
      w:uniform(-a, a)
   end)
end

M.glorot, M.glorot_normal = M.xavier, M.xavier_normal
M.kaiming, M.kaiming_uniform = M.he, M.he_uniform

--- apply(m, method [, options]) -> m initialised by the scheme named method
-- ERRORS: unknown method name
function M.apply(m, method, options)
   local f = type(method) == "string" and method ~= "apply" and M[method]
   if not f then
      error("hm.nn.init: unknown method '" .. tostring(method) ..
            "' (default, xavier, xavier_normal, he, he_uniform)", 3)
   end
   return f(m, options)
end

return M

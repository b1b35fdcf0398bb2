--[[ hm.optim's shared checks and state buffers (private to the optimizers).

Every optimizer checks its arguments before it touches x, so a bad config raises a clear error
naming the optimizer ("hm.optim.sgd: learningRate must be >= 0, got -1") instead of a NaN ten
epochs later. The checks cost a few comparisons per call and allocate nothing.
]]

local hm = require 'harmonium'

local M = {}

local function fail(name, fmt, ...)
   -- level 3: the caller of the optimizer, not the optimizer itself
   error(string.format("hm.optim." .. name .. ": " .. fmt, ...), 4)
end

local function sizestr(t)
   if t:dim() == 1 then return tostring(t:size(1)) end
   return tostring(t:size())
end

--- M.start(name, x, config, state) -> config, state
-- Checks that x is a float or double tensor and that config/state are tables or nil;
-- state defaults to config (torch/optim), config to a fresh table.
function M.start(name, x, config, state)
   if not hm.isTensor(x) then
      fail(name, "x must be a tensor, got %s", hm.type(x))
   end
   local tn = x:type()
   if tn ~= "hm.FloatTensor" and tn ~= "hm.DoubleTensor" then
      fail(name, "x must be a hm.FloatTensor or hm.DoubleTensor, got %s", tn)
   end
   if config ~= nil and type(config) ~= "table" then
      fail(name, "config must be a table, got %s", type(config))
   end
   if state ~= nil and type(state) ~= "table" then
      fail(name, "state must be a table, got %s", type(state))
   end
   config = config or {}
   return config, state or config
end

--- M.number(name, config, key, default, lo, hi, hiOpen) -> config[key] or default
-- The value must be a number in [lo, hi] (or [lo, hi) when hiOpen); lo or hi may be nil.
function M.number(name, config, key, default, lo, hi, hiOpen)
   local v = config[key]
   if v == nil then return default end
   if type(v) ~= "number" or v ~= v then
      fail(name, "%s must be a number, got %s", key, v ~= v and "nan" or type(v))
   end
   if lo and v < lo then
      if hi then fail(name, "%s must be in [%g, %g%s, got %g", key, lo, hi, hiOpen and ")" or "]", v) end
      fail(name, "%s must be >= %g, got %g", key, lo, v)
   end
   if hi and (v > hi or (hiOpen and v == hi)) then
      fail(name, "%s must be in [%g, %g%s, got %g", key, lo or -math.huge, hi, hiOpen and ")" or "]", v)
   end
   return v
end

--- M.tensor(name, config, key, x) -> config[key] or nil
-- An optional per-parameter tensor (learningRates, weightDecays): x's type and element count.
function M.tensor(name, config, key, x)
   local v = config[key]
   if v == nil then return nil end
   if not hm.isTensor(v) then fail(name, "%s must be a tensor, got %s", key, hm.type(v)) end
   if v:type() ~= x:type() then fail(name, "%s must be a %s, got %s", key, x:type(), v:type()) end
   if v:nElement() ~= x:nElement() then
      fail(name, "%s has size %s, expected %s", key, sizestr(v), sizestr(x))
   end
   return v
end

--- M.eval(name, feval, x) -> fx, dfdx
-- Calls feval(x) and checks that it returned a gradient tensor of x's type and element count.
function M.eval(name, feval, x)
   if type(feval) ~= "function" and not (getmetatable(feval) or {}).__call then
      fail(name, "feval must be a function, got %s", type(feval))
   end
   local fx, dfdx = feval(x)
   if not hm.isTensor(dfdx) then
      fail(name, "feval must return f(x) and a gradient tensor, got %s as the gradient", hm.type(dfdx))
   end
   if dfdx:nElement() ~= x:nElement() then
      fail(name, "feval returned a gradient of size %s, expected %s", sizestr(dfdx), sizestr(x))
   end
   if dfdx:type() ~= x:type() then
      fail(name, "feval returned a %s gradient for a %s x", dfdx:type(), x:type())
   end
   return fx, dfdx
end

--- M.buffer(name, state, key, x, fill) -> state[key]
-- A state buffer of x's type and element count, allocated (and filled with `fill`, default 0)
-- on first use and reused afterwards. A buffer left by a different-sized x raises: one state
-- table belongs to one parameter tensor.
function M.buffer(name, state, key, x, fill)
   local b = state[key]
   if b == nil then
      b = x:new():resizeAs(x):fill(fill or 0)
      state[key] = b
   elseif b:nElement() ~= x:nElement() then
      fail(name, "state.%s holds %d elements but x has %d (use one state table per parameter tensor)",
           key, b:nElement(), x:nElement())
   end
   return b
end

return M

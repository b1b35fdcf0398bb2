--[[ hm.optim.schedule: learning-rate and momentum schedules.

Each constructor checks its options and returns a function epoch -> value. Epochs count from 1
(the first epoch is 1); any 1-based counter works (an iteration count, or a fractional epoch for
the smooth schedules). Optimizers read their config on every call, so a training loop applies
a schedule by writing the value into config before the epoch:

   local lrAt = hm.optim.schedule.step{initial = 0.1, every = 10, factor = 0.5}
   local momAt = hm.optim.schedule.momentum{initial = 0.5, final = 0.9, switchEpoch = 5}
   local config = {dampening = 0}      -- the classic v = mom * v + g; Torch7's default damps
   for epoch = 1, nEpochs do
      config.learningRate, config.momentum = lrAt(epoch), momAt(epoch)
      for each minibatch do hm.optim.sgd(feval, x, config) end
   end

or, for several keys at once, hm.optim.schedule.apply(config, {learningRate = lrAt,
momentum = momAt}, epoch). The optimizer's state (momentum buffer, counters) lives on in the
state table, so changing momentum between epochs keeps the velocity.
]]

local M = {}

-- Errors name the line that called the constructor: `fail` is for the constructors' own checks,
-- `failIn` for the helpers they call (one level deeper).
local function fail(name, fmt, ...)
   error(string.format("hm.optim.schedule." .. name .. ": " .. fmt, ...), 3)
end
local function failIn(name, fmt, ...)
   error(string.format("hm.optim.schedule." .. name .. ": " .. fmt, ...), 4)
end

local function opts(name, o)
   if type(o) ~= "table" then failIn(name, "options table expected, got %s", type(o)) end
   return o
end

-- A number option: required unless default is given, optionally bounded below by lo.
local function num(name, o, key, default, lo)
   local v = o[key]
   if v == nil then
      if default == nil then failIn(name, "'%s' is required", key) end
      return default
   end
   if type(v) ~= "number" or v ~= v then
      failIn(name, "'%s' must be a number, got %s", key, v ~= v and "nan" or type(v))
   end
   if lo and v < lo then failIn(name, "'%s' must be >= %g, got %g", key, lo, v) end
   return v
end

-- The epoch argument of a schedule function: a number >= 1.
local function epochArg(name, e)
   if type(e) ~= "number" or e ~= e or e < 1 then
      error(string.format("hm.optim.schedule.%s: epoch must be a number >= 1 (epochs count from 1), got %s",
                          name, tostring(e)), 3)
   end
   return e
end

--- schedule.step{initial, every, factor = 0.1, min = 0} -> function(epoch) -> lr
-- Multiplies `initial` by `factor` every `every` epochs: epochs 1..every give initial,
-- every+1..2*every give initial * factor, and so on, never below `min`.
function M.step(o)
   o = opts("step", o)
   local initial = num("step", o, "initial", nil, 0)
   local every = num("step", o, "every", nil, 1)
   local factor = num("step", o, "factor", 0.1, 0)
   local min = num("step", o, "min", 0, 0)
   if every ~= math.floor(every) then fail("step", "'every' must be an integer, got %g", every) end
   return function(epoch)
      epochArg("step", epoch)
      return math.max(min, initial * factor ^ ((math.floor(epoch) - 1) // every))
   end
end

--- schedule.exponential{initial, decay, min = 0} -> function(epoch) -> lr
-- initial * decay^(epoch - 1), never below `min`.
function M.exponential(o)
   o = opts("exponential", o)
   local initial = num("exponential", o, "initial", nil, 0)
   local decay = num("exponential", o, "decay", nil, 0)
   local min = num("exponential", o, "min", 0, 0)
   return function(epoch)
      epochArg("exponential", epoch)
      return math.max(min, initial * decay ^ (epoch - 1))
   end
end

--- schedule.linear{initial, final, epochs} -> function(epoch) -> value
-- Goes linearly from `initial` at epoch 1 to `final` at epoch `epochs`, then stays at `final`
-- (a warm-up, or Hinton's momentum ramp).
function M.linear(o)
   o = opts("linear", o)
   local initial = num("linear", o, "initial")
   local final = num("linear", o, "final")
   local epochs = num("linear", o, "epochs", nil, 1)
   return function(epoch)
      epochArg("linear", epoch)
      if epoch >= epochs then return final end
      if epochs == 1 then return final end
      return initial + (final - initial) * (epoch - 1) / (epochs - 1)
   end
end

--- schedule.piecewise{{1, v1}, {e2, v2}, ...} -> function(epoch) -> value
-- A table of {firstEpoch, value} pairs with increasing first epochs, starting at 1: epoch e gets
-- the value of the last pair whose firstEpoch <= e. E.g. {{1, 0.1}, {31, 0.01}, {61, 0.001}}.
function M.piecewise(t)
   t = opts("piecewise", t)
   local n = #t
   if n == 0 then fail("piecewise", "at least one {firstEpoch, value} pair expected") end
   local starts, values = {}, {}
   for i = 1, n do
      local p = t[i]
      if type(p) ~= "table" or type(p[1]) ~= "number" or type(p[2]) ~= "number" then
         fail("piecewise", "entry %d must be a {firstEpoch, value} pair of numbers", i)
      end
      if i == 1 and p[1] ~= 1 then fail("piecewise", "the first pair must start at epoch 1, got %g", p[1]) end
      if i > 1 and p[1] <= starts[i - 1] then
         fail("piecewise", "first epochs must increase: entry %d starts at %g after %g", i, p[1], starts[i - 1])
      end
      starts[i], values[i] = p[1], p[2]
   end
   return function(epoch)
      epochArg("piecewise", epoch)
      local v = values[1]
      for i = 2, n do
         if epoch < starts[i] then break end
         v = values[i]
      end
      return v
   end
end

--- schedule.momentum{initial = 0.5, final = 0.9, switchEpoch = 5} -> function(epoch) -> momentum
-- The classic RBM/DBN recipe (Hinton's practical guide): `initial` for epochs 1..switchEpoch,
-- `final` afterwards. Both must be in [0, 1).
function M.momentum(o)
   o = opts("momentum", o or {})
   local initial = num("momentum", o, "initial", 0.5, 0)
   local final = num("momentum", o, "final", 0.9, 0)
   local switch = num("momentum", o, "switchEpoch", 5, 0)
   if initial >= 1 or final >= 1 then
      fail("momentum", "'%s' must be in [0, 1), got %g", initial >= 1 and "initial" or "final",
           initial >= 1 and initial or final)
   end
   return function(epoch)
      epochArg("momentum", epoch)
      if epoch <= switch then return initial end
      return final
   end
end

--- schedule.apply(config, schedules, epoch) -> config
-- Sets config[key] = schedules[key](epoch) for every key of `schedules`
-- (e.g. {learningRate = lrAt, momentum = momAt}).
function M.apply(config, schedules, epoch)
   if type(config) ~= "table" then fail("apply", "config must be a table, got %s", type(config)) end
   if type(schedules) ~= "table" then fail("apply", "schedules must be a table, got %s", type(schedules)) end
   for key, f in pairs(schedules) do
      if type(f) ~= "function" then
         fail("apply", "schedules.%s must be a function, got %s", tostring(key), type(f))
      end
      config[key] = f(epoch)
   end
   return config
end

return M

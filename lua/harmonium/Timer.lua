--[[ hm.Timer: Torch7's torch.Timer.

   local timer = hm.Timer()     -- starts running
   ... work ...
   print(timer:time().real)     -- seconds since creation (or the last reset)

real time comes from a monotonic clock (clock_gettime(CLOCK_MONOTONIC), hm._clock), so it
never jumps with the wall clock; user and sys are the CPU seconds of the whole process
(getrusage, hm._cputime), every thread included, as in Torch7.
]]

local core = require 'harmonium.core'
local clock, cputime = core._clock, core._cputime

local Timer = {}
Timer.__index = Timer
Timer.__typename = "hm.Timer"

local function now()
   local user, sys = cputime()
   return clock(), user, sys
end

--- hm.Timer() -> a running timer at zero
function Timer.new()
   local self = setmetatable({ _real = 0, _user = 0, _sys = 0, _running = false }, Timer)
   self:resume()
   return self
end

--- timer:time() -> {real = s, user = s, sys = s}: the time accumulated while running
function Timer:time()
   local real, user, sys = self._real, self._user, self._sys
   if self._running then
      local r, u, s = now()
      real = real + (r - self._r0)
      user = user + (u - self._u0)
      sys = sys + (s - self._s0)
   end
   return { real = real, user = user, sys = sys }
end

--- timer:reset() -> timer: back to zero; a running timer keeps running, a stopped one stays stopped
function Timer:reset()
   self._real, self._user, self._sys = 0, 0, 0
   if self._running then self._r0, self._u0, self._s0 = now() end
   return self
end

--- timer:stop() -> timer: stops accumulating (time() then stays constant)
function Timer:stop()
   if self._running then
      local t = self:time()
      self._real, self._user, self._sys = t.real, t.user, t.sys
      self._running = false
   end
   return self
end

--- timer:resume() -> timer: accumulates again after stop()
function Timer:resume()
   if not self._running then
      self._r0, self._u0, self._s0 = now()
      self._running = true
   end
   return self
end

--- timer:isRunning() -> boolean
function Timer:isRunning()
   return self._running
end

function Timer:__tostring()
   local t = self:time()
   return string.format("hm.Timer(real %.6fs, user %.6fs, sys %.6fs%s)", t.real, t.user, t.sys,
                        self._running and "" or ", stopped")
end

return setmetatable(Timer, { __call = function() return Timer.new() end })

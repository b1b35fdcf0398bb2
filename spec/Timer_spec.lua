-- Specs for lua/harmonium/Timer.lua and the clocks in csrc/serialize.c (hm._clock,
-- hm._cputime): a monotonic real time, CPU times, stop/resume/reset.
local hm = require 'harmonium'

-- spin the CPU for about `seconds` of real time
local function busy(seconds)
   local t0 = hm._clock()
   local x = 0
   while hm._clock() - t0 < seconds do x = x + 1 end
   return x
end

describe("hm._clock", function()
   it("never goes backwards", function()
      local prev = hm._clock()
      for _ = 1, 20000 do
         local now = hm._clock()
         assert.is_true(now >= prev)
         prev = now
      end
   end)

   it("gives CPU user and sys seconds that grow with work", function()
      local u0, s0 = hm._cputime()
      busy(0.05)
      local u1, s1 = hm._cputime()
      assert.is_true(u1 + s1 > u0 + s0)
      assert.is_true(u1 >= u0 and s1 >= s0)
   end)
end)

describe("hm.Timer", function()
   it("returns real, user and sys times that grow while it runs", function()
      local timer = hm.Timer()
      local t1 = timer:time()
      assert.are.equal('number', type(t1.real))
      assert.are.equal('number', type(t1.user))
      assert.are.equal('number', type(t1.sys))
      assert.is_true(t1.real >= 0 and t1.user >= 0 and t1.sys >= 0)
      busy(0.03)
      local t2 = timer:time()
      assert.is_true(t2.real >= t1.real + 0.03 - 1e-6)
      assert.is_true(t2.user + t2.sys > t1.user + t1.sys)
      assert.is_true(t2.real < 5)
      assert.are.equal('hm.Timer', hm.type(timer))
   end)

   it("freezes when stopped and continues after resume", function()
      local timer = hm.Timer()
      busy(0.01)
      timer:stop()
      assert.is_false(timer:isRunning())
      local a = timer:time()
      busy(0.02)
      local b = timer:time()
      assert.are.equal(a.real, b.real)
      assert.are.equal(a.user, b.user)
      timer:resume()
      busy(0.01)
      local c = timer:time()
      assert.is_true(c.real >= a.real + 0.01 - 1e-6)
      assert.is_true(c.real < a.real + 0.02 + 1)       -- the stopped 0.02 s were not counted
      assert.matches("^hm%.Timer%(real ", tostring(timer))
   end)

   it("goes back to zero on reset, keeping its running state", function()
      local timer = hm.Timer()
      busy(0.02)
      timer:reset()
      assert.is_true(timer:time().real < 0.02)
      timer:stop():reset()
      local t = timer:time()
      assert.are.same({ real = 0, user = 0, sys = 0 }, t)
      busy(0.01)
      assert.are.equal(0, timer:time().real)
      timer:resume()
      busy(0.01)
      assert.is_true(timer:time().real > 0)
   end)
end)

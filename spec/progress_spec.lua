-- Specs for lua/harmonium/progress.lua: the plain-line format off a terminal (a line per 10%
-- with rate and ETA, a last line with the total time), the redrawn bar on a (fake) terminal,
-- the function form, time formatting and argument errors. A fake clock makes times exact.
local hm = require 'harmonium'

-- an output that records what is written, and a clock the test moves by hand
local function recorder()
   local r = { chunks = {} }
   function r:write(...)
      for _, s in ipairs({ ... }) do self.chunks[#self.chunks + 1] = s end
      return self
   end
   function r:text() return table.concat(self.chunks) end
   return r
end

local function fakeClock()
   local c = { t = 100 }
   return c, function() return c.t end
end

local function lines(s)
   local out = {}
   for l in s:gmatch("([^\n]*)\n") do out[#out + 1] = l end
   return out
end

describe("hm.progress off a terminal", function()
   it("writes a line at every 10% with count, rate and ETA, and a last line", function()
      local out = recorder()
      local clock, now = fakeClock()
      local bar = hm.progress.new(200, { title = 'epoch 1', out = out, clock = now, isatty = false })
      for i = 1, 200 do
         clock.t = 100 + i * 0.5
         bar:update(i, { loss = 1 / i })
      end
      local ls = lines(out:text())
      assert.are.equal(10, #ls)
      assert.are.equal("epoch 1   20/200   10%  2.00 it/s  ETA 1m30s  loss 0.05", ls[1])
      assert.are.equal("epoch 1  100/200   50%  2.00 it/s  ETA 50s  loss 0.01", ls[5])
      assert.are.equal("epoch 1  180/200   90%  2.00 it/s  ETA 10s  loss 0.005556", ls[9])
      assert.are.equal("epoch 1  200/200  100%  2.00 it/s  total 1m40s  loss 0.005", ls[10])
      assert.is_nil(out:text():find("\r", 1, true))
      assert.is_true(bar.done)
   end)

   it("writes one line per step crossed when steps jump, and a short run still ends with a line", function()
      local out = recorder()
      local _, now = fakeClock()
      local bar = hm.progress.new(10, { out = out, clock = now, isatty = false, every = 25 })
      bar:update(3) bar:update(6)
      bar:finish({ { 'acc', 0.5 }, { 'n', 3 } })
      local ls = lines(out:text())
      assert.are.equal(3, #ls)
      assert.truthy(ls[1]:find("^ 3/10   30%%"))
      assert.truthy(ls[2]:find("^ 6/10   60%%"))
      assert.truthy(ls[3]:find("^ 6/10   60%%  %-%- it/s  total 0s  acc 0%.5  n 3$"))
      bar:finish()                              -- a second finish writes nothing
      assert.are.equal(3, #lines(out:text()))
      assert.error_matches(function() bar:update(7) end, "update after finish")
   end)

   it("shows values in the order of a list of pairs, strings as they are", function()
      local out = recorder()
      local bar = hm.progress.new(1, { out = out, isatty = false })
      bar:update(1, { { 'loss', 0.123456 }, { 'err', '1.2%' } })
      assert.truthy(out:text():find("loss 0%.1235  err 1%.2%%\n$"))
   end)
end)

describe("hm.progress on a terminal", function()
   it("redraws one line in place at most every interval, and ends it with a newline", function()
      local out = recorder()
      local clock, now = fakeClock()
      local bar = hm.progress.new(100, { title = 'train', out = out, clock = now, isatty = true, width = 10 })
      for i = 1, 100 do
         clock.t = 100 + i * 0.01                -- 100 steps in 1 s: a redraw every 0.1 s
         bar:update(i, { err = '3%' })
      end
      local text = out:text()
      local draws = select(2, text:gsub("\r", ""))
      assert.is_true(draws >= 9 and draws <= 12)
      assert.are.equal(1, select(2, text:gsub("\n", "")))
      assert.are.equal("\n", text:sub(-1))
      local first = out.chunks[1]
      assert.are.equal("\rtrain  [>.........]    1/100    1%  100 it/s  ETA 1s  err 3%", first)
      local last = out.chunks[#out.chunks]
      assert.are.equal("\rtrain  [==========]  100/100  100%  100 it/s  total 1s  err 3%\n", last)
   end)

   it("pads a shorter line to wipe the previous one", function()
      local out = recorder()
      local clock, now = fakeClock()
      local bar = hm.progress.new(10, { out = out, clock = now, isatty = true, width = 5 })
      clock.t = 101
      bar:update(1, { note = 'a long note here' })
      clock.t = 102
      bar:update(2, { note = 'x' })
      local a, b = out.chunks[1], out.chunks[2]
      assert.are.equal(#a, #b)
      assert.truthy(b:find("note x +$"))
   end)
end)

describe("hm.progress(i, total)", function()
   it("keeps one bar across calls and starts a new one when total changes", function()
      local out = recorder()
      local clock, now = fakeClock()
      local opts = { out = out, clock = now, isatty = false }
      for i = 1, 10 do clock.t = 100 + i; hm.progress(i, 10, opts) end
      local ls = lines(out:text())
      assert.are.equal(10, #ls)
      assert.truthy(ls[1]:find("^ 1/10   10%%  %-%- it/s  ETA %-%-$"))   -- no time known yet
      assert.truthy(ls[2]:find("^ 2/10   20%%  1%.00 it/s  ETA 8s$"))
      assert.truthy(ls[10]:find("total 9s$"))
      local b = hm.progress(1, 4, opts)
      assert.are.equal(4, b.total)
      assert.are.equal(b, hm.progress(2, 4, opts))
   end)
end)

describe("hm.progress.formatTime", function()
   it("formats seconds, minutes and hours", function()
      local f = hm.progress.formatTime
      assert.are.equal("0s", f(0.2))
      assert.are.equal("42s", f(42))
      assert.are.equal("1m23s", f(83))
      assert.are.equal("59m59s", f(3599))
      assert.are.equal("2h05m09s", f(7509))
      assert.are.equal("--", f(math.huge))
      assert.are.equal("--", f(0 / 0))
   end)
end)

describe("hm.progress errors", function()
   it("rejects bad arguments", function()
      local out = recorder()
      assert.error_matches(function() hm.progress.new(-1) end, "non%-negative integer total")
      assert.error_matches(function() hm.progress.new(2.5) end, "non%-negative integer total")
      assert.error_matches(function() hm.progress.new('10') end, "non%-negative integer total")
      assert.error_matches(function() hm.progress.new(10, 5) end, "options table expected")
      assert.error_matches(function() hm.progress.new(10, { out = 5 }) end, "write method")
      assert.error_matches(function() hm.progress.new(10, { width = 0 }) end, "option 'width'")
      assert.error_matches(function() hm.progress.new(10, { every = 0 }) end, "option 'every'")
      local bar = hm.progress.new(10, { out = out, isatty = false })
      assert.error_matches(function() bar:update(11) end, "step 11 out of range 0..10")
      assert.error_matches(function() bar:update(-1) end, "out of range")
      assert.error_matches(function() bar:update('x') end, "number expected")
      assert.error_matches(function() bar:update(1, 'loss') end, "table of values expected")
      assert.error_matches(function() hm.progress(1) end, "bad argument #2 to 'progress'")
   end)

   it("handles a zero total and finds no terminal behind a table output", function()
      local out = recorder()
      local bar = hm.progress.new(0, { out = out })
      assert.is_false(bar.isatty)
      bar:update(0)
      assert.truthy(out:text():find("^0/0  100%%"))
   end)
end)

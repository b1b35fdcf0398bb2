--[[ hm.progress: a progress bar with count, rate, ETA and running values.

   local bar = hm.progress.new(nBatches, {title = 'epoch 1'})
   for i = 1, nBatches do
      ...
      bar:update(i, {loss = loss, err = '1.2%'})
   end                                   -- update(total) finishes the bar
   hm.progress(i, total)                 -- Torch7's xlua.progress(i, total), one bar at a time

On a terminal the bar is redrawn in place (carriage return) at most every opts.interval
seconds (0.1) and at the end:
   epoch 1 [===========>..................]  390/1000  39%  1830 it/s  ETA 0s  loss 0.1234
When the output is not a terminal (a log file, a pipe) a plain line is written each time
another opts.every percent (10) is done, and a last one at the end with the total time:
   epoch 1  1000/1000  100%  1830 it/s  total 1m23s  loss 0.1234

Options: title, width = 30 (bar characters), out = io.stdout (anything with a write method),
isatty (default: io.stdout or io.stderr on a terminal, through `test -t` and TERM), interval
= 0.1, every = 10, clock (a function returning seconds; tests pass a fake one).
Values are shown in the order given when passed as a list of {name, value} pairs, otherwise
sorted by name; numbers print with 4 significant digits, strings as they are.
]]

local hm = require 'harmonium'

local M = {}

local Bar = {}
Bar.__index = Bar
Bar.__typename = "hm.progress.Bar"
M.Bar = Bar

local function perr(argn, fname, msg)
   error(string.format("bad argument #%d to '%s' (%s)", argn, fname, msg), 3)
end

--- hm.progress.formatTime(seconds) -> '42s', '1m23s' or '2h05m09s'
function M.formatTime(s)
   if s ~= s or s == math.huge or s < 0 then return "--" end
   s = math.floor(s + 0.5)
   if s < 60 then return string.format("%ds", s) end
   if s < 3600 then return string.format("%dm%02ds", s // 60, s % 60) end
   return string.format("%dh%02dm%02ds", s // 3600, (s % 3600) // 60, s % 60)
end

local function formatRate(r)
   if r ~= r or r == math.huge then return "-- it/s" end
   if r >= 99.95 then return string.format("%.0f it/s", r) end
   if r >= 9.995 then return string.format("%.1f it/s", r) end
   return string.format("%.2f it/s", r)
end

local function formatValue(v)
   if math.type(v) == "integer" then return tostring(v) end
   if type(v) == "number" then return string.format("%.4g", v) end
   return tostring(v)
end

local function formatValues(values)
   if not values then return "" end
   local parts = {}
   if values[1] ~= nil then
      for _, kv in ipairs(values) do parts[#parts + 1] = tostring(kv[1]) .. " " .. formatValue(kv[2]) end
   else
      local keys = {}
      for k in pairs(values) do keys[#keys + 1] = tostring(k) end
      table.sort(keys)
      for _, k in ipairs(keys) do parts[#parts + 1] = k .. " " .. formatValue(values[k]) end
   end
   if #parts == 0 then return "" end
   return "  " .. table.concat(parts, "  ")
end

-- Whether fd 1 or 2 is a terminal. Plain Lua has no isatty; `test -t N` in a child shell
-- answers for the same file descriptor, which the child inherits. Asked once per stream.
local ttyCache = {}
local function isTerminal(out)
   local fd = out == io.stdout and 1 or out == io.stderr and 2 or nil
   if not fd then return false end
   if ttyCache[fd] == nil then
      local term = os.getenv("TERM")
      ttyCache[fd] = term ~= nil and term ~= "" and term ~= "dumb" and os.execute("test -t " .. fd) == true
   end
   return ttyCache[fd]
end

--- hm.progress.new(total [, opts]) -> a bar for total steps (see the options above)
-- Errors: total not a non-negative integer, opts not a table, out without write.
function M.new(total, opts)
   if math.type(total) ~= "integer" then
      if type(total) == "number" and total == math.floor(total) and total >= 0 and total < 2^53 then
         total = math.tointeger(total)
      else
         perr(1, "new", "non-negative integer total expected, got " .. tostring(total))
      end
   end
   if total < 0 then perr(1, "new", "non-negative integer total expected, got " .. total) end
   if opts ~= nil and type(opts) ~= "table" then perr(2, "new", "options table expected, got " .. type(opts)) end
   opts = opts or {}
   local out = opts.out or io.stdout
   if (type(out) ~= "table" and type(out) ~= "userdata") or out.write == nil then
      perr(2, "new", "option 'out' must have a write method")
   end
   local width = opts.width or 30
   if math.type(width) ~= "integer" or width < 1 or width > 500 then
      perr(2, "new", "option 'width' must be an integer in 1..500")
   end
   local every = opts.every or 10
   if type(every) ~= "number" or every <= 0 or every > 100 then
      perr(2, "new", "option 'every' must be a percentage in (0, 100]")
   end
   local clock = opts.clock or hm._clock
   if type(clock) ~= "function" then perr(2, "new", "option 'clock' must be a function") end
   local tty = opts.isatty
   if tty == nil then tty = isTerminal(out) end
   local self = setmetatable({
      total = total, title = opts.title and tostring(opts.title) or nil, width = width,
      out = out, isatty = tty and true or false, interval = opts.interval or 0.1,
      every = every, clock = clock, count = 0, startCount = 0, done = false, lastLen = 0,
      nextPercent = every, lastDraw = -math.huge,
   }, Bar)
   self.start = clock()
   return self
end

function Bar:_line(final)
   local elapsed = self.clock() - self.start
   local n, total = self.count, self.total
   local pct = total > 0 and math.floor(100 * n / total) or 100
   local rate = elapsed > 0 and (n - self.startCount) / elapsed or math.huge
   local known = n > self.startCount and elapsed > 0
   local digits = #tostring(total)
   local parts = {}
   if self.title then parts[#parts + 1] = self.title end
   if self.isatty then
      local fill = total > 0 and math.floor(self.width * n / total) or self.width
      local bar
      if fill >= self.width then bar = string.rep("=", self.width)
      else bar = string.rep("=", fill) .. ">" .. string.rep(".", self.width - fill - 1) end
      parts[#parts + 1] = "[" .. bar .. "]"
   end
   parts[#parts + 1] = string.format("%" .. digits .. "d/%d", n, total)
   parts[#parts + 1] = string.format("%3d%%", pct)
   parts[#parts + 1] = known and formatRate(rate) or "-- it/s"
   if final then
      parts[#parts + 1] = "total " .. M.formatTime(elapsed)
   else
      local eta = known and (total - n) / rate or math.huge
      parts[#parts + 1] = "ETA " .. M.formatTime(eta)
   end
   return table.concat(parts, "  ") .. formatValues(self.values)
end

function Bar:_draw(final)
   local line = self:_line(final)
   if self.isatty then
      local pad = math.max(0, self.lastLen - #line)
      self.out:write("\r" .. line .. string.rep(" ", pad) .. (final and "\n" or ""))
      self.lastLen = #line
   else
      self.out:write(line .. "\n")
   end
   if self.out.flush then self.out:flush() end
end

--- bar:update(i [, values]) -> bar: i steps of total are done (0 <= i <= total); values
-- (a table of name = value, or a list of {name, value}) are shown after the ETA.
-- update(total) finishes the bar. Errors: i not a number or out of range, bar finished.
function Bar:update(i, values)
   if type(i) ~= "number" or i ~= i then perr(1, "update", "number expected, got " .. hm.type(i)) end
   if i < 0 or i > self.total then
      perr(1, "update", string.format("step %s out of range 0..%d", tostring(i), self.total))
   end
   if values ~= nil and type(values) ~= "table" then
      perr(2, "update", "table of values expected, got " .. hm.type(values))
   end
   if self.done then error("hm.progress: update after finish", 2) end
   self.count = math.floor(i)
   if values then self.values = values end
   if self.count >= self.total then return self:finish() end
   if self.isatty then
      local now = self.clock()
      if now - self.lastDraw >= self.interval then
         self.lastDraw = now
         self:_draw(false)
      end
   else
      local pct = 100 * self.count / self.total
      if pct >= self.nextPercent then
         while self.nextPercent <= pct do self.nextPercent = self.nextPercent + self.every end
         self:_draw(false)
      end
   end
   return self
end

--- bar:finish([values]) -> bar: draws the last line (count, rate, total time) and ends it
-- with a newline; later calls do nothing
function Bar:finish(values)
   if values ~= nil and type(values) ~= "table" then
      perr(1, "finish", "table of values expected, got " .. hm.type(values))
   end
   if self.done then return self end
   if values then self.values = values end
   self.done = true
   self.elapsed = self.clock() - self.start
   self:_draw(true)
   return self
end

function Bar:__tostring()
   return string.format("hm.progress.Bar(%d/%d)", self.count, self.total)
end

-- The bar behind the function form hm.progress(i, total): a new one starts when total
-- changes, when i goes back, or after the previous one finished.
local current

--- hm.progress(i, total [, opts]) -> the bar: Torch7's xlua.progress(i, total); opts (used
-- when a new bar starts) as for hm.progress.new
function M.progress(i, total, opts)
   if type(total) ~= "number" then perr(2, "progress", "number expected, got " .. hm.type(total)) end
   if type(i) ~= "number" then perr(1, "progress", "number expected, got " .. hm.type(i)) end
   if not current or current.done or current.total ~= total or i < current.count then
      current = M.new(total, opts)
      -- the time before the first call is unknown: rate and ETA count from this step on
      if i > 0 and i < total then current.startCount = math.floor(i) end
   end
   return current:update(i)
end

return setmetatable(M, { __call = function(_, ...) return M.progress(...) end })

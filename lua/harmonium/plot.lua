--[[ hm.plot: learning curves drawn into a 3 x H x W FloatTensor and written as PNG.

   local p = hm.plot.new{title = 'MNIST', xlabel = 'epoch', ylabel = 'error (%)'}
   p:add('train', xs, ys)               -- xs, ys: Lua tables or 1D tensors
   p:add('test', testErrors)            -- x = 1, 2, 3, ...
   p:append('valid', epoch, err)        -- one point at a time, inside a training loop
   p:save('curve.png')                  -- or local img = p:render()
   hm.plot.lines{title = ..., series = {{'train', xs, ys}, ...}, file = 'curve.png'}

Options of hm.plot.new: title, xlabel, ylabel, width = 640, height = 480, logy = false (log
scale on y; points with y <= 0 are left out), xmin, xmax, ymin, ymax (fixed axis limits;
otherwise the data range widened to round tick values), grid = true, legend = 'best' (or
'upper right', 'upper left', 'lower right', 'lower left', false), fontScale (1 below a width
of 1000 pixels, else 2). Series options (fourth argument of add): color ({r, g, b} in [0, 1]
or '#rrggbb'), width = 2 (line width in pixels), marker (dots at the points; by default when
a series has at most 30 points).

How it draws: the background, grid, frame, ticks and legend box are rectangles filled with
narrow():fill(); the text is the bitmap font of harmonium.font; series are antialiased
polylines. Each series is rasterised into a coverage table (pixel -> max coverage in [0, 1],
from the pixel centre's distance to each segment, walked along the segment's major axis), and
blended once, so joints between segments are not darkened twice. NaN and infinite values
break a line.
]]

local hm = require 'harmonium'
local font = require 'harmonium.font'

local M = {}

local Plot = {}
Plot.__index = Plot
Plot.__typename = "hm.plot.Plot"
M.Plot = Plot

-- matplotlib's tab10 cycle: distinct, legible on white, and familiar
M.colors = {
   { 0.122, 0.467, 0.706 }, { 1.000, 0.498, 0.055 }, { 0.173, 0.627, 0.173 },
   { 0.839, 0.153, 0.157 }, { 0.580, 0.404, 0.741 }, { 0.549, 0.337, 0.294 },
   { 0.890, 0.467, 0.761 }, { 0.498, 0.498, 0.498 }, { 0.737, 0.741, 0.133 },
   { 0.090, 0.745, 0.812 },
}

local TEXT = { 0.13, 0.13, 0.13 }
local FRAME = { 0.25, 0.25, 0.25 }
local GRID = { 0.89, 0.89, 0.89 }
local LEGEND_BORDER = { 0.75, 0.75, 0.75 }

------------------------------------------------------------------ arguments

local function perr(argn, fname, msg)
   error(string.format("bad argument #%d to '%s' (%s)", argn, fname, msg), 3)
end

-- numbers(v) -> Lua array of numbers from a table or a tensor with one non-trivial dimension
local function numbers(v, argn, fname)
   if hm.isTensor(v) then
      if v:nElement() == 0 then return {} end
      if v:dim() ~= 1 and v:nElement() ~= math.max(table.unpack(v:size():totable())) then
         perr(argn, fname, "1D tensor expected, got " .. tostring(v:size()))
      end
      return v:contiguous():view(-1):double():totable()
   end
   if type(v) ~= "table" then perr(argn, fname, "table or tensor of numbers expected, got " .. hm.type(v)) end
   local out = {}
   for i = 1, #v do
      if type(v[i]) ~= "number" then
         perr(argn, fname, "number expected at index " .. i .. ", got " .. type(v[i]))
      end
      out[i] = v[i]
   end
   return out
end

local function parseColor(c, argn, fname)
   if type(c) == "string" then
      local r, g, b = c:match("^#(%x%x)(%x%x)(%x%x)$")
      if not r then perr(argn, fname, "color '#rrggbb' expected, got '" .. c .. "'") end
      return { tonumber(r, 16) / 255, tonumber(g, 16) / 255, tonumber(b, 16) / 255 }
   end
   if type(c) ~= "table" or type(c[1]) ~= "number" or type(c[2]) ~= "number" or type(c[3]) ~= "number" then
      perr(argn, fname, "color {r, g, b} or '#rrggbb' expected")
   end
   return { c[1], c[2], c[3] }
end

local LEGENDS = { best = true, ["upper right"] = true, ["upper left"] = true,
                  ["lower right"] = true, ["lower left"] = true }

------------------------------------------------------------------ construction

--- hm.plot.new([opts]) -> an empty plot (see the options above)
function M.new(opts)
   if opts ~= nil and type(opts) ~= "table" then perr(1, "new", "options table expected, got " .. type(opts)) end
   opts = opts or {}
   local self = setmetatable({}, Plot)
   self.width = opts.width or 640
   self.height = opts.height or 480
   for _, k in ipairs({ "width", "height" }) do
      local v = self[k]
      if math.type(v) ~= "integer" or v < 64 or v > 16384 then
         perr(1, "new", "option '" .. k .. "' must be an integer in 64..16384, got " .. tostring(v))
      end
   end
   for _, k in ipairs({ "title", "xlabel", "ylabel" }) do
      if opts[k] ~= nil and type(opts[k]) ~= "string" and type(opts[k]) ~= "number" then
         perr(1, "new", "option '" .. k .. "' must be a string")
      end
      self[k] = opts[k] and tostring(opts[k])
   end
   for _, k in ipairs({ "xmin", "xmax", "ymin", "ymax" }) do
      if opts[k] ~= nil and (type(opts[k]) ~= "number" or opts[k] ~= opts[k] or math.abs(opts[k]) == math.huge) then
         perr(1, "new", "option '" .. k .. "' must be a finite number")
      end
      self[k] = opts[k]
   end
   self.logy = opts.logy or opts.ylog or false
   if self.logy and ((self.ymin and self.ymin <= 0) or (self.ymax and self.ymax <= 0)) then
      perr(1, "new", "log scale needs ymin and ymax > 0")
   end
   self.grid = opts.grid ~= false
   local legend = opts.legend
   if legend == nil or legend == true then legend = "best" end
   if legend ~= false and not LEGENDS[legend] then
      perr(1, "new", "invalid option legend = '" .. tostring(legend) .. "'")
   end
   self.legend = legend
   self.fontScale = opts.fontScale or (self.width >= 1000 and 2 or 1)
   if math.type(self.fontScale) ~= "integer" or self.fontScale < 1 then
      perr(1, "new", "option 'fontScale' must be a positive integer")
   end
   self.series = {}
   return self
end

setmetatable(M, { __call = function(_, opts) return M.new(opts) end })

local function newSeries(self, name, style)
   style = style or {}
   if type(style) ~= "table" then perr(4, "add", "style table expected, got " .. type(style)) end
   local s = {
      name = name, x = {}, y = {},
      color = style.color and parseColor(style.color, 4, "add") or M.colors[(#self.series % #M.colors) + 1],
      lineWidth = style.width or 2,
      marker = style.marker,
   }
   if type(s.lineWidth) ~= "number" or s.lineWidth <= 0 or s.lineWidth > 50 then
      perr(4, "add", "style 'width' must be a number in (0, 50]")
   end
   self.series[#self.series + 1] = s
   return s
end

--- p:add(name, [xs,] ys [, style]) -> p: adds a named series (xs default to 1..#ys); name
-- is shown in the legend. xs and ys are Lua tables or 1D tensors of the same length.
-- Errors: name not a string, lengths differ, non-numbers.
function Plot:add(name, xs, ys, style)
   if type(name) ~= "string" then perr(1, "add", "series name expected, got " .. hm.type(name)) end
   if ys == nil or (type(ys) == "table" and not hm.isTensor(ys) and ys[1] == nil and next(ys) ~= nil) then
      xs, ys, style = nil, xs, ys
   end
   local y = numbers(ys, xs and 3 or 2, "add")
   local x
   if xs ~= nil then
      x = numbers(xs, 2, "add")
      if #x ~= #y then
         perr(3, "add", string.format("size mismatch: %d x values, %d y values", #x, #y))
      end
   else
      x = {}
      for i = 1, #y do x[i] = i end
   end
   local s = newSeries(self, name, style)
   s.x, s.y = x, y
   return self
end

--- p:append(name, x, y) -> p: adds the point (x, y) to the series name (created when new)
function Plot:append(name, x, y)
   if type(name) ~= "string" then perr(1, "append", "series name expected, got " .. hm.type(name)) end
   if type(x) ~= "number" then perr(2, "append", "number expected, got " .. hm.type(x)) end
   if type(y) ~= "number" then perr(3, "append", "number expected, got " .. hm.type(y)) end
   local s
   for _, t in ipairs(self.series) do if t.name == name then s = t break end end
   s = s or newSeries(self, name)
   s.x[#s.x + 1], s.y[#s.y + 1] = x, y
   return self
end

------------------------------------------------------------------ ticks

local function finite(v) return v == v and v ~= math.huge and v ~= -math.huge end

-- niceStep(range, n) -> a step of 1, 2, 2.5 or 5 times a power of ten giving about n ticks
local function niceStep(range, n)
   local raw = range / n
   local mag = 10 ^ math.floor(math.log(raw, 10))
   local norm = raw / mag
   local step
   if norm <= 1 then step = 1 elseif norm <= 2 then step = 2 elseif norm <= 2.5 then step = 2.5
   elseif norm <= 5 then step = 5 else step = 10 end
   return step * mag, step == 2.5
end

-- Format v for a tick label when ticks are step apart: enough decimals to tell them apart.
local function formatTick(v, step, quarter)
   if math.abs(v) < step * 1e-6 then v = 0 end
   local big = math.max(math.abs(v), step)
   if big >= 1e6 or step < 1e-4 then
      local s = string.format("%.3g", v):gsub("e%+?(%-?)0*(%d)", "e%1%2")
      return s
   end
   local dec = math.max(0, -math.floor(math.log(step, 10) + 1e-9))
   if quarter and step < 10 then dec = dec + 1 end
   local s = string.format("%." .. dec .. "f", v)
   if s:match("^%-0%.?0*$") then s = s:sub(2) end
   return s
end
M._formatTick = formatTick

-- linear ticks: lo, hi (the axis limits: the data range widened by 4% on each free side, as
-- matplotlib does, so curves never run along the frame) and a list of {value, label} at round
-- values inside. integral: the data are whole numbers (epochs), so steps are whole too.
local function linearTicks(dmin, dmax, fixedLo, fixedHi, n, integral)
   local lo, hi = fixedLo or dmin, fixedHi or dmax
   if hi <= lo then
      local pad = lo == 0 and 1 or math.abs(lo) * 0.1
      if not fixedLo then lo = lo - pad end
      if not fixedHi or hi <= lo then hi = lo + 2 * pad end
   else
      local margin = 0.04 * (hi - lo)
      if not fixedLo then lo = lo - margin end
      if not fixedHi then hi = hi + margin end
   end
   local step, quarter, first, last
   repeat
      step, quarter = niceStep(hi - lo, n)
      if integral then
         if step < 1 then step, quarter = 1, false end
         if quarter then step, quarter = step * 0.8, false end
      end
      first = math.ceil(lo / step - 1e-9)
      last = math.floor(hi / step + 1e-9)
      n = n * 2
   until last > first or (integral and step == 1) or n > 64
   local ticks = {}
   for i = first, last do
      local v = i * step
      ticks[#ticks + 1] = { v, formatTick(v, step, quarter) }
   end
   return lo, hi, ticks
end

local function formatPow(m, e)
   local v = m * 10 ^ e
   if e >= 0 and e <= 5 then return string.format("%d", math.floor(v + 0.5)) end
   if e < 0 and e >= -4 then return string.format("%." .. (-e) .. "f", v) end
   return (m == 1 and "1" or tostring(m)) .. "e" .. e
end

-- log ticks (in log10 units): decades, with 2 and 5 labelled when there are few decades,
-- and unlabelled minor ticks 2..9 (label false)
local function logTicks(dmin, dmax, fixedLo, fixedHi)
   local lo = fixedLo and math.log(fixedLo, 10) or math.floor(math.log(dmin, 10) + 1e-9)
   local hi = fixedHi and math.log(fixedHi, 10) or math.ceil(math.log(dmax, 10) - 1e-9)
   if hi <= lo then hi = lo + 1 end
   local ticks = {}
   local few = hi - lo <= 2
   for e = math.floor(lo), math.ceil(hi) do
      for m = 1, 9 do
         local v = math.log(m, 10) + e
         if v >= lo - 1e-9 and v <= hi + 1e-9 then
            local label = false
            if m == 1 or (few and (m == 2 or m == 5)) then label = formatPow(m, e) end
            ticks[#ticks + 1] = { v, label }
         end
      end
   end
   return lo, hi, ticks
end

------------------------------------------------------------------ canvas

local Canvas = {}
Canvas.__index = Canvas

local function newCanvas(W, H)
   local t = hm.FloatTensor(3, H, W):fill(1)
   return setmetatable({ t = t, flat = t:view(-1), W = W, H = H, plane = W * H }, Canvas)
end

-- fill the rectangle of pixels [x, x+w) x [y, y+h) (0-based), clipped to the canvas
function Canvas:rect(x, y, w, h, c)
   local x0, y0 = math.max(0, math.floor(x)), math.max(0, math.floor(y))
   local x1, y1 = math.min(self.W, math.floor(x) + w), math.min(self.H, math.floor(y) + h)
   if x1 <= x0 or y1 <= y0 then return end
   for ch = 1, 3 do
      self.t[ch]:narrow(1, y0 + 1, y1 - y0):narrow(2, x0 + 1, x1 - x0):fill(c[ch])
   end
end

-- blend colour c into pixel (x, y) with opacity a (no bounds check: callers clip)
function Canvas:blend(x, y, a, c)
   local flat, i = self.flat, y * self.W + x + 1
   local p = self.plane
   if a >= 1 then
      flat[i], flat[i + p], flat[i + 2 * p] = c[1], c[2], c[3]
   else
      local b = 1 - a
      flat[i] = flat[i] * b + c[1] * a
      flat[i + p] = flat[i + p] * b + c[2] * a
      flat[i + 2 * p] = flat[i + 2 * p] * b + c[3] * a
   end
end

-- text with its cell's top-left at (x, y); vertical: rotated a quarter turn counter-clockwise,
-- reading upwards, with (x, y) the top-left of the rotated box. Returns the width drawn.
function Canvas:text(s, x, y, scale, c, vertical)
   local W, H = self.W, self.H
   local tw = font.measure(s, scale)
   return font.draw(s, scale, function(u, v)
      local px, py
      if vertical then px, py = x + v, y + tw - 1 - u else px, py = x + u, y + v end
      if px >= 0 and px < W and py >= 0 and py < H then self:blend(px, py, 1, c) end
   end)
end

------------------------------------------------------------------ series rasterisation

-- Clip segment (ax, ay)-(bx, by) to the box [x0, x1] x [y0, y1] (Liang-Barsky); nil if outside.
local function clip(ax, ay, bx, by, x0, y0, x1, y1)
   local t0, t1 = 0, 1
   local dx, dy = bx - ax, by - ay
   local p = { -dx, dx, -dy, dy }
   local q = { ax - x0, x1 - ax, ay - y0, y1 - ay }
   for i = 1, 4 do
      if p[i] == 0 then
         if q[i] < 0 then return nil end
      else
         local r = q[i] / p[i]
         if p[i] < 0 then
            if r > t1 then return nil end
            if r > t0 then t0 = r end
         else
            if r < t0 then return nil end
            if r < t1 then t1 = r end
         end
      end
   end
   return ax + t0 * dx, ay + t0 * dy, ax + t1 * dx, ay + t1 * dy
end

-- Add the coverage of a segment of half-width hw to cov (pixel index -> coverage), for
-- pixels inside box = {x0, y0, x1, y1}. Coverage is hw + 0.5 - distance, clamped to [0, 1].
local function stampSegment(cov, W, box, ax, ay, bx, by, hw)
   local dx, dy = bx - ax, by - ay
   local len2 = dx * dx + dy * dy
   local reach = hw + 1
   local function visit(px, py)
      if px < box[1] or px > box[3] or py < box[2] or py > box[4] then return end
      local t = len2 > 0 and ((px - ax) * dx + (py - ay) * dy) / len2 or 0
      if t < 0 then t = 0 elseif t > 1 then t = 1 end
      local ex, ey = px - (ax + t * dx), py - (ay + t * dy)
      local a = hw + 0.5 - math.sqrt(ex * ex + ey * ey)
      if a > 0 then
         if a > 1 then a = 1 end
         local i = py * W + px
         local old = cov[i]
         if not old or a > old then cov[i] = a end
      end
   end
   local span = math.ceil(1.5 * hw + 2)
   if math.abs(dx) >= math.abs(dy) then
      local xa, xb = math.floor(math.min(ax, bx) - reach), math.ceil(math.max(ax, bx) + reach)
      for px = xa, xb do
         local t = dx ~= 0 and (px - ax) / dx or 0
         if t < 0 then t = 0 elseif t > 1 then t = 1 end
         local yc = math.floor(ay + t * dy + 0.5)
         for py = yc - span, yc + span do visit(px, py) end
      end
   else
      local ya, yb = math.floor(math.min(ay, by) - reach), math.ceil(math.max(ay, by) + reach)
      for py = ya, yb do
         local t = (py - ay) / dy
         if t < 0 then t = 0 elseif t > 1 then t = 1 end
         local xc = math.floor(ax + t * dx + 0.5)
         for px = xc - span, xc + span do visit(px, py) end
      end
   end
end

------------------------------------------------------------------ rendering

local function legendEntries(self)
   local out = {}
   for _, s in ipairs(self.series) do
      if s.name ~= "" then out[#out + 1] = s end
   end
   return out
end

--- p:render() -> 3 x height x width FloatTensor in [0, 1] (white background)
function Plot:render()
   local W, H, fs = self.width, self.height, self.fontScale
   local cv = newCanvas(W, H)
   local cellH = font.cellHeight * fs
   local capH = font.ascent * fs

   -- 1. data ranges (finite points; y > 0 on a log scale)
   local xmin, xmax, ymin, ymax = math.huge, -math.huge, math.huge, -math.huge
   local xint, yint = true, true
   for _, s in ipairs(self.series) do
      for i = 1, #s.x do
         local x, y = s.x[i], s.y[i]
         if finite(x) and finite(y) and (not self.logy or y > 0) then
            if x < xmin then xmin = x end
            if x > xmax then xmax = x end
            if y < ymin then ymin = y end
            if y > ymax then ymax = y end
            if x ~= math.floor(x) then xint = false end
            if y ~= math.floor(y) then yint = false end
         end
      end
   end
   if xmin > xmax then xmin, xmax = 0, 1 end
   if ymin > ymax then
      if self.logy then ymin, ymax = 1, 10 else ymin, ymax = 0, 1 end
   end

   -- 2. layout: margins from the text sizes, then ticks for the plot area's size
   local tickLen, gap = 5, 4
   local top = 12
   if self.title then top = top + font.cellHeight * 2 * fs + 8 end
   local bottom = tickLen + gap + cellH + 8 + (self.xlabel and cellH + 6 or 0)
   local approxH = H - top - bottom
   local ylo, yhi, yticks
   if self.logy then
      ylo, yhi, yticks = logTicks(ymin, ymax, self.ymin, self.ymax)
   else
      local n = math.max(2, math.min(10, math.floor(approxH / (40 * fs))))
      ylo, yhi, yticks = linearTicks(ymin, ymax, self.ymin, self.ymax, n, yint)
   end
   local labelW = 0
   for _, t in ipairs(yticks) do
      if t[2] then labelW = math.max(labelW, (font.measure(t[2], fs))) end
   end
   local left = 10 + (self.ylabel and cellH + 8 or 0) + labelW + gap + tickLen
   local right = 24 * fs
   local x0, y0, x1, y1 = left, top, W - 1 - right, H - 1 - bottom   -- frame, inclusive
   if x1 - x0 < 16 or y1 - y0 < 16 then
      error("hm.plot: a " .. W .. "x" .. H .. " image is too small for the labels", 2)
   end
   local n = math.max(2, math.min(10, math.floor((x1 - x0) / (70 * fs))))
   local xlo, xhi, xticks = linearTicks(xmin, xmax, self.xmin, self.xmax, n, xint)

   local function px(x) return x0 + (x - xlo) / (xhi - xlo) * (x1 - x0) end
   local function py(y)
      if self.logy then y = math.log(y, 10) end
      return y1 - (y - ylo) / (yhi - ylo) * (y1 - y0)
   end
   local function pyt(v) return y1 - (v - ylo) / (yhi - ylo) * (y1 - y0) end   -- tick units

   -- 3. grid
   if self.grid then
      for _, t in ipairs(xticks) do
         local x = math.floor(px(t[1]) + 0.5)
         if x > x0 and x < x1 then cv:rect(x, y0 + 1, 1, y1 - y0 - 1, GRID) end
      end
      for _, t in ipairs(yticks) do
         local y = math.floor(pyt(t[1]) + 0.5)
         if t[2] and y > y0 and y < y1 then cv:rect(x0 + 1, y, x1 - x0 - 1, 1, GRID) end
      end
   end

   -- 4. series, clipped to the inside of the frame
   local box = { x0, y0, x1, y1 }
   local covs = {}
   for si, s in ipairs(self.series) do
      local cov = {}
      local hw = s.lineWidth / 2
      local count = 0
      local prev
      local pts = {}
      for i = 1, #s.x do
         local x, y = s.x[i], s.y[i]
         if finite(x) and finite(y) and (not self.logy or y > 0) then
            local p = { px(x), py(y) }
            count = count + 1
            pts[#pts + 1] = p
            if prev then
               local ax, ay, bx, by = clip(prev[1], prev[2], p[1], p[2], x0 - 4, y0 - 4, x1 + 4, y1 + 4)
               if ax then stampSegment(cov, W, box, ax, ay, bx, by, hw) end
            end
            prev = p
         else
            prev = nil
         end
      end
      local marker = s.marker
      if marker == nil then marker = count <= 30 end
      if marker or count == 1 then
         for _, p in ipairs(pts) do
            if p[1] >= x0 - 4 and p[1] <= x1 + 4 and p[2] >= y0 - 4 and p[2] <= y1 + 4 then
               stampSegment(cov, W, box, p[1], p[2], p[1], p[2], hw + 1.5)
            end
         end
      end
      for i, a in pairs(cov) do cv:blend(i % W, i // W, a, s.color) end
      covs[si] = cov
   end

   -- 5. frame and ticks
   cv:rect(x0, y0, x1 - x0 + 1, 1, FRAME)
   cv:rect(x0, y1, x1 - x0 + 1, 1, FRAME)
   cv:rect(x0, y0, 1, y1 - y0 + 1, FRAME)
   cv:rect(x1, y0, 1, y1 - y0 + 1, FRAME)
   for _, t in ipairs(xticks) do
      local x = math.floor(px(t[1]) + 0.5)
      cv:rect(x, y1 + 1, 1, tickLen, FRAME)
      local w = font.measure(t[2], fs)
      cv:text(t[2], x - w // 2, y1 + tickLen + gap, fs, TEXT)
   end
   for _, t in ipairs(yticks) do
      local y = math.floor(pyt(t[1]) + 0.5)
      local len = t[2] and tickLen or math.ceil(tickLen / 2)
      cv:rect(x0 - len, y, len, 1, FRAME)
      if t[2] then
         local w = font.measure(t[2], fs)
         cv:text(t[2], x0 - tickLen - gap - w, y - (capH - 1) // 2, fs, TEXT)
      end
   end

   -- 6. title and axis labels
   local cx = (x0 + x1) // 2
   if self.title then
      local w = font.measure(self.title, 2 * fs)
      cv:text(self.title, cx - w // 2, 12, 2 * fs, TEXT)
   end
   if self.xlabel then
      local w = font.measure(self.xlabel, fs)
      cv:text(self.xlabel, cx - w // 2, y1 + tickLen + gap + cellH + 6, fs, TEXT)
   end
   if self.ylabel then
      local w = font.measure(self.ylabel, fs)
      cv:text(self.ylabel, 10, (y0 + y1) // 2 - w // 2, fs, TEXT, true)
   end

   -- 7. legend: a sample line and the name per series, in the corner the curves use least
   local entries = legendEntries(self)
   if self.legend and #entries > 0 then
      local sample, pad, rowH = 22 * fs, 6 * fs, cellH + 4 * fs
      local textW = 0
      for _, s in ipairs(entries) do textW = math.max(textW, (font.measure(s.name, fs))) end
      local bw = pad + sample + 6 * fs + textW + pad
      local bh = pad + #entries * rowH - 4 * fs + pad
      local margin = 8
      local corners = {
         ["upper right"] = { x1 - margin - bw, y0 + margin },
         ["upper left"] = { x0 + margin, y0 + margin },
         ["lower right"] = { x1 - margin - bw, y1 - margin - bh },
         ["lower left"] = { x0 + margin, y1 - margin - bh },
      }
      local pos = corners[self.legend]
      if self.legend == "best" then
         local best = math.huge
         for _, name in ipairs({ "upper right", "upper left", "lower right", "lower left" }) do
            local c = corners[name]
            local hits = 0
            for _, cov in pairs(covs) do
               for i in pairs(cov) do
                  local x, y = i % W, i // W
                  if x >= c[1] and x < c[1] + bw and y >= c[2] and y < c[2] + bh then hits = hits + 1 end
               end
            end
            if hits < best then best, pos = hits, c end
         end
      end
      local lx, ly = math.floor(pos[1]), math.floor(pos[2])
      cv:rect(lx, ly, bw, bh, { 1, 1, 1 })
      cv:rect(lx, ly, bw, 1, LEGEND_BORDER)
      cv:rect(lx, ly + bh - 1, bw, 1, LEGEND_BORDER)
      cv:rect(lx, ly, 1, bh, LEGEND_BORDER)
      cv:rect(lx + bw - 1, ly, 1, bh, LEGEND_BORDER)
      for k, s in ipairs(entries) do
         local ty = ly + pad + (k - 1) * rowH
         local midY = ty + (capH - 1) // 2
         local cov = {}
         local lbox = { lx + 1, ly + 1, lx + bw - 2, ly + bh - 2 }
         stampSegment(cov, W, lbox, lx + pad, midY, lx + pad + sample, midY, s.lineWidth / 2)
         for i, a in pairs(cov) do cv:blend(i % W, i // W, a, s.color) end
         cv:text(s.name, lx + pad + sample + 6 * fs, ty, fs, TEXT)
      end
      self.legendBox = { lx, ly, bw, bh }
   end
   self.plotBox = { x0, y0, x1, y1 }
   self.xlim, self.ylim = { xlo, xhi }, { ylo, yhi }
   return cv.t
end

--- p:toPixel(x, y) -> column, row (1-based, fractional) of the data point (x, y) in the last
-- rendered image; for tests and for drawing annotations
function Plot:toPixel(x, y)
   if not self.plotBox then error("hm.plot: call render before toPixel", 2) end
   local x0, y0, x1, y1 = table.unpack(self.plotBox)
   local xlo, xhi = self.xlim[1], self.xlim[2]
   local ylo, yhi = self.ylim[1], self.ylim[2]
   if self.logy then y = math.log(y, 10) end
   return x0 + (x - xlo) / (xhi - xlo) * (x1 - x0) + 1, y1 - (y - ylo) / (yhi - ylo) * (y1 - y0) + 1
end

--- p:save(path) -> the rendered tensor; writes a PNG through hm.image.save
-- Errors: hm.image missing, or what hm.image.save raises; an unwritable path returns
-- nil, message like hm.image.save
function Plot:save(path)
   if type(path) ~= "string" then perr(1, "save", "string expected, got " .. hm.type(path)) end
   local img = hm.image
   if not img or not img.save then error("hm.plot: hm.image.save is not available to write PNG", 2) end
   local t = self:render()
   local ok, err = img.save(path, t)
   if ok == nil and err then return nil, err end
   return t
end

function Plot:__tostring()
   return string.format("hm.plot.Plot(%dx%d, %d series)", self.width, self.height, #self.series)
end

--[[ hm.plot.lines(opts) -> image tensor, plot: a plot in one call. opts holds the options of
hm.plot.new plus series = { {name, xs, ys}, {name = ..., x = ..., y = ..., color = ...}, ... }
(xs optional) and file (or path): where to write the PNG.
]]
function M.lines(opts)
   if type(opts) ~= "table" then perr(1, "lines", "options table expected, got " .. hm.type(opts)) end
   local p = M.new(opts)
   local series = opts.series or {}
   if type(series) ~= "table" then perr(1, "lines", "option 'series' must be a list") end
   for i, s in ipairs(series) do
      if type(s) ~= "table" then perr(1, "lines", "series " .. i .. " must be a table") end
      local name = s.name or s[1]
      local xs, ys = s.x, s.y
      if ys == nil then
         if s[3] ~= nil then xs, ys = s[2], s[3] else ys = s[2] end
      end
      p:add(name, xs, ys, { color = s.color, width = s.width, marker = s.marker })
   end
   local file = opts.file or opts.path
   if file then
      local t, err = p:save(file)
      if not t then error("hm.plot.lines: " .. tostring(err), 2) end
      return t, p
   end
   return p:render(), p
end

return M

-- Specs for lua/harmonium/plot.lua and lua/harmonium/font.lua: the rendered tensor's size and
-- background, series colours at the data points' pixels, legend and title text pixels, log
-- scale, gaps at NaN, tick labels, PNG output and argument errors.
local hm = require 'harmonium'
local font = require 'harmonium.font'
local support = require 'support'

local function pixel(t, col, row)
   return t[1][row][col], t[2][row][col], t[3][row][col]
end

local function near(c, r, g, b, tol)
   return math.abs(c[1] - r) <= tol and math.abs(c[2] - g) <= tol and math.abs(c[3] - b) <= tol
end

-- does some pixel within d of (col, row) have colour c (within tol)?
local function hasColorNear(t, col, row, c, d, tol)
   col, row = math.floor(col + 0.5), math.floor(row + 0.5)
   for y = row - d, row + d do
      for x = col - d, col + d do
         if y >= 1 and y <= t:size(2) and x >= 1 and x <= t:size(3) then
            local r, g, b = pixel(t, x, y)
            if near(c, r, g, b, tol) then return true end
         end
      end
   end
   return false
end

-- number of pixels in the box (1-based, inclusive) darker than level on every channel
local function darkPixels(t, x0, y0, x1, y1, level)
   local n = 0
   for y = y0, y1 do
      for x = x0, x1 do
         local r, g, b = pixel(t, x, y)
         if r < level and g < level and b < level then n = n + 1 end
      end
   end
   return n
end

local function curves()
   local xs, a, b = {}, {}, {}
   for e = 1, 20 do xs[e] = e; a[e] = 10 * math.exp(-e / 4) + 0.5; b[e] = 9 * math.exp(-e / 5) + 1.6 end
   return xs, a, b
end

describe("hm.font", function()
   it("has a glyph for every printable ASCII character, within the 5 x 9 cell", function()
      for code = 32, 126 do
         local g = font.glyph(code)
         assert.is_true(g.width >= 1 and g.width <= font.cellWidth)
         for i = 1, #g.pixels, 2 do
            assert.is_true(g.pixels[i] >= 0 and g.pixels[i] < g.width)
            assert.is_true(g.pixels[i + 1] >= 0 and g.pixels[i + 1] < font.cellHeight)
         end
         if code ~= 32 then assert.is_true(#g.pixels > 0) end
      end
      assert.are.equal(font.glyph('?'), font.glyph(200))
   end)

   it("measures and draws text, scaled, digits at full width", function()
      local w, h = font.measure("A1", 1)
      assert.are.equal(11, w)
      assert.are.equal(9, h)
      assert.are.equal(22, (font.measure("A1", 2)))
      assert.are.equal(5, (font.measure("1")))
      local lit = {}
      local drawn = font.draw("T", function(u, v) lit[#lit + 1] = u .. "," .. v end)
      assert.are.equal(5, drawn)
      assert.are.equal(5 + 6, #lit)              -- the bar and the stem of T
      local n = 0
      font.draw("T", 3, function() n = n + 1 end)
      assert.are.equal(11 * 9, n)
      assert.error_matches(function() font.measure({}) end, "string expected")
      assert.error_matches(function() font.draw("x", 0, function() end) end, "positive integer scale")
   end)
end)

describe("hm.plot", function()
   it("renders a 3 x H x W float tensor in [0, 1] on white", function()
      local xs, a = curves()
      local p = hm.plot.new{ title = 'MNIST', xlabel = 'epoch', ylabel = 'error (%)', width = 320, height = 240 }
      p:add('train', xs, a)
      local t = p:render()
      assert.are.equal("hm.FloatTensor", t:type())
      assert.are.equal("3x240x320", tostring(t:size()))
      assert.is_true(t:min() >= 0 and t:max() <= 1)
      assert.are.same({ 1, 1, 1 }, { pixel(t, 1, 1) })
      assert.are.same({ 1, 1, 1 }, { pixel(t, 320, 240) })
   end)

   it("draws each series in its colour through its data points and segments", function()
      local xs, a, b = curves()
      local p = hm.plot.new{ width = 640, height = 480, legend = false }
      p:add('train', xs, a)
      p:add('test', hm.DoubleTensor(xs), hm.FloatTensor(b), { color = '#d62728' })
      local t = p:render()
      local blue, red = hm.plot.colors[1], { 0xd6 / 255, 0x27 / 255, 0x28 / 255 }
      for i = 1, 20 do
         local c, r = p:toPixel(xs[i], a[i])
         assert.is_true(hasColorNear(t, c, r, blue, 1, 0.02), "train point " .. i)
         c, r = p:toPixel(xs[i], b[i])
         assert.is_true(hasColorNear(t, c, r, red, 1, 0.02), "test point " .. i)
         assert.is_false(hasColorNear(t, c, r, blue, 1, 0.3), "no train colour at test point " .. i)
      end
      -- halfway along a segment
      local c, r = p:toPixel(2.5, (a[2] + a[3]) / 2)
      assert.is_true(hasColorNear(t, c, r, blue, 1, 0.05))
      -- data inside the axes: the limits contain every point
      assert.is_true(p.xlim[1] < 1 and p.xlim[2] > 20 and p.ylim[1] < 0.6 and p.ylim[2] > 9)
   end)

   it("shows the legend with each name and colour, and the title", function()
      local xs, a, b = curves()
      local p = hm.plot.new{ title = 'Learning curves', legend = 'upper right' }
      p:add('train', xs, a):add('test', xs, b)
      local t = p:render()
      local lx, ly, lw, lh = table.unpack(p.legendBox)
      assert.is_true(lx > p.plotBox[1] and lx + lw < p.plotBox[3])
      local x0, y0, x1, y1 = lx + 1, ly + 1, lx + lw, ly + lh
      -- text: dark pixels, as many as the font lights for the two names
      local lit = 0
      for _, s in ipairs({ 'train', 'test' }) do font.draw(s, function() lit = lit + 1 end) end
      assert.are.equal(lit, darkPixels(t, x0 + 1, y0 + 1, x1 - 1, y1 - 1, 0.2))
      -- sample lines in both colours
      local found = { false, false }
      for y = y0, y1 do
         for x = x0, x1 do
            local r, g, bb = pixel(t, x, y)
            for k = 1, 2 do
               if near(hm.plot.colors[k], r, g, bb, 0.02) then found[k] = true end
            end
         end
      end
      assert.are.same({ true, true }, found)
      -- the title at twice the scale above the plot
      local titleLit = 0
      font.draw('Learning curves', 2, function() titleLit = titleLit + 1 end)
      assert.are.equal(titleLit, darkPixels(t, 1, 1, 640, p.plotBox[2] - 1, 0.2))
   end)

   it("puts the 'best' legend in the emptiest corner", function()
      local xs, up = {}, {}
      for i = 1, 50 do xs[i] = i; up[i] = i end      -- fills upper right and lower left
      local p = hm.plot.new{}
      p:add('rising', xs, up)
      p:render()
      local lx, ly = p.legendBox[1], p.legendBox[2]
      local mx, my = (p.plotBox[1] + p.plotBox[3]) / 2, (p.plotBox[2] + p.plotBox[4]) / 2
      assert.is_true((lx < mx and ly < my) or (lx > mx and ly > my))
   end)

   it("draws a log y scale with decade ticks and skips values <= 0", function()
      local ys = {}
      for i = 1, 100 do ys[i] = 0.5 * i ^ -1.2 end
      ys[50] = 0
      local p = hm.plot.new{ logy = true, legend = false }
      p:add('mse', ys)
      local t = p:render()
      assert.are.equal(math.floor(math.log(ys[100], 10)), p.ylim[1])
      assert.are.equal(0, p.ylim[2])
      local c, r = p:toPixel(10, ys[10])
      assert.is_true(hasColorNear(t, c, r, hm.plot.colors[1], 1, 0.02))
      local _, r1 = p:toPixel(1, 1)
      local _, r01 = p:toPixel(1, 0.1)
      local _, r001 = p:toPixel(1, 0.01)
      assert.is_true(math.abs((r01 - r1) - (r001 - r01)) < 1e-9)   -- decades evenly spaced
   end)

   it("breaks the line at NaN", function()
      local p = hm.plot.new{ legend = false }
      p:add('gap', { 1, 2, 3, 4 }, { 1, 1, 0 / 0, 1 })
      p:add('ref', { 1, 4 }, { 0, 0 })
      local t = p:render()
      local c, r = p:toPixel(3, 1)
      assert.is_false(hasColorNear(t, c, r, hm.plot.colors[1], 1, 0.2))
      c, r = p:toPixel(1.5, 1)
      assert.is_true(hasColorNear(t, c, r, hm.plot.colors[1], 0, 0.02))
   end)

   it("chooses round tick labels", function()
      local f = hm.plot._formatTick
      assert.are.equal("0.25", f(0.25, 0.25, true))
      assert.are.equal("2.5", f(2.5, 2.5, true))
      assert.are.equal("25", f(25, 25, true))
      assert.are.equal("0.0", f(-1e-17, 0.1))   -- never "-0.0"
      assert.are.equal("0", f(-1e-17, 1))
      assert.are.equal("0.3", f(0.30000000000000004, 0.1))
      assert.are.equal("1.5e6", f(1.5e6, 5e5))
      local p = hm.plot.new{}
      p:add('flat', { 1, 2, 3 }, { 5, 5, 5 })          -- a constant series still gets a range
      p:render()
      assert.is_true(p.ylim[1] < 5 and p.ylim[2] > 5)
   end)

   it("builds a plot in one call with hm.plot.lines and appends points", function()
      local t, p = hm.plot.lines{ width = 200, height = 150, series = { { 'a', { 1, 2, 3 } },
         { name = 'b', x = { 1, 3 }, y = { 3, 1 } } } }
      assert.are.equal("3x150x200", tostring(t:size()))
      assert.are.equal(2, #p.series)
      local q = hm.plot.new{}
      for e = 1, 5 do q:append('valid', e, 1 / e) end
      assert.are.same({ 1, 2, 3, 4, 5 }, q.series[1].x)
      assert.are.equal(1, #q.series)
   end)

   it("writes a PNG that hm.image.load reads back", function()
      if not (hm.image and hm.image.save and hm.image.load) then
         pending("hm.image is not available")
         return
      end
      local xs, a, b = curves()
      local p = hm.plot.new{ title = 'MNIST', xlabel = 'epoch', ylabel = 'error (%)', width = 320, height = 200 }
      p:add('train', xs, a):add('test', xs, b)
      local path = support.tmpname(".png")
      local t = p:save(path)
      local bytes = support.readfile(path)
      assert.are.equal("\137PNG\r\n\26\n", bytes:sub(1, 8))
      local back = assert(hm.image.load(path))
      os.remove(path)
      assert.are.equal("3x200x320", tostring(back:size()))
      assert.tensor_near(t, back, 0.5 / 255 + 1e-6)
   end)

   it("rejects bad arguments", function()
      local p = hm.plot.new{}
      assert.error_matches(function() p:add(1, { 1 }) end, "series name expected")
      assert.error_matches(function() p:add('a', { 1, 2 }, { 1 }) end, "size mismatch: 2 x values, 1 y values")
      assert.error_matches(function() p:add('a', { 1, 'x' }) end, "number expected at index 2")
      assert.error_matches(function() p:add('a', hm.rand(2, 3)) end, "1D tensor expected")
      assert.error_matches(function() p:add('a', { 1 }, { 1 }, { color = 'red' }) end, "#rrggbb")
      assert.error_matches(function() p:append('a', 1, 'x') end, "bad argument #3 to 'append'")
      assert.error_matches(function() hm.plot.new{ width = 10 } end, "option 'width'")
      assert.error_matches(function() hm.plot.new{ legend = 'middle' } end, "invalid option legend")
      assert.error_matches(function() hm.plot.new{ logy = true, ymin = 0 } end, "log scale")
      assert.error_matches(function() hm.plot.new(3) end, "options table expected")
      assert.error_matches(function() p:toPixel(1, 1) end, "call render before toPixel")
      assert.error_matches(function() p:save(3) end, "string expected")
   end)
end)

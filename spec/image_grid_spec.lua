-- hm.image grids (toDisplayTensor, filters, minmax) and transforms (scale, flips, crop,
-- rgb2y, gray2rgb).
local hm = require 'harmonium'
local support = require 'support'

-- N constant images of H x W (C channels when given), image i holding i / N.
local function constants(n, h, w, c)
   local t = c and hm.Tensor(n, c, h, w) or hm.Tensor(n, h, w)
   for i = 1, n do t[i]:fill(i / n) end
   return t
end

-- The cell (row y, column x, both 0-based) of a grid: its image area and its padding.
local function cellOf(grid, gray, y, x, h, w, padding)
   local off = padding // 2
   local dh = gray and 1 or 2
   return grid:narrow(dh, y * (h + padding) + 1 + off, h):narrow(dh + 1, x * (w + padding) + 1 + off, w)
end

describe("hm.image.toDisplayTensor", function()
   it("puts image i in cell i, row-major, with padding that holds the max", function()
      local n, h, w = 7, 3, 4
      for _, padding in ipairs({ 0, 1, 2, 3 }) do
         local g = hm.image.toDisplayTensor{ input = constants(n, h, w), padding = padding, nrow = 3,
                                             min = 0, max = 1 }
         assert.are.equal(string.format("%dx%d", 3 * (h + padding), 3 * (w + padding)), tostring(g:size()))
         for i = 1, n do
            local cell = cellOf(g, true, (i - 1) // 3, (i - 1) % 3, h, w, padding)
            assert.near(i / n, cell:max(), 1e-6)
            assert.near(i / n, cell:min(), 1e-6)
         end
         -- every pixel outside the cells (padding, and the two empty cells) is the max, 1
         local mask = hm.Tensor(g:size()):fill(1)
         for i = 1, n do cellOf(mask, true, (i - 1) // 3, (i - 1) % 3, h, w, padding):zero() end
         local outside = hm.cmul(g, mask):sum()
         assert.near(mask:sum(), outside, 1e-4)
      end
   end)

   it("starts each image floor(padding / 2) pixels into its cell, as Torch7 does", function()
      local g = hm.image.toDisplayTensor{ input = constants(2, 1, 1), padding = 2, nrow = 2, min = 0, max = 1 }
      assert.tensor_near({ { 1, 1, 1, 1 }, { 1, 0.5, 1, 1 }, { 1, 1, 1, 1 } },
                         g:narrow(2, 1, 4):narrow(1, 1, 3), 1e-6)
      g = hm.image.toDisplayTensor{ input = constants(2, 1, 1), padding = 1, nrow = 1, min = 0, max = 1 }
      assert.tensor_near({ { 0.5, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 } }, g, 1e-6)
   end)

   it("lays out colour images and lists of tensors", function()
      local n, h, w = 5, 2, 3
      local t = constants(n, h, w, 3)
      t:select(2, 2):mul(0.5)                  -- green at half the red and blue
      local g = hm.image.toDisplayTensor{ input = t, padding = 1, nrow = 2, min = 0, max = 1 }
      assert.are.equal("3x9x8", tostring(g:size()))
      for i = 1, n do
         local cell = cellOf(g, false, (i - 1) // 2, (i - 1) % 2, h, w, 1)
         assert.near(i / n, cell[1]:max(), 1e-6)
         assert.near(i / n / 2, cell[2]:min(), 1e-6)
      end
      local list = {}
      for i = 1, n do list[i] = t[i] end
      assert.tensor_near(g, hm.image.toDisplayTensor{ input = list, padding = 1, nrow = 2, min = 0, max = 1 }, 0)
      local glist = {}
      for i = 1, n do glist[i] = t[i][1] end
      local gg = hm.image.toDisplayTensor{ input = glist, padding = 1, nrow = 2, min = 0, max = 1 }
      assert.are.equal("1x9x8", tostring(gg:size()))
      assert.tensor_near(g[1], gg[1], 0)
   end)

   it("normalises globally by default and per image with scaleeach", function()
      local t = hm.Tensor(2, 2, 2)
      t[1]:copy(hm.Tensor({ { 0, 1 }, { 2, 3 } }))
      t[2]:copy(hm.Tensor({ { 10, 10 }, { 11, 12 } }))
      local g = hm.image.toDisplayTensor{ input = t, nrow = 2 }
      assert.tensor_near(hm.Tensor({ { 0, 1, 10, 10 }, { 2, 3, 11, 12 } }):div(12), g, 1e-6)
      g = hm.image.toDisplayTensor{ input = t, nrow = 2, scaleeach = true }
      assert.tensor_near({ { 0, 1 / 3, 0, 0 }, { 2 / 3, 1, 0.5, 1 } }, g, 1e-6)
      assert.tensor_near({ { 0, 1 }, { 2, 3 } }, t[1], 0)     -- the input is not changed
   end)

   it("scales symmetrically around 0, saturates given ranges and takes positional arguments", function()
      local t = hm.Tensor({ { { -2, 1 } }, { { 0, 0.5 } } })  -- 2 images of 1 x 2
      local g = hm.image.toDisplayTensor{ input = t, nrow = 2, symmetric = true }
      assert.tensor_near({ { 0, 0.75, 0.5, 0.625 } }, g, 1e-6)
      g = hm.image.toDisplayTensor{ input = t, nrow = 2, min = -1, max = 1 }
      assert.tensor_near({ { 0, 1, 0.5, 0.75 } }, g, 1e-6)
      assert.tensor_near(g, hm.image.toDisplayTensor(t, 0, 2, false, -1, 1), 0)
      local single = hm.image.toDisplayTensor{ input = hm.Tensor({ { 2, 4 } }) }
      assert.tensor_near({ { 0, 1 } }, single, 1e-6)
   end)

   it("raises on bad input", function()
      assert.error_matches(function() hm.image.toDisplayTensor{ input = hm.Tensor(4) } end, "N x H x W")
      assert.error_matches(function() hm.image.toDisplayTensor{ input = hm.Tensor(2, 5, 3, 3) } end, "C = 1, 2, 3 or 4")
      assert.error_matches(function() hm.image.toDisplayTensor{ input = { hm.Tensor(2, 2), hm.Tensor(3, 3) } } end,
         "input%[2%] is %[3 x 3%], input%[1%] is %[2 x 2%]")
      assert.error_matches(function() hm.image.toDisplayTensor{ input = hm.Tensor(2, 2, 2), nrow = 0 } end, "nrow")
      assert.error_matches(function() hm.image.toDisplayTensor{ input = "x" } end, "non%-empty list of tensors")
   end)
end)

describe("hm.image.filters", function()
   it("renders each row as a normalised filter in its cell", function()
      local n, h, w = 6, 3, 2
      local weight = support.ramp(hm.Tensor(n, h * w), 3)
      local g = hm.image.filters(weight, { shape = { h, w }, nrow = 4, padding = 1 })
      assert.are.equal(string.format("%dx%d", 2 * (h + 1), 4 * (w + 1)), tostring(g:size()))
      for k = 1, n do
         local row = weight[k]:clone()
         local expected = row:add(-row:min()):div(row:max() - row:min()):view(h, w)
         assert.tensor_near(expected, cellOf(g, true, (k - 1) // 4, (k - 1) % 4, h, w, 1), 1e-6)
      end
   end)

   it("defaults to square gray filters, a square grid and writes a PNG", function()
      local weight = support.ramp(hm.Tensor(9, 16))
      local path = support.tmpname(".png")
      local g = hm.image.filters(weight, { path = path, symmetric = true })
      assert.are.equal("15x15", tostring(g:size()))      -- 3 x 3 cells of 5 x 5
      local row = weight[5]
      local m = math.max(math.abs(row:min()), math.abs(row:max()))
      local expected = (row:clone():add(m)):div(2 * m):view(4, 4)
      assert.tensor_near(expected, cellOf(g, true, 1, 1, 4, 4, 1), 1e-6)
      local back = assert(hm.image.load(path))
      assert.tensor_near(g, back, 0.5 / 255 + 1e-6)
      os.remove(path)
      assert.are.equal("30x30", tostring(hm.image.filters(weight, { zoom = 2 }):size()))
   end)

   it("renders colour filters from R, G and B planes", function()
      local weight = hm.Tensor(2, 3 * 2 * 2)
      for k = 1, 2 do
         weight[k]:narrow(1, 1, 4):fill(1)       -- red plane
         weight[k]:narrow(1, 5, 4):fill(0)       -- green plane
         weight[k]:narrow(1, 9, 4):fill(-1)      -- blue plane
      end
      local g = hm.image.filters(weight, { shape = { 3, 2, 2 }, padding = 0 })
      assert.are.equal("3x2x4", tostring(g:size()))
      assert.tensor_near(hm.Tensor(2, 4):fill(1), g[1], 1e-6)
      assert.tensor_near(hm.Tensor(2, 4):fill(0.5), g[2], 1e-6)
      assert.tensor_near(hm.Tensor(2, 4):fill(0), g[3], 1e-6)
   end)

   it("raises on bad shapes and returns nil, msg when the PNG cannot be written", function()
      assert.error_matches(function() hm.image.filters(hm.Tensor(2, 10)) end, "not a square")
      assert.error_matches(function() hm.image.filters(hm.Tensor(2, 10), { shape = { 3, 3 } }) end, "does not hold 10")
      assert.error_matches(function() hm.image.filters(hm.Tensor(10)) end, "hidden x visible")
      assert.error_matches(function() hm.image.filters("w") end, "bad argument #1 to 'filters'")
      local g, msg = hm.image.filters(hm.Tensor(2, 4):zero(), { path = "/nonexistent/f.png" })
      assert.is_nil(g)
      assert.matches("^cannot open", msg)
   end)
end)

describe("hm.image transforms", function()
   local img = hm.Tensor({ { 1, 2, 3 }, { 4, 5, 6 } })

   it("scale: nearest ('simple') and bilinear, byte results rounded", function()
      local s = hm.image.scale(hm.Tensor({ { 0, 1 }, { 2, 3 } }), 4, 4, "simple")
      assert.tensor_near({ { 0, 0, 1, 1 }, { 0, 0, 1, 1 }, { 2, 2, 3, 3 }, { 2, 2, 3, 3 } }, s, 0)
      local b = hm.image.scale(hm.Tensor({ { 0, 3 } }), 4, 1)
      assert.tensor_near({ { 0, 1, 2, 3 } }, b, 1e-6)
      local down = hm.image.scale(hm.Tensor({ { 0, 2, 4, 6 }, { 2, 4, 6, 8 } }), 2, 1)
      assert.tensor_near({ { 2, 6 } }, down, 1e-6)       -- area average of 2 x 2 blocks
      local bytes = hm.image.scale(hm.ByteTensor({ { 0, 1 } }), 3, 1)
      assert.tensor_near({ { 0, 1, 1 } }, bytes, 0)        -- 0.5 rounds up
      local colour = hm.image.scale(hm.Tensor(3, 10, 20):fill(0.25), 5)
      assert.are.equal("3x3x5", tostring(colour:size()))    -- longer side 5, aspect kept
      assert.tensor_near(hm.Tensor(3, 3, 5):fill(0.25), colour, 1e-6)
      assert.tensor_near(img, hm.image.scale(img:t():t(), 3, 2), 0)  -- same size, any strides
      assert.error_matches(function() hm.image.scale(img, 0, 2) end, "bad argument #2 to 'scale'")
      assert.error_matches(function() hm.image.scale(img, 2, 2, "cubic") end, "invalid option 'cubic'")
      assert.error_matches(function() hm.image.scale(hm.Tensor(2), 2, 2) end, "H x W or C x H x W")
   end)

   it("hflip, vflip and crop", function()
      assert.tensor_near({ { 3, 2, 1 }, { 6, 5, 4 } }, hm.image.hflip(img), 0)
      assert.tensor_near({ { 4, 5, 6 }, { 1, 2, 3 } }, hm.image.vflip(img), 0)
      local c = hm.Tensor(2, 2, 3)
      c[1]:copy(img); c[2]:copy(img):mul(10)
      assert.tensor_near({ { { 3, 2, 1 }, { 6, 5, 4 } }, { { 30, 20, 10 }, { 60, 50, 40 } } }, hm.image.hflip(c), 0)
      assert.tensor_near({ { 2, 3 }, { 5, 6 } }, hm.image.crop(img, 1, 0, 3, 2), 0)
      assert.tensor_near({ { 5 } }, hm.image.crop(img, 1, 1, 2, 2), 0)
      assert.tensor_near({ { 2 } }, hm.image.crop(img, "c", 1, 1), 0)
      assert.tensor_near({ { 5, 6 } }, hm.image.crop(img, "br", 2, 1), 0)
      assert.are.equal("2x2x1", tostring(hm.image.crop(c, "tl", 1, 2):size()))
      assert.error_matches(function() hm.image.crop(img, 0, 0, 4, 1) end, "outside a 3 x 2 image")
      assert.error_matches(function() hm.image.crop(img, "x", 1, 1) end, "invalid format 'x'")
      assert.error_matches(function() hm.image.hflip(3) end, "bad argument #1 to 'hflip'")
   end)

   it("rgb2y and gray2rgb", function()
      local rgb = hm.Tensor(3, 1, 2)
      rgb[1]:fill(1); rgb[2]:fill(0.5); rgb[3]:fill(0)
      assert.tensor_near({ { { 0.299 + 0.2935, 0.299 + 0.2935 } } }, hm.image.rgb2y(rgb), 1e-6)
      local b = hm.ByteTensor(3, 1, 1):fill(100)
      assert.tensor_near({ { { 100 } } }, hm.image.rgb2y(b), 0)
      local g = hm.image.gray2rgb(img)
      assert.are.equal("3x2x3", tostring(g:size()))
      assert.tensor_near(img, g[3], 0)
      assert.error_matches(function() hm.image.rgb2y(img) end, "3 x H x W image expected, got %[2 x 3%]")
   end)
end)

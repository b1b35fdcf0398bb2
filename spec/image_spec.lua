-- hm.image PNG input and output: round trips, fixtures written without libpng
-- (spec/fixtures/png/make_fixtures.py), and the error paths (nil, msg or a raise).
local hm = require 'harmonium'
local support = require 'support'

local FIX = "spec/fixtures/png/"

-- A byte image with every value different from its neighbours.
local function pattern(...)
   local t = hm.ByteTensor(...)
   local f = t:view(-1)
   for i = 1, f:nElement() do f[i] = (i * 37 + 11) % 256 end
   return t
end

local function roundtrip(img)
   local path = support.tmpname(".png")
   assert.is_true(hm.image.save(path, img))
   local back, bits = hm.image.load(path, nil, img:type() == "hm.ByteTensor" and "byte" or "float")
   os.remove(path)
   assert.are.equal(8, bits)
   return back
end

local function assertEqual(expected, actual)
   assert.are.equal(tostring(expected:size()), tostring(actual:size()))
   assert.are.equal(expected:type(), actual:type())
   assert.are.equal(0, (expected:double() - actual:double()):abs():max())
end

describe("hm.image.save and hm.image.load", function()
   it("round-trip 8-bit gray, gray+alpha, RGB and RGBA byte images exactly", function()
      assertEqual(pattern(5, 7), roundtrip(pattern(5, 7)))
      assertEqual(pattern(2, 4, 3), roundtrip(pattern(2, 4, 3)))
      assertEqual(pattern(3, 6, 5), roundtrip(pattern(3, 6, 5)))
      assertEqual(pattern(4, 3, 9), roundtrip(pattern(4, 3, 9)))
   end)

   it("round-trip float values k/255 exactly, and 1 x H x W loads as H x W", function()
      for _, c in ipairs({ 1, 3, 4 }) do
         local img = pattern(c, 6, 5):float():div(255)
         local back = roundtrip(img)
         if c == 1 then
            assertEqual(img[1], back)
         else
            assertEqual(img, back)
         end
      end
      local d = pattern(3, 2, 2):double():div(255)
      local path = support.tmpname(".png")
      assert.is_true(hm.image.save(path, d))
      assertEqual(d, (hm.image.load(path, nil, "double")))
      os.remove(path)
   end)

   it("clamps floats to [0, 1] and rounds to the nearest k/255", function()
      local img = hm.FloatTensor({ { -0.5, 0, 0.5 / 255, 0.49 / 255, 1, 7, 0 / 0 } })
      local back = roundtrip(img):mul(255)
      assert.tensor_near({ { 0, 0, 1, 0, 255, 255, 0 } }, back, 1e-4)
   end)

   it("saves non-contiguous views", function()
      local base = pattern(3, 8, 6)
      local view = base:transpose(2, 3)           -- 3 x 6 x 8, strided
      assertEqual(view:contiguous(), roundtrip(view))
      assertEqual(base:narrow(3, 2, 3):contiguous(), roundtrip(base:narrow(3, 2, 3)))
   end)

   it("replaces an existing file and leaves no temporary file behind", function()
      local dir = support.tmpname()
      os.remove(dir)
      assert.is_true(os.execute("mkdir " .. support.q(dir)))
      local path = dir .. "/a.png"
      assert.is_true(hm.image.save(path, pattern(4, 4)))
      assert.is_true(hm.image.save(path, pattern(2, 3)))
      assert.are.equal("2x3", tostring(hm.image.load(path):size()))
      local out = support.sh("ls " .. support.q(dir))
      assert.are.equal("a.png\n", out)
      os.execute("rm -rf " .. support.q(dir))
   end)

   it("encode and decode work on strings like save and load on files", function()
      local img = pattern(3, 5, 4)
      local s = hm.image.encode(img)
      assert.are.equal("\137PNG", s:sub(1, 4))
      assertEqual(img, (hm.image.decode(s, nil, "byte")))
      local path = support.tmpname(".png")
      hm.image.save(path, img)
      assert.are.equal(support.readfile(path), s)
      os.remove(path)
   end)
end)

describe("hm.image.load fixtures", function()
   local function load(name, ...) return assert(hm.image.load(FIX .. name, ...)) end

   it("reads 16-bit gray as H x W in [0, 1] and 16-bit samples on bytes rounded", function()
      local img, bits = load("gray16.png", nil, "double")
      assert.are.equal(16, bits)
      local expected = hm.DoubleTensor({ { 0, 1, 256 }, { 4660, 65534, 65535 } }):div(65535)
      assert.tensor_near(expected, img, 1e-12)
      local b = load("gray16.png", nil, "byte")
      assert.tensor_near({ { 0, 0, 1 }, { 18, 255, 255 } }, b, 0)
   end)

   it("reads 16-bit RGB and RGBA", function()
      local img = load("rgb16.png", nil, "double")
      assert.are.equal("3x2x2", tostring(img:size()))
      for c = 1, 3 do
         for y = 1, 2 do
            for x = 1, 2 do
               local v = 1000 * c + 300 * (y - 1) + 7 * (x - 1) + ((x == 2 and y == 2 and c == 3) and 60000 or 0)
               assert.are.equal(v / 65535, img[c][y][x])
            end
         end
      end
      local a = load("rgba16.png", nil, "double")
      assert.tensor_near(hm.DoubleTensor({ { { 65535, 1 } }, { { 0, 2 } }, { { 32768, 3 } }, { { 65535, 0 } } }):div(65535), a, 1e-12)
      local f = load("rgba16.png")
      assert.are.equal("hm.FloatTensor", f:type())
   end)

   it("expands palettes to RGB, and tRNS to an alpha channel", function()
      local pal = { { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 }, { 10, 20, 30 } }
      local img = load("palette8.png", nil, "byte")
      assert.are.equal("3x2x3", tostring(img:size()))
      local idx = { { 0, 1, 2 }, { 3, 2, 1 } }
      for y = 1, 2 do
         for x = 1, 3 do
            for c = 1, 3 do assert.are.equal(pal[idx[y][x] + 1][c], img[c][y][x]) end
         end
      end
      local t = load("palette2_trns.png", nil, "byte")
      assert.are.equal("4x2x5", tostring(t:size()))
      local idx2 = { { 0, 1, 2, 3, 0 }, { 3, 3, 1, 0, 2 } }
      local alpha = { [0] = 0, 128, 255, 255 }
      for y = 1, 2 do
         for x = 1, 5 do
            local k = idx2[y][x]
            for c = 1, 3 do assert.are.equal(pal[k + 1][c], t[c][y][x]) end
            assert.are.equal(alpha[k], t[4][y][x])
         end
      end
   end)

   it("expands 1- and 4-bit gray to 0..255", function()
      local g1 = load("gray1.png", nil, "byte")
      assert.are.equal("2x10", tostring(g1:size()))
      for y = 1, 2 do
         for x = 1, 10 do
            assert.are.equal(((x - 1) + (y - 1)) % 3 == 0 and 255 or 0, g1[y][x])
         end
      end
      assert.tensor_near({ { 0, 119, 255 } }, load("gray4.png", nil, "byte"), 0)
   end)

   it("reads gray+alpha as 2 x H x W, and depth 1 keeps the gray", function()
      local img = load("gray_alpha.png", nil, "byte")
      assert.are.equal("2x2x3", tostring(img:size()))
      for y = 1, 2 do
         for x = 1, 3 do
            local k = 3 * (y - 1) + (x - 1)
            assert.are.equal(40 * k, img[1][y][x])
            assert.are.equal(255 - 50 * k, img[2][y][x])
         end
      end
      assertEqual(img[1], load("gray_alpha.png", 1, "byte"))
      assert.are.equal("3x2x3", tostring(load("gray_alpha.png", 3):size()))
   end)

   it("reads Adam7-interlaced images", function()
      local img = load("interlaced.png", nil, "byte")
      assert.are.equal("3x7x9", tostring(img:size()))
      for y = 0, 6 do
         for x = 0, 8 do
            assert.are.equal((20 * x + y) % 256, img[1][y + 1][x + 1])
            assert.are.equal((30 * y + x) % 256, img[2][y + 1][x + 1])
            assert.are.equal((7 * x * y) % 256, img[3][y + 1][x + 1])
         end
      end
   end)

   it("converts depth: 1 gives the luma of RGB, 3 drops alpha or copies gray", function()
      local rgb = load("interlaced.png", nil, "double")
      local y = load("interlaced.png", 1, "double")
      assert.are.equal("7x9", tostring(y:size()))
      local expect = rgb[1] * 0.299 + rgb[2] * 0.587 + rgb[3] * 0.114
      assert.tensor_near(expect, y, 1e-12)
      local g = load("gray16.png", 3)
      assert.are.equal("3x2x3", tostring(g:size()))
      assertEqual(g[1], g[3])
      assert.are.equal("3x1x2", tostring(load("rgba16.png", 3):size()))
   end)
end)

describe("hm.image.load errors", function()
   local good
   setup(function()
      good = hm.image.encode(pattern(3, 16, 16))
   end)

   local function loadbytes(bytes)
      local path = support.tmpname(".png")
      support.writefile(path, bytes)
      local img, msg = hm.image.load(path)
      os.remove(path)
      return img, msg, path
   end

   it("returns nil, msg for a missing file", function()
      local img, msg = hm.image.load("/nonexistent/x.png")
      assert.is_nil(img)
      assert.are.equal("cannot open '/nonexistent/x.png' (No such file or directory)", msg)
   end)

   it("returns nil, msg for a directory", function()
      local img, msg = hm.image.load("spec")
      assert.is_nil(img)
      assert.matches("^cannot read 'spec' %(", msg)
   end)

   it("returns nil, msg for a file truncated anywhere", function()
      for _, n in ipairs({ 0, 5, 8, 20, 33, 40, #good // 2, #good - 13, #good - 1 }) do
         local img, msg, path = loadbytes(good:sub(1, n))
         assert.is_nil(img)
         assert.are.equal("'" .. path .. "' is not a valid PNG (", msg:sub(1, #path + 23))
      end
   end)

   it("returns nil, msg for a bad signature and for corrupt CRCs", function()
      local img, msg = loadbytes("GIF89a" .. good:sub(7))
      assert.is_nil(img)
      assert.matches("is not a valid PNG %(", msg)
      -- IHDR's CRC is bytes 30..33; flip a bit of it
      local bad = good:sub(1, 29) .. string.char(good:byte(30) ~ 1) .. good:sub(31)
      img, msg = loadbytes(bad)
      assert.is_nil(img)
      assert.matches("is not a valid PNG %(IHDR: CRC error%)", msg)
      -- IDAT's CRC (the chunk's data start at byte 42)
      local len = string.unpack(">I4", good, 34)
      local at = 42 + len
      bad = good:sub(1, at - 1) .. string.char(good:byte(at) ~ 0x80) .. good:sub(at + 1)
      img, msg = loadbytes(bad)
      assert.is_nil(img)
      assert.matches("is not a valid PNG %(IDAT: CRC error%)", msg)
      -- a bit of the compressed data inside IDAT: zlib or the CRC check notices
      bad = good:sub(1, 44) .. string.char(good:byte(45) ~ 0x10) .. good:sub(46)
      img, msg = loadbytes(bad)
      assert.is_nil(img)
      assert.matches("is not a valid PNG %(IDAT: ", msg)
   end)

   it("refuses a header claiming a huge image before allocating", function()
      -- a valid IHDR chunk of 60000 x 60000 RGBA (14.4 G values), then nothing
      local ihdr = string.pack(">I4I4BBBBB", 60000, 60000, 8, 6, 0, 0, 0)
      local function crc32(s)
         local c = 0xffffffff
         for i = 1, #s do
            c = c ~ s:byte(i)
            for _ = 1, 8 do c = (c >> 1) ~ (0xedb88320 & -(c & 1)) end
         end
         return (~c) & 0xffffffff
      end
      local crc = string.pack(">I4", crc32("IHDR" .. ihdr))
      local head = "\137PNG\r\n\26\n" .. string.pack(">I4", 13) .. "IHDR" .. ihdr .. crc
      local img, msg = hm.image.decode(head .. good:sub(34))
      assert.is_nil(img)
      assert.matches("^data is too large %(60000 x 60000 pixels x 4 channels; at most %d+ values%)$", msg)
      local wide = string.pack(">I4I4BBBBB", 100000, 1, 8, 0, 0, 0, 0)
      head = "\137PNG\r\n\26\n" .. string.pack(">I4", 13) .. "IHDR" .. wide ..
             string.pack(">I4", crc32("IHDR" .. wide))
      img, msg = hm.image.decode(head .. good:sub(34))
      assert.is_nil(img)
      assert.matches("is not a valid PNG %(", msg)
   end)

   it("raises on bad arguments", function()
      assert.error_matches(function() hm.image.load(42) end, "bad argument #1 to 'load' %(string expected, got number%)")
      assert.error_matches(function() hm.image.load() end, "bad argument #1 to 'load'")
      assert.error_matches(function() hm.image.load("x.png", 2) end, "bad argument #2 to 'load' %(depth must be 1 or 3, got 2%)")
      assert.error_matches(function() hm.image.load("x.png", nil, "long") end, "bad argument #3 to 'load' %(invalid tensor type 'long'")
      assert.error_matches(function() hm.image.decode({}) end, "bad argument #1 to 'decode'")
   end)
end)

describe("hm.image.save errors", function()
   it("returns nil, msg when the directory does not exist", function()
      local ok, msg = hm.image.save("/nonexistent/dir/x.png", hm.Tensor(2, 2):zero())
      assert.is_nil(ok)
      assert.are.equal("cannot open '/nonexistent/dir/x.png' (No such file or directory)", msg)
   end)

   it("raises on a non-tensor, a bad type, a bad shape and an empty image", function()
      local p = support.tmpname(".png")
      assert.error_matches(function() hm.image.save(p, 42) end, "bad argument #2 to 'save' %(harmonium.Tensor expected, got number%)")
      assert.error_matches(function() hm.image.save(42, hm.Tensor(2, 2)) end, "bad argument #1 to 'save' %(string expected, got number%)")
      assert.error_matches(function() hm.image.save(p, hm.LongTensor(2, 2)) end,
         "bad argument #2 to 'save' %(hm.ByteTensor, hm.FloatTensor or hm.DoubleTensor expected, got hm.LongTensor%)")
      assert.error_matches(function() hm.image.save(p, hm.Tensor(5, 2, 2)) end,
         "bad argument #2 to 'save' %(H x W or C x H x W image with C = 1, 2, 3 or 4 expected, got %[5 x 2 x 2%]%)")
      assert.error_matches(function() hm.image.save(p, hm.Tensor(4)) end, "got %[4%]")
      assert.error_matches(function() hm.image.save(p, hm.Tensor(1, 2, 2, 2)) end, "got %[1 x 2 x 2 x 2%]")
      assert.error_matches(function() hm.image.save(p, hm.Tensor(3, 0, 2)) end, "empty image %[3 x 0 x 2%]")
      assert.error_matches(function() hm.image.encode("x") end, "bad argument #1 to 'encode'")
      assert.is_false(support.exists(p))
   end)
end)

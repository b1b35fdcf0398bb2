-- Specs for lua/harmonium/patches.lua (hm.preprocess.randomPatches, extractPatches and
-- assemblePatches). Every patch is compared with the image region it came from, read element
-- by element.
local hm = require 'harmonium'
local P = hm.preprocess
local support = require 'support'

-- the k x k region at (r, c) of image i of x (N x C x H x W), as a C*k*k row read by loops
local function region(x, i, r, c, k)
   local C = x:size(2)
   local out = hm.DoubleTensor(C * k * k)
   local n = 0
   for ch = 1, C do
      for y = 0, k - 1 do
         for xx = 0, k - 1 do
            n = n + 1
            out[n] = x[i][ch][r + y][c + xx]
         end
      end
   end
   return out
end

describe("hm.preprocess.randomPatches", function()
   it("draws 8x8 patches from 32x32 colour images, each equal to its region", function()
      local imgs = support.ramp(hm.FloatTensor(5, 3, 32, 32))
      local patches, pos = P.randomPatches(imgs, 8, 200)
      assert.are.equal("200x192", tostring(patches:size()))
      assert.are.equal("200x3", tostring(pos:size()))
      assert.are.equal("hm.LongTensor", pos:type())
      assert.are.equal("hm.FloatTensor", patches:type())
      for i = 1, 200 do
         local img, r, c = pos[i][1], pos[i][2], pos[i][3]
         assert.is_true(img >= 1 and img <= 5 and r >= 1 and r <= 25 and c >= 1 and c <= 25)
         assert.tensor_near(region(imgs, img, r, c, 8), patches[i], 0)
      end
      -- the planes: the first 64 values are the red plane of the patch
      local img, r, c = pos[1][1], pos[1][2], pos[1][3]
      assert.are.equal(imgs[img][1][r][c], patches[1][1])
      assert.are.equal(imgs[img][2][r][c], patches[1][65])
      assert.are.equal(imgs[img][3][r + 7][c + 7], patches[1][192])
   end)

   it("covers every position and image over many draws", function()
      local imgs = hm.ByteTensor(3, 6, 6):zero()
      local _, pos = P.randomPatches(imgs, 4, 3000)
      local seen = {}
      for i = 1, 3000 do seen[pos[i][1] .. ":" .. pos[i][2] .. ":" .. pos[i][3]] = true end
      local n = 0
      for _ in pairs(seen) do n = n + 1 end
      assert.are.equal(3 * 3 * 3, n)
   end)

   it("takes gray N x H x W images and keeps their type", function()
      local imgs = support.count(hm.ByteTensor(2, 10, 12))
      local patches, pos = P.randomPatches(imgs, 3, 50)
      assert.are.equal("50x9", tostring(patches:size()))
      assert.are.equal("hm.ByteTensor", patches:type())
      local x4 = imgs:view(2, 1, 10, 12)
      for i = 1, 50 do
         assert.tensor_near(region(x4, pos[i][1], pos[i][2], pos[i][3], 3), patches[i], 0)
      end
   end)

   it("is reproducible with a generator", function()
      local imgs = hm.rand(4, 16, 16)
      local a, pa = P.randomPatches(imgs, 5, 20, hm.Generator(99))
      local b, pb = P.randomPatches(imgs, 5, 20, hm.Generator(99))
      assert.tensor_near(pa, pb, 0)
      assert.tensor_near(a, b, 0)
   end)

   it("handles k = H and zero patches, and rejects bad arguments", function()
      local imgs = hm.rand(2, 4, 4)
      local p, pos = P.randomPatches(imgs, 4, 3)
      for i = 1, 3 do assert.are.equal(1, pos[i][2]) assert.are.equal(1, pos[i][3]) end
      assert.tensor_near(imgs[pos[1][1]]:contiguous():view(16), p[1], 0)
      assert.are.equal(0, P.randomPatches(imgs, 2, 0):size(1))
      assert.error_matches(function() P.randomPatches(imgs, 5, 3) end, "patch size 5 larger than the 4x4 images")
      assert.error_matches(function() P.randomPatches(imgs, 0, 3) end, "positive integer patch size")
      assert.error_matches(function() P.randomPatches(imgs, 2, -1) end, "non%-negative integer count")
      assert.error_matches(function() P.randomPatches(hm.rand(4, 4), 2, 1) end, "got 2D")
      assert.error_matches(function() P.randomPatches(hm.rand(0, 4, 4), 2, 1) end, "no images")
      assert.error_matches(function() P.randomPatches(nil, 2, 1) end, "got nil")
   end)
end)

describe("hm.preprocess.extractPatches / assemblePatches", function()
   it("tiles images into non-overlapping patches in order, and assembles them back exactly", function()
      local imgs = support.ramp(hm.DoubleTensor(2, 3, 8, 12))
      local patches, ph, pw = P.extractPatches(imgs, 4)
      assert.are.equal(2, ph)
      assert.are.equal(3, pw)
      assert.are.equal("12x48", tostring(patches:size()))
      local row = 0
      for i = 1, 2 do
         for pr = 0, 1 do
            for pc = 0, 2 do
               row = row + 1
               assert.tensor_near(region(imgs, i, 1 + pr * 4, 1 + pc * 4, 4), patches[row], 0)
            end
         end
      end
      assert.tensor_near(imgs, P.assemblePatches(patches, imgs:size(), 4), 0)
      assert.tensor_near(imgs, P.assemblePatches(patches, { 2, 3, 8, 12 }, 4, 4), 0)
   end)

   it("takes strided, overlapping patches and averages the overlaps", function()
      local imgs = support.ramp(hm.FloatTensor(3, 9, 9))
      local patches, ph, pw = P.extractPatches(imgs, 3, 2)
      assert.are.equal(4, ph)
      assert.are.equal(4, pw)
      assert.are.equal("48x9", tostring(patches:size()))
      local x4 = imgs:view(3, 1, 9, 9)
      assert.tensor_near(region(x4, 2, 3, 5, 3), patches[16 + 1 * 4 + 2 + 1], 0)
      -- consistent overlaps average to the image itself
      local back = P.assemblePatches(patches, { 3, 9, 9 }, 3, 2)
      assert.are.equal("3x9x9", tostring(back:size()))
      assert.tensor_near(imgs, back, 1e-6)
      -- overlapping patches of different values average: all-ones patches plus a doubled one
      local ones = hm.FloatTensor(16, 9):fill(1)
      ones[1]:fill(3)               -- patch at (1, 1) covers rows/cols 1..3; (1, 2) covers cols 3..5
      local avg = P.assemblePatches(ones, { 1, 9, 9 }, 3, 2)
      assert.are.equal(3, avg[1][1][1])
      assert.are.equal(2, avg[1][1][3])   -- covered by patches 1 and 2: (3 + 1) / 2
      assert.are.equal(1, avg[1][5][5])
   end)

   it("leaves a border no patch covers at 0", function()
      local imgs = hm.rand(1, 1, 7, 7):add(1)
      local patches = P.extractPatches(imgs, 3)
      assert.are.equal(4, patches:size(1))
      local back = P.assemblePatches(patches, imgs:size(), 3)
      assert.tensor_near(imgs:narrow(3, 1, 6):narrow(4, 1, 6), back:narrow(3, 1, 6):narrow(4, 1, 6), 0)
      assert.are.equal(0, back:select(3, 7):abs():max())
   end)

   it("works on byte images and non-contiguous input", function()
      local imgs = support.count(hm.ByteTensor(2, 6, 6))
      local p = P.extractPatches(imgs, 2)
      assert.are.equal("hm.ByteTensor", p:type())
      local back = P.assemblePatches(p, { 2, 6, 6 }, 2)
      assert.are.equal("hm.DoubleTensor", back:type())
      assert.tensor_near(imgs:double(), back, 0)
      local t = hm.rand(6, 6, 2):permute(3, 1, 2)     -- 2 x 6 x 6, not contiguous
      assert.tensor_near(t, P.assemblePatches(P.extractPatches(t, 3), { 2, 6, 6 }, 3), 0)
   end)

   it("rejects bad arguments", function()
      local imgs = hm.rand(2, 8, 8)
      local p = P.extractPatches(imgs, 4)
      assert.error_matches(function() P.extractPatches(imgs, 9) end, "larger than")
      assert.error_matches(function() P.extractPatches(imgs, 4, 0) end, "positive integer stride")
      assert.error_matches(function() P.assemblePatches(p, { 3, 8, 8 }, 4) end, "size mismatch")
      assert.error_matches(function() P.assemblePatches(p, { 8, 8 }, 4) end, "image shape")
      assert.error_matches(function() P.assemblePatches(p, "8x8", 4) end, "image shape")
      assert.error_matches(function() P.assemblePatches(p:view(-1), { 2, 8, 8 }, 4) end, "2D tensor of patches")
      assert.error_matches(function() P.assemblePatches(p, { 2, 8, 8 }, 4, 1.5) end, "stride")
   end)
end)

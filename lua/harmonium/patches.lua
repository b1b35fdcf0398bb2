--[[ hm.preprocess patches: random k x k patches from a set of images, and tiling images into
patches and back. The functions are re-exported as hm.preprocess.randomPatches,
hm.preprocess.extractPatches and hm.preprocess.assemblePatches.

   local P, pos = hm.preprocess.randomPatches(images, 8, 10000)   -- 10000 x (C*64), positions
   local T, rows, cols = hm.preprocess.extractPatches(images, 8)  -- (N*P) x (C*64)
   local I = hm.preprocess.assemblePatches(T, {N, C, H, W}, 8)

Images are N x H x W or N x C x H x W. A patch is a row of C*k*k values: its channel planes
one after the other, each row-major (R plane, G plane, B plane), the layout hm.image.filters
draws. The work is one narrow/copy per patch (random patches) or per patch position over all
images at once (tiling); no loop touches single pixels.
]]

local hm = require 'harmonium'

local M = {}

local function isReal(t)
   local name = t:type()
   return name == "hm.FloatTensor" or name == "hm.DoubleTensor"
end

-- images4(x, who) -> x as N x C x H x W (a view), and whether it was 3D
local function images4(x, who, argn)
   argn = argn or 1
   if not hm.isTensor(x) then
      error(string.format("bad argument #%d to '%s' (hm tensor expected, got %s)", argn, who, hm.type(x)), 3)
   end
   if x:dim() == 3 then return x:unsqueeze(2), true end
   if x:dim() == 4 then return x, false end
   error(string.format("bad argument #%d to '%s' (N x H x W or N x C x H x W tensor expected, got %dD)",
      argn, who, x:dim()), 3)
end

local function checkPatchSize(k, H, W, who, argn)
   if math.type(k) ~= "integer" or k < 1 then
      error(string.format("bad argument #%d to '%s' (positive integer patch size expected, got %s)",
         argn, who, tostring(k)), 3)
   end
   if k > H or k > W then
      error(string.format("bad argument #%d to '%s' (patch size %d larger than the %dx%d images)",
         argn, who, k, H, W), 3)
   end
end

--[[ hm.preprocess.randomPatches(images, k, n [, generator]) -> patches, positions
Draws n random k x k patches from images (N x H x W or N x C x H x W, any type): an image
uniformly, then a top-left corner uniformly among the (H-k+1)(W-k+1) positions.
patches: n x (C*k*k) in images' type, each row the patch's channel planes one after the other,
row-major (R plane, G plane, B plane), the layout hm.image.filters draws. positions: n x 3
LongTensor (image, row, column) of each patch's top-left corner, 1-based. The draws come from
generator (an hm.Generator) or the default one.
]]
function M.randomPatches(images, k, n, generator)
   local x = images4(images, "randomPatches")
   local N, C, H, W = x:size(1), x:size(2), x:size(3), x:size(4)
   checkPatchSize(k, H, W, "randomPatches", 2)
   if math.type(n) ~= "integer" or n < 0 then
      error("bad argument #3 to 'randomPatches' (non-negative integer count expected, got " .. tostring(n) .. ")", 2)
   end
   if N == 0 and n > 0 then error("bad argument #1 to 'randomPatches' (no images to draw from)", 2) end
   local out = x:new(n, C * k * k)
   local pos = hm.LongTensor(n, 3)
   if n == 0 then return out, pos end
   local function draw(col, hi)
      local c = pos:select(2, col)
      if generator then c:random(1, hi, generator) else c:random(1, hi) end
   end
   draw(1, N) draw(2, H - k + 1) draw(3, W - k + 1)
   local o = out:view(n, C, k, k)
   for i = 1, n do
      local img, r, c = pos[i][1], pos[i][2], pos[i][3]
      o[i]:copy(x[img]:narrow(2, r, k):narrow(3, c, k))
   end
   return out, pos
end

local function grid(H, W, k, stride)
   return (H - k) // stride + 1, (W - k) // stride + 1
end

--[[ hm.preprocess.extractPatches(images, k [, stride = k]) -> patches, rows, cols
Tiles every image (N x H x W or N x C x H x W) with k x k patches whose corners are stride
apart (non-overlapping for stride = k; a border narrower than a patch is left out).
patches: (N*P) x (C*k*k) with P = rows*cols patches per image, image by image, each image's
patches row by row; each row laid out as in randomPatches. One copy per patch position.
]]
function M.extractPatches(images, k, stride)
   local x = images4(images, "extractPatches")
   local N, C, H, W = x:size(1), x:size(2), x:size(3), x:size(4)
   checkPatchSize(k, H, W, "extractPatches", 2)
   stride = stride or k
   if math.type(stride) ~= "integer" or stride < 1 then
      error("bad argument #3 to 'extractPatches' (positive integer stride expected, got " .. tostring(stride) .. ")", 2)
   end
   local ph, pw = grid(H, W, k, stride)
   local P = ph * pw
   local out = x:new(N * P, C * k * k)
   if N == 0 then return out, ph, pw end
   local o = out:view(N, P, C, k, k)
   local p = 0
   for i = 0, ph - 1 do
      local rows_ = x:narrow(3, 1 + i * stride, k)
      for j = 0, pw - 1 do
         p = p + 1
         o:select(2, p):copy(rows_:narrow(4, 1 + j * stride, k))
      end
   end
   return out, ph, pw
end

--[[ hm.preprocess.assemblePatches(patches, imageShape, k [, stride = k]) -> images
The inverse of extractPatches: puts the (N*P) x (C*k*k) patches back into images of
imageShape ({N, H, W} or {N, C, H, W}, a table or a size), averaging where patches overlap;
pixels no patch covers are 0. Exact inverse for non-overlapping tiling. Float and double
patches come back in their type, others in double.
]]
function M.assemblePatches(patches, imageShape, k, stride)
   if not hm.isTensor(patches) or patches:dim() ~= 2 then
      error("bad argument #1 to 'assemblePatches' (2D tensor of patches expected, got "
            .. (hm.isTensor(patches) and patches:dim() .. "D" or hm.type(patches)) .. ")", 2)
   end
   if type(imageShape) ~= "table" and type(imageShape) ~= "userdata" then
      error("bad argument #2 to 'assemblePatches' (image shape {N, [C,] H, W} expected, got "
            .. hm.type(imageShape) .. ")", 2)
   end
   local shape = {}
   for i = 1, #imageShape do shape[i] = imageShape[i] end
   if #shape ~= 3 and #shape ~= 4 then
      error("bad argument #2 to 'assemblePatches' (image shape {N, [C,] H, W} expected, got "
            .. #shape .. " sizes)", 2)
   end
   for i = 1, #shape do
      if math.type(shape[i]) ~= "integer" or shape[i] < 0 then
         error("bad argument #2 to 'assemblePatches' (sizes must be non-negative integers)", 2)
      end
   end
   local N, C, H, W
   if #shape == 3 then N, C, H, W = shape[1], 1, shape[2], shape[3]
   else N, C, H, W = shape[1], shape[2], shape[3], shape[4] end
   checkPatchSize(k, H, W, "assemblePatches", 3)
   stride = stride or k
   if math.type(stride) ~= "integer" or stride < 1 then
      error("bad argument #4 to 'assemblePatches' (positive integer stride expected, got " .. tostring(stride) .. ")", 2)
   end
   local ph, pw = grid(H, W, k, stride)
   local P = ph * pw
   if patches:size(1) ~= N * P or patches:size(2) ~= C * k * k then
      error(string.format("bad argument #1 to 'assemblePatches' (size mismatch: expected %d x %d patches "
         .. "for %d images, got %s)", N * P, C * k * k, N, tostring(patches:size())), 2)
   end
   local src = isReal(patches) and patches or patches:double()
   local acc = src:new(N, C, H, W):zero()
   local count = src:new(H, W):zero()
   if N > 0 then
      local o = src:contiguous():view(N, P, C, k, k)
      local p = 0
      for i = 0, ph - 1 do
         for j = 0, pw - 1 do
            p = p + 1
            acc:narrow(3, 1 + i * stride, k):narrow(4, 1 + j * stride, k):add(o:select(2, p))
            count:narrow(1, 1 + i * stride, k):narrow(2, 1 + j * stride, k):add(1)
         end
      end
      -- the division by the counts goes through preprocess's blocked broadcast
      local broadcast = require('harmonium.preprocess')._broadcast
      broadcast(acc:view(N * C, H * W), "cdiv", count:clamp(1, math.huge):view(1, H * W))
   end
   if #shape == 3 then return acc:select(2, 1) end
   return acc
end

return M

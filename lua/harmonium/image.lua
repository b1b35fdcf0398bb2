--[[ hm.image: pictures, with the names and conventions of Torch7's image package.

   local img = assert(hm.image.load('digit.png'))       -- H x W (gray) or C x H x W in [0, 1]
   hm.image.save('grid.png', hm.image.toDisplayTensor{input = batch, padding = 2, nrow = 10})
   hm.image.filters(rbm.weight, {shape = {28, 28}, path = 'filters.png'})

Images are H x W (gray) or C x H x W tensors (C = 2 gray+alpha, 3 RGB, 4 RGBA), float or
double with values in [0, 1], or byte with values 0..255. PNG decoding and encoding, and
scaling, are C (csrc/image.c, through libpng); grids are narrow/copy per image here.
Environment failures (missing file, invalid PNG, unwritable directory) return nil, msg;
misuse (wrong types or shapes) raises.
]]

local hm = require 'harmonium'
local C = hm._image

local M = {}

-- level: 3 (default) blames the caller of the public function that calls argerror
local function argerror(n, fname, msg, level)
   error(string.format("bad argument #%d to '%s' (%s)", n, fname, msg), level or 3)
end

local function checkTensor(x, n, fname)
   if not hm.isTensor(x) then
      argerror(n, fname, "harmonium.Tensor expected, got " .. hm.type(x), 4)
   end
end

local shortType = { byte = "byte", float = "float", double = "double",
                    ["hm.ByteTensor"] = "byte", ["hm.FloatTensor"] = "float",
                    ["hm.DoubleTensor"] = "double", ["torch.ByteTensor"] = "byte",
                    ["torch.FloatTensor"] = "float", ["torch.DoubleTensor"] = "double" }

local function shapeStr(t)
   local s = {}
   for i = 1, t:dim() do s[i] = tostring(t:size(i)) end
   return "[" .. table.concat(s, " x ") .. "]"
end

------------------------------------------------------------------ colour and depth

--- rgb2y(img) -> 1 x H x W luma (0.299 R + 0.587 G + 0.114 B) of a 3 x H x W (or RGBA)
-- image, of the same type (byte values rounded). Raises on other shapes.
function M.rgb2y(img)
   checkTensor(img, 1, "rgb2y")
   if img:dim() ~= 3 or img:size(1) < 3 then
      argerror(1, "rgb2y", "3 x H x W image expected, got " .. shapeStr(img))
   end
   local x = img:type() == "hm.ByteTensor" and img:float() or img
   local y = x:select(1, 1):clone():mul(0.299)
   y:add(x:select(1, 2):clone():mul(0.587)):add(x:select(1, 3):clone():mul(0.114))
   if img:type() == "hm.ByteTensor" then y = y:round():byte() end
   return y:view(1, img:size(2), img:size(3))
end

--- gray2rgb(img) -> 3 x H x W copy of a gray H x W or 1 x H x W image (each channel the gray).
function M.gray2rgb(img)
   checkTensor(img, 1, "gray2rgb")
   local h, w
   if img:dim() == 2 then h, w = img:size(1), img:size(2)
   elseif img:dim() == 3 and img:size(1) == 1 then h, w = img:size(2), img:size(3)
   else argerror(1, "gray2rgb", "H x W or 1 x H x W image expected, got " .. shapeStr(img)) end
   return img:contiguous():view(1, h, w):expand(3, h, w):clone()
end

-- Torch's todepth: force 1 (gray, H x W) or 3 (RGB) channels; alpha is dropped.
local function toDepth(img, depth)
   if depth == nil then return img end
   local nc = img:dim() == 2 and 1 or img:size(1)
   if depth == 1 then
      if nc == 1 then return img:dim() == 2 and img or img[1] end
      if nc == 2 then return img[1]:clone() end
      return M.rgb2y(img:narrow(1, 1, 3))[1]
   end
   if nc == 3 then return img end
   if nc == 4 then return img:narrow(1, 1, 3):clone() end
   local gray = img:dim() == 2 and img or img[1]
   return M.gray2rgb(gray)
end

local function checkLoadArgs(fname, depth, tensortype)
   if depth ~= nil and depth ~= 1 and depth ~= 3 then
      argerror(2, fname, "depth must be 1 or 3, got " .. tostring(depth), 4)
   end
   local tt = "float"
   if tensortype ~= nil then
      tt = shortType[tensortype]
      if not tt then
         argerror(3, fname, "invalid tensor type '" .. tostring(tensortype) ..
                  "' (byte, float or double expected)", 4)
      end
   end
   return tt
end

------------------------------------------------------------------ PNG

--- load(path [, depth [, tensortype]]) -> img, bitdepth | nil, msg
-- Reads a PNG: gray, gray+alpha, RGB, RGBA, palette (expanded; transparency becomes an
-- alpha channel), 1 to 16 bits, interlaced or not. Returns H x W for gray, else
-- C x H x W; tensortype 'float' (default), 'double' (values in [0, 1]) or 'byte' (0..255,
-- 16-bit rounded). depth 1 converts to gray (H x W, luma of RGB), depth 3 to RGB; alpha is
-- dropped. bitdepth is the sample depth of the file after expansion (8 or 16).
-- Errors: nil, "cannot open 'x.png' (No such file or directory)", nil, "'x.png' is not a
-- valid PNG (...)", nil, "'x.png' is too large (...)"; raises on bad arguments.
function M.load(path, depth, tensortype)
   if type(path) ~= "string" then argerror(1, "load", "string expected, got " .. hm.type(path)) end
   local tt = checkLoadArgs("load", depth, tensortype)
   local img, bits = C.load(path, tt)
   if not img then return nil, bits end
   return toDepth(img, depth), bits
end

--- decode(s [, depth [, tensortype]]) -> img, bitdepth | nil, msg: load from the bytes of
-- the string s (a PNG file's contents).
function M.decode(s, depth, tensortype)
   if type(s) ~= "string" then argerror(1, "decode", "string expected, got " .. hm.type(s)) end
   local tt = checkLoadArgs("decode", depth, tensortype)
   local img, bits = C.decode(s, tt)
   if not img then return nil, bits end
   return toDepth(img, depth), bits
end

--- save(path, img) -> true | nil, msg
-- Writes img as an 8-bit PNG: H x W or 1 x H x W gray, 2 x H x W gray+alpha, 3 x H x W RGB
-- or 4 x H x W RGBA; float/double values are clamped to [0, 1] and rounded to the nearest
-- k/255, byte values written as they are. The file appears complete or not at all
-- (temporary file, then rename). nil, msg when the file cannot be written; raises on a
-- non-tensor, another tensor type or another shape.
M.save = C.save

--- encode(img) -> string: the PNG file save would write, as a string (raises like save).
M.encode = C.encode

------------------------------------------------------------------ transforms

--- scale(src, width, height [, mode]) or scale(src, size [, mode]) -> new image
-- src is H x W or C x H x W (byte, float or double). With size, the longer side becomes
-- size and the aspect ratio is kept. mode 'bilinear' (default: linear interpolation when
-- growing, with the corner pixels aligned as in Torch; area averaging when shrinking) or
-- 'simple' (nearest pixel, Torch's scaleSimple).
function M.scale(src, width, height, mode)
   checkTensor(src, 1, "scale")
   if type(height) ~= "number" then
      if type(width) ~= "number" then argerror(2, "scale", "number expected, got " .. hm.type(width)) end
      mode = height
      if src:dim() ~= 2 and src:dim() ~= 3 then
         argerror(1, "scale", "H x W or C x H x W image expected, got " .. shapeStr(src))
      end
      local ih, iw = src:size(src:dim() - 1), src:size(src:dim())
      local size = width
      if iw >= ih then
         width, height = size, math.max(1, math.floor(ih * size / iw + 0.5))
      else
         width, height = math.max(1, math.floor(iw * size / ih + 0.5)), size
      end
      width, height = math.floor(width), math.floor(height)
   end
   return C.scale(src, width, height, mode)
end

local function flip(img, dim, fname)
   if not hm.isTensor(img) then argerror(1, fname, "harmonium.Tensor expected, got " .. hm.type(img), 4) end
   if img:dim() ~= 2 and img:dim() ~= 3 then
      argerror(1, fname, "H x W or C x H x W image expected, got " .. shapeStr(img), 4)
   end
   local d = img:dim() + dim
   local n = img:size(d)
   if n == 0 then return img:clone() end
   return img:indexSelect(d, hm.range(n, 1, -1):long())
end

--- hflip(img) -> new image mirrored left to right (H x W or C x H x W).
function M.hflip(img)
   local r = flip(img, 0, "hflip")
   return r
end

--- vflip(img) -> new image mirrored top to bottom (H x W or C x H x W).
function M.vflip(img)
   local r = flip(img, -1, "vflip")
   return r
end

local cropFormats = { c = true, tl = true, tr = true, bl = true, br = true }

--- crop(img, x1, y1, x2, y2) -> new image of columns x1..x2-1 and rows y1..y2-1
-- (0-based, end excluded, as in Torch). crop(img, format, w, h) with format 'c' (centre),
-- 'tl', 'tr', 'bl' or 'br' takes a w x h window at that place. Raises when the window is
-- empty or outside the image.
function M.crop(img, x1, y1, x2, y2)
   checkTensor(img, 1, "crop")
   if img:dim() ~= 2 and img:dim() ~= 3 then
      argerror(1, "crop", "H x W or C x H x W image expected, got " .. shapeStr(img))
   end
   local dh, dw = img:dim() - 1, img:dim()
   local ih, iw = img:size(dh), img:size(dw)
   if type(x1) == "string" then
      local format, w, h = x1, y1, x2
      if not cropFormats[format] then
         argerror(2, "crop", "invalid format '" .. format .. "' (c, tl, tr, bl or br expected)")
      end
      if math.type(w) ~= "integer" or math.type(h) ~= "integer" or w < 1 or h < 1 or w > iw or h > ih then
         argerror(3, "crop", string.format("window %s x %s does not fit a %d x %d image",
                                           tostring(w), tostring(h), iw, ih))
      end
      if format == "c" then x1, y1 = (iw - w) // 2, (ih - h) // 2
      elseif format == "tl" then x1, y1 = 0, 0
      elseif format == "tr" then x1, y1 = iw - w, 0
      elseif format == "bl" then x1, y1 = 0, ih - h
      else x1, y1 = iw - w, ih - h end
      x2, y2 = x1 + w, y1 + h
   end
   for i, v in ipairs({ x1, y1, x2, y2 }) do
      if math.type(v) ~= "integer" then
         argerror(i + 1, "crop", "integer expected, got " .. (math.type(v) or hm.type(v)))
      end
   end
   if not (0 <= x1 and x1 < x2 and x2 <= iw and 0 <= y1 and y1 < y2 and y2 <= ih) then
      argerror(2, "crop", string.format("window (%d, %d)-(%d, %d) outside a %d x %d image",
                                        x1, y1, x2, y2, iw, ih))
   end
   return img:narrow(dw, x1 + 1, x2 - x1):narrow(dh, y1 + 1, y2 - y1):clone()
end

------------------------------------------------------------------ grids

--- minmax{tensor = t [, min =, max =, symm = false, inplace = false, saturate = false]}
-- -> t rescaled to [0, 1] as Torch's image.minmax: subtract min (default: t's minimum, or
-- -max|t| when symm), divide by max - min (default: the range after the shift, or 2 max|t|
-- when symm; no division by 0), then clamp to [0, 1] when saturate and min or max was given.
function M.minmax(args)
   local t = args.tensor
   checkTensor(t, 1, "minmax")
   if not args.inplace then
      local tt = t:type()
      t = (tt == "hm.DoubleTensor" or tt == "hm.FloatTensor") and t:clone() or t:float()
   end
   local lo, hi = args.min, args.max
   local saturate = args.saturate and (lo ~= nil or hi ~= nil)
   if t:nElement() == 0 then return t end
   local m = 0
   if lo == nil then
      if args.symm then
         m = math.max(math.abs(t:min()), math.abs(t:max()))
         lo = -m
      else
         lo = t:min()
      end
   end
   if lo ~= 0 then t:add(-lo) end
   if hi == nil then
      hi = args.symm and 2 * m or t:max()
   else
      hi = hi - lo
   end
   if hi ~= 0 then t:div(hi) end
   if saturate then t:clamp(0, 1) end
   return t
end

-- Pack the input of toDisplayTensor into a fresh float (or double) tensor: N x C x H x W,
-- N x H x W (a stack of gray images) or H x W (one image).
local function pack(input)
   if hm.isTensor(input) then
      local d = input:dim()
      if d == 4 then
         if input:size(2) < 1 or input:size(2) > 4 then
            error("hm.image.toDisplayTensor: N x C x H x W input needs C = 1, 2, 3 or 4, got "
                  .. shapeStr(input), 3)
         end
      elseif d ~= 2 and d ~= 3 then
         error("hm.image.toDisplayTensor: H x W, N x H x W or N x C x H x W input expected, got "
               .. shapeStr(input), 3)
      end
      if input:nElement() == 0 then
         error("hm.image.toDisplayTensor: empty input " .. shapeStr(input), 3)
      end
      if input:type() == "hm.DoubleTensor" or input:type() == "hm.FloatTensor" then
         return input:clone()
      end
      return input:float()
   end
   if type(input) ~= "table" or #input == 0 then
      error("hm.image.toDisplayTensor: input must be a tensor or a non-empty list of tensors, got "
            .. hm.type(input), 3)
   end
   local first = input[1]
   if not hm.isTensor(first) or (first:dim() ~= 2 and first:dim() ~= 3) then
      error("hm.image.toDisplayTensor: input[1] must be an H x W or C x H x W tensor", 3)
   end
   local d = first:dim()
   local c = d == 2 and 1 or first:size(1)
   local h, w = first:size(d - 1), first:size(d)
   local packed = (first:type() == "hm.DoubleTensor" and hm.DoubleTensor or hm.FloatTensor)(#input, c, h, w)
   for i, img in ipairs(input) do
      if not hm.isTensor(img) or img:nElement() ~= c * h * w or img:size(img:dim()) ~= w then
         error(string.format("hm.image.toDisplayTensor: input[%d] is %s, input[1] is %s", i,
               hm.isTensor(img) and shapeStr(img) or hm.type(img), shapeStr(first)), 3)
      end
      packed[i]:copy(img)
   end
   return packed
end

local function bool(v, default)
   if v == nil then return default end
   return v and true or false
end

--- toDisplayTensor{input = t [, padding = 0, nrow = 6, scaleeach = false, min =, max =,
--                  symmetric = false, saturate = true, padValue =]} -> grid
-- (also positional: toDisplayTensor(input, padding, nrow, scaleeach, min, max, symmetric,
-- saturate)). Lays out images as Torch7's image.toDisplayTensor: input is N x H x W (N gray
-- images), N x C x H x W, or a list of H x W or C x H x W tensors of one shape; an H x W
-- tensor is one image (rescaled only). Images go row-major, nrow per row, each in a cell of
-- (H + padding) x (W + padding) starting floor(padding / 2) pixels in. Values are rescaled
-- to [0, 1] by minmax over all images, or over each image when scaleeach; symmetric centres
-- the range on 0 (filters). Padding takes the largest rescaled value (Torch), or padValue.
-- Returns H' x W' for N x H x W input, else C x H' x W' (the input is not changed).
function M.toDisplayTensor(...)
   local opts = ...
   if select("#", ...) ~= 1 or type(opts) ~= "table" or hm.isTensor(opts) or opts.input == nil then
      local a = table.pack(...)
      opts = { input = a[1], padding = a[2], nrow = a[3], scaleeach = a[4], min = a[5],
               max = a[6], symmetric = a[7], saturate = a[8] }
   end
   local padding, nrow = opts.padding or 0, opts.nrow or 6
   if math.type(padding) ~= "integer" or padding < 0 then
      error("hm.image.toDisplayTensor: padding must be a non-negative integer, got " .. tostring(padding), 2)
   end
   if math.type(nrow) ~= "integer" or nrow < 1 then
      error("hm.image.toDisplayTensor: nrow must be a positive integer, got " .. tostring(nrow), 2)
   end
   local scaleeach = bool(opts.scaleeach, false)
   local mm = { min = opts.min, max = opts.max, symm = bool(opts.symmetric, false),
                saturate = bool(opts.saturate, true), inplace = true }
   local packed = pack(opts.input)
   if packed:dim() == 2 then
      mm.tensor = packed
      return M.minmax(mm)
   end
   local n = packed:size(1)
   if scaleeach then
      for i = 1, n do
         mm.tensor = packed[i]
         M.minmax(mm)
      end
   else
      mm.tensor = packed
      M.minmax(mm)
   end
   local gray = packed:dim() == 3
   local h, w = packed:size(packed:dim() - 1), packed:size(packed:dim())
   local xmaps = math.min(nrow, n)
   local ymaps = (n + xmaps - 1) // xmaps
   local ch, cw = h + padding, w + padding
   local off = padding // 2
   local grid
   if gray then
      grid = packed:new(ch * ymaps, cw * xmaps)
   else
      grid = packed:new(packed:size(2), ch * ymaps, cw * xmaps)
   end
   grid:fill(opts.padValue or packed:max())
   local dh = gray and 1 or 2
   for k = 1, n do
      local y, x = (k - 1) // xmaps, (k - 1) % xmaps
      grid:narrow(dh, y * ch + 1 + off, h):narrow(dh + 1, x * cw + 1 + off, w):copy(packed[k])
   end
   return grid
end

--- filters(weight [, opts]) -> grid | nil, msg
-- Renders a hidden x visible weight matrix (each row one filter, e.g. an RBM's weight) as a
-- grid, the way RBM papers show learned features. opts:
--   shape = {h, w} (gray) or {c, h, w} (colour: each row holds the R, G and B planes one
--           after another); default square gray, sqrt(visible) a side
--   nrow = filters per row (default ceil(sqrt(hidden))), padding = 1,
--   scaleeach = true (each filter rescaled to [0, 1] on its own), symmetric = false
--           (range centred on 0, so 0 is mid-gray), min, max, padValue (see toDisplayTensor),
--   zoom = integer magnification (nearest pixel; default 1),
--   path = a PNG file to write the grid to.
-- Returns the grid (H' x W' gray, 3 x H' x W' colour); nil, msg when path cannot be written.
function M.filters(weight, opts)
   checkTensor(weight, 1, "filters")
   opts = opts or {}
   if type(opts) ~= "table" then argerror(2, "filters", "table expected, got " .. hm.type(opts)) end
   if weight:dim() ~= 2 or weight:nElement() == 0 then
      argerror(1, "filters", "hidden x visible matrix expected, got " .. shapeStr(weight))
   end
   local n, v = weight:size(1), weight:size(2)
   local c, h, w
   local shape = opts.shape
   if shape == nil then
      local s = math.floor(math.sqrt(v) + 0.5)
      if s * s ~= v then
         argerror(2, "filters", "visible size " .. v .. " is not a square; give opts.shape")
      end
      c, h, w = 1, s, s
   elseif type(shape) == "table" and #shape == 2 then
      c, h, w = 1, shape[1], shape[2]
   elseif type(shape) == "table" and #shape == 3 then
      c, h, w = shape[1], shape[2], shape[3]
   else
      argerror(2, "filters", "opts.shape must be {h, w} or {c, h, w}")
   end
   for _, s in ipairs({ c, h, w }) do
      if math.type(s) ~= "integer" or s < 1 then
         argerror(2, "filters", "opts.shape entries must be positive integers")
      end
   end
   if c > 4 then argerror(2, "filters", "opts.shape has " .. c .. " channels (at most 4)") end
   if c * h * w ~= v then
      argerror(2, "filters", string.format("opts.shape %d x %d x %d does not hold %d visible units",
                                           c, h, w, v))
   end
   local wc = weight:contiguous()
   local input = c == 1 and wc:view(n, h, w) or wc:view(n, c, h, w)
   local grid = M.toDisplayTensor{
      input = input, padding = opts.padding or 1,
      nrow = opts.nrow or math.ceil(math.sqrt(n)),
      scaleeach = bool(opts.scaleeach, true), symmetric = opts.symmetric,
      min = opts.min, max = opts.max, padValue = opts.padValue }
   local zoom = opts.zoom or 1
   if math.type(zoom) ~= "integer" or zoom < 1 then
      argerror(2, "filters", "opts.zoom must be a positive integer")
   end
   if zoom > 1 then
      local d = grid:dim()
      grid = C.scale(grid, grid:size(d) * zoom, grid:size(d - 1) * zoom, "simple")
   end
   if opts.path then
      local ok, err = M.save(opts.path, grid)
      if not ok then return nil, err end
   end
   return grid
end

return M

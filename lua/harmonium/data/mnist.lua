--[[ MNIST and Fashion-MNIST.

   local train = hm.data.mnist{split = 'train'}        -- 60000 x 784 floats in [0, 1]
   local test = hm.data.mnist{split = 'test', shape = 'image'}   -- 10000 x 1 x 28 x 28
   local s = hm.data.mnist{sample = true}              -- the bundled 1,000 training digits
   train.data, train.labels, train.size

Labels follow Torch7: class = digit + 1, so labels run 1..10 and index one-hot columns and
criterion targets directly; rawLabels keeps the file's 0..9 (the digit itself for MNIST).

Where the files are looked for: opts.path when given, else (the first directory holding
them wins) $HM_DATA/mnist, then <repo>/data/cache/mnist (filled by `make data`).
Fashion-MNIST: opts.path, $HM_DATA/fashion-mnist, <repo>/data/cache/fashion-mnist and
Debian's /usr/share/datasets/fashion-mnist. Each file may be raw or gzipped (name.gz).
The bundled samples (sample = true, or split = 'train-sample' / 'test-sample') live in
<repo>/data/mnist-sample and <repo>/data/fashion-mnist-sample: the first 1,000 images of
each split, written by our IDX writer from the real files (data/make_sample.lua).
]]

local hm = require 'harmonium'
local idx = require 'harmonium.data.idx'

local M = {}

------------------------------------------------------------------ locations

--- M.repoDir() -> the source tree's root (two levels above lua/harmonium/data), or for an
-- installed copy (PREFIX/share/lua/5.4/harmonium/data) PREFIX/share/harmonium, where
-- `make install` puts data/; nil when unknown
function M.repoDir()
   local src = debug.getinfo(1, "S").source
   if src:sub(1, 1) ~= "@" then return nil end
   local share = src:sub(2):match("^(.*)[/\\]lua[/\\]5%.4[/\\]harmonium[/\\]data[/\\][^/\\]*$")
   if share then return share .. "/harmonium" end
   local dir = src:sub(2):match("^(.*)[/\\]lua[/\\]harmonium[/\\]data[/\\][^/\\]*$")
   if dir == nil and src:match("^@lua[/\\]harmonium") then dir = "." end
   return dir
end

local function exists(path)
   local f = io.open(path, "rb")
   if f then f:close() end
   return f ~= nil
end

-- The file `name` in dir, raw or gzipped, or nil.
function M.findFile(dir, name)
   for _, p in ipairs { dir .. "/" .. name, dir .. "/" .. name .. ".gz" } do
      if exists(p) then return p end
   end
   return nil
end

-- Candidate directories for a dataset: opts.path alone when given, else $HM_DATA/sub,
-- <repo>/data/cache/sub, then the extra ones.
function M.searchDirs(opts, sub, extra)
   local dirs = {}
   if opts.path then return { opts.path } end
   local env = os.getenv("HM_DATA")
   if env and env ~= "" then dirs[#dirs + 1] = env .. "/" .. sub end
   local repo = M.repoDir()
   if repo then dirs[#dirs + 1] = repo .. "/data/cache/" .. sub end
   for _, d in ipairs(extra or {}) do dirs[#dirs + 1] = d end
   return dirs
end

------------------------------------------------------------------ loader

local splitFiles = {
   train = { "train-images-idx3-ubyte", "train-labels-idx1-ubyte" },
   test = { "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" },
}

local function checkOpts(fname, opts)
   if opts == nil then opts = {} end
   if type(opts) ~= "table" then
      error("bad argument #1 to '" .. fname .. "' (table expected, got " .. type(opts) .. ")", 3)
   end
   local function bad(msg) error("bad argument #1 to '" .. fname .. "' (" .. msg .. ")", 4) end
   local split = opts.split or "train"
   local sample = opts.sample and true or false
   if split == "train-sample" or split == "test-sample" then
      sample, split = true, split:sub(1, -8)
   end
   if split == "t10k" then split = "test" end
   if not splitFiles[split] then bad("invalid split '" .. tostring(split) .. "'") end
   local shape = opts.shape or "flat"
   if shape ~= "flat" and shape ~= "image" then bad("invalid shape '" .. tostring(shape) .. "'") end
   local ty = opts.type or "float"
   if ty ~= "float" and ty ~= "byte" then bad("invalid type '" .. tostring(ty) .. "'") end
   local n = opts.n
   if n ~= nil and (math.type(n) ~= "integer" or n < 0) then bad("n must be a non-negative integer") end
   return { split = split, sample = sample, shape = shape, type = ty, n = n, path = opts.path }
end

-- Load one IDX image/label pair and build the dataset table.
local function load(info, o)
   local names = splitFiles[o.split]
   local dirs
   if o.sample then
      local repo = M.repoDir()
      dirs = { o.path or ((repo or ".") .. "/data/" .. info.sample) }
   else
      dirs = M.searchDirs(o, info.sub, info.extra)
   end
   local imgPath, labPath
   for _, d in ipairs(dirs) do
      imgPath, labPath = M.findFile(d, names[1]), M.findFile(d, names[2])
      if imgPath and labPath then break end
   end
   if not (imgPath and labPath) then
      local how = o.sample and "the bundled sample should be in the source tree's data/ directory"
         or ("run `make data` in the harmonium source tree to download it" ..
             (info.how and (" (" .. info.how .. ")") or "") ..
             ", set HM_DATA to a directory holding " .. info.sub .. "/, or pass path = dir; " ..
             "hm.data." .. info.fname .. "{sample = true} loads the bundled 1,000-image sample")
      error(string.format("hm.data.%s: %s %s set not found (looked for %s[.gz] in %s): %s",
         info.fname, info.title, o.split, names[1], table.concat(dirs, ", "), how), 3)
   end
   local readOpts = { n = o.n }
   if o.type == "float" then readOpts.type, readOpts.scale = "float", 1 / 255 end
   local images = idx.readIDX(imgPath, readOpts)
   local raw = idx.readIDX(labPath, { n = o.n })
   local function fail(msg) error("hm.data." .. info.fname .. ": " .. msg, 3) end
   if images:dim() ~= 3 or raw:dim() ~= 1 then
      fail(string.format("'%s' and '%s' are not images (N x H x W) and labels (N)", imgPath, labPath))
   end
   if images:size(1) ~= raw:size(1) then
      fail(string.format("'%s' holds %d images but '%s' %d labels", imgPath, images:size(1),
         labPath, raw:size(1)))
   end
   if raw:type() ~= "hm.ByteTensor" or (raw:nElement() > 0 and raw:max() > 9) then
      fail(string.format("'%s': labels must be bytes 0..9", labPath))
   end
   local n, h, w = images:size(1), images:size(2), images:size(3)
   local data = o.shape == "image" and images:view(n, 1, h, w) or images:view(n, h * w)
   local labels = raw:long():add(1)
   return {
      data = data,
      labels = labels,                -- 1..10 (Torch7: class = digit + 1)
      rawLabels = raw,                -- 0..9 as stored in the file
      size = n,
      classNames = info.classNames,
      files = { images = imgPath, labels = labPath },
   }
end

local digits = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" }

--- hm.data.mnist(opts) -> {data, labels, rawLabels, size, classNames, files}
-- opts.split  'train' (60,000, default) or 'test' (10,000); 'train-sample' / 'test-sample'
--             or opts.sample = true: the bundled first 1,000 of that split
-- opts.path   a directory holding the four IDX files (raw or .gz); default: see above
-- opts.n      keep only the first n images (only those are read)
-- opts.shape  'flat' (N x 784, default) or 'image' (N x 1 x 28 x 28)
-- opts.type   'float' (default: hm.FloatTensor in [0, 1]) or 'byte' (hm.ByteTensor 0..255)
-- RETURNS data, labels (hm.LongTensor of N classes 1..10 = digit + 1), rawLabels
-- (hm.ByteTensor of the digits 0..9), size N, classNames {'0', ..., '9'}, files.
-- ERRORS: a missing data set says how to get it (`make data`); corrupt files raise
-- hm.data.readIDX's errors.
function M.mnist(opts)
   return load({ fname = "mnist", title = "MNIST", sub = "mnist", sample = "mnist-sample",
                 classNames = digits }, checkOpts("mnist", opts))
end

local fashionNames = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                       "Sneaker", "Bag", "Ankle boot" }

--- hm.data.fashionmnist(opts) -> as hm.data.mnist, from Fashion-MNIST
-- Labels 1..10 are classNames' indices (T-shirt/top, Trouser, ..., Ankle boot); rawLabels 0..9.
-- Also found in Debian's /usr/share/datasets/fashion-mnist (package dataset-fashion-mnist).
function M.fashionmnist(opts)
   return load({ fname = "fashionmnist", title = "Fashion-MNIST", sub = "fashion-mnist",
                 sample = "fashion-mnist-sample", classNames = fashionNames,
                 how = "it installs Debian's dataset-fashion-mnist",
                 extra = { "/usr/share/datasets/fashion-mnist" } },
               checkOpts("fashionmnist", opts))
end

return M

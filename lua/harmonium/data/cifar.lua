--[[ CIFAR-10 and CIFAR-100, from the official binary batches.

   local train = hm.data.cifar10{split = 'train'}     -- 50000 x 3 x 32 x 32 floats in [0, 1]
   local test = hm.data.cifar100{split = 'test'}      -- labels (fine) and coarseLabels

The binary format (https://www.cs.toronto.edu/~kriz/cifar.html) is a run of fixed records:
CIFAR-10: 1 label byte, then 3072 pixel bytes: the red plane, then green, then blue, each 32
rows of 32. CIFAR-100: a coarse label byte (0..19) and a fine label byte (0..99), then the
same 3072 bytes. So a record's pixels are already the C x H x W (3 x 32 x 32) layout.
CIFAR-10 is data_batch_1.bin .. data_batch_5.bin (training) and test_batch.bin; CIFAR-100 is
train.bin and test.bin. A file whose length is not a whole number of records is an error.

Search order: opts.path alone when given, else $HM_DATA/cifar-10-batches-bin (or
cifar-100-binary), then <repo>/data/cache/... (where `make data CIFAR_TARBALL=...` extracts
the official tarball).
Labels follow Torch7: class + 1 (1..10, 1..100, coarse 1..20).
]]

local hm = require 'harmonium'
local mnist = require 'harmonium.data.mnist'

local M = {}

local cifar10Names = { "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                       "ship", "truck" }

local sets = {
   cifar10 = {
      title = "CIFAR-10", sub = "cifar-10-batches-bin", tarball = "cifar-10-binary.tar.gz",
      nclasses = { 10 },
      files = { train = { "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                          "data_batch_4.bin", "data_batch_5.bin" },
                test = { "test_batch.bin" } },
   },
   cifar100 = {
      title = "CIFAR-100", sub = "cifar-100-binary", tarball = "cifar-100-binary.tar.gz",
      nclasses = { 20, 100 },
      files = { train = { "train.bin" }, test = { "test.bin" } },
   },
}

local function exists(path)
   local f = io.open(path, "rb")
   if f then f:close() end
   return f ~= nil
end

local function load(fname, opts)
   local set = sets[fname]
   if opts == nil then opts = {} end
   if type(opts) ~= "table" then
      error("bad argument #1 to '" .. fname .. "' (table expected, got " .. type(opts) .. ")", 3)
   end
   local function bad(msg) error("bad argument #1 to '" .. fname .. "' (" .. msg .. ")", 3) end
   local split = opts.split or "train"
   if not set.files[split] then bad("invalid split '" .. tostring(split) .. "'") end
   local shape = opts.shape or "image"
   if shape ~= "flat" and shape ~= "image" then bad("invalid shape '" .. tostring(shape) .. "'") end
   local ty = opts.type or "float"
   if ty ~= "float" and ty ~= "byte" then bad("invalid type '" .. tostring(ty) .. "'") end
   local limit = opts.n
   if limit ~= nil and (math.type(limit) ~= "integer" or limit < 0) then
      bad("n must be a non-negative integer")
   end

   -- find the directory that holds every file of the split
   local names = set.files[split]
   local dirs = mnist.searchDirs(opts, set.sub)
   local dir
   for _, d in ipairs(dirs) do
      local all = true
      for _, nm in ipairs(names) do if not exists(d .. "/" .. nm) then all = false break end end
      if all then dir = d break end
   end
   if not dir then
      error(string.format("hm.data.%s: %s %s set not found (looked for %s in %s): download the "
         .. "binary version (%s) from https://www.cs.toronto.edu/~kriz/cifar.html and run "
         .. "`make data CIFAR_TARBALL=/path/to/%s` in the harmonium source tree (or CIFAR_URL=...), "
         .. "set HM_DATA to a directory holding %s/, or pass path = dir",
         fname, set.title, split, table.concat(names, ", "), table.concat(dirs, ", "),
         set.tarball, set.tarball, set.sub), 3)
   end

   -- count records first, so the tensors are allocated once; stop at the file reaching n
   local nl = #set.nclasses
   local paths, total = {}, 0
   for _, nm in ipairs(names) do
      if limit and total >= limit then break end
      local p = dir .. "/" .. nm
      local ok, k = pcall(hm._cifarcount, p, nl)
      if not ok then error("hm.data." .. fname .. ": " .. tostring(k), 3) end
      paths[#paths + 1] = p
      total = total + k
   end
   local data = ty == "float" and hm.FloatTensor(total, 3072) or hm.ByteTensor(total, 3072)
   local lab = hm.LongTensor(total, nl)
   local row = 1
   for _, p in ipairs(paths) do
      local ok, k = pcall(hm._cifarread, p, set.nclasses, data, lab, row, 1 / 255)
      if not ok then error("hm.data." .. fname .. ": " .. tostring(k), 3) end
      row = row + k
   end
   local n = limit and math.min(limit, total) or total
   if n < total then
      data = data:narrow(1, 1, n):clone()
      lab = lab:narrow(1, 1, n):clone()
   end
   lab:add(1)
   local r = {
      data = shape == "image" and data:view(n, 3, 32, 32) or data,
      size = n,
      files = paths,
   }
   if nl == 1 then
      r.labels = lab:view(n)
      r.classNames = cifar10Names
   else
      r.coarseLabels = lab:select(2, 1):clone()
      r.labels = lab:select(2, 2):clone()
      r.fineLabels = r.labels
   end
   return r
end

--- hm.data.cifar10(opts) -> {data, labels, size, classNames, files}
-- opts.split  'train' (data_batch_1..5.bin, 50,000 images, default) or 'test' (test_batch.bin)
-- opts.path   the directory holding the batches (cifar-10-batches-bin); default: see above
-- opts.n      keep only the first n images (later batch files are not read)
-- opts.shape  'image' (N x 3 x 32 x 32, default) or 'flat' (N x 3072: R plane, G, B)
-- opts.type   'float' (default: hm.FloatTensor in [0, 1]) or 'byte' (hm.ByteTensor 0..255)
-- RETURNS labels as a hm.LongTensor of classes 1..10 (file label + 1; classNames[label]).
-- ERRORS: a missing set says how to get it; a file whose length is not a multiple of 3073
-- bytes or a label byte above 9 raises, naming the file.
function M.cifar10(opts) return load("cifar10", opts) end

--- hm.data.cifar100(opts) -> {data, labels, fineLabels, coarseLabels, size, files}
-- As hm.data.cifar10, from train.bin / test.bin (cifar-100-binary; records of 3074 bytes):
-- labels = fineLabels (1..100) and coarseLabels (1..20), both hm.LongTensor.
function M.cifar100(opts) return load("cifar100", opts) end

return M

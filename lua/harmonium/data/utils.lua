--[[ Data-set utilities: shuffling, minibatches, train/validation splits, one-hot labels,
scaling, standardisation and binarisation.

   local perm = hm.data.permutation(60000, 42)              -- seeded, reproducible
   for x, y, i in hm.data.minibatches(train.data, train.labels, 100, {shuffle = true}) do ... end
   local tr, va = hm.data.split(train, 0.1)                  -- last 10% for validation
   local z, stats = hm.data.standardize(train.data)
   local zt = hm.data.standardize(test.data, stats)          -- the same transform on test data

Randomness: wherever a `generator` is taken it may be a hm.Generator, an integer seed (a
fresh hm.Generator(seed), so the same seed gives the same result) or nil (the default
generator, which hm.manualSeed seeds). Rows (dimension 1) are samples everywhere.
]]

local hm = require 'harmonium'

local M = {}

local function isGenerator(x)
   local mt = getmetatable(x)
   return type(x) == "userdata" and type(mt) == "table" and mt.__name == "harmonium.Generator"
end

-- A generator from a hm.Generator, an integer seed or nil (nil: the default generator).
local function toGenerator(fname, g)
   if g == nil or isGenerator(g) then return g end
   if math.type(g) == "integer" then return hm.Generator(g) end
   error("hm.data." .. fname .. ": generator must be a hm.Generator or an integer seed, got "
         .. type(g), 3)
end

local function checkTensor(fname, arg, t, what)
   if not hm.isTensor(t) then
      error(string.format("bad argument #%d to '%s' (%s expected, got %s)", arg, fname,
         what or "tensor", hm.type(t)), 3)
   end
   if t:dim() < 1 then
      error(string.format("bad argument #%d to '%s' (tensor with at least 1 dimension expected)",
         arg, fname), 3)
   end
end

local function checkLabels(fname, data, labels)
   if labels == nil then return end
   checkTensor(fname, 2, labels)
   if labels:size(1) ~= data:size(1) then
      error(string.format("bad argument #2 to '%s' (%d labels for %d samples)", fname,
         labels:size(1), data:size(1)), 3)
   end
end

local function randperm(n, g)
   if g then return hm.randperm(n, g) end
   return hm.randperm(n)
end

-- A new tensor of t's type whose first dimension is n and other dimensions t's.
local function rowsLike(t, n)
   local sz = t:size():totable()
   sz[1] = n
   return hm[t:type():sub(4)](hm.LongStorage(sz))
end

------------------------------------------------------------------ shuffling

--- hm.data.permutation(n [, generator]) -> hm.LongTensor: a random permutation of 1..n
function M.permutation(n, g)
   if math.type(n) ~= "integer" or n < 0 then
      error("bad argument #1 to 'permutation' (non-negative integer expected)", 2)
   end
   if n == 0 then return hm.LongTensor() end
   return randperm(n, toGenerator("permutation", g))
end

--- hm.data.shuffle(data [, labels] [, generator]) -> data', labels', perm
-- Permuted copies of data (and labels, permuted the same way) along dimension 1, and the
-- permutation used (data'[i] = data[perm[i]]). The inputs are not changed.
function M.shuffle(data, labels, g)
   checkTensor("shuffle", 1, data)
   if labels ~= nil and not hm.isTensor(labels) then labels, g = nil, labels end
   checkLabels("shuffle", data, labels)
   local n = data:size(1)
   if n == 0 then return data:clone(), labels and labels:clone(), hm.LongTensor() end
   local perm = randperm(n, toGenerator("shuffle", g))
   return data:indexSelect(1, perm), labels and labels:indexSelect(1, perm), perm
end

------------------------------------------------------------------ minibatches

--- hm.data.minibatches(data [, labels], batchSize [, opts]) -> iterator
--   for batch, batchLabels, i in hm.data.minibatches(x, y, 100, {shuffle = true}) do ... end
-- Covers every sample exactly once per call (one epoch); the last batch is smaller when
-- batchSize does not divide N, unless opts.dropLast drops it.
-- opts.shuffle    visit the samples in a random order (default false: in order)
-- opts.generator  hm.Generator or integer seed for the order (default: the default generator)
-- opts.dropLast   skip a last, incomplete batch (default false)
-- Without shuffling the batches are views of data (no copy); with it they are gathered with
-- indexSelect into two buffers allocated once per epoch and reused for every batch, so a
-- batch is only valid until the next one: clone it to keep it. labels may be nil (then
-- batchLabels is nil).
function M.minibatches(data, labels, batchSize, opts)
   checkTensor("minibatches", 1, data)
   if labels ~= nil and not hm.isTensor(labels) then
      labels, batchSize, opts = nil, labels, batchSize
   end
   checkLabels("minibatches", data, labels)
   if math.type(batchSize) ~= "integer" or batchSize < 1 then
      error("bad argument #3 to 'minibatches' (positive integer batch size expected)", 2)
   end
   opts = opts or {}
   local n = data:size(1)
   local nb = opts.dropLast and n // batchSize or (n + batchSize - 1) // batchSize
   local perm
   if opts.shuffle and n > 0 then
      perm = randperm(n, toGenerator("minibatches", opts.generator))
   end
   local bx, by
   local i = 0
   return function()
      i = i + 1
      if i > nb then return nil end
      local s = (i - 1) * batchSize + 1
      local len = math.min(batchSize, n - s + 1)
      if not perm then
         return data:narrow(1, s, len), labels and labels:narrow(1, s, len), i
      end
      local idx = perm:narrow(1, s, len)
      if not bx then
         bx = rowsLike(data, math.min(batchSize, n))
         by = labels and rowsLike(labels, math.min(batchSize, n))
      end
      local x = len == bx:size(1) and bx or bx:narrow(1, 1, len)
      hm.indexSelect(x, data, 1, idx)
      local y
      if labels then
         y = len == by:size(1) and by or by:narrow(1, 1, len)
         hm.indexSelect(y, labels, 1, idx)
      end
      return x, y, i
   end
end

------------------------------------------------------------------ splits

--- hm.data.split(data, labels, val [, opts]) -> trainData, trainLabels, valData, valLabels
--- hm.data.split(set, val [, opts]) -> trainSet, valSet   (set = {data =, labels =})
-- Holds out val samples for validation: val < 1 is a fraction of N (rounded), an integer
-- >= 1 a count. Without opts.shuffle the validation part is the last rows and every result
-- is a view; with opts.shuffle (and opts.generator: a hm.Generator or seed) rows are drawn
-- at random and copied. labels may be nil.
function M.split(data, labels, val, opts)
   if type(data) == "table" and not hm.isTensor(data) then
      local set = data
      local tx, ty, vx, vy = M.split(set.data, set.labels, labels, val)
      return { data = tx, labels = ty, size = tx:size(1), classNames = set.classNames },
             { data = vx, labels = vy, size = vx:size(1), classNames = set.classNames }
   end
   checkTensor("split", 1, data)
   checkLabels("split", data, labels)
   opts = opts or {}
   local n = data:size(1)
   local nval
   if math.type(val) == "integer" and val >= 0 then nval = val
   elseif type(val) == "number" and val >= 0 and val < 1 then nval = math.floor(val * n + 0.5)
   else error("bad argument #3 to 'split' (a fraction in [0, 1) or a count expected)", 2) end
   if nval > n then
      error(string.format("bad argument #3 to 'split' (%d validation samples of %d)", nval, n), 2)
   end
   if opts.shuffle then
      data, labels = M.shuffle(data, labels, toGenerator("split", opts.generator))
   end
   local ntr = n - nval
   local function part(t, s, len)
      if t == nil then return nil end
      if len == 0 then return rowsLike(t, 0) end
      return t:narrow(1, s, len)
   end
   return part(data, 1, ntr), part(labels, 1, ntr), part(data, ntr + 1, nval),
          part(labels, ntr + 1, nval)
end

------------------------------------------------------------------ labels

--- hm.data.onehot(labels, nclasses [, typename]) -> N x nclasses tensor (default float)
-- Row i has a 1 in column labels[i] (1-based classes 1..nclasses) and 0 elsewhere.
-- ERRORS: a label outside 1..nclasses.
function M.onehot(labels, nclasses, typename)
   checkTensor("onehot", 1, labels)
   if math.type(nclasses) ~= "integer" or nclasses < 1 then
      error("bad argument #2 to 'onehot' (positive integer number of classes expected)", 2)
   end
   local n = labels:nElement()
   local l = labels:long():contiguous():view(n)
   if n > 0 then
      local lo, hi = l:min(), l:max()
      if lo < 1 or hi > nclasses then
         error(string.format("bad argument #1 to 'onehot' (label %d out of range 1..%d)",
            lo < 1 and lo or hi, nclasses), 2)
      end
   end
   local cls = hm[(typename and hm._canonicalType(typename) or "hm.FloatTensor"):sub(4)]
   local r = cls(n, nclasses):zero()
   if n > 0 then r:scatter(2, l:view(n, 1), 1) end
   return r
end

------------------------------------------------------------------ scaling

--- hm.data.toFloat(bytes [, scale [, res]]) -> hm.FloatTensor of bytes x scale (default
-- 1/255, so 0..255 maps to [0, 1]) in one parallel pass in C; res is reused when given.
function M.toFloat(bytes, scale, res)
   checkTensor("toFloat", 1, bytes, "hm.ByteTensor")
   return hm._bytetofloat(bytes, scale or 1 / 255, res)
end

--- hm.data.scale(t) -> t' in [0, 1], min, max
-- Byte tensors are divided by 255 (min 0, max 255); float and double tensors are mapped
-- linearly so their minimum becomes 0 and their maximum 1 (a constant tensor gives zeros).
function M.scale(t)
   checkTensor("scale", 1, t)
   if t:type() == "hm.ByteTensor" then return M.toFloat(t), 0, 255 end
   if t:type() == "hm.LongTensor" then t = t:double() end
   if t:nElement() == 0 then return t:clone(), 0, 0 end
   local lo, hi = t:min(), t:max()
   local r = hm.add(t, -lo)
   if hi > lo then r:div(hi - lo) end
   return r, lo, hi
end

--- hm.data.standardize(data [, stats] [, opts]) -> z, stats
-- z = (data - mean) / std, per feature (mean and std over dimension 1, so stats.mean and
-- stats.std have size 1 in dimension 1), or over all elements with opts.global (numbers).
-- Without stats they are computed from data (population std; a std below opts.eps, default
-- 1e-8, counts as 1, so constant features map to 0); pass the returned stats to apply the
-- same transform to other data (test sets). Byte and long data are converted to float.
function M.standardize(data, stats, opts)
   checkTensor("standardize", 1, data)
   if stats ~= nil and type(stats) ~= "table" then
      error("bad argument #2 to 'standardize' (stats table expected, got " .. type(stats) .. ")", 2)
   end
   if stats ~= nil and stats.mean == nil then stats, opts = nil, stats end
   opts = opts or {}
   local x = data
   if x:type() ~= "hm.FloatTensor" and x:type() ~= "hm.DoubleTensor" then x = x:float() end
   if not stats then
      if x:size(1) == 0 then error("bad argument #1 to 'standardize' (no samples)", 2) end
      local eps = opts.eps or 1e-8
      if opts.global then
         local mean = x:mean()
         local c = hm.add(x, -mean)
         local std = math.sqrt(c:cmul(c):mean())
         stats = { mean = mean, std = std < eps and 1 or std }
      else
         local mean = x:mean(1)
         local c = hm.add(x, -1, mean:expandAs(x))
         local std = c:cmul(c):mean(1):sqrt()
         std:maskedFill(std:lt(eps), 1)
         stats = { mean = mean, std = std }
      end
   end
   local z
   if type(stats.mean) == "number" then
      z = hm.add(x, -stats.mean):div(stats.std)
   else
      if stats.mean:nElement() * x:size(1) ~= x:nElement() then
         error("bad argument #2 to 'standardize' (stats were computed for another shape)", 2)
      end
      local mean, std = stats.mean:typeAs(x), stats.std:typeAs(x)
      z = hm.add(x, -1, mean:viewAs(x:narrow(1, 1, 1)):expandAs(x))
      z:cdiv(std:viewAs(x:narrow(1, 1, 1)):expandAs(x))
   end
   return z, stats
end

--- hm.data.unstandardize(z, stats) -> z * std + mean (the inverse of hm.data.standardize)
function M.unstandardize(z, stats)
   checkTensor("unstandardize", 1, z)
   if type(stats) ~= "table" or stats.mean == nil then
      error("bad argument #2 to 'unstandardize' (stats table from hm.data.standardize expected)", 2)
   end
   if type(stats.mean) == "number" then return hm.mul(z, stats.std):add(stats.mean) end
   local row = z:narrow(1, 1, 1)
   local std, mean = stats.std:typeAs(z):viewAs(row), stats.mean:typeAs(z):viewAs(row)
   return hm.cmul(z, std:expandAs(z)):add(mean:expandAs(z))
end

------------------------------------------------------------------ binarisation

--- hm.data.binarize(t [, threshold]) -> 0/1 tensor of t's type: 1 where t > threshold
-- (default 0.5; use 127 for 0..255 bytes).
--- hm.data.binarize(t, 'stochastic' [, generator]) -> 1 with probability t (t in [0, 1]),
-- drawn with t:bernoulli, as in RBM papers' "stochastically binarized MNIST".
function M.binarize(t, threshold, g)
   checkTensor("binarize", 1, t)
   if threshold == "stochastic" then
      if t:type() ~= "hm.FloatTensor" and t:type() ~= "hm.DoubleTensor" then
         error("bad argument #1 to 'binarize' (stochastic binarization needs float or double "
               .. "probabilities, got " .. t:type() .. ")", 2)
      end
      g = toGenerator("binarize", g)
      local r = t.new(t):resizeAs(t)
      if g then return r:bernoulli(t, g) end
      return r:bernoulli(t)
   end
   if threshold ~= nil and type(threshold) ~= "number" then
      error("bad argument #2 to 'binarize' (number or 'stochastic' expected, got "
            .. type(threshold) .. ")", 2)
   end
   return t:gt(threshold or 0.5):type(t:type())
end

return M

--[[ hm.preprocess: data preprocessing on whole tensors.

   local pca = hm.preprocess.PCA{k = 50}:fit(X)         -- X is N x D, rows are samples
   local Z = pca:transform(X)                            -- N x 50
   local Xr = pca:inverse(Z)                             -- N x D
   local zca = hm.preprocess.ZCA{epsilon = 1e-2}:fit(X)  -- W = U diag(1/sqrt(lambda + eps)) U^T
   local W = zca:transform(X)
   local st = hm.preprocess.Standardize():fit(X)         -- per-feature zero mean, unit std
   local G = hm.preprocess.contrastNormalize(X, {scale = 1, bias = 10})
   local L = hm.preprocess.localContrastNormalize(images, {size = 9})
   local P, pos = hm.preprocess.randomPatches(images, 8, 10000)
   local T = hm.preprocess.extractPatches(images, 8)     -- (N*P) x (C*8*8)
   local I = hm.preprocess.assemblePatches(T, {N, C, H, W}, 8)

Fitted models (PCA, ZCA, Standardize) are hm.class objects, so hm.save/hm.load keep them.
Their statistics are accumulated in double over blocks of rows (the covariance is a sum of
block GEMMs), so a large float data set never needs a full double copy, and the eigenproblem
is solved in double by LAPACK (hm.symeig); the fitted matrices are then stored in the input's
type. Transforms are one GEMM with the mean folded into a bias row: Z = X W + b with
b = -mean W, written by addmm onto the expanded bias, so no centred copy of X is made.

Inputs with more than two dimensions (N x C x H x W images) are read as N x (C*H*W) rows;
the results of transform/inverse then keep the input's shape where the width allows it.
]]

local hm = require 'harmonium'

local M = {}

local CHUNK = 4096   -- rows per block when accumulating statistics in double
local BLOCK = 2^20   -- elements per block of a materialised broadcast

------------------------------------------------------------------ helpers

local function isReal(t)
   local name = t:type()
   return name == "hm.FloatTensor" or name == "hm.DoubleTensor"
end

-- rows(X, who, argn) -> X as an N x D view (float or double), the feature sizes of X.
local function rows(X, who, argn)
   if not hm.isTensor(X) then
      error(string.format("bad argument #%d to '%s' (hm.FloatTensor or hm.DoubleTensor expected, got %s)",
         argn, who, hm.type(X)), 3)
   end
   if not isReal(X) then
      error(string.format("bad argument #%d to '%s' (hm.FloatTensor or hm.DoubleTensor expected, got %s)",
         argn, who, X:type()), 3)
   end
   if X:dim() < 2 then
      error(string.format("bad argument #%d to '%s' (N x D tensor expected, got %dD)", argn, who, X:dim()), 3)
   end
   local shape = X:size():totable()
   table.remove(shape, 1)
   if X:dim() == 2 then return X, shape end
   return X:contiguous():view(X:size(1), -1), shape
end

-- The result shape: N x shape when the width matches the fitted feature count.
local function reshaped(R, shape, D)
   if #shape <= 1 or R:size(2) ~= D then return R end
   local sizes = { R:size(1) }
   for i = 1, #shape do sizes[i + 1] = shape[i] end
   return R:view(hm.LongStorage(sizes))
end

local function checkopts(opts, who)
   if opts ~= nil and type(opts) ~= "table" then
      error(string.format("bad argument #1 to '%s' (options table expected, got %s)", who, hm.type(opts)), 3)
   end
   return opts or {}
end

-- broadcast(res, op, v [, scratch]) -> res: res:op(v expanded to res's shape), res N x D
-- contiguous, v 1 x D (a row for every sample) or N x 1 (a value per sample). The core's
-- element-wise ops are about 40x slower on an expanded (stride 0) operand than on a contiguous
-- one (0.55 s against 0.015 s for 60000 x 784), while copying from an expanded tensor is fast,
-- so v is copied out block by block (2^20 elements at most) and combined contiguously.
local function broadcast(res, op, v, scratch)
   local N, D = res:size(1), res:size(2)
   if N == 0 or D == 0 then return res end
   local B = math.max(1, math.min(N, BLOCK // D))
   scratch = scratch or res:new()
   for i = 1, N, B do
      local n = math.min(B, N - i + 1)
      local r = res:narrow(1, i, n)
      local vb = v:size(1) == 1 and v or v:narrow(1, i, n)
      local blk = scratch:resize(n, D):copy(vb:expand(n, D))
      r[op](r, blk)
   end
   return res
end

-- meanCov(X [, wantCov]) -> mean (1 x D double), covariance (D x D double, divided by N - 1)
-- or per-feature variance (1 x D double) when wantCov is false. Accumulated over blocks of
-- CHUNK rows converted to double, so float data is never copied whole.
local function meanCov(X, wantCov)
   local N, D = X:size(1), X:size(2)
   local sum = hm.DoubleTensor(1, D):zero()
   for i = 1, N, CHUNK do
      local b = X:narrow(1, i, math.min(CHUNK, N - i + 1))
      sum:add(b:double():sum(1))
   end
   local mean = sum:div(N)
   local acc = wantCov and hm.DoubleTensor(D, D):zero() or hm.DoubleTensor(1, D):zero()
   local buf = hm.DoubleTensor()
   local ones = hm.DoubleTensor(math.min(N, CHUNK)):fill(1)
   for i = 1, N, CHUNK do
      local b = X:narrow(1, i, math.min(CHUNK, N - i + 1))
      buf:resize(b:size(1), D):copy(b)
      buf:addr(-1, ones:narrow(1, 1, b:size(1)), mean:view(D))
      if wantCov then
         acc:addmm(buf:t(), buf)
      else
         acc:add(buf:cmul(buf):sum(1))
      end
   end
   acc:div(math.max(N - 1, 1))
   return mean, acc
end

-- eigen(C) -> eigenvalues (descending, clamped at 0), eigenvectors as columns (double)
local function eigen(C)
   local e, V = hm.symeig(C, 'V')
   local D = e:size(1)
   local rev = hm.LongTensor(D)
   for i = 1, D do rev[i] = D - i + 1 end
   e = e:indexSelect(1, rev):clamp(0, math.huge)
   V = V:indexSelect(2, rev)
   return e, V
end

-- A cache of the fitted matrices converted to another tensor type (weak: never saved).
local converted = setmetatable({}, { __mode = "k" })

local function params(self, typename)
   if typename == self.tensorType then return self end
   local c = converted[self]
   if not c or c.tensorType ~= typename or c.source ~= self.transformMatrix then
      c = { tensorType = typename, source = self.transformMatrix }
      for _, key in ipairs({ "transformMatrix", "transformBias", "inverseMatrix", "mean" }) do
         c[key] = self[key]:type(typename)
      end
      converted[self] = c
   end
   return c
end

-- Shared transform/inverse of the linear models: R = X W + b, one GEMM.
local function affine(self, X, res, who, inverse)
   local X2, shape = rows(X, who, 1)
   if not self.transformMatrix then
      error(string.format("%s: call fit before %s", self.__name, inverse and "inverse" or "transform"), 3)
   end
   local p = params(self, X2:type())
   local W = inverse and p.inverseMatrix or p.transformMatrix
   local b = inverse and p.mean or p.transformBias
   if X2:size(2) ~= W:size(1) then
      error(string.format("bad argument #1 to '%s' (size mismatch: expected %d columns, got %d)",
         who, W:size(1), X2:size(2)), 3)
   end
   res = res or X2:new()
   hm.addmm(res, b:expand(X2:size(1), W:size(2)), X2, W)
   if inverse then
      return reshaped(res, self.featureShape or {}, W:size(2))
   end
   return reshaped(res, shape, W:size(2))
end

------------------------------------------------------------------ PCA

--[[ hm.preprocess.PCA([X,] {k = D, whiten = false, epsilon = 0}) -> a PCA model, fitted on X
when X is given. k is the number of components kept: an integer, or a fraction in (0, 1)
meaning the fewest components that explain that share of the variance. With whiten the
projections are divided by sqrt(lambda + epsilon), so each has unit variance.
Fields after fit: mean (1 x D), components (k x D, rows sorted by decreasing variance),
explainedVariance (k), explainedVarianceRatio (k, sums to 1 when k = D), eigenvalues (D,
descending), all in X's type.
]]
local PCA = hm.class('hm.preprocess.PCA')
M.PCA = PCA
PCA.__name = "hm.preprocess.PCA"

function PCA:__init(X, opts)
   if not hm.isTensor(X) then X, opts = nil, X end
   opts = checkopts(opts, "PCA")
   local k = opts.k
   if k ~= nil and not (math.type(k) == "integer" and k >= 1 or math.type(k) == "float" and k > 0 and k < 1) then
      error("bad argument #1 to 'PCA' (option 'k' must be a positive integer or a fraction in (0, 1), got "
            .. tostring(k) .. ")", 2)
   end
   if opts.epsilon ~= nil and (type(opts.epsilon) ~= "number" or opts.epsilon < 0) then
      error("bad argument #1 to 'PCA' (option 'epsilon' must be a number >= 0)", 2)
   end
   self.k = k
   self.whiten = opts.whiten and true or false
   self.epsilon = opts.epsilon or 0
   if X then self:fit(X) end
end

--- pca:fit(X) -> pca, fitted on the rows of X (N x D, N >= 2; float or double)
function PCA:fit(X)
   local X2, shape = rows(X, "fit", 1)
   local N, D = X2:size(1), X2:size(2)
   if N < 2 then error("bad argument #1 to 'fit' (at least 2 rows expected, got " .. N .. ")", 2) end
   local k = self.k or D
   local mean, C = meanCov(X2, true)
   local e, V = eigen(C)
   local total = e:sum()
   if math.type(k) == "float" then
      local acc, target = 0, k * total
      local n = D
      for i = 1, D do
         acc = acc + e[i]
         if acc >= target then n = i break end
      end
      k = n
   end
   if k > D then
      error(string.format("bad argument #1 to 'fit' (k = %d components asked, the data has %d features)", k, D), 2)
   end
   local Vk = V:narrow(2, 1, k)
   local ek = e:narrow(1, 1, k)
   -- scale s_i: 1, or 1/sqrt(lambda_i + eps) when whitening (0 for a null direction)
   -- and its inverse sqrt(lambda_i + eps) for the way back
   local s, si = hm.DoubleTensor(k):fill(1), hm.DoubleTensor(k):fill(1)
   if self.whiten then
      for i = 1, k do
         local v = ek[i] + self.epsilon
         s[i] = v > 0 and 1 / math.sqrt(v) or 0
         si[i] = v > 0 and math.sqrt(v) or 0
      end
   end
   local Wt = Vk:clone():cmul(s:view(1, k):expand(D, k))                 -- D x k
   local Winv = Vk:t():clone():cmul(si:view(k, 1):expand(k, D))         -- k x D
   local bias = hm.mm(mean, Wt):mul(-1)                                  -- 1 x k
   local ty = X2:type()
   self.tensorType = ty
   self.featureShape = shape
   self.nComponents = k
   self.mean = mean:type(ty)
   self.components = Vk:t():contiguous():type(ty)
   self.eigenvalues = e:type(ty)
   self.explainedVariance = ek:clone():type(ty)
   local ratio = total > 0 and ek:clone():div(total) or hm.DoubleTensor(k):zero()
   self.explainedVarianceRatio = ratio:type(ty)
   self.transformMatrix = Wt:type(ty)
   self.transformBias = bias:type(ty)
   self.inverseMatrix = Winv:type(ty)
   return self
end

--- pca:transform(X [, res]) -> N x k projections (whitened when asked), in X's type
function PCA:transform(X, res)
   return affine(self, X, res, "transform", false)
end

--- pca:inverse(Z [, res]) -> N x D reconstructions from N x k projections
function PCA:inverse(Z, res)
   return affine(self, Z, res, "inverse", true)
end

function PCA:__tostring()
   if not self.transformMatrix then return "hm.preprocess.PCA (not fitted)" end
   return string.format("hm.preprocess.PCA(%d -> %d%s)", self.transformMatrix:size(1),
      self.nComponents, self.whiten and ", whitened" or "")
end

------------------------------------------------------------------ ZCA

--[[ hm.preprocess.ZCA([X,] {epsilon = 1e-2}) -> a ZCA whitening model, fitted on X when given.
W = U diag(1/sqrt(lambda + epsilon)) U^T from the eigen-decomposition C = U diag(lambda) U^T
of the covariance; transform(X) = (X - mean) W (one GEMM), inverse(Z) = Z W^-1 + mean with
W^-1 = U diag(sqrt(lambda + epsilon)) U^T. epsilon > 0 keeps the near-null directions (flat
image borders) from being blown up into noise.
Fields after fit: mean (1 x D), eigenvalues (D, descending), eigenvectors (D x D columns),
transformMatrix (W), inverseMatrix, all in X's type.
]]
local ZCA = hm.class('hm.preprocess.ZCA')
M.ZCA = ZCA
ZCA.__name = "hm.preprocess.ZCA"

function ZCA:__init(X, opts)
   if not hm.isTensor(X) then X, opts = nil, X end
   opts = checkopts(opts, "ZCA")
   local eps = opts.epsilon or 1e-2
   if type(eps) ~= "number" or eps < 0 then
      error("bad argument #1 to 'ZCA' (option 'epsilon' must be a number >= 0)", 2)
   end
   self.epsilon = eps
   if X then self:fit(X) end
end

--- zca:fit(X) -> zca, fitted on the rows of X (N x D, N >= 2; float or double)
function ZCA:fit(X)
   local X2, shape = rows(X, "fit", 1)
   local N, D = X2:size(1), X2:size(2)
   if N < 2 then error("bad argument #1 to 'fit' (at least 2 rows expected, got " .. N .. ")", 2) end
   local mean, C = meanCov(X2, true)
   local e, U = eigen(C)
   local s, si = hm.DoubleTensor(D), hm.DoubleTensor(D)
   for i = 1, D do
      local v = e[i] + self.epsilon
      s[i] = v > 0 and 1 / math.sqrt(v) or 0
      si[i] = v > 0 and math.sqrt(v) or 0
   end
   local W = hm.mm(U:clone():cmul(s:view(1, D):expand(D, D)), U:t())
   local Winv = hm.mm(U:clone():cmul(si:view(1, D):expand(D, D)), U:t())
   local bias = hm.mm(mean, W):mul(-1)
   local ty = X2:type()
   self.tensorType = ty
   self.featureShape = shape
   self.mean = mean:type(ty)
   self.eigenvalues = e:type(ty)
   self.eigenvectors = U:type(ty)
   self.transformMatrix = W:type(ty)
   self.transformBias = bias:type(ty)
   self.inverseMatrix = Winv:type(ty)
   return self
end

--- zca:transform(X [, res]) -> whitened X (same shape), in X's type
function ZCA:transform(X, res)
   return affine(self, X, res, "transform", false)
end

--- zca:inverse(Z [, res]) -> un-whitened data
function ZCA:inverse(Z, res)
   return affine(self, Z, res, "inverse", true)
end

function ZCA:__tostring()
   if not self.transformMatrix then return "hm.preprocess.ZCA (not fitted)" end
   return string.format("hm.preprocess.ZCA(%d, epsilon = %g)", self.transformMatrix:size(1), self.epsilon)
end

------------------------------------------------------------------ Standardize

--[[ hm.preprocess.Standardize([X,] {epsilon = 1e-8}) -> per-feature standardisation, fitted on X
when given: transform(X) = (X - mean) / std column by column (std with N - 1). A feature whose
std is below epsilon (a constant pixel) gets std 1, so it maps to 0 instead of exploding.
Fields after fit: mean, std (1 x D, X's type).
]]
local Standardize = hm.class('hm.preprocess.Standardize')
M.Standardize = Standardize
Standardize.__name = "hm.preprocess.Standardize"

function Standardize:__init(X, opts)
   if not hm.isTensor(X) then X, opts = nil, X end
   opts = checkopts(opts, "Standardize")
   self.epsilon = opts.epsilon or 1e-8
   if type(self.epsilon) ~= "number" or self.epsilon < 0 then
      error("bad argument #1 to 'Standardize' (option 'epsilon' must be a number >= 0)", 2)
   end
   if X then self:fit(X) end
end

--- st:fit(X) -> st, with the mean and std of each column of X (N x D, N >= 2)
function Standardize:fit(X)
   local X2, shape = rows(X, "fit", 1)
   if X2:size(1) < 2 then error("bad argument #1 to 'fit' (at least 2 rows expected, got " .. X2:size(1) .. ")", 2) end
   local mean, var = meanCov(X2, false)
   local std = var:sqrt()
   std:maskedFill(std:lt(self.epsilon), 1)
   local ty = X2:type()
   self.tensorType = ty
   self.featureShape = shape
   self.mean = mean:type(ty)
   self.std = std:type(ty)
   return self
end

local function checkFitted(self, X, who)
   local X2, shape = rows(X, who, 1)
   if not self.mean then error("hm.preprocess.Standardize: call fit before " .. who, 3) end
   if X2:size(2) ~= self.mean:size(2) then
      error(string.format("bad argument #1 to '%s' (size mismatch: expected %d columns, got %d)",
         who, self.mean:size(2), X2:size(2)), 3)
   end
   local mean, std = self.mean, self.std
   if X2:type() ~= self.tensorType then mean, std = mean:type(X2:type()), std:type(X2:type()) end
   return X2, shape, mean, std
end

--- st:transform(X [, res]) -> (X - mean) / std, same shape as X
function Standardize:transform(X, res)
   local X2, shape, mean, std = checkFitted(self, X, "transform")
   res = res or X2:new()
   res:resizeAs(X2):copy(X2)
   local scratch = res:new()
   broadcast(res, "add", hm.mul(mean, -1), scratch)
   broadcast(res, "cdiv", std, scratch)
   return reshaped(res, shape, X2:size(2))
end

--- st:inverse(Z [, res]) -> Z * std + mean
function Standardize:inverse(Z, res)
   local Z2, shape, mean, std = checkFitted(self, Z, "inverse")
   res = res or Z2:new()
   res:resizeAs(Z2):copy(Z2)
   local scratch = res:new()
   broadcast(res, "cmul", std, scratch)
   broadcast(res, "add", mean, scratch)
   return reshaped(res, shape, Z2:size(2))
end

------------------------------------------------------------------ contrast normalisation

--[[ hm.preprocess.contrastNormalize(X [, opts] [, res]) -> global contrast normalisation of each
row (sample) of X (N x D, or N x ... read as rows):
   x <- scale * (x - mean(x)) / max(sqrt(var(x) + bias), epsilon)     (norm = 'std', default)
   x <- scale * (x - mean(x)) / max(||x - mean(x)||_2, epsilon)       (norm = 'l2')
var uses N - 1 as in Coates & Ng (2011), who use bias = 10 on pixels in [0, 255].
opts: scale = 1, bias = 0, epsilon = 1e-8, norm = 'std' | 'l2'. Returns a new tensor of X's
shape, or res.
]]
function M.contrastNormalize(X, opts, res)
   if hm.isTensor(opts) then opts, res = nil, opts end
   local X2, shape = rows(X, "contrastNormalize", 1)
   if opts ~= nil and type(opts) ~= "table" then
      error("bad argument #2 to 'contrastNormalize' (options table expected, got " .. hm.type(opts) .. ")", 2)
   end
   opts = opts or {}
   local scale, bias, eps = opts.scale or 1, opts.bias or 0, opts.epsilon or 1e-8
   local norm = opts.norm or "std"
   if norm ~= "std" and norm ~= "l2" then
      error("bad argument #2 to 'contrastNormalize' (option 'norm' must be 'std' or 'l2', got '"
            .. tostring(norm) .. "')", 2)
   end
   local N, D = X2:size(1), X2:size(2)
   res = res or X2:new()
   res:resize(N, D):copy(X2)
   if D == 0 or N == 0 then return reshaped(res, shape, D) end
   local scratch = res:new()
   broadcast(res, "add", X2:mean(2):mul(-1), scratch)
   local d
   if norm == "l2" then
      d = res:norm(2, 2)
   elseif D > 1 then
      d = res:var(2):add(bias):sqrt()
   else
      d = res:new(N, 1):fill(math.sqrt(bias))
   end
   d:clamp(eps, math.huge)
   broadcast(res, "cdiv", d:div(scale), scratch)
   return reshaped(res, shape, D)
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

-- Blur the last two dimensions of x (N x 1 x H x W) with the separable kernel w (Lua table,
-- odd length, zero padding), as shifted whole-tensor adds: one per tap and direction.
local function blur(x, w)
   local r = (#w - 1) // 2
   local H, W = x:size(3), x:size(4)
   local tmp = x:new():resizeAs(x):zero()
   for j = -r, r do
      local lo, hi = math.max(1, 1 - j), math.min(H, H - j)
      if hi >= lo then
         tmp:narrow(3, lo, hi - lo + 1):add(w[j + r + 1], x:narrow(3, lo + j, hi - lo + 1))
      end
   end
   local out = x:new():resizeAs(x):zero()
   for j = -r, r do
      local lo, hi = math.max(1, 1 - j), math.min(W, W - j)
      if hi >= lo then
         out:narrow(4, lo, hi - lo + 1):add(w[j + r + 1], tmp:narrow(4, lo + j, hi - lo + 1))
      end
   end
   return out
end

--[[ hm.preprocess.localContrastNormalize(images [, opts]) -> locally contrast-normalised copy
(Jarrett et al. 2009; Pinto et al. 2008). images: N x H x W or N x C x H x W (float/double).
   v = x - G*x          (Gaussian-weighted mean over a size x size window and all channels)
   s = sqrt(G*(v^2))    (local standard deviation)
   y = v / max(s, mean(s over the image), epsilon)
At the borders the weights are renormalised over the part of the window inside the image.
opts: size = 9 (odd), sigma = size / 4, epsilon = 1e-4.
]]
function M.localContrastNormalize(images, opts)
   local x, was3 = images4(images, "localContrastNormalize")
   if not isReal(x) then
      error("bad argument #1 to 'localContrastNormalize' (hm.FloatTensor or hm.DoubleTensor expected, got "
            .. x:type() .. ")", 2)
   end
   opts = opts or {}
   local size = opts.size or 9
   if math.type(size) ~= "integer" or size < 1 or size % 2 == 0 then
      error("bad argument #2 to 'localContrastNormalize' (option 'size' must be an odd positive integer)", 2)
   end
   local sigma, eps = opts.sigma or size / 4, opts.epsilon or 1e-4
   local N, C, H, W = x:size(1), x:size(2), x:size(3), x:size(4)
   local res = x:new():resizeAs(x):copy(x)
   if res:nElement() == 0 then return was3 and res:select(2, 1) or res end
   local r, w, total = (size - 1) // 2, {}, 0
   for j = -r, r do w[j + r + 1] = math.exp(-j * j / (2 * sigma * sigma)); total = total + w[j + r + 1] end
   for i = 1, #w do w[i] = w[i] / total end
   local cover = blur(x:new(1, 1, H, W):fill(1), w)     -- weight inside the image, per pixel
   local function localMean(t)                          -- t: N x C x H x W -> N x 1 x H x W
      local m = blur(t:sum(2):div(C), w)
      return m:cdiv(cover:expand(N, 1, H, W))
   end
   -- per-image and per-pixel broadcasts go through broadcast() on 2D views (see there)
   local HW = H * W
   local function perPixel(op, m)                       -- m: N x 1 x H x W, over the channels
      for ch = 0, C - 1 do
         local part = res:narrow(2, ch + 1, 1)
         part[op](part, m)
      end
   end
   perPixel("add", localMean(res):mul(-1))
   local s = localMean(hm.cmul(res, res)):sqrt()        -- N x 1 x H x W
   local floor = s:view(N, HW):mean(2)                  -- N x 1: the image's mean deviation
   broadcast(s:view(N, HW), "cmax", floor)
   s:clamp(eps, math.huge)
   perPixel("cdiv", s)
   return was3 and res:select(2, 1) or res
end

------------------------------------------------------------------ patches

-- randomPatches, extractPatches and assemblePatches live in harmonium/patches.lua
do
   local patches = require 'harmonium.patches'
   M.randomPatches = patches.randomPatches
   M.extractPatches = patches.extractPatches
   M.assemblePatches = patches.assemblePatches
end

M._broadcast = broadcast

return M

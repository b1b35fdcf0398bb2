-- Specs for lua/harmonium/preprocess.lua: PCA, ZCA whitening, per-feature standardisation,
-- global and local contrast normalisation. Statistics are checked against plain double
-- computations (covariance by GEMM on a centred copy), in float and double.
local hm = require 'harmonium'
local P = hm.preprocess

-- Strongly correlated data: iid normals times a random mixing matrix, plus an offset.
local function correlated(T, N, D, seed)
   local g = hm.Generator(seed or 7)
   local Z = hm.DoubleTensor(N, D):normal(0, 1, g)
   local A = hm.DoubleTensor(D, D):normal(0, 1, g)
   local X = hm.mm(Z, A)
   for j = 1, D do X:select(2, j):add(j - 3) end
   return X:type(T.__typename)
end

-- covariance (D x D, N - 1) and mean (1 x D) of the rows of X, in double
local function cov(X)
   local Xd = X:double():clone()
   local mu = Xd:mean(1)
   Xd:add(-1, mu:expandAs(Xd))
   return hm.mm(Xd:t(), Xd):div(X:size(1) - 1), mu
end

local function eye(D)
   local e = hm.DoubleTensor(D, D):zero()
   for i = 1, D do e[i][i] = 1 end
   return e
end

local TYPES = { { "float", hm.FloatTensor, 1e-4 }, { "double", hm.DoubleTensor, 1e-10 } }

describe("hm.preprocess.ZCA", function()
   for _, ty in ipairs(TYPES) do
      local name, T = ty[1], ty[2]
      it("whitens strongly correlated data to identity covariance (" .. name .. ")", function()
         local X = correlated(T, 5000, 10)
         local C0 = cov(X)
         assert.is_true(C0:clone():add(-1, eye(10)):abs():max() > 1)   -- far from white before
         local zca = P.ZCA{ epsilon = 1e-6 }:fit(X)
         local Z = zca:transform(X)
         assert.are.equal(T.__typename, Z:type())
         assert.are.equal("5000x10", tostring(Z:size()))
         local C, mu = cov(Z)
         assert.tensor_near(eye(10), C, 1e-2)
         assert.is_true(mu:abs():max() < 1e-3)
      end)
   end

   it("uses W = U diag(1/sqrt(lambda + eps)) U^T, symmetric, and inverts", function()
      local X = correlated(hm.DoubleTensor, 500, 6, 3)
      local zca = P.ZCA(X, { epsilon = 0.1 })
      local C = cov(X)
      local e, U = hm.symeig(C, 'V')
      local d = hm.DoubleTensor(6, 6):zero()
      for i = 1, 6 do d[i][i] = 1 / math.sqrt(e[i] + 0.1) end
      local W = hm.mm(hm.mm(U, d), U:t())
      assert.tensor_near(W, zca.transformMatrix, 1e-10)
      assert.tensor_near(zca.transformMatrix:t(), zca.transformMatrix, 1e-12)
      local Z = zca:transform(X)
      local mu = X:mean(1)
      assert.tensor_near(hm.mm(X - mu:expandAs(X), W), Z, 1e-10)
      assert.tensor_near(X, zca:inverse(Z), 1e-10)
      -- regularised: the whitened covariance is diag(lambda / (lambda + eps)) in U's basis
      local Cz = hm.mm(hm.mm(U:t(), (cov(Z))), U)
      for i = 1, 6 do assert.is_true(math.abs(Cz[i][i] - e[i] / (e[i] + 0.1)) < 1e-8) end
   end)

   it("keeps image shapes and writes into a result tensor", function()
      local X = hm.DoubleTensor(50, 1, 2, 3):normal()
      local zca = P.ZCA():fit(X)
      assert.are.equal(1e-2, zca.epsilon)
      local Z = zca:transform(X)
      assert.are.equal("50x1x2x3", tostring(Z:size()))
      local res = hm.DoubleTensor()
      assert.are.equal(res, zca:transform(X:view(50, 6), res))
      assert.tensor_near(Z:view(50, 6), res, 1e-12)
      assert.tensor_near(X, zca:inverse(Z), 1e-10)
   end)

   it("applies a double fit to float data", function()
      local X = correlated(hm.DoubleTensor, 300, 4)
      local zca = P.ZCA(X, { epsilon = 1e-3 })
      local Zf = zca:transform(X:float())
      assert.are.equal("hm.FloatTensor", Zf:type())
      assert.tensor_near(zca:transform(X), Zf, 1e-3)
   end)

   it("rejects bad input", function()
      assert.error_matches(function() P.ZCA{ epsilon = -1 } end, "epsilon")
      assert.error_matches(function() P.ZCA():fit(hm.ByteTensor(4, 4)) end,
         "hm.FloatTensor or hm.DoubleTensor expected, got hm.ByteTensor")
      assert.error_matches(function() P.ZCA():fit(hm.FloatTensor(4)) end, "N x D tensor expected, got 1D")
      assert.error_matches(function() P.ZCA():fit(hm.FloatTensor(1, 4)) end, "at least 2 rows")
      assert.error_matches(function() P.ZCA():transform(hm.FloatTensor(3, 4)) end, "call fit before transform")
      local zca = P.ZCA(hm.randn(10, 4))
      assert.error_matches(function() zca:transform(hm.randn(3, 5)) end,
         "size mismatch: expected 4 columns, got 5")
      assert.error_matches(function() zca:transform(42) end, "got number")
   end)
end)

describe("hm.preprocess.PCA", function()
   for _, ty in ipairs(TYPES) do
      local name, T, tol = ty[1], ty[2], ty[3]
      it("reconstructs exactly with all components (" .. name .. ")", function()
         local X = correlated(T, 400, 8):div(3)
         local pca = P.PCA(X)
         local Z = pca:transform(X)
         assert.are.equal("400x8", tostring(Z:size()))
         assert.are.equal(T.__typename, Z:type())
         local scale = X:clone():abs():max()
         assert.tensor_near(X, pca:inverse(Z), tol * scale)
         assert.is_true(math.abs(pca.explainedVarianceRatio:sum() - 1) < tol)
      end)
   end

   it("sorts components by variance and matches the covariance spectrum", function()
      local X = correlated(hm.DoubleTensor, 1000, 6)
      local pca = P.PCA{ k = 6 }:fit(X)
      local C, mu = cov(X)
      local e = hm.symeig(C)
      local ev, ratio = pca.explainedVariance, pca.explainedVarianceRatio
      for i = 1, 6 do
         assert.is_true(math.abs(ev[i] - e[7 - i]) < 1e-9 * e[6])
         if i > 1 then
            assert.is_true(ev[i] <= ev[i - 1])
            assert.is_true(ratio[i] <= ratio[i - 1])
         end
      end
      assert.is_true(math.abs(ratio:sum() - 1) < 1e-12)
      assert.tensor_near(mu, pca.mean, 1e-12)
      -- orthonormal rows that are eigenvectors: components C components^T = diag(ev)
      local Wc = pca.components
      assert.are.equal("6x6", tostring(Wc:size()))
      assert.tensor_near(eye(6), hm.mm(Wc, Wc:t()), 1e-10)
      local Dg = hm.mm(hm.mm(Wc, C), Wc:t())
      for i = 1, 6 do
         for j = 1, 6 do
            assert.is_true(math.abs(Dg[i][j] - (i == j and ev[i] or 0)) < 1e-8 * e[6])
         end
      end
      -- projections have the explained variances and are uncorrelated
      local Cz = (cov(pca:transform(X)))
      assert.tensor_near(Dg, Cz, 1e-8 * e[6])
   end)

   it("keeps k components; truncated reconstruction is the best rank-k fit", function()
      local X = correlated(hm.DoubleTensor, 500, 8)
      local pca = P.PCA(X, { k = 3 })
      local Z = pca:transform(X)
      assert.are.equal("500x3", tostring(Z:size()))
      assert.are.equal("3x8", tostring(pca.components:size()))
      assert.are.equal(3, pca.explainedVariance:size(1))
      local R = pca:inverse(Z)
      assert.are.equal("500x8", tostring(R:size()))
      -- mean squared residual per sample = sum of the dropped eigenvalues (times (N-1)/N)
      local resid = (R - X):pow(2):sum() / (X:size(1) - 1)
      local dropped = pca.eigenvalues:narrow(1, 4, 5):sum()
      assert.is_true(math.abs(resid - dropped) < 1e-8 * dropped)
      assert.is_true(pca.explainedVarianceRatio:sum() < 1)
   end)

   it("chooses k from a variance fraction", function()
      local X = correlated(hm.DoubleTensor, 500, 8)
      local pca = P.PCA{ k = 0.9 }:fit(X)
      local r = pca.explainedVarianceRatio
      local k = pca.nComponents
      assert.are.equal(k, r:size(1))
      assert.is_true(r:sum() >= 0.9 - 1e-12)
      if k > 1 then assert.is_true(r:narrow(1, 1, k - 1):sum() < 0.9) end
   end)

   it("whitens the projections to unit variance and inverts", function()
      local X = correlated(hm.DoubleTensor, 800, 5)
      local pca = P.PCA{ k = 5, whiten = true }:fit(X)
      local Z = pca:transform(X)
      assert.tensor_near(eye(5), (cov(Z)), 1e-10)
      assert.tensor_near(X, pca:inverse(Z), 1e-9)
   end)

   it("survives hm.save / hm.load", function()
      local X = correlated(hm.FloatTensor, 100, 4)
      local pca = P.PCA(X, { k = 2 })
      local path = os.tmpname()
      hm.save(path, pca)
      local back = hm.load(path)
      os.remove(path)
      assert.are.equal("hm.preprocess.PCA", hm.type(back))
      assert.tensor_near(pca:transform(X), back:transform(X), 1e-6)
   end)

   it("rejects bad options and input", function()
      assert.error_matches(function() P.PCA{ k = 0 } end, "option 'k'")
      assert.error_matches(function() P.PCA{ k = 1.5 } end, "option 'k'")
      assert.error_matches(function() P.PCA{ k = 9 }:fit(hm.randn(10, 4)) end, "k = 9 components asked")
      assert.error_matches(function() P.PCA(5) end, "options table expected")
      assert.error_matches(function() P.PCA():inverse(hm.randn(2, 2)) end, "call fit before inverse")
      local pca = P.PCA(hm.randn(10, 4), { k = 2 })
      assert.error_matches(function() pca:inverse(hm.randn(3, 4)) end, "expected 2 columns, got 4")
   end)
end)

describe("hm.preprocess.Standardize", function()
   it("gives zero mean and unit std per feature and inverts", function()
      for _, ty in ipairs(TYPES) do
         local T = ty[2]
         local X = correlated(T, 300, 7):mul(5):add(2)
         local st = P.Standardize(X)
         local S = st:transform(X)
         assert.are.equal(T.__typename, S:type())
         assert.is_true(S:double():mean(1):abs():max() < 1e-5)
         assert.tensor_near(hm.DoubleTensor(1, 7):fill(1), S:double():std(1), 1e-5)
         assert.tensor_near(X, st:inverse(S), 1e-4 * X:clone():abs():max())
         assert.tensor_near(X:double():std(1), st.std:double(), 1e-4)
      end
   end)

   it("maps a constant feature to 0 instead of dividing by 0", function()
      local X = hm.DoubleTensor(20, 3):normal()
      X:select(2, 2):fill(4)
      local st = P.Standardize():fit(X)
      local S = st:transform(X)
      assert.are.equal(1, st.std[1][2])
      assert.are.equal(0, S:select(2, 2):abs():max())
      assert.tensor_near(X, st:inverse(S), 1e-12)
   end)

   it("rejects misuse", function()
      assert.error_matches(function() P.Standardize():transform(hm.randn(2, 2)) end, "call fit before transform")
      local st = P.Standardize(hm.randn(5, 3))
      assert.error_matches(function() st:transform(hm.randn(5, 4)) end, "expected 3 columns, got 4")
   end)
end)

describe("hm.preprocess.contrastNormalize", function()
   it("gives each row zero mean and std equal to scale", function()
      local X = hm.DoubleTensor(50, 30):uniform(0, 255)
      local Y = P.contrastNormalize(X, { scale = 3 })
      assert.are.equal("50x30", tostring(Y:size()))
      assert.is_true(Y:mean(2):abs():max() < 1e-12)
      assert.tensor_near(hm.DoubleTensor(50, 1):fill(3), Y:std(2), 1e-10)
   end)

   it("follows Coates & Ng with a bias on the variance, row by row", function()
      local X = hm.FloatTensor(10, 16):uniform(0, 255)
      local Y = P.contrastNormalize(X, { bias = 10 })
      for i = 1, 10 do
         local x = X[i]:double()
         local m = x:mean()
         local v = x:clone():add(-m):pow(2):sum() / 15
         local want = x:clone():add(-m):div(math.sqrt(v + 10))
         assert.tensor_near(want, Y[i], 1e-4)
      end
   end)

   it("divides by the L2 norm, floors flat rows and keeps image shapes", function()
      local X = hm.DoubleTensor(4, 1, 3, 3):normal()
      X[2]:fill(5)                                  -- a flat sample: no division by 0
      local Y = P.contrastNormalize(X, { norm = 'l2', epsilon = 1e-3 })
      assert.are.equal("4x1x3x3", tostring(Y:size()))
      local rows = Y:view(4, 9)
      assert.are.equal(0, rows[2]:abs():max())
      for _, i in ipairs({ 1, 3, 4 }) do
         assert.is_true(math.abs(rows[i]:norm() - 1) < 1e-12)
         assert.is_true(math.abs(rows[i]:sum()) < 1e-12)
      end
      local res = hm.DoubleTensor()
      assert.are.equal(res, P.contrastNormalize(X:view(4, 9), { norm = 'l2', epsilon = 1e-3 }, res))
      assert.error_matches(function() P.contrastNormalize(X, { norm = 'max' }) end, "option 'norm'")
      assert.error_matches(function() P.contrastNormalize(hm.LongTensor(2, 2)) end, "got hm.LongTensor")
   end)
end)

describe("hm.preprocess.localContrastNormalize", function()
   it("removes local mean and scales local contrast", function()
      local X = hm.DoubleTensor(3, 20, 20):uniform()
      -- a brightness gradient and a contrast change LCN should undo
      local ramp = hm.DoubleTensor(20, 20)
      for i = 1, 20 do ramp[i]:fill(i / 4) end
      local Y1 = P.localContrastNormalize(X)
      local Y2 = P.localContrastNormalize(X:clone():mul(7):add(ramp:view(1, 20, 20):expand(3, 20, 20)))
      assert.are.equal("3x20x20", tostring(Y1:size()))
      local inner = function(t) return t:narrow(2, 6, 10):narrow(3, 6, 10) end
      assert.tensor_near(inner(Y1), inner(Y2), 0.05)
      assert.is_true(math.abs(Y1:mean()) < 0.05)
   end)

   it("accepts colour images and rejects an even window", function()
      local Y = P.localContrastNormalize(hm.FloatTensor(2, 3, 12, 12):uniform(), { size = 5 })
      assert.are.equal("2x3x12x12", tostring(Y:size()))
      assert.error_matches(function() P.localContrastNormalize(hm.rand(1, 8, 8), { size = 4 }) end, "odd")
      assert.error_matches(function() P.localContrastNormalize(hm.rand(8, 8)) end, "got 2D")
   end)
end)

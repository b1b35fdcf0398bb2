-- Specs for csrc/lapack.c: symeig, svd, gesv, solve, inverse, potrf/cholesky, potrs, potri.
-- Each answer is checked by reconstruction (V diag(e) V^T = A, U S V^T = A, A X = B, ...),
-- in float and double, on contiguous and transposed inputs; bad inputs raise clear errors.
local hm = require 'harmonium'

local TYPES = { { "float", hm.FloatTensor, 2e-4 }, { "double", hm.DoubleTensor, 1e-10 } }

-- a deterministic fill that does not depend on the random module
local function ramp(t, seed)
   local flat = t:view(-1)
   seed = seed or 0
   for i = 1, flat:nElement() do flat[i] = (((i + seed) * 37) % 101) / 25 - 2 end
   return t
end

-- R R^T + n I: symmetric positive definite
local function spd(T, n, seed)
   local r = ramp(T(n, n), seed)
   local a = hm.mm(r, r:t())
   for i = 1, n do a[i][i] = a[i][i] + n end
   return a
end

local function eye(T, n)
   local e = T(n, n):zero()
   for i = 1, n do e[i][i] = 1 end
   return e
end

-- d diagonal (n x n) from a 1D tensor
local function diag(T, v, rows, cols)
   rows, cols = rows or v:size(1), cols or v:size(1)
   local d = T(rows, cols):zero()
   for i = 1, v:size(1) do d[i][i] = v[i] end
   return d
end

for _, ty in ipairs(TYPES) do
   local name, T, tol = ty[1], ty[2], ty[3]

   describe("symeig (" .. name .. ")", function()
      it("gives ascending eigenvalues and eigenvectors with A = V diag(e) V^T", function()
         local A = spd(T, 6, 1)
         local e, V = hm.symeig(A, 'V')
         assert.are.equal("6", tostring(e:size()))
         for i = 2, 6 do assert.is_true(e[i - 1] <= e[i]) end
         assert.tensor_near(A, hm.mm(hm.mm(V, diag(T, e)), V:t()), tol * 100)
         assert.tensor_near(eye(T, 6), hm.mm(V:t(), V), tol * 10)
         for k = 1, 6 do      -- columns are eigenvectors: A v = e v
            local v = V:select(2, k)
            local Av = hm.mv(A, v)
            for i = 1, 6 do assert.is_true(math.abs(Av[i] - e[k] * v[i]) < tol * 100) end
         end
      end)

      it("gives a hand-computed 2x2 case and returns only e for 'N'", function()
         local e, V = hm.symeig(T({ { 2, 1 }, { 1, 2 } }))
         assert.tensor_near({ 1, 3 }, e, tol)
         assert.is_nil(V)
         local e2, V2 = hm.symeig(T({ { 2, 1 }, { 1, 2 } }), 'V')
         assert.tensor_near({ 1, 3 }, e2, tol)
         local s = 1 / math.sqrt(2)
         assert.is_true(math.abs(math.abs(V2[1][1]) - s) < tol)
         assert.is_true(math.abs(V2[1][2] - V2[2][2]) < tol)      -- eigenvector of 3 is (1, 1)
      end)

      it("reads only the chosen triangle", function()
         local A = spd(T, 4, 2)
         local up, lo = A:clone(), A:clone()
         for i = 1, 4 do for j = 1, 4 do
            if i > j then up[i][j] = 99 end
            if i < j then lo[i][j] = -99 end
         end end
         local e = hm.symeig(A)
         assert.tensor_near(e, hm.symeig(up, 'N', 'U'), tol * 100)
         assert.tensor_near(e, hm.symeig(lo, 'N', 'L'), tol * 100)
      end)

      it("writes into given results and accepts a transposed input", function()
         local A = spd(T, 5, 3)
         local re, rv = T(), T(2, 2)
         local e, V = hm.symeig(re, rv, A:t(), 'V')
         assert.are.equal(re, e)
         assert.are.equal(rv, V)
         assert.tensor_near(A, hm.mm(hm.mm(V, diag(T, e)), V:t()), tol * 100)
      end)
   end)

   describe("svd (" .. name .. ")", function()
      for _, shape in ipairs{ { 5, 3 }, { 3, 5 }, { 4, 4 } } do
         local m, n = shape[1], shape[2]
         it("reconstructs a " .. m .. "x" .. n .. " matrix as U diag(S) V^T", function()
            local A = ramp(T(m, n), m + n)
            local k = math.min(m, n)
            local U, S, V = hm.svd(A)
            assert.are.equal(m .. "x" .. k, tostring(U:size()))
            assert.are.equal(tostring(k), tostring(S:size()))
            assert.are.equal(n .. "x" .. k, tostring(V:size()))
            for i = 2, k do assert.is_true(S[i - 1] >= S[i] and S[i] >= 0) end
            assert.tensor_near(A, hm.mm(hm.mm(U, diag(T, S)), V:t()), tol * 100)
            local Ua, Sa, Va = hm.svd(A, 'A')
            assert.are.equal(m .. "x" .. m, tostring(Ua:size()))
            assert.are.equal(n .. "x" .. n, tostring(Va:size()))
            assert.tensor_near(eye(T, m), hm.mm(Ua:t(), Ua), tol * 10)
            assert.tensor_near(eye(T, n), hm.mm(Va:t(), Va), tol * 10)
            assert.tensor_near(A, hm.mm(hm.mm(Ua, diag(T, Sa, m, n)), Va:t()), tol * 100)
         end)
      end

      it("gives the singular values of a diagonal matrix and handles a transposed input", function()
         local _, S = hm.svd(T({ { 3, 0 }, { 0, -4 } }))
         assert.tensor_near({ 4, 3 }, S, tol)
         local A = ramp(T(3, 5), 7)
         local U, S2, V = hm.svd(A:t())
         assert.tensor_near(A:t(), hm.mm(hm.mm(U, diag(T, S2)), V:t()), tol * 100)
         local ru, rs, rv = T(), T(), T()
         local U3 = hm.svd(ru, rs, rv, A)
         assert.are.equal(ru, U3)
         assert.tensor_near(A, hm.mm(hm.mm(ru, diag(T, rs)), rv:t()), tol * 100)
      end)
   end)

   describe("gesv, solve, inverse (" .. name .. ")", function()
      it("solves A X = B for matrix and vector right-hand sides", function()
         local A = ramp(T(5, 5), 1)
         for i = 1, 5 do A[i][i] = A[i][i] + 5 end
         local B = ramp(T(5, 3), 2)
         local X, LU = hm.gesv(B, A)
         assert.tensor_near(B, hm.mm(A, X), tol * 10)
         assert.are.equal("5x5", tostring(LU:size()))
         assert.tensor_near(B, hm.mm(A, hm.solve(A, B)), tol * 10)
         local b = ramp(T(5), 3)
         local x = hm.solve(A, b)
         assert.are.equal("5", tostring(x:size()))
         assert.tensor_near(b, hm.mv(A, x), tol * 10)
         assert.tensor_near(B, hm.mm(A:t(), hm.solve(A:t(), B)), tol * 10)   -- transposed input
      end)

      it("solves a hand-computed 2x2 system, in place like Torch7", function()
         local A, B = T({ { 2, 1 }, { 1, 3 } }), T({ { 3 }, { 5 } })
         local X = hm.gesv(B, A)
         assert.tensor_near({ { 0.8 }, { 1.4 } }, X, tol)
         hm.gesv(B, A, B, A)                 -- results into the inputs
         assert.tensor_near({ { 0.8 }, { 1.4 } }, B, tol)
      end)

      it("inverts so that A inverse(A) = I", function()
         local A = spd(T, 6, 4)
         assert.tensor_near(eye(T, 6), hm.mm(A, hm.inverse(A)), tol * 10)
         assert.tensor_near({ { -2, 1 }, { 1.5, -0.5 } }, hm.inverse(T({ { 1, 2 }, { 3, 4 } })), tol * 10)
         local r = T(1)
         assert.are.equal(r, hm.inverse(r, A:t()))
         assert.tensor_near(eye(T, 6), hm.mm(A:t(), r), tol * 10)
         assert.tensor_near(eye(T, 3), hm.mm(A:narrow(1, 2, 3):narrow(2, 2, 3),
                                             hm.inverse(A:narrow(1, 2, 3):narrow(2, 2, 3))), tol * 10)
      end)
   end)

   describe("potrf, cholesky, potrs, potri (" .. name .. ")", function()
      it("factors A = U^T U by default and A = L L^T with 'L'", function()
         local A = spd(T, 5, 5)
         local U = hm.potrf(A)
         for i = 2, 5 do for j = 1, i - 1 do assert.are.equal(0, U[i][j]) end end
         assert.tensor_near(A, hm.mm(U:t(), U), tol * 100)
         local L = hm.potrf(A, 'L')
         for i = 1, 4 do for j = i + 1, 5 do assert.are.equal(0, L[i][j]) end end
         assert.tensor_near(A, hm.mm(L, L:t()), tol * 100)
         assert.tensor_near(U, hm.cholesky(A), 0)
         assert.tensor_near({ { 2, 1 }, { 0, 1 } }, hm.potrf(T({ { 4, 2 }, { 2, 2 } })), tol)
      end)

      it("solves with potrs and inverts with potri from the factor", function()
         local A = spd(T, 4, 6)
         local B = ramp(T(4, 2), 1)
         for _, uplo in ipairs{ 'U', 'L' } do
            local c = hm.potrf(A, uplo)
            assert.tensor_near(B, hm.mm(A, hm.potrs(B, c, uplo)), tol * 10)
            assert.tensor_near(eye(T, 4), hm.mm(A, hm.potri(c, uplo)), tol * 10)
         end
      end)
   end)
end

describe("LAPACK argument checks", function()
   local F, D = hm.FloatTensor, hm.DoubleTensor
   it("reports singular and not positive definite matrices", function()
      local S = D({ { 1, 2, 3 }, { 2, 4, 6 }, { 1, 1, 1 } })
      assert.error_matches(function() hm.inverse(S) end, "inverse: matrix is singular %(U%(3,3%) is zero%)")
      assert.error_matches(function() hm.gesv(D(3, 1):fill(1), S) end, "gesv: matrix is singular")
      assert.error_matches(function() hm.solve(F(2, 2):zero(), F(2)) end, "solve: matrix is singular %(U%(1,1%)")
      assert.error_matches(function() hm.potrf(D({ { 1, 2 }, { 2, 1 } })) end,
                           "potrf: matrix is not positive definite %(the leading minor of order 2")
   end)

   it("rejects NaN in eigen and singular value problems", function()
      local N = D({ { 0 / 0, 1 }, { 1, 0 } })
      assert.error_matches(function() hm.symeig(N, 'V') end, "symeig: the matrix contains NaN")
      assert.error_matches(function() hm.svd(N) end, "svd: the matrix contains NaN")
      local lowerNaN = D({ { 2, 1 }, { 0 / 0, 2 } })
      assert.tensor_near({ 1, 3 }, hm.symeig(lowerNaN, 'N', 'U'), 1e-12)   -- unread triangle
   end)

   it("rejects non-square, non-2D and mismatched inputs", function()
      assert.error_matches(function() hm.inverse(F(2, 3)) end, "square matrix expected, got %[2 x 3%]")
      assert.error_matches(function() hm.symeig(F(2, 3), 'V') end, "square matrix expected")
      assert.error_matches(function() hm.potrf(F(3)) end, "2D tensor expected, got 1D")
      assert.error_matches(function() hm.svd(F(2, 2, 2)) end, "2D tensor expected, got 3D")
      assert.error_matches(function() hm.solve(F(3, 3), F(2, 1)) end, "size mismatch: B is %[2 x 1%], A is %[3 x 3%]")
      assert.error_matches(function() hm.gesv(F(3, 1, 1), F(3, 3)) end, "1D or 2D tensor expected")
   end)

   it("checks types and options", function()
      assert.error_matches(function() hm.inverse(hm.LongTensor(2, 2)) end,
                           "hm.FloatTensor or hm.DoubleTensor expected, got hm.LongTensor")
      assert.error_matches(function() hm.solve(F(2, 2), D(2)) end, "hm.FloatTensor expected, got hm.DoubleTensor")
      assert.error_matches(function() hm.symeig(F(2, 2), 'X') end, "invalid option 'X'")
      assert.error_matches(function() hm.potrf(F(2, 2), 'Q') end, "invalid option 'Q'")
      assert.error_matches(function() hm.inverse() end, "expected, got no value")
      assert.error_matches(function() hm.inverse(D(2, 2), D(2, 2), D(2, 2)) end, "wrong arguments to 'inverse'")
   end)

   it("handles zero-sized matrices", function()
      assert.are.equal(0, hm.inverse(F(0, 0)):nElement())
      local e, V = hm.symeig(D(0, 0), 'V')
      assert.are.equal(0, e:nElement())
      assert.are.equal(0, V:nElement())
      local U, S, W = hm.svd(F(3, 0))
      assert.are.equal("3x0", tostring(U:size()))
      assert.are.equal(0, S:nElement())
      assert.are.equal(0, W:nElement())
      local Ua = hm.svd(F(3, 0), 'A')
      assert.tensor_near(eye(F, 3), Ua, 0)
      assert.are.equal("0x2", tostring(hm.solve(F(0, 0), F(0, 2)):size()))
      assert.are.equal("3x0", tostring(hm.solve(eye(F, 3), F(3, 0)):size()))
      assert.are.equal(0, hm.potrf(F(0, 0)):nElement())
   end)
end)

-- Specs for csrc/gemm.c, our AVX-512 float matrix product behind addmm/mm/bmm: every block
-- and edge path (rows and columns that do not fill a 12 x 32 tile, k blocks, column blocks,
-- row blocks, packed and in-place A, transposed B, aliasing leading dimensions) against the
-- same product in double precision (OpenBLAS's dgemm, an independent implementation), on one
-- and two threads. Where the CPU has no AVX-512 hm.setgemm falls back to OpenBLAS and the
-- kernel-specific cases are skipped.
local hm = require 'harmonium'

local native = hm.setgemm("harmonium") == "harmonium"
local it_native = native and it or pending

-- op(A) (M x K) and op(B) (K x N) as float views: stored transposed when ta/tb, and with a
-- leading dimension larger than the row (a narrowed view) when pad > 0.
local function operand(rows, cols, trans, pad)
   local r, c = rows, cols
   if trans then r, c = cols, rows end
   local t = hm.randn(r, c + pad):narrow(2, 1, c)
   if trans then t = t:t() end
   return t
end

-- max |ours - reference| / (sum over k of |a| |b|), the float rounding scale of each element
local function relerr(M, N, K, ta, tb, alpha, beta, pad)
   local a = operand(M, K, ta, pad or 0)
   local b = operand(K, N, tb, pad or 0)
   local c0 = hm.randn(M, N)
   local ours = c0:clone():addmm(beta, alpha, a, b)
   local ref = c0:double():mul(beta):addmm(alpha, a:double(), b:double())
   local scale = hm.mm(a:double():abs(), b:double():abs()):mul(math.abs(alpha))
      :add(c0:double():abs():mul(math.abs(beta))):add(1e-30)
   return ((ours:double() - ref):abs():cdiv(scale)):max()
end

describe("hm.setgemm / hm.getgemm", function()
   after_each(function() hm.setgemm("harmonium") end)

   it("switches between our kernel and OpenBLAS and reports the choice", function()
      assert.are.equal("openblas", hm.setgemm("openblas"))
      assert.are.equal("openblas", hm.getgemm())
      local want = native and "harmonium" or "openblas"
      assert.are.equal(want, hm.setgemm("harmonium"))
      assert.are.equal(want, hm.getgemm())
   end)

   it("rejects unknown names", function()
      assert.has_error(function() hm.setgemm("mkl") end,
         "bad argument #1 to 'setgemm' (invalid option 'mkl')")
      assert.has_error(function() hm.setgemm() end)
   end)

   it("gives the same products both ways", function()
      hm.manualSeed(5)
      local a, b = hm.randn(37, 45), hm.randn(45, 29)
      hm.setgemm("openblas")
      local r1 = hm.mm(a, b)
      hm.setgemm("harmonium")
      local r2 = hm.mm(a, b)
      assert.is_true((r1 - r2):abs():max() < 1e-4)
   end)
end)

describe("our sgemm kernel", function()
   local threads0
   setup(function() threads0 = hm.getblasthreads() end)
   teardown(function() hm.setblasthreads(threads0) end)

   for _, nt in ipairs{ 1, 2 } do
      it_native("matches double precision on tile edges, all transposes (" .. nt .. " thread(s))", function()
         hm.manualSeed(11)
         hm.setblasthreads(nt)
         local worst = 0
         -- sizes around the 12-row and 16/32-column tile edges
         for _, s in ipairs{ {1, 1, 1}, {12, 32, 5}, {13, 33, 7}, {11, 16, 3}, {5, 17, 9},
                             {24, 64, 20}, {25, 48, 1}, {3, 1, 40}, {1, 70, 30} } do
            for _, ta in ipairs{ false, true } do
               for _, tb in ipairs{ false, true } do
                  worst = math.max(worst, relerr(s[1], s[2], s[3], ta, tb, 1, 0),
                     relerr(s[1], s[2], s[3], ta, tb, -0.5, 1.5, 3))
               end
            end
         end
         assert.is_true(worst < 1e-5, "worst relative error " .. worst)
      end)

      it_native("matches double precision across k, column and row blocks (" .. nt .. " thread(s))", function()
         hm.manualSeed(12)
         hm.setblasthreads(nt)
         local worst = 0
         -- k > 256 (k blocks, beta applied once), N > 512 (column blocks), M > 192 (row
         -- blocks, packed A), lda = 1024 floats (rows 4 KB apart: packed A)
         for _, s in ipairs{ {100, 500, 784}, {20, 530, 600}, {200, 40, 300}, {100, 10, 2000},
                             {40, 30, 1024} } do
            for _, ta in ipairs{ false, true } do
               for _, tb in ipairs{ false, true } do
                  worst = math.max(worst, relerr(s[1], s[2], s[3], ta, tb, 0.7, 0.3))
               end
            end
         end
         assert.is_true(worst < 1e-5, "worst relative error " .. worst)
      end)
   end

   it_native("never reads C when beta is 0 (NaN in C does not leak)", function()
      hm.manualSeed(13)
      for _, nt in ipairs{ 1, 2 } do
         hm.setblasthreads(nt)
         local a, b = hm.randn(50, 300), hm.randn(300, 70)
         local c = hm.Tensor(50, 70):fill(0 / 0)
         c:addmm(0, c, 1, a, b)
         assert.are.equal(0, c:ne(c):sum(), "NaN survived with beta = 0")
         local ref = hm.mm(a:double(), b:double())
         assert.is_true((c:double() - ref):abs():max() < 1e-3)
      end
   end)

   it_native("writes only the M x N block of a larger result", function()
      hm.manualSeed(14)
      local big = hm.Tensor(40, 80):fill(7)
      local c = big:narrow(1, 3, 30):narrow(2, 5, 45)
      c:addmm(0, c, 1, hm.randn(30, 20), hm.randn(20, 45))
      assert.is_true(c:ne(7):sum() > 0)
      c:fill(7)        -- then nothing in big may differ from 7
      assert.are.equal(0, big:ne(7):sum(), "an element outside the view changed")
   end)

   it_native("gives the same result on one and two threads (split in whole tiles)", function()
      hm.manualSeed(15)
      local a, b = hm.randn(100, 500), hm.randn(500, 300)
      hm.setblasthreads(1)
      local r1 = hm.mm(a, b)
      hm.setblasthreads(2)
      local r2 = hm.mm(a, b)
      assert.are.equal(0, (r1 - r2):abs():max())
   end)

   it_native("is used by batched products too", function()
      hm.manualSeed(16)
      local b1, b2 = hm.randn(3, 14, 33), hm.randn(3, 33, 17)
      local r = hm.bmm(b1, b2)
      for i = 1, 3 do
         local ref = hm.mm(b1[i]:double(), b2[i]:double())
         assert.is_true((r[i]:double() - ref):abs():max() < 1e-4)
      end
   end)
end)

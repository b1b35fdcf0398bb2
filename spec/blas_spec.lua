-- Specs for csrc/blas.c: dot, mv, mm, ger, addmv, addmm, addr, bmm, baddbmm against naive Lua
-- loops, on contiguous, transposed, narrowed and strided operands, in float and double.
local hm = require 'harmonium'

local TYPES = { { "float", hm.FloatTensor, 1e-4 }, { "double", hm.DoubleTensor, 1e-10 } }

-- a deterministic fill that does not depend on the random module
local function ramp(t, seed)
   local flat = t:view(-1)
   seed = seed or 0
   for i = 1, flat:nElement() do flat[i] = (((i + seed) * 37) % 101) / 25 - 2 end
   return t
end

local function get(t, i, j) return j and t[{ i, j }] or t[i] end

-- naive products, as tables of Lua numbers
local function naive_mm(a, b)
   local r = {}
   for i = 1, a:size(1) do
      r[i] = {}
      for j = 1, b:size(2) do
         local s = 0
         for k = 1, a:size(2) do s = s + get(a, i, k) * get(b, k, j) end
         r[i][j] = s
      end
   end
   return r
end

local function naive_mv(a, x)
   local r = {}
   for i = 1, a:size(1) do
      local s = 0
      for k = 1, a:size(2) do s = s + get(a, i, k) * x[k] end
      r[i] = s
   end
   return r
end

-- beta * M + alpha * P for tables or tensors M and table P
local function combine(beta, M, alpha, P)
   local r = {}
   for i = 1, #P do
      if type(P[i]) == "table" then
         r[i] = {}
         for j = 1, #P[i] do r[i][j] = beta * get(M, i, j) + alpha * P[i][j] end
      else
         r[i] = beta * get(M, i) + alpha * P[i]
      end
   end
   return r
end

-- operand layouts BLAS must read in place or copy: n x m views of each kind
local function layouts(T, n, m)
   return {
      contiguous = ramp(T(n, m), 1),
      transposed = ramp(T(m, n), 2):t(),
      narrowed = ramp(T(n + 2, m + 3), 3):narrow(1, 2, n):narrow(2, 3, m),
      strided = ramp(T(n, m, 2), 4):select(3, 2),     -- neither stride is 1: copied
   }
end

for _, ty in ipairs(TYPES) do
   local name, T, tol = ty[1], ty[2], ty[3]

   describe("mm (" .. name .. ")", function()
      it("matches a naive triple loop for every operand layout", function()
         for ka, a in pairs(layouts(T, 5, 4)) do
            for kb, b in pairs(layouts(T, 4, 3)) do
               local r = hm.mm(a, b)
               assert.are.equal(T.__typename, r:type(), ka .. " x " .. kb)
               assert.tensor_near(naive_mm(a, b), r, tol)
            end
         end
      end)

      it("gives hand-computed values", function()
         local a = T({ { 1, 2 }, { 3, 4 } })
         local b = T({ { 5, 6 }, { 7, 8 } })
         assert.are.same({ { 19, 22 }, { 43, 50 } }, hm.mm(a, b):totable())
         assert.are.same({ { 26, 30 }, { 38, 44 } }, hm.mm(a:t(), b):totable())
         assert.are.same({ { 17, 23 }, { 39, 53 } }, hm.mm(a, b:t()):totable())
         assert.are.same({ { 19, 22 }, { 43, 50 } }, (a * b):totable())
      end)

      it("writes into res, in function and method forms, resizing it", function()
         local a, b = ramp(T(3, 4)), ramp(T(4, 2), 5)
         local res = T(7)
         assert.are.equal(res, hm.mm(res, a, b))
         assert.tensor_near(naive_mm(a, b), res, tol)
         local res2 = T(3, 2)
         assert.are.equal(res2, res2:mm(a, b))
         assert.tensor_near(naive_mm(a, b), res2, tol)
         assert.tensor_near(naive_mm(a, b), a:mm(b), tol)
      end)

      it("writes through narrowed, transposed and strided result views", function()
         local a, b = ramp(T(3, 4)), ramp(T(4, 2), 5)
         local want = naive_mm(a, b)
         local big = T(5, 6):fill(7)
         local block = big:narrow(1, 2, 3):narrow(2, 3, 2)
         hm.mm(block, a, b)
         assert.tensor_near(want, block, tol)
         assert.are.equal(7, big[1][1])
         assert.are.equal(7, big[5][6])
         assert.are.equal(7, big[2][2])
         local tr = T(2, 3)
         hm.mm(tr:t(), a, b)
         assert.tensor_near(want, tr:t(), tol)
         local st = T(3, 2, 2):fill(7)
         hm.mm(st:select(3, 1), a, b)
         assert.tensor_near(want, st:select(3, 1), tol)
         assert.are.equal(7, st[{ 3, 2, 2 }])
      end)

      it("ignores NaN garbage in the result (beta = 0)", function()
         local a, b = ramp(T(3, 4)), ramp(T(4, 2), 5)
         local res = T(3, 2):fill(0 / 0)
         hm.mm(res, a, b)
         assert.tensor_near(naive_mm(a, b), res, tol)
         local v = T(3):fill(0 / 0)
         hm.mv(v, a, ramp(T(4)))
         assert.tensor_near(naive_mv(a, ramp(T(4))), v, tol)
      end)

      it("handles zero-sized dimensions", function()
         local z = hm.mm(T(3, 0), T(0, 4))
         assert.are.equal("3x4", tostring(z:size()))
         assert.are.same({ 0, 0, 0, 0 }, z[2]:totable())
         assert.are.equal("0x4", tostring(hm.mm(T(0, 3), T(3, 4)):size()))
         assert.are.equal("3x0", tostring(hm.mm(T(3, 5), T(5, 0)):size()))
         local res = T(3, 4):fill(0 / 0)
         hm.mm(res, T(3, 0), T(0, 4))
         assert.are.same({ 0, 0, 0, 0 }, res[3]:totable())
      end)
   end)

   describe("addmm (" .. name .. ")", function()
      local M0, m1, m2
      before_each(function()
         M0 = ramp(T(3, 2), 9)
         m1 = ramp(T(4, 3), 1):t()
         m2 = ramp(T(4, 2), 2)
      end)
      local function M() return M0:clone() end

      it("follows Torch7's argument forms", function()
         local P = naive_mm(m1, m2)
         local r = M()
         assert.are.equal(r, r:addmm(m1, m2))
         assert.tensor_near(combine(1, M0, 1, P), r, tol)
         r = M(); r:addmm(0.5, m1, m2)                       -- one number: alpha
         assert.tensor_near(combine(1, M0, 0.5, P), r, tol)
         r = M(); r:addmm(2, -3, m1, m2)                     -- beta, alpha
         assert.tensor_near(combine(2, M0, -3, P), r, tol)
         local res = T(1)
         res:addmm(2, M0, -3, m1, m2)                        -- beta, M, alpha
         assert.tensor_near(combine(2, M0, -3, P), res, tol)
         res = T(); res:addmm(M0, m1, m2)
         assert.tensor_near(combine(1, M0, 1, P), res, tol)
         local f = hm.addmm(M0, m1, m2)                      -- new tensor, M untouched
         assert.tensor_near(combine(1, M0, 1, P), f, tol)
         assert.tensor_near(M(), M0, 0)
         assert.tensor_near(combine(0.5, M0, 2, P), hm.addmm(0.5, M0, 2, m1, m2), tol)
         assert.tensor_near(combine(1, M0, 2, P), hm.addmm(M0, 2, m1, m2), tol)
         assert.tensor_near(combine(3, M0, 1, P), hm.addmm(3, M0, m1, m2), tol)
         res = T(3, 2)
         assert.are.equal(res, hm.addmm(res, 0.5, M0, 2, m1, m2))
         assert.tensor_near(combine(0.5, M0, 2, P), res, tol)
      end)

      it("computes beta * M without reading NaN when beta is 0", function()
         local r = T(3, 2):fill(0 / 0)
         r:addmm(0, 1, m1, m2)
         assert.tensor_near(naive_mm(m1, m2), r, tol)
      end)

      it("is beta * M for an empty inner dimension", function()
         local r = hm.addmm(2, M0, 5, T(3, 0), T(0, 2))
         assert.tensor_near(combine(2, M0, 0, naive_mm(T(3, 0), T(0, 2))), r, tol)
         local z = T(3, 2):fill(0 / 0)
         z:addmm(0, 1, T(3, 0), T(0, 2))
         assert.tensor_near(T(3, 2):zero(), z, 0)
      end)

      it("works when the result is also a factor", function()
         local a = ramp(T(3, 3))
         local P = naive_mm(a, a)
         local want = combine(1, a:clone(), 1, P)
         a:addmm(a, a)
         assert.tensor_near(want, a, tol)
         local b = ramp(T(3, 3), 4)
         local want2 = naive_mm(b:t(), b)
         hm.mm(b, b:t(), b)
         assert.tensor_near(want2, b, tol)
      end)

      it("works in place on a transposed or strided M", function()
         local P = naive_mm(m1, m2)
         local base = ramp(T(2, 3), 7)
         local Mt = base:t()
         local want = combine(1, Mt:clone(), 1, P)
         Mt:addmm(m1, m2)
         assert.tensor_near(want, base:t(), tol)
         local s = ramp(T(3, 2, 2), 8):select(3, 2)
         want = combine(1, s:clone(), 1, P)
         s:addmm(m1, m2)
         assert.tensor_near(want, s, tol)
      end)
   end)

   describe("mv, addmv, dot, ger, addr (" .. name .. ")", function()
      it("mv matches a naive loop for every matrix layout and strided vectors", function()
         local x = ramp(T(4, 3), 6):select(2, 2)            -- stride 3
         for k, a in pairs(layouts(T, 5, 4)) do
            assert.tensor_near(naive_mv(a, x), hm.mv(a, x), tol, k)
         end
         local res = T(5, 2):fill(9)
         local a = ramp(T(5, 4))
         hm.mv(res:select(2, 1), a, x)
         assert.tensor_near(naive_mv(a, x), res:select(2, 1), tol)
         assert.are.same({ 9, 9, 9, 9, 9 }, res:select(2, 2):totable())
         assert.are.same({ 5, 11 }, hm.mv(T({ { 1, 2 }, { 3, 4 } }), T({ 1, 2 })):totable())
         assert.are.same({ 5, 11 }, (T({ { 1, 2 }, { 3, 4 } }) * T({ 1, 2 })):totable())
      end)

      it("addmv follows the addmm argument forms", function()
         local a, x, v = ramp(T(3, 4)):t(), ramp(T(3)), ramp(T(4), 3)
         local P = naive_mv(a, x)
         assert.tensor_near(combine(2, v, 3, P), hm.addmv(2, v, 3, a, x), tol)
         local r = v:clone()
         r:addmv(a, x)
         assert.tensor_near(combine(1, v, 1, P), r, tol)
         r = v:clone(); r:addmv(0, 2, a, x)
         assert.tensor_near(combine(0, v, 2, P), r, tol)
         assert.tensor_near(combine(1, v, 0, P), hm.addmv(v, T(4, 0), T(0)), tol)
      end)

      it("dot sums products over strided and multi-dimensional tensors", function()
         assert.are.equal(32, hm.dot(T({ 1, 2, 3 }), T({ 4, 5, 6 })))
         assert.are.equal(32, T({ 1, 2, 3 }) * T({ 4, 5, 6 }))
         local a = ramp(T(3, 4))
         local x, y = a:select(2, 1), a:select(2, 3)
         local s = 0
         for i = 1, 3 do s = s + x[i] * y[i] end
         assert.is_true(math.abs(hm.dot(x, y) - s) < tol * 10)
         local b = ramp(T(4, 3), 2):t()
         s = 0
         for i = 1, 3 do for j = 1, 4 do s = s + a[i][j] * b[i][j] end end
         assert.is_true(math.abs(a:dot(b) - s) < tol * 10)
         assert.are.equal(0, hm.dot(T(0), T(0)))
      end)

      it("ger and addr build outer products, also into a transposed result", function()
         local x, y = T({ 1, 2 }), T({ 1, 2, 3 })
         assert.are.same({ { 1, 2, 3 }, { 2, 4, 6 } }, hm.ger(x, y):totable())
         local r = T(3, 2)
         hm.ger(r:t(), x, y)
         assert.are.same({ { 1, 2, 3 }, { 2, 4, 6 } }, r:t():totable())
         local M = T({ { 1, 1, 1 }, { 1, 1, 1 } })
         assert.are.same({ { 3, 5, 7 }, { 5, 9, 13 } }, hm.addr(M, 2, x, y):totable())
         assert.are.same({ { 5, 7, 9 }, { 7, 11, 15 } }, hm.addr(3, M, 2, x, y):totable())
         M:addr(x, y)
         assert.are.same({ { 2, 3, 4 }, { 3, 5, 7 } }, M:totable())
         M:addr(-1, x, y)                                    -- one number: alpha (nn's scale)
         assert.are.same({ { 1, 1, 1 }, { 1, 1, 1 } }, M:totable())
         local g = T(2, 3):fill(0 / 0)
         g:ger(x, y)
         assert.are.same({ { 1, 2, 3 }, { 2, 4, 6 } }, g:totable())
         assert.are.equal("0x3", tostring(hm.ger(T(0), y):size()))
      end)
   end)

   describe("bmm, baddbmm (" .. name .. ")", function()
      it("multiply batches slice by slice, transposed slices included", function()
         local b1 = ramp(T(3, 4, 2), 1)
         local b2 = ramp(T(3, 5, 2), 2):transpose(2, 3)
         local r = hm.bmm(b1, b2)
         assert.are.equal("3x4x5", tostring(r:size()))
         for i = 1, 3 do assert.tensor_near(naive_mm(b1[i], b2[i]), r[i], tol) end
         local M = ramp(T(3, 4, 5), 3)
         local r2 = hm.baddbmm(0.5, M, 2, b1, b2)
         for i = 1, 3 do assert.tensor_near(combine(0.5, M[i], 2, naive_mm(b1[i], b2[i])), r2[i], tol) end
         local Mc = M:clone()
         Mc:baddbmm(b1, b2)
         for i = 1, 3 do assert.tensor_near(combine(1, M[i], 1, naive_mm(b1[i], b2[i])), Mc[i], tol) end
         assert.are.equal("0x4x5", tostring(hm.bmm(T(0, 4, 2), T(0, 2, 5)):size()))
      end)
   end)
end

describe("BLAS argument checks", function()
   local F, D = hm.FloatTensor, hm.DoubleTensor
   it("reports size mismatches with both shapes", function()
      assert.error_matches(function() hm.addmm(F(2, 5), F(2, 3), F(4, 5)) end,
                           "bad argument #3 to '[%w.]*addmm' %(size mismatch: m1 is %[2 x 3%], m2 is %[4 x 5%]%)")
      assert.error_matches(function() hm.addmm(F(2, 4), F(2, 3), F(3, 5)) end,
                           "size mismatch: M is %[2 x 4%], m1%*m2 is %[2 x 5%]")
      assert.error_matches(function() hm.mm(F(2, 3), F(2, 3)) end, "m1 is %[2 x 3%], m2 is %[2 x 3%]")
      assert.error_matches(function() hm.mv(F(2, 3), F(2)) end, "mat is %[2 x 3%], vec is %[2%]")
      assert.error_matches(function() hm.dot(F(3), F(4)) end, "size mismatch")
      assert.error_matches(function() hm.addr(F(2, 2), F(2), F(3)) end, "size mismatch")
      assert.error_matches(function() hm.bmm(F(2, 3, 4), F(3, 4, 5)) end, "size mismatch")
   end)

   it("checks dimensions", function()
      assert.error_matches(function() hm.mm(F(3), F(3, 2)) end, "2D tensor expected, got 1D")
      assert.error_matches(function() hm.mv(F(3, 2), F(2, 1)) end, "1D tensor expected, got 2D")
      assert.error_matches(function() hm.ger(F(3, 1), F(2)) end, "1D tensor expected, got 2D")
      assert.error_matches(function() hm.bmm(F(3, 2), F(2, 3)) end, "3D tensor expected, got 2D")
   end)

   it("checks types and argument patterns", function()
      assert.error_matches(function() hm.mm(F(2, 2), D(2, 2)) end, "hm.FloatTensor expected, got hm.DoubleTensor")
      assert.error_matches(function() hm.mm(hm.ByteTensor(2, 2), hm.ByteTensor(2, 2)) end,
                           "hm.FloatTensor or hm.DoubleTensor expected, got hm.ByteTensor")
      assert.error_matches(function() hm.mm(D(2, 2), F(2, 2), F(2, 2)) end, "hm.FloatTensor expected")
      assert.error_matches(function() hm.addmm(F(2, 2), "x", F(2, 2), F(2, 2)) end, "number or tensor expected")
      assert.error_matches(function() hm.addmm(F(2, 2), F(2, 2)) end, "wrong arguments to 'addmm'")
      assert.error_matches(function() hm.mm(F(2, 2)) end, "wrong arguments to 'mm'")
      assert.error_matches(function() hm.mm(F(2, 2), nil) end, "expected, got nil")
   end)
end)

describe("BLAS threads and benchmark helpers", function()
   it("sets and reads the OpenBLAS thread count", function()
      local n = hm.getblasthreads()
      hm.setblasthreads(1)
      assert.are.equal(1, hm.getblasthreads())
      hm.setblasthreads(n)
      assert.are.equal(n, hm.getblasthreads())
      assert.error_matches(function() hm.setblasthreads(0) end, "1..256")
   end)

   it("_rawsgemm computes c = a * b and _memcpybench copies", function()
      local a, b, c = ramp(hm.FloatTensor(3, 4)), ramp(hm.FloatTensor(4, 2), 3), hm.FloatTensor(3, 2)
      assert.is_true(hm._rawsgemm(c, a, b, 2) >= 0)
      assert.tensor_near(naive_mm(a, b), c, 1e-4)
      local d = hm.FloatTensor(3, 4)
      assert.is_true(hm._memcpybench(d, a, 3) >= 0)
      assert.tensor_near(a, d, 0)
      assert.error_matches(function() hm._memcpybench(hm.FloatTensor(2), a, 1) end, "size mismatch")
   end)

   it("allocates nothing in the result form", function()
      local a, b, c = ramp(hm.FloatTensor(8, 6)), ramp(hm.FloatTensor(6, 5), 1), hm.FloatTensor(8, 5)
      local bt = ramp(hm.FloatTensor(5, 6), 2):t()
      local v, x = hm.FloatTensor(8), ramp(hm.FloatTensor(6))
      hm.mm(c, a, b); c:addmm(0.5, 2, a, bt); hm.mv(v, a, x)
      collectgarbage("collect")
      collectgarbage("stop")
      local before = collectgarbage("count")
      for _ = 1, 1000 do
         hm.mm(c, a, b)
         c:addmm(0.5, 2, a, bt)
         hm.mv(v, a, x)
      end
      local grown = collectgarbage("count") - before
      collectgarbage("restart")
      assert.is_true(grown < 1, "grew by " .. grown .. " KB")
   end)
   -- speed against raw cblas_sgemm is measured by `make bench`, not asserted here
end)

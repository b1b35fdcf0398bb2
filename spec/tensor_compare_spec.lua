-- Specs for csrc/tensor_math.c: comparisons giving byte masks, and the masked ops
-- (maskedFill, maskedCopy, maskedSelect, and t[mask] / t[mask] = v through them).
local hm = require 'harmonium'

local function val(i) return ((i * 37) % 17 - 8) / 3 end

-- 3x4 inputs of type T: contiguous, transposed view, narrowed view (same values)
local function layouts(T, shift)
   local c = T(3, 4)
   local flat = c:view(-1)
   for i = 1, 12 do flat[i] = val(i + (shift or 0)) end
   local tt = T(4, 3)
   for i = 1, 4 do for j = 1, 3 do tt[i][j] = c[j][i] end end
   local big = T(5, 4):fill(99)
   big:narrow(1, 2, 3):copy(c)
   return { contiguous = c, transposed = tt:t(), narrowed = big:narrow(1, 2, 3) }
end

local function flat(t) return hm.DoubleTensor(t):contiguous():view(-1) end

-- the mask a Lua loop gives, as a table of 0/1 in row-major order
local function naivemask(f, a, b)
   local fa, fb = flat(a), type(b) == "number" and b or flat(b)
   local out = {}
   for i = 1, fa:nElement() do
      out[i] = f(fa[i], type(fb) == "number" and fb or fb[i]) and 1 or 0
   end
   return out
end

local function masktable(m) return m:contiguous():view(-1):totable() end

local ops = {
   gt = function(a, b) return a > b end, lt = function(a, b) return a < b end,
   ge = function(a, b) return a >= b end, le = function(a, b) return a <= b end,
   eq = function(a, b) return a == b end, ne = function(a, b) return a ~= b end,
}

local types = { float = hm.FloatTensor, double = hm.DoubleTensor, long = hm.LongTensor, byte = hm.ByteTensor }

describe("comparisons", function()
   for tname, T in pairs(types) do
      for name, f in pairs(ops) do
         it(name .. " gives a byte mask matching a Lua loop on " .. tname .. " tensors", function()
            local A, B = layouts(T), layouts(T, 4)
            for la, a in pairs(A) do
               for lb, b in pairs(B) do
                  local want = naivemask(f, a, b)
                  local m = a[name](a, b)                       -- method form: a new mask
                  assert.are.equal("hm.ByteTensor", m:type())
                  assert.are.same(a:size():totable(), m:size():totable())
                  assert.are.same(want, masktable(m))
                  assert.are.same(want, masktable(hm[name](a, b)))
                  local res = hm.ByteTensor(3, 4):fill(7)
                  if lb == "transposed" then res = hm.ByteTensor(4, 3):t() end
                  assert.are.equal(res, hm[name](res, a, b))   -- result form, written through a view
                  assert.are.same(want, masktable(res))
                  res:fill(9)
                  res[name](res, a, b)
                  assert.are.same(want, masktable(res))
               end
               local want = naivemask(f, a, 1)
               assert.are.same(want, masktable(a[name](a, 1)))
               assert.are.same(want, masktable(hm[name](hm.ByteTensor(), a, 1)))
            end
         end)
      end
   end

   it("compares with numbers the Torch7 way", function()
      local x = hm.FloatTensor({0.1, 0.2, 0.3})
      assert.are.same({1, 0, 0}, x:eq(0.1):totable())     -- 0.1 rounded to float first
      local l = hm.LongTensor({-1, 0, 1, 2})
      assert.are.same({0, 0, 1, 1}, l:gt(0.5):totable())  -- integers compare exactly
      assert.are.same({1, 1, 0, 0}, l:lt(0.5):totable())
      assert.are.same({0, 0, 0, 0}, l:eq(0.5):totable())
      assert.are.same({1, 1, 1, 1}, hm.ByteTensor({0, 1, 2, 255}):lt(256):totable())
      assert.are.same({1, 1}, hm.LongTensor({2^53 + 1, 2^53}):le(2^53 + 1):totable())
   end)

   it("handles NaN like IEEE", function()
      local x = hm.DoubleTensor({0 / 0, 1})
      assert.are.same({0, 0}, x:gt(x:clone():fill(0 / 0)):totable())
      assert.are.same({0, 1}, x:eq(x):totable())
      assert.are.same({1, 0}, x:ne(x):totable())
   end)

   it("works on empty tensors and refuses bad arguments", function()
      assert.are.equal(0, hm.FloatTensor():gt(0):nElement())
      assert.are.equal(0, hm.gt(hm.LongTensor(0), hm.LongTensor(0)):nElement())
      local a = hm.FloatTensor(2, 3)
      assert.error_matches(function() a:gt(hm.FloatTensor(3, 2, 2)) end,
         "size mismatch: tensor1 is %[2 x 3%], tensor2 is %[3 x 2 x 2%]")
      assert.error_matches(function() a:lt(hm.DoubleTensor(2, 3)) end,
         "hm.FloatTensor expected, got hm.DoubleTensor")
      assert.error_matches(function() hm.eq(hm.FloatTensor(), a, 1) end,
         "bad argument #1 to '[^']*' %(hm.ByteTensor expected, got hm.FloatTensor%)")
      assert.error_matches(function() a:ge("x") end, "harmonium.Tensor or number expected, got string")
      assert.error_matches(function() hm.le(nil, 1) end, "harmonium.Tensor expected, got nil")
   end)
end)

describe("masked ops", function()
   local mask = hm.ByteTensor({{1, 0, 0, 1}, {0, 1, 1, 0}, {1, 1, 0, 0}})
   local mflat = masktable(mask)

   for tname, T in pairs(types) do
      it("maskedFill, maskedCopy and maskedSelect match a Lua loop on " .. tname .. " tensors", function()
         for lname in pairs(layouts(T)) do
            -- fill
            local x = layouts(T)[lname]
            local xf = flat(x)
            local want = {}
            for i = 1, 12 do want[i] = mflat[i] == 1 and 5 or xf[i] end
            assert.are.equal(x, x:maskedFill(mask, 5))
            assert.are.same(want, flat(x):totable())
            -- select, in row-major order
            x = layouts(T)[lname]
            xf = flat(x)
            local sel = {}
            for i = 1, 12 do if mflat[i] == 1 then sel[#sel + 1] = xf[i] end end
            local s = x:maskedSelect(mask)
            assert.are.equal(T():type(), s:type())
            assert.are.same(sel, hm.DoubleTensor(s):totable())
            assert.are.same(sel, hm.DoubleTensor(hm.maskedSelect(x, mask)):totable())
            assert.are.same(sel, hm.DoubleTensor(x[mask]):totable())
            local res = T(2, 2)
            assert.are.equal(res, hm.maskedSelect(res, x, mask))
            assert.are.same(sel, hm.DoubleTensor(res):totable())
            -- copy: successive source elements go where the mask is 1
            local src = T(10)
            for i = 1, 10 do src[i] = 10 + i end
            x = layouts(T)[lname]
            want, xf = {}, flat(x)
            local k = 0
            for i = 1, 12 do
               if mflat[i] == 1 then k = k + 1; want[i] = 10 + k else want[i] = xf[i] end
            end
            assert.are.equal(x, x:maskedCopy(mask, src))
            assert.are.same(want, flat(x):totable())
            -- assignment sugar
            x = layouts(T)[lname]
            x[mask] = 3
            assert.are.same(3, flat(x)[1])
            x[mask] = src
            assert.are.same(11, flat(x)[1])
         end
      end)
   end

   it("takes masks of another shape or layout with the same element count", function()
      local x = hm.FloatTensor({1, 2, 3, 4, 5, 6})
      local m = hm.ByteTensor({{1, 0}, {0, 1}, {1, 0}}):t()      -- row-major: 1 0 1 0 1 0
      assert.are.same({1, 3, 5}, x:maskedSelect(m):totable())
      local y = hm.FloatTensor({{1, 2}, {3, 4}})
      y[y:gt(2)] = 0
      assert.are.same({{1, 2}, {0, 0}}, y:totable())
   end)

   it("copies safely from a source that shares the tensor's storage", function()
      local x = hm.FloatTensor({1, 2, 3, 4})
      x:maskedCopy(hm.ByteTensor({0, 1, 1, 1}), x)
      assert.are.same({1, 1, 2, 3}, x:totable())
   end)

   it("works with empty masks and empty selections", function()
      local x = hm.FloatTensor({1, 2})
      assert.are.equal(0, x:maskedSelect(hm.ByteTensor({0, 0})):nElement())
      assert.are.equal(0, hm.FloatTensor():maskedSelect(hm.ByteTensor()):nElement())
      assert.are.same({1, 2}, x:maskedFill(hm.ByteTensor(2), 9):totable())
   end)

   it("refuses bad masks and sources", function()
      local x = hm.FloatTensor(2, 3)
      assert.error_matches(function() x:maskedFill(hm.ByteTensor(5), 1) end,
         "size mismatch: tensor is %[2 x 3%], mask is %[5%]")
      assert.error_matches(function() x:maskedFill(hm.FloatTensor(2, 3), 1) end,
         "hm.ByteTensor expected, got hm.FloatTensor")
      assert.error_matches(function() x:maskedFill(hm.ByteTensor(2, 3):fill(2), 1) end,
         "mask values must be 0 or 1, got 2")
      assert.error_matches(function() x:maskedFill(hm.ByteTensor(2, 3), "a") end,
         "number expected, got string")
      assert.error_matches(function() x:maskedCopy(hm.ByteTensor(2, 3):fill(1), hm.FloatTensor(4)) end,
         "source has 4 elements, mask selects 6")
      assert.error_matches(function() x:maskedCopy(hm.ByteTensor(2, 3), hm.DoubleTensor(6)) end,
         "hm.FloatTensor expected, got hm.DoubleTensor")
      assert.error_matches(function() x:maskedSelect(nil) end, "harmonium.Tensor expected, got nil")
      assert.error_matches(function() return x[hm.ByteTensor(2)] end, "size mismatch")
   end)
end)

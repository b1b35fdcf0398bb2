-- Specs for csrc/tensor_math.c (element-wise arithmetic and functions) and csrc/vecmath.h:
-- each op against a naive Lua loop on contiguous, transposed and narrowed inputs, in its
-- three forms, plus hand-computed values, empty tensors, byte/long rules and bad input.
local hm = require 'harmonium'

-- deterministic values in [-8/3, 8/3] (no dependence on the random generator)
local function val(i) return ((i * 37) % 17 - 8) / 3 end

-- 3x4 inputs of type T in three layouts: contiguous, transposed view, narrowed view
local function layouts(T, shift, nozero)
   shift = shift or 0
   local c = T(3, 4)
   local flat = c:view(-1)
   for i = 1, 12 do flat[i] = val(i + shift) end
   if nozero then for i = 1, 12 do if flat[i] == 0 then flat[i] = 0.5 end end end
   local tt = T(4, 3)
   for i = 1, 4 do for j = 1, 3 do tt[i][j] = c[j][i] end end
   local big = T(5, 4):fill(99)
   big:narrow(1, 2, 3):copy(c)
   return { contiguous = c, transposed = tt:t(), narrowed = big:narrow(1, 2, 3) }
end

-- expected = f applied element-wise (in double, row-major) to the given tensors
local function naive(f, ...)
   local ts = { ... }
   local out = hm.DoubleTensor(ts[1]:size())
   local of = out:view(-1)
   local flats = {}
   for k, t in ipairs(ts) do flats[k] = hm.DoubleTensor(t):contiguous():view(-1) end
   for i = 1, out:nElement() do
      local args = {}
      for k = 1, #flats do args[k] = flats[k][i] end
      of[i] = f(table.unpack(args))
   end
   return out
end

local function sigmoid(x) return 1 / (1 + math.exp(-x)) end
local function tanh(x) local e = math.exp(-2 * math.abs(x)); local r = (1 - e) / (1 + e); return x < 0 and -r or r end
local function sign(x) return x > 0 and 1 or (x < 0 and -1 or 0) end
local function round(x) return x >= 0 and math.floor(x + 0.5) or -math.floor(-x + 0.5) end

local unary = {
   exp = math.exp, abs = math.abs, sign = sign, neg = function(x) return -x end,
   floor = math.floor, ceil = math.ceil, round = round, sigmoid = sigmoid, tanh = tanh,
}
-- ops needing positive input
local positive = { log = math.log, sqrt = math.sqrt, log1p = function(x) return math.log(1 + x) end }

local types = { float = { T = hm.FloatTensor, tol = 2e-5 }, double = { T = hm.DoubleTensor, tol = 1e-12 } }

describe("element-wise functions", function()
   for tname, ty in pairs(types) do
      for name, f in pairs(unary) do
         it(name .. " matches a Lua loop on " .. tname .. " tensors in every layout and form", function()
            for lname, x in pairs(layouts(ty.T)) do
               local expected = naive(f, x)
               assert.tensor_near(expected, hm[name](x), ty.tol)          -- new tensor
               local res = ty.T()
               assert.are.equal(res, hm[name](res, x))                    -- result form
               assert.tensor_near(expected, res, ty.tol)
               local res2 = ty.T(7)
               assert.are.equal(res2, res2[name](res2, x))                -- res:op(x)
               assert.tensor_near(expected, res2, ty.tol)
               local y = x:clone()
               if lname ~= "contiguous" then y = layouts(ty.T)[lname] end -- in place through a view
               assert.are.equal(y, y[name](y))
               assert.tensor_near(expected, y, ty.tol)
            end
         end)
      end
      for name, f in pairs(positive) do
         it(name .. " matches a Lua loop on positive " .. tname .. " values", function()
            for _, x in pairs(layouts(ty.T)) do
               x = hm.abs(x):add(0.25)
               assert.tensor_near(naive(f, x), hm[name](x), ty.tol)
               local y = x:clone()
               y[name](y)
               assert.tensor_near(naive(f, x), y, ty.tol)
            end
         end)
      end
   end

   it("gives hand-computed values", function()
      local x = hm.DoubleTensor({-1.5, -0.5, 0, 0.5, 2.5})
      assert.tensor_near({-2, -1, 0, 0, 2}, hm.floor(x))
      assert.tensor_near({-1, 0, 0, 1, 3}, hm.ceil(x))
      assert.tensor_near({-2, -1, 0, 1, 3}, hm.round(x))      -- half away from zero
      assert.tensor_near({-1, -1, 0, 1, 1}, hm.sign(x))
      assert.tensor_near({0.5, 0.5}, hm.sigmoid(hm.FloatTensor({0, 0})))
      assert.tensor_near({1, 4, 9}, hm.pow(hm.FloatTensor({1, 2, 3}), 2))
      assert.tensor_near({2, 4, 8}, hm.pow(2, hm.FloatTensor({1, 2, 3})))
      assert.tensor_near({1, 4, 27}, hm.pow(hm.FloatTensor({1, 2, 3}), hm.FloatTensor({3, 2, 3})))
      assert.tensor_near({0, 0.5, 1, 1}, hm.clamp(hm.FloatTensor({-3, 0.5, 1, 7}), 0, 1))
   end)

   it("keeps NaN and infinities right in the float fast paths", function()
      local inf, nan = math.huge, 0 / 0
      local x = hm.FloatTensor({inf, -inf, nan, 0, 89, -104, 1e30, -1e30})
      local s, e, t = hm.sigmoid(x), hm.exp(x), hm.tanh(x)
      assert.are.same({1, 0, 1, 0.5, 1, 0, 1, 0}, { s[1], s[2], s[1], s[4], s[5], s[6], s[7], s[8] })
      assert.is_true(s[3] ~= s[3])
      assert.are.same({inf, 0, 1, inf, 0, inf, 0}, { e[1], e[2], e[4], e[5], e[6], e[7], e[8] })
      assert.is_true(e[3] ~= e[3])
      assert.are.same({1, -1, 0, 1, -1, 1, -1}, { t[1], t[2], t[4], t[5], t[6], t[7], t[8] })
      assert.is_true(t[3] ~= t[3])
      local c = hm.clamp(x, -1, 1)
      assert.is_true(c[3] ~= c[3])
   end)

   it("has fast float exp, sigmoid and tanh within 3e-7 relative of double math", function()
      local n = 40001
      local x = hm.DoubleTensor(n)
      for i = 1, n do x[i] = -110 + 220 * (i - 1) / (n - 1) end
      local xf = hm.FloatTensor(x)
      local xd = hm.DoubleTensor(xf)                 -- the exact float inputs
      local checks = {
         { "exp", math.exp }, { "sigmoid", sigmoid }, { "tanh", tanh },
      }
      local FLT_MIN, FLT_MAX = 1.1754944e-38, 3.4028235e38
      for _, c in ipairs(checks) do
         local got = hm[c[1]](xf)
         local worst, bad = 0, nil
         for i = 1, n do
            local want = c[2](xd[i])
            local g = got[i]
            if math.abs(want) >= FLT_MIN and math.abs(want) <= FLT_MAX then
               local r = math.abs(g - want) / math.abs(want)
               if r > worst then worst = r end
            elseif not (math.abs(g - want) <= FLT_MIN or (want > FLT_MAX and g == math.huge)) then
               bad = bad or (c[1] .. "(" .. xd[i] .. ") = " .. g .. ", want " .. want)
            end
         end
         assert.is_nil(bad)
         assert.is_true(worst < 3e-7, c[1] .. " max relative error " .. worst)
      end
   end)

   it("gives the same float results whatever the thread count", function()
      local n = 300000
      local x = hm.FloatTensor(n)
      for i = 1, n do x[i] = val(i) * 7 end
      local before = hm.getnumthreads()
      hm.setnumthreads(1)
      local a = hm.sigmoid(x)
      hm.setnumthreads(2)
      local b = hm.sigmoid(x)
      hm.setnumthreads(before)
      assert.are.equal(0, hm.ne(a, b):sum())
   end)

   it("works on empty tensors", function()
      for _, T in ipairs({ hm.FloatTensor, hm.DoubleTensor, hm.ByteTensor, hm.LongTensor }) do
         local e = T()
         assert.are.equal(0, hm.abs(e):nElement())
         assert.are.equal(0, hm.add(e, e):nElement())
         assert.are.equal(0, e:mul(2):nElement())
         assert.are.equal(0, hm.add(T(0, 3), 1):nElement())
      end
      assert.are.equal(0, hm.exp(hm.FloatTensor()):nElement())
      assert.are.equal(0, hm.sigmoid(hm.DoubleTensor(2, 0)):nElement())
   end)
end)

describe("scalar arithmetic", function()
   local cases = {
      { "add", { 2.5 }, function(x) return x + 2.5 end },
      { "sub", { 2.5 }, function(x) return x - 2.5 end },
      { "mul", { -3 }, function(x) return x * -3 end },
      { "div", { 4 }, function(x) return x / 4 end },
      { "pow", { 3 }, function(x) return x ^ 3 end },
      { "clamp", { -1, 0.5 }, function(x) return math.min(math.max(x, -1), 0.5) end },
      { "cmax", { 0.5 }, function(x) return math.max(x, 0.5) end },
      { "cmin", { 0.5 }, function(x) return math.min(x, 0.5) end },
   }
   for tname, ty in pairs(types) do
      for _, c in ipairs(cases) do
         local name, args, f = c[1], c[2], c[3]
         it(name .. " by a number matches a Lua loop on " .. tname .. " tensors in every form", function()
            for lname, x in pairs(layouts(ty.T)) do
               local expected = naive(f, x)
               assert.tensor_near(expected, hm[name](x, table.unpack(args)), ty.tol)
               local res = ty.T()
               hm[name](res, x, table.unpack(args))
               assert.tensor_near(expected, res, ty.tol)
               local y = layouts(ty.T)[lname]
               local base = y:clone()
               assert.are.equal(y, y[name](y, table.unpack(args)))
               assert.tensor_near(expected, y, ty.tol)
               assert.tensor_near(naive(f, base), y, ty.tol)
            end
         end)
      end
   end
end)

describe("tensor arithmetic", function()
   local cases = {
      { "add", {}, function(a, b) return a + b end },
      { "add", { 0.5 }, function(a, b) return a + 0.5 * b end },
      { "sub", {}, function(a, b) return a - b end },
      { "sub", { 2 }, function(a, b) return a - 2 * b end },
      { "cmul", {}, function(a, b) return a * b end },
      { "cdiv", {}, function(a, b) return a / b end },
      { "cmax", {}, function(a, b) return math.max(a, b) end },
      { "cmin", {}, function(a, b) return math.min(a, b) end },
   }
   for tname, ty in pairs(types) do
      for _, c in ipairs(cases) do
         local name, v, f = c[1], c[2][1], c[3]
         it(name .. (v and " with a value" or "") .. " matches a Lua loop on " .. tname ..
            " tensors in every form and layout mix", function()
            local A = layouts(ty.T)
            local B = layouts(ty.T, 5, true)
            for _, la in ipairs({ "contiguous", "transposed", "narrowed" }) do
               for _, lb in ipairs({ "contiguous", "transposed", "narrowed" }) do
                  local a, b = A[la], B[lb]
                  local expected = naive(f, a, b)
                  local res = ty.T(2)
                  if v then
                     assert.tensor_near(expected, hm[name](a, v, b), ty.tol)    -- new
                     assert.are.equal(res, hm[name](res, a, v, b))              -- result
                  else
                     assert.tensor_near(expected, hm[name](a, b), ty.tol)
                     assert.are.equal(res, res[name](res, a, b))
                  end
                  assert.tensor_near(expected, res, ty.tol)
                  local y = layouts(ty.T)[la]                                   -- in place
                  if v then y[name](y, v, b) else y[name](y, b) end
                  assert.tensor_near(expected, y, ty.tol)
               end
            end
         end)
      end
   end

   it("computes addcmul and addcdiv in all forms", function()
      for _, ty in pairs(types) do
         local L1, L2, L3 = layouts(ty.T), layouts(ty.T, 3), layouts(ty.T, 7, true)
         for _, l in ipairs({ "contiguous", "transposed", "narrowed" }) do
            local t, u, w = L1[l], L2["transposed"], L3[l]
            local mulx = naive(function(a, b, c) return a + 0.5 * b * c end, t, u, w)
            local divx = naive(function(a, b, c) return a + 2 * b / c end, t, u, w)
            local one = naive(function(a, b, c) return a + b * c end, t, u, w)
            assert.tensor_near(mulx, hm.addcmul(t, 0.5, u, w), ty.tol)
            assert.tensor_near(one, hm.addcmul(t, u, w), ty.tol)
            assert.tensor_near(divx, hm.addcdiv(t, 2, u, w), ty.tol * 10)
            local res = ty.T()
            hm.addcmul(res, t, 0.5, u, w)
            assert.tensor_near(mulx, res, ty.tol)
            res:addcdiv(t, 2, u, w)
            assert.tensor_near(divx, res, ty.tol * 10)
            res:addcmul(t, u, w)
            assert.tensor_near(one, res, ty.tol)
            local y = layouts(ty.T)[l]
            y:addcmul(0.5, u, w)
            assert.tensor_near(mulx, y, ty.tol)
         end
      end
   end)

   it("supports the operators", function()
      local a, b = hm.FloatTensor({1, 2, 3}), hm.FloatTensor({4, 5, 6})
      assert.tensor_near({5, 7, 9}, a + b)
      assert.tensor_near({-3, -3, -3}, a - b)
      assert.tensor_near({2, 4, 6}, a * 2)
      assert.tensor_near({0.5, 1, 1.5}, a / 2)
      assert.tensor_near({-1, -2, -3}, -a)
      assert.tensor_near({0.25, 0.4, 0.5}, a / b)
   end)
end)

describe("byte and long arithmetic", function()
   it("adds, multiplies and clamps with Torch7's integer rules", function()
      local l = hm.LongTensor({-7, 7, 100})
      assert.are.same({-3, 3, 50}, hm.div(l, 2):totable())                  -- truncation
      assert.are.same({-6, 8, 101}, hm.add(l, 1.9):totable())               -- scalar truncated
      assert.are.same({-14, 14, 200}, hm.cmul(l, hm.LongTensor({2, 2, 2})):totable())
      assert.are.same({7, 7, 100}, hm.abs(l):totable())
      assert.are.same({-1, 1, 1}, hm.sign(l):totable())
      assert.are.same({0, 7, 10}, hm.clamp(l, 0, 10):totable())
      assert.are.same({-7, 7, 50}, hm.cmin(l, 50):totable())
      assert.are.same({2^40 + 1}, hm.add(hm.LongTensor({2^40}), 1):totable())
      local b = hm.ByteTensor({0, 100, 250})
      assert.are.same({10, 110, 255}, hm.add(b, 10):totable())             -- saturates
      assert.are.same({0, 90, 240}, hm.sub(b, 10):totable())
      assert.are.same({0, 200, 255}, hm.mul(b, 2):totable())
      assert.are.same({0, 50, 125}, b:clone():div(2):totable())
      assert.are.same({0, 200, 255}, b:clone():add(b):totable())
      assert.are.same({1, 101, 251}, hm.addcmul(b, b:clone():fill(1), b:clone():fill(1)):totable())
      local bt = hm.ByteTensor({{1, 2}, {3, 4}}):t()
      bt:add(1)
      assert.are.same({{2, 4}, {3, 5}}, bt:totable())
   end)

   it("refuses transcendental functions on integer tensors", function()
      for _, name in ipairs({ "exp", "log", "log1p", "sqrt", "sigmoid", "tanh" }) do
         assert.error_matches(function() hm[name](hm.ByteTensor(3)) end,
            "bad argument #1 to '[^']*' %(hm.FloatTensor or hm.DoubleTensor expected, got hm.ByteTensor%)")
         assert.error_matches(function() hm.LongTensor(3)[name](hm.LongTensor(3)) end,
            "hm.FloatTensor or hm.DoubleTensor expected, got hm.LongTensor")
      end
      assert.error_matches(function() hm.pow(hm.LongTensor(3), 2) end, "got hm.LongTensor")
   end)
end)

describe("bad arguments to element-wise ops", function()
   it("names both shapes on a size mismatch", function()
      local a, b = hm.FloatTensor(2, 3), hm.FloatTensor(4, 5)
      assert.error_matches(function() hm.add(a, b) end,
         "bad argument #2 to '[^']*' %(size mismatch: tensor1 is %[2 x 3%], tensor2 is %[4 x 5%]%)")
      assert.error_matches(function() a:cmul(b) end, "size mismatch: tensor1 is %[2 x 3%], tensor2 is %[4 x 5%]")
      assert.error_matches(function() hm.addcmul(a, a, b) end, "tensor2 is %[4 x 5%]")
      assert.error_matches(function() hm.cdiv(hm.FloatTensor(), a, b) end, "size mismatch")
   end)

   it("accepts the same number of elements in another shape (Torch7)", function()
      local a = hm.FloatTensor({{1, 2, 3}, {4, 5, 6}})
      local b = hm.FloatTensor({1, 1, 1, 1, 1, 1})
      assert.tensor_near({{2, 3, 4}, {5, 6, 7}}, hm.add(a, b))
   end)

   it("refuses mixed types and non-tensors", function()
      local f, d = hm.FloatTensor(3), hm.DoubleTensor(3)
      assert.error_matches(function() hm.add(f, d) end,
         "bad argument #2 to '[^']*' %(hm.FloatTensor expected, got hm.DoubleTensor%)")
      assert.error_matches(function() hm.cmul(f, "x") end, "harmonium.Tensor expected, got string")
      assert.error_matches(function() hm.add(f, {}) end, "harmonium.Tensor or number expected, got table")
      assert.error_matches(function() hm.exp(nil) end, "bad argument #1 to '[^']*' %(harmonium.Tensor expected, got nil%)")
      assert.error_matches(function() hm.mul(f, "two") end, "number expected, got string")
      assert.error_matches(function() hm.clamp(f, 0) end, "number expected, got no value")
      assert.error_matches(function() hm.exp(d, f) end, "hm.FloatTensor expected, got hm.DoubleTensor")
      assert.error_matches(function() hm.add(d, f, f) end, "hm.FloatTensor expected, got hm.DoubleTensor")
   end)
end)

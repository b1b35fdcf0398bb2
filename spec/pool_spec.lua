-- Specs for the pooling kernels of csrc/conv.c (hm._maxpool2d_forward/_backward,
-- hm._avgpool2d_forward/_backward): forward against naive loops in Lua, max backward by index
-- routing, average backward against central finite differences in double, errors.
local hm = require 'harmonium'

local function outsize(n, k, d, p, ceil)
   local o
   if ceil then
      o = math.ceil((n + 2 * p - k) / d) + 1
      if (o - 1) * d >= n + p then o = o - 1 end
   else
      o = math.floor((n + 2 * p - k) / d) + 1
   end
   return o
end

-- naive pooling of x (B, C, H, W): returns output and (max only) 1-based plane indices
local function naive_pool(kind, x, kW, kH, dW, dH, pW, pH, ceil, countpad)
   local B, C, H, W = x:size(1), x:size(2), x:size(3), x:size(4)
   local oH, oW = outsize(H, kH, dH, pH, ceil), outsize(W, kW, dW, pW, ceil)
   local xv = x:double():contiguous():view(-1)
   local y, ind = hm.DoubleTensor(B, C, oH, oW), hm.LongTensor(B, C, oH, oW)
   local yv, iv, n = y:view(-1), ind:view(-1), 0
   for p = 0, B * C - 1 do for i = 1, oH do for j = 1, oW do
      local h0, w0 = (i - 1) * dH - pH, (j - 1) * dW - pW
      local h1, w1 = math.min(h0 + kH, H + pH), math.min(w0 + kW, W + pW)
      local count = (h1 - h0) * (w1 - w0)
      h0, w0, h1, w1 = math.max(h0, 0), math.max(w0, 0), math.min(h1, H), math.min(w1, W)
      if not countpad then count = (h1 - h0) * (w1 - w0) end
      local best, at, sum = -math.huge, nil, 0
      for ih = h0, h1 - 1 do for iw = w0, w1 - 1 do
         local v = xv[p * H * W + ih * W + iw + 1]
         sum = sum + v
         if at == nil or v > best then best, at = v, ih * W + iw + 1 end
      end end
      n = n + 1
      if kind == "max" then yv[n], iv[n] = best, at else yv[n] = sum / count end
   end end end
   return y, ind
end

local function ramp(seed, ...)
   local t = hm.DoubleTensor(...)
   local v = t:view(-1)
   for i = 1, v:nElement() do v[i] = (((i + seed) * 37) % 101) / 50 - 1 end
   return t
end

local CONFIGS = {      -- kW, kH, dW, dH, padW, padH, ceil_mode
   { 2, 2, 2, 2, 0, 0, false },
   { 3, 3, 2, 2, 1, 1, false },
   { 3, 2, 1, 2, 1, 0, true },
   { 2, 2, 2, 2, 1, 1, true },
   { 3, 3, 3, 3, 0, 0, true },
   { 4, 3, 2, 1, 2, 1, false },
}

local function cfgname(c)
   return string.format("k %dx%d, stride %dx%d, pad %dx%d%s", c[2], c[1], c[4], c[3], c[6], c[5],
      c[7] and ", ceil" or "")
end

describe("hm._maxpool2d", function()
   for _, c in ipairs(CONFIGS) do
      it("matches naive max pooling and routes gradients to the maxima (" .. cfgname(c) .. ")", function()
         local x = hm.randn(2, 3, 7, 8):double()
         local y, ind = hm._maxpool2d_forward(nil, nil, x, table.unpack(c))
         local ry, rind = naive_pool("max", x, table.unpack(c))
         assert.tensor_near(ry, y, 0)
         assert.tensor_near(rind, ind, 0)
         local G = ramp(3, y:size(1), y:size(2), y:size(3), y:size(4))
         local gx = hm._maxpool2d_backward(nil, x, G, ind)
         local ref = hm.DoubleTensor(2, 3, 7, 8):zero()
         local rv, gv, iv = ref:view(2 * 3, 7 * 8), G:view(2 * 3, -1), ind:view(2 * 3, -1)
         for p = 1, 6 do
            for o = 1, gv:size(2) do
               rv[{ p, iv[{ p, o }] }] = rv[{ p, iv[{ p, o }] }] + gv[{ p, o }]
            end
         end
         assert.tensor_near(ref, gx, 1e-12)
      end)
   end

   it("works on a single plane stack, in float, and on non-contiguous input", function()
      local x = hm.randn(3, 6, 6)
      local xt = hm.Tensor(3, 6, 6):transpose(2, 3):copy(x)
      local y, ind = hm._maxpool2d_forward(hm.Tensor(), hm.LongTensor(), xt, 2, 2, 2, 2, 0, 0)
      local ry, rind = naive_pool("max", x:view(1, 3, 6, 6), 2, 2, 2, 2, 0, 0)
      assert.are.equal("hm.FloatTensor", hm.type(y))
      assert.tensor_near(ry:view(3, 3, 3), y, 0)
      assert.tensor_near(rind:view(3, 3, 3), ind, 0)
   end)

   it("lets NaN win and picks a pixel in an all -inf window", function()
      local x = hm.DoubleTensor(1, 1, 2, 2):fill(-math.huge)
      local y, ind = hm._maxpool2d_forward(nil, nil, x, 2, 2, 2, 2, 0, 0)
      assert.are.equal(-math.huge, y[{ 1, 1, 1, 1 }])
      assert.are.equal(1, ind[{ 1, 1, 1, 1 }])
      x[{ 1, 1, 2, 1 }] = 0 / 0
      y, ind = hm._maxpool2d_forward(nil, nil, x, 2, 2, 2, 2, 0, 0)
      assert.is_true(y[{ 1, 1, 1, 1 }] ~= y[{ 1, 1, 1, 1 }])
      assert.are.equal(3, ind[{ 1, 1, 1, 1 }])
   end)

   it("splits large inputs over threads without changing the result", function()
      local x = hm.randn(8, 16, 32, 32)
      local nt = hm.getnumthreads()
      hm.setnumthreads(1)
      local y1, i1 = hm._maxpool2d_forward(nil, nil, x, 3, 3, 2, 2, 1, 1)
      local G = hm.randn(y1:size(1), y1:size(2), y1:size(3), y1:size(4))
      local g1 = hm._maxpool2d_backward(nil, x, G, i1)
      hm.setnumthreads(2)
      local y2, i2 = hm._maxpool2d_forward(nil, nil, x, 3, 3, 2, 2, 1, 1)
      local g2 = hm._maxpool2d_backward(nil, x, G, i2)
      hm.setnumthreads(nt)
      assert.tensor_near(y1, y2, 0)
      assert.tensor_near(i1, i2, 0)
      assert.tensor_near(g1, g2, 0)
   end)

   it("raises on bad indices, shapes and padding", function()
      local x = hm.randn(2, 3, 6, 6)
      local y, ind = hm._maxpool2d_forward(nil, nil, x, 2, 2, 2, 2, 0, 0)
      local bad = ind:clone():fill(37)
      assert.error_matches(function() hm._maxpool2d_backward(nil, x, y, bad) end,
         "#4 .*index out of range: indices must lie in 1..36")
      assert.error_matches(function() hm._maxpool2d_backward(nil, x, y, ind:narrow(4, 1, 2)) end,
         "#4 .*size mismatch: indices is %[2 x 3 x 3 x 2%], gradOutput is %[2 x 3 x 3 x 3%]")
      assert.error_matches(function() hm._maxpool2d_backward(nil, x, hm.randn(2, 4, 3, 3), ind) end,
         "#3 .*size mismatch: gradOutput is %[2 x 4 x 3 x 3%]")
      assert.error_matches(function() hm._maxpool2d_backward(nil, x, y, ind:float()) end,
         "#4 .*hm.LongTensor expected, got hm.FloatTensor")
      assert.error_matches(function() hm._maxpool2d_forward(nil, nil, x, 2, 2, 2, 2, 2, 0) end,
         "#8 .*padding must be at most half the kernel size")
      assert.error_matches(function() hm._maxpool2d_forward(nil, nil, x, 7, 2, 2, 2, 0, 0) end,
         "#4 .*kernel size 2 x 7 %(kH x kW%) is larger than the padded input size 6 x 6")
      assert.error_matches(function() hm._maxpool2d_forward(nil, nil, x:view(6, 36), 2, 2, 2, 2, 0, 0) end,
         "#3 .*3D %(C x H x W%) or 4D")
      assert.error_matches(function() hm._maxpool2d_forward(nil, nil, x, 2, 2, 2, 2, 0, 0, 1) end,
         "#10 .*boolean expected")
   end)
end)

-- max pooling by the kernels' rule, in Lua: each window is scanned row by row from its first
-- pixel, and a pixel replaces the maximum when greater or NaN (NaN wins, as in Torch7; the last
-- NaN of a window, and the first of equal maxima); padding is outside every window
local function naive_max_nan(x, kW, kH, dW, dH, pW, pH, ceil)
   local B, C, H, W = x:size(1), x:size(2), x:size(3), x:size(4)
   local oH, oW = outsize(H, kH, dH, pH, ceil), outsize(W, kW, dW, pW, ceil)
   local xv = x:double():contiguous():view(-1)
   local y, ind = hm.DoubleTensor(B, C, oH, oW), hm.LongTensor(B, C, oH, oW)
   local yv, iv, n = y:view(-1), ind:view(-1), 0
   for p = 0, B * C - 1 do for i = 1, oH do for j = 1, oW do
      local h0, w0 = (i - 1) * dH - pH, (j - 1) * dW - pW
      local h1, w1 = math.min(h0 + kH, H), math.min(w0 + kW, W)
      h0, w0 = math.max(h0, 0), math.max(w0, 0)
      local best, at = xv[p * H * W + h0 * W + w0 + 1], h0 * W + w0 + 1
      for ih = h0, h1 - 1 do for iw = w0, w1 - 1 do
         local v = xv[p * H * W + ih * W + iw + 1]
         if v > best or v ~= v then best, at = v, ih * W + iw + 1 end
      end end
      n = n + 1
      yv[n], iv[n] = best, at
   end end end
   return y, ind
end

-- small integers (many ties), with NaN and -inf sprinkled in; a fixed pattern per seed
local function tricky(seed, ...)
   local t = hm.DoubleTensor(...)
   local v = t:view(-1)
   for i = 1, v:nElement() do
      local r = ((i + seed) * 7919) % 53
      v[i] = r < 4 and 0 / 0 or r < 7 and -math.huge or (r % 5) - 2
   end
   return t
end

-- NaN-aware equality: NaN where expected has NaN, equal elsewhere
local function assert_same_nan(expected, actual)
   local e, a = expected:double():contiguous():view(-1), actual:double():contiguous():view(-1)
   assert.are.equal(e:nElement(), a:nElement())
   for i = 1, e:nElement() do
      if e[i] ~= e[i] then
         assert.is_true(a[i] ~= a[i], "NaN expected at " .. i)
      else
         assert.are.equal(e[i], a[i], "at " .. i)
      end
   end
end

describe("hm._maxpool2d, 2x2 windows at stride 2", function()
   -- sizes: odd (a row and a column left over), rows past 16 outputs (vector tails), one window
   local SIZES = { { 2, 3, 7, 9 }, { 1, 2, 4, 70 }, { 3, 1, 33, 35 }, { 1, 1, 2, 2 }, { 2, 2, 6, 32 } }
   for _, T in ipairs{ "float", "double" } do
      it("follows the window rule on ties, NaN and -inf, odd and wide planes (" .. T .. ")", function()
         for k, sz in ipairs(SIZES) do
            local x0 = tricky(k, table.unpack(sz))
            local x = x0[T](x0)
            local y, ind = hm._maxpool2d_forward(nil, nil, x, 2, 2, 2, 2, 0, 0)
            local ry, rind = naive_max_nan(x, 2, 2, 2, 2, 0, 0)
            assert_same_nan(ry, y)
            assert.tensor_near(rind, ind, 0)
         end
      end)
   end

   it("puts NaN at each corner of a window and in pairs, and ties at each corner", function()
      for _, T in ipairs{ "float", "double" } do
         for a = 1, 4 do
            for b = a, 4 do
               -- one window per plane, 20 windows wide (past a vector)
               local x = hm.DoubleTensor(1, 1, 2, 40):fill(1)
               x[{ 1, 1, (a - 1) // 2 + 1, (a - 1) % 2 + 1 }] = 0 / 0
               x[{ 1, 1, (b - 1) // 2 + 1, 38 + (b - 1) % 2 + 1 }] = 0 / 0
               x[{ 1, 1, (b - 1) // 2 + 1, 20 + (b - 1) % 2 + 1 }] = 3
               x[{ 1, 1, (a - 1) // 2 + 1, 20 + (a - 1) % 2 + 1 }] = 3
               local xt = x[T](x)
               local y, ind = hm._maxpool2d_forward(nil, nil, xt, 2, 2, 2, 2, 0, 0)
               local ry, rind = naive_max_nan(x, 2, 2, 2, 2, 0, 0)
               assert_same_nan(ry, y)
               assert.tensor_near(rind, ind, 0)
            end
         end
      end
   end)

   it("sends ceil mode with a partial window and padding to the general loop, same rule", function()
      for _, c in ipairs{ { 2, 2, 2, 2, 0, 0, true }, { 2, 2, 2, 2, 1, 1, false }, { 2, 2, 2, 2, 1, 0, true } } do
         for _, T in ipairs{ "float", "double" } do
            local x0 = tricky(5, 2, 2, 7, 9)
            local y, ind = hm._maxpool2d_forward(nil, nil, x0[T](x0), table.unpack(c))
            local ry, rind = naive_max_nan(x0, table.unpack(c))
            assert_same_nan(ry, y)
            assert.tensor_near(rind, ind, 0)
         end
      end
   end)

   it("reads non-contiguous float input and a single sample", function()
      local x0 = tricky(9, 3, 10, 36)
      local xt = hm.Tensor(3, 36, 10):transpose(2, 3):copy(x0)
      assert.is_false(xt:isContiguous())
      local y, ind = hm._maxpool2d_forward(nil, nil, xt, 2, 2, 2, 2, 0, 0)
      local ry, rind = naive_max_nan(x0:view(1, 3, 10, 36), 2, 2, 2, 2, 0, 0)
      assert_same_nan(ry:view(3, 5, 18), y)
      assert.tensor_near(rind:view(3, 5, 18), ind, 0)
   end)

   it("routes the gradient of a large batch to the same pixels on 1 and 2 threads", function()
      local x = hm.randn(16, 8, 24, 24)
      local nt = hm.getnumthreads()
      hm.setnumthreads(1)
      local y1, i1 = hm._maxpool2d_forward(nil, nil, x, 2, 2, 2, 2, 0, 0)
      hm.setnumthreads(2)
      local y2, i2 = hm._maxpool2d_forward(nil, nil, x, 2, 2, 2, 2, 0, 0)
      hm.setnumthreads(nt)
      local ry, rind = naive_max_nan(x, 2, 2, 2, 2, 0, 0)
      assert.tensor_near(ry, y1, 0)
      assert.tensor_near(rind, i1, 0)
      assert.tensor_near(y1, y2, 0)
      assert.tensor_near(i1, i2, 0)
   end)
end)

describe("hm._avgpool2d", function()
   for _, c in ipairs(CONFIGS) do
      for _, countpad in ipairs{ true, false } do
         it("matches naive averages and finite differences (" .. cfgname(c) ..
            (countpad and "" or ", count_include_pad false") .. ")", function()
            local x = ramp(1, 2, 2, 7, 6)
            local y = hm._avgpool2d_forward(nil, x, c[1], c[2], c[3], c[4], c[5], c[6], c[7], countpad)
            assert.tensor_near(naive_pool("avg", x, c[1], c[2], c[3], c[4], c[5], c[6], c[7], countpad), y, 1e-12)
            local G = ramp(5, y:size(1), y:size(2), y:size(3), y:size(4))
            local gx = hm._avgpool2d_backward(nil, x, G, c[1], c[2], c[3], c[4], c[5], c[6], c[7], countpad)
            local num, xv = hm.DoubleTensor(2, 2, 7, 6), x:view(-1)
            local nv = num:view(-1)
            for i = 1, xv:nElement() do
               local old = xv[i]
               xv[i] = old + 1e-6
               local lp = hm._avgpool2d_forward(nil, x, c[1], c[2], c[3], c[4], c[5], c[6], c[7], countpad):dot(G)
               xv[i] = old - 1e-6
               local lm = hm._avgpool2d_forward(nil, x, c[1], c[2], c[3], c[4], c[5], c[6], c[7], countpad):dot(G)
               xv[i] = old
               nv[i] = (lp - lm) / 2e-6
            end
            assert.tensor_near(num, gx, 1e-7)
         end)
      end
   end

   it("counts the padding by default (Torch7)", function()
      local x = hm.DoubleTensor(1, 1, 2, 2):fill(4)
      local y = hm._avgpool2d_forward(nil, x, 2, 2, 2, 2, 1, 1)
      assert.tensor_near(hm.DoubleTensor(1, 1, 2, 2):fill(1), y, 0)
      y = hm._avgpool2d_forward(nil, x, 2, 2, 2, 2, 1, 1, false, false)
      assert.tensor_near(hm.DoubleTensor(1, 1, 2, 2):fill(4), y, 0)
   end)

   it("works on a single sample in float with a non-contiguous gradOutput", function()
      local x = hm.randn(2, 6, 6)
      local G = hm.randn(2, 3, 3)
      local Gt = hm.Tensor(2, 3, 3):transpose(2, 3):copy(G)
      local y = hm._avgpool2d_forward(hm.Tensor(), x, 2, 2, 2, 2, 0, 0)
      assert.tensor_near(naive_pool("avg", x:view(1, 2, 6, 6), 2, 2, 2, 2, 0, 0, false, true):view(2, 3, 3), y, 1e-6)
      local g1 = hm._avgpool2d_backward(nil, x, G, 2, 2, 2, 2, 0, 0)
      local g2 = hm._avgpool2d_backward(hm.Tensor(5), x, Gt, 2, 2, 2, 2, 0, 0)
      assert.tensor_near(g1, g2, 0)
      assert.near(G[{ 1, 1, 1 }] / 4, g1[{ 1, 1, 1 }], 1e-7)
   end)

   it("raises on bad shapes and types", function()
      local x = hm.randn(2, 3, 6, 6)
      assert.error_matches(function() hm._avgpool2d_backward(nil, x, hm.randn(2, 3, 2, 3), 2, 2, 2, 2, 0, 0) end,
         "#3 .*size mismatch: gradOutput is %[2 x 3 x 2 x 3%], expected %[2 x 3 x 3 x 3%]")
      assert.error_matches(function() hm._avgpool2d_forward(nil, x:long(), 2, 2, 2, 2, 0, 0) end,
         "#2 .*hm.FloatTensor or hm.DoubleTensor expected, got hm.LongTensor")
      assert.error_matches(function() hm._avgpool2d_forward(hm.DoubleTensor(), x, 2, 2, 2, 2, 0, 0) end,
         "#1 .*hm.FloatTensor expected, got hm.DoubleTensor")
      assert.error_matches(function() hm._avgpool2d_forward(nil, x, 2, 2, -1, 2, 0, 0) end,
         "#5 .*stride must be positive, got %-1")
   end)
end)

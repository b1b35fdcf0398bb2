-- Specs for the convolution kernels of csrc/conv.c (hm._conv2d_forward, _backward_input,
-- _backward_params): forward against a direct convolution in Lua, both backward passes
-- against central finite differences in double, accumulation, threads, scratch reuse, errors.
local hm = require 'harmonium'

-- naive direct convolution, double: x (B, C, H, W), w (F, C, kH, kW), b (F) or nil
local function naive_conv(x, w, b, dW, dH, pW, pH)
   local B, C, H, W = x:size(1), x:size(2), x:size(3), x:size(4)
   local F, kH, kW = w:size(1), w:size(3), w:size(4)
   local oH = math.floor((H + 2 * pH - kH) / dH) + 1
   local oW = math.floor((W + 2 * pW - kW) / dW) + 1
   local xv = x:double():contiguous():view(-1)
   local wv = w:double():contiguous():view(-1)
   local y = hm.DoubleTensor(B, F, oH, oW)
   local yv = y:view(-1)
   local n = 0
   for s = 1, B do for f = 1, F do for i = 1, oH do for j = 1, oW do
      local acc = b and b[f] or 0
      for c = 1, C do for u = 1, kH do for v = 1, kW do
         local ih, iw = (i - 1) * dH - pH + u, (j - 1) * dW - pW + v
         if ih >= 1 and ih <= H and iw >= 1 and iw <= W then
            acc = acc + wv[(((f - 1) * C + c - 1) * kH + u - 1) * kW + v] *
                        xv[(((s - 1) * C + c - 1) * H + ih - 1) * W + iw]
         end
      end end end
      n = n + 1
      yv[n] = acc
   end end end end
   return y
end

-- a double tensor with a deterministic, sign-mixed fill
local function ramp(seed, ...)
   local t = hm.DoubleTensor(...)
   local v = t:view(-1)
   for i = 1, v:nElement() do v[i] = (((i + seed) * 37) % 101) / 50 - 1 end
   return t
end

-- loss(x) = sum(conv(x, w, b) .* G); d loss / d t by central differences (t is x, w or b)
local function numgrad(t, loss)
   local g = hm.DoubleTensor():resizeAs(t)
   local tv, gv = t:view(-1), g:view(-1)
   for i = 1, tv:nElement() do
      local old = tv[i]
      tv[i] = old + 1e-6
      local lp = loss()
      tv[i] = old - 1e-6
      local lm = loss()
      tv[i] = old
      gv[i] = (lp - lm) / 2e-6
   end
   return g
end

local CONFIGS = {      -- kW, kH, dW, dH, padW, padH
   { 3, 3, 1, 1, 0, 0 },
   { 2, 3, 1, 2, 1, 1 },
   { 3, 2, 2, 1, 2, 0 },
   { 1, 1, 1, 1, 0, 0 },   -- 1x1: no im2col
   { 1, 1, 2, 2, 0, 0 },
   { 5, 5, 1, 1, 2, 2 },
   { 4, 4, 3, 3, 1, 1 },
}

local function cfgname(c)
   return string.format("k %dx%d, stride %dx%d, pad %dx%d", c[2], c[1], c[4], c[3], c[6], c[5])
end

describe("hm._conv2d_forward", function()
   for _, c in ipairs(CONFIGS) do
      it("matches a direct convolution (" .. cfgname(c) .. ")", function()
         local x, w, b = ramp(1, 2, 3, 7, 6), ramp(2, 4, 3, c[2], c[1]), ramp(3, 4)
         local y = hm._conv2d_forward(hm.DoubleTensor(), x, w, b, table.unpack(c))
         assert.tensor_near(naive_conv(x, w, b, c[3], c[4], c[5], c[6]), y, 1e-12)
      end)
   end

   it("works without bias, with a 2D weight, and in float", function()
      local x, w = ramp(1, 2, 3, 6, 5), ramp(2, 4, 3, 3, 3)
      local ref = naive_conv(x, w, nil, 1, 1, 1, 1)
      assert.tensor_near(ref, hm._conv2d_forward(nil, x, w, nil, 3, 3, 1, 1, 1, 1), 1e-12)
      assert.tensor_near(ref, hm._conv2d_forward(nil, x, w:view(4, 27), nil, 3, 3, 1, 1, 1, 1), 1e-12)
      local yf = hm._conv2d_forward(hm.FloatTensor(), x:float(), w:float(), nil, 3, 3, 1, 1, 1, 1)
      assert.are.equal("hm.FloatTensor", hm.type(yf))
      assert.tensor_near(ref, yf, 1e-4)
   end)

   it("maps a single C x H x W sample to F x oH x oW", function()
      local x, w, b = ramp(1, 3, 7, 6), ramp(2, 4, 3, 3, 2), ramp(3, 4)
      local y = hm._conv2d_forward(nil, x, w, b, 2, 3, 2, 1, 1, 0)
      local ref = naive_conv(x:view(1, 3, 7, 6), w, b, 2, 1, 1, 0)
      assert.are.same({ 4, 5, 4 }, { y:size(1), y:size(2), y:size(3) })
      assert.tensor_near(ref:view(4, 5, 4), y, 1e-12)
   end)

   it("gives each sample of a batch what it gives the sample alone", function()
      local x, w, b = ramp(1, 5, 2, 6, 6), ramp(2, 3, 2, 3, 3), ramp(3, 3)
      local y = hm._conv2d_forward(nil, x, w, b, 3, 3, 1, 1, 1, 1)
      for s = 1, 5 do
         assert.tensor_near(hm._conv2d_forward(nil, x[s], w, b, 3, 3, 1, 1, 1, 1), y[s], 1e-12)
      end
   end)

   it("reads non-contiguous input, weight and bias", function()
      local x, w, b = ramp(1, 2, 3, 6, 7), ramp(2, 4, 3, 3, 3), ramp(3, 8)
      local xt = ramp(1, 2, 3, 7, 6):transpose(3, 4)       -- a (2, 3, 6, 7) view
      xt:copy(x)
      local wt = hm.DoubleTensor(4, 3, 3, 3):transpose(3, 4):copy(w)
      local bs = b:narrow(1, 2, 4)
      assert.is_false(xt:isContiguous())
      assert.is_false(wt:isContiguous())
      local y = hm._conv2d_forward(nil, xt, wt, bs, 3, 3, 1, 1, 1, 1)
      assert.tensor_near(naive_conv(x, w, bs:clone(), 1, 1, 1, 1), y, 1e-12)
   end)

   it("writes into a non-contiguous result of the right shape", function()
      local x, w = ramp(1, 1, 2, 5, 5), ramp(2, 3, 2, 3, 3)
      local big = hm.DoubleTensor(1, 3, 3, 6):zero()
      local view = big:narrow(4, 2, 3)
      local r = hm._conv2d_forward(view, x, w, nil, 3, 3, 1, 1, 0, 0)
      assert.tensor_near(naive_conv(x, w, nil, 1, 1, 0, 0), big:narrow(4, 2, 3), 1e-12)
      assert.are.equal(0, big:narrow(4, 1, 1):abs():sum())
      assert.are.equal(view, r)
   end)

   it("gives the same result on 1 and 2 threads, with and without scratch", function()
      local x, w, b = hm.randn(7, 3, 9, 9), hm.randn(5, 3, 3, 3), hm.randn(5)
      local nt = hm.getnumthreads()
      hm.setnumthreads(1)
      local y1 = hm._conv2d_forward(nil, x, w, b, 3, 3, 1, 1, 1, 1)
      hm.setnumthreads(2)
      local s = hm.Tensor()
      local y2 = hm._conv2d_forward(nil, x, w, b, 3, 3, 1, 1, 1, 1, s)
      local y3 = hm._conv2d_forward(nil, x:narrow(1, 1, 3), w, b, 3, 3, 1, 1, 1, 1, s)
      hm.setnumthreads(nt)
      assert.tensor_near(y1, y2, 0)
      assert.tensor_near(y1:narrow(1, 1, 3), y3, 0)
   end)

   it("handles an empty batch and all-padding windows", function()
      local w = ramp(2, 4, 3, 3, 3)
      local y = hm._conv2d_forward(nil, hm.DoubleTensor(0, 3, 5, 5), w, nil, 3, 3, 1, 1, 0, 0)
      assert.are.same({ 0, 4, 3, 3 }, { y:size(1), y:size(2), y:size(3), y:size(4) })
      local x = ramp(1, 1, 3, 1, 1)
      local z = hm._conv2d_forward(nil, x, w, ramp(3, 4), 3, 3, 1, 1, 3, 3)
      assert.tensor_near(naive_conv(x, w, ramp(3, 4), 1, 1, 3, 3), z, 1e-12)
   end)
end)

describe("hm._conv2d backward", function()
   for _, c in ipairs(CONFIGS) do
      it("matches finite differences for input, weight and bias (" .. cfgname(c) .. ")", function()
         local x, w, b = ramp(1, 2, 2, 6, 5), ramp(2, 3, 2, c[2], c[1]), ramp(3, 3)
         local y = hm._conv2d_forward(nil, x, w, b, table.unpack(c))
         local G = ramp(4, y:size(1), y:size(2), y:size(3), y:size(4))
         local function loss() return hm._conv2d_forward(nil, x, w, b, table.unpack(c)):dot(G) end
         local gx = hm._conv2d_backward_input(nil, x, G, w, table.unpack(c))
         local gw, gb = hm.DoubleTensor(3, 2, c[2], c[1]):zero(), hm.DoubleTensor(3):zero()
         hm._conv2d_backward_params(gw, gb, x, G, c[1], c[2], c[3], c[4], c[5], c[6], 1)
         assert.tensor_near(numgrad(x, loss), gx, 1e-6)
         assert.tensor_near(numgrad(w, loss), gw, 1e-6)
         assert.tensor_near(numgrad(b, loss), gb, 1e-6)
      end)
   end

   it("works on a single sample and on non-contiguous gradOutput", function()
      local x, w, b = ramp(1, 2, 5, 5), ramp(2, 3, 2, 3, 3), ramp(3, 3)
      local G = ramp(4, 3, 5, 5)
      local Gt = hm.DoubleTensor(3, 5, 5):transpose(2, 3):copy(G)
      local function loss() return hm._conv2d_forward(nil, x, w, b, 3, 3, 1, 1, 1, 1):dot(G) end
      local gx = hm._conv2d_backward_input(nil, x, Gt, w, 3, 3, 1, 1, 1, 1)
      local gw, gb = hm.DoubleTensor(3, 2, 3, 3):zero(), hm.DoubleTensor(3):zero()
      hm._conv2d_backward_params(gw, gb, x, Gt, 3, 3, 1, 1, 1, 1)
      assert.tensor_near(numgrad(x, loss), gx, 1e-6)
      assert.tensor_near(numgrad(w, loss), gw, 1e-6)
      assert.tensor_near(numgrad(b, loss), gb, 1e-6)
   end)

   it("accumulates: two calls give twice the gradients, scale multiplies them", function()
      local x, G = hm.randn(6, 2, 7, 7):double(), hm.randn(6, 4, 7, 7):double()
      local gw1, gb1 = hm.DoubleTensor(4, 2, 3, 3):zero(), hm.DoubleTensor(4):zero()
      hm._conv2d_backward_params(gw1, gb1, x, G, 3, 3, 1, 1, 1, 1)
      local gw2, gb2 = gw1:clone(), gb1:clone()
      hm._conv2d_backward_params(gw2, gb2, x, G, 3, 3, 1, 1, 1, 1, 1, hm.DoubleTensor())
      assert.tensor_near(gw1 * 2, gw2, 1e-10)
      assert.tensor_near(gb1 * 2, gb2, 1e-10)
      local gw3 = hm.DoubleTensor(4, 2, 3, 3):zero()
      hm._conv2d_backward_params(gw3, nil, x, G, 3, 3, 1, 1, 1, 1, 0.5)
      assert.tensor_near(gw1 * 0.5, gw3, 1e-10)
   end)

   it("splits a batch over threads without changing the gradients", function()
      local x, w, G = hm.randn(9, 3, 8, 8), hm.randn(4, 3, 3, 3), hm.randn(9, 4, 8, 8)
      local nt = hm.getnumthreads()
      local res = {}
      for t = 1, 2 do
         hm.setnumthreads(t)
         local gw, gb = hm.zeros(4, 3, 3, 3), hm.zeros(4)
         hm._conv2d_backward_params(gw, gb, x, G, 3, 3, 1, 1, 1, 1)
         res[t] = { hm._conv2d_backward_input(nil, x, G, w, 3, 3, 1, 1, 1, 1), gw, gb }
      end
      hm.setnumthreads(nt)
      assert.tensor_near(res[1][1], res[2][1], 0)
      assert.tensor_near(res[1][2], res[2][2], 1e-3)
      assert.tensor_near(res[1][3], res[2][3], 1e-3)
   end)

   it("adds into non-contiguous gradWeight and gradBias", function()
      local x, G = ramp(1, 2, 2, 5, 5), ramp(2, 2, 3, 5, 5)
      local gw, gb = hm.DoubleTensor(3, 2, 3, 3):zero(), hm.DoubleTensor(3):zero()
      hm._conv2d_backward_params(gw, gb, x, G, 3, 3, 1, 1, 1, 1)
      local gwt = hm.DoubleTensor(3, 2, 3, 3):fill(1):transpose(3, 4)
      local gbs = hm.DoubleTensor(6):fill(1):narrow(1, 2, 3)
      hm._conv2d_backward_params(gwt, gbs, x, G, 3, 3, 1, 1, 1, 1)
      assert.tensor_near(gw + 1, gwt, 1e-12)
      assert.tensor_near(gb + 1, gbs, 1e-12)
   end)
end)

describe("hm._conv2d direct kernels (float, stride 1, where the CPU has AVX-512)", function()
   -- the three passes with the direct kernels on or off (off: im2col + GEMM)
   local function passes(direct, x, w, b, G, kW, kH, pW, pH)
      local was = hm._conv2d_direct(direct)
      local y = hm._conv2d_forward(nil, x, w, b, kW, kH, 1, 1, pW, pH)
      local gx = hm._conv2d_backward_input(nil, x, G, w, kW, kH, 1, 1, pW, pH)
      local gw = w:clone():fill(0.5)
      local gb = b and b:clone():fill(0.25)
      hm._conv2d_backward_params(gw, gb, x, G, kW, kH, 1, 1, pW, pH, 0.75)
      hm._conv2d_direct(was)
      return { y, gx, gw, gb }
   end

   local function maxabs(t) return t:clone():abs():max() end

   -- |ref - t| <= tol * (1 + max |ref|), element-wise
   local function close(ref, t, tol)
      assert.tensor_near(ref, t, tol * (1 + maxabs(ref)))
   end

   it("say whether they are on, and switch", function()
      local was = hm._conv2d_direct()
      assert.are.equal("boolean", type(was))
      assert.are.equal(was, hm._conv2d_direct(false))
      assert.is_false(hm._conv2d_direct(true))
      assert.are.equal(was, hm._conv2d_direct(was))
   end)

   local SHAPES = {   -- B, C, F, H, W, kH, kW, padH, padW
      { 64, 1, 6, 28, 28, 5, 5, 0, 0 },   -- LeNet's layers
      { 5, 6, 16, 12, 12, 5, 5, 0, 0 },
      { 3, 3, 19, 9, 37, 3, 3, 1, 1 },    -- rows past 16 lanes; filters past two blocks
      { 2, 2, 1, 7, 5, 2, 4, 0, 3 },      -- one filter; padding wider than half the kernel
      { 1, 9, 7, 6, 6, 7, 7, 3, 3 },      -- kernel rows past one block of 5
      { 4, 1, 2, 1, 40, 1, 5, 0, 2 },     -- one row
      { 2, 4, 13, 17, 3, 3, 1, 2, 0 },    -- three columns
      { 3, 2, 5, 6, 6, 3, 3, 4, 4 },      -- padding larger than the kernel
      { 2, 3, 4, 11, 13, 6, 2, 5, 1 },    -- even kernel, uneven padding
   }
   for _, sh in ipairs(SHAPES) do
      local B, C, F, H, W, kH, kW, pH, pW = table.unpack(sh)
      it(string.format("match im2col + GEMM (%dx%dx%dx%d, %d filters %dx%d, pad %d,%d)", B, C, H, W,
         F, kH, kW, pH, pW), function()
         local oH, oW = H + 2 * pH - kH + 1, W + 2 * pW - kW + 1
         local x, w, b = hm.randn(B, C, H, W), hm.randn(F, C, kH, kW), hm.randn(F)
         local G = hm.randn(B, F, oH, oW)
         local d, g = passes(true, x, w, b, G, kW, kH, pW, pH), passes(false, x, w, b, G, kW, kH, pW, pH)
         for i = 1, 4 do close(g[i], d[i], 1e-5) end
         -- and without bias, on one sample (3D)
         d = passes(true, x[1], w, nil, G[1], kW, kH, pW, pH)
         g = passes(false, x[1], w, nil, G[1], kW, kH, pW, pH)
         for i = 1, 3 do close(g[i], d[i], 1e-5) end
      end)
   end

   it("match a double reference, on non-contiguous input and gradOutput", function()
      local x, w, b = hm.randn(3, 2, 9, 18), hm.randn(5, 2, 3, 4), hm.randn(5)
      local xt = hm.Tensor(3, 2, 18, 9):transpose(3, 4):copy(x)
      local G = hm.randn(3, 5, 9, 17)
      local Gt = hm.Tensor(3, 5, 17, 9):transpose(3, 4):copy(G)
      local d = passes(true, xt, w, b, Gt, 4, 3, 1, 1)
      local r = passes(false, x:double(), w:double(), b:double(), G:double(), 4, 3, 1, 1)
      close(naive_conv(x, w, b, 1, 1, 1, 1), d[1], 1e-5)
      for i = 1, 4 do close(r[i], d[i]:double(), 1e-5) end
   end)

   it("keep an infinite input pixel to the outputs and weights that read it", function()
      -- pixel (3, 1) of sample 1 is +inf; a 3x3 kernel without padding reads it only from
      -- output column 1 and kernel column 1: every other output and weight stays finite
      local x, w, b = hm.rand(2, 1, 6, 7), hm.rand(2, 1, 3, 3):add(0.5), hm.zeros(2)
      x[{ 1, 1, 3, 1 }] = math.huge
      local G = hm.rand(2, 2, 4, 5):add(0.5)
      for _, direct in ipairs{ true, false } do
         local r = passes(direct, x, w, b, G, 3, 3, 0, 0)
         local y, gw = r[1], r[3]
         assert.are.equal(2 * 3, y:ne(y):add(y:eq(math.huge)):sum())   -- rows 1..3 of column 1
         assert.are.equal(math.huge, y[{ 1, 1, 1, 1 }])
         assert.is_true(maxabs(y[2]) < math.huge)
         assert.is_true(maxabs(y:narrow(4, 2, 4)) < math.huge)
         assert.is_true(maxabs(gw:narrow(4, 2, 2)) < math.huge)
         assert.are.equal(math.huge, gw[{ 1, 1, 1, 1 }])
      end
   end)

   it("give each sample the same result on 1 and 2 threads, reusing one scratch", function()
      local x, w, b = hm.randn(8, 3, 14, 14), hm.randn(6, 3, 5, 5), hm.randn(6)
      local G = hm.randn(8, 6, 10, 10)
      local nt = hm.getnumthreads()
      local res, s = {}, hm.Tensor()
      for t = 1, 2 do
         hm.setnumthreads(t)
         local gw = hm.zeros(6, 3, 5, 5)
         hm._conv2d_backward_params(gw, nil, x, G, 5, 5, 1, 1, 0, 0, 1, s)
         res[t] = { hm._conv2d_forward(nil, x, w, b, 5, 5, 1, 1, 0, 0, s),
                    hm._conv2d_backward_input(nil, x, G, w, 5, 5, 1, 1, 0, 0, s), gw }
      end
      hm.setnumthreads(nt)
      assert.tensor_near(res[1][1], res[2][1], 0)
      assert.tensor_near(res[1][2], res[2][2], 0)
      close(res[1][3], res[2][3], 1e-5)
   end)
end)

describe("hm._conv2d errors", function()
   local x, w, b = hm.randn(2, 3, 8, 8), hm.randn(4, 3, 3, 3), hm.randn(4)
   local function fwd(...)
      local args = table.pack(...)
      return function() hm._conv2d_forward(nil, table.unpack(args, 1, args.n)) end
   end

   it("name the argument and the shapes", function()
      assert.error_matches(fwd(hm.randn(3, 8), w, b, 3, 3, 1, 1, 0, 0),
         "bad argument #2 to '_conv2d_forward' %(3D %(C x H x W%) or 4D .* got 2D %[3 x 8%]%)")
      assert.error_matches(fwd(x, hm.randn(4, 2, 3, 3), b, 3, 3, 1, 1, 0, 0),
         "#3 .*size mismatch: weight is %[4 x 2 x 3 x 3%], expected %[4 x 3 x 3 x 3%]")
      assert.error_matches(fwd(x, w, b, 3, 2, 1, 1, 0, 0), "weight is %[4 x 3 x 3 x 3%], expected %[4 x 3 x 2 x 3%]")
      assert.error_matches(fwd(x, w, hm.randn(5), 3, 3, 1, 1, 0, 0),
         "#4 .*size mismatch: bias is %[5%], expected %[4%]")
      assert.error_matches(function()
         hm._conv2d_backward_input(nil, x, hm.randn(2, 4, 5, 5), w, 3, 3, 1, 1, 0, 0)
      end, "#3 .*size mismatch: gradOutput is %[2 x 4 x 5 x 5%], expected %[2 x 4 x 6 x 6%]")
      assert.error_matches(function()
         hm._conv2d_backward_params(hm.randn(4, 3, 2, 2), nil, x, hm.randn(2, 4, 6, 6), 3, 3, 1, 1, 0, 0)
      end, "#1 .*gradWeight is %[4 x 3 x 2 x 2%], expected %[4 x 3 x 3 x 3%]")
   end)

   it("reject kernels larger than the padded input and bad strides or padding", function()
      assert.error_matches(fwd(hm.randn(3, 2, 2), w, b, 3, 3, 1, 1, 0, 0),
         "#5 .*kernel size 3 x 3 %(kH x kW%) is larger than the padded input size 2 x 2")
      assert.error_matches(fwd(x, w, b, 0, 3, 1, 1, 0, 0), "#5 .*kernel width must be positive, got 0")
      assert.error_matches(fwd(x, w, b, 3, 3, 0, 1, 0, 0), "#7 .*stride must be positive, got 0")
      assert.error_matches(fwd(x, w, b, 3, 3, 1, 1, 0, -1), "#10 .*padding must be non%-negative, got %-1")
      assert.error_matches(fwd(x, w, b, 3, 3, 1, 1, 0, 2^40), "#10 .*padding too large")
      assert.error_matches(fwd(x, w, b, 3, 3, 1, 1, 0), "#10 .*number expected, got no value")
   end)

   it("reject mixed and non-floating types", function()
      assert.error_matches(fwd(x:double(), w, b, 3, 3, 1, 1, 0, 0),
         "#3 .*hm.DoubleTensor expected, got hm.FloatTensor")
      assert.error_matches(fwd(x:byte(), w, b, 3, 3, 1, 1, 0, 0),
         "#2 .*hm.FloatTensor or hm.DoubleTensor expected, got hm.ByteTensor")
      assert.error_matches(function() hm._conv2d_forward(hm.DoubleTensor(), x, w, b, 3, 3, 1, 1, 0, 0) end,
         "#1 .*hm.FloatTensor expected, got hm.DoubleTensor")
      assert.error_matches(fwd(x, w, b, 3, 3, 1, 1, 0, 0, hm.LongTensor()), "#11 .*hm.FloatTensor expected")
      assert.error_matches(fwd(x, w, "b", 3, 3, 1, 1, 0, 0), "#4 ")
   end)
end)

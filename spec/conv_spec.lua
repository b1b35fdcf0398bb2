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

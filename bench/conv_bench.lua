--[[ bench/conv_bench.lua: convolution and pooling kernels beside Debian's PyTorch 1.13 CPU.

Run: bin/harmonium bench/conv_bench.lua [iterations]
Cases (float32, forward + backward, gradients of input, weight and bias, buffers reused):
  conv   one layer, batch 64, 3x32x32 input, 64 filters 5x5, padding 2 (target <= 0.7)
  lenet  LeNet-5's conv layers, batch 64, 1x28x28 -> conv 6 5x5 -> maxpool 2 -> conv 16 5x5
         -> maxpool 2 (for reference)
Both sides are timed at 1 and at 2 threads (ours: hm.setnumthreads and hm.setblasthreads
together) and the better setting of each is compared. The reference comes from
bench/torch_conv.py through /usr/bin/python3; without torch it is reported as skipped.
]]
local hm = require 'harmonium'

local ITERS = tonumber(arg and arg[1]) or 30

local function report(name, ours, ref, ratio, target, unit)
   local line
   if ref then
      line = string.format("%-44s ours %10.3f %-7s ref %10.3f %-7s ratio %5.2f  (target %s)",
         name, ours, unit, ref, unit, ratio, target)
   else
      line = string.format("%-44s ours %10.3f %-7s ref   skipped", name, ours, unit)
   end
   print(line)
end

local function best_ms(n, f)
   for _ = 1, 3 do f() end
   local b = math.huge
   for _ = 1, n do
      local t0 = hm._clock(); f(); local dt = hm._clock() - t0
      if dt < b then b = dt end
   end
   return b * 1e3
end

---------------------------------------------------------------- our cases
-- One convolution layer's forward + backward, all buffers owned by the closure.
local function conv_layer(B, C, H, W, F, k, pad)
   local x = hm.randn(B, C, H, W)
   local w = hm.randn(F, C, k, k):mul(0.1)
   local b = hm.zeros(F)
   local gw, gb = hm.zeros(F, C, k, k), hm.zeros(F)
   local y, gx, fin, fgin = hm.Tensor(), hm.Tensor(), hm.Tensor(), hm.Tensor()
   local oH, oW = H + 2 * pad - k + 1, W + 2 * pad - k + 1
   local gy = hm.randn(B, F, oH, oW)
   return function()
      hm._conv2d_forward(y, x, w, b, k, k, 1, 1, pad, pad, fin)
      hm._conv2d_backward_input(gx, x, gy, w, k, k, 1, 1, pad, pad, fgin)
      hm._conv2d_backward_params(gw, gb, x, gy, k, k, 1, 1, pad, pad, 1, fin)
   end
end

local function lenet_convs(B)
   local x = hm.randn(B, 1, 28, 28)
   local w1, b1 = hm.randn(6, 1, 5, 5):mul(0.1), hm.zeros(6)
   local w2, b2 = hm.randn(16, 6, 5, 5):mul(0.1), hm.zeros(16)
   local gw1, gb1, gw2, gb2 = hm.zeros(6, 1, 5, 5), hm.zeros(6), hm.zeros(16, 6, 5, 5), hm.zeros(16)
   local c1, p1, i1, c2, p2, i2 = hm.Tensor(), hm.Tensor(), hm.LongTensor(), hm.Tensor(),
      hm.Tensor(), hm.LongTensor()
   local gp1, gc1, gc2, gx = hm.Tensor(), hm.Tensor(), hm.Tensor(), hm.Tensor()
   local s1, s2, s3 = hm.Tensor(), hm.Tensor(), hm.Tensor()
   local gy = hm.randn(B, 16, 4, 4)
   return function()
      hm._conv2d_forward(c1, x, w1, b1, 5, 5, 1, 1, 0, 0, s1)
      hm._maxpool2d_forward(p1, i1, c1, 2, 2, 2, 2, 0, 0)
      hm._conv2d_forward(c2, p1, w2, b2, 5, 5, 1, 1, 0, 0, s2)
      hm._maxpool2d_forward(p2, i2, c2, 2, 2, 2, 2, 0, 0)
      hm._maxpool2d_backward(gc2, c2, gy, i2)
      hm._conv2d_backward_input(gp1, p1, gc2, w2, 5, 5, 1, 1, 0, 0, s3)
      hm._conv2d_backward_params(gw2, gb2, p1, gc2, 5, 5, 1, 1, 0, 0, 1, s2)
      hm._maxpool2d_backward(gc1, c1, gp1, i1)
      hm._conv2d_backward_input(gx, x, gc1, w1, 5, 5, 1, 1, 0, 0, s3)
      hm._conv2d_backward_params(gw1, gb1, x, gc1, 5, 5, 1, 1, 0, 0, 1, s1)
   end
end

hm.manualSeed(1)
local cases = { conv = conv_layer(64, 3, 32, 32, 64, 5, 2), lenet = lenet_convs(64) }
local ours = {}
local nt0, nb0 = hm.getnumthreads(), hm.getblasthreads()
for _, name in ipairs{"conv", "lenet"} do
   ours[name] = {}
   for _, t in ipairs{1, 2} do
      hm.setnumthreads(t); hm.setblasthreads(t)
      ours[name][t] = best_ms(ITERS, cases[name])
   end
end
hm.setnumthreads(nt0); hm.setblasthreads(nb0)

---------------------------------------------------------------- reference
local ref = {}
local py = io.popen("/usr/bin/python3 bench/torch_conv.py " .. ITERS .. " 2>/dev/null")
if py then
   for line in py:lines() do
      local name, t, ms = line:match("^(%a+) (%d+) ([%d.eE+-]+)$")
      if name then
         ref[name] = ref[name] or {}
         ref[name][tonumber(t)] = tonumber(ms)
      end
   end
   py:close()
end

---------------------------------------------------------------- report
print("== Convolution and pooling (float32, batch 64, forward + backward, best of 1 and 2 threads)")
local titles = {
   conv = { "conv 3x32x32 -> 64x5x5 pad 2, fwd+bwd (ms)", "<= 0.7" },
   lenet = { "LeNet-5 conv+pool layers, fwd+bwd (ms)", "info" },
}
for _, name in ipairs{"conv", "lenet"} do
   local o = math.min(ours[name][1], ours[name][2])
   local r = ref[name] and math.min(ref[name][1] or math.huge, ref[name][2] or math.huge)
   if r == math.huge then r = nil end
   report(titles[name][1], o, r, r and o / r, titles[name][2], "ms")
   print(string.format("   ours 1/2 threads: %.3f / %.3f ms; PyTorch 1/2 threads: %s / %s ms",
      ours[name][1], ours[name][2],
      ref[name] and string.format("%.3f", ref[name][1] or 0) or "-",
      ref[name] and string.format("%.3f", ref[name][2] or 0) or "-"))
end

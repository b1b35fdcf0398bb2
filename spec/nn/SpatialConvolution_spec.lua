-- Specs for lua/harmonium/nn/SpatialConvolution.lua (the kernels themselves are specified
-- in spec/conv_spec.lua; here: the module protocol, shapes, gradients and errors)
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

-- naive cross-correlation of one sample (C, H, W) with weight (F, C, kH, kW), in Lua
local function naive(x, w, b, dW, dH, padW, padH)
   local C, H, W = x:size(1), x:size(2), x:size(3)
   local F, kH, kW = w:size(1), w:size(3), w:size(4)
   local oH = (H + 2 * padH - kH) // dH + 1
   local oW = (W + 2 * padW - kW) // dW + 1
   local y = hm.DoubleTensor(F, oH, oW)
   for f = 1, F do for i = 1, oH do for j = 1, oW do
      local s = b and b[f] or 0
      for c = 1, C do for u = 1, kH do for v = 1, kW do
         local r, q = (i - 1) * dH + u - padH, (j - 1) * dW + v - padW
         if r >= 1 and r <= H and q >= 1 and q <= W then s = s + x[c][r][q] * w[f][c][u][v] end
      end end end
      y[f][i][j] = s
   end end end
   return y
end

describe("nn.SpatialConvolution", function()
   before_each(common.seed)

   it("matches a naive loop (stride and padding)", function()
      local m = nn.SpatialConvolution(2, 3, 3, 2, 2, 1, 1, 1):double()
      local x = hm.DoubleTensor(2, 5, 6):normal()
      assert.tensor_near(naive(x, m.weight, m.bias, 2, 1, 1, 1), m:forward(x), 1e-12)
      local one = nn.SpatialConvolution(1, 1, 2, 2):double()
      one.weight:fill(1); one.bias:fill(0.5)
      local y = one:forward(hm.DoubleTensor{{{1, 2, 3}, {4, 5, 6}}})
      assert.are.same({ { { 12.5, 16.5 } } }, y:totable())
   end)

   it("maps (C, H, W) to (F, oH, oW) and (B, C, H, W) to (B, F, oH, oW)", function()
      local m = nn.SpatialConvolution(3, 8, 5, 5, 1, 1, 2, 2)
      assert.are.equal("8x7x9", tostring(m:forward(hm.Tensor(3, 7, 9)):size()))
      assert.are.equal("4x8x7x9", tostring(m:forward(hm.Tensor(4, 3, 7, 9)):size()))
      assert.are.equal("4x3x7x9", tostring(m:backward(hm.Tensor(4, 3, 7, 9), hm.Tensor(4, 8, 7, 9)):size()))
   end)

   it("gives a batch output equal to a loop over single samples", function()
      common.batchMatchesLoop(nn.SpatialConvolution(3, 4, 3, 3, 1, 1, 1, 1), hm.Tensor(3, 3, 6, 5):normal())
   end)

   it("passes gradcheck on input, weight and bias, batch, single and non-contiguous", function()
      local mk = function() return nn.SpatialConvolution(2, 3, 3, 2, 2, 1, 1, 0):double() end
      common.gradcheck(mk(), hm.DoubleTensor(2, 2, 5, 4):normal())
      common.gradcheck(mk(), hm.DoubleTensor(2, 5, 4):normal())
      common.gradcheck(mk(), common.noncontig(hm.DoubleTensor(2, 2, 5, 4):normal()))
      common.gradcheck(mk():noBias(), hm.DoubleTensor(2, 2, 5, 4):normal())
   end)

   it("accumulates gradients over two backward calls; scale multiplies", function()
      common.twiceDoubles(nn.SpatialConvolution(2, 3, 3, 3):double(), hm.DoubleTensor(2, 2, 5, 5):normal())
      common.scaleWorks(nn.SpatialConvolution(2, 3, 3, 3):double(), hm.DoubleTensor(2, 2, 5, 5):normal())
   end)

   it("skips the input gradient when gradInput is nil, with the same parameter gradients", function()
      local a = nn.SpatialConvolution(2, 3, 3, 3, 1, 1, 1, 1):double()
      local b = a:clone()
      b.gradInput = nil
      local x = hm.DoubleTensor(2, 2, 6, 6):normal()
      local go = hm.DoubleTensor(2, 3, 6, 6):normal()
      a:forward(x); b:forward(x)
      a:zeroGradParameters(); b:zeroGradParameters()
      assert.is_not_nil(a:backward(x, go))
      assert.is_nil(b:backward(x, go))
      assert.is_true(a.gradWeight:norm() > 0)
      assert.tensor_near(a.gradWeight, b.gradWeight, 1e-12)
      assert.tensor_near(a.gradBias, b.gradBias, 1e-12)
   end)

   it("in float (direct kernels where the CPU has AVX-512) agrees with a double copy", function()
      -- LeNet's second layer and a padded one; batch sizes change between calls, so the
      -- scratch buffers (shared by forward and accGradParameters) are resized both ways
      for _, cfg in ipairs{ { 6, 16, 5, 5, 1, 1, 0, 0, 12 }, { 3, 5, 3, 3, 1, 1, 1, 1, 9 } } do
         local m = nn.SpatialConvolution(table.unpack(cfg, 1, 8))
         local md = m:clone():double()
         for _, B in ipairs{ 16, 3, 16 } do
            local x = hm.Tensor(B, cfg[1], cfg[9], cfg[9]):normal()
            local y = m:forward(x)
            local g = hm.Tensor(y:size()):normal()
            m:zeroGradParameters(); md:zeroGradParameters()
            local gi = m:backward(x, g, 0.5)
            local yd = md:forward(x:double())
            local gid = md:backward(x:double(), g:double(), 0.5)
            m:accGradParameters(x, g, 2)
            md:accGradParameters(x:double(), g:double(), 2)
            local function near(ref, t)
               assert.tensor_near(ref, t:double(), 1e-5 * (1 + ref:clone():abs():max()))
            end
            near(yd, y); near(gid, gi); near(md.gradWeight, m.gradWeight); near(md.gradBias, m.gradBias)
         end
      end
   end)

   it("prints like Torch7 and initialises uniform +-1/sqrt(C kH kW)", function()
      assert.are.equal("nn.SpatialConvolution(3 -> 16, 5x5)", tostring(nn.SpatialConvolution(3, 16, 5, 5)))
      assert.are.equal("nn.SpatialConvolution(3 -> 16, 5x5, 1,1, 2,2)",
         tostring(nn.SpatialConvolution(3, 16, 5, 5, 1, 1, 2, 2)))
      local m = nn.SpatialConvolution(4, 8, 3, 3)
      assert.is_true(m.weight:abs():max() <= 1 / 6)
      m:init('he')
      assert.is_true(math.abs(m.weight:std() - math.sqrt(2 / 36)) < 0.05)
   end)

   it("names itself and the sizes on bad input", function()
      local m = nn.SpatialConvolution(3, 4, 5, 5)
      assert.error_matches(function() m:forward(hm.Tensor(2, 4, 8, 8)) end,
         "nn.SpatialConvolution: expected input of size 3 x H x W %(or B x 3 x H x W%), got 2x4x8x8")
      assert.error_matches(function() m:forward(hm.Tensor(3, 4, 8)) end,
         "nn.SpatialConvolution: input 3x4x8 is smaller than the kernel 5x5")
      assert.error_matches(function() m:forward(hm.Tensor(8, 8)) end, "got 8x8")
      assert.error_matches(function() nn.SpatialConvolution(3, 4, 0, 5) end, "kW must be an integer >= 1")
   end)
end)

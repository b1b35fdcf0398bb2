-- Specs for lua/harmonium/nn/SoftMax.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

describe("nn.SoftMax", function()
   before_each(common.seed)

   it("matches hand-computed values", function()
      local m = nn.SoftMax()
      local x = hm.DoubleTensor{1, 2, 3}
      assert.tensor_near(hm.DoubleTensor{math.exp(1) / (math.exp(1) + math.exp(2) + math.exp(3)), math.exp(2) / (math.exp(1) + math.exp(2) + math.exp(3)), math.exp(3) / (math.exp(1) + math.exp(2) + math.exp(3))}, m:double():forward(x), 1e-6)
   end)

   it("keeps the shape of 1D and batch input", function()
      for _, sz in ipairs({ {7}, {3, 7} }) do
         local x = hm.Tensor(table.unpack(sz)):normal()
         local m = nn.SoftMax()
         assert.are.equal(tostring(x:size()), tostring(m:forward(x):size()))
         assert.are.equal(tostring(x:size()), tostring(m:backward(x, x:clone()):size()))
      end
   end)

   it("gives a batch output equal to a loop over single samples", function()
      common.batchMatchesLoop(nn.SoftMax(), hm.Tensor(4, 6):normal())
   end)

   it("passes gradcheck in double, batch, single and non-contiguous", function()
      common.gradcheck((nn.SoftMax()):double(), hm.DoubleTensor(3, 5):normal())
      common.gradcheck((nn.SoftMax()):double(), hm.DoubleTensor(5):normal())
      common.gradcheck((nn.SoftMax()):double(), common.noncontig(hm.DoubleTensor(3, 5):normal()))
   end)

   it("gives the same gradInput on a second backward call (nothing accumulates)", function()
      local m = (nn.SoftMax()):double()
      local x, g = hm.DoubleTensor(3, 4):normal(), hm.DoubleTensor(3, 4):normal()
      m:forward(x)
      local a = m:backward(x, g):clone()
      assert.tensor_near(a, m:backward(x, g), 0)
   end)

   it("works in float as in double", function()
      local x = hm.DoubleTensor(3, 4):normal()
      assert.tensor_near((nn.SoftMax()):double():forward(x), (nn.SoftMax()):forward(x:float()), 1e-5)
   end)

   it("names itself on bad input", function()
      local m = nn.SoftMax()
      assert.error_matches(function() m:forward(hm.LongTensor(3)) end,
         "nn.SoftMax: expected a float or double input tensor, got hm.LongTensor")
      assert.error_matches(function() m:forward(nil) end, "nn.SoftMax: expected a float or double input tensor")
   end)

   it("is numerically stable for large inputs, in float", function()
      local y = nn.SoftMax():forward(hm.Tensor{{1000, 1001, 1002}, {-1000, -1000, -1000}})
      local ref = nn.SoftMax():forward(hm.Tensor{{0, 1, 2}, {0, 0, 0}})
      assert.tensor_near(ref, y, 1e-4)   -- float spacing near 1000 is 6e-5
   end)

   it("works on each row of a batch and rejects 3D input with its sizes", function()
      local x = hm.DoubleTensor(3, 4):normal()
      local m = nn.SoftMax():double()
      local y = m:forward(x)
      if "SoftMax" == "SoftMax" then
         assert.tensor_near(hm.DoubleTensor(3, 1):fill(1), y:sum(2), 1e-12)
      else
         assert.tensor_near(hm.DoubleTensor(3, 1):fill(1), y:clone():exp():sum(2), 1e-12)
      end
      assert.error_matches(function() m:forward(hm.DoubleTensor(2, 3, 4)) end,
         "nn.SoftMax: expected 1D or 2D input, got 3D %(2x3x4%)")
   end)
end)

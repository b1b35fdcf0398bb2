-- Specs for lua/harmonium/nn/Sequential.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

describe("nn.Sequential", function()
   before_each(common.seed)

   it("composes its children (hand-checked against the layers one by one)", function()
      local a, b = nn.Linear(3, 4), nn.Linear(4, 2)
      local net = nn.Sequential():add(a):add(nn.Tanh()):add(b)
      local x = hm.Tensor(5, 3):normal()
      local ref = b:clone():forward(hm.tanh(a:clone():forward(x)))
      assert.tensor_near(ref, net:forward(x), 1e-6)
      local m = nn.Sequential():add(nn.Linear(1, 1))
      m.modules[1].weight:fill(2); m.modules[1].bias:fill(1)
      assert.are.equal(7, m:forward(hm.Tensor{3})[1])
   end)

   it("maps 1D and batch input; batch equals a loop over samples", function()
      local net = nn.Sequential():add(nn.Linear(3, 4)):add(nn.ReLU()):add(nn.Linear(4, 2))
      assert.are.equal("2", tostring(net:forward(hm.Tensor(3):normal()):size()))
      assert.are.equal("6x2", tostring(net:forward(hm.Tensor(6, 3):normal()):size()))
      common.batchMatchesLoop(net, hm.Tensor(6, 3):normal())
   end)

   it("passes gradcheck on the input and every parameter", function()
      local net = nn.Sequential():add(nn.Linear(3, 4)):add(nn.Sigmoid()):add(nn.Linear(4, 2)):double()
      common.gradcheck(net, hm.DoubleTensor(3, 3):normal())
      common.gradcheck(net, hm.DoubleTensor(3):normal())
   end)

   it("accumulates gradients over two backward calls; backward = updateGradInput + accGradParameters", function()
      local net = nn.Sequential():add(nn.Linear(3, 4)):add(nn.Tanh()):add(nn.Linear(4, 2)):double()
      common.twiceDoubles(net, hm.DoubleTensor(5, 3):normal())
      local x, go = hm.DoubleTensor(5, 3):normal(), hm.DoubleTensor(5, 2):normal()
      local _, g = net:getParameters()
      net:zeroGradParameters()
      net:forward(x)
      local gi = net:backward(x, go):clone()
      local ref = g:clone()
      net:zeroGradParameters()
      assert.tensor_near(gi, net:updateGradInput(x, go), 1e-12)
      net:accGradParameters(x, go)
      assert.tensor_near(ref, g, 1e-12)
   end)

   it("inserts and removes children", function()
      local net = nn.Sequential():add(nn.Linear(2, 2)):add(nn.Linear(2, 2))
      net:insert(nn.Tanh(), 2)
      assert.are.equal("nn.Tanh", hm.type(net:get(2)))
      assert.are.equal("nn.Tanh", hm.type(net:remove(2)))
      assert.are.equal(2, net:size())
   end)

   it("prints its children with arrows like Torch7", function()
      local net = nn.Sequential():add(nn.Linear(2, 4)):add(nn.Tanh())
      assert.are.equal("nn.Sequential {\n  [input -> (1) -> (2) -> output]\n  (1): nn.Linear(2 -> 4)\n  (2): nn.Tanh\n}",
         tostring(net))
   end)

   it("names the failing module on bad input", function()
      local net = nn.Sequential():add(nn.Linear(2, 4)):add(nn.Tanh()):add(nn.Linear(5, 1))
      assert.error_matches(function() net:forward(hm.Tensor(3, 2)) end,
         "In module 3 of nn.Sequential: nn.Linear: expected input of size 5 %(or B x 5%), got 3x4")
   end)

   it("has no gradInput when its first Linear skips it; a later one that skips it is an error", function()
      local first = nn.Linear(3, 4)
      first.gradInput = nil
      local net = nn.Sequential():add(first):add(nn.Tanh()):add(nn.Linear(4, 2))
      local x = hm.Tensor(5, 3):normal()
      net:forward(x)
      assert.is_nil(net:backward(x, hm.Tensor(5, 2):normal()))
      assert.is_nil(net.gradInput)
      assert.is_true(first.gradWeight:norm() > 0)
      local mid = nn.Linear(4, 4)
      mid.gradInput = nil
      local bad = nn.Sequential():add(nn.Linear(3, 4)):add(mid):add(nn.Linear(4, 2))
      bad:forward(x)
      assert.error_matches(function() bad:backward(x, hm.Tensor(5, 2):normal()) end,
         "In module 2 of nn.Sequential: nn.Linear gave no gradInput, but module 1 needs one", nil, true)
   end)

   it("learns XOR with a 2-4-1 Tanh network and plain gradient descent", function()
      hm.manualSeed(42)
      local net = nn.Sequential():add(nn.Linear(2, 4)):add(nn.Tanh()):add(nn.Linear(4, 1)):double()
      local crit = nn.MSECriterion():double()
      local x = hm.DoubleTensor{{0, 0}, {0, 1}, {1, 0}, {1, 1}}
      local y = hm.DoubleTensor{{0}, {1}, {1}, {0}}
      local p, g = net:getParameters()
      local loss
      for _ = 1, 2000 do
         g:zero()
         loss = crit:forward(net:forward(x), y)
         net:backward(x, crit:backward(net.output, y))
         p:add(-0.2, g)
      end
      assert.is_true(loss < 0.01, "XOR loss " .. loss)
      local out = net:forward(x)
      for i = 1, 4 do assert.is_true(math.abs(out[i][1] - y[i][1]) < 0.25) end
   end)
end)

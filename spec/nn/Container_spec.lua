-- Specs for lua/harmonium/nn/Container.lua: add/get/size, error positions, forwarding of
-- the parameter protocol to children.
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

describe("nn.Container", function()
   before_each(common.seed)

   it("adds, gets and counts children", function()
      local c = nn.Sequential():add(nn.Linear(2, 3)):add(nn.Tanh())
      assert.are.equal(2, c:size())
      assert.are.equal("nn.Tanh", hm.type(c:get(2)))
      assert.is_true(hm.isTypeOf(c, 'nn.Container'))
      assert.error_matches(function() c:add(42) end, "nn.Sequential: add expects an nn module, got number")
   end)

   it("prefixes a child's error with its position, nested", function()
      local inner = nn.Sequential():add(nn.Identity()):add(nn.Linear(3, 2))
      local outer = nn.Sequential():add(nn.Identity()):add(nn.Identity()):add(inner)
      assert.error_matches(function() outer:forward(hm.Tensor(4, 5)) end,
         "^In module 3 of nn.Sequential: In module 2 of nn.Sequential: nn.Linear: expected input of size 3 %(or B x 3%), got 4x5$")
   end)

   it("zeroes, updates and resets every child's parameters", function()
      local c = nn.Concat(1):add(nn.Linear(2, 2)):add(nn.Linear(2, 3))
      local _, grads = c:parameters()
      for _, g in ipairs(grads) do g:fill(1) end
      local w = c.modules[2].weight:clone()
      c:updateParameters(0.5)
      assert.tensor_near(w:add(-0.5), c.modules[2].weight, 1e-6)
      c:zeroGradParameters()
      for _, g in ipairs(grads) do assert.are.equal(0, g:norm()) end
      c:reset(0.001)
      assert.is_true(c.modules[1].weight:abs():max() <= 0.001 * math.sqrt(3) + 1e-9)
   end)

   it("applies maxNorm to every child", function()
      local c = nn.Sequential():add(nn.Linear(4, 3)):add(nn.Linear(3, 2))
      c.modules[1].weight:fill(5); c.modules[2].weight:fill(5)
      c:maxNorm(2)
      assert.tensor_near(hm.Tensor(3, 1):fill(2), c.modules[1].weight:norm(2, 2), 1e-5)
      assert.tensor_near(hm.Tensor(2, 1):fill(2), c.modules[2].weight:norm(2, 2), 1e-5)
   end)
end)

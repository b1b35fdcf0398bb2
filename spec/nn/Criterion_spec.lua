-- Specs for lua/harmonium/nn/Criterion.lua: the shared criterion protocol.
local hm = require 'harmonium'
local common = require 'nn.common'
local support = require 'support'
local nn = hm.nn

describe("nn.Criterion", function()
   before_each(common.seed)

   it("forward returns a number kept in .output; backward returns .gradInput", function()
      local c = nn.MSECriterion()
      local x, t = hm.Tensor{1, 2}, hm.Tensor{0, 0}
      local loss = c:forward(x, t)
      assert.are.equal("number", type(loss))
      assert.are.equal(loss, c.output)
      assert.are.equal(c.gradInput, c:backward(x, t))
      assert.is_true(c.sizeAverage)
   end)

   it("converts with double()/float(), clones and survives hm.save/hm.load", function()
      local c = nn.ClassNLLCriterion(hm.Tensor{1, 2, 3}):double()
      assert.are.equal("hm.DoubleTensor", c.weights:type())
      assert.are.equal("hm.DoubleTensor", c:type())
      local x, t = hm.DoubleTensor(4, 3):normal(), hm.LongTensor{1, 2, 3, 3}
      local loss = c:forward(x, t)
      assert.are.equal(loss, c:clone():forward(x, t))
      local path = support.tmpname(".hm")
      hm.save(path, c)
      local back = hm.load(path)
      os.remove(path)
      assert.are.equal("nn.ClassNLLCriterion", hm.type(back))
      assert.are.equal(loss, back:forward(x, t))
      assert.are.equal("nn.ClassNLLCriterion", tostring(back))
   end)

   it("follows the input's type (no rounding of double input through float buffers)", function()
      local c = nn.MSECriterion()
      local x = hm.DoubleTensor{1 + 1e-12}
      assert.is_true(c:forward(x, hm.DoubleTensor{1}) > 0)
      assert.are.equal("hm.DoubleTensor", c.gradInput:type())
   end)

   it("accepts a target of another float type", function()
      local c = nn.AbsCriterion()
      assert.are.equal(1.5, c:forward(hm.Tensor{1, 2}, hm.DoubleTensor{0, 0}))
   end)

   it("names the criterion and both sizes when they differ", function()
      assert.error_matches(function() nn.MSECriterion():forward(hm.Tensor(2, 3), hm.Tensor(2, 4)) end,
         "nn.MSECriterion: input and target sizes differ %(input 2x3, target 2x4%)")
      assert.error_matches(function() nn.AbsCriterion():forward(hm.Tensor(2), nil) end,
         "nn.AbsCriterion: expected a target tensor, got nil")
   end)
end)

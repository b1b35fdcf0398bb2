-- Specs for lua/harmonium/nn/initializers.lua (hm.nn.init)
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

describe("hm.nn.init", function()
   before_each(common.seed)

   it("xavier draws uniform in +-sqrt(6/(fanIn+fanOut)) and zeroes biases", function()
      local m = nn.Linear(300, 100)
      nn.init.xavier(m)
      local a = math.sqrt(6 / 400)
      assert.is_true(m.weight:max() <= a and m.weight:min() >= -a)
      assert.is_true(math.abs(m.weight:std() - a / math.sqrt(3)) < 0.003)
      assert.are.equal(0, m.bias:abs():max())
   end)

   it("xavier_normal, he and he_uniform have the documented spreads; gain scales", function()
      local m = nn.Linear(400, 200)
      nn.init.xavier_normal(m)
      assert.is_true(math.abs(m.weight:std() - math.sqrt(2 / 600)) < 0.003)
      nn.init.he(m)
      assert.is_true(math.abs(m.weight:std() - math.sqrt(2 / 400)) < 0.003)
      nn.init.he_uniform(m, { gain = 0.5 })
      assert.is_true(m.weight:max() <= 0.5 * math.sqrt(6 / 400))
      assert.are.equal(nn.init.he, nn.init.kaiming)
      assert.are.equal(nn.init.xavier, nn.init.glorot)
   end)

   it("takes convolution fans from (out, in, kH, kW) and walks containers", function()
      local net = nn.Sequential():add(nn.SpatialConvolution(3, 8, 5, 5)):add(nn.ReLU()):add(nn.Linear(50, 10))
      net:init('xavier_normal')
      local conv = net.modules[1]
      assert.is_true(math.abs(conv.weight:std() - math.sqrt(2 / (75 + 200))) < 0.01)
      assert.are.equal(0, net.modules[3].bias:abs():max())
   end)

   it("default restores Torch7's reset; draws are reproducible from the seed", function()
      local m = nn.Linear(100, 10):init('he')
      nn.init.default(m)
      assert.is_true(m.weight:abs():max() <= 0.1 and m.bias:abs():max() > 0)
      hm.manualSeed(3); local a = nn.Linear(5, 5):init('xavier').weight:clone()
      hm.manualSeed(3); local b = nn.Linear(5, 5):init('xavier').weight:clone()
      assert.tensor_near(a, b, 0)
   end)

   it("leaves BatchNormalization's 1D weight alone and rejects unknown names", function()
      local bn = nn.BatchNormalization(4)
      bn:init('he')
      assert.are.equal(1, bn.weight:min())
      assert.error_matches(function() nn.init.apply(bn, 'orthogonal') end, "hm.nn.init: unknown method 'orthogonal'")
   end)
end)

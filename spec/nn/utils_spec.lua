-- Specs for lua/harmonium/nn/utils.lua
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn

describe("hm.nn.utils", function()
   before_each(common.seed)

   it("maxNorm scales only the rows over the bound, to the bound", function()
      local w = hm.DoubleTensor{{3, 4}, {0.3, 0.4}, {0, 0}}
      nn.utils.maxNorm(w, 2)
      assert.tensor_near(hm.DoubleTensor{{1.2, 1.6}, {0.3, 0.4}, {0, 0}}, w, 1e-12)
   end)

   it("maxNorm treats a 4D weight as one row per output plane, also non-contiguous", function()
      local w = hm.Tensor(3, 2, 2, 2):fill(1)              -- row norms sqrt(8)
      nn.utils.maxNorm(w, 1)
      assert.tensor_near(hm.Tensor(3, 1):fill(1), w:view(3, 8):norm(2, 2), 1e-6)
      local big = hm.Tensor(4, 6):fill(2)
      local t = big:narrow(2, 1, 3)                         -- rows of norm sqrt(12)
      nn.utils.maxNorm(t, 1)
      assert.tensor_near(hm.Tensor(4, 1):fill(1), t:norm(2, 2), 1e-6)
      assert.are.equal(2, big[1][4])
   end)

   it("maxNorm rejects a bad bound or weight", function()
      assert.error_matches(function() nn.utils.maxNorm(hm.Tensor(2, 2), 0) end, "positive norm bound expected")
      assert.error_matches(function() nn.utils.maxNorm(hm.LongTensor(2, 2), 1) end, "float or double weight tensor")
   end)

   it("recursiveType converts nested tables and keeps shared tensors shared", function()
      local t = hm.Tensor(2)
      local x = { a = t, b = { t, hm.LongTensor(1) } }
      nn.utils.recursiveType(x, "hm.DoubleTensor")
      assert.are.equal("hm.DoubleTensor", x.a:type())
      assert.are.equal(x.a, x.b[1])
      assert.are.equal("hm.LongTensor", x.b[2]:type())
   end)

   it("sizestr prints sizes as Torch7 does", function()
      assert.are.equal("100x785", nn.utils.sizestr(hm.Tensor(100, 785)))
      assert.are.equal("[]", nn.utils.sizestr(hm.Tensor()))
   end)
end)

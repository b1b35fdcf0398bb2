-- Specs for csrc/tensor.c: construction, views, copy, indexing.
local hm = require 'harmonium'

describe("tensor construction", function()
   it("builds from a nested table and gives it back with totable", function()
      local t = hm.Tensor({{1, 2, 3}, {4, 5, 6}})
      assert.are.equal(2, t:dim())
      assert.are.same({{1, 2, 3}, {4, 5, 6}}, t:totable())
   end)
end)

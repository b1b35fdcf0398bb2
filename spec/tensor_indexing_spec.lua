-- Specs for Torch7 indexing (__index/__newindex in csrc/tensor.c): t[i], t[i][j] = v,
-- t[{ {1,3}, 2 }], negative indices, assignment of tensors, bad indices.
local hm = require 'harmonium'
local ramp = require('support').count

describe("indexing", function()
   it("t[i] is a number for 1D and a view otherwise", function()
      local t = ramp(hm.Tensor(3, 4))
      assert.are.equal(7, t[2][3])
      assert.are.same({5, 6, 7, 8}, t[2]:totable())
      assert.are.equal(12, t[-1][-1])
      local v = ramp(hm.LongTensor(5))
      assert.are.equal(5, v[5])
      assert.is_true(math.type(v[5]) == "integer")
   end)

   it("t[i][j] = v writes through", function()
      local t = hm.Tensor(2, 2)
      t[1][2] = 5
      t[2] = 3                -- fills a row
      assert.are.same({{0, 5}, {3, 3}}, t:totable())
      t[1] = hm.Tensor({7, 8})
      assert.are.same({7, 8}, t[1]:totable())
   end)

   it("index tables select, narrow and keep dimensions as Torch7 does", function()
      local t = ramp(hm.Tensor(4, 5))
      assert.are.same({2, 7, 12}, t[{ {1, 3}, 2 }]:totable())
      assert.are.equal(8, t[{2, 3}])
      assert.are.same({6, 7, 8, 9, 10}, t[{2, {}}]:totable())
      assert.are.equal("2x5", tostring(t[{ {2, 3} }]:size()))
      assert.are.equal("1x5", tostring(t[{ {2} }]:size()))
      assert.are.same({19, 20}, t[{-1, {-2, -1}}]:totable())
      local c = ramp(hm.Tensor(2, 3, 4))
      assert.are.equal(c[2][3][4], c[{2, 3, 4}])
      assert.are.equal("3", tostring(c[{2, {}, 1}]:size()))
   end)

   it("assigns numbers and tensors through index tables", function()
      local t = hm.Tensor(3, 3)
      t[{ {}, 2 }] = 1
      t[{ 3, {1, 2} }] = hm.Tensor({4, 5})
      assert.are.same({{0, 1, 0}, {0, 1, 0}, {4, 5, 0}}, t:totable())
      t[{2, 3}] = 9
      assert.are.equal(9, t[2][3])
   end)

   it("raises clear errors for bad indices", function()
      local t = hm.Tensor(3, 4)
      assert.error_matches(function() return t[4] end, "index 4 out of range for dimension 1 of size 3")
      assert.error_matches(function() return t[0] end, "out of range")
      assert.error_matches(function() return t[1.5] end, "integer")
      assert.error_matches(function() return t[{1, 2, 3}] end, "3 entries for a 2D tensor")
      assert.error_matches(function() return t[{ {2, 9} }] end, "out of range")
      assert.error_matches(function() return t[{ "a" }] end, "must be a number or a table")
      assert.error_matches(function() t[1] = "x" end, "cannot assign")
      assert.error_matches(function() t[{ {1, 2}, 1 }] = hm.Tensor(3) end, "size mismatch")
      assert.error_matches(function() t.foo = 1 end, "cannot set field")
      assert.error_matches(function() return hm.Tensor()[1] end, "empty tensor")
      assert.is_nil(t.nosuchmethod)
   end)
end)

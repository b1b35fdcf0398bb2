-- Specs for csrc/tensor_math.c: indexSelect, indexCopy, indexFill, gather and scatter,
-- against naive Lua loops on contiguous and transposed/narrowed tensors, with 1-based
-- indices and errors naming the bad index value.
local hm = require 'harmonium'

-- a 3x4 tensor with t[i][j] = 10*i + j, contiguous or as a transposed / narrowed view
local function grid(T, layout)
   local c = T(3, 4)
   for i = 1, 3 do for j = 1, 4 do c[i][j] = 10 * i + j end end
   if layout == "transposed" then
      local tt = T(4, 3)
      for i = 1, 3 do for j = 1, 4 do tt[j][i] = c[i][j] end end
      return tt:t()
   elseif layout == "narrowed" then
      local big = T(3, 6):fill(-1)
      big:narrow(2, 2, 4):copy(c)
      return big:narrow(2, 2, 4)
   end
   return c
end

local layouts = { "contiguous", "transposed", "narrowed" }
local types = { float = hm.FloatTensor, double = hm.DoubleTensor, long = hm.LongTensor, byte = hm.ByteTensor }

describe("indexSelect", function()
   for tname, T in pairs(types) do
      it("matches a Lua loop on " .. tname .. " tensors along each dimension, in every form", function()
         local idx = hm.LongTensor({3, 1, 3})
         for _, l in ipairs(layouts) do
            local t = grid(T, l)
            local rows = {}
            for k = 1, 3 do rows[k] = t[idx[k]]:totable() end
            assert.are.same(rows, t:indexSelect(1, idx):totable())
            assert.are.same(rows, hm.indexSelect(t, 1, idx):totable())
            local cols = {}
            for i = 1, 3 do cols[i] = {} for k = 1, 3 do cols[i][k] = t[i][idx[k]] end end
            assert.are.same(cols, t:indexSelect(2, idx):totable())
            local res = T(1)
            assert.are.equal(res, hm.indexSelect(res, t, 2, idx))
            assert.are.same(cols, res:totable())
            local view = T(3, 3):t()                            -- result written through a view
            view:indexSelect(t, 2, idx)
            assert.are.same(cols, view:totable())
         end
      end)
   end

   it("selects from 1D and 3D tensors and takes an empty index", function()
      local v = hm.FloatTensor({10, 20, 30})
      assert.are.same({30, 10, 10}, v:indexSelect(1, hm.LongTensor({3, 1, 1})):totable())
      local c = hm.DoubleTensor(2, 3, 4)
      for i = 1, 24 do c:view(-1)[i] = i end
      local s = c:indexSelect(3, hm.LongTensor({4, 2}))
      assert.are.same({2, 3, 2}, s:size():totable())
      assert.are.equal(c[2][3][2], s[2][3][2])
      assert.are.equal(c[1][1][4], s[1][1][1])
      local e = v:indexSelect(1, hm.LongTensor())
      assert.are.equal(0, e:nElement())
   end)

   it("names the bad index, the dimension and its size", function()
      local t = hm.FloatTensor(3, 4)
      assert.error_matches(function() t:indexSelect(1, hm.LongTensor({1, 4})) end,
         "bad argument #2 to '[^']*' %(index 4 out of range for dimension 1 of size 3%)")
      assert.error_matches(function() hm.indexSelect(t, 2, hm.LongTensor({0})) end,
         "bad argument #3 to '[^']*' %(index 0 out of range for dimension 2 of size 4%)")
      assert.error_matches(function() t:indexSelect(3, hm.LongTensor({1})) end,
         "dimension 3 out of range for 2D tensor")
      assert.error_matches(function() t:indexSelect(1, hm.FloatTensor({1})) end,
         "hm.LongTensor expected, got hm.FloatTensor")
      assert.error_matches(function() t:indexSelect(1, hm.LongTensor({{1}})) end,
         "1D index tensor expected, got 2D")
      assert.error_matches(function() t:indexSelect(1, nil) end, "harmonium.Tensor expected, got nil")
      assert.error_matches(function() hm.indexSelect(hm.DoubleTensor(), t, 1, hm.LongTensor({1})) end,
         "hm.FloatTensor expected, got hm.DoubleTensor")
   end)
end)

describe("indexCopy and indexFill", function()
   for tname, T in pairs(types) do
      it("write whole slices on " .. tname .. " tensors, through views", function()
         for _, l in ipairs(layouts) do
            local t = grid(T, l)
            local want = t:clone():totable()
            local src = T({{1, 2, 3, 4}, {5, 6, 7, 8}})
            assert.are.equal(t, t:indexCopy(1, hm.LongTensor({3, 1}), src))
            want[3] = {1, 2, 3, 4}
            want[1] = {5, 6, 7, 8}
            assert.are.same(want, t:totable())
            t:indexFill(2, hm.LongTensor({2, 4}), 9)
            for i = 1, 3 do want[i][2] = 9; want[i][4] = 9 end
            assert.are.same(want, t:totable())
            local cols = T({{0, 1}, {2, 3}, {4, 5}})
            t:indexCopy(2, hm.LongTensor({4, 1}), cols)
            for i = 1, 3 do want[i][4] = 2 * (i - 1); want[i][1] = 2 * (i - 1) + 1 end
            assert.are.same(want, t:totable())
         end
      end)
   end

   it("refuses bad indices and sources", function()
      local t = hm.FloatTensor(3, 4)
      assert.error_matches(function() t:indexCopy(1, hm.LongTensor({5}), hm.FloatTensor(1, 4)) end,
         "index 5 out of range for dimension 1 of size 3")
      assert.error_matches(function() t:indexCopy(1, hm.LongTensor({1, 2}), hm.FloatTensor(2, 3)) end,
         "size mismatch: tensor is %[3 x 4%], source is %[2 x 3%]")
      assert.error_matches(function() t:indexCopy(1, hm.LongTensor({1}), hm.DoubleTensor(1, 4)) end,
         "hm.FloatTensor expected, got hm.DoubleTensor")
      assert.error_matches(function() t:indexFill(2, hm.LongTensor({-1}), 0) end,
         "index %-1 out of range for dimension 2 of size 4")
      assert.error_matches(function() t:indexFill(2, hm.LongTensor({1}), "x") end,
         "number expected, got string")
   end)
end)

describe("gather and scatter", function()
   for tname, T in pairs(types) do
      it("gather matches a Lua loop on " .. tname .. " tensors along both dimensions", function()
         local idx1 = hm.LongTensor({{3, 1, 2, 3}, {1, 1, 3, 2}})          -- 2x4, values in 1..3
         local idx2 = hm.LongTensor({{4, 1}, {2, 2}, {1, 3}})              -- 3x2, values in 1..4
         for _, l in ipairs(layouts) do
            local t = grid(T, l)
            local want1 = {}
            for i = 1, 2 do want1[i] = {} for j = 1, 4 do want1[i][j] = t[idx1[i][j]][j] end end
            assert.are.same(want1, t:gather(1, idx1):totable())
            local want2 = {}
            for i = 1, 3 do want2[i] = {} for j = 1, 2 do want2[i][j] = t[i][idx2[i][j]] end end
            assert.are.same(want2, hm.gather(t, 2, idx2):totable())
            local res = T()
            assert.are.equal(res, hm.gather(res, t, 2, idx2))
            assert.are.same(want2, res:totable())
            assert.are.same(want2, t:gather(2, idx2:t():clone():t()):totable())  -- strided index
         end
      end)

      it("scatter is the converse of gather on " .. tname .. " tensors", function()
         local idx = hm.LongTensor({{2, 4}, {1, 3}, {4, 1}})
         for _, l in ipairs(layouts) do
            local t = grid(T, l)
            local want = t:totable()
            local src = T({{1, 2, 7}, {3, 4, 8}, {5, 6, 9}})
            assert.are.equal(t, t:scatter(2, idx, src))
            for i = 1, 3 do for j = 1, 2 do want[i][idx[i][j]] = src[i][j] end end
            assert.are.same(want, t:totable())
            t:scatter(1, hm.LongTensor({{3, 2, 1, 3}}), 0)
            want[3][1], want[2][2], want[1][3], want[3][4] = 0, 0, 0, 0
            assert.are.same(want, t:totable())
            local back = T(3, 4):zero():scatter(2, idx, src)
            assert.are.same(src:narrow(2, 1, 2):totable(), back:gather(2, idx):totable())
         end
      end)
   end

   it("gathers from 1D and 3D tensors and works on empty indices", function()
      local v = hm.FloatTensor({5, 6, 7})
      assert.are.same({7, 5, 7, 6}, v:gather(1, hm.LongTensor({3, 1, 3, 2})):totable())
      local c = hm.FloatTensor(2, 3, 2)
      for i = 1, 12 do c:view(-1)[i] = i end
      local g = c:gather(2, hm.LongTensor(2, 1, 2):fill(3))
      assert.are.same({{{5, 6}}, {{11, 12}}}, g:totable())
      assert.are.equal(0, v:gather(1, hm.LongTensor(0)):nElement())
      assert.are.same({5, 6, 7}, v:scatter(1, hm.LongTensor(0), 1):totable())
   end)

   it("refuses bad indices and shapes", function()
      local t = hm.FloatTensor(3, 4)
      assert.error_matches(function() t:gather(1, hm.LongTensor({{1, 4}})) end,
         "bad argument #2 to 'gather' %(index 4 out of range for dimension 1 of size 3%)")
      assert.error_matches(function() t:gather(2, hm.LongTensor({1, 2})) end,
         "size mismatch: index is %[2%], source is %[3 x 4%]")
      assert.error_matches(function() t:gather(1, hm.LongTensor(2, 5):fill(1)) end,
         "size mismatch: index is %[2 x 5%], source is %[3 x 4%]")
      assert.error_matches(function() t:gather(1, hm.ByteTensor(2, 4)) end,
         "hm.LongTensor expected, got hm.ByteTensor")
      assert.error_matches(function() t:scatter(2, hm.LongTensor({{0}}), 1) end,
         "index 0 out of range for dimension 2 of size 4")
      assert.error_matches(function() t:scatter(2, hm.LongTensor(3, 2):fill(1), hm.FloatTensor(3, 1)) end,
         "size mismatch: index is %[3 x 2%], source is %[3 x 1%]")
      assert.error_matches(function() t:scatter(2, hm.LongTensor(3, 2):fill(1), hm.DoubleTensor(3, 2)) end,
         "hm.FloatTensor expected, got hm.DoubleTensor")
      assert.error_matches(function() t:scatter(2, hm.LongTensor(3, 2):fill(1), "x") end,
         "harmonium.Tensor expected, got string")
      assert.error_matches(function() t:scatter(3, hm.LongTensor(3, 2), 1) end,
         "dimension 3 out of range for 2D tensor")
   end)
end)

-- Specs for csrc/alloc.c, the caching allocator for large blocks: everything Lua keeps in
-- large blocks (tensor data, big tables, big strings) survives allocation, growth, shrinking
-- and reuse, and the collector still sees and frees the bytes.
local hm = require 'harmonium'

describe("large-block allocator", function()
   it("keeps a growing and shrinking table's contents", function()
      local t = {}
      for i = 1, 300000 do t[i] = i * 3 end            -- array part reallocated past 256 KB
      for i = 1, 300000, 997 do assert.are.equal(i * 3, t[i]) end
      for i = 300000, 1001, -1 do t[i] = nil end
      collectgarbage("collect")                        -- the table shrinks through realloc
      for i = 1, 1000 do assert.are.equal(i * 3, t[i]) end
   end)

   it("keeps big strings intact", function()
      local s = string.rep("harmonium", 100000)
      local u = s .. "!"
      assert.are.equal(900001, #u)
      assert.are.equal("harmonium!", u:sub(-10))
   end)

   it("reuses freed tensor memory and gives correct, independent tensors", function()
      for round = 1, 20 do
         local a = hm.Tensor(512, 1024):fill(round)      -- 2 MB
         local b = hm.Tensor(512, 1024):fill(-round)
         assert.are.equal(round * 512 * 1024, a:sum())
         assert.are.equal(-round * 512 * 1024, b:sum())
      end
   end)

   it("lets the collector account for and free large tensors", function()
      collectgarbage("collect")
      local before = collectgarbage("count")
      local keep = {}
      for i = 1, 8 do keep[i] = hm.Tensor(1024, 1024) end   -- 32 MB
      assert.is_true(collectgarbage("count") - before > 30000)
      keep = nil
      collectgarbage("collect")
      assert.is_true(collectgarbage("count") - before < 1000)
   end)
end)

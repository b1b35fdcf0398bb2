-- hm.data.cifar10 / cifar100 on binary batches written here in the official format
-- (label byte(s), then the R, G and B planes of 32 x 32), since the real sets cannot be
-- downloaded on these machines.
local hm = require 'harmonium'
local support = require 'support'

-- pixel value of record r (global, 0-based), channel c, row y, column x (all 0-based)
local function pix(r, c, y, x) return (r * 7 + c * 50 + y * 3 + x * 5) % 256 end

-- records first .. first + n - 1 as a CIFAR batch with the given label bytes function
local function batch(first, n, labelBytes)
   local parts = {}
   for r = first, first + n - 1 do
      parts[#parts + 1] = labelBytes(r)
      local px = {}
      for c = 0, 2 do
         for y = 0, 31 do
            for x = 0, 31 do px[#px + 1] = string.char(pix(r, c, y, x)) end
         end
      end
      parts[#parts + 1] = table.concat(px)
   end
   return table.concat(parts)
end

local function c10label(r) return string.char(r % 10) end
local function c100labels(r) return string.char(r % 20, (r * 3) % 100) end

local function mkdir()
   local d = os.tmpname()
   os.remove(d)
   os.execute("mkdir -p " .. support.q(d))
   return d
end

describe("hm.data.cifar10", function()
   local dir
   setup(function()
      dir = mkdir()
      -- 5 training batches of 3, 2, 3, 2, 3 records and a test batch of 4
      local counts, first = { 3, 2, 3, 2, 3 }, 0
      for b = 1, 5 do
         support.writefile(dir .. "/data_batch_" .. b .. ".bin", batch(first, counts[b], c10label))
         first = first + counts[b]
      end
      support.writefile(dir .. "/test_batch.bin", batch(100, 4, c10label))
   end)
   teardown(function() os.execute("rm -rf " .. support.q(dir)) end)

   it("reads every training batch into N x 3 x 32 x 32 floats in [0, 1]", function()
      local s = hm.data.cifar10 { path = dir }
      assert.equal(13, s.size)
      assert.equal("hm.FloatTensor", s.data:type())
      assert.same({ 13, 3, 32, 32 }, s.data:size():totable())
      assert.same({ 13 }, s.labels:size():totable())
      assert.equal("hm.LongTensor", s.labels:type())
      for r = 0, 12 do assert.equal(r % 10 + 1, s.labels[r + 1]) end
      assert.equal("airplane", s.classNames[1])
      -- a pixel lands at [record][channel][row][column]
      for _, p in ipairs { { 0, 0, 0, 0 }, { 4, 1, 7, 30 }, { 12, 2, 31, 31 }, { 7, 2, 16, 3 } } do
         local r, c, y, x = p[1], p[2], p[3], p[4]
         assert.near(pix(r, c, y, x) / 255, s.data[r + 1][c + 1][y + 1][x + 1], 1e-7)
      end
   end)

   it("reads the test batch, bytes and flat on request", function()
      local s = hm.data.cifar10 { path = dir, split = "test", type = "byte", shape = "flat" }
      assert.equal(4, s.size)
      assert.equal("hm.ByteTensor", s.data:type())
      assert.same({ 4, 3072 }, s.data:size():totable())
      -- flat layout: R plane, then G, then B, each row-major
      assert.equal(pix(102, 1, 2, 3), s.data[3][1024 + 2 * 32 + 3 + 1])
      assert.same({ 1, 2, 3, 4 }, s.labels:totable())
   end)

   it("keeps the first n images, reading only the batches it needs", function()
      local s = hm.data.cifar10 { path = dir, n = 4 }
      assert.equal(4, s.size)
      assert.same({ 4, 3, 32, 32 }, s.data:size():totable())
      assert.equal(2, #s.files)
      assert.near(pix(3, 2, 5, 6) / 255, s.data[4][3][6][7], 1e-7)
   end)

   it("rejects a file that is not a whole number of records", function()
      local d = mkdir()
      support.writefile(d .. "/test_batch.bin", batch(0, 2, c10label) .. "xyz")
      local ok, err = pcall(hm.data.cifar10, { path = d, split = "test" })
      assert.is_false(ok)
      assert.matches("test_batch.bin': file length 6149 is not a multiple of the CIFAR record size 3073", err)
      support.writefile(d .. "/test_batch.bin", "")
      assert.equal(0, hm.data.cifar10 { path = d, split = "test" }.size)
      os.execute("rm -rf " .. support.q(d))
   end)

   it("rejects a label byte out of range", function()
      local d = mkdir()
      support.writefile(d .. "/test_batch.bin",
         batch(0, 2, c10label) .. batch(2, 1, function() return "\12" end))
      assert.error_matches(function() hm.data.cifar10 { path = d, split = "test" } end,
         "record 3 has label 12, out of range 0..9")
      support.writefile(d .. "/test_batch.bin", "\31\139" .. string.rep("\0", 3071))
      assert.error_matches(function() hm.data.cifar10 { path = d, split = "test" } end,
         "gzip%-compressed CIFAR batch")
      os.execute("rm -rf " .. support.q(d))
   end)

   it("says how to get a missing data set", function()
      local ok, err = pcall(hm.data.cifar10, { path = "/nonexistent/cifar" })
      assert.is_false(ok)
      assert.matches("CIFAR%-10 train set not found", err)
      assert.is_truthy(err:find("make data CIFAR_TARBALL=", 1, true))
      assert.error_matches(function() hm.data.cifar10 { path = dir, split = "valid" } end,
         "invalid split")
   end)
end)

describe("hm.data.cifar100", function()
   local dir
   setup(function()
      dir = mkdir()
      support.writefile(dir .. "/train.bin", batch(0, 5, c100labels))
      support.writefile(dir .. "/test.bin", batch(50, 2, c100labels))
   end)
   teardown(function() os.execute("rm -rf " .. support.q(dir)) end)

   it("reads coarse and fine labels and the pixels after them", function()
      local s = hm.data.cifar100 { path = dir }
      assert.equal(5, s.size)
      assert.same({ 5, 3, 32, 32 }, s.data:size():totable())
      for r = 0, 4 do
         assert.equal(r % 20 + 1, s.coarseLabels[r + 1])
         assert.equal((r * 3) % 100 + 1, s.labels[r + 1])
      end
      assert.equal(s.labels, s.fineLabels)
      assert.near(pix(3, 1, 9, 20) / 255, s.data[4][2][10][21], 1e-7)
      local t = hm.data.cifar100 { path = dir, split = "test", type = "byte" }
      assert.equal(pix(51, 2, 31, 0), t.data[2][3][32][1])
   end)

   it("checks the record size (3074) and both label ranges", function()
      local d = mkdir()
      support.writefile(d .. "/test.bin", batch(0, 1, c10label))
      assert.error_matches(function() hm.data.cifar100 { path = d, split = "test" } end,
         "not a multiple of the CIFAR record size 3074 %(2 label bytes")
      support.writefile(d .. "/test.bin", batch(0, 1, function() return "\20\0" end))
      assert.error_matches(function() hm.data.cifar100 { path = d, split = "test" } end,
         "record 1 has coarse label 20, out of range 0..19")
      support.writefile(d .. "/test.bin", batch(0, 1, function() return "\1\100" end))
      assert.error_matches(function() hm.data.cifar100 { path = d, split = "test" } end,
         "fine label 100, out of range 0..99")
      os.execute("rm -rf " .. support.q(d))
   end)

   it("checks the arguments of the C readers", function()
      local p = dir .. "/test.bin"
      assert.error_matches(function() hm._cifarcount(p, 3) end, "1 or 2 label bytes")
      assert.error_matches(function()
         hm._cifarread(p, { 20, 100 }, hm.FloatTensor(1, 3072), hm.LongTensor(1, 2), 1)
      end, "2 records do not fit from row 1 of a 1%-row tensor")
      assert.error_matches(function()
         hm._cifarread(p, { 20, 100 }, hm.DoubleTensor(2, 3072), hm.LongTensor(2, 2), 1)
      end, "hm.ByteTensor or hm.FloatTensor expected")
      assert.error_matches(function()
         hm._cifarread(p, { 20, 100 }, hm.FloatTensor(2, 3072), hm.LongTensor(2, 1), 1)
      end, "one row of labels per data row")
   end)
end)

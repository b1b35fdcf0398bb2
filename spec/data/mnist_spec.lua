-- hm.data.mnist / fashionmnist: the bundled samples (shapes, label range, checksums),
-- options, the missing-data message, and (#slow) the real data sets when `make data` ran.
local hm = require 'harmonium'
local support = require 'support'

local repo = hm.data.repoDir()

-- md5 of a file's uncompressed bytes
local function md5raw(path)
   local cmd = path:match("%.gz$") and ("gzip -dc " .. support.q(path) .. " | md5sum")
               or ("md5sum " .. support.q(path))
   local out, err, code = support.sh(cmd)
   assert(code == 0, err)
   return out:match("^(%x+)")
end

-- the MD5SUMS file of a sample directory as {name = md5}
local function md5sums(dir)
   local sums = {}
   for line in support.readfile(dir .. "/MD5SUMS"):gmatch("[^\n]+") do
      local md5, name = line:match("^(%x+)%s+(%S+)$")
      if md5 then sums[name] = md5 end
   end
   return sums
end

describe("hm.data.mnist", function()
   it("finds the source tree", function()
      assert.is_truthy(support.exists(repo .. "/data/fetch.sh"))
   end)

   it("loads the bundled sample: 1000 x 784 floats in [0, 1], labels 1..10", function()
      for _, split in ipairs { "train", "test" } do
         local s = hm.data.mnist { split = split, sample = true }
         assert.equal(1000, s.size)
         assert.equal("hm.FloatTensor", s.data:type())
         assert.same({ 1000, 784 }, s.data:size():totable())
         assert.equal(0, s.data:min())
         assert.equal(1, s.data:max())
         assert.equal("hm.LongTensor", s.labels:type())
         assert.same({ 1000 }, s.labels:size():totable())
         assert.equal(1, s.labels:min())
         assert.equal(10, s.labels:max())
         assert.tensor_near(s.rawLabels:double():add(1), s.labels:double(), 0)
         assert.equal("3", s.classNames[4])
      end
   end)

   it("gives the known first digits (Torch7 labels: digit + 1)", function()
      local s = hm.data.mnist { split = "train-sample" }
      assert.same({ 5, 0, 4, 1, 9, 2, 1, 3, 1, 4 }, s.rawLabels:narrow(1, 1, 10):long():totable())
      assert.same({ 6, 1, 5, 2, 10, 3, 2, 4, 2, 5 }, s.labels:narrow(1, 1, 10):totable())
      local t = hm.data.mnist { split = "test-sample" }
      assert.same({ 7, 2, 1, 0, 4 }, t.rawLabels:narrow(1, 1, 5):long():totable())
      -- every digit occurs in 1,000 samples, and the pixel mass is the familiar ~0.13 mean
      local counts = {}
      for i = 1, s.size do counts[s.labels[i]] = (counts[s.labels[i]] or 0) + 1 end
      for c = 1, 10 do assert.is_true(counts[c] > 60) end
      assert.is_true(math.abs(s.data:mean() - 0.13) < 0.01)
   end)

   it("matches the recorded checksums of the sample files", function()
      local dir = repo .. "/data/mnist-sample"
      local sums = md5sums(dir)
      local expected = {
         ["train-images-idx3-ubyte"] = "da098a60089079029bd38673813e12db",
         ["train-labels-idx1-ubyte"] = "175d5a7a457f2ceaab77379a72a89e61",
         ["t10k-images-idx3-ubyte"] = "bac4371a484d0b5651e81d99305acb5a",
         ["t10k-labels-idx1-ubyte"] = "556860b2f10365a8f7444c1e79c7e9af",
      }
      for name, md5 in pairs(expected) do
         assert.equal(md5, sums[name])
         assert.equal(md5, md5raw(dir .. "/" .. name .. ".gz"))
      end
   end)

   it("writes the sample back bit for bit with hm.data.writeIDX", function()
      local s = hm.data.mnist { sample = true, type = "byte", shape = "image" }
      local p = support.tmpname(".idx")
      hm.data.writeIDX(p, s.data:view(1000, 28, 28))
      assert.equal("da098a60089079029bd38673813e12db", md5raw(p))
      os.remove(p)
   end)

   it("honours shape, type and n", function()
      local a = hm.data.mnist { sample = true, shape = "image", type = "byte", n = 7 }
      assert.equal("hm.ByteTensor", a.data:type())
      assert.same({ 7, 1, 28, 28 }, a.data:size():totable())
      assert.equal(7, a.size)
      assert.equal(7, a.labels:size(1))
      local f = hm.data.mnist { sample = true, n = 7 }
      assert.tensor_near(a.data:double():view(7, 784):div(255), f.data, 1e-7)
      assert.equal(0, hm.data.mnist { sample = true, n = 0 }.size)
   end)

   it("loads the Fashion-MNIST sample with its class names", function()
      local s = hm.data.fashionmnist { sample = true }
      assert.equal(1000, s.size)
      assert.same({ 1000, 784 }, s.data:size():totable())
      assert.equal(1, s.labels:min())
      assert.equal(10, s.labels:max())
      assert.equal("Ankle boot", s.classNames[10])
      assert.equal(10, s.labels[1])   -- the first training image is an ankle boot
      local sums = md5sums(repo .. "/data/fashion-mnist-sample")
      assert.equal(sums["t10k-labels-idx1-ubyte"],
                   md5raw(repo .. "/data/fashion-mnist-sample/t10k-labels-idx1-ubyte.gz"))
   end)

   it("reads a directory given as path, raw or gzipped files", function()
      local dir = os.tmpname()
      os.remove(dir)
      os.execute("mkdir -p " .. support.q(dir))
      local s = hm.data.mnist { sample = true, split = "test", type = "byte", n = 20 }
      hm.data.writeIDX(dir .. "/t10k-images-idx3-ubyte", s.data:view(20, 28, 28))
      hm.data.writeIDX(dir .. "/t10k-labels-idx1-ubyte.gz", s.rawLabels)
      local r = hm.data.mnist { split = "test", path = dir, type = "byte" }
      assert.equal(20, r.size)
      assert.tensor_near(s.data:double(), r.data:double(), 0)
      assert.same(s.labels:totable(), r.labels:totable())
      -- images and labels that disagree are an error naming both files
      hm.data.writeIDX(dir .. "/t10k-labels-idx1-ubyte.gz", s.rawLabels:narrow(1, 1, 5))
      assert.error_matches(function() hm.data.mnist { split = "test", path = dir } end,
         "holds 20 images but .* 5 labels")
      hm.data.writeIDX(dir .. "/t10k-labels-idx1-ubyte.gz", hm.ByteTensor(20):fill(10))
      assert.error_matches(function() hm.data.mnist { split = "test", path = dir } end,
         "labels must be bytes 0..9")
      os.execute("rm -rf " .. support.q(dir))
   end)

   it("says how to get a missing data set (`make data`)", function()
      local ok, err = pcall(hm.data.mnist, { path = "/nonexistent/mnist" })
      assert.is_false(ok)
      assert.matches("hm.data.mnist: MNIST train set not found", err)
      assert.matches("/nonexistent/mnist", err)
      assert.is_truthy(err:find("`make data`", 1, true))
      ok, err = pcall(hm.data.fashionmnist, { path = "/nonexistent/f", split = "test" })
      assert.is_truthy(err:find("`make data`", 1, true))
      assert.matches("dataset%-fashion%-mnist", err)
   end)

   it("checks its options", function()
      assert.error_matches(function() hm.data.mnist { split = "validation" } end, "invalid split 'validation'")
      assert.error_matches(function() hm.data.mnist { sample = true, shape = "square" } end, "invalid shape")
      assert.error_matches(function() hm.data.mnist { sample = true, type = "double" } end, "invalid type")
      assert.error_matches(function() hm.data.mnist { sample = true, n = 1.5 } end, "non%-negative integer")
      assert.error_matches(function() hm.data.mnist("train") end, "table expected")
   end)
end)

describe("real data sets #slow", function()
   local mnistDir = repo .. "/data/cache/mnist"
   local real = {
      ["train-images-idx3-ubyte"] = "6bbc9ace898e44ae57da46a324031adb",
      ["train-labels-idx1-ubyte"] = "a25bea736e30d166cdddb491f175f624",
      ["t10k-images-idx3-ubyte"] = "2646ac647ad5339dbf082846283269ea",
      ["t10k-labels-idx1-ubyte"] = "27ae3e4e09519cfbb04c329615203637",
   }

   it("loads full MNIST (checksums verified) quickly, agreeing with the sample", function()
      if not support.exists(mnistDir .. "/train-images-idx3-ubyte") then
         print("skipped: full MNIST not in " .. mnistDir .. " (run `make data`)")
         return
      end
      for name, md5 in pairs(real) do assert.equal(md5, md5raw(mnistDir .. "/" .. name)) end
      local t0 = hm._clock()
      local train = hm.data.mnist { split = "train" }
      local dt = hm._clock() - t0
      print(string.format("full MNIST training set (60000 x 784 floats + labels): %.3f s", dt))
      assert.same({ 60000, 784 }, train.data:size():totable())
      local test = hm.data.mnist { split = "test" }
      assert.same({ 10000, 784 }, test.data:size():totable())
      assert.equal(1, train.labels:min())
      assert.equal(10, train.labels:max())
      local s = hm.data.mnist { sample = true }
      assert.tensor_near(s.data, train.data:narrow(1, 1, 1000), 0)
      assert.same(s.labels:totable(), train.labels:narrow(1, 1, 1000):totable())
   end)

   it("loads full Fashion-MNIST (checksums verified)", function()
      local dir = repo .. "/data/cache/fashion-mnist"
      if not support.exists(dir .. "/train-images-idx3-ubyte.gz") then
         print("skipped: Fashion-MNIST not in " .. dir .. " (run `make data` as root)")
         return
      end
      assert.equal("f4a8712d7a061bf5bd6d2ca38dc4d50a", md5raw(dir .. "/train-images-idx3-ubyte.gz"))
      assert.equal("15d484375f8d13e6eb1aabb0c3f46965", md5raw(dir .. "/t10k-labels-idx1-ubyte.gz"))
      local train = hm.data.fashionmnist { split = "train" }
      assert.same({ 60000, 784 }, train.data:size():totable())
      local s = hm.data.fashionmnist { sample = true }
      assert.tensor_near(s.data, train.data:narrow(1, 1, 1000), 0)
   end)
end)

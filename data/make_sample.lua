--[[ make_sample.lua: rebuild the bundled samples from the real data sets (after `make data`).

   bin/harmonium data/make_sample.lua

Writes the first 1,000 training and the first 1,000 test images and labels of MNIST to
data/mnist-sample/ and of Fashion-MNIST to data/fashion-mnist-sample/, as gzipped IDX files
written by hm.data.writeIDX, and an MD5SUMS file in each (md5 of the uncompressed IDX bytes,
which do not depend on the zlib version; check with data/check_sample.sh).
]]

local hm = require 'harmonium'
local N = 1000

local repo = hm.data.repoDir() or "."
local sets = {
   { load = hm.data.mnist, dir = repo .. "/data/mnist-sample" },
   { load = hm.data.fashionmnist, dir = repo .. "/data/fashion-mnist-sample" },
}
local names = {
   train = { "train-images-idx3-ubyte", "train-labels-idx1-ubyte" },
   test = { "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" },
}

for _, s in ipairs(sets) do
   os.execute("mkdir -p '" .. s.dir .. "'")
   local sums = {}
   for _, split in ipairs { "train", "test" } do
      local d = s.load { split = split, n = N, type = "byte", shape = "image" }
      local images = d.data:view(N, 28, 28)
      for k, t in ipairs { images, d.rawLabels } do
         local path = s.dir .. "/" .. names[split][k] .. ".gz"
         hm.data.writeIDX(path, t)
         local p = io.popen("gzip -dc '" .. path .. "' | md5sum")
         local md5 = p:read("l"):match("^(%x+)")
         p:close()
         sums[#sums + 1] = md5 .. "  " .. names[split][k]
         print(path, md5)
      end
   end
   local f = assert(io.open(s.dir .. "/MD5SUMS", "w"))
   f:write("# md5 of the uncompressed IDX files (gzip -dc FILE.gz | md5sum)\n")
   f:write(table.concat(sums, "\n"), "\n")
   f:close()
end

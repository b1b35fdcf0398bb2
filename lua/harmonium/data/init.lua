--[[ hm.data: data sets and the utilities that feed them to models.

   local hm = require 'harmonium'
   local train = hm.data.mnist{split = 'train'}      -- run `make data` once first
   local quick = hm.data.mnist{sample = true}        -- 1,000 digits bundled in data/

Readers:   readIDX, writeIDX (idx.lua); mnist, fashionmnist (mnist.lua);
           cifar10, cifar100 (cifar.lua)
Utilities: permutation, shuffle, minibatches, split, onehot, toFloat, scale, standardize,
           unstandardize, binarize (utils.lua)
Labels are 1-based class numbers (Torch7): MNIST digit d has label d + 1.
]]

local M = {}

for _, name in ipairs { "idx", "mnist", "cifar", "utils" } do
   for k, v in pairs(require("harmonium.data." .. name)) do
      if type(v) == "function" and k:sub(1, 1):match("%l") then M[k] = v end
   end
end
-- internal helpers of mnist.lua that are not data-set loaders
M.findFile, M.searchDirs = nil, nil

return M

-- The gradient check of every nn module and criterion (issue 4's acceptance floor):
-- backprop against central differences in double, in batch and single-sample mode, on
-- contiguous and non-contiguous inputs; for modules with parameters, accGradParameters and
-- accUpdateGradParameters on every parameter too.
local hm = require 'harmonium'
local common = require 'nn.common'
local nn = hm.nn
local J = nn.Jacobian

local TOL = 1e-6
local D = hm.DoubleTensor

-- name, constructor, batch input size, single input size (nil: no single-sample mode)
local modules = {
   { "Linear", function() return nn.Linear(5, 3) end, { 4, 5 }, { 5 } },
   { "Linear without bias", function() return nn.Linear(5, 3, false) end, { 4, 5 }, { 5 } },
   { "SpatialConvolution", function() return nn.SpatialConvolution(2, 3, 3, 2, 1, 2, 1, 1) end, { 2, 2, 5, 4 }, { 2, 5, 4 } },
   { "SpatialMaxPooling", function() return nn.SpatialMaxPooling(2, 2, 2, 2, 1, 1):ceil() end, { 2, 2, 5, 4 }, { 2, 5, 4 } },
   { "SpatialAveragePooling", function() return nn.SpatialAveragePooling(3, 3, 2, 2, 1, 1) end, { 2, 2, 5, 4 }, { 2, 5, 4 } },
   { "View", function() return nn.View(-1):setNumInputDims(2) end, { 3, 2, 4 }, { 2, 4 } },
   { "Reshape", function() return nn.Reshape(4, 2) end, { 3, 2, 4 }, { 2, 4 } },
   { "Dropout (evaluation)", function() return nn.Dropout(0.4):evaluate() end, { 3, 4 }, { 4 } },
   { "Dropout (p = 0)", function() return nn.Dropout(0) end, { 3, 4 }, { 4 } },
   { "Sigmoid", function() return nn.Sigmoid() end, { 3, 4 }, { 4 } },
   { "Tanh", function() return nn.Tanh() end, { 3, 4 }, { 4 } },
   { "ReLU", function() return nn.ReLU() end, { 3, 4 }, { 4 } },
   { "LeakyReLU", function() return nn.LeakyReLU(0.2) end, { 3, 4 }, { 4 } },
   { "SoftPlus", function() return nn.SoftPlus(1.5) end, { 3, 4 }, { 4 } },
   { "SoftMax", function() return nn.SoftMax() end, { 3, 4 }, { 4 } },
   { "LogSoftMax", function() return nn.LogSoftMax() end, { 3, 4 }, { 4 } },
   { "Maxout", function() return nn.Maxout(4, 3, 2) end, { 3, 4 }, { 4 } },
   { "BatchNormalization", function() return nn.BatchNormalization(4) end, { 5, 4 }, nil },
   { "BatchNormalization (evaluation)", function()
      local m = nn.BatchNormalization(4)
      m:forward(hm.Tensor(6, 4):normal())
      return m:evaluate()
   end, { 5, 4 }, { 4 } },
   { "Identity", function() return nn.Identity() end, { 3, 4 }, { 4 } },
   { "Sequential", function()
      return nn.Sequential():add(nn.Linear(4, 3)):add(nn.Tanh()):add(nn.Linear(3, 2)):add(nn.LogSoftMax())
   end, { 3, 4 }, { 4 } },
   { "Concat", function() return nn.Concat(2):add(nn.Linear(4, 2)):add(nn.Sigmoid()) end, { 3, 4 }, nil },
   { "Concat (single)", function() return nn.Concat(1):add(nn.Linear(4, 2)):add(nn.Sigmoid()) end, nil, { 4 } },
   { "ConcatTable", function() return nn.ConcatTable():add(nn.Linear(4, 2)):add(nn.Tanh()) end, { 3, 4 }, { 4 } },
   { "LeNet-like stack", function()
      return nn.Sequential():add(nn.SpatialConvolution(1, 2, 3, 3)):add(nn.ReLU())
         :add(nn.SpatialMaxPooling(2, 2)):add(nn.View(-1):setNumInputDims(3)):add(nn.Linear(8, 3))
   end, { 2, 1, 6, 6 }, { 1, 6, 6 } },
}

local function inputs(size)
   local x = D(table.unpack(size)):normal()
   return { contiguous = x, ["non-contiguous"] = common.noncontig(D(table.unpack(size)):normal()) }
end

local function check(name, err)
   assert(err < TOL, string.format("%s: error %.3g", name, err))
end

describe("gradient check of every module", function()
   before_each(common.seed)

   for _, spec in ipairs(modules) do
      local name, make, bsize, ssize = spec[1], spec[2], spec[3], spec[4]
      for mode, size in pairs({ batch = bsize, ["single-sample"] = ssize }) do
         it(name .. " in " .. mode .. " mode, contiguous and non-contiguous", function()
            for layout, x in pairs(inputs(size)) do
               local m = make():double()
               local errs = J.testAll(m, x)
               for k, e in pairs(errs) do check(name .. " " .. layout .. " " .. k, e) end
               for _, mod in ipairs(m:listModules()) do
                  if not mod.modules and not hm.isTypeOf(mod, 'nn.BatchNormalization') then
                     for _, f in ipairs(mod:parameterFields()) do
                        check(name .. " update " .. f[1], J.testJacobianUpdateParameters(m, x, mod[f[1]]))
                     end
                  end
               end
            end
         end)
      end
   end

   it("ParallelTable with table input, contiguous and non-contiguous", function()
      local m = nn.ParallelTable():add(nn.Linear(3, 2)):add(nn.Sigmoid()):double()
      check("ParallelTable batch", J.testAll(m, { D(4, 3):normal(), common.noncontig(D(4, 2):normal()) }).max)
      check("ParallelTable single", J.testAll(m, { common.noncontig(D(3):normal()), D(2):normal() }).max)
   end)
end)

-- name, constructor, batch input maker, target maker (B or nil for one sample)
local function probs(...) return D(...):uniform(0.05, 0.95) end
local function normal(...) return D(...):normal() end
local function classes(B) return B and hm.LongTensor(B):random(1, 5) or 3 end

local criterions = {
   { "MSECriterion", function() return nn.MSECriterion() end, normal, function(...) return D(...):normal() end },
   { "AbsCriterion", function() return nn.AbsCriterion() end, normal, function(...) return D(...):normal() end },
   { "SmoothL1Criterion", function() return nn.SmoothL1Criterion() end, function(...) return D(...):normal():mul(2) end,
     function(...) return D(...):normal() end },
   { "BCECriterion", function() return nn.BCECriterion() end, probs, function(...) return D(...):uniform() end },
   { "BCECriterion (weights)", function() return nn.BCECriterion(hm.Tensor{1, 2, 3, 1, 0.5}) end, probs,
     function(...) return D(...):uniform() end },
   { "ClassNLLCriterion", function() return nn.ClassNLLCriterion() end, normal, classes },
   { "ClassNLLCriterion (weights)", function() return nn.ClassNLLCriterion(hm.Tensor{1, 2, 3, 4, 5}) end, normal, classes },
   { "CrossEntropyCriterion", function() return nn.CrossEntropyCriterion() end, normal, classes },
   { "MultiMarginCriterion (p = 1)", function() return nn.MultiMarginCriterion(1) end, normal, classes },
   { "MultiMarginCriterion (p = 2, weights)", function() return nn.MultiMarginCriterion(2, hm.Tensor{1, 2, 1, 3, 1}) end,
     normal, classes },
   { "DistKLDivCriterion", function() return nn.DistKLDivCriterion() end, normal, function(...) return D(...):uniform() end },
}

describe("gradient check of every criterion", function()
   before_each(common.seed)

   for _, spec in ipairs(criterions) do
      local name, make, mkin, mktarget = spec[1], spec[2], spec[3], spec[4]
      it(name .. " in batch and single-sample mode, contiguous and non-contiguous", function()
         local c = make():double()
         local isclass = mktarget == classes
         check(name .. " batch", J.testCriterion(c, mkin(4, 5), isclass and classes(4) or mktarget(4, 5)))
         check(name .. " batch nc", J.testCriterion(c, common.noncontig(mkin(4, 5)),
            isclass and classes(4) or common.noncontig(mktarget(4, 5))))
         check(name .. " single", J.testCriterion(c, mkin(5), isclass and classes() or mktarget(5)))
         check(name .. " single nc", J.testCriterion(c, common.noncontig(mkin(5)),
            isclass and classes() or mktarget(5)))
      end)
   end
end)

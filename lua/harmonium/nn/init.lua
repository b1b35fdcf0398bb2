--[[ hm.nn: neural-network modules and criterions in Torch7's style.

   local nn = hm.nn
   local net = nn.Sequential():add(nn.Linear(784, 500)):add(nn.Tanh()):add(nn.Linear(500, 10))
   local crit = nn.CrossEntropyCriterion()
   local loss = crit:forward(net:forward(x), y)
   net:zeroGradParameters()
   net:backward(x, crit:backward(net.output, y))
   net:updateParameters(0.1)

Classes are hm.class classes named 'nn.Linear', 'nn.Sequential', ... (hm.save/hm.load write
and rebuild them). Also here: hm.nn.init (weight initialisation), hm.nn.utils (maxNorm, ...)
and hm.nn.Jacobian (gradient checks).
]]

local M = {}

local classes = {
   "Module", "Container", "Sequential", "Concat", "ConcatTable", "ParallelTable", "Identity",
   "Linear", "SpatialConvolution", "SpatialMaxPooling", "SpatialAveragePooling",
   "View", "Reshape", "Dropout",
   "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "SoftPlus", "SoftMax", "LogSoftMax", "Maxout",
   "BatchNormalization",
   "Criterion", "MSECriterion", "AbsCriterion", "SmoothL1Criterion", "BCECriterion",
   "ClassNLLCriterion", "CrossEntropyCriterion", "MultiMarginCriterion", "DistKLDivCriterion",
}

for _, name in ipairs(classes) do
   M[name] = require('harmonium.nn.' .. name)
end

M.utils = require 'harmonium.nn.utils'
M.init = require 'harmonium.nn.initializers'
M.Jacobian = require 'harmonium.nn.Jacobian'

return M

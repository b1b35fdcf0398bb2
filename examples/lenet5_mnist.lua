--[[ LeNet-5 on MNIST (LeCun et al. 1998 report 0.95% test error), trained the modern way:
standardised pixels, ReLU, max-pooling, dropout 0.3 on the two small fully connected
layers, SGD with Nesterov momentum, L2 weight decay and a learning rate decaying by 0.85 a
epoch.

   make data                                        # full MNIST into data/cache (once)
   bin/harmonium examples/lenet5_mnist.lua          # 60,000 training digits, 10,000 test digits
   bin/harmonium examples/lenet5_mnist.lua --quick  # the bundled 1,000/1,000 sample, seconds

Measured: 0.78% test error after 20 epochs, 2m31s wall (loading included) with --threads 2
on a 2-core machine shared with other jobs (0.71-0.83% over epochs 12-20; 0.79% in a
second run with one thread).

The network, on 1 x 28 x 28 digits:
   conv 6@5x5 pad 2 -> ReLU -> max-pool 2x2     6 x 14 x 14
   conv 16@5x5      -> ReLU -> max-pool 2x2    16 x 5 x 5
   400 -> 120 -> ReLU -> 84 -> ReLU -> 10 (softmax in the cross-entropy criterion)
Writes the model (hm.load gives it back; it takes raw digits in [0, 1]) and a learning
curve (train and test error per epoch) as PNG.
]]

local hm = hm or require 'harmonium'
local nn, optim = hm.nn, hm.optim

------------------------------------------------------------------ options

local cmd = hm.CmdLine()
cmd:text('Train LeNet-5 on MNIST')
cmd:text()
cmd:option('-quick', false, 'a short run on the bundled 1,000-digit sample')
cmd:option('-epochs', 0, 'epochs (default 20, or 3 with -quick)')
cmd:option('-lr', 0.05, 'initial learning rate')
cmd:option('-lrDecay', 0.85, 'learning rate factor per epoch')
cmd:option('-momentum', 0.9, 'Nesterov momentum')
cmd:option('-weightDecay', 5e-4, 'L2 weight decay')
cmd:option('-dropout', 0.3, 'dropout after the 120- and 84-unit layers (0: none)')
cmd:option('-batchSize', 0, 'minibatch size (default 64, or 20 with -quick)')
cmd:option('-seed', 1, 'random seed')
cmd:option('-threads', 2, 'threads (ours and OpenBLAS\'s)')
cmd:option('-data', '', 'directory holding the MNIST IDX files (default: data/cache/mnist)')
cmd:option('-save', 'lenet5_mnist.hm', 'where to save the trained model')
cmd:option('-plot', 'lenet5_mnist.png', 'where to write the learning curve')
local opt = cmd:parse(arg or {})
local epochs = opt.epochs > 0 and opt.epochs or (opt.quick and 3 or 20)
local B = opt.batchSize > 0 and opt.batchSize or (opt.quick and 20 or 64)
hm.manualSeed(opt.seed)
hm.setnumthreads(opt.threads)
hm.setblasthreads(opt.threads)

------------------------------------------------------------------ data

local path = opt.data ~= '' and opt.data or nil
local ok, train, test = pcall(function()
   local tr, te = 'train', 'test'
   if opt.quick then tr, te = 'train-sample', 'test-sample' end
   return hm.data.mnist{ split = tr, path = path, shape = 'image' },
          hm.data.mnist{ split = te, path = path, shape = 'image' }
end)
if not ok then
   io.stderr:write("lenet5_mnist: " .. tostring(train) .. "\n(pass --quick for the bundled sample)\n")
   os.exit(1)
end
print(string.format("MNIST: %d training digits, %d test digits", train.size, test.size))
-- standardise the pixels with the training set's mean and deviation (in place, once)
local mean, std = train.data:mean(), train.data:std()
train.data:add(-mean):div(std)
test.data:add(-mean):div(std)

------------------------------------------------------------------ model

local model = nn.Sequential()
   :add(nn.SpatialConvolution(1, 6, 5, 5, 1, 1, 2, 2)):add(nn.ReLU()):add(nn.SpatialMaxPooling(2, 2))
   :add(nn.SpatialConvolution(6, 16, 5, 5)):add(nn.ReLU()):add(nn.SpatialMaxPooling(2, 2))
   :add(nn.View(-1):setNumInputDims(3))
   :add(nn.Linear(400, 120)):add(nn.ReLU())
if opt.dropout > 0 then model:add(nn.Dropout(opt.dropout)) end
model:add(nn.Linear(120, 84)):add(nn.ReLU())
if opt.dropout > 0 then model:add(nn.Dropout(opt.dropout)) end
model:add(nn.Linear(84, 10))
-- The images need no gradient: Torch7's idiom skips the first layer's input-gradient pass
model.modules[1].gradInput = nil
local criterion = nn.CrossEntropyCriterion()
print(model)

------------------------------------------------------------------ evaluation

-- Error rate (%) of the model on data, in batches of 500 in evaluation mode. The argmax
-- buffers are allocated once; the batches are views (narrow), so nothing big is copied.
local maxv, maxi = hm.FloatTensor(), hm.LongTensor()
local function errorRate(data, labels)
   model:evaluate()
   local wrong, n = 0, data:size(1)
   for s = 1, n, 500 do
      local len = math.min(500, n - s + 1)
      hm.max(maxv, maxi, model:forward(data:narrow(1, s, len)), 2)
      wrong = wrong + maxi:view(len):ne(labels:narrow(1, s, len)):sum()
   end
   return 100 * wrong / n
end

------------------------------------------------------------------ training

local params, grads = model:getParameters()
local N = train.size
local bx, by = hm.FloatTensor(B, 1, 28, 28), hm.LongTensor(B)   -- the batch buffers, reused
local x, y = bx, by
local feval = function()
   grads:zero()
   local loss = criterion:forward(model:forward(x), y)
   model:backward(x, criterion:backward(model.output, y))
   return loss, grads
end
local config = { learningRate = opt.lr, momentum = opt.momentum, nesterov = true, dampening = 0,
                 weightDecay = opt.weightDecay }

-- train error is measured on the first 10,000 training digits (all of them with --quick)
local trainEval = train.data:narrow(1, 1, math.min(10000, N))
local trainEvalLabels = train.labels:narrow(1, 1, trainEval:size(1))
local curve = hm.plot.new{ title = 'LeNet-5 on MNIST', xlabel = 'epoch', ylabel = 'error (%)' }
local timer = hm.Timer()
local testErr
for epoch = 1, epochs do
   config.learningRate = opt.lr * opt.lrDecay ^ (epoch - 1)
   model:training()
   local perm = hm.randperm(N)
   local nb = (N + B - 1) // B
   local bar = hm.progress.new(nb, { title = string.format('epoch %d/%d', epoch, epochs) })
   local lossSum = 0
   for i = 1, nb do
      local s = (i - 1) * B + 1
      local len = math.min(B, N - s + 1)
      x = len == B and bx or bx:narrow(1, 1, len)
      y = len == B and by or by:narrow(1, 1, len)
      local idx = perm:narrow(1, s, len)
      hm.indexSelect(x, train.data, 1, idx)
      hm.indexSelect(y, train.labels, 1, idx)
      local _, fx = optim.sgd(feval, params, config)
      lossSum = lossSum + fx[1]
      bar:update(i, { { 'loss', lossSum / i } })
   end
   local trainErr = errorRate(trainEval, trainEvalLabels)
   testErr = errorRate(test.data, test.labels)
   curve:append('train', epoch, trainErr)
   curve:append('test', epoch, testErr)
   print(string.format('epoch %2d  loss %.4f  train error %.2f%%  test error %.2f%%  lr %.4f  (%s)',
      epoch, lossSum / nb, trainErr, testErr, config.learningRate,
      hm.progress.formatTime(timer:time().real)))
end

------------------------------------------------------------------ results

curve:save(opt.plot)
print('learning curve: ' .. opt.plot)
-- The saved network takes raw digits in [0, 1]: a fixed 1x1 convolution in front applies
-- the standardisation the training data went through, (x - mean) / std.
local standardise = nn.SpatialConvolution(1, 1, 1, 1)
standardise.weight:fill(1 / std)
standardise.bias:fill(-mean / std)
model:clearState()
hm.save(opt.save, nn.Sequential():add(standardise):add(model))
print('model: ' .. opt.save)
print(string.format('test error %.2f%% (target <= 1.0%%, LeCun et al. 1998: 0.95%%) after %d epochs in %s',
   testErr, epochs, hm.progress.formatTime(timer:time().real)))

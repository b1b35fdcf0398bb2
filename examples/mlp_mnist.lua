--[[ A 784-800-800-10 ReLU MLP on MNIST with dropout, max-norm and SGD + momentum
(the backprop baseline: Simard et al. 2003 report 1.6% for a 784-800-10 net; Hinton et al.
2012 bring 800-800 nets to about 1.1-1.3% with dropout and max-norm, over many more epochs).

   make data                                     # full MNIST into data/cache (once)
   bin/harmonium examples/mlp_mnist.lua          # 60,000 training digits, 10,000 test digits
   bin/harmonium examples/mlp_mnist.lua --quick  # the bundled 1,000/1,000 sample, seconds

Measured: 1.33% test error after 30 epochs, 3m08s wall (loading included) with --threads 2
on a 2-core machine shared with other jobs (the same 1.33% in an earlier run; 1.36-1.43%
over epochs 19-30).

Recipe: dropout 0.2 on the pixels and 0.5 on the hidden units, incoming weight vectors
clipped to L2 norm 3 after every step, SGD with momentum 0.5 rising to 0.9 over the first 5
epochs (classic, undamped), learning rate decaying geometrically. Writes the model
(hm.load gives it back) and a learning curve (train and test error per epoch) as PNG.
]]

local hm = hm or require 'harmonium'
local nn, optim = hm.nn, hm.optim

------------------------------------------------------------------ options

local cmd = hm.CmdLine()
cmd:text('Train a 784-800-800-10 MLP on MNIST')
cmd:text()
cmd:option('-quick', false, 'a short run on the bundled 1,000-digit sample')
cmd:option('-epochs', 0, 'epochs (default 30, or 5 with -quick)')
cmd:option('-lr', 0.05, 'initial learning rate')
cmd:option('-lrDecay', 0.92, 'learning rate factor per epoch')
cmd:option('-momentum', 0.9, 'final momentum (from 0.5, ramped over the first 5 epochs)')
cmd:option('-batchSize', 0, 'minibatch size (default 100, or 20 with -quick)')
cmd:option('-hidden', 800, 'units in each of the two hidden layers')
cmd:option('-dropout', 0.5, 'dropout on the hidden units (0: none)')
cmd:option('-inputDropout', 0.2, 'dropout on the pixels (0: none)')
cmd:option('-maxNorm', 3, 'L2 bound on each unit\'s incoming weights (0: none)')
cmd:option('-seed', 1, 'random seed')
cmd:option('-threads', 2, 'threads (ours and OpenBLAS\'s)')
cmd:option('-data', '', 'directory holding the MNIST IDX files (default: data/cache/mnist)')
cmd:option('-save', 'mlp_mnist.hm', 'where to save the trained model')
cmd:option('-plot', 'mlp_mnist.png', 'where to write the learning curve')
local opt = cmd:parse(arg or {})
local epochs = opt.epochs > 0 and opt.epochs or (opt.quick and 5 or 30)
local B = opt.batchSize > 0 and opt.batchSize or (opt.quick and 20 or 100)
hm.manualSeed(opt.seed)
hm.setnumthreads(opt.threads)
hm.setblasthreads(opt.threads)

------------------------------------------------------------------ data

local path = opt.data ~= '' and opt.data or nil
local ok, train, test = pcall(function()
   if opt.quick then
      return hm.data.mnist{ split = 'train-sample', path = path },
             hm.data.mnist{ split = 'test-sample', path = path }
   end
   return hm.data.mnist{ split = 'train', path = path }, hm.data.mnist{ split = 'test', path = path }
end)
if not ok then
   io.stderr:write("mlp_mnist: " .. tostring(train) .. "\n(pass --quick for the bundled sample)\n")
   os.exit(1)
end
print(string.format("MNIST: %d training digits, %d test digits", train.size, test.size))

------------------------------------------------------------------ model

local H = opt.hidden
local model = nn.Sequential()
if opt.inputDropout > 0 then model:add(nn.Dropout(opt.inputDropout)) end
model:add(nn.Linear(784, H)):add(nn.ReLU())
if opt.dropout > 0 then model:add(nn.Dropout(opt.dropout)) end
model:add(nn.Linear(H, H)):add(nn.ReLU())
if opt.dropout > 0 then model:add(nn.Dropout(opt.dropout)) end
model:add(nn.Linear(H, 10))
-- The images need no gradient: Torch7's idiom skips the first layer's input-gradient
-- product (not with input dropout, whose backward needs the Linear's gradInput)
if opt.inputDropout == 0 then model.modules[1].gradInput = nil end
local criterion = nn.CrossEntropyCriterion()
local linears = model:findModules('nn.Linear')
print(model)

------------------------------------------------------------------ evaluation

-- Error rate (%) of the model on data, in batches of 1000 with dropout off. The argmax
-- buffers are allocated once; the batches are views (narrow), so nothing big is copied.
local maxv, maxi = hm.FloatTensor(), hm.LongTensor()
local function errorRate(data, labels)
   model:evaluate()
   local wrong, n = 0, data:size(1)
   for s = 1, n, 1000 do
      local len = math.min(1000, n - s + 1)
      hm.max(maxv, maxi, model:forward(data:narrow(1, s, len)), 2)
      wrong = wrong + maxi:view(len):ne(labels:narrow(1, s, len)):sum()
   end
   return 100 * wrong / n
end

------------------------------------------------------------------ training

local params, grads = model:getParameters()
local N = train.size
local bx, by = hm.FloatTensor(B, 784), hm.LongTensor(B)   -- the batch buffers, reused
local x, y = bx, by
local feval = function()
   grads:zero()
   local loss = criterion:forward(model:forward(x), y)
   model:backward(x, criterion:backward(model.output, y))
   return loss, grads
end
local config = { learningRate = opt.lr, momentum = 0.5, dampening = 0 }
local momAt = function(e) return math.min(opt.momentum, 0.5 + (opt.momentum - 0.5) * (e - 1) / 4) end

-- train error is measured on the first 10,000 training digits (all of them with --quick)
local trainEval = train.data:narrow(1, 1, math.min(10000, N))
local trainEvalLabels = train.labels:narrow(1, 1, trainEval:size(1))
local curve = hm.plot.new{ title = 'MLP 784-' .. H .. '-' .. H .. '-10 on MNIST',
                           xlabel = 'epoch', ylabel = 'error (%)' }
local timer = hm.Timer()
local testErr
for epoch = 1, epochs do
   config.learningRate = opt.lr * opt.lrDecay ^ (epoch - 1)
   config.momentum = momAt(epoch)
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
      if opt.maxNorm > 0 then
         for _, l in ipairs(linears) do l:maxNorm(opt.maxNorm) end
      end
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
model:clearState()
hm.save(opt.save, model)
print('model: ' .. opt.save)
print(string.format('test error %.2f%% (target <= 1.6%%) after %d epochs in %s', testErr, epochs,
   hm.progress.formatTime(timer:time().real)))

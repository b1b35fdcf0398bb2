--[[ The DBN-DNN recipe on MNIST (Hinton, Osindero and Teh 2006; Hinton and Salakhutdinov
2006): greedy CD-1 pretraining of a 784-500-500-2000 deep belief net, then backprop
fine-tuning of the network it initialises, with a 10-way softmax on top.

   make data                                        # full MNIST into data/cache (once)
   bin/harmonium examples/dbn_mnist.lua             # 10 pretraining + 30 fine-tuning epochs
   bin/harmonium examples/dbn_mnist.lua --pretrainEpochs 50 --epochs 100   # nearer the papers
   bin/harmonium examples/dbn_mnist.lua --quick     # the bundled 1,000 digits, a minute
   bin/harmonium examples/dbn_mnist.lua --generative   # labels in the top RBM, up-down

With --generative the top RBM also holds 10 softmax label units (Hinton, Osindero and Teh
2006), fine-tuning is the contrastive up-down algorithm and a digit's class is the label of
lowest free energy in the top RBM. Writes <out>/dbn_filters.png (first-layer filters),
<out>/dbn_samples.png (Gibbs sampling in the top RBM, then a down pass; with --generative,
one row per class with the label units clamped), <out>/dbn_curve.png (test error per
fine-tuning epoch) and <out>/dbn_mnist.hm (the DBN, for hm.load). The papers report 1.2%
test error for the fine-tuned net (Hinton and Salakhutdinov 2006, conjugate gradients, 50
pretraining epochs per layer) and 1.25% for the generative DBN with up-down fine-tuning
(Hinton, Osindero and Teh 2006).
]]

local hm = hm or require 'harmonium'
local nn = hm.nn

------------------------------------------------------------------ options

local cmd = hm.CmdLine()
cmd:text('Pretrain a DBN on MNIST, fine-tune it as a classifier, report the test error')
cmd:text()
cmd:option('-quick', false, 'the bundled 1,000-digit sample, a smaller net, fewer epochs')
cmd:option('-generative', false, 'label units in the top RBM, up-down fine-tuning (learning rate -udlr)')
cmd:option('-udlr', 0.01, 'up-down learning rate')
cmd:option('-sizes', '500,500,2000', 'hidden layer sizes')
cmd:option('-pretrainEpochs', 10, 'CD-1 epochs per layer')
cmd:option('-epochs', 30, 'backprop fine-tuning epochs')
cmd:option('-lr', 0.1, 'fine-tuning learning rate (halved every 10 epochs)')
cmd:option('-batch', 100, 'minibatch size')
cmd:option('-seed', 1, 'random seed')
cmd:option('-out', '.', 'output directory')
local opt = cmd:parse(arg or {})
hm.manualSeed(opt.seed)
local sizes = { 784 }
for s in opt.sizes:gmatch("%d+") do sizes[#sizes + 1] = math.tointeger(tonumber(s)) end
local preEpochs, epochs, batch = opt.pretrainEpochs, opt.epochs, opt.batch
if opt.quick then
   batch = math.min(batch, 20)
   sizes = { 784, 200, 200, 500 }
   preEpochs, epochs = math.min(preEpochs, 10), math.min(epochs, 10)
end
os.execute("mkdir -p '" .. opt.out:gsub("'", "'\\''") .. "'")
local function out(name) return opt.out .. "/" .. name end

------------------------------------------------------------------ data

local train, test
if opt.quick then
   train, test = hm.data.mnist{ sample = true }, hm.data.mnist{ split = 'test-sample' }
else
   local ok, err = pcall(function()
      train, test = hm.data.mnist{ split = 'train' }, hm.data.mnist{ split = 'test' }
   end)
   if not ok then
      io.stderr:write("dbn_mnist: full MNIST not found (" .. tostring(err) .. ");\n"
         .. "run `make data` first, or pass --quick for the bundled sample\n")
      os.exit(1)
   end
end
print(string.format("MNIST: %d training digits, %d test digits", train.size, test.size))

------------------------------------------------------------------ greedy pretraining

local spec = { table.unpack(sizes) }
spec.labels = opt.generative and 10 or nil
local dbn = hm.DBN(spec)
print(tostring(dbn))
local timer = hm.Timer()
local valid = math.min(1000, test.size)
dbn:pretrain(train.data, {
   method = 'cd', k = 1, learningRate = 0.1, weightDecay = 2e-4, epochs = preEpochs,
   batchSize = batch,
   momentum = function(e) return e <= 5 and 0.5 or 0.9 end,
   labels = train.labels, validation = test.data:narrow(1, 1, valid),
   validationLabels = test.labels:narrow(1, 1, valid),
})
local preTime = timer:time().real
print(string.format("pretraining: %.1f s", preTime))

------------------------------------------------------------------ fine-tuning

local net = dbn:toMLP(10)
local params, grads = net:getParameters()
local crit = nn.ClassNLLCriterion()
local config = { learningRate = opt.lr, momentum = 0.9, dampening = 0 }

local function testError()
   local wrong = 0
   for bx, by in hm.data.minibatches(test.data, test.labels, 1000) do
      local _, p
      if opt.generative then p = dbn:classify(bx) else _, p = hm.max(net:forward(bx), 2) end
      wrong = wrong + by:size(1) - p:view(-1):eq(by:long()):sum()
   end
   return 100 * wrong / test.size
end

print(string.format("before fine-tuning: test error %.2f%%", testError()))
local curve = hm.plot.new{ title = opt.generative and 'generative DBN on MNIST' or 'DBN-DNN on MNIST',
                           xlabel = 'fine-tuning epoch', ylabel = 'test error (%)' }
local nb = (train.size + batch - 1) // batch
local err
timer:reset()
for epoch = 1, epochs do
   local total = 0
   if opt.generative then
      total = dbn:upDown(train.data, train.labels, { epochs = 1, learningRate = opt.udlr, batchSize = batch,
                                                      verbose = false })[1].reconstructionError
   else
      config.learningRate = opt.lr * 0.5 ^ ((epoch - 1) // 10)
      local bar = hm.progress.new(nb, { title = string.format("fine-tune %d/%d", epoch, epochs) })
      for bx, by, i in hm.data.minibatches(train.data, train.labels, batch, { shuffle = true }) do
         local _, fx = hm.optim.sgd(function()
            grads:zero()
            local o = net:forward(bx)
            local loss = crit:forward(o, by)
            net:backward(bx, crit:backward(o, by))
            return loss, grads
         end, params, config)
         total = total + fx[1] / nb
         bar:update(i, { { "loss", total * nb / i } })
      end
   end
   err = testError()
   curve:append('test', epoch, err)
   print(string.format("epoch %d/%d  %s %.4f  test error %.2f%%", epoch, epochs,
      opt.generative and "up-down reconstruction error" or "training loss", total, err))
end
local fineTime = timer:time().real
curve:save(out("dbn_curve.png"))

assert(hm.image.filters(dbn.rbms[1].weight:narrow(1, 1, 100), { path = out("dbn_filters.png"), nrow = 10, zoom = 2 }))
local steps = opt.quick and 200 or 1000
local pics
if opt.generative then
   pics = dbn:sampleClass(hm.range(0, 99):div(10):floor():add(1):long(), 100, { steps = steps })
else
   pics = dbn:sample(100, { steps = steps })
end
assert(hm.image.save(out("dbn_samples.png"), hm.image.toDisplayTensor{
   input = pics:view(100, 28, 28), nrow = 10, padding = 2, min = 0, max = 1 }))
hm.save(out("dbn_mnist.hm"), dbn)

------------------------------------------------------------------ report

print(string.format("\n%s, %d pretraining epochs per layer (%.0f s), %d fine-tuning epochs (%.0f s)",
   tostring(dbn), preEpochs, preTime, epochs, fineTime))
print(string.format("  test error (this run)                                   %6.2f%%", err))
print("  DBN-DNN, Hinton and Salakhutdinov 2006                     1.20%")
print("  generative DBN + up-down, Hinton, Osindero and Teh 2006     1.25%")
print("pictures: " .. out("dbn_filters.png") .. ", " .. out("dbn_samples.png") .. ", " .. out("dbn_curve.png"))

--[[ A 784-500 Bernoulli RBM trained with CD-1 on MNIST (Hinton 2002; Hinton's practical
guide): filters, samples and the saved model.

   make data                                     # full MNIST into data/cache (once)
   bin/harmonium examples/rbm_mnist.lua          # 1 epoch on the 60,000 training digits
   bin/harmonium examples/rbm_mnist.lua --quick  # the bundled 1,000-digit sample, 10 epochs

Writes <out>/filters.png (the first 100 filters, each scaled on its own: stroke and blob
detectors after one epoch), <out>/samples.png (100 Gibbs chains started from test digits)
and <out>/rbm_mnist.hm (hm.load gives the model back).
]]

local hm = hm or require 'harmonium'

------------------------------------------------------------------ options

local cmd = hm.CmdLine()
cmd:text('Train a Bernoulli RBM on MNIST with CD-1')
cmd:text()
cmd:option('-quick', false, 'train on the bundled 1,000-digit sample (10 epochs unless -epochs)')
cmd:option('-epochs', 0, 'epochs (default 1, or 10 with -quick)')
cmd:option('-hidden', 500, 'hidden units')
cmd:option('-lr', 0.1, 'learning rate')
cmd:option('-momentum', 0.5, 'momentum (0.9 after epoch 5)')
cmd:option('-weightDecay', 2e-4, 'L2 weight cost')
cmd:option('-batch', 100, 'minibatch size')
cmd:option('-steps', 1000, 'Gibbs steps for the samples (100 with -quick)')
cmd:option('-seed', 1, 'random seed')
cmd:option('-out', '.', 'output directory')
local opt = cmd:parse(arg or {})
hm.manualSeed(opt.seed)
local epochs = opt.epochs > 0 and opt.epochs or (opt.quick and 10 or 1)
local steps = opt.quick and math.min(opt.steps, 100) or opt.steps

------------------------------------------------------------------ data

local train, test
if opt.quick then
   train = hm.data.mnist{ sample = true }
   test = hm.data.mnist{ split = 'test-sample' }
else
   local ok, err = pcall(function()
      train = hm.data.mnist{ split = 'train' }
      test = hm.data.mnist{ split = 'test' }
   end)
   if not ok then
      io.stderr:write("rbm_mnist: full MNIST not found (" .. tostring(err) .. ");\n"
         .. "run `make data` first, or pass --quick for the bundled sample\n")
      os.exit(1)
   end
end
-- grey levels in [0, 1] are used as probabilities (Hinton's code does the same)
local data, valid = train.data, test.data:narrow(1, 1, math.min(1000, test.data:size(1)))
print(string.format("MNIST: %d training digits, %d held out", data:size(1), valid:size(1)))

------------------------------------------------------------------ model and training

local rbm = hm.RBM{ visible = 784, hidden = opt.hidden }
rbm:initVisibleBias(data)
print(tostring(rbm))
local timer = hm.Timer()
local stats = hm.rbm.train(rbm, data, {
   method = 'cd', k = 1, learningRate = opt.lr, batchSize = opt.batch, epochs = epochs,
   momentum = function(e) return e <= 5 and opt.momentum or 0.9 end,
   weightDecay = opt.weightDecay, validation = valid,
})
print(string.format("trained %d epoch(s) in %.1f s", epochs, timer:time().real))
for _, st in ipairs(stats) do
   print(string.format("  epoch %2d  reconstruction error %.3f  free-energy gap %+.3f  (%.2f s)",
      st.epoch, st.reconstructionError, st.freeEnergyGap, st.time))
end

------------------------------------------------------------------ pictures and model

os.execute("mkdir -p '" .. opt.out:gsub("'", "'\\''") .. "'")
local filtersPath = opt.out .. "/filters.png"
local nf = math.min(100, opt.hidden)
assert(hm.image.filters(rbm.weight:narrow(1, 1, nf), { path = filtersPath, nrow = 10, zoom = 2 }))
print("filters: " .. filtersPath)

local init = valid:narrow(1, 1, math.min(100, valid:size(1)))
local prob = rbm:sample(init:size(1), { steps = steps, init = init })
local grid = hm.image.toDisplayTensor{ input = prob:view(prob:size(1), 28, 28), nrow = 10, padding = 2,
                                       min = 0, max = 1 }
local samplesPath = opt.out .. "/samples.png"
assert(hm.image.save(samplesPath, grid))
print(string.format("samples: %s (%d Gibbs steps from test digits)", samplesPath, steps))

local modelPath = opt.out .. "/rbm_mnist.hm"
hm.save(modelPath, rbm)
print("model: " .. modelPath)

--[[ A deep autoencoder on MNIST (Hinton and Salakhutdinov 2006): 784-1000-500-250-30,
pretrained as a stack of RBMs (linear code units at the top) or of denoising autoencoders,
unrolled into encoder and decoder, fine-tuned by backprop on the cross-entropy, and
compared with 30-dimensional PCA by the squared reconstruction error per test image.

   bin/harmonium examples/autoencoder_mnist.lua                 # RBM pretraining, full MNIST
   bin/harmonium examples/autoencoder_mnist.lua --method dae    # stacked denoising autoencoders
   bin/harmonium examples/autoencoder_mnist.lua --quick         # bundled sample, 784-250-30

Writes <out>/ae_reconstructions.png: test digits (rows 1, 4, ...), the autoencoder's
reconstructions (rows 2, 5, ...) and PCA's (rows 3, 6, ...). Hinton and Salakhutdinov
report an average squared error of 3.00 per test image for this autoencoder against 13.87
for PCA (Science 313, Fig. 2); the PCA line below is computed here as the yardstick.
]]

local hm = hm or require 'harmonium'
local A = hm.autoencoder

------------------------------------------------------------------ options

local cmd = hm.CmdLine()
cmd:text('Deep autoencoder on MNIST: pretraining, unrolling, fine-tuning, PCA comparison')
cmd:text()
cmd:option('-quick', false, 'the bundled 1,000-digit sample and a 784-250-30 net')
cmd:option('-method', 'rbm', "pretraining: 'rbm' (a DBN) or 'dae' (stacked denoising autoencoders)")
cmd:option('-sizes', '1000,500,250,30', 'encoder layer sizes above the 784 pixels')
cmd:option('-pretrainEpochs', 10, 'pretraining epochs per layer')
cmd:option('-epochs', 20, 'fine-tuning epochs')
cmd:option('-lr', 0.01, 'fine-tuning learning rate (momentum 0.9, loss summed over pixels)')
cmd:option('-batch', 100, 'minibatch size')
cmd:option('-seed', 1, 'random seed')
cmd:option('-out', '.', 'output directory')
local opt = cmd:parse(arg or {})
hm.manualSeed(opt.seed)
local sizes = { 784 }
for s in opt.sizes:gmatch("%d+") do sizes[#sizes + 1] = math.tointeger(tonumber(s)) end
local preEpochs, epochs, batch = opt.pretrainEpochs, opt.epochs, opt.batch
if opt.quick then
   sizes, batch = { 784, 250, 30 }, math.min(batch, 20)
   preEpochs, epochs = math.min(preEpochs, 10), math.min(epochs, 10)
end
assert(opt.method == 'rbm' or opt.method == 'dae', "--method must be 'rbm' or 'dae'")
os.execute("mkdir -p '" .. opt.out:gsub("'", "'\\''") .. "'")

------------------------------------------------------------------ data

local train, test
if opt.quick then
   train, test = hm.data.mnist{ sample = true }, hm.data.mnist{ split = 'test-sample' }
else
   local ok, err = pcall(function()
      train, test = hm.data.mnist{ split = 'train' }, hm.data.mnist{ split = 'test' }
   end)
   if not ok then
      io.stderr:write("autoencoder_mnist: full MNIST not found (" .. tostring(err) .. ");\n"
         .. "run `make data` first, or pass --quick for the bundled sample\n")
      os.exit(1)
   end
end
print(string.format("MNIST: %d training digits, %d test digits", train.size, test.size))

------------------------------------------------------------------ pretraining and unrolling

local timer = hm.Timer()
local net
if opt.method == 'rbm' then
   -- logistic units everywhere but the code layer, which is linear (Gaussian hiddens) and
   -- learns with a smaller rate, as in Hinton and Salakhutdinov's code
   local htypes = {}
   for i = 1, #sizes - 1 do htypes[i] = i == #sizes - 1 and 'gaussian' or 'bernoulli' end
   local spec = { table.unpack(sizes) }
   spec.hiddenType = htypes
   local dbn = hm.DBN(spec)
   print(tostring(dbn))
   dbn:pretrain(train.data, {
      learningRate = 0.1, weightDecay = 2e-4, epochs = preEpochs, batchSize = batch,
      momentum = function(e) return e <= 5 and 0.5 or 0.9 end,
      layers = { [#sizes - 1] = { learningRate = 0.001 } },
   })
   net = dbn:toAutoencoder()
else
   local _, aes = A.stack(sizes, train.data, {
      noise = 'mask', corruption = 0.2, epochs = preEpochs, batchSize = batch, learningRate = 0.05,
      layers = { [#sizes - 1] = { noise = 'none' } },
   })
   net = A.unroll(aes)
end
local preTime = timer:time().real
print(string.format("pretraining (%s): %.1f s; test squared error per image before fine-tuning %.2f",
   opt.method, preTime, A.reconstructionError(net, test.data)))

------------------------------------------------------------------ fine-tuning

timer:reset()
local stats = A.train(net, train.data, {
   epochs = epochs, batchSize = batch, learningRate = opt.lr, momentum = 0.9,
   validation = test.data,
})
local fineTime = timer:time().real
local aeErr = A.reconstructionError(net, test.data)

------------------------------------------------------------------ PCA with as many components

local k = sizes[#sizes]
local mean = hm.mean(train.data, 1)
local Xc = hm.add(train.data, -1, mean:expand(train.size, 784)):double()
local _, V = hm.symeig(hm.mm(Xc:t(), Xc), 'V')
local P = V:narrow(2, 784 - k + 1, k):contiguous():float()     -- the top k eigenvectors
local function pca(x)
   local c = hm.add(x, -1, mean:expand(x:size(1), 784))
   return hm.mm(hm.mm(c, P), P:t()):add(mean:expand(x:size(1), 784))
end
local d = hm.add(pca(test.data), -1, test.data)
local pcaErr = d:dot(d) / test.size

------------------------------------------------------------------ pictures and report

local n = 30
local x = test.data:narrow(1, 1, n)
net:evaluate()
local rows = hm.FloatTensor(3 * n, 28, 28)
local rec, prec = net:forward(x), pca(x)
for i = 0, 2 do
   for r = 1, n // 10 do
      rows:narrow(1, ((r - 1) * 3 + i) * 10 + 1, 10):copy((({ x, rec, prec })[i + 1]):narrow(1, (r - 1) * 10 + 1, 10))
   end
end
local path = opt.out .. "/ae_reconstructions.png"
assert(hm.image.save(path, hm.image.toDisplayTensor{ input = rows, nrow = 10, padding = 2, min = 0, max = 1 }))

print(string.format("\n%s autoencoder 784-%s, %d pretraining epochs per layer (%.0f s), %d fine-tuning epochs (%.0f s)",
   opt.method == 'rbm' and "RBM-pretrained" or "DAE-pretrained", table.concat(sizes, "-", 2), preEpochs, preTime,
   #stats, fineTime))
print("average squared error per test image:")
print(string.format("  this autoencoder                         %6.2f", aeErr))
print(string.format("  PCA, %d components (computed here)        %6.2f", k, pcaErr))
print("  Hinton & Salakhutdinov 2006: autoencoder 3.00, PCA 13.87 (784-1000-500-250-30)")
print("reconstructions: " .. path)

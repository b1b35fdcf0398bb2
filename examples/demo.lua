--[[ make demo: the main job in a minute. Real MNIST in, pictures out.

   bin/harmonium examples/demo.lua [--out out/demo] [--quick]

1. loads MNIST (the full 60,000 digits after `make data`, else the bundled 1,000),
2. writes a grid of 100 digits and of their ZCA-whitened versions,
3. trains a 784-500 Bernoulli RBM with CD-1 for one epoch (Hinton 2002) and writes its
   learned filters and samples from it,
4. reports the exact log-likelihood of a small 784-15 RBM beside its AIS estimate.
Everything is written to --out as PNG; open the pictures.
]]

local hm = hm or require 'harmonium'

local cmd = hm.CmdLine()
cmd:text('Harmonium demo: MNIST digits, ZCA whitening, RBM filters and samples')
cmd:option('-out', 'out/demo', 'output directory')
cmd:option('-quick', false, 'use the bundled 1,000-digit sample even if full MNIST is there')
cmd:option('-seed', 1, 'random seed')
local opt = cmd:parse(arg or {})
hm.manualSeed(opt.seed)
os.execute("mkdir -p '" .. opt.out:gsub("'", "'\\''") .. "'")
local function out(name) return opt.out .. "/" .. name end
local function section(s) print("\n== " .. s) end

------------------------------------------------------------------ data

section("MNIST")
local timer = hm.Timer()
local ok, train = pcall(hm.data.mnist, { split = 'train' })
if opt.quick or not ok then
   if not opt.quick then print("full MNIST not found (run `make data`); using the bundled sample") end
   train = hm.data.mnist{ sample = true }
end
print(string.format("%d digits loaded in %.3f s (%s)", train.size, timer:time().real,
   train.size == 60000 and "full training set" or "bundled sample"))
local X = train.data                                -- N x 784 in [0, 1]

local first = X:narrow(1, 1, 100)
hm.image.save(out("digits.png"), hm.image.toDisplayTensor{
   input = first:view(100, 28, 28), nrow = 10, padding = 2, min = 0, max = 1 })
print("100 digits: " .. out("digits.png"))

------------------------------------------------------------------ ZCA

section("ZCA whitening")
timer:reset()
local fitN = math.min(10000, X:size(1))
local zca = hm.preprocess.ZCA(X:narrow(1, 1, fitN):double(), { epsilon = 0.1 })
local white = zca:transform(first:double())
print(string.format("fitted on %d digits in %.2f s; eigenvalues from %.2e to %.2e", fitN,
   timer:time().real, zca.eigenvalues:min(), zca.eigenvalues:max()))
hm.image.save(out("digits_zca.png"), hm.image.toDisplayTensor{
   input = white:view(100, 28, 28), nrow = 10, padding = 2, scaleeach = true })
print("whitened digits (edges stand out): " .. out("digits_zca.png"))

------------------------------------------------------------------ RBM

section("RBM 784-500, CD-1, one epoch")
local rbm = hm.RBM{ visible = 784, hidden = 500 }
rbm:initVisibleBias(X)
timer:reset()
local stats = hm.rbm.train(rbm, X, { method = 'cd', k = 1, learningRate = 0.1, momentum = 0.5,
   weightDecay = 2e-4, batchSize = 100, epochs = train.size >= 60000 and 1 or 10 })
local last = stats[#stats]
print(string.format("%d epoch(s) in %.1f s, reconstruction error %.2f per digit", #stats,
   timer:time().real, last.reconstructionError))
hm.image.filters(rbm.weight:narrow(1, 1, 100), { path = out("rbm_filters.png"), nrow = 10, zoom = 2 })
print("learned filters: " .. out("rbm_filters.png"))
local samples = rbm:sample(100, { steps = 200, init = first })
hm.image.save(out("rbm_samples.png"), hm.image.toDisplayTensor{
   input = samples:view(100, 28, 28), nrow = 10, padding = 2, min = 0, max = 1 })
print("samples after 200 Gibbs steps: " .. out("rbm_samples.png"))

------------------------------------------------------------------ likelihood

section("log-likelihood of a 784-15 RBM: exact sum vs AIS")
local small = hm.RBM{ visible = 784, hidden = 15 }
small:initVisibleBias(X)
local sub = X:narrow(1, 1, math.min(10000, X:size(1)))
hm.rbm.train(small, sub, { method = "cd", k = 1, learningRate = 0.05, batchSize = 100, epochs = 2, progress = false,
   momentum = 0.5 })
local exact = small:exactLogPartition()
local est, se = hm.rbm.ais(small, { runs = 100, betas = 2000, data = sub })
local ll = small:logLikelihood(sub, exact)
print(string.format("log Z exact %.3f, AIS %.3f +/- %.3f; mean log p(v) = %.2f nats", exact, est, se, ll))

print("\ndemo done: pictures in " .. opt.out .. "/")

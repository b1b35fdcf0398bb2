-- hm.DBN: construction, greedy pretraining, the exported networks against the RBMs' own
-- conditionals, generation, the labelled top RBM and up-down, save/load, errors, and the
-- acceptance check (a pretrained DBN-DNN beats the same MLP from random initialisation).
local hm = require 'harmonium'
local nn = hm.nn

-- N random binary rows of width n (double unless type given)
local function bits(N, n, T)
   return hm.DoubleTensor(N, n):bernoulli(0.3):type(T or 'hm.DoubleTensor')
end

local function quiet(t) t = t or {}; t.verbose = false; t.progress = false; return t end

-- Full MNIST's first 10,000 training digits and the test set when data/cache/mnist holds
-- them, else nil.
local function fullMNIST()
   local ok, train = pcall(hm.data.mnist, { split = 'train' })
   if not ok then return nil end
   local test = hm.data.mnist{ split = 'test' }
   return { x = train.data:narrow(1, 1, 10000), y = train.labels:narrow(1, 1, 10000),
            tx = test.data, ty = test.labels }
end
local FULL = fullMNIST()

-- Test error of net after `epochs` of SGD with momentum 0.9 on (x, y).
local function finetune(net, x, y, tx, ty, epochs, batch)
   local params, grads = net:getParameters()
   local crit = nn.ClassNLLCriterion()
   local cfg = { learningRate = 0.1, momentum = 0.9, dampening = 0 }
   for _ = 1, epochs do
      for bx, by in hm.data.minibatches(x, y, batch, { shuffle = true }) do
         hm.optim.sgd(function()
            grads:zero()
            local out = net:forward(bx)
            local loss = crit:forward(out, by)
            net:backward(bx, crit:backward(out, by))
            return loss, grads
         end, params, cfg)
      end
   end
   local _, p = hm.max(net:forward(tx), 2)
   return 1 - p:view(-1):eq(ty:long()):sum() / ty:nElement()
end

-- DBN-DNN against the same MLP from random initialisation, both fine-tuned identically.
local function compare(d, hidden, pretrain, epochs, batch)
   hm.manualSeed(11)
   local dbn = hm.DBN{ 784, hidden, hidden }
   dbn:pretrain(d.x, quiet(pretrain))
   hm.manualSeed(12)
   local e1 = finetune(dbn:toMLP(10), d.x, d.y, d.tx, d.ty, epochs, batch)
   hm.manualSeed(12)
   local mlp = nn.Sequential():add(nn.Linear(784, hidden)):add(nn.Sigmoid())
      :add(nn.Linear(hidden, hidden)):add(nn.Sigmoid()):add(nn.Linear(hidden, 10)):add(nn.LogSoftMax())
   local e2 = finetune(mlp, d.x, d.y, d.tx, d.ty, epochs, batch)
   return e1, e2
end

describe("hm.DBN", function()
   before_each(function() hm.manualSeed(HM_SPEC_SEED or 1234) end)

   describe("construction", function()
      it("stacks one RBM per pair of layers", function()
         local dbn = hm.DBN{ 784, 500, 500, 2000 }
         assert.are.equal(3, #dbn.rbms)
         for i, r in ipairs(dbn.rbms) do
            assert.are.same({ dbn.sizes[i + 1], dbn.sizes[i] }, r.weight:size():totable())
         end
         assert.are.equal("hm.DBN(784-500-500-2000)", tostring(dbn))
      end)

      it("joins label units to the penultimate layer in the top RBM", function()
         local dbn = hm.DBN{ 20, 10, 8, labels = 4 }
         local top = dbn.rbms[2]
         assert.is_true(hm.isTypeOf(top, 'hm.LabelRBM'))
         assert.are.equal(14, top.visible)
         assert.are.same({ 8, 14 }, top.weight:size():totable())
      end)

      it("gives a Gaussian hidden layer's upper RBM Gaussian visibles", function()
         local dbn = hm.DBN{ 10, 6, 4, 2, hiddenType = { 'bernoulli', 'gaussian', 'gaussian' } }
         assert.are.equal('gaussian', dbn.rbms[2].hiddenType)
         assert.are.equal('gaussian', dbn.rbms[3].visibleType)
         assert.are.equal('bernoulli', dbn.rbms[2].visibleType)
      end)

      it("rejects bad sizes and options", function()
         assert.error_matches(function() hm.DBN{ 784 } end, "at least two layer sizes")
         assert.error_matches(function() hm.DBN{ 784, 0 } end, "layer size 2 must be a positive integer")
         assert.error_matches(function() hm.DBN{ 4, 3, labels = 1 } end, "labels must be an integer >= 2")
         assert.error_matches(function() hm.DBN(7) end, "table of layer sizes expected")
         assert.error_matches(function() hm.DBN{ 4, 3, hiddenType = 'spiky' } end, "layer 1: hiddenType")
      end)
   end)

   describe("pretrain", function()
      it("trains every layer on tiny data with per-layer options", function()
         local dbn = hm.DBN{ 12, 8, 6, 4, type = 'hm.DoubleTensor' }
         local before = {}
         for i, r in ipairs(dbn.rbms) do before[i] = r.weight:clone() end
         local stats = dbn:pretrain(bits(40, 12), quiet{ epochs = 2, batchSize = 10,
            layers = { [2] = { epochs = 3, learningRate = 0.05, propagate = 'sample' }, [3] = { k = 2, method = 'pcd' } } })
         assert.are.same({ 2, 3, 2 }, { #stats[1], #stats[2], #stats[3] })
         assert.are.equal(0.05, stats[2][1].learningRate)
         for i, r in ipairs(dbn.rbms) do
            assert.are.same({ dbn.sizes[i + 1], dbn.sizes[i] }, r.weight:size():totable())
            assert.is_true((r.weight - before[i]):abs():max() > 0)
         end
      end)

      it("starts the bottom visible biases at the data's log-odds", function()
         local dbn = hm.DBN{ 6, 3, type = 'hm.DoubleTensor' }
         local x = bits(50, 6)
         dbn:pretrain(x, quiet{ epochs = 0 })
         local p = hm.mean(x, 1):view(6):clamp(1e-3, 1 - 1e-3)
         assert.tensor_near(hm.log(p):add(-1, hm.log(hm.mul(p, -1):add(1))), dbn.rbms[1].visibleBias, 1e-12)
      end)

      it("propagates validation data and labels to the top", function()
         local dbn = hm.DBN{ 12, 8, 6, labels = 3 }
         local y = hm.LongTensor(30):random(1, 3)
         local stats = dbn:pretrain(bits(30, 12, 'hm.FloatTensor'), quiet{ labels = y, epochs = 1, batchSize = 10,
            validation = bits(10, 12, 'hm.FloatTensor'), validationLabels = y:narrow(1, 1, 10) })
         assert.is_number(stats[1][1].freeEnergyGap)
         assert.is_number(stats[2][1].freeEnergyGap)
      end)

      it("raises clear errors for bad inputs and hyperparameters", function()
         local dbn = hm.DBN{ 6, 4, 3 }
         assert.error_matches(function() dbn:pretrain(hm.FloatTensor(5, 7):zero()) end, "data must be N x 6")
         assert.error_matches(function() dbn:pretrain(hm.FloatTensor(5, 6):fill(2), quiet()) end,
            "layer 1: .*outside %[0, 1%]")
         assert.error_matches(function() dbn:pretrain(bits(5, 6), quiet{ learningRate = -1 }) end,
            "layer 1: .*learningRate must be a positive number")
         assert.error_matches(function() dbn:pretrain(bits(5, 6), quiet{ propagate = 'guess' }) end,
            "propagate must be 'mean' or 'sample'")
         local nan = bits(5, 6); nan[1][1] = 0 / 0
         assert.error_matches(function() dbn:pretrain(nan, quiet()) end, "contains NaN")
         local lab = hm.DBN{ 6, 4, 3, labels = 2 }
         assert.error_matches(function() lab:pretrain(bits(5, 6), quiet()) end, "opts.labels")
         assert.error_matches(function() lab:pretrain(bits(5, 6), quiet{ labels = hm.LongTensor{ 1, 2, 3, 1, 2 } }) end,
            "labels must be in 1..2")
      end)
   end)

   describe("exported networks", function()
      local function trained(opts)
         local dbn = hm.DBN(opts)
         for _, r in ipairs(dbn.rbms) do
            r.weight:normal(0, 0.5); r.hiddenBias:normal(0, 0.5); r.visibleBias:normal(0, 0.5)
         end
         return dbn
      end

      it("toMLP's Linear+Sigmoid layers reproduce the RBMs' hidden probabilities", function()
         local dbn = trained{ 10, 7, 5, 3, type = 'hm.DoubleTensor' }
         local mlp = dbn:toMLP(4)
         assert.are.equal(8, #mlp.modules)
         assert.are.equal('nn.LogSoftMax', hm.type(mlp.modules[8]))
         local x = bits(6, 10)
         local h = x
         for i, r in ipairs(dbn.rbms) do
            h = r:hiddenProb(h)
            local sub = nn.Sequential()
            for j = 1, 2 * i do sub:add(mlp.modules[j]) end
            assert.tensor_near(h, sub:forward(x), 1e-12)
         end
         local out = mlp:forward(x)
         assert.tensor_near(hm.DoubleTensor(6):fill(1), hm.exp(out):sum(2):view(6), 1e-12)
      end)

      it("toMLP handles Gaussian visibles and hiddens and drops label units", function()
         local dbn = trained{ 5, 4, 3, visibleType = 'gaussian', sigma = 0.5, hiddenType = { 'bernoulli', 'gaussian' },
                              type = 'hm.DoubleTensor' }
         local x = hm.DoubleTensor(3, 5):normal()
         local mlp = dbn:toMLP()
         assert.tensor_near(dbn.rbms[2]:hiddenProb(dbn.rbms[1]:hiddenProb(x)), mlp:forward(x), 1e-12)
         local lab = trained{ 6, 4, 3, labels = 2, type = 'hm.DoubleTensor' }
         local m2 = lab:toMLP()
         local xb = bits(3, 6)
         assert.are.same({ 3, 4 }, m2.modules[3].weight:size():totable())
         local h = lab.rbms[1]:hiddenProb(xb)
         local top = lab.rbms[2]
         local expect = hm.addmm(top.hiddenBias:view(1, 3):expand(3, 3), h, top.weight:narrow(2, 1, 4):t()):sigmoid()
         assert.tensor_near(expect, m2:forward(xb), 1e-12)
      end)

      it("toAutoencoder's reconstruction is the up-down mean-field pass", function()
         local dbn = trained{ 10, 7, 5, 3, type = 'hm.DoubleTensor' }
         local net, enc, dec = dbn:toAutoencoder()
         local x = bits(4, 10)
         local h = x
         for _, r in ipairs(dbn.rbms) do h = r:hiddenProb(h) end
         assert.tensor_near(h, enc:forward(x), 1e-12)
         for i = 3, 1, -1 do h = dbn.rbms[i]:visibleProb(h) end
         assert.tensor_near(h, net:forward(x), 1e-12)
         assert.are.same({ 10, 7 }, dec.modules[#dec.modules - 1].weight:size():totable())
         local g = trained{ 4, 3, visibleType = 'gaussian', sigma = 2, type = 'hm.DoubleTensor' }
         local gx = hm.DoubleTensor(2, 4):normal()
         assert.tensor_near(g.rbms[1]:visibleProb(g.rbms[1]:hiddenProb(gx)), g:toAutoencoder():forward(gx), 1e-12)
         assert.error_matches(function() hm.DBN{ 4, 3, 2, labels = 2 }:toAutoencoder() end, "not for a DBN with label units")
      end)

      it("toMLP and toAutoencoder train with backprop", function()
         local dbn = hm.DBN{ 8, 6, 4 }
         local x = bits(20, 8, 'hm.FloatTensor')
         dbn:pretrain(x, quiet{ epochs = 2, batchSize = 5 })
         local net = dbn:toAutoencoder()
         local before = hm.autoencoder.reconstructionError(net, x)
         hm.autoencoder.train(net, x, quiet{ epochs = 30, batchSize = 5, learningRate = 0.05 })
         assert.is_true(hm.autoencoder.reconstructionError(net, x) < before)
      end)
   end)

   describe("generation", function()
      it("samples images by Gibbs sampling in the top RBM and a down pass", function()
         local dbn = hm.DBN{ 12, 8, 6 }
         dbn:pretrain(bits(30, 12, 'hm.FloatTensor'), quiet{ epochs = 1, batchSize = 10 })
         local v, labels = dbn:sample(5, { steps = 10 })
         assert.are.same({ 5, 12 }, v:size():totable())
         assert.is_nil(labels)
         assert.is_true(v:min() >= 0 and v:max() <= 1)
         local v2 = dbn:sample(3, { steps = 2, init = bits(3, 12, 'hm.FloatTensor'), meanField = true })
         assert.are.same({ 3, 12 }, v2:size():totable())
         assert.error_matches(function() dbn:sample(0) end, "n must be a positive integer")
         assert.error_matches(function() dbn:sample(2, { steps = 0 }) end, "steps must be a positive integer")
         assert.error_matches(function() dbn:sampleClass(1, 2) end, "needs a DBN with label units")
         assert.error_matches(function() dbn:classify(bits(2, 12)) end, "needs a DBN with label units")
      end)

      it("repeats a chain exactly with the same generator seed", function()
         local dbn = hm.DBN{ 12, 8, 6 }
         local a = dbn:sample(2, { steps = 5, generator = hm.Generator(7) })
         local b = dbn:sample(2, { steps = 5, generator = hm.Generator(7) })
         assert.tensor_near(a, b, 0)
      end)
   end)

   describe("with label units", function()
      local sample = hm.data.mnist{ sample = true }
      local x, y = sample.data, sample.labels

      it("learns labels, improves or keeps them by up-down, and generates each class", function()
         hm.manualSeed(3)
         local dbn = hm.DBN{ 784, 100, 100, labels = 10 }
         dbn:pretrain(x, quiet{ labels = y, epochs = 8, batchSize = 20, momentum = 0.5 })
         local acc = dbn:classify(x):eq(y:long()):sum() / x:size(1)
         assert.is_true(acc > 0.5, "training accuracy " .. acc)
         local w1 = dbn.rbms[1].weight:clone()
         local stats = dbn:upDown(x, y, quiet{ epochs = 2, batchSize = 20, learningRate = 0.01 })
         assert.are.equal(2, #stats)
         assert.is_table(dbn.generative)
         assert.is_true((dbn.generative[1].weight - dbn.rbms[1].weight):abs():max() > 0)
         assert.is_true((w1 - dbn.rbms[1].weight):abs():max() > 0)
         local acc2 = dbn:classify(x):eq(y:long()):sum() / x:size(1)
         assert.is_true(acc2 > acc - 0.1, string.format("accuracy %g after up-down, %g before", acc2, acc))
         local img = dbn:sampleClass(3, 4, { steps = 20 })
         assert.are.same({ 4, 784 }, img:size():totable())
         local imgs, labels = dbn:sample(4, { steps = 5 })
         assert.are.same({ 4, 784 }, imgs:size():totable())
         assert.is_true(labels:min() >= 1 and labels:max() <= 10)
         local byTensor = dbn:sampleClass(hm.LongTensor{ 1, 2 }, 2, { steps = 2 })
         assert.are.same({ 2, 784 }, byTensor:size():totable())
         assert.error_matches(function() dbn:sampleClass(11, 2) end, "labels must be in 1..10")
         assert.error_matches(function() dbn:upDown(x, y, quiet{ learningRate = 0 }) end, "learningRate must be a positive")
         assert.error_matches(function() dbn:upDown(x) end, "labels required")
         assert.error_matches(function() dbn:upDown(x, y:narrow(1, 1, 10)) end, "10 labels for 1000 samples")
      end)

      it("runs up-down without labels on an unlabelled DBN", function()
         local dbn = hm.DBN{ 12, 8, 6 }
         local st = dbn:upDown(bits(20, 12, 'hm.FloatTensor'), quiet{ epochs = 1, batchSize = 5, k = 2 })
         assert.is_number(st[1].reconstructionError)
         assert.error_matches(function() dbn:upDown(bits(4, 12), hm.LongTensor{ 1, 1, 1, 1 }) end, "has no label units")
         assert.error_matches(function() hm.DBN{ 4, 3 }:upDown(bits(4, 4)) end, "at least two RBMs")
      end)
   end)

   it("saves and loads with hm.save", function()
      local dbn = hm.DBN{ 12, 8, 6, 4, labels = 3 }
      local x = bits(9, 12, 'hm.FloatTensor')
      dbn:upDown(x, hm.LongTensor(9):random(1, 3), quiet{ epochs = 1, batchSize = 3 })
      local path = os.tmpname()
      hm.save(path, dbn)
      local back = hm.load(path)
      os.remove(path)
      assert.are.equal(tostring(dbn), tostring(back))
      local _, F1 = dbn:classify(x)
      local _, F2 = back:classify(x)
      assert.tensor_near(F1, F2, 0)
      assert.tensor_near(dbn.generative[1].weight, back.generative[1].weight, 0)
      assert.tensor_near(dbn:toMLP():forward(x), back:toMLP():forward(x), 0)
   end)

   describe("acceptance: a pretrained DBN-DNN beats the same MLP from random initialisation", function()
      it("on the bundled 1,000-digit sample (784-200-200, 10 epochs of pretraining, 5 of fine-tuning)", function()
         local tr, te = hm.data.mnist{ sample = true }, hm.data.mnist{ split = 'test-sample' }
         local d = { x = tr.data, y = tr.labels, tx = te.data, ty = te.labels }
         local e1, e2 = compare(d, 200, { epochs = 10, batchSize = 20, momentum = 0.5 }, 5, 50)
         assert.is_true(e1 < e2 - 0.05, string.format("DBN-DNN test error %.3f, random init %.3f", e1, e2))
      end)

      local name = FULL and "on the first 10,000 digits of full MNIST (784-500-500, 2 epochs of pretraining, 3 of fine-tuning)"
         or "on the bundled sample (full MNIST not in data/cache/mnist; 784-500-500)"
      it(name, function()
         local d = FULL
         if not d then
            local tr, te = hm.data.mnist{ sample = true }, hm.data.mnist{ split = 'test-sample' }
            d = { x = tr.data, y = tr.labels, tx = te.data, ty = te.labels }
         end
         local e1, e2 = compare(d, 500, { epochs = FULL and 2 or 10, batchSize = FULL and 100 or 20, momentum = 0.5 },
            FULL and 3 or 5, FULL and 100 or 50)
         assert.is_true(e1 < e2 - 0.02, string.format("DBN-DNN test error %.4f, random init %.4f", e1, e2))
      end)
   end)
end)

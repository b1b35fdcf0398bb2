-- hm.autoencoder: the AutoEncoder module against hand computation, gradient checks through
-- hm.nn.Jacobian (untied and tied, both decoders, masking noise), noise only in training,
-- denoising on held-out MNIST digits, greedy stacking and unrolling, save/load, errors.
local hm = require 'harmonium'
local A = hm.autoencoder
local J = hm.nn.Jacobian

local function quiet(t) t = t or {}; t.verbose = false; t.progress = false; return t end

local function sigmoid(x) return 1 / (1 + math.exp(-x)) end

describe("hm.autoencoder", function()
   before_each(function() hm.manualSeed(HM_SPEC_SEED or 1234) end)

   describe("hm.AutoEncoder", function()
      it("computes sigmoid codes and reconstructions by hand", function()
         local ae = A.new{ input = 3, hidden = 2, type = 'hm.DoubleTensor' }
         ae.weight:copy(hm.DoubleTensor{ { 0.5, -1, 2 }, { 1, 0.25, -0.5 } })
         ae.bias:copy(hm.DoubleTensor{ 0.1, -0.2 })
         ae.decoderWeight:copy(hm.DoubleTensor{ { 1, 0 }, { -1, 2 }, { 0.5, 0.5 } })
         ae.decoderBias:copy(hm.DoubleTensor{ 0, 0.1, -0.1 })
         local x = hm.DoubleTensor{ 1, 0, 1 }
         local c1, c2 = sigmoid(0.5 + 2 + 0.1), sigmoid(1 - 0.5 - 0.2)
         local expect = hm.DoubleTensor{ sigmoid(c1), sigmoid(-c1 + 2 * c2 + 0.1), sigmoid(0.5 * c1 + 0.5 * c2 - 0.1) }
         assert.tensor_near(expect, ae:forward(x), 1e-12)
         assert.tensor_near(hm.DoubleTensor{ { c1, c2 } }, ae:encode(x), 1e-12)
      end)

      it("maps (B, n) to (B, n) and a batch equals a loop over samples", function()
         local ae = A.new{ input = 5, hidden = 3, decoder = 'linear', type = 'hm.DoubleTensor' }
         local x = hm.DoubleTensor(4, 5):uniform()
         local y = ae:forward(x):clone()
         assert.are.same({ 4, 5 }, y:size():totable())
         for i = 1, 4 do assert.tensor_near(y[i], ae:forward(x[i]), 1e-12) end
      end)

      for _, tied in ipairs { false, true } do
         for _, dec in ipairs { "sigmoid", "linear" } do
            it(string.format("passes gradient checks (tied %s, %s decoder)", tostring(tied), dec), function()
               local ae = A.new{ input = 6, hidden = 4, tied = tied, decoder = dec, type = 'hm.DoubleTensor' }
               ae:evaluate()
               local errs = J.testAll(ae, hm.DoubleTensor(3, 6):uniform())
               assert.is_true(errs.max < 1e-6, "max error " .. errs.max)
               assert.is_true(J.testJacobianUpdateParameters(ae, hm.DoubleTensor(3, 6):uniform(), ae.weight) < 1e-6)
               assert.is_true(J.testJacobian(ae, hm.DoubleTensor(6):uniform()) < 1e-6)
               local crit = A.criterion(ae):double()
               local out = ae:forward(hm.DoubleTensor(2, 6):uniform(0.1, 0.9))
               assert.is_true(J.testCriterion(crit, out:clone(), hm.DoubleTensor(2, 6):uniform()) < 1e-5)
            end)
         end
      end

      it("ties the decoder to W^T: one weight matrix, gradients from both uses", function()
         local ae = A.new{ input = 4, hidden = 3, tied = true, type = 'hm.DoubleTensor' }
         assert.is_nil(ae.decoderWeight)
         local p = ae:getParameters()
         assert.are.equal(3 * 4 + 3 + 4, p:nElement())
      end)

      it("gives two backward calls twice the gradients", function()
         local ae = A.new{ input = 5, hidden = 3, type = 'hm.DoubleTensor' }
         ae:evaluate()
         local x, g = hm.DoubleTensor(2, 5):uniform(), hm.DoubleTensor(2, 5):normal()
         local _, grads = ae:getParameters()
         grads:zero(); ae:forward(x); ae:backward(x, g)
         local once = grads:clone()
         ae:forward(x); ae:backward(x, g)
         assert.tensor_near(once:mul(2), grads, 1e-12)
      end)

      it("masks the input only in training, and the gradient follows the mask", function()
         local ae = A.new{ input = 200, hidden = 5, noise = 'mask', corruption = 0.5, type = 'hm.DoubleTensor' }
         local x = hm.DoubleTensor(10, 200):fill(1)
         ae:forward(x)
         local kept = ae._noise:mean()
         assert.is_true(math.abs(kept - 0.5) < 0.05, "kept fraction " .. kept)
         assert.tensor_near(ae._noise, ae._in, 0)
         local gi = ae:backward(x, hm.DoubleTensor(10, 200):normal())
         assert.are.equal(0, gi:clone():cmul(hm.mul(ae._noise, -1):add(1)):abs():max())
         ae:evaluate()
         local y1 = ae:forward(x):clone()
         assert.tensor_near(y1, ae:forward(x), 0)
      end)

      it("adds Gaussian noise of the given std in training", function()
         local ae = A.new{ input = 100, hidden = 5, noise = 'gaussian', std = 0.3, decoder = 'linear',
                           type = 'hm.DoubleTensor' }
         local x = hm.DoubleTensor(50, 100):zero()
         ae:forward(x)
         assert.is_true(math.abs(ae._in:std() - 0.3) < 0.02)
      end)

      it("saves and loads", function()
         local ae = A.new{ input = 6, hidden = 3, tied = true, noise = 'mask' }
         ae:evaluate()
         local path = os.tmpname()
         hm.save(path, ae)
         local back = hm.load(path)
         os.remove(path)
         local x = hm.FloatTensor(2, 6):uniform()
         assert.tensor_near(ae:forward(x), back:forward(x), 0)
         assert.are.equal(tostring(ae), tostring(back))
      end)

      it("rejects bad options and inputs with clear errors", function()
         assert.error_matches(function() A.new{ input = 0, hidden = 3 } end, "positive integers")
         assert.error_matches(function() A.new{ input = 4, hidden = 3, noise = 'salt' } end, "noise must be")
         assert.error_matches(function() A.new{ input = 4, hidden = 3, corruption = 1 } end, "corruption must be in")
         assert.error_matches(function() A.new{ input = 4, hidden = 3, decoder = 'linear', loss = 'bce' } end,
            "needs the sigmoid decoder")
         local ae = A.new{ input = 4, hidden = 3 }
         assert.error_matches(function() ae:forward(hm.FloatTensor(2, 5)) end, "expected input of size 4")
         assert.error_matches(function() ae:forward(hm.DoubleTensor(2, 4)) end, "expected input of type")
         assert.error_matches(function() A.train(ae, hm.FloatTensor(3, 4):fill(2), quiet()) end, "outside %[0, 1%]")
         assert.error_matches(function() A.train(ae, hm.FloatTensor(3, 4):fill(0.5), quiet{ learningRate = -1 }) end,
            "learningRate must be a positive")
         assert.error_matches(function() A.train(ae, hm.FloatTensor(3, 5):fill(0.5), quiet()) end, "expected input of size 4")
      end)
   end)

   describe("training on MNIST", function()
      local tr = hm.data.mnist{ sample = true }
      local te = hm.data.mnist{ split = 'test-sample' }

      it("a denoising autoencoder reduces the reconstruction error on held-out digits", function()
         local ae = A.new{ input = 784, hidden = 100, noise = 'mask', corruption = 0.25 }
         local before = ae:reconstructionError(te.data)
         local stats = A.train(ae, tr.data, quiet{ epochs = 5, validation = te.data })
         assert.is_true(stats[5].reconstructionError < 0.3 * before,
            string.format("held-out error %.2f -> %.2f", before, stats[5].reconstructionError))
         assert.is_true(stats[5].loss < stats[1].loss)
         assert.is_true(ae.train)
      end)

      it("a Gaussian-noise autoencoder with squared error also learns", function()
         local ae = A.new{ input = 784, hidden = 50, noise = 'gaussian', std = 0.2, loss = 'mse', tied = true }
         local before = ae:reconstructionError(te.data)
         A.train(ae, tr.data, quiet{ epochs = 5, learningRate = 0.01 })
         assert.is_true(ae:reconstructionError(te.data) < 0.5 * before)
      end)

      it("stacks denoising autoencoders greedily and unrolls them for fine-tuning", function()
         local enc, aes, stats = A.stack({ 784, 100, 30 }, tr.data, quiet{ epochs = 2, layers = { [2] = { epochs = 3 } } })
         assert.are.equal(2, #aes)
         assert.are.same({ 2, 3 }, { #stats[1], #stats[2] })
         assert.are.equal(4, #enc.modules)
         local x = te.data:narrow(1, 1, 5)
         assert.tensor_near(aes[2]:encode(aes[1]:encode(x)), enc:forward(x), 1e-5)
         local net = A.unroll(aes)
         local before = A.reconstructionError(net, te.data)
         A.train(net, tr.data, quiet{ epochs = 2, learningRate = 0.05 })
         assert.is_true(A.reconstructionError(net, te.data) < before)
         local e2 = A.stack{ 784, 20, data = tr.data:narrow(1, 1, 100), epochs = 1, verbose = false, progress = false }
         assert.are.equal(2, #e2.modules)
         assert.error_matches(function() A.stack({ 784 }, tr.data) end, "at least two layer sizes")
         assert.error_matches(function() A.stack({ 700, 10 }, tr.data) end, "data must be N x 700")
         assert.error_matches(function() A.stack({ 784, 10 }, tr.data, { noise = 'x', verbose = false }) end,
            "layer 1: .*noise must be")
      end)
   end)
end)

-- hm.DSN: shapes of the stacked modules, the closed-form U against a direct solve and its
-- optimality, the envelope gradient against finite differences, training on the bundled
-- MNIST sample (the loss decreases, better than chance on held-out digits), save/load, errors.
local hm = require 'harmonium'

local function quiet(t) t = t or {}; t.verbose = false; t.progress = false; return t end

describe("hm.DSN", function()
   before_each(function() hm.manualSeed(HM_SPEC_SEED or 1234) end)

   it("stacks modules whose inputs are the raw input and all lower outputs", function()
      local dsn = hm.DSN{ input = 8, hidden = { 5, 6, 7 }, output = 3, lambda = 0.5 }
      assert.are.equal(3, #dsn.modules)
      for m, mod in ipairs(dsn.modules) do
         assert.are.same({ dsn.hidden[m], 8 + 3 * (m - 1) }, mod.weight:size():totable())
         assert.are.same({ dsn.hidden[m] + 1, 3 }, mod.U:size():totable())
      end
      assert.are.equal("hm.DSN(8 -> {5, 6, 7} -> 3, lambda 0.5)", tostring(dsn))
      local d2 = hm.DSN{ input = 4, hidden = 10, modules = 2, output = 2 }
      assert.are.same({ 10, 10 }, d2.hidden)
   end)

   it("solves U = (H^T H + lambda I)^-1 H^T T as a direct solve does", function()
      local H = hm.DoubleTensor(30, 6):uniform()
      local T = hm.DoubleTensor(30, 3):normal()
      local lambda = 0.7
      local U = hm.DSN.solve(H, T, lambda)
      local A = hm.mm(H:t(), H):add(lambda, hm.eye(6):double())
      assert.tensor_near(hm.solve(A, hm.mm(H:t(), T)), U, 1e-10)
      assert.tensor_near(hm.mm(hm.inverse(A), hm.mm(H:t(), T)), U, 1e-10)
      -- optimality of the ridge objective: H^T (H U - T) + lambda U = 0
      local g = hm.mm(H:t(), hm.mm(H, U):add(-1, T)):add(lambda, U)
      assert.is_true(g:abs():max() < 1e-10)
      local Uf = hm.DSN.solve(H:float(), T:float(), lambda)
      assert.are.equal('hm.FloatTensor', Uf:type())
      assert.tensor_near(U, Uf, 1e-4)
      assert.error_matches(function() hm.DSN.solve(H, T:narrow(1, 1, 5), 1) end, "same N")
      assert.error_matches(function() hm.DSN.solve(H, T, 0) end, "lambda must be positive")
   end)

   it("refines W by the exact gradient of the loss through the closed-form U", function()
      local dsn = hm.DSN{ input = 5, hidden = { 4 }, output = 2, lambda = 0.3, type = 'hm.DoubleTensor', weightStd = 1 }
      local mod = dsn.modules[1]
      local X = hm.DoubleTensor(12, 5):uniform()
      local T = hm.DoubleTensor(12, 2):normal()
      local _, dW, db = hm.DSN.moduleLoss(mod, X, T, dsn.lambda)
      local eps = 1e-6
      local function numeric(t, i, j)
         local orig = j and t[i][j] or t[i]
         local function set(v) if j then t[i][j] = v else t[i] = v end end
         set(orig + eps); local lp = hm.DSN.moduleLoss(mod, X, T, dsn.lambda)
         set(orig - eps); local lm = hm.DSN.moduleLoss(mod, X, T, dsn.lambda)
         set(orig)
         return (lp - lm) / (2 * eps)
      end
      for i = 1, 4 do
         for j = 1, 5 do assert.is_near(numeric(mod.weight, i, j), dW[i][j], 1e-7) end
         assert.is_near(numeric(mod.bias, i), db[i], 1e-7)
      end
   end)

   describe("on the bundled MNIST sample", function()
      local tr = hm.data.mnist{ sample = true }
      local te = hm.data.mnist{ split = 'test-sample' }

      it("decreases the training error and classifies held-out digits better than chance", function()
         local dsn = hm.DSN{ input = 784, hidden = { 200, 200 }, output = 10, lambda = 1 }
         local stats = dsn:train(tr.data, tr.labels, quiet{ iterations = 15, learningRate = 1 })
         for m = 1, 2 do
            local L = stats[m].losses
            assert.are.equal(15, #L)
            assert.is_true(L[15] < L[1], string.format("module %d loss %.4f -> %.4f", m, L[1], L[15]))
         end
         assert.is_true(stats[2].mse <= stats[1].mse + 1e-3)
         local err = 1 - dsn:classify(te.data):eq(te.labels:long()):sum() / te.data:size(1)
         assert.is_true(err < 0.4, "test error " .. err)
         assert.are.same({ 10 }, dsn:predict(te.data[1]):view(-1):size():totable())
      end)

      it("accepts one-hot targets and minibatches", function()
         local dsn = hm.DSN{ input = 784, hidden = 50, modules = 2, output = 10 }
         local T = hm.data.onehot(tr.labels, 10)
         local stats = dsn:train(tr.data, T, quiet{ iterations = 6, batchSize = 250 })
         assert.is_true(stats[2].error < 0.5)
         assert.are.same({ 1000, 10 }, dsn:predict(tr.data, 1):size():totable())
      end)
   end)

   it("saves and loads", function()
      local dsn = hm.DSN{ input = 6, hidden = { 4, 3 }, output = 2 }
      local X = hm.FloatTensor(20, 6):uniform()
      dsn:train(X, hm.LongTensor(20):random(1, 2), quiet{ iterations = 2 })
      local path = os.tmpname()
      hm.save(path, dsn)
      local back = hm.load(path)
      os.remove(path)
      assert.tensor_near(dsn:predict(X), back:predict(X), 0)
   end)

   it("raises clear errors for bad arguments", function()
      assert.error_matches(function() hm.DSN{ input = 4, hidden = { 3 }, output = 2, lambda = 0 } end,
         "lambda must be a positive number")
      assert.error_matches(function() hm.DSN{ input = 4, hidden = { 3, -1 }, output = 2 } end, "hidden size 2")
      assert.error_matches(function() hm.DSN{ hidden = { 3 }, output = 2 } end, "input must be a positive integer")
      local dsn = hm.DSN{ input = 4, hidden = { 3 }, output = 2 }
      local X = hm.FloatTensor(5, 4):uniform()
      assert.error_matches(function() dsn:train(hm.FloatTensor(5, 3), hm.LongTensor(5):fill(1)) end,
         "input must be N x 4")
      assert.error_matches(function() dsn:train(X, hm.LongTensor(4):fill(1)) end, "4 labels for 5 samples")
      assert.error_matches(function() dsn:train(X, hm.LongTensor(5):fill(3)) end, "labels must be in 1..2")
      assert.error_matches(function() dsn:train(X, hm.FloatTensor(5, 3)) end, "targets must be 5 x 2")
      assert.error_matches(function() dsn:train(X, hm.LongTensor(5):fill(1), { learningRate = -1 }) end,
         "learningRate must be a positive")
      local nan = X:clone(); nan[1][1] = 0 / 0
      assert.error_matches(function() dsn:predict(nan) end, "contains NaN")
   end)
end)

-- hm.LabelRBM: the top RBM of a DBN with softmax label units: visible conditionals against
-- hand computation, one label per sample, free energies per label against the base class's
-- freeEnergy, classification, training through hm.rbm.train, save/load, errors.
local hm = require 'harmonium'

local function model()
   local r = hm.LabelRBM{ visible = 5, labels = 3, hidden = 4, type = 'hm.DoubleTensor' }
   r.weight:normal(0, 1); r.visibleBias:normal(0, 1); r.hiddenBias:normal(0, 1)
   return r
end

describe("hm.LabelRBM", function()
   before_each(function() hm.manualSeed(HM_SPEC_SEED or 1234) end)

   it("is an hm.RBM over the units and the labels", function()
      local r = model()
      assert.is_true(hm.isTypeOf(r, 'hm.RBM'))
      assert.are.equal(8, r.visible)
      assert.are.same({ 4, 8 }, r.weight:size():totable())
      assert.are.equal("hm.LabelRBM(5 bernoulli + 3 labels -> 4 bernoulli)", tostring(r))
   end)

   it("gives sigmoid units and a softmax over the labels", function()
      local r = model()
      local h = hm.DoubleTensor(6, 4):bernoulli(0.5)
      local p = r:visibleProb(h)
      local a = hm.addmm(r.visibleBias:view(1, 8):expand(6, 8), h, r.weight)
      assert.tensor_near(hm.sigmoid(a:narrow(2, 1, 5)), p:narrow(2, 1, 5), 1e-12)
      local e = hm.exp(a:narrow(2, 6, 3))
      assert.tensor_near(e:cdiv(hm.sum(e, 2):expand(6, 3)), p:narrow(2, 6, 3), 1e-12)
   end)

   it("samples exactly one label per row, with the softmax's frequencies", function()
      local r = model()
      local h = hm.DoubleTensor(1, 4):bernoulli(0.5):expand(4000, 4):contiguous()
      local s, p = r:sampleVisible(h)
      local lab = s:narrow(2, 6, 3)
      assert.tensor_near(hm.DoubleTensor(4000, 1):fill(1), hm.sum(lab, 2), 0)
      assert.tensor_near(p[1]:narrow(1, 6, 3), hm.mean(lab, 1):view(3), 0.03)
      local s1 = r:sampleVisible(h[1])
      assert.are.same({ 8 }, s1:size():totable())
   end)

   it("computes the free energy of every label from one GEMM and classifies by its minimum", function()
      local r = model()
      local x = hm.DoubleTensor(7, 5):bernoulli(0.5)
      local F = r:labelFreeEnergies(x)
      for c = 1, 3 do
         local v = hm.cat(x, hm.DoubleTensor(7, 3):zero(), 2)
         v:select(2, 5 + c):fill(1)
         assert.tensor_near(r:freeEnergy(v), F:select(2, c), 1e-10)
      end
      local y = r:classify(x)
      local _, idx = hm.min(F, 2)
      assert.tensor_near(idx:view(7), y, 0)
      assert.error_matches(function() r:labelFreeEnergies(hm.DoubleTensor(2, 8)) end, "B x 5 tensor expected")
   end)

   it("trains with hm.rbm.train and learns to classify separable data", function()
      local r = hm.LabelRBM{ visible = 8, labels = 2, hidden = 10 }
      local N = 200
      local y = hm.LongTensor(N):random(1, 2)
      local x = hm.FloatTensor(N, 8):zero()
      for i = 1, N do x[i]:narrow(1, y[i] == 1 and 1 or 5, 4):fill(1) end
      hm.rbm.train(r, hm.cat(x, hm.data.onehot(y, 2), 2), { epochs = 30, batchSize = 10, verbose = false, progress = false })
      assert.is_true(r:classify(x):eq(y):sum() / N > 0.95)
      local path = os.tmpname()
      hm.save(path, r)
      local back = hm.load(path)
      os.remove(path)
      assert.tensor_near(r:labelFreeEnergies(x), back:labelFreeEnergies(x), 0)
   end)

   it("rejects bad options", function()
      assert.error_matches(function() hm.LabelRBM{ visible = 5, labels = 1, hidden = 3 } end, "labels must be an integer >= 2")
      assert.error_matches(function() hm.LabelRBM{ visible = 0, labels = 2, hidden = 3 } end, "visible must be a positive")
      assert.error_matches(function() hm.LabelRBM{ visible = 5, labels = 2, hidden = 3, visibleType = 'gaussian' } end,
         "Bernoulli visible and hidden units only")
      assert.error_matches(function() hm.LabelRBM(3) end, "options table expected")
   end)
end)

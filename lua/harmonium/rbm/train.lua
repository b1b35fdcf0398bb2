--[[ hm.rbm.train(rbm, data, opts): contrastive divergence (CD-k, Hinton 2002) and
persistent CD (PCD, Tieleman 2008) for hm.RBM, with momentum, L2 weight decay, a sparsity
target, learned Gaussian sigma, mean-field or sampled negative statistics, validation.

OPTIONS (opts, all optional)
   method          'cd' (default) or 'pcd'
   k               Gibbs steps in the negative phase (1)
   learningRate    step size, > 0 (0.1)
   momentum        a number in [0, 1) or a function epoch -> momentum (0); the classic
                   schedule is function(e) return e <= 5 and 0.5 or 0.9 end
   weightDecay     L2 cost on the weights only, not the biases (0)
   batchSize       samples per update (100); the last batch of an epoch may be smaller
   epochs          passes over the data (1)
   sparsityTarget  target mean activation q of each hidden unit (none); Bernoulli hiddens
   sparsityCost    strength of the sparsity term (0.1 when a target is given)
   sparsityDecay   lambda of the running mean q <- lambda q + (1 - lambda) mean(p(h|v)) (0.95)
   meanField       negative-phase visible statistics from probabilities (Hinton's rbm.m)
                   instead of samples (false); final hidden statistics always use
                   probabilities, as Hinton's practical guide advises
   chains          PCD: number of persistent chains (batchSize)
   sigmaLearningRate  step size for log sigma^2 of learned Gaussian sigma (learningRate / 10)
   minSigma        learned sigma never drops below this (1e-3)
   generator       hm.Generator for shuffling and sampling (the default one)
   shuffle         'batches' (default): contiguous batches of the data, visited in a new
                   random order every epoch (Hinton's and scikit-learn's fixed batches; one
                   contiguous copy per batch); 'rows' (or true): batches of random rows, a
                   new permutation every epoch (one indexSelect per batch; its result form
                   allocates a temporary today, about 0.7 s per MNIST epoch here);
                   false: the data in order
   validation      held-out data (N x visible): the free-energy gap is reported
   callback        function(epoch, stats) called after every epoch; return false to stop
   progress        an hm.progress bar per epoch, with the running reconstruction error (verbose)
   verbose         print one line per epoch (true)

RETURNS stats: a list, one table per epoch, {epoch, reconstructionError (mean squared
   error per sample), freeEnergyGap (mean F(validation) - mean F(train subset of the same
   size); rising gap = overfitting, Hinton's guide §6), validationFreeEnergy,
   trainFreeEnergy, momentum, time}. The model is updated in place.

ERRORS: a non-positive learning rate, k < 1, bad sizes, data outside [0, 1] (Bernoulli and
   softmax visibles), NaN in the data, NaN or inf in the weights after an epoch.

The hot path, per batch of b rows: one GEMM up and one down per Gibbs step into buffers made
once per batch size; hm.sigmoidBernoulli samples straight into them; the weight gradient is
ONE GEMM over the merged statistics, HH^T VV with HH = [p(h|v0); -r p(h|vn)] and
VV = [v0; vn] (twice the inner dimension, DESIGN.md), and the bias gradients are two GEMVs
over the same buffers; the update is flat in-place arithmetic on getParameters' tensors
(two passes: the velocity is kept divided by -learningRate).
Nothing is allocated per batch (apart from small view headers).
]]

local hm = require 'harmonium'

local M = {}

local function fail(msg, level) error("hm.rbm.train: " .. msg, (level or 1) + 2) end

-- extra: call levels between train and the check (checkdata: 1)
local function check(cond, msg, extra) if not cond then fail(msg, 2 + (extra or 0)) end end

local function isint(x) return math.type(x) == "integer" end

-- Data of the model's type, checked; returns the tensor (converted once when needed).
local function checkdata(rbm, data, what)
   check(hm.isTensor(data), what .. " must be a tensor, got " .. hm.type(data), 1)
   check(data:dim() == 2 and data:size(2) == rbm.visible and data:size(1) >= 1,
      string.format("%s must be N x %d (size mismatch: got %s)", what, rbm.visible,
         data:dim() == 0 and "an empty tensor" or tostring(data:size())), 1)
   local T = rbm.weight:type()
   if data:type() ~= T then data = data:type(T) end
   local lo, hi = data:min(), data:max()
   check(lo == lo and hi == hi, what .. " contains NaN", 1)
   if rbm.visibleType ~= "gaussian" then
      check(lo >= 0 and hi <= 1, string.format("%s outside [0, 1] for %s visibles (min %g, max %g)",
         what, rbm.visibleType == "bernoulli" and "Bernoulli" or "softmax", lo, hi), 1)
   else
      check(lo > -math.huge and hi < math.huge, what .. " contains inf", 1)
   end
   return data
end

-- Mean free energy of the rows of x, in chunks.
local function meanFreeEnergy(rbm, x, fe)
   local n, total = x:size(1), 0
   for s = 1, n, 1000 do
      total = total + rbm:freeEnergy(x:narrow(1, s, math.min(1000, n - s + 1)), fe):sum()
   end
   return total / n
end

-- A progress bar per epoch (hm.progress): returns update(i, n, epoch, epochs, err).
local function makeProgress(enabled)
   if not enabled or not hm.progress then return function() end end
   local bar
   return function(i, n, epoch, epochs, err)
      if i == 1 then bar = hm.progress.new(n, { title = string.format("epoch %d/%d", epoch, epochs) }) end
      bar:update(i, { { "recon", err } })
   end
end

-- Buffers for batches of b rows with c negative rows (c = b for CD, chains for PCD).
local function makeBuffers(rbm, b, c, T)
   local V, H = rbm.visible, rbm.hidden
   local S = { b = b, c = c }
   S.VV = T(b + c, V)
   S.HH = T(b + c, H)
   S.v0, S.vn = S.VV:narrow(1, 1, b), S.VV:narrow(1, b + 1, c)
   S.ph0, S.phn = S.HH:narrow(1, 1, b), S.HH:narrow(1, b + 1, c)
   S.h0 = T(b, H)                     -- hidden sample of the data
   S.h = T(c, H)                      -- hidden sample in the chain
   S.ph = T(c, H)                     -- hidden probability in the chain (scratch)
   S.vs = T(c, V)                     -- visible sample in the chain
   S.pv = T(c, V)                     -- visible probability in the chain
   S.rec = T(b, V)                    -- reconstruction probabilities (PCD) / differences
   S.signs = T(b + c)                 -- +1 for data rows, -b/c for chain rows
   S.signs:narrow(1, 1, b):fill(1)
   S.signs:narrow(1, b + 1, c):fill(-b / c)
   S.ones = T(b + c):fill(1)
   S.idx = hm.LongTensor(b)
   if rbm.visibleType == "gaussian" then
      S.sigmaVV = rbm.sigma:view(1, V):expand(b + c, V)
      if rbm.learnSigma then
         S.HW = T(b + c, V)
         S.D = T(b + c, V)
      end
   end
   return S
end

--- hm.rbm.train(rbm, data, opts) -> stats (see the header for opts and stats)
function M.train(rbm, data, opts)
   opts = opts or {}
   check(hm.isTypeOf(rbm, "hm.RBM"), "hm.RBM expected as argument #1, got " .. hm.type(rbm))
   check(type(opts) == "table", "options table expected as argument #3")
   local method = opts.method or "cd"
   check(method == "cd" or method == "pcd", "method must be 'cd' or 'pcd', got '" .. tostring(method) .. "'")
   local k = opts.k or 1
   check(isint(k) and k >= 1, "k must be an integer >= 1, got " .. tostring(k))
   local lr = opts.learningRate or 0.1
   check(type(lr) == "number" and lr > 0 and lr < math.huge,
      "learningRate must be a positive number, got " .. tostring(lr))
   local momentum = opts.momentum or 0
   check(type(momentum) == "function" or (type(momentum) == "number" and momentum >= 0 and momentum < 1),
      "momentum must be a number in [0, 1) or a function of the epoch, got " .. tostring(momentum))
   local wd = opts.weightDecay or 0
   check(type(wd) == "number" and wd >= 0, "weightDecay must be >= 0, got " .. tostring(wd))
   local B = opts.batchSize or 100
   check(isint(B) and B >= 1, "batchSize must be an integer >= 1, got " .. tostring(B))
   local epochs = opts.epochs or 1
   check(isint(epochs) and epochs >= 0, "epochs must be an integer >= 0, got " .. tostring(epochs))
   local target = opts.sparsityTarget
   local scost = opts.sparsityCost or (target and 0.1 or 0)
   local sdecay = opts.sparsityDecay or 0.95
   if target ~= nil then
      check(type(target) == "number" and target > 0 and target < 1,
         "sparsityTarget must be in (0, 1), got " .. tostring(target))
      check(rbm.hiddenType == "bernoulli", "sparsityTarget needs Bernoulli hiddens")
      check(type(scost) == "number" and scost >= 0, "sparsityCost must be >= 0")
      check(type(sdecay) == "number" and sdecay >= 0 and sdecay < 1, "sparsityDecay must be in [0, 1)")
   end
   local sigmaLr = opts.sigmaLearningRate or lr / 10
   check(type(sigmaLr) == "number" and sigmaLr >= 0, "sigmaLearningRate must be >= 0")
   local minLogVar = 2 * math.log(opts.minSigma or 1e-3)
   local meanField = opts.meanField and true or false
   local gen = opts.generator
   check(opts.callback == nil or type(opts.callback) == "function", "callback must be a function")
   data = checkdata(rbm, data, "data")
   local N = data:size(1)
   local valid = opts.validation and checkdata(rbm, opts.validation, "validation data")
   local chains = opts.chains or B
   check(isint(chains) and chains >= 1, "chains must be an integer >= 1")
   if method == "cd" then chains = nil end
   local verbose = opts.verbose ~= false
   local progress = makeProgress(opts.progress == nil and verbose or opts.progress)

   -- 1. flat parameters, gradients and the momentum increments
   local params, grads = rbm:getParameters()
   local T = hm[params:type():sub(4)]
   local inc = T(params:size(1)):zero()
   local V, H = rbm.visible, rbm.hidden
   local gradW, gradVB, gradHB = rbm.gradWeight, rbm.gradVisibleBias, rbm.gradHiddenBias
   local gradZ = rbm.gradLogVariance
   local gaussV = rbm.visibleType == "gaussian"
   local q = target and T(H):fill(target)
   local bufs = {}
   local function buffers(b)
      local c = chains or b
      local key = b * 1e6 + c
      if not bufs[key] then bufs[key] = makeBuffers(rbm, b, c, T) end
      return bufs[key]
   end
   -- persistent chains start from data rows
   local persistent
   if chains then
      persistent = T(chains, V)
      local idx = hm.LongTensor(chains)
      if gen then idx:random(1, N, gen) else idx:random(1, N) end
      persistent:indexSelect(data, 1, idx)
   end
   -- a fixed training subset as large as the validation set, for the free-energy gap
   local trainSubset, fe
   if valid then
      local nv = math.min(valid:size(1), N)
      local perm = gen and hm.randperm(N, gen) or hm.randperm(N)
      trainSubset = data:indexSelect(1, perm:narrow(1, 1, nv))
      fe = T()
   end

   -- 2. one update from rows perm[s .. s + b - 1] (perm nil: rows s .. s + b - 1); returns
   -- the batch's summed reconstruction error
   local function step(perm, s, b, mom)
      local S = buffers(b)
      local c = S.c
      if perm then
         S.idx:copy(perm:narrow(1, s, b))
         S.v0:indexSelect(data, 1, S.idx)
      else
         S.v0:copy(data:narrow(1, s, b))
      end
      -- positive phase: p(h | v0) is kept (statistics), h0 sampled (chain start for CD)
      rbm:sampleHidden(S.v0, S.h0, S.ph0, gen)
      local err
      local h = S.h0
      if chains then
         -- PCD: reconstruction error from the data; the chain moves on from its own state
         rbm:_visibleMean(S.h0, S.rec)
         S.rec:add(-1, S.v0)
         err = S.rec:dot(S.rec)
         rbm:sampleHidden(persistent, S.h, S.ph, gen)
         h = S.h
      end
      for i = 1, k do
         local last = i == k
         -- the last visible sample (or mean) goes straight into vn, the negative rows of VV
         local sampleTo, probTo = S.vs, S.pv
         if last then
            if meanField then probTo = S.vn else sampleTo = S.vn end
         end
         rbm:sampleVisible(h, sampleTo, probTo, gen)
         if i == 1 and not chains then
            S.rec:add(probTo, -1, S.v0)
            err = S.rec:dot(S.rec)
         end
         if not last then
            rbm:sampleHidden(sampleTo, S.h, S.ph, gen)
            h = S.h
         elseif chains then
            persistent:copy(sampleTo)     -- the chain continues from the sample
         end
      end
      -- negative phase hidden statistics: probabilities (means) of vn
      rbm:_hiddenInput(S.vn, S.phn)
      if rbm.hiddenType == "bernoulli" then S.phn:sigmoid() end
      -- 3. gradients of the negative log-likelihood, one GEMM over merged statistics
      if target then
         -- q <- lambda q + (1 - lambda) mean_batch p(h | v0)
         q:addmv(sdecay, q, (1 - sdecay) / b, S.ph0:t(), S.ones:narrow(1, 1, b))
      end
      S.phn:mul(-b / c)
      local VV = S.VV
      if gaussV then
         VV:cdiv(S.sigmaVV)               -- the statistics of v / sigma
         if rbm.learnSigma then
            -- d(-E)/dz = (vs - b/sigma)^2 / 2 - vs (h^T W) / 2, signed sum over the rows
            S.HW:mm(S.HH, rbm.weight)     -- rows already carry their sign and scale
            S.HW:cmul(VV)
            S.D:copy(rbm.visibleBias:view(1, V):expand(b + c, V)):cdiv(S.sigmaVV)
            S.D:mul(-1):add(VV):cmul(S.D)
            gradZ:mv(S.D:t(), S.signs)
            gradZ:addmv(1, gradZ, -1, S.HW:t(), S.ones)
            gradZ:mul(-0.5 / b * sigmaLr / lr)
         end
      end
      gradW:addmm(0, gradW, -1 / b, S.HH:t(), VV)
      gradVB:addmv(0, gradVB, -1 / b, VV:t(), S.signs)
      if gaussV then gradVB:cdiv(rbm.sigma) end
      gradHB:addmv(0, gradHB, -1 / b, S.HH:t(), S.ones)
      if target then gradHB:add(scost, q):add(-scost * target) end
      if wd > 0 then gradW:add(wd, rbm.weight) end
      -- 4. momentum step on the flat parameters; inc holds the velocity divided by -lr
      -- (lr is fixed), so the step is two passes: inc = grads + mom inc, params -= lr inc
      if mom > 0 then hm.add(inc, grads, mom, inc) else inc:copy(grads) end
      params:add(-lr, inc)
      if rbm.learnSigma then
         rbm.logVariance:clamp(minLogVar, math.huge)
         rbm:_syncSigma()
      end
      return err
   end

   -- 5. epochs
   local stats = {}
   local timer = hm.Timer()
   local shuffle = opts.shuffle
   if shuffle == nil then shuffle = "batches" elseif shuffle == true then shuffle = "rows" end
   check(shuffle == "batches" or shuffle == "rows" or shuffle == false,
      "shuffle must be 'batches', 'rows' or false, got " .. tostring(shuffle))
   local nb = (N + B - 1) // B
   local perm = shuffle == "rows" and hm.LongTensor(N) or nil
   local order = hm.LongTensor(nb)
   for i = 1, nb do order[i] = i end
   for epoch = 1, epochs do
      local mom = type(momentum) == "function" and momentum(epoch) or momentum
      check(type(mom) == "number" and mom >= 0 and mom < 1,
         string.format("momentum(%d) must be a number in [0, 1), got %s", epoch, tostring(mom)))
      if shuffle == "rows" then
         if gen then hm.randperm(perm, N, gen) else hm.randperm(perm, N) end
      elseif shuffle == "batches" then
         if gen then hm.randperm(order, nb, gen) else hm.randperm(order, nb) end
      end
      local t0 = timer:time().real
      local errsum = 0
      for bi = 1, nb do
         local s = (order[bi] - 1) * B + 1
         errsum = errsum + step(perm, s, math.min(B, N - s + 1), mom)
         progress(bi, nb, epoch, epochs, errsum / math.min(bi * B, N))
      end
      local st = { epoch = epoch, reconstructionError = errsum / N, momentum = mom,
                   learningRate = lr, time = timer:time().real - t0 }
      local wn = rbm.weight:norm()
      if not (wn < math.huge) or st.reconstructionError ~= st.reconstructionError then
         fail(string.format("NaN in weights at epoch %d (learning rate %g may be too large)", epoch, lr))
      end
      if valid then
         st.validationFreeEnergy = meanFreeEnergy(rbm, valid, fe)
         st.trainFreeEnergy = meanFreeEnergy(rbm, trainSubset, fe)
         st.freeEnergyGap = st.validationFreeEnergy - st.trainFreeEnergy
      end
      if target then st.meanActivation = q:mean() end
      stats[epoch] = st
      if verbose then
         print(string.format("epoch %d/%d  reconstruction error %.4f%s  (%.2f s)", epoch, epochs,
            st.reconstructionError, valid and string.format("  free-energy gap %.4f", st.freeEnergyGap) or "",
            st.time))
      end
      if opts.callback and opts.callback(epoch, st) == false then break end
   end
   return stats
end

return M

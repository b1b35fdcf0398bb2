--[[ hm.rbm.ais(rbm, opts): log Z of an RBM by annealed importance sampling
(Neal 2001; Salakhutdinov and Murray 2008, "On the quantitative analysis of deep belief
networks").

The chain of distributions moves from a base-rate model A (visible biases bA, no weights)
to the RBM B through inverse temperatures 0 = beta_0 < ... < beta_K = 1, with the hidden
units summed out:
   log p*_beta(v) = (1 - beta) bA^T v + beta b^T v + sum_j softplus(beta x_j),  x = c + W v
log Z_A = sum_i softplus(bA_i) + hidden log 2 (softmax visibles: the sum of each group's
logsumexp of bA instead of the softplus terms). Each of `runs` chains starts from an exact
sample of A, and at every beta_k adds log p*_k(v) - log p*_{k-1}(v) to its log weight, then
takes one Gibbs step v -> h -> v at beta_k. With weights w_r,
   log Z ~ log Z_A + log mean(w);  stderr ~ std(w) / (sqrt(runs) mean(w))  (delta method)
and the bounds log(mean(w) +- 3 std(w) / sqrt(runs)) + log Z_A of the paper's code.

All chains run together (runs x visible tensors): per beta two GEMMs in the model's type and
the weight increments in double. Bernoulli hiddens with Bernoulli or softmax visibles.
]]

local hm = require 'harmonium'

local M = {}

local function fail(msg) error("hm.rbm.ais: " .. msg, 3) end

--- hm.rbm.ais.schedule(n [, kind]) -> a Lua list of n + 1 inverse temperatures from 0 to 1:
-- kind 'paper' (default): spacing 1e-3 : 1e-4 : 1e-4 on [0, 0.5], [0.5, 0.9], [0.9, 1] (as in
-- Salakhutdinov and Murray), scaled so that there are n steps; 'uniform': evenly spaced
function M.schedule(n, kind)
   local betas = {}
   if kind == "uniform" then
      for i = 0, n do betas[i + 1] = i / n end
      return betas
   end
   -- step counts in the ratio 500 : 4000 : 1000
   local n1 = math.max(1, math.floor(n * 500 / 5500 + 0.5))
   local n3 = math.max(1, math.floor(n * 1000 / 5500 + 0.5))
   local n2 = math.max(1, n - n1 - n3)
   local function seg(a, b, m)
      for i = 1, m do betas[#betas + 1] = a + (b - a) * i / m end
   end
   betas[1] = 0
   seg(0, 0.5, n1); seg(0.5, 0.9, n2); seg(0.9, 1, n3)
   betas[#betas] = 1
   return betas
end

-- log(mean(exp(a))) and the mean, std of exp(a - max) for a double tensor a.
local function weightStats(a)
   local R = a:nElement()
   local m = a:max()
   local w = hm.add(a, -m):exp()
   local mean = w:mean()
   local sd = R > 1 and w:std() or 0
   return m, mean, sd
end

--- hm.rbm.ais(rbm, opts) -> logZ, stderr, info
-- OPTIONS: runs (100 chains); betas (number of intermediate distributions, 10000, or a list
--   of increasing inverse temperatures from 0 to 1); schedule ('paper' or 'uniform');
--   data (N x visible, for the base-rate biases: smoothed log-odds of the pixel means) or
--   baseVisibleBias (a tensor; default zeros: the uniform distribution); generator
-- RETURNS: the estimate of log Z, its standard error, and info = {logZLow, logZHigh (log of
--   mean weight -+ 3 standard errors; logZLow is -inf when that is <= 0), logZBase,
--   logWeights (double tensor of runs), runs, steps, time}
-- ERRORS: unit types other than Bernoulli hiddens with Bernoulli or softmax visibles, bad
--   runs or schedule, a data size mismatch
function M.ais(rbm, opts)
   opts = opts or {}
   if not hm.isTypeOf(rbm, "hm.RBM") then fail("hm.RBM expected, got " .. hm.type(rbm)) end
   if rbm.hiddenType ~= "bernoulli" or rbm.visibleType == "gaussian" then
      fail("Bernoulli hiddens with Bernoulli or softmax visibles only (model is " .. tostring(rbm) .. ")")
   end
   local runs = opts.runs or 100
   if math.type(runs) ~= "integer" or runs < 1 then fail("runs must be a positive integer, got " .. tostring(runs)) end
   local betas = opts.betas or 10000
   if type(betas) == "number" then
      if math.type(betas) ~= "integer" or betas < 1 then fail("betas must be a positive integer, got " .. tostring(betas)) end
      betas = M.schedule(betas, opts.schedule)
   elseif type(betas) == "table" then
      if betas[1] ~= 0 or betas[#betas] ~= 1 then fail("betas must go from 0 to 1") end
      for i = 2, #betas do
         if not (betas[i] > betas[i - 1]) then fail("betas must increase") end
      end
   else
      fail("betas must be a number or a list, got " .. type(betas))
   end
   rbm:getParameters()
   local V, H = rbm.visible, rbm.hidden
   local T = hm[rbm.weight:type():sub(4)]
   local gen = opts.generator
   local softmax = rbm.visibleType == "softmax"
   local K = rbm.softmaxSize

   -- 1. base-rate model
   local bA = T(V):zero()
   if opts.baseVisibleBias then
      if not hm.isTensor(opts.baseVisibleBias) or opts.baseVisibleBias:nElement() ~= V then
         fail("baseVisibleBias must be a tensor of " .. V .. " elements")
      end
      bA:copy(opts.baseVisibleBias:contiguous():view(V))
   elseif opts.data then
      local d = opts.data
      if not hm.isTensor(d) or d:dim() ~= 2 or d:size(2) ~= V then
         fail(string.format("data must be N x %d (size mismatch: got %s)", V,
            hm.isTensor(d) and tostring(d:size()) or hm.type(d)))
      end
      local n = d:size(1)
      local p = hm.sum(d:double(), 1):view(V):add(5):div(n + 10)     -- smoothed means
      if softmax then
         local g = p:view(V // K, K)
         g:cdiv(hm.sum(g, 2):expand(V // K, K))
         bA:copy(hm.log(p))
      else
         bA:copy(hm.log(p):add(-1, hm.log(hm.mul(p, -1):add(1))))
      end
   end
   local logZA
   local bAd = bA:double()
   if softmax then
      logZA = bAd:view(V // K, K):logsumexp(2):sum() + H * math.log(2)
   else
      logZA = rbm._softplus(rbm, hm.DoubleTensor(), bAd):sum() + H * math.log(2)
   end

   -- 2. buffers
   local v, pv = T(runs, V), T(runs, V)
   local h, ph = T(runs, H), T(runs, H)
   local x = T(runs, H)
   local xd, xb = hm.DoubleTensor(runs, H), hm.DoubleTensor(runs, H)
   local sp0, sp1 = hm.DoubleTensor(runs, H), hm.DoubleTensor(runs, H)
   local rowsum = hm.DoubleTensor(runs, 1)
   local vterm = T(runs)
   local logw = hm.DoubleTensor(runs):zero()
   local bDiff = hm.add(rbm.visibleBias, -1, bA)            -- b - bA
   local bAexp = bA:view(1, V):expand(runs, V)
   local rows = softmax and runs * V // K
   local idx = softmax and hm.LongTensor(rows, 1)
   local W = rbm.weight

   -- visible sample at inverse temperature beta from the hidden state h (nil: base model)
   local function sampleVisible(beta)
      if beta == 0 then
         pv:copy(bAexp)
      else
         pv:addmm(0, pv, beta, h, W)
         pv:add(beta, rbm.visibleBias:view(1, V):expand(runs, V))
         pv:add(1 - beta, bAexp)
      end
      if softmax then
         local g = pv:view(rows, K)
         g:add(-1, hm.max(g, 2):expand(rows, K)):exp()
         g:cdiv(hm.sum(g, 2):expand(rows, K))
         if gen then hm.multinomial(idx, g, 1, true, gen) else hm.multinomial(idx, g, 1, true) end
         v:zero():view(rows, K):scatter(2, idx, 1)
      else
         if gen then hm.sigmoidBernoulli(v, pv, pv, gen) else hm.sigmoidBernoulli(v, pv, pv) end
      end
   end

   -- 3. the annealing run
   local timer = hm.Timer()
   sampleVisible(0)
   local cExp = rbm.hiddenBias:view(1, H):expand(runs, H)
   for kk = 2, #betas do
      local b0, b1 = betas[kk - 1], betas[kk]
      x:addmm(1, cExp, 1, v, W:t())
      xd:copy(x)
      -- log p*_{b1}(v) - log p*_{b0}(v)
      rbm._softplus(rbm, sp1, xb:mul(xd, b1))
      rbm._softplus(rbm, sp0, xb:mul(xd, b0))
      sp1:add(-1, sp0)
      hm.sum(rowsum, sp1, 2)
      logw:add(rowsum:view(runs))
      vterm:mv(v, bDiff)
      logw:add(b1 - b0, vterm:double())
      -- one Gibbs step at b1 (the last one is not needed)
      if kk < #betas then
         if gen then hm.sigmoidBernoulli(h, ph, x:mul(b1), gen) else hm.sigmoidBernoulli(h, ph, x:mul(b1)) end
         sampleVisible(b1)
      end
   end

   -- 4. estimate and error bars
   local m, mean, sd = weightStats(logw)
   local se = sd / math.sqrt(runs)
   local logZ = logZA + m + math.log(mean)
   local info = {
      logZBase = logZA, logWeights = logw, runs = runs, steps = #betas - 1,
      logZHigh = logZA + m + math.log(mean + 3 * se),
      logZLow = mean - 3 * se > 0 and logZA + m + math.log(mean - 3 * se) or -math.huge,
      time = timer:time().real,
   }
   return logZ, se / mean, info
end

return M

--[[ hm.BoltzmannMachine: a general Boltzmann machine of binary (0/1) units (Ackley, Hinton and
Sejnowski 1985), visible units first, then hidden units.

   local bm = hm.BoltzmannMachine(3, 2)      -- 3 visible, 2 hidden; n = 5 units
   bm:energy(s)                               -- E(s) = -1/2 s^T W s - b^T s
   bm:freeEnergy(v), bm:logPartition()        -- exact, by enumeration (small machines)
   bm:gibbs(s, 10, {temperature = 2, clamp = true})
   bm:anneal(s, {8, 4, 2, 1, 0.5})
   bm:train(data, {learningRate = 0.1, epochs = 20, exact = true})

Parameters: `weight` (n x n, symmetric, zero diagonal: every pair of units may be connected,
visible-visible and hidden-hidden included) and `bias` (n); all in double precision.

Exact quantities enumerate states in blocks of 2^14 (ebm_util.binaryStates) and combine the
blocks by log-sum-exp, so nothing overflows and memory stays at one block; this is limited to
BoltzmannMachine.maxEnumerationUnits = 20 units (2^20 states).

Sampling. Gibbs sweeps update units one at a time in index order (systematic scan): unit i
takes 1 with probability sigmoid(h_i / T), h_i = sum_j W_ij s_j + b_i. A batch of B chains is
held transposed (n x B) so that unit i of every chain is one contiguous row: a sweep is n Lua
steps, each one matrix-vector product and one fused sigmoid-Bernoulli draw for all chains.

Learning (Ackley, Hinton and Sejnowski 1985). The log-likelihood gradient is
   dL/dW_ij = <s_i s_j>_clamped - <s_i s_j>_free,   dL/db_i = <s_i>_clamped - <s_i>_free
(for binary units <s_i> = <s_i s_i>, so both come from one n x n statistics matrix). The
clamped phase fixes the visible units at the data; the free phase runs unclamped. Statistics
are exact (by enumeration) or sampled by Gibbs chains.
]]

local hm = require 'harmonium'
local util = require 'harmonium.ebm_util'

local CLASS = 'hm.BoltzmannMachine'
local BM = hm.class(CLASS)
local fail, withgen = util.fail, util.withGenerator

--- BoltzmannMachine.maxEnumerationUnits: the most units exact enumeration accepts
BM.maxEnumerationUnits = 20

--- hm.BoltzmannMachine(nVisible [, nHidden = 0] [, opts]) -> a machine with small random weights
-- ARGS: nVisible >= 1, nHidden >= 0 (integers); opts.stdv (initial weight scale, default 0.1),
--       opts.generator (an hm.Generator for the initial weights)
-- ERRORS: sizes that are not integers in range
function BM:__init(nVisible, nHidden, opts)
   nVisible = util.checkCount(CLASS, "nVisible", nVisible, 1)
   nHidden = util.checkCount(CLASS, "nHidden", nHidden or 0, 0)
   opts = util.checkOpts(CLASS, opts)
   self.nVisible, self.nHidden = nVisible, nHidden
   self.n = nVisible + nHidden
   self.weight = hm.DoubleTensor(self.n, self.n)
   self.bias = hm.DoubleTensor(self.n):zero()
   self:reset(opts.stdv, opts.generator)
end

--- bm:reset([stdv = 0.1] [, gen]) -> bm: weights uniform in [-stdv, stdv], symmetrised, zero
-- diagonal; zero biases
function BM:reset(stdv, gen)
   stdv = util.checkNonNegative(CLASS, "stdv", stdv, 0.1)
   withgen(self.weight.uniform, gen, self.weight, -stdv, stdv)
   self.bias:zero()
   return self:symmetrize()
end

--- bm:symmetrize() -> bm: W = (W + W^T) / 2 with a zero diagonal (call after editing weight)
function BM:symmetrize()
   local W, n = self.weight, self.n
   W:add(W:t():clone()):mul(0.5)
   local flat = W:view(n * n)
   for i = 1, n do flat[(i - 1) * (n + 1) + 1] = 0 end
   return self
end

function BM:__tostring()
   return string.format("%s(%d visible, %d hidden)", CLASS, self.nVisible, self.nHidden)
end

------------------------------------------------------------------ energies

-- -1/2 rowsum(S .* (S W)) - S b for rows S (B x k), weights W (k x k), bias b (k): a B vector.
local function quadEnergy(S, W, b)
   local e = S:mm(W):cmul(S):sum(2):view(S:size(1))
   e:mul(-0.5)
   e:addmv(-1, S, b)
   return e
end

--- bm:energy(state) -> E (a number for one state (n), a B vector for B x n states)
-- E = -1/2 s^T W s - b^T s. States need not be binary (any finite numbers).
-- ERRORS: wrong width or dimension, NaN
function BM:energy(state)
   local S, vector = util.checkStates(CLASS, "state", state, self.n)
   local e = quadEnergy(S, self.weight, self.bias)
   if vector then return e[1] end
   return e
end

local function checkEnumerable(self, k, what)
   if k > BM.maxEnumerationUnits then
      fail(CLASS, string.format("exact enumeration needs at most %d units, this machine has %d%s",
                                BM.maxEnumerationUnits, k, what or ""), 3)
   end
end

-- Blocks of -E(v_b, h) for every data row v_b (V is B x nV) and every hidden state h:
-- calls fn(H, negE) with H (count x nH) the hidden states of the block and negE (B x count).
-- E(v, h) = Ev(v) - v^T Wvh h + Eh(h), so a block is one GEMM plus two rank-1 updates.
local function hiddenBlocks(self, V, fn)
   local nV, nH, W, b = self.nVisible, self.nHidden, self.weight, self.bias
   local B = V:size(1)
   local Wvv, Wvh = W:narrow(1, 1, nV):narrow(2, 1, nV), W:narrow(1, 1, nV):narrow(2, nV + 1, nH)
   local Whh = W:narrow(1, nV + 1, nH):narrow(2, nV + 1, nH)
   local bv, bh = b:narrow(1, 1, nV), b:narrow(1, nV + 1, nH)
   local Ev = quadEnergy(V, Wvv, bv)
   local A = V:mm(Wvh)
   local onesB = hm.DoubleTensor(B):fill(1)
   local H, negE = hm.DoubleTensor(), hm.DoubleTensor()
   -- keep a block at about 2^20 doubles whatever the batch size
   local block = math.max(1, math.min(util.BLOCK, 2 ^ 20 // B))
   return util.logsumexpBlocks(2 ^ nH, block, function(first, count)
      util.binaryStates(nH, first, count, H)
      local Eh = quadEnergy(H, Whh, bh)
      negE:resize(B, count):mm(A, H:t())
      negE:addr(-1, Ev, hm.DoubleTensor(count):fill(1))
      negE:addr(-1, onesB, Eh)
      if fn then fn(H, negE) end
      return negE
   end)
end

-- F(v) for rows V (B x nV), as a B vector.
local function freeEnergies(self, V)
   if self.nHidden == 0 then return quadEnergy(V, self.weight, self.bias) end
   checkEnumerable(self, self.nHidden, " hidden units")
   return hiddenBlocks(self, V):view(V:size(1)):neg()
end

--- bm:freeEnergy(v) -> F (a number for one visible vector (nVisible), a B vector for B x nVisible)
-- F(v) = -log sum_h exp(-E(v, h)), by enumerating the 2^nHidden hidden states.
-- ERRORS: wrong width, non-binary v, more than maxEnumerationUnits hidden units
function BM:freeEnergy(v)
   local V, vector = util.checkStates(CLASS, "visible states", v, self.nVisible, "binary")
   local F = freeEnergies(self, V)
   if vector then return F[1] end
   return F
end

--- bm:logPartition() -> log Z = log sum_s exp(-E(s)) over all 2^n states
-- ERRORS: more than maxEnumerationUnits units
function BM:logPartition()
   checkEnumerable(self, self.n)
   local X = hm.DoubleTensor()
   return util.logsumexpBlocks(2 ^ self.n, util.BLOCK, function(first, count)
      util.binaryStates(self.n, first, count, X)
      return quadEnergy(X, self.weight, self.bias):neg()
   end)
end

--- bm:logProbability(v) -> log p(v) = -F(v) - log Z (a number, or a B vector for B x nVisible)
-- ERRORS: as freeEnergy and logPartition
function BM:logProbability(v)
   local V, vector = util.checkStates(CLASS, "visible states", v, self.nVisible, "binary")
   checkEnumerable(self, self.n)
   local lp = freeEnergies(self, V):neg():add(-self:logPartition())
   if vector then return lp[1] end
   return lp
end

--- bm:logLikelihood(data) -> the average log p(v) over the rows of data, in nats
function BM:logLikelihood(data)
   local V = util.checkStates(CLASS, "data", data, self.nVisible, "binary")
   checkEnumerable(self, self.n)
   return freeEnergies(self, V):neg():mean() - self:logPartition()
end

--- bm:probabilities([which = 'visible']) -> p, states
-- which = 'visible': p(v) for the 2^nVisible visible states; 'joint': p(v, h) for all 2^n
-- states. states (2^k x k, DoubleTensor) lists them in ebm_util's order (unit 1 is the least
-- significant bit of the state number); p sums to 1.
-- ERRORS: bad which, more than maxEnumerationUnits units
function BM:probabilities(which)
   which = which or "visible"
   checkEnumerable(self, self.n)
   local logZ = self:logPartition()
   if which == "visible" then
      local states = util.binaryStates(self.nVisible, 0, 2 ^ self.nVisible)
      return freeEnergies(self, states):neg():add(-logZ):exp(), states
   elseif which == "joint" then
      local states = util.binaryStates(self.n, 0, 2 ^ self.n)
      return quadEnergy(states, self.weight, self.bias):neg():add(-logZ):exp(), states
   end
   fail(CLASS, "probabilities: which must be 'visible' or 'joint', got " .. tostring(which))
end

------------------------------------------------------------------ Gibbs sampling

-- The units a sweep updates (the others are clamped). clamp: nil/false (none clamped), true
-- (the visible units), or a mask (table or tensor, nVisible or n entries; true or nonzero means
-- clamped).
local function freeUnits(self, clamp)
   local n, nV = self.n, self.nVisible
   local held = {}
   if clamp == true then
      for i = 1, nV do held[i] = true end
   elseif clamp ~= nil and clamp ~= false then
      local list
      if hm.isTensor(clamp) then
         list = clamp:nElement() > 0 and clamp:contiguous():view(-1):totable() or {}
      elseif type(clamp) == "table" then
         list = clamp
      else
         fail(CLASS, "clamp must be true, a mask table or a mask tensor, got " .. hm.type(clamp), 4)
      end
      if #list ~= nV and #list ~= n then
         fail(CLASS, string.format("clamp mask must have %d (visible) or %d entries, got %d",
                                   nV, n, #list), 4)
      end
      for i = 1, #list do held[i] = list[i] == true or (type(list[i]) == "number" and list[i] ~= 0) end
   end
   local free = {}
   for i = 1, n do if not held[i] then free[#free + 1] = i end end
   return free
end

-- Chains for states S (B x n): the transposed copy X (n x B) and per-row views.
local Chains = {}
Chains.__index = Chains

local function newChains(self, S)
   local B = S:size(1)
   local c = setmetatable({ bm = self, X = S:t():contiguous(), rowsW = {}, rowsX = {},
                            h = hm.DoubleTensor(B), prob = hm.DoubleTensor(B),
                            tmp = hm.DoubleTensor(B), mask = hm.ByteTensor(B) }, Chains)
   c.XT = c.X:t()
   for i = 1, self.n do c.rowsW[i], c.rowsX[i] = self.weight[i], c.X[i] end
   return c
end

-- One sweep over the units in `free`, in order, at temperature T (0: greedy descent).
function Chains:sweep(free, T, gen)
   local b, h, XT = self.bm.bias, self.h, self.XT
   for k = 1, #free do
      local i = free[k]
      local xi = self.rowsX[i]
      h:mv(XT, self.rowsW[i])
      h:add(b[i])
      if T == 0 then
         -- s_i = 1 when h_i > 0, 0 when h_i < 0, unchanged when h_i = 0
         hm.eq(self.mask, h, 0)
         self.tmp:copy(self.mask):cmul(xi)
         hm.gt(self.mask, h, 0)
         xi:copy(self.mask):add(self.tmp)
      else
         if T ~= 1 then h:div(T) end
         withgen(hm.sigmoidBernoulli, gen, xi, self.prob, h)
      end
   end
end

-- The states back as B x n (a new contiguous tensor).
function Chains:states()
   return self.XT:contiguous()
end

-- Common argument handling of gibbs and anneal: states (a copy), vector flag, free units.
local function chainArgs(self, state, opts)
   local S, vector = util.checkStates(CLASS, "state", state, self.n, "binary")
   opts = util.checkOpts(CLASS, opts)
   local clamp = opts.clamp
   if opts.visible ~= nil then
      local V = util.checkStates(CLASS, "clamped visible values", opts.visible, self.nVisible, "binary")
      if V:size(1) ~= S:size(1) and V:size(1) ~= 1 then
         fail(CLASS, string.format("clamped visible values have %d rows for %d chains",
                                   V:size(1), S:size(1)), 3)
      end
      S:narrow(2, 1, self.nVisible):copy(V:expand(S:size(1), self.nVisible))
      if clamp == nil then clamp = true end
   end
   return S, vector, freeUnits(self, clamp), opts
end

--- bm:gibbs(state, [sweeps = 1] [, opts]) -> the new states (DoubleTensor shaped as state)
-- Runs `sweeps` Gibbs sweeps (units in index order) on every chain; the rows of a B x n state
-- are B independent chains, sampled together.
-- ARGS: state, binary (n) or (B x n); opts.temperature (T >= 0, default 1; 0 gives greedy
--   energy descent); opts.clamp (true: hold the visible units; or a mask of nVisible or n
--   entries, true/nonzero = held at its value in state); opts.visible (values, nVisible or
--   B x nVisible, written into the visible units and held: clamp defaults to true);
--   opts.generator (an hm.Generator; default the global one)
-- ERRORS: wrong width, non-binary state, negative sweeps or temperature, bad clamp
function BM:gibbs(state, sweeps, opts)
   if type(sweeps) == "table" and opts == nil then sweeps, opts = nil, sweeps end
   local S, vector, free
   S, vector, free, opts = chainArgs(self, state, opts)
   sweeps = util.checkCount(CLASS, "number of sweeps", sweeps or 1, 0)
   local T = util.checkTemperature(CLASS, opts.temperature, 1)
   local c = newChains(self, S)
   for _ = 1, sweeps do c:sweep(free, T, opts.generator) end
   S = c:states()
   if vector then return S:view(self.n) end
   return S
end

--- bm:anneal(state, schedule [, opts]) -> states, energies
-- Simulated annealing (Kirkpatrick et al. 1983): one Gibbs sweep at each temperature of the
-- schedule, in order. End the schedule with 0 for a final greedy descent to a local minimum.
-- ARGS: state as in gibbs; schedule, a table of temperatures (e.g. from
--   ebm_util.geometricSchedule) or a function k -> T called for k = 1, 2, ... until it returns
--   nil or k exceeds opts.sweeps (default 10000); opts.clamp, opts.visible, opts.generator as
--   in gibbs
-- RETURNS: the final states and their energies (a number for one state, a B vector)
-- ERRORS: as gibbs; a schedule that is neither a table nor a function; a negative temperature
function BM:anneal(state, schedule, opts)
   local S, vector, free
   S, vector, free, opts = chainArgs(self, state, opts)
   local nextT
   if type(schedule) == "table" then
      nextT = function(k) return schedule[k] end
   elseif type(schedule) == "function" then
      nextT = schedule
   else
      fail(CLASS, "anneal: schedule must be a table of temperatures or a function, got "
           .. type(schedule))
   end
   local maxk = type(schedule) == "table" and #schedule
                or util.checkCount(CLASS, "sweeps", opts.sweeps or 10000, 0)
   local c = newChains(self, S)
   for k = 1, maxk do
      local T = nextT(k)
      if T == nil then break end
      T = util.checkTemperature(CLASS, T)
      c:sweep(free, T, opts.generator)
   end
   S = c:states()
   local e = quadEnergy(S, self.weight, self.bias)
   if vector then return S:view(self.n), e[1] end
   return S, e
end

------------------------------------------------------------------ learning

--- bm:exactStatistics(data) -> clamped, free: n x n matrices of <s_i s_j> (diagonal: <s_i>)
-- clamped averages over the rows of data with the hidden units at p(h | v); free is under
-- the model's distribution. Both by enumeration.
-- ERRORS: wrong width, non-binary data, more than maxEnumerationUnits units
function BM:exactStatistics(data)
   local V = util.checkStates(CLASS, "data", data, self.nVisible, "binary")
   checkEnumerable(self, self.n)
   local n, nV, nH, B = self.n, self.nVisible, self.nHidden, V:size(1)
   local Cc = hm.DoubleTensor(n, n):zero()
   Cc:narrow(1, 1, nV):narrow(2, 1, nV):mm(V:t(), V)
   if nH > 0 then
      local F = freeEnergies(self, V):view(B, 1)
      local Svh, Shh = hm.DoubleTensor(nV, nH):zero(), hm.DoubleTensor(nH, nH):zero()
      hiddenBlocks(self, V, function(H, negE)
         -- p(h | v_b) = exp(-E(v_b, h) + F(v_b)); negE is scratch afterwards
         local P = negE:clone():add(F:expandAs(negE)):exp()
         Svh:addmm(V:t(), P:mm(H))
         local w = P:sum(1):view(H:size(1), 1)
         Shh:addmm(H:t(), hm.cmul(H, w:expandAs(H)))
      end)
      Cc:narrow(1, 1, nV):narrow(2, nV + 1, nH):copy(Svh)
      Cc:narrow(1, nV + 1, nH):narrow(2, 1, nV):copy(Svh:t())
      Cc:narrow(1, nV + 1, nH):narrow(2, nV + 1, nH):copy(Shh)
   end
   Cc:div(B)
   local logZ = self:logPartition()
   local Cf = hm.DoubleTensor(n, n):zero()
   local X = hm.DoubleTensor()
   for first = 0, 2 ^ n - 1, util.BLOCK do
      local count = math.min(util.BLOCK, 2 ^ n - first)
      util.binaryStates(n, first, count, X)
      local p = quadEnergy(X, self.weight, self.bias):neg():add(-logZ):exp():view(count, 1)
      Cf:addmm(X:t(), hm.cmul(X, p:expandAs(X)))
   end
   return Cc, Cf
end

-- Sampled statistics: the clamped phase starts each data row with random hiddens and runs
-- clampedSweeps sweeps of the hidden units; the free phase runs freeSweeps sweeps of all units
-- on `chains` chains, persistent across updates (kept in self.freeChains) unless
-- opts.persistent == false.
local function sampledStatistics(self, V, o)
   local n, nV, nH, B = self.n, self.nVisible, self.nHidden, V:size(1)
   local S = hm.DoubleTensor(B, n)
   S:narrow(2, 1, nV):copy(V)
   if nH > 0 then
      withgen(S:narrow(2, nV + 1, nH).bernoulli, o.generator, S:narrow(2, nV + 1, nH), 0.5)
      local c = newChains(self, S)
      local hidden = freeUnits(self, true)
      for _ = 1, o.clampedSweeps do c:sweep(hidden, 1, o.generator) end
      S = c:states()
   end
   local Cc = S:t():mm(S):div(B)

   local F = o.persistent and self.freeChains
   if not (F and F:size(1) == o.chains and F:size(2) == n) then
      F = hm.DoubleTensor(o.chains, n)
      withgen(F.bernoulli, o.generator, F, 0.5)
   end
   local c = newChains(self, F)
   local all = freeUnits(self, nil)
   for _ = 1, o.freeSweeps do c:sweep(all, 1, o.generator) end
   F = c:states()
   if o.persistent then self.freeChains = F end
   local Cf = F:t():mm(F):div(o.chains)
   return Cc, Cf
end

-- W += lr (G - wd W), b += lr diag(G), with G = Cc - Cf symmetrised; zero diagonal.
local function applyUpdate(self, Cc, Cf, lr, wd)
   local n = self.n
   local G = Cc:add(-1, Cf)
   G:add(G:t():clone()):mul(0.5)
   local flatG = G:view(n * n)
   for i = 1, n do
      local d = (i - 1) * (n + 1) + 1
      self.bias[i] = self.bias[i] + lr * flatG[d]
      flatG[d] = 0
   end
   if wd > 0 then self.weight:mul(1 - lr * wd) end
   self.weight:add(lr, G)
   local W = self.weight:view(n * n)
   for i = 1, n do W[(i - 1) * (n + 1) + 1] = 0 end
   local bad = self.weight:ne(self.weight):sum() + self.bias:ne(self.bias):sum()
   if bad > 0 or self.weight:abs():max() == math.huge or self.bias:abs():max() == math.huge then
      fail(CLASS, "train: NaN or infinite parameters after an update (learning rate too large?)", 3)
   end
end

--- bm:train(data, [opts]) -> bm
-- Learning by the difference of clamped and free phase statistics (Ackley, Hinton and
-- Sejnowski 1985): dW_ij = lr (<s_i s_j>_clamped - <s_i s_j>_free - wd W_ij),
-- db_i = lr (<s_i>_clamped - <s_i>_free); W stays symmetric with a zero diagonal.
-- ARGS: data, binary (N x nVisible, or one row); opts:
--   learningRate (> 0, default 0.1); epochs (default 10); weightDecay (>= 0, default 0);
--   batchSize (default N: full-batch); shuffle (default true when batchSize < N);
--   exact (default false: statistics by enumeration, at most maxEnumerationUnits units);
--   sampled statistics: clampedSweeps (default 10), freeSweeps (default 10), chains (free-phase
--   chains, default batchSize), persistent (default true: free chains carry over between
--   updates, as in persistent contrastive divergence);
--   generator (an hm.Generator); callback(epoch, bm) called after each epoch
-- ERRORS: wrong width, non-binary data, non-positive learning rate, negative weight decay,
--   bad counts, too many units for exact, NaN or infinite parameters during training
function BM:train(data, opts)
   local V = util.checkStates(CLASS, "data", data, self.nVisible, "binary")
   opts = util.checkOpts(CLASS, opts)
   local lr = util.checkPositive(CLASS, "learning rate", opts.learningRate, 0.1)
   local wd = util.checkNonNegative(CLASS, "weight decay", opts.weightDecay, 0)
   local epochs = util.checkCount(CLASS, "epochs", opts.epochs or 10, 0)
   local N = V:size(1)
   if N == 0 then fail(CLASS, "train: data has no rows") end
   local batchSize = math.min(N, util.checkCount(CLASS, "batchSize", opts.batchSize or N, 1))
   local o = { generator = opts.generator, persistent = opts.persistent ~= false }
   if opts.exact then
      checkEnumerable(self, self.n)
   else
      o.clampedSweeps = util.checkCount(CLASS, "clampedSweeps", opts.clampedSweeps or 10, 1)
      o.freeSweeps = util.checkCount(CLASS, "freeSweeps", opts.freeSweeps or 10, 1)
      o.chains = util.checkCount(CLASS, "chains", opts.chains or batchSize, 1)
   end
   if opts.callback ~= nil and type(opts.callback) ~= "function" then
      fail(CLASS, "callback must be a function, got " .. type(opts.callback))
   end
   local shuffle = batchSize < N and opts.shuffle ~= false
   for epoch = 1, epochs do
      local order = shuffle and withgen(hm.randperm, o.generator, N)
      for first = 1, N, batchSize do
         local count = math.min(batchSize, N - first + 1)
         local Vb = order and V:indexSelect(1, order:narrow(1, first, count))
                    or V:narrow(1, first, count)
         local Cc, Cf
         if opts.exact then
            Cc, Cf = self:exactStatistics(Vb)
         else
            Cc, Cf = sampledStatistics(self, Vb, o)
         end
         applyUpdate(self, Cc, Cf, lr, wd)
      end
      if opts.callback then opts.callback(epoch, self) end
   end
   return self
end

--- BoltzmannMachine.geometricSchedule / linearSchedule: annealing schedules (see ebm_util)
BM.geometricSchedule = util.geometricSchedule
BM.linearSchedule = util.linearSchedule

return BM

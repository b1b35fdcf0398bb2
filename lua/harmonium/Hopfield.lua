--[[ hm.Hopfield: a Hopfield network of n binary (+1/-1) units (Hopfield 1982).

   local net = hm.Hopfield(200)
   net:store(patterns)                      -- M x n of +1/-1, Hebbian outer-product rule
   local s, sweeps, info = net:recall(probe) -- asynchronous updates until stable
   net:energy(s)                            -- E = -1/2 s^T W s - b^T s

Weights: W = (1/n) sum_mu p_mu p_mu^T (or without the 1/n when normalize = false), zero
diagonal, symmetric; `bias` (n, zero by default) holds the thresholds with the sign of an
external field. The local field of unit i is h_i = sum_j W_ij s_j + b_i.

Dynamics. Deterministic units take s_i = sign(h_i) and keep their state when h_i = 0, so
asynchronous updates never raise the energy (dE = -(s_i' - s_i) h_i <= 0). Stochastic units at
temperature T > 0 take s_i = +1 with probability sigmoid(2 h_i / T) (Glauber dynamics).

Batches. recall and energy take one state (n) or a batch (P x n). The batch is held transposed
(n x P) so that unit i of every probe is one contiguous row: an asynchronous sweep is n Lua
steps, each one matrix-vector product giving unit i's field in all P probes at once.
Every probe visits units in the same random order in a sweep (one permutation per sweep).
]]

local hm = require 'harmonium'
local util = require 'harmonium.ebm_util'

local CLASS = 'hm.Hopfield'
local Hopfield = hm.class(CLASS)

--- hm.Hopfield(n [, opts]) -> a network of n units with no stored patterns
-- ARGS: n (integer >= 1); opts.normalize (default true: the 1/n factor of the Hebbian rule)
-- ERRORS: n not a positive integer
function Hopfield:__init(n, opts)
   n = util.checkCount(CLASS, "number of units", n, 1)
   opts = util.checkOpts(CLASS, opts)
   self.n = n
   self.normalize = opts.normalize ~= false
   self.weight = hm.DoubleTensor(n, n):zero()
   self.bias = hm.DoubleTensor(n):zero()
   self.nPatterns = 0
end

--- net:reset() -> net: forget every stored pattern (zero weights and bias)
function Hopfield:reset()
   self.weight:zero()
   self.bias:zero()
   self.nPatterns = 0
   return self
end

--- net:store(patterns) -> net
-- Adds patterns to the memory by the Hebbian outer-product rule W += c P^T P (c = 1/n or 1),
-- then clears the diagonal. Storing again adds to the patterns already stored.
-- ARGS: patterns, one pattern (n) or M x n, every value +1 or -1 (tensor of any type or table)
-- ERRORS: wrong width, values other than +1/-1
function Hopfield:store(patterns)
   local P = util.checkStates(CLASS, "patterns", patterns, self.n, "sign")
   local c = self.normalize and 1 / self.n or 1
   self.weight:addmm(1, c, P:t(), P)
   -- zero the diagonal through the flat view: element (i, i) is at (i-1)(n+1)+1
   local flat, n = self.weight:view(self.n * self.n), self.n
   for i = 1, n do flat[(i - 1) * (n + 1) + 1] = 0 end
   self.nPatterns = self.nPatterns + P:size(1)
   return self
end

-- E per row of S (B x n): -1/2 rowsum(S .* (S W)) - S b, as a B vector.
local function energies(self, S)
   local SW = S:mm(self.weight)
   local e = SW:cmul(S):sum(2):view(S:size(1))
   e:mul(-0.5)
   e:addmv(-1, S, self.bias)
   return e
end

--- net:energy(state) -> E (a number for one state n, a B vector for B x n states)
-- E = -1/2 s^T W s - b^T s. The state need not be +1/-1 (any finite numbers).
-- ERRORS: wrong width or dimension
function Hopfield:energy(state)
   local S, vector = util.checkStates(CLASS, "state", state, self.n)
   local e = energies(self, S)
   if vector then return e[1] end
   return e
end

local withgen = util.withGenerator

-- One asynchronous sweep over X (n x P, the transposed states), units in random order.
-- Returns the number of unit changes (summed over probes).
local function asyncSweep(self, X, XT, rowsW, rowsX, T, gen, buf)
   local n, b = self.n, self.bias
   local order = withgen(hm.randperm, gen, n)
   local h, prod, mask, sample, prob = buf.h, buf.prod, buf.mask, buf.sample, buf.prob
   local changed = 0
   for k = 1, n do
      local i = order[k]
      local xi = rowsX[i]
      h:mv(XT, rowsW[i])
      h:add(b[i])
      if T == 0 then
         -- flip where the field opposes the state (h_i s_i < 0); ties keep the state
         hm.cmul(prod, h, xi)
         hm.lt(mask, prod, 0)
         local nflip = mask:sum()
         if nflip > 0 then
            prod:copy(mask)
            xi:addcmul(-2, xi, prod)
            changed = changed + nflip
         end
      else
         h:mul(2 / T)
         withgen(hm.sigmoidBernoulli, gen, sample, prob, h)
         sample:mul(2):add(-1)
         hm.ne(mask, sample, xi)
         local nchange = mask:sum()
         if nchange > 0 then
            xi:copy(sample)
            changed = changed + nchange
         end
      end
   end
   return changed
end

-- One synchronous step: every unit of every probe from the fields of S (P x n). Returns the
-- new states (a new tensor).
local function syncStep(self, S, T, gen)
   local P = S:size(1)
   local H = S:mm(self.weight)
   H:addr(1, hm.DoubleTensor(P):fill(1), self.bias)
   if T == 0 then
      local prod = hm.cmul(H, S)
      local flip = hm.DoubleTensor(prod:size()):copy(prod:lt(0))
      return S:clone():addcmul(-2, S, flip)
   end
   H:mul(2 / T)
   local sample = withgen(hm.sigmoidBernoulli, gen, H)
   return sample:mul(2):add(-1)
end

local function same(a, b)
   return a:ne(b):sum() == 0
end

--- net:recall(probe [, opts]) -> state, sweeps, info
-- ARGS: probe, one state (n) or P x n probes, values +1/-1;
--       opts.mode 'async' (default: units one at a time in a fresh random order each sweep)
--         or 'sync' (all units at once from the previous states);
--       opts.maxSweeps (default 100); opts.temperature (default 0: deterministic units;
--         T > 0: p(s_i = +1) = sigmoid(2 h_i / T)); opts.generator (an hm.Generator, default
--         the global one) for the unit order and the stochastic draws
-- RETURNS: the final states (DoubleTensor shaped as probe); the number of sweeps run (async:
--   the last is the sweep in which no unit changed; sync: the number of synchronous steps);
--   info = {converged = true when no unit changed in the last sweep / step,
--           cycle = true when sync mode stopped in a 2-cycle (every probe's state equal to
--           the one two steps back, and not all fixed)}
-- Stochastic recall stops early only when a full sweep changes nothing.
-- ERRORS: wrong width, values other than +1/-1, bad mode, negative temperature, bad maxSweeps
function Hopfield:recall(probe, opts)
   local S, vector = util.checkStates(CLASS, "probe", probe, self.n, "sign")
   opts = util.checkOpts(CLASS, opts)
   local mode = opts.mode or "async"
   if mode ~= "async" and mode ~= "sync" then
      util.fail(CLASS, "mode must be 'async' or 'sync', got " .. tostring(mode))
   end
   local maxSweeps = util.checkCount(CLASS, "maxSweeps", opts.maxSweeps or 100, 1)
   local T = util.checkTemperature(CLASS, opts.temperature, 0)
   local gen = opts.generator
   local P = S:size(1)
   local info = { converged = false, cycle = false }
   local sweeps = 0

   if mode == "sync" then
      local older
      for sweep = 1, maxSweeps do
         local N = syncStep(self, S, T, gen)
         sweeps = sweep
         if same(N, S) then
            info.converged = true
            break
         end
         if older and same(N, older) then
            info.cycle = true
            S = N
            break
         end
         older, S = S, N
      end
   else
      local X = S:t():contiguous()  -- n x P: unit i of all probes is row i
      local XT = X:t()
      local rowsW, rowsX = {}, {}
      for i = 1, self.n do rowsW[i], rowsX[i] = self.weight[i], X[i] end
      local buf = { h = hm.DoubleTensor(P), prod = hm.DoubleTensor(P), mask = hm.ByteTensor(P),
                    sample = hm.DoubleTensor(P), prob = hm.DoubleTensor(P) }
      for sweep = 1, maxSweeps do
         sweeps = sweep
         if asyncSweep(self, X, XT, rowsW, rowsX, T, gen, buf) == 0 then
            info.converged = true
            break
         end
      end
      S = XT:contiguous()
   end
   if vector then return S:view(self.n), sweeps, info end
   return S, sweeps, info
end

--- net:overlap(state, patterns) -> m: the overlaps m = (1/n) state . pattern (a P x M tensor,
-- or a number for one state and one pattern); 1 is perfect recall, -1 the inverted pattern
function Hopfield:overlap(state, patterns)
   local S, sv = util.checkStates(CLASS, "state", state, self.n)
   local Pm, pv = util.checkStates(CLASS, "patterns", patterns, self.n)
   local m = S:mm(Pm:t()):div(self.n)
   if sv and pv then return m[1][1] end
   return m
end

function Hopfield:__tostring()
   return string.format("hm.Hopfield(%d units, %d patterns)", self.n, self.nPatterns)
end

return Hopfield

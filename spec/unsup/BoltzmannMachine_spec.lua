-- Specs for lua/harmonium/BoltzmannMachine.lua: energies, free energies and the partition
-- function against a hand enumeration in plain Lua numbers, Gibbs sampling against the exact
-- distribution, annealing, the exact learning gradient and learning, and argument errors.
local hm = require 'harmonium'

-- A machine with random weights (normal, scale w) and biases, from generator g.
local function randomMachine(nV, nH, g, w)
   local bm = hm.BoltzmannMachine(nV, nH)
   bm.weight:normal(0, w or 1, g)
   bm:symmetrize()
   bm.bias:normal(0, 1, g)
   return bm
end

-- The bits of state number s (0-based) as a Lua table of n numbers, unit 1 the lowest bit.
local function bits(s, n)
   local x = {}
   for j = 1, n do x[j] = (s >> (j - 1)) & 1 end
   return x
end

-- E(x) in plain Lua numbers from the machine's parameters.
local function naiveEnergy(bm, x)
   local W, b = bm.weight:totable(), bm.bias:totable()
   local e = 0
   for i = 1, bm.n do
      e = e - b[i] * x[i]
      for j = 1, bm.n do e = e - 0.5 * W[i][j] * x[i] * x[j] end
   end
   return e
end

-- Hand enumeration: Z = sum_s exp(-E(s)) and, per visible state number v, sum_h exp(-E(v, h)).
local function naiveSums(bm, T)
   T = T or 1
   local Z, perV, joint = 0, {}, {}
   for s = 0, 2 ^ bm.n - 1 do
      local p = math.exp(-naiveEnergy(bm, bits(s, bm.n)) / T)
      Z = Z + p
      joint[s] = p
      local v = s % 2 ^ bm.nVisible
      perV[v] = (perV[v] or 0) + p
   end
   return Z, perV, joint
end

-- Counts of each state number among the rows of S (B x n binary).
local function countStates(S, counts)
   local n = S:size(2)
   local pw = hm.DoubleTensor(n)
   for j = 1, n do pw[j] = 2 ^ (j - 1) end
   local idx = S:mv(pw)
   for r = 1, idx:size(1) do
      local s = math.floor(idx[r])
      counts[s] = (counts[s] or 0) + 1
   end
   return counts
end

-- Pearson's chi-square of counts against probabilities (state number -> p).
local function chiSquare(counts, probs, total)
   local chi = 0
   for s, p in pairs(probs) do
      local e = p * total
      chi = chi + ((counts[s] or 0) - e) ^ 2 / e
   end
   return chi
end

describe("hm.BoltzmannMachine", function()
   it("holds a symmetric weight matrix with a zero diagonal, visible units first", function()
      local bm = hm.BoltzmannMachine(3, 2)
      assert.are.equal(5, bm.n)
      assert.are.same({ 5, 5 }, bm.weight:size():totable())
      assert.are.equal(5, bm.bias:size(1))
      assert.tensor_near(bm.weight, bm.weight:t(), 0)
      for i = 1, 5 do assert.are.equal(0, bm.weight[i][i]) end
      assert.is_true(bm.weight:abs():max() > 0)
      assert.are.equal("hm.BoltzmannMachine(3 visible, 2 hidden)", tostring(bm))
      assert.are.equal(0, hm.BoltzmannMachine(4).nHidden)
      -- saved and loaded as an hm.class object
      local path = os.tmpname()
      hm.save(path, bm)
      local back = hm.load(path)
      os.remove(path)
      assert.are.equal("hm.BoltzmannMachine", hm.type(back))
      assert.is_near(bm:logPartition(), back:logPartition(), 1e-12)
   end)

   it("computes E = -1/2 s^T W s - b^T s, one state or a batch", function()
      local bm = hm.BoltzmannMachine(2, 1, { stdv = 0 })
      bm.weight[1][2], bm.weight[2][1] = 2, 2
      bm.weight[2][3], bm.weight[3][2] = -1, -1
      bm.bias:copy(hm.DoubleTensor({ 0.5, -1, 3 }))
      -- s = (1, 1, 1): -(2 - 1) - (0.5 - 1 + 3) = -3.5
      assert.is_near(-3.5, bm:energy({ 1, 1, 1 }), 1e-12)
      local g = hm.Generator(21)
      local r = randomMachine(3, 2, g)
      local S = hm.DoubleTensor(8, 5):bernoulli(0.5, g)
      local E = r:energy(S)
      for m = 1, 8 do assert.is_near(naiveEnergy(r, S[m]:totable()), E[m], 1e-12) end
      -- empty batches give empty results
      assert.are.equal(0, r:energy(hm.DoubleTensor(0, 5)):nElement())
      assert.are.equal(0, r:freeEnergy(hm.DoubleTensor(0, 3)):nElement())
      assert.are.same({ 0, 5 }, r:gibbs(hm.DoubleTensor(0, 5), 2):size():totable())
   end)

   it("matches a hand enumeration: free energies, log Z, log p(v) (3 visible + 2 hidden)", function()
      local bm = randomMachine(3, 2, hm.Generator(22))
      local Z, perV = naiveSums(bm)
      assert.is_near(math.log(Z), bm:logPartition(), 1e-12)
      local V = hm.DoubleTensor(8, 3)
      for v = 0, 7 do
         local x = bits(v, 3)
         V[v + 1]:copy(hm.DoubleTensor(x))
         assert.is_near(-math.log(perV[v]), bm:freeEnergy(x), 1e-12)
         assert.is_near(math.log(perV[v] / Z), bm:logProbability(x), 1e-12)
      end
      local F, lp = bm:freeEnergy(V), bm:logProbability(V)
      for v = 0, 7 do
         assert.is_near(-math.log(perV[v]), F[v + 1], 1e-12)
         assert.is_near(math.log(perV[v] / Z), lp[v + 1], 1e-12)
      end
   end)

   it("gives probabilities that sum to 1 and match the enumeration", function()
      local bm = randomMachine(3, 2, hm.Generator(23))
      local Z, perV, joint = naiveSums(bm)
      local p, states = bm:probabilities()
      assert.are.same({ 8, 3 }, states:size():totable())
      assert.is_near(1, p:sum(), 1e-12)
      for v = 0, 7 do assert.is_near(perV[v] / Z, p[v + 1], 1e-12) end
      local pj, sj = bm:probabilities("joint")
      assert.is_near(1, pj:sum(), 1e-12)
      for s = 0, 31 do
         assert.is_near(joint[s] / Z, pj[s + 1], 1e-12)
         assert.are.same(bits(s, 5), sj[s + 1]:totable())
      end
      local ll = 0
      for v = 0, 7 do ll = ll + math.log(perV[v] / Z) end
      assert.is_near(ll / 8, bm:logLikelihood(states), 1e-12)
   end)

   it("stays finite for large energies and agrees across enumeration blocks", function()
      -- energies in the thousands: exp would overflow without log-sum-exp
      local big = randomMachine(3, 2, hm.Generator(24), 400)
      local lz = big:logPartition()
      assert.is_true(lz > 100 and lz < math.huge)
      assert.is_near(1, big:probabilities():sum(), 1e-9)
      -- 4 visible + 12 hidden: log Z over 4 blocks of joint states equals log-sum-exp of
      -- -F(v) over the visible states; a batch of 600 rows splits the hidden states in blocks
      local bm = randomMachine(4, 12, hm.Generator(25), 0.3)
      local _, states = bm:probabilities()
      local negF = bm:freeEnergy(states):neg()
      assert.is_near(negF:logsumexp(1)[1], bm:logPartition(), 1e-9)
      local rows = states:indexSelect(1, hm.LongTensor(600):random(1, 16, hm.Generator(26)))
      local F = bm:freeEnergy(rows)
      for r = 1, 600, 37 do assert.is_near(bm:freeEnergy(rows[r]), F[r], 1e-9) end
      -- no hidden units: F(v) = E(v)
      local vis = randomMachine(4, 0, hm.Generator(27))
      assert.tensor_near(vis:energy(states), vis:freeEnergy(states), 1e-12)
   end)

   it("samples the exact distribution by Gibbs sampling (4 units, chi-square)", function()
      local g = hm.Generator(31)
      local bm = randomMachine(2, 2, g, 1)
      local Z, _, joint = naiveSums(bm)
      local probs = {}
      for s = 0, 15 do probs[s] = joint[s] / Z end
      local S = hm.DoubleTensor(2000, 4):bernoulli(0.5, g)
      S = bm:gibbs(S, 10, { generator = g })
      local counts = {}
      for _ = 1, 10 do
         S = bm:gibbs(S, 1, { generator = g })
         countStates(S, counts)
      end
      -- 15 degrees of freedom; successive sweeps are correlated, so allow a wide margin
      assert.is_true(chiSquare(counts, probs, 20000) < 60)
      -- at temperature 2 the chains follow exp(-E / 2), which the T = 1 law fails
      local Z2, _, joint2 = naiveSums(bm, 2)
      local probs2 = {}
      for s = 0, 15 do probs2[s] = joint2[s] / Z2 end
      local counts2 = {}
      for _ = 1, 10 do
         S = bm:gibbs(S, 2, { temperature = 2, generator = g })
         countStates(S, counts2)
      end
      assert.is_true(chiSquare(counts2, probs2, 20000) < 60)
      assert.is_true(chiSquare(counts2, probs, 20000) > 300)
   end)

   it("keeps clamped units fixed and samples the rest from the conditional", function()
      local g = hm.Generator(32)
      local bm = randomMachine(2, 2, g, 1)
      local _, _, joint = naiveSums(bm)
      -- v = (1, 0) is state number 1; hidden states add 4 * h
      local cond, total = {}, 0
      for h = 0, 3 do total = total + joint[1 + 4 * h] end
      for h = 0, 3 do cond[1 + 4 * h] = joint[1 + 4 * h] / total end
      local S = hm.DoubleTensor(4000, 4):bernoulli(0.5, g)
      S = bm:gibbs(S, 5, { visible = { 1, 0 }, generator = g })
      assert.tensor_near(hm.DoubleTensor(4000):fill(1), S:select(2, 1), 0)
      assert.tensor_near(hm.DoubleTensor(4000):fill(0), S:select(2, 2), 0)
      local counts = countStates(S, {})
      assert.is_true(chiSquare(counts, cond, 4000) < 30)
      -- a mask: only unit 3 is held
      local before = hm.DoubleTensor(50, 4):bernoulli(0.5, g)
      local after = bm:gibbs(before, 3, { clamp = { false, false, true, false }, generator = g })
      assert.tensor_near(before:select(2, 3), after:select(2, 3), 0)
      -- one chain as a vector
      assert.are.equal(1, bm:gibbs({ 0, 1, 0, 1 }, 2, { generator = g }):dim())
   end)

   it("anneals to the lowest-energy state", function()
      local g = hm.Generator(33)
      local bm = randomMachine(6, 2, g, 2)
      local best = math.huge
      for s = 0, 2 ^ 8 - 1 do best = math.min(best, naiveEnergy(bm, bits(s, 8))) end
      local schedule = hm.BoltzmannMachine.geometricSchedule(10, 0.05, 60)
      schedule[#schedule + 1] = 0
      local S, E = bm:anneal(hm.DoubleTensor(20, 8):zero(), schedule, { generator = g })
      assert.are.same({ 20, 8 }, S:size():totable())
      assert.is_near(best, E:min(), 1e-9)
      assert.is_near(best, bm:energy(S[select(2, E:min(1))[1]]), 1e-9)
      -- a schedule given as a function of the sweep number
      local _, e1 = bm:anneal(hm.DoubleTensor(8):zero(), function(k) return k <= 80 and 10 * 0.92 ^ k or nil end,
                              { generator = g })
      assert.is_true(e1 <= best + 5)
   end)

   it("has the exact log-likelihood gradient <s_i s_j>_clamped - <s_i s_j>_free", function()
      local g = hm.Generator(34)
      local bm = randomMachine(3, 2, g, 0.7)
      local data = hm.DoubleTensor(7, 3):bernoulli(0.5, g)
      local Cc, Cf = bm:exactStatistics(data)
      assert.tensor_near(Cc, Cc:t(), 1e-12)
      local eps = 1e-6
      local function ll() return bm:logLikelihood(data) end
      for i = 1, 5 do
         for j = i, 5 do
            local grad
            if i == j then
               local b0 = bm.bias[i]
               bm.bias[i] = b0 + eps; local up = ll()
               bm.bias[i] = b0 - eps; local down = ll()
               bm.bias[i] = b0
               grad = (up - down) / (2 * eps)
            else
               local w0 = bm.weight[i][j]
               bm.weight[i][j], bm.weight[j][i] = w0 + eps, w0 + eps; local up = ll()
               bm.weight[i][j], bm.weight[j][i] = w0 - eps, w0 - eps; local down = ll()
               bm.weight[i][j], bm.weight[j][i] = w0, w0
               grad = (up - down) / (2 * eps)
            end
            assert.is_near(grad, Cc[i][j] - Cf[i][j], 1e-7)
         end
      end
   end)

   it("raises the data log-likelihood monotonically with exact statistics", function()
      local g = hm.Generator(35)
      local bm = hm.BoltzmannMachine(3, 2, { generator = g })
      local data = hm.DoubleTensor({ { 1, 1, 0 }, { 1, 1, 0 }, { 0, 0, 1 }, { 1, 1, 1 }, { 0, 0, 1 }, { 1, 1, 0 } })
      local history = { bm:logLikelihood(data) }
      bm:train(data, { learningRate = 0.1, epochs = 40, exact = true,
                       callback = function(epoch, m) history[epoch + 1] = m:logLikelihood(data) end })
      assert.are.equal(41, #history)
      for k = 2, #history do assert.is_true(history[k] > history[k - 1]) end
      assert.is_true(history[41] > history[1] + 0.25)
      assert.tensor_near(bm.weight, bm.weight:t(), 0)
      for i = 1, 5 do assert.are.equal(0, bm.weight[i][i]) end
   end)

   it("learns from sampled clamped and free phase statistics", function()
      local g = hm.Generator(36)
      local bm = hm.BoltzmannMachine(3, 2, { generator = g })
      local data = hm.DoubleTensor({ { 1, 1, 0 }, { 1, 1, 0 }, { 0, 0, 1 }, { 1, 1, 1 }, { 0, 0, 1 }, { 1, 1, 0 } })
      local exact = hm.BoltzmannMachine(3, 2, { generator = hm.Generator(36) })
      exact:train(data, { learningRate = 0.1, epochs = 60, exact = true })
      local before = bm:logLikelihood(data)
      bm:train(data, { learningRate = 0.1, epochs = 60, chains = 500,
               clampedSweeps = 5, freeSweeps = 2, generator = g })
      local after = bm:logLikelihood(data)
      assert.is_true(after > before + 0.25)
      assert.is_true(after > exact:logLikelihood(data) - 0.15)
      -- minibatches with weight decay also run, and keep the constraints
      bm:train(data, { learningRate = 0.05, epochs = 2, batchSize = 4, weightDecay = 1e-3, generator = g })
      assert.tensor_near(bm.weight, bm.weight:t(), 0)
   end)

   it("gives clear errors naming the class", function()
      local C = "hm.BoltzmannMachine: "
      assert.error_matches(function() hm.BoltzmannMachine(0, 2) end, C .. "nVisible must be >= 1, got 0")
      assert.error_matches(function() hm.BoltzmannMachine(3, -1) end, C .. "nHidden must be >= 0, got %-1")
      local big = hm.BoltzmannMachine(20, 10)
      assert.error_matches(function() big:logPartition() end,
         C .. "exact enumeration needs at most 20 units, this machine has 30")
      assert.error_matches(function() big:train(hm.DoubleTensor(2, 20):zero(), { exact = true }) end,
         C .. "exact enumeration needs at most 20 units, this machine has 30")
      assert.error_matches(function() hm.BoltzmannMachine(2, 21):freeEnergy({ 0, 1 }) end,
         C .. "exact enumeration needs at most 20 units, this machine has 21 hidden units")
      local bm = hm.BoltzmannMachine(3, 2)
      assert.error_matches(function() bm:freeEnergy({ 0, 0.5, 1 }) end, C .. "visible states must be binary")
      assert.error_matches(function() bm:train(hm.DoubleTensor({ { 0, 2, 1 } })) end, C .. "data must be binary")
      assert.error_matches(function() bm:train(hm.DoubleTensor(4, 5):zero()) end,
         C .. "data must have 3 columns, got 4 x 5")
      assert.error_matches(function() bm:train(hm.DoubleTensor(4, 3):zero(), { learningRate = -0.1 }) end,
         C .. "learning rate must be a finite number > 0, got %-0.1")
      assert.error_matches(function() bm:train(hm.DoubleTensor(4, 3):zero(), { learningRate = 0 }) end,
         C .. "learning rate must be a finite number > 0")
      assert.error_matches(function() bm:gibbs({ 0, 1, 0, 1, 1 }, 1, { temperature = -2 }) end,
         C .. "temperature must be a finite number >= 0, got %-2")
      assert.error_matches(function() bm:anneal({ 0, 1, 0, 1, 1 }, { 2, 1, -1 }) end,
         C .. "temperature must be a finite number >= 0, got %-1")
      assert.error_matches(function() bm:anneal({ 0, 1, 0, 1, 1 }, 3) end, C .. "anneal: schedule must be")
      assert.error_matches(function() bm:gibbs({ 0, 1, 0, 1, 1 }, 1, { clamp = { true, false } }) end,
         C .. "clamp mask must have 3 %(visible%) or 5 entries, got 2")
      assert.error_matches(function() bm:gibbs({ 0, 1, 0, 1, 3 }, 1) end, C .. "state must be binary")
      assert.error_matches(function() bm:probabilities("marginal") end, C .. "probabilities: which must be")
      assert.error_matches(function()
         bm:train(hm.DoubleTensor({ { 1, 1, 0 }, { 0, 0, 1 } }), { learningRate = 1e308, exact = true, epochs = 3 })
      end, C .. "train: NaN or infinite parameters")
   end)
end)

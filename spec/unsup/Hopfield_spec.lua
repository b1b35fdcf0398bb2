-- Specs for lua/harmonium/Hopfield.lua: the Hebbian rule against a naive loop, energies,
-- capacity (recall at M = 10, failure at M = 60 for n = 200), energy descent, stochastic and
-- synchronous dynamics, and argument errors.
local hm = require 'harmonium'

-- M random +1/-1 patterns of n units.
local function randomPatterns(M, n, g)
   return hm.DoubleTensor(M, n):bernoulli(0.5, g):mul(2):add(-1)
end

-- The patterns with `fraction` of the units of each row flipped (a fresh random set per row).
local function corrupt(patterns, fraction, g)
   local probes = patterns:clone()
   local M, n = probes:size(1), probes:size(2)
   for m = 1, M do
      local perm = hm.randperm(n, g)
      for k = 1, math.floor(fraction * n + 0.5) do
         local i = perm[k]
         probes[m][i] = -probes[m][i]
      end
   end
   return probes
end

-- Number of rows of a equal to the same row of b.
local function rowsEqual(a, b)
   local count = 0
   for m = 1, a:size(1) do
      if a[m]:ne(b[m]):sum() == 0 then count = count + 1 end
   end
   return count
end

-- A net with n units, random symmetric weights with zero diagonal and a random bias.
local function randomNet(n, g)
   local net = hm.Hopfield(n)
   local A = hm.DoubleTensor(n, n):normal(0, 1, g)
   net.weight:copy(A):add(A:t()):mul(0.5)
   for i = 1, n do net.weight[i][i] = 0 end
   net.bias:normal(0, 0.5, g)
   return net
end

describe("hm.Hopfield", function()
   it("stores patterns by the Hebbian outer-product rule with a zero diagonal", function()
      local g = hm.Generator(11)
      local n, M = 7, 3
      local P = randomPatterns(M, n, g)
      local net = hm.Hopfield(n):store(P)
      local raw = hm.Hopfield(n, { normalize = false }):store(P)
      for i = 1, n do
         for j = 1, n do
            local w = 0
            if i ~= j then
               for m = 1, M do w = w + P[m][i] * P[m][j] end
            end
            assert.is_near(w / n, net.weight[i][j], 1e-12)
            assert.is_near(w, raw.weight[i][j], 1e-12)
         end
      end
      assert.are.equal(M, net.nPatterns)
      assert.are.equal("hm.Hopfield", hm.type(net))
      assert.are.equal("hm.Hopfield(7 units, 3 patterns)", tostring(net))
   end)

   it("adds patterns when storing again, and takes one pattern as a vector", function()
      local g = hm.Generator(12)
      local P = randomPatterns(4, 9, g)
      local once = hm.Hopfield(9):store(P)
      local twice = hm.Hopfield(9):store(P:narrow(1, 1, 3)):store(P[4])
      assert.tensor_near(once.weight, twice.weight, 1e-12)
      assert.are.equal(4, twice.nPatterns)
      twice:reset()
      assert.are.equal(0, twice.weight:abs():sum())
      -- tables and other tensor types are accepted
      local t = hm.Hopfield(3):store({ { 1, -1, 1 } })
      assert.is_near(-1 / 3, t.weight[1][2], 1e-15)
      hm.Hopfield(3):store(hm.LongTensor({ { 1, -1, 1 } }))
   end)

   it("computes E = -1/2 s^T W s - b^T s, one state or a batch", function()
      local net = hm.Hopfield(3, { normalize = false })
      net:store({ 1, -1, 1 })      -- W12 = -1, W13 = 1, W23 = -1
      net.bias:copy(hm.DoubleTensor({ 0.5, 0, -1 }))
      -- s = (1, 1, -1): -1/2 * 2 * (W12 + -W13 + -W23) - (0.5 + 1) = -(-1 - 1 + 1) - 1.5 = -0.5
      assert.is_near(-0.5, net:energy({ 1, 1, -1 }), 1e-12)
      assert.is_near(-3 + 0.5, net:energy({ 1, -1, 1 }), 1e-12)
      local g = hm.Generator(13)
      local big = randomNet(10, g)
      local S = randomPatterns(6, 10, g)
      local E = big:energy(S)
      assert.are.equal(6, E:size(1))
      for m = 1, 6 do
         local e = 0
         for i = 1, 10 do
            e = e - big.bias[i] * S[m][i]
            for j = 1, 10 do e = e - 0.5 * big.weight[i][j] * S[m][i] * S[m][j] end
         end
         assert.is_near(e, E[m], 1e-10)
         assert.is_near(e, big:energy(S[m]), 1e-10)
      end
   end)

   it("recalls all of M = 10 patterns of n = 200 from 10% corrupted probes", function()
      local g = hm.Generator(2024)
      local P = randomPatterns(10, 200, g)
      local net = hm.Hopfield(200):store(P)
      local probes = corrupt(P, 0.1, g)
      local s, sweeps, info = net:recall(probes, { generator = g })
      assert.are.equal(10, rowsEqual(s, P))
      assert.is_true(info.converged)
      assert.is_true(sweeps >= 2 and sweeps <= 10)
      -- one probe at a time gives the same answers
      for m = 1, 3 do
         local one = net:recall(probes[m], { generator = g })
         assert.are.equal(1, one:dim())
         assert.are.equal(0, one:ne(P[m]):sum())
      end
      -- the stored patterns are fixed points: one sweep, no change
      assert.are.same({ 0, 200 }, net:recall(hm.DoubleTensor(0, 200)):size():totable())
      local fixed, n1 = net:recall(P, { generator = g })
      assert.are.equal(1, n1)
      assert.are.equal(10, rowsEqual(fixed, P))
   end)

   it("fails for most of M = 60 patterns of n = 200 (beyond capacity 0.138 n)", function()
      local g = hm.Generator(2024)
      local P = randomPatterns(60, 200, g)
      local net = hm.Hopfield(200):store(P)
      local s, _, info = net:recall(corrupt(P, 0.1, g), { generator = g, maxSweeps = 200 })
      assert.is_true(info.converged)
      assert.is_true(rowsEqual(s, P) < 30)
      -- the attractors drift far from the patterns: mean overlap well below 1
      local overlaps = hm.DoubleTensor(60)
      for m = 1, 60 do overlaps[m] = net:overlap(s[m], P[m]) end
      assert.is_true(overlaps:mean() < 0.9)
   end)

   it("never raises the energy under deterministic asynchronous updates", function()
      local g = hm.Generator(7)
      for _, net in ipairs({ randomNet(40, g), hm.Hopfield(100):store(randomPatterns(30, 100, g)) }) do
         local s = randomPatterns(8, net.n, g)
         local E = net:energy(s)
         local converged = false
         for _ = 1, 50 do
            local info
            s, _, info = net:recall(s, { maxSweeps = 1, generator = g })
            local E2 = net:energy(s)
            for m = 1, 8 do assert.is_true(E2[m] <= E[m] + 1e-9) end
            E = E2
            if info.converged then converged = true break end
         end
         assert.is_true(converged)
      end
   end)

   it("behaves like deterministic recall at low temperature, and wanders at high", function()
      local g = hm.Generator(99)
      local P = randomPatterns(10, 200, g)
      local net = hm.Hopfield(200):store(P)
      local probes = corrupt(P, 0.1, g)
      local s, _, info = net:recall(probes, { temperature = 1e-3, generator = g })
      assert.are.equal(10, rowsEqual(s, P))
      assert.is_true(info.converged)
      local hot, sweeps, hinfo = net:recall(probes, { temperature = 50, maxSweeps = 5, generator = g })
      assert.are.equal(5, sweeps)
      assert.is_false(hinfo.converged)
      assert.are.equal(0, rowsEqual(hot, P))
      -- the same generator seed gives the same stochastic run
      local a = net:recall(probes, { temperature = 0.5, maxSweeps = 3, generator = hm.Generator(5) })
      local b = net:recall(probes, { temperature = 0.5, maxSweeps = 3, generator = hm.Generator(5) })
      assert.tensor_near(a, b, 0)
   end)

   it("recalls in synchronous mode and detects 2-cycles", function()
      local g = hm.Generator(31)
      local P = randomPatterns(10, 200, g)
      local net = hm.Hopfield(200):store(P)
      local s, _, info = net:recall(corrupt(P, 0.1, g), { mode = "sync" })
      assert.are.equal(10, rowsEqual(s, P))
      assert.is_true(info.converged)
      assert.is_false(info.cycle)
      -- two units pulling against each other: (1, 1) -> (-1, -1) -> (1, 1) ...
      local two = hm.Hopfield(2):store({ 1, -1 })
      local c, steps, cinfo = two:recall({ 1, 1 }, { mode = "sync" })
      assert.is_true(cinfo.cycle)
      assert.is_false(cinfo.converged)
      assert.are.equal(2, steps)
      assert.tensor_near({ 1, 1 }, c, 0)
      -- asynchronous updates break the tie and settle on a stored state or its inverse
      local a = two:recall({ 1, 1 }, { generator = g })
      assert.are.equal(-1, a[1] * a[2])
      -- sync recall with stochastic units at low temperature also settles
      local st, _, sinfo = net:recall(corrupt(P, 0.1, g), { mode = "sync", temperature = 1e-3, generator = g })
      assert.is_true(sinfo.converged)
      assert.are.equal(10, rowsEqual(st, P))
   end)

   it("gives clear errors for bad sizes, values and options", function()
      assert.error_matches(function() hm.Hopfield(0) end, "hm.Hopfield: number of units must be >= 1")
      assert.error_matches(function() hm.Hopfield(2.5) end, "hm.Hopfield: number of units must be an integer")
      local net = hm.Hopfield(4)
      assert.error_matches(function() net:store({ { 1, 0, 1, -1 } }) end,
                           "hm.Hopfield: patterns must hold %+1 or %-1 values only")
      assert.error_matches(function() net:store(hm.DoubleTensor({ { 1, -1, 1, 0 / 0 } })) end,
                           "hm.Hopfield: patterns must hold %+1 or %-1 values only")
      assert.error_matches(function() net:store(hm.DoubleTensor(2, 5):fill(1)) end,
                           "hm.Hopfield: patterns must have 4 columns, got 2 x 5")
      assert.error_matches(function() net:store("x") end, "hm.Hopfield: patterns must be a tensor")
      assert.error_matches(function() net:recall({ 1, 1, 2, 1 }) end,
                           "hm.Hopfield: probe must hold %+1 or %-1 values only")
      assert.error_matches(function() net:recall({ 1, 1, 1, 1 }, { temperature = -1 }) end,
                           "hm.Hopfield: temperature must be a finite number >= 0, got %-1")
      assert.error_matches(function() net:recall({ 1, 1, 1, 1 }, { mode = "parallel" }) end,
                           "hm.Hopfield: mode must be 'async' or 'sync', got parallel")
      assert.error_matches(function() net:recall({ 1, 1, 1, 1 }, { maxSweeps = 0 }) end,
                           "hm.Hopfield: maxSweeps must be >= 1")
      assert.error_matches(function() net:energy(hm.DoubleTensor(2, 2, 4)) end,
                           "hm.Hopfield: state must be 1D %(4%) or 2D %(B x 4%), got 3D")
   end)
end)

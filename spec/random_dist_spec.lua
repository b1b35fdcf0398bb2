-- Specs for csrc/random.c, part 2: distributions (moments within tolerance, computed with
-- plain Lua loops), multinomial frequencies, randperm, and clear errors on bad input.
local hm = require 'harmonium'

-- mean and variance of a tensor's elements, by a plain loop
local function moments(t)
   local x = t:contiguous():view(-1)
   local n, s, s2 = x:nElement(), 0, 0
   for i = 1, n do s = s + x[i] end
   local m = s / n
   for i = 1, n do local d = x[i] - m; s2 = s2 + d * d end
   return m, s2 / (n - 1)
end

local function range(t)
   local x = t:contiguous():view(-1)
   local lo, hi = math.huge, -math.huge
   for i = 1, x:nElement() do
      local v = x[i]
      if v < lo then lo = v end
      if v > hi then hi = v end
   end
   return lo, hi
end

local N = 100000   -- standard errors: mean about 0.003 sd, variance about 0.5% relative

describe("distributions", function()
   before_each(function() hm.manualSeed(_G.HM_SPEC_SEED or 1234) end)

   it("uniform: [a, b) with mean (a+b)/2 and variance (b-a)^2/12", function()
      for _, T in ipairs{ hm.FloatTensor, hm.DoubleTensor } do
         local t = T(N):uniform()
         local m, v = moments(t)
         assert.is_true(math.abs(m - 0.5) < 0.005, m)
         assert.is_true(math.abs(v - 1 / 12) < 0.002, v)
         local lo, hi = range(t)
         assert.is_true(lo >= 0 and hi < 1)
         t:uniform(-3, 5)
         m, v = moments(t)
         assert.is_true(math.abs(m - 1) < 0.04, m)
         assert.is_true(math.abs(v - 64 / 12) < 0.1, v)
         lo, hi = range(t)
         assert.is_true(lo >= -3 and hi <= 5)
         assert.equal(2, T(5):uniform(2, 2)[3])      -- a == b is allowed
      end
      local u = hm.uniform(10, 20)
      assert.is_true(u >= 10 and u < 20)
   end)

   it("normal: mean, standard deviation and the one-sigma mass", function()
      for _, T in ipairs{ hm.FloatTensor, hm.DoubleTensor } do
         local t = T(N):normal()
         local m, v = moments(t)
         assert.is_true(math.abs(m) < 0.015, m)
         assert.is_true(math.abs(v - 1) < 0.02, v)
         local inside = 0
         for i = 1, N do if math.abs(t[i]) < 1 then inside = inside + 1 end end
         assert.is_true(math.abs(inside / N - 0.6827) < 0.007, inside / N)
         t:normal(3, 0.5)
         m, v = moments(t)
         assert.is_true(math.abs(m - 3) < 0.01, m)
         assert.is_true(math.abs(v - 0.25) < 0.006, v)
         local mean2 = 0
         for i = 1, 2000 do mean2 = mean2 + hm.normal(-1, 2) end
         assert.is_true(math.abs(mean2 / 2000 + 1) < 0.2)
      end
   end)

   it("bernoulli: scalar p, every output type, and the edges 0 and 1", function()
      for _, T in ipairs{ hm.FloatTensor, hm.DoubleTensor, hm.ByteTensor, hm.LongTensor } do
         local t = T(N):bernoulli(0.3)
         local m = moments(t)
         assert.is_true(math.abs(m - 0.3) < 0.007, m)
         local lo, hi = range(t)
         assert.is_true(lo == 0 and hi == 1)
         assert.same({ 0, 0 }, { range(T(1000):bernoulli(0)) })
         assert.same({ 1, 1 }, { range(T(1000):bernoulli(1)) })
      end
      assert.is_true(math.abs(moments(hm.FloatTensor(N):bernoulli()) - 0.5) < 0.007)
      local c = 0
      for _ = 1, 4000 do c = c + hm.bernoulli(0.25) end
      assert.is_true(math.abs(c / 4000 - 0.25) < 0.03)
   end)

   it("bernoulli from a probability tensor: per-element frequencies", function()
      for _, PT in ipairs{ hm.FloatTensor, hm.DoubleTensor } do
         local probs = { 0, 0.1, 0.5, 0.9, 1 }
         local p = PT(N)
         for i = 1, N do p[i] = probs[(i - 1) % 5 + 1] end
         local s = hm.ByteTensor(N):bernoulli(p)
         local count = { 0, 0, 0, 0, 0 }
         for i = 1, N do local k = (i - 1) % 5 + 1; count[k] = count[k] + s[i] end
         for k = 1, 5 do
            assert.is_true(math.abs(count[k] / (N / 5) - probs[k]) < 0.015, k)
         end
         assert.equal(0, count[1])
         assert.equal(N / 5, count[5])
      end
   end)

   it("bernoulli from a probability tensor keeps or takes the shape", function()
      local p = hm.FloatTensor(4, 5):fill(0.5)
      local r = hm.FloatTensor(20)
      r:bernoulli(p)
      assert.same({ 20 }, r:size():totable())          -- same count: shape kept
      local q = hm.FloatTensor(3)
      q:bernoulli(p)
      assert.same({ 4, 5 }, q:size():totable())        -- else resized as p
      local inplace = hm.FloatTensor(1000):fill(0.7)
      inplace:bernoulli(inplace)
      local lo, hi = range(inplace)
      assert.is_true(lo == 0 and hi == 1)
   end)

   it("random: integer ranges for every type", function()
      local l = hm.LongTensor(N):random(1, 6)
      local count = {}
      for i = 1, N do count[l[i]] = (count[l[i]] or 0) + 1 end
      for k = 1, 6 do assert.is_true(math.abs(count[k] / N - 1 / 6) < 0.01, k) end
      assert.is_nil(count[0]); assert.is_nil(count[7])
      assert.same({ 1, 10 }, { range(hm.FloatTensor(N):random(10)) })
      assert.same({ -2, 2 }, { range(hm.DoubleTensor(N):random(-2, 2)) })
      local lo, hi = range(hm.ByteTensor(N):random())
      assert.is_true(lo < 5 and hi > 250)
      lo, hi = range(hm.FloatTensor(1000):random())
      assert.is_true(lo >= 0 and hi <= 2^24)
      lo = range(hm.LongTensor(1000):random())
      assert.is_true(lo >= 0)
      assert.equal(7, hm.LongTensor(3):random(7, 7)[2])
      local ext = hm.LongTensor(100):random(math.mininteger, math.maxinteger)  -- the whole range
      assert.is_true(math.type(ext[1]) == "integer")
      for _ = 1, 100 do
         local r = hm.random(3, 5)
         assert.is_true(r >= 3 and r <= 5)
         local s = hm.random()
         assert.is_true(s >= 0 and s < 2^32)
      end
   end)

   it("exponential, geometric, logNormal and cauchy", function()
      local m = moments(hm.DoubleTensor(N):exponential(2))
      assert.is_true(math.abs(m - 0.5) < 0.01, m)
      local g = hm.DoubleTensor(N):geometric(0.25)
      m = moments(g)
      assert.is_true(math.abs(m - 4) < 0.06, m)
      assert.is_true(range(g) >= 1)
      assert.same({ 1, 1 }, { range(hm.FloatTensor(100):geometric(1)) })
      local ln = hm.DoubleTensor(N):logNormal(0, 0.5)
      local logs = hm.DoubleTensor(N)
      for i = 1, N do logs[i] = math.log(ln[i]) end
      local lm, lv = moments(logs)
      assert.is_true(math.abs(lm) < 0.01 and math.abs(lv - 0.25) < 0.01)
      local c = hm.DoubleTensor(N):cauchy(1, 2)
      local below = 0
      for i = 1, N do if c[i] < 1 then below = below + 1 end end   -- median 1
      assert.is_true(math.abs(below / N - 0.5) < 0.01)
      local q = 0
      for i = 1, N do if c[i] < 3 then q = q + 1 end end           -- 3 = median + scale: 75%
      assert.is_true(math.abs(q / N - 0.75) < 0.01)
      assert.is_true(hm.exponential(1) > 0)
   end)
end)

describe("hm.multinomial", function()
   before_each(function() hm.manualSeed(_G.HM_SPEC_SEED or 1234) end)

   it("draws with replacement in proportion to unnormalised weights", function()
      local w = hm.DoubleTensor{ 1, 0, 2, 7 }
      local n = 50000
      local r = hm.multinomial(w, n, true)
      assert.equal("hm.LongTensor", r:type())
      assert.same({ n }, r:size():totable())
      local count = { 0, 0, 0, 0 }
      for i = 1, n do count[r[i]] = count[r[i]] + 1 end
      assert.equal(0, count[2])
      for k, p in pairs{ [1] = 0.1, [3] = 0.2, [4] = 0.7 } do
         assert.is_true(math.abs(count[k] / n - p) < 0.01, k)
      end
   end)

   it("draws without replacement: distinct categories, first draw in proportion", function()
      local w = hm.FloatTensor{ 5, 1, 0, 4 }
      local first = { 0, 0, 0, 0 }
      local trials = 20000
      for _ = 1, trials do
         local r = hm.multinomial(w, 3)
         assert.is_true(r[1] ~= r[2] and r[2] ~= r[3] and r[1] ~= r[3])
         assert.is_true(r[1] ~= 3 and r[2] ~= 3 and r[3] ~= 3)
         first[r[1]] = first[r[1]] + 1
      end
      assert.is_true(math.abs(first[1] / trials - 0.5) < 0.015)
      assert.is_true(math.abs(first[4] / trials - 0.4) < 0.015)
      -- second draw given first = 1: weights {1, 4} -> category 4 with probability 0.8
      local perm = hm.multinomial(hm.DoubleTensor{ 1, 1, 1, 1, 1 }, 5)
      local seen = {}
      for i = 1, 5 do seen[perm[i]] = true end
      for k = 1, 5 do assert.is_true(seen[k]) end
   end)

   it("takes one row of draws per row of a 2D weight matrix, and a result tensor", function()
      local w = hm.DoubleTensor{ { 0, 0, 1 }, { 1, 0, 0 }, { 0, 3, 0 } }
      local r = hm.multinomial(w, 4, true)
      assert.same({ 3, 4 }, r:size():totable())
      for j = 1, 4 do assert.same({ 3, 1, 2 }, { r[1][j], r[2][j], r[3][j] }) end
      local res = hm.LongTensor()
      assert.equal(res, hm.multinomial(res, w:t(), 1))
      assert.same({ 3, 1 }, res:size():totable())
      assert.equal(0, hm.multinomial(hm.Tensor{ 1, 2 }, 0):nElement())
   end)

   it("rejects bad weights and impossible draws", function()
      assert.error_matches(function() hm.multinomial(hm.Tensor{ 1, -1 }, 1) end,
                           "invalid weight %-1[%.0]* in row 1")
      assert.error_matches(function() hm.multinomial(hm.Tensor{ 1, 0 / 0 }, 1) end, "invalid weight")
      assert.error_matches(function() hm.multinomial(hm.Tensor{ 1, math.huge }, 1) end, "invalid weight")
      assert.error_matches(function() hm.multinomial(hm.Tensor{ { 1, 1 }, { 0, 0 } }, 1) end,
                           "weights of row 2 sum to 0")
      assert.error_matches(function() hm.multinomial(hm.Tensor{ 1, 0, 1 }, 3) end,
                           "cannot draw 3 samples without replacement from 2 categories")
      assert.error_matches(function() hm.multinomial(hm.Tensor{ 1, 2 }, -1) end, "must be >= 0")
      assert.error_matches(function() hm.multinomial(hm.Tensor(2, 2, 2):fill(1), 1) end,
                           "1D or 2D probabilities expected, got 3D")
      assert.error_matches(function() hm.multinomial(hm.LongTensor{ 1, 2 }, 1) end,
                           "hm.FloatTensor or hm.DoubleTensor expected, got hm.LongTensor")
      assert.error_matches(function() hm.multinomial("x", 1) end, "harmonium.Tensor expected")
   end)
end)

describe("hm.randperm", function()
   it("is a permutation of 1..n", function()
      for _, n in ipairs{ 1, 2, 10, 1000 } do
         local p = hm.randperm(n)
         assert.equal("hm.LongTensor", p:type())
         local seen = {}
         for i = 1, n do
            local v = p[i]
            assert.is_true(v >= 1 and v <= n and not seen[v])
            seen[v] = true
         end
      end
      assert.equal(0, hm.randperm(0):nElement())
      local res = hm.LongTensor()
      assert.equal(res, hm.randperm(res, 5))
      assert.equal(5, res:nElement())
   end)

   it("puts every value in every place about equally often", function()
      local count = {}
      for i = 1, 4 do count[i] = { 0, 0, 0, 0 } end
      for _ = 1, 8000 do
         local p = hm.randperm(4)
         for i = 1, 4 do count[i][p[i]] = count[i][p[i]] + 1 end
      end
      for i = 1, 4 do
         for v = 1, 4 do assert.is_true(math.abs(count[i][v] / 8000 - 0.25) < 0.025) end
      end
   end)
end)

describe("bad input", function()
   it("raises clear errors for probabilities out of range", function()
      local t = hm.FloatTensor(4)
      assert.error_matches(function() t:bernoulli(1.5) end, "probability must be in %[0, 1%] %(got 1.5%)")
      assert.error_matches(function() t:bernoulli(-0.1) end, "probability must be in %[0, 1%]")
      assert.error_matches(function() t:bernoulli(0 / 0) end, "probability must be in %[0, 1%]")
      assert.error_matches(function() hm.bernoulli(2) end, "probability must be in")
      for _, bad in ipairs{ 1.01, -0.5, 0 / 0 } do
         for _, PT in ipairs{ hm.FloatTensor, hm.DoubleTensor } do
            local p = PT(300):fill(0.5)
            p[217] = bad
            assert.error_matches(function() t:bernoulli(p) end,
                                 "probabilities must be in %[0, 1%] %(found a value outside or NaN%)")
         end
      end
      assert.error_matches(function() t:bernoulli(hm.LongTensor(4)) end,
                           "hm.FloatTensor or hm.DoubleTensor expected, got hm.LongTensor")
      assert.error_matches(function() hm.FloatTensor(3):geometric(0) end, "probability must be in %(0, 1%]")
   end)

   it("raises clear errors for bad parameters and types", function()
      assert.error_matches(function() hm.FloatTensor(3):uniform(2, 1) end, "empty range")
      assert.error_matches(function() hm.FloatTensor(3):normal(0, -1) end, "standard deviation must be >= 0")
      assert.error_matches(function() hm.FloatTensor(3):exponential(0) end, "rate must be > 0")
      assert.error_matches(function() hm.FloatTensor(3):cauchy(0, 0) end, "scale must be > 0")
      assert.error_matches(function() hm.ByteTensor(3):uniform() end,
                           "hm.FloatTensor or hm.DoubleTensor expected, got hm.ByteTensor")
      assert.error_matches(function() hm.LongTensor(3):normal() end, "got hm.LongTensor")
      assert.error_matches(function() hm.FloatTensor(3):uniform("a") end, "number expected, got string")
      assert.error_matches(function() hm.LongTensor(3):random(5, 2) end, "empty interval %[5, 2%]")
      assert.error_matches(function() hm.ByteTensor(3):random(0, 256) end, "does not fit in hm.ByteTensor")
      assert.error_matches(function() hm.FloatTensor(3):random(1, 2^25) end, "does not fit in hm.FloatTensor")
      assert.error_matches(function() hm.LongTensor(3):random(1.5) end, "number has no integer representation")
      assert.error_matches(function() hm.randperm(-1) end, "n must be >= 0")
      assert.error_matches(function() hm.randperm("x") end, "number expected, got string")
      assert.error_matches(function() hm.rand(2, -3) end, "size must be non%-negative")
      assert.error_matches(function() hm.rand(hm.ByteTensor(2), 3) end, "expected, got hm.ByteTensor")
      assert.error_matches(function() hm.manualSeed("x") end, "number expected, got string")
      assert.error_matches(function() hm.manualSeed(1.5) end, "number has no integer representation")
      assert.error_matches(function() hm.sigmoidBernoulli(hm.LongTensor(2)) end, "got hm.LongTensor")
      assert.error_matches(function() hm.sigmoidBernoulli(hm.FloatTensor(2), hm.FloatTensor(2)) end,
                           "harmonium.Tensor expected, got no value")
      assert.error_matches(function()
         hm.sigmoidBernoulli(hm.FloatTensor(), hm.DoubleTensor(), hm.FloatTensor(2))
      end, "hm.FloatTensor expected, got hm.DoubleTensor")
   end)

   it("raises clear errors for bad generator use", function()
      local g = hm.Generator(1)
      assert.error_matches(function() g:setState({ seed = 1 }) end, "needs an integer 'stream'")
      assert.error_matches(function() g:setState(5) end, "table expected, got number")
      assert.error_matches(function() hm.setRNGState({ seed = 1, stream = 0, offset = "x" }) end,
                           "needs an integer 'offset'")
      assert.error_matches(function() hm.Generator("s") end, "number expected, got string")
      assert.error_matches(function() g.manualSeed(hm.FloatTensor(1), 3) end, "harmonium.Generator expected")
   end)
end)

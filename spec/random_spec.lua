-- Specs for csrc/random.c, part 1: the Philox4x32-10 core, the stream layout checked
-- against an independent pure-Lua Philox, seeding, generator objects and their state,
-- thread-count and layout independence, and the fused sigmoid-Bernoulli sampler.
-- Distributions (moments, multinomial, randperm) and bad input: random_dist_spec.lua.
local hm = require 'harmonium'

------------------------------------------------------------------ reference Philox in Lua
-- Lua 5.4 integers are 64-bit and wrap, and >> is a logical shift, so 32x32->64 products
-- and their halves come out exactly as in C.
local M0, M1, W0, W1, MASK = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85, 0xffffffff

local function philox(c0, c1, c2, c3, k0, k1)
   for _ = 1, 10 do
      local p0, p1 = M0 * c0, M1 * c2
      c0, c1, c2, c3 = ((p1 >> 32) ~ c1 ~ k0) & MASK, p1 & MASK,
                       ((p0 >> 32) ~ c3 ~ k1) & MASK, p0 & MASK
      k0, k1 = (k0 + W0) & MASK, (k1 + W1) & MASK
   end
   return c0, c1, c2, c3
end

-- The stream layout (random.c's header): groups of LANES blocks from the generator's
-- offset; 32-bit draws take 4*LANES elements per group, element e = w*LANES + j reading
-- word w of block j; 64-bit draws take 2*LANES, element e = h*LANES + j reading words 2h
-- (low) and 2h+1 (high) of block j. Counter = (block, stream), key = seed.
local LANES = 64

local function block(seed, stream, blk)
   return { philox(blk & MASK, blk >> 32, stream & MASK, stream >> 32, seed & MASK, seed >> 32) }
end

local function word32(seed, offset, i)            -- i is 0-based
   local g, e = i // (4 * LANES), i % (4 * LANES)
   return block(seed, 0, offset + g * LANES + e % LANES)[e // LANES + 1]
end

local function word64(seed, offset, i)
   local g, e = i // (2 * LANES), i % (2 * LANES)
   local b = block(seed, 0, offset + g * LANES + e % LANES)
   local h = e // LANES
   return b[2 * h + 1] | (b[2 * h + 2] << 32)
end

-- w mod m with w read as an unsigned 64-bit integer
local function umod(w, m)
   local r = w - (((w >> 1) // m) << 1) * m        -- in [0, 2m) as unsigned
   while not math.ult(r, m) do r = r - m end
   return r
end

local function u24(w) return (w >> 8) * 2.0^-24 end
local function u53(w) return (w >> 11) * 2.0^-53 end

local function same(a, b)
   local x, y = a:contiguous():view(-1), b:contiguous():view(-1)
   if x:nElement() ~= y:nElement() then return false end
   for i = 1, x:nElement() do
      if x[i] ~= y[i] then return false, i end
   end
   return true
end

describe("Philox4x32-10", function()
   it("matches the Random123 known-answer vectors", function()
      local kat = {
         { { 0, 0, 0, 0, 0, 0 }, { 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 } },
         { { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff },
           { 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd } },
         { { 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0 },
           { 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1 } },
      }
      for _, v in ipairs(kat) do
         assert.same(v[2], { hm._philox(table.unpack(v[1])) })
         assert.same(v[2], { philox(table.unpack(v[1])) })
      end
   end)

   it("agrees with the Lua reference on arbitrary counters and keys", function()
      local x = 12345
      local function nxt() x = (x * 6364136223846793005 + 1442695040888963407); return (x >> 32) & MASK end
      for _ = 1, 50 do
         local a = { nxt(), nxt(), nxt(), nxt(), nxt(), nxt() }
         assert.same({ philox(table.unpack(a)) }, { hm._philox(table.unpack(a)) })
      end
   end)
end)

describe("random streams", function()
   it("give golden float uniforms at seed 42", function()
      hm.manualSeed(42)
      local t = hm.FloatTensor(4):uniform()
      local golden = { 10283760, 16571169, 13855746, 12240644 }
      for i = 1, 4 do assert.equal(golden[i] * 2.0^-24, t[i]) end
   end)

   it("follow the documented layout for float uniforms (bit-exact against Lua)", function()
      hm.manualSeed(7)
      local t = hm.FloatTensor(600):uniform()      -- 3 groups, the last one partial
      for i = 1, 600 do assert.equal(u24(word32(7, 0, i - 1)), t[i]) end
      -- the next fill starts after the groups used
      assert.equal(3 * LANES, hm.getRNGState().offset)
      local s = hm.FloatTensor(10):uniform(-1, 3)
      for i = 1, 10 do assert.equal(-1 + 4 * u24(word32(7, 3 * LANES, i - 1)), s[i]) end
   end)

   it("follow the documented layout for double uniforms and random integers", function()
      hm.manualSeed(99)
      local t = hm.DoubleTensor(300):uniform()
      for i = 1, 300 do assert.equal(u53(word64(99, 0, i - 1)), t[i]) end
      local off = hm.getRNGState().offset
      assert.equal(3 * LANES, off)
      local r = hm.LongTensor(20):random(5, 11)
      for i = 1, 20 do assert.equal(5 + umod(word64(99, off, i - 1), 7), r[i]) end
   end)

   it("pair words for Box-Muller as documented (float and double normals)", function()
      local function bm(u1, u2)
         local r = math.sqrt(-2 * math.log(u1))
         return r * math.cos(2 * math.pi * u2), r * math.sin(2 * math.pi * u2)
      end
      hm.manualSeed(17)
      local f = hm.FloatTensor(512):normal()
      for g = 0, 1 do
         for row = 0, 2, 2 do
            for j = 0, LANES - 1 do
               local e = g * 4 * LANES + row * LANES + j
               local b = block(17, 0, g * LANES + j)
               local c, sn = bm(((b[row + 1] >> 8) + 1) * 2.0^-24, u24(b[row + 2]))
               assert.is_true(math.abs(f[e + 1] - c) < 2e-5 * math.max(1, math.abs(c)))
               assert.is_true(math.abs(f[e + LANES + 1] - sn) < 2e-5 * math.max(1, math.abs(sn)))
            end
         end
      end
      hm.manualSeed(17)
      local d = hm.DoubleTensor(256):normal()
      for g = 0, 1 do
         for j = 0, LANES - 1 do
            local e = g * 2 * LANES + j
            local c, sn = bm(((word64(17, 0, e) >> 11) + 1) * 2.0^-53, u53(word64(17, 0, e + LANES)))
            assert.is_true(math.abs(d[e + 1] - c) < 1e-12)
            assert.is_true(math.abs(d[e + LANES + 1] - sn) < 1e-12)
         end
      end
      -- float normals are our own polynomial code, identical on every CPU and clone
      -- (no FMA contraction under -std=c99): golden bits at seed 42
      hm.manualSeed(42)
      local t = hm.FloatTensor(4):normal()
      local golden = { -0x1.f0bcbp-1, -0x1.2bc02ap-4, -0x1.590c9p-2, -0x1.84d9e2p-2 }
      for i = 1, 4 do assert.equal(golden[i], t[i]) end
   end)

   it("follow the layout for Bernoulli draws from a float probability tensor", function()
      local p = hm.FloatTensor(500)
      for i = 1, 500 do p[i] = (i % 10) / 10 end
      hm.manualSeed(3)
      local s = hm.FloatTensor(500):bernoulli(p)
      for i = 1, 500 do
         assert.equal(u24(word32(3, 0, i - 1)) < p[i] and 1 or 0, s[i])
      end
   end)

   it("repeat after reseeding and differ between seeds", function()
      hm.manualSeed(1234)
      local a = hm.FloatTensor(1000):normal()
      local b = hm.DoubleTensor(77):uniform()
      hm.manualSeed(1234)
      assert.is_true(same(a, hm.FloatTensor(1000):normal()))
      assert.is_true(same(b, hm.DoubleTensor(77):uniform()))
      hm.manualSeed(1235)
      assert.is_false(same(a, hm.FloatTensor(1000):normal()))
   end)

   it("report and reset the seed", function()
      hm.manualSeed(555)
      assert.equal(555, hm.initialSeed())
      local s = hm.seed()
      assert.is_true(math.type(s) == "integer" and s >= 0)
      assert.equal(s, hm.initialSeed())
      assert.equal(0, hm.getRNGState().offset)
   end)

   it("make scalar draws equal to the first element of a one-element double fill", function()
      hm.manualSeed(11)
      local u, n = hm.uniform(2, 5), hm.normal(1, 3)
      hm.manualSeed(11)
      assert.equal(hm.DoubleTensor(1):uniform(2, 5)[1], u)
      assert.equal(hm.DoubleTensor(1):normal(1, 3)[1], n)
      hm.manualSeed(11)
      local r = hm.random(3, 9)
      hm.manualSeed(11)
      assert.equal(hm.LongTensor(1):random(3, 9)[1], r)
      assert.is_true(math.type(hm.random()) == "integer")
   end)
end)

describe("hm.Generator", function()
   it("is a separate stream that leaves the default one alone", function()
      hm.manualSeed(5)
      local expected = hm.FloatTensor(50):uniform()
      hm.manualSeed(5)
      local g = hm.Generator(5)
      local fromG = hm.FloatTensor(50):uniform(g)
      assert.is_true(same(expected, fromG))                      -- same seed, same numbers
      assert.is_true(same(expected, hm.FloatTensor(50):uniform()))  -- default untouched
      assert.equal(5, g:initialSeed())
      assert.matches("hm.Generator%(seed 5, stream 0, offset 64%)", tostring(g))
   end)

   it("takes the generator as the last argument of every sampler", function()
      local g = hm.Generator(8)
      local g2 = hm.Generator(8)
      assert.is_true(same(hm.FloatTensor(9):normal(2, 3, g), hm.FloatTensor(9):normal(2, 3, g2)))
      assert.is_true(same(hm.FloatTensor(9):bernoulli(0.3, g), hm.FloatTensor(9):bernoulli(0.3, g2)))
      assert.is_true(same(hm.rand(3, 4, g), hm.rand(3, 4, g2)))
      assert.is_true(same(hm.randn(5, g), hm.randn(5, g2)))
      assert.is_true(same(hm.randperm(20, g), hm.randperm(20, g2)))
      assert.is_true(same(hm.multinomial(hm.Tensor{1, 2, 3}, 2, g), hm.multinomial(hm.Tensor{1, 2, 3}, 2, g2)))
      assert.equal(hm.uniform(g), hm.uniform(g2))
   end)

   it("checkpoints with getState/setState and clones", function()
      local g = hm.Generator(21)
      hm.FloatTensor(1000):uniform(g)
      local state = g:getState()
      assert.same({ seed = 21, stream = 0, offset = 4 * LANES }, state)
      local c = g:clone()
      local a = hm.FloatTensor(100):normal(g)
      assert.is_true(same(a, hm.FloatTensor(100):normal(c)))
      local h = hm.Generator(1)
      h:setState(state)
      assert.is_true(same(a, hm.FloatTensor(100):normal(h)))
      -- the default generator's state round-trips the same way
      local saved = hm.getRNGState()
      local x = hm.DoubleTensor(10):uniform()
      hm.setRNGState(saved)
      assert.is_true(same(x, hm.DoubleTensor(10):uniform()))
   end)

   it("gives independent streams for the same seed", function()
      local a = hm.FloatTensor(100):uniform(hm.Generator(3, 0))
      local b = hm.FloatTensor(100):uniform(hm.Generator(3, 1))
      assert.is_false(same(a, b))
      local g = hm.Generator(3)
      g:manualSeed(3, 1)
      assert.is_true(same(b, hm.FloatTensor(100):uniform(g)))
      local s = hm.Generator():initialSeed()        -- entropy-seeded
      assert.is_true(math.type(s) == "integer")
   end)
end)

describe("random fills", function()
   after_each(function() hm.setnumthreads(2) end)

   it("are identical with 1 and 2 threads", function()
      local n = 300001                      -- several parallel chunks and a partial group
      local p = hm.FloatTensor(n)
      for i = 1, n do p[i] = (i % 7) / 6 end
      local function draw()
         hm.manualSeed(77)
         return { hm.FloatTensor(n):uniform(), hm.FloatTensor(n):normal(),
                  hm.DoubleTensor(n):normal(), hm.FloatTensor(n):bernoulli(p),
                  hm.ByteTensor(n):bernoulli(0.25), hm.LongTensor(n):random(1, 1000),
                  (hm.sigmoidBernoulli(hm.FloatTensor(n):fill(0.5))) }
      end
      hm.setnumthreads(1)
      local one = draw()
      hm.setnumthreads(2)
      local two = draw()
      for k = 1, #one do assert.is_true(same(one[k], two[k]), "fill " .. k) end
   end)

   it("give a transposed or narrowed target the values of a contiguous one", function()
      for _, fill in ipairs{
         function(t) return t:uniform() end, function(t) return t:normal(1, 2) end,
         function(t) return t:bernoulli(0.4) end, function(t) return t:random(1, 50) end,
         function(t) return t:exponential(2) end } do
         hm.manualSeed(9)
         local c = fill(hm.DoubleTensor(40, 30))
         hm.manualSeed(9)
         local base = hm.DoubleTensor(30, 40):zero()
         local tr = base:t()
         assert.is_false(tr:isContiguous())
         fill(tr)
         assert.is_true(same(c, tr))
         hm.manualSeed(9)
         local big = hm.DoubleTensor(40, 35):zero()
         local nar = big:narrow(2, 3, 30)
         fill(nar)
         assert.is_true(same(c, nar))
         assert.equal(0, big[1][1])               -- outside the view untouched
      end
   end)

   it("return the tensor and handle empty tensors", function()
      local t = hm.FloatTensor(3)
      assert.equal(t, t:uniform())
      assert.equal(t, t:normal())
      assert.equal(t, t:bernoulli())
      assert.equal(t, t:random(4))
      local e = hm.FloatTensor(0)
      local off = hm.getRNGState().offset
      e:uniform(); e:normal(); e:bernoulli(0.5)
      assert.equal(off, hm.getRNGState().offset)
   end)
end)

describe("hm.rand and hm.randn", function()
   after_each(function() hm.setdefaulttensortype('hm.FloatTensor') end)

   it("make tensors of the default type from sizes or a size table", function()
      local r = hm.rand(2, 3)
      assert.equal("hm.FloatTensor", r:type())
      assert.same({ 2, 3 }, r:size():totable())
      assert.same({ 4, 5 }, hm.randn(hm.LongStorage{ 4, 5 }):size():totable())
      hm.setdefaulttensortype('hm.DoubleTensor')
      assert.equal("hm.DoubleTensor", hm.randn(3):type())
   end)

   it("equal uniform/normal fills, and accept a result tensor", function()
      hm.manualSeed(4)
      local r = hm.rand(6, 7)
      hm.manualSeed(4)
      assert.is_true(same(r, hm.FloatTensor(6, 7):uniform()))
      local res = hm.DoubleTensor(2)
      hm.manualSeed(4)
      assert.equal(res, hm.randn(res, 3, 3))
      assert.same({ 3, 3 }, res:size():totable())
      hm.manualSeed(4)
      assert.is_true(same(res, hm.DoubleTensor(3, 3):normal()))
   end)
end)

describe("hm.sigmoidBernoulli", function()
   local function sigmoid(x) return 1 / (1 + math.exp(-x)) end

   it("returns prob = sigmoid(x) and the samples of sample:bernoulli(prob)", function()
      for _, T in ipairs{ hm.FloatTensor, hm.DoubleTensor } do
         local x = T(13, 37):normal(0, 3)
         hm.manualSeed(31)
         local s, p = hm.sigmoidBernoulli(x)
         assert.same(x:size():totable(), s:size():totable())
         for i = 1, 13 do
            for j = 1, 37 do assert.is_true(math.abs(p[i][j] - sigmoid(x[i][j])) < 1e-6) end
         end
         hm.manualSeed(31)
         assert.is_true(same(s, T(13, 37):bernoulli(p)))
      end
   end)

   it("writes into result tensors and follows the generator argument", function()
      local x = hm.FloatTensor(50, 20):normal():t()    -- non-contiguous input
      local s, p = hm.FloatTensor(), hm.FloatTensor()
      local s2, p2 = hm.sigmoidBernoulli(s, p, x, hm.Generator(2))
      assert.equal(s, s2)
      assert.equal(p, p2)
      local s3, p3 = hm.sigmoidBernoulli(x:contiguous(), hm.Generator(2))
      assert.is_true(same(s, s3))
      assert.is_true(same(p, p3))
      local bs = hm.ByteTensor()
      bs:sigmoidBernoulli(p, x:clone(), hm.Generator(2))     -- method form, byte samples
      assert.is_true(same(s, bs:float()))
   end)

   it("keeps extreme and NaN inputs well defined", function()
      local x = hm.FloatTensor{ -1000, -30, 0, 30, 1000, 0 / 0 }
      local s, p = hm.sigmoidBernoulli(x)
      assert.same({ 0, 0, 1, 1 }, { s[1], p[1], s[5], p[5] })
      assert.is_true(p[6] ~= p[6])
      assert.equal(0, s[6])
   end)
end)

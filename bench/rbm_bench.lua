--[[ bench/rbm_bench.lua: RBM training and AIS (issue 5) beside PyTorch and scikit-learn.

Run: bin/harmonium bench/rbm_bench.lua [rounds]   (make bench runs it from bench/run.lua)
Cases (float32):
  cd1  one CD-1 epoch of a 784-500 Bernoulli RBM on full MNIST (hm.data.mnist, pixels / 255;
       random binary pixels of the same shape when the files are missing, as the output
       says), batch 100, learning rate 0.1, momentum 0.5, hm.rbm.train with shuffle =
       'batches', no progress output. References: the same algorithm written with PyTorch
       1.13 (bench/torch_rbm.py: addmm, sigmoid, bernoulli, CD-1 with momentum, the same
       batch loop) at its best of 1 and 2 threads, target <= 0.7 (goal 0.5); and
       scikit-learn's BernoulliRBM for one epoch (bench/sklearn_rbm.py: n_iter = 1,
       batch_size = 100, n_components = 500; PCD-1 without momentum), ratio reported.
  ais  hm.rbm.ais with 100 runs and 10,000 intermediate distributions on the 784-500 RBM
       trained above: seconds (no reference).
Ours runs at 1 and 2 threads (hm.setnumthreads and hm.setblasthreads together), each
reference at 1 and 2 threads in its own child process, interleaved with ours; the best
setting of each is compared. The first round times both settings, later rounds only each
side's best so far. A missing reference is reported as skipped; "-" in the
per-thread line marks a setting not measured (reference missing, or cut off after REF_LIMIT s).
]]
local hm = require 'harmonium'

local ROUNDS = tonumber(arg and arg[1]) or 3
local REF_LIMIT = 60          -- seconds for one reference child

local function report(name, ours, ref, ratio, target, unit)
   local line
   if ref then
      line = string.format("%-44s ours %10.3f %-7s ref %10.3f %-7s ratio %5.2f  (target %s)",
         name, ours, unit, ref, unit, ratio, target)
   else
      line = string.format("%-44s ours %10.3f %-7s ref   skipped", name, ours, unit)
   end
   print(line)
end

local clock = hm._clock

-- The machine's load average (the machine is shared: ratios mean most at low load).
local function loadavg()
   local f = io.open("/proc/loadavg")
   if not f then return "?" end
   local l = f:read("*l") or "?"
   f:close()
   return l:match("^(%S+ %S+ %S+)") or l
end
local function setthreads(t) hm.setnumthreads(t); hm.setblasthreads(t) end

-- The value of line "<tag> THREADS <value>" printed by a reference script, or nil.
local function pyref(script, tag, threads, src)
   -- a reference starved by other jobs' load is cut off after REF_LIMIT seconds
   local py = io.popen(string.format("timeout %d /usr/bin/python3 %s %d %s 2>/dev/null", REF_LIMIT,
      script, threads, src))
   if not py then return nil end
   local v
   for line in py:lines() do
      local t, n, x = line:match("^(%a+%d?) (%d+) ([%d.eE+-]+)$")
      if t == tag and tonumber(n) == threads then v = tonumber(x) end
   end
   py:close()
   return v
end

---------------------------------------------------------------- data
hm.manualSeed(1)
local data, src, what
local ok, mnist = pcall(hm.data.mnist, { split = "train" })
if ok then
   data, src, what = mnist.data, mnist.files.images, "full MNIST training set"
   if src:match("%.gz$") then src = "random" end      -- the Python side reads raw IDX only
else
   data = hm.Tensor(60000, 784):bernoulli(0.5)
   src, what = "random", "random binary data of MNIST's shape (MNIST not found)"
end
if src == "random" and ok then
   data = hm.Tensor(60000, 784):bernoulli(0.5)
   what = "random binary data of MNIST's shape (MNIST is gzipped; the references read raw IDX)"
end

local function newRBM()
   hm.manualSeed(1)
   return hm.RBM{ visible = 784, hidden = 500 }
end
local opts = { method = "cd", k = 1, batchSize = 100, epochs = 1, learningRate = 0.1,
               momentum = 0.5, shuffle = "batches", verbose = false, progress = false }

---------------------------------------------------------------- CD-1 epoch
print(string.format("== RBM 784-500 CD-1, batch 100, on %s (best of %d rounds, interleaved; load %s)",
   what, ROUNDS, loadavg()))
local ours, torch, skl = {}, {}, {}
local function keep(tab, t, v) if v then tab[t] = math.min(tab[t] or math.huge, v) end end
local function bestof(tab)
   local v, t = math.huge, nil
   for th, x in pairs(tab) do if x < v then v, t = x, th end end
   if t then return v, t end
end
-- Thread settings to time in round r: both in the first round, then only the best so far
-- (PyTorch's two spinning pools make its 2-thread epoch many times slower here).
local function pick(tab, r)
   local _, t = bestof(tab)
   if r == 1 or not t then return { 1, 2 } end
   return { t }
end
local function fmt(v) return v and string.format("%.3f", v) or "-" end

local rbm = newRBM()
hm.rbm.train(rbm, data:narrow(1, 1, 2000), opts)   -- warm-up: buffers, thread pool, caches
for r = 1, ROUNDS do
   local oset, tset, sset = pick(ours, r), pick(torch, r), pick(skl, r)
   for i = 1, 2 do
      if oset[i] then
         setthreads(oset[i])
         rbm = newRBM()
         local t0 = clock()
         hm.rbm.train(rbm, data, opts)
         keep(ours, oset[i], clock() - t0)
      end
      if tset[i] then keep(torch, tset[i], pyref("bench/torch_rbm.py", "cd1", tset[i], src)) end
      if sset[i] then keep(skl, sset[i], pyref("bench/sklearn_rbm.py", "sklearn", sset[i], src)) end
   end
end

local o, ot = bestof(ours)
local r, rt = bestof(torch)
report("RBM CD-1 epoch vs PyTorch (s)", o, r, r and o / r, "<= 0.7, goal 0.5", "s")
local s, st = bestof(skl)
report("RBM CD-1 epoch vs sklearn BernoulliRBM (s)", o, s, s and o / s, "report", "s")
print(string.format("   ours 1/2 threads: %s / %s s (best at %d); PyTorch 1/2: %s / %s%s; sklearn 1/2: %s / %s%s",
   fmt(ours[1]), fmt(ours[2]), ot, fmt(torch[1]), fmt(torch[2]),
   rt and string.format(" (best at %d)", rt) or "", fmt(skl[1]), fmt(skl[2]),
   st and string.format(" (best at %d)", st) or ""))

---------------------------------------------------------------- AIS
setthreads(ot)
local t0 = clock()
local logZ, se = hm.rbm.ais(rbm, { runs = 100, betas = 10000, data = data })
local tais = clock() - t0
report("AIS 100 runs x 10,000 betas, 784-500 (s)", tais, nil, nil, nil, "s")
print(string.format("   log Z = %.2f (standard error %.3g), %d threads", logZ, se, ot))

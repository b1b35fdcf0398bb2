--[[ bench/nn_bench.lua: hm.nn training beside Debian's PyTorch 1.13 CPU (issue 4).

Run: bin/harmonium bench/nn_bench.lua [rounds]   (make bench runs it from bench/run.lua)
Cases (float32, the same model and batch loop on both sides, buffers reused):
  mlp    one MNIST-shaped epoch (60,000 samples, batch 100) of plain SGD on a
         784-500-500-2000-10 sigmoid MLP (Linear+Sigmoid x3, Linear, LogSoftMax,
         ClassNLLCriterion); the step is zero the flat gradients, forward, backward,
         params:add(-lr, grads) on getParameters' flat vectors. Neither side computes the
         gradient of the input (PyTorch's autograd skips it; ours sets the first Linear's
         gradInput to nil, Torch7's idiom). An info line times the same SGD step done by
         Torch7's accUpdateGradParameters (gradients accumulated straight into the weights).
         Note: PyTorch's set_num_threads(1) leaves OpenBLAS (Debian's build, not told by
         torch) at its own 2 threads, so PyTorch's "1 thread" runs its GEMMs on both cores. Target <= 0.7 (goal 0.5).
  lenet  LeNet-5 training step, batch 64, 1x28x28: conv 6 5x5, ReLU, maxpool 2, conv 16 5x5,
         ReLU, maxpool 2, 256-120-84-10 with ReLU, LogSoftMax + ClassNLL, forward, backward
         and SGD step; ms per step; no input gradient on either side. Target <= 0.8.
Data are random tensors of MNIST's shape (uniform pixels, random labels) on both sides, so
no data loading is timed. Ours runs at 1 and 2 threads (hm.setnumthreads and
hm.setblasthreads together), PyTorch at torch.set_num_threads 1 and 2 (bench/torch_nn.py
through /usr/bin/python3, one child per measurement, interleaved with ours); the best
setting of each is compared. MLP: the first round times both settings, later rounds only
each side's best so far. Without torch the reference is reported as skipped; "-" in
the per-thread line marks a setting not measured (missing, or cut off after REF_LIMIT s).
]]
local hm = require 'harmonium'
local nn = hm.nn

local ROUNDS = tonumber(arg and arg[1]) or 3
local REF_LIMIT = 90          -- seconds for one reference child

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

-- One line "<case> <threads> <value>" from bench/torch_nn.py, or nil without torch.
local function torchref(case, threads, extra)
   -- a reference starved by other jobs' load (PyTorch's OpenMP and OpenBLAS pools spin)
   -- is cut off after REF_LIMIT seconds, so that make bench stays bounded
   local py = io.popen(string.format("timeout %d /usr/bin/python3 bench/torch_nn.py %s %d %s 2>/dev/null",
      REF_LIMIT, case, threads, extra or ""))
   if not py then return nil end
   local v
   for line in py:lines() do
      local c, t, x = line:match("^(%a+) (%d+) ([%d.eE+-]+)$")
      if c == case and tonumber(t) == threads then v = tonumber(x) end
   end
   py:close()
   return v
end

local function setthreads(t) hm.setnumthreads(t); hm.setblasthreads(t) end

---------------------------------------------------------------- MLP epoch
local function mlpCase()
   hm.manualSeed(1)
   local N, B = 60000, 100
   local data = hm.rand(N, 784)
   local labels = hm.LongTensor(N):random(1, 10)
   local model = nn.Sequential()
      :add(nn.Linear(784, 500)):add(nn.Sigmoid())
      :add(nn.Linear(500, 500)):add(nn.Sigmoid())
      :add(nn.Linear(500, 2000)):add(nn.Sigmoid())
      :add(nn.Linear(2000, 10)):add(nn.LogSoftMax())
   -- PyTorch's autograd computes no gradient for the input (it does not require one); the
   -- Torch7 idiom for the same saving is a first layer without a gradInput buffer
   model.modules[1].gradInput = nil
   local crit = nn.ClassNLLCriterion()
   local params, grads = model:getParameters()
   local lr = 0.1
   -- accUpdate: Torch7's accUpdateGradParameters step, W -= lr * dL/dW accumulated straight
   -- into the weights by the gradient GEMMs (no gradient buffers to zero and add)
   return function(nbatch, accUpdate)
      nbatch = nbatch or N // B
      for i = 0, nbatch - 1 do
         local x, y = data:narrow(1, i * B + 1, B), labels:narrow(1, i * B + 1, B)
         local out = model:forward(x)
         crit:forward(out, y)
         if accUpdate then
            local g = crit:backward(out, y)
            model:updateGradInput(x, g)
            model:accUpdateGradParameters(x, g, lr)
         else
            grads:zero()
            model:backward(x, crit:backward(out, y))
            params:add(-lr, grads)
         end
      end
   end
end

---------------------------------------------------------------- LeNet-5 step
local function lenetCase()
   hm.manualSeed(1)
   local x = hm.rand(64, 1, 28, 28)
   local y = hm.LongTensor(64):random(1, 10)
   local model = nn.Sequential()
      :add(nn.SpatialConvolution(1, 6, 5, 5)):add(nn.ReLU()):add(nn.SpatialMaxPooling(2, 2, 2, 2))
      :add(nn.SpatialConvolution(6, 16, 5, 5)):add(nn.ReLU()):add(nn.SpatialMaxPooling(2, 2, 2, 2))
      :add(nn.View(256))
      :add(nn.Linear(256, 120)):add(nn.ReLU())
      :add(nn.Linear(120, 84)):add(nn.ReLU())
      :add(nn.Linear(84, 10)):add(nn.LogSoftMax())
   model.modules[1].gradInput = nil  -- no input gradient, as for PyTorch's autograd (mlp above)
   local crit = nn.ClassNLLCriterion()
   local params, grads = model:getParameters()
   return function()
      grads:zero()
      local out = model:forward(x)
      crit:forward(out, y)
      model:backward(x, crit:backward(out, y))
      params:add(-0.01, grads)
   end
end

local nt0, nb0 = hm.getnumthreads(), hm.getblasthreads()
local ours = { mlp = {}, lenet = {} }
local ref = { mlp = {}, lenet = {} }
local function keep(tab, t, v) if v then tab[t] = math.min(tab[t] or math.huge, v) end end

print(string.format("== hm.nn training vs PyTorch (float32, random MNIST-shaped data; best of %d rounds, "
   .. "ours and PyTorch interleaved; load %s)", ROUNDS, loadavg()))

local function bestof(tab)
   local v, t = math.huge, nil
   for th, x in pairs(tab) do if x < v then v, t = x, th end end
   if t then return v, t end
end
-- Thread settings to time in round r: both in the first round, then only the best so far
-- (a slow setting, such as PyTorch's two spinning pools at 2 threads, is not repeated).
local function pick(tab, r)
   local _, t = bestof(tab)
   if r == 1 or not t then return { 1, 2 } end
   return { t }
end

local mlp = mlpCase()
mlp(20)                                  -- warm-up: buffers, thread pool, caches
for r = 1, ROUNDS do
   local oset, rset = pick(ours.mlp, r), pick(ref.mlp, r)
   for i = 1, 2 do
      if oset[i] then
         setthreads(oset[i])
         local t0 = clock(); mlp(); keep(ours.mlp, oset[i], clock() - t0)
      end
      if rset[i] then keep(ref.mlp, rset[i], torchref("mlp", rset[i])) end
   end
end
-- the Torch7 idiom for the same SGD step, at our best setting (for the record)
local _, obest = bestof(ours.mlp)
setthreads(obest)
local tacc = math.huge
for _ = 1, 2 do
   local t0 = clock(); mlp(nil, true); tacc = math.min(tacc, clock() - t0)
end
mlp = nil
collectgarbage()

local lenet = lenetCase()
for _ = 1, ROUNDS do
   for _, t in ipairs{1, 2} do
      setthreads(t)
      for _ = 1, 10 do lenet() end
      local b = math.huge
      for _ = 1, 100 do
         local t0 = clock(); lenet(); b = math.min(b, clock() - t0)
      end
      keep(ours.lenet, t, b * 1e3)
      keep(ref.lenet, t, torchref("lenet", t, 100))
   end
end
setthreads(nt0); hm.setblasthreads(nb0)

local titles = {
   mlp = { "MLP 784-500-500-2000-10 SGD epoch (s)", "<= 0.7, goal 0.5", "s", "%.3f" },
   lenet = { "LeNet-5 fwd+bwd+SGD step, batch 64 (ms)", "<= 0.8", "ms", "%.3f" },
}
for _, name in ipairs{"mlp", "lenet"} do
   local o, ot = bestof(ours[name])
   local r, rt = bestof(ref[name])
   report(titles[name][1], o, r, r and o / r, titles[name][2], titles[name][3])
   local f = titles[name][4]
   local function fmt(v) return v and string.format(f, v) or "-" end
   print(string.format("   ours 1/2 threads: %s / %s %s (best at %d); PyTorch 1/2 threads: %s / %s%s",
      fmt(ours[name][1]), fmt(ours[name][2]), titles[name][3], ot, fmt(ref[name][1]), fmt(ref[name][2]),
      rt and string.format(" (best at %d)", rt) or ""))
   if name == "mlp" then
      local r0 = bestof(ref.mlp)
      report("MLP epoch, accUpdateGradParameters step (s)", tacc, r0, r0 and tacc / r0, "info", "s")
   end
end

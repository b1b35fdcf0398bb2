--[[ make bench: Harmonium's figures beside references measured in the same run.

Each line prints our figure, the reference's, and the ratio against the issue's target.
References: raw cblas_sgemm and memcpy (in C, same data), Debian's PyTorch 1.13 through
/usr/bin/python3 when python3-torch is installed (make bench-deps); a missing reference is
reported as skipped. At the end it runs bench/conv_bench.lua, bench/nn_bench.lua and
bench/rbm_bench.lua (issues 4 and 5: convolution, MLP epoch, LeNet-5 step, RBM CD-1 epoch,
AIS), each in its own process. The machine's load average is printed first: on a shared
machine the ratios are only comparable when the load is low.
]]
local hm = require 'harmonium'

print(string.format("threads: %d for element-wise ops (hm.setnumthreads), %d for OpenBLAS",
   hm.getnumthreads(), hm.getblasthreads()))
do
   local f = io.open("/proc/loadavg")
   if f then print("load average: " .. (f:read("*l") or "?")); f:close() end
   -- which CPU, and which kernel set OpenBLAS's DYNAMIC_ARCH picked for it (0.3.21 runs its
   -- Haswell kernels on AVX-512 AMD EPYC; OPENBLAS_CORETYPE=SkylakeX doubles small sgemm there)
   f = io.open("/proc/cpuinfo")
   local cpu = f and f:read("a"):match("model name%s*:%s*([^\n]+)")
   if f then f:close() end
   local exe0 = arg and arg[-1] or "bin/harmonium"
   local p = io.popen("OPENBLAS_VERBOSE=2 " .. exe0 .. " -e '' 2>&1")
   local core = p and p:read("a"):match("Core: (%S+)")
   if p then p:close() end
   print(string.format("cpu: %s; OpenBLAS core: %s%s", cpu or "?", core or "?",
      os.getenv("OPENBLAS_CORETYPE") and " (OPENBLAS_CORETYPE=" .. os.getenv("OPENBLAS_CORETYPE") .. ")" or ""))
end

local out = {}
local function report(name, ours, ref, ratio, target, unit)
   local line
   if ref then
      line = string.format("%-44s ours %10.3f %-7s ref %10.3f %-7s ratio %5.2f  (target %s)",
         name, ours, unit, ref, unit, ratio, target)
   else
      line = string.format("%-44s ours %10.3f %-7s ref   skipped", name, ours, unit)
   end
   print(line)
   out[#out + 1] = line
end

local function clock() return hm._clock() end

local function best(n, f)           -- best of n timings, in seconds
   local b = math.huge
   for _ = 1, n do
      local t0 = clock(); f(); local dt = clock() - t0
      if dt < b then b = dt end
   end
   return b
end

---------------------------------------------------------------- GEMM
-- Float products run on our own AVX-512 kernel (csrc/gemm.c) where the CPU has one. The
-- target line compares it with cblas_sgemm as this process loaded it (OPENBLAS_CORETYPE as
-- set); an info line compares it with OpenBLAS's own AVX-512 kernels (SkylakeX), timed in a
-- child process because OpenBLAS picks its kernels once, at load.
print(string.format("== GEMM: hm.addmm (result form, %s kernel) vs direct cblas_sgemm on the same data",
   hm.getgemm()))
hm.manualSeed(1)
local GEMM_SIZES = {{100, 784, 500}, {100, 500, 2000}, {1024, 1024, 1024}}
local avx512ref = {}
do
   local args = {}
   for _, s in ipairs(GEMM_SIZES) do args[#args + 1] = table.concat(s, ",") end
   local p = io.popen("OPENBLAS_CORETYPE=SkylakeX " .. (arg and arg[-1] or "bin/harmonium")
      .. " bench/sgemm_ref.lua " .. table.concat(args, " ") .. " 2>/dev/null")
   for line in (p and p:lines() or function() end) do
      local m, k, n, g = line:match("^(%d+) (%d+) (%d+) ([%d.]+)$")
      if m then avx512ref[m .. "x" .. k .. "x" .. n] = tonumber(g) end
   end
   if p then p:close() end
end
for _, s in ipairs(GEMM_SIZES) do
   local m, k, n = s[1], s[2], s[3]
   local a, b = hm.rand(m, k), hm.rand(k, n)
   local c = hm.Tensor(m, n)
   local flop = 2 * m * k * n
   local iters = math.max(1, math.floor(2e10 / flop))
   for _ = 1, 3 do hm.addmm(c, 0, c, 1, a, b) end
   hm._rawsgemm(c, a, b, 3)
   local ours, raw = math.huge, math.huge
   for _ = 1, 5 do        -- interleave so both see the same machine state
      ours = math.min(ours, best(1, function() for _ = 1, iters do hm.addmm(c, 0, c, 1, a, b) end end))
      raw = math.min(raw, hm._rawsgemm(c, a, b, iters))
   end
   local gours, graw = flop * iters / ours / 1e9, flop * iters / raw / 1e9
   report(string.format("addmm %dx%dx%d (GFLOP/s)", m, k, n), gours, graw, gours / graw, ">= 0.95", "GFLOP/s")
   local g512 = avx512ref[m .. "x" .. k .. "x" .. n]
   report(string.format("  vs OpenBLAS SkylakeX kernels (GFLOP/s)"), gours, g512, g512 and gours / g512,
      "info", "GFLOP/s")
   -- the new-tensor form too, for the record
   local gmm = flop * iters / best(3, function() for _ = 1, iters do local _r = hm.mm(a, b) end end) / 1e9
   report(string.format("mm (new tensor) %dx%dx%d (GFLOP/s)", m, k, n), gmm, graw, gmm / graw, "info", "GFLOP/s")
end

---------------------------------------------------------------- call overhead
print("== Lua call overhead: a:add(b) on 10-element tensors")
local a, b = hm.Tensor(10):fill(1), hm.Tensor(10):fill(1e-6)
local N = 2000000
local tadd = best(3, function() for _ = 1, N do a:add(b) end end)
local ns = tadd / N * 1e9
local torch_ns
local py = io.popen("/usr/bin/python3 bench/torch_overhead.py 2>/dev/null")
if py then
   torch_ns = tonumber(py:read("*l") or "")
   py:close()
end
report("a:add(b), 10 elements (ns/call)", ns, torch_ns, torch_ns and ns / torch_ns, "<= 0.3 of PyTorch", "ns")

---------------------------------------------------------------- bandwidth
print("== Sigmoid and Bernoulli over 10^7 floats vs memcpy of the same size")
local n = 10000000
local x = hm.rand(n):mul(8):add(-4)
local y = hm.Tensor(n)
local p = hm.rand(n)
local bytes = n * 4
local tm = hm._memcpybench(y, x, 5) / 5
local gbm = bytes / tm / 1e9
local ts = best(5, function() y:sigmoid(x) end)
local gbs = bytes / ts / 1e9
report("sigmoid 1e7 floats (GB/s)", gbs, gbm, gbs / gbm, ">= 0.5 of memcpy", "GB/s")
local nt = hm.getnumthreads()
hm.setnumthreads(1)
local ts1 = best(5, function() y:sigmoid(x) end)
hm.setnumthreads(nt)
report("sigmoid 1e7 floats, 1 thread (GB/s)", bytes / ts1 / 1e9, gbm, bytes / ts1 / 1e9 / gbm, "info", "GB/s")
local tb = best(5, function() y:bernoulli(p) end)
local gbb = bytes / tb / 1e9
report("bernoulli(p) 1e7 floats (GB/s)", gbb, gbm, gbb / gbm, ">= 0.5 of memcpy", "GB/s")
if hm.sigmoidBernoulli then
   local prob = hm.Tensor(n)
   local tf = best(5, function() hm.sigmoidBernoulli(y, prob, x) end)
   local gbf = bytes / tf / 1e9
   report("fused sigmoid+bernoulli 1e7 floats (GB/s)", gbf, gbm, gbf / gbm, "info", "GB/s")
end
x, y, p = nil, nil, nil
collectgarbage()

---------------------------------------------------------------- memory
print("== Peak RSS while allocating and dropping 10,000 tensors of 1 MB")
local exe = arg and arg[-1] or "bin/harmonium"
local f = io.popen(exe .. " bench/rss.lua")
local rss = tonumber(f:read("*l") or "")
f:close()
if rss then
   report("peak RSS, 10,000 x 1 MB tensors (MB)", rss, 200, rss / 200, "< 200 MB", "MB")
else
   print("peak RSS: the child process failed")
end

---------------------------------------------------------------- issue 4 and 5 benchmarks
-- Each script runs in its own process (its data, buffers and thread settings stay there)
-- and prints its own lines in the format above, references measured in the same run.
for _, s in ipairs{
   { "bench/conv_bench.lua", "convolution and pooling (issue 4)" },
   { "bench/nn_bench.lua", "MLP epoch and LeNet-5 step (issue 4)" },
   { "bench/rbm_bench.lua", "RBM CD-1 epoch and AIS (issue 5)" },
} do
   io.stdout:flush()
   local ok, how, code = os.execute(exe .. " " .. s[1])
   if not ok then
      print(string.format("%s: %s failed (%s %s)", s[2], s[1], tostring(how), tostring(code)))
   end
end

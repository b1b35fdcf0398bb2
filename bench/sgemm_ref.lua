--[[ bench/sgemm_ref.lua: raw cblas_sgemm speed in a process of its own, so that bench/run.lua
can time OpenBLAS under another OPENBLAS_CORETYPE (OpenBLAS picks its kernels once, when the
library loads). Prints "m k n GFLOP/s" for each size given as m,k,n; best of 5 timings.

Run: OPENBLAS_CORETYPE=SkylakeX bin/harmonium bench/sgemm_ref.lua 100,784,500 1024,1024,1024
]]
local hm = require 'harmonium'

for _, spec in ipairs(arg) do
   local m, k, n = spec:match("^(%d+),(%d+),(%d+)$")
   m, k, n = tonumber(m), tonumber(k), tonumber(n)
   if m then
      hm.manualSeed(1)
      local a, b, c = hm.rand(m, k), hm.rand(k, n), hm.Tensor(m, n)
      local flop = 2 * m * k * n
      local iters = math.max(1, math.floor(2e10 / flop))
      hm._rawsgemm(c, a, b, 3)
      local t = math.huge
      for _ = 1, 5 do t = math.min(t, hm._rawsgemm(c, a, b, iters)) end
      print(string.format("%d %d %d %.3f", m, k, n, flop * iters / t / 1e9))
   end
end

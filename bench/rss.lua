-- Allocates and drops 10,000 tensors of 1 MB each, then prints the peak RSS in MB
-- (VmHWM from /proc/self/status). Run by bench/run.lua in a fresh process.
local hm = require 'harmonium'
for _ = 1, 10000 do
   local t = hm.Tensor(262144)      -- 1 MB of float32
   t:fill(1)                        -- touch the pages so they count
end
local f = io.open("/proc/self/status")
local s = f:read("a")
f:close()
print(tonumber(s:match("VmHWM:%s*(%d+)")) / 1024)

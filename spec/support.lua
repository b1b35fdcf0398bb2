-- Shared functions for the specs: files, shell commands, deterministic fills.
-- `local support = require 'support'` (the .busted lpath includes ./spec).
local M = {}

--- exists(path) -> true when the file can be opened
function M.exists(path)
   local f = io.open(path, "rb")
   if f then f:close() end
   return f ~= nil
end

--- readfile(path) -> the file's bytes (raises when missing)
function M.readfile(path)
   local f = assert(io.open(path, "rb"))
   local s = f:read("a")
   f:close()
   return s
end

--- writefile(path, s)
function M.writefile(path, s)
   local f = assert(io.open(path, "wb"))
   f:write(s)
   f:close()
end

--- tmpname([ext]) -> a fresh temporary path, ending in ext when given
function M.tmpname(ext)
   local name = os.tmpname()
   if ext then os.remove(name); name = name .. ext end
   return name
end

--- q(s) -> s quoted for sh
function M.q(s)
   return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

--- sh(cmd [, input]) -> stdout, stderr, exit code of the shell command line `cmd`
function M.sh(cmd, input)
   local inf, outf, errf = os.tmpname(), os.tmpname(), os.tmpname()
   M.writefile(inf, input or "")
   local _, _, code = os.execute("( " .. cmd .. " ) < " .. inf .. " > " .. outf .. " 2> " .. errf)
   local out, err = M.readfile(outf), M.readfile(errf)
   os.remove(inf) os.remove(outf) os.remove(errf)
   return out, err, code
end

--- ramp(t [, seed]) -> t filled with a deterministic pattern in [-2, 2] (no random module)
function M.ramp(t, seed)
   local flat = t:view(-1)
   seed = seed or 0
   for i = 1, flat:nElement() do flat[i] = (((i + seed) * 37) % 101) / 25 - 2 end
   return t
end

--- count(t) -> t filled with 1, 2, 3, ... in row-major order
function M.count(t)
   local flat = t:view(-1)
   for i = 1, flat:nElement() do flat[i] = i end
   return t
end

return M

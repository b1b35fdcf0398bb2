--[[ Helpers shared by the energy-based models (hm.Hopfield, hm.BoltzmannMachine): exact
enumeration of binary states in blocks, log-sum-exp that combines blocks without overflow,
argument checks with class-named messages, and annealing schedules.

   local util = require 'harmonium.ebm_util'
   local states = util.binaryStates(5, 0, 32)      -- all 32 states of 5 binary units
   local lse = util.logsumexpBlocks(2^20, 2^14, function(first, count) ... end)

Enumeration order: state number s (0-based) has unit j (1-based) equal to bit j-1 of s, so unit
1 is the least significant bit and states(s) = sum_j x_j 2^(j-1).
]]

local hm = require 'harmonium'

local M = {}

--- M.BLOCK: the number of states enumerated at a time (a 16384 x n double tensor)
M.BLOCK = 2 ^ 14

--- M.binaryStates(k, first, count [, res]) -> count x k DoubleTensor
-- ARGS: k units; states first .. first+count-1 (0-based state numbers, see the order above);
--       res (optional DoubleTensor, resized)
-- RETURNS: row r holds the k bits (0/1) of state first + r - 1
-- Each column is built with tensor ops: bit j of s is floor(s / 2^(j-1)) - 2 floor(s / 2^j),
-- exact in double for s < 2^53.
function M.binaryStates(k, first, count, res)
   res = res or hm.DoubleTensor()
   res:resize(count, k)
   if count == 0 or k == 0 then return res end
   -- consecutive state numbers: first, first+1, ... (cumsum of ones is exact for integers < 2^53)
   local idx = hm.DoubleTensor(count):fill(1):cumsum(1)
   idx:add(first - 1)
   local lo, hi = hm.DoubleTensor(count), hm.DoubleTensor(count)
   for j = 1, k do
      hm.div(lo, idx, 2 ^ (j - 1)):floor()
      hm.div(hi, idx, 2 ^ j):floor()
      res:select(2, j):copy(lo:add(-2, hi))
   end
   return res
end

--- M.logAddExp(a, b) -> log(exp(a) + exp(b)) for numbers, without overflow
function M.logAddExp(a, b)
   if a == -math.huge then return b end
   if b == -math.huge then return a end
   local m = math.max(a, b)
   return m + math.log(math.exp(a - m) + math.exp(b - m))
end

--- M.logAddExpInPlace(acc, x) -> acc: acc = log(exp(acc) + exp(x)) element-wise (DoubleTensors
-- of one shape; x is overwritten as scratch). Both must be finite.
function M.logAddExpInPlace(acc, x)
   local m = hm.cmax(acc, x)
   acc:add(-1, m):exp()
   x:add(-1, m):exp()
   acc:add(x):log():add(m)
   return acc
end

--- M.logsumexpBlocks(total, block, fn) -> log sum over all blocks of exp(values)
-- ARGS: total states, block size, fn(first, count) -> values for states first..first+count-1
--       (0-based): a vector (result a number) or a B x count matrix (result a B x 1 tensor)
-- Each block is reduced by the core's logsumexp (max-subtracted), and blocks are combined by
-- log-add-exp, so no exp ever overflows and memory stays at one block.
function M.logsumexpBlocks(total, block, fn)
   local acc
   local first = 0
   while first < total do
      local count = math.min(block, total - first)
      local values = fn(first, count)
      if values:dim() == 1 then
         local l = values:logsumexp(1)[1]
         acc = acc and M.logAddExp(acc, l) or l
      else
         local l = values:logsumexp(2)
         if acc then M.logAddExpInPlace(acc, l) else acc = l:clone() end
      end
      first = first + count
   end
   return acc
end

--- M.withGenerator(f, gen, ...) -> f(..., gen) when gen is given, else f(...)
-- The core's random functions take their optional generator last.
function M.withGenerator(f, gen, ...)
   if gen then
      local args = table.pack(...)
      args[args.n + 1] = gen
      return f(table.unpack(args, 1, args.n + 1))
   end
   return f(...)
end

------------------------------------------------------------------ argument checks

local function fail(class, msg, level)
   error(class .. ": " .. msg, (level or 2) + 1)
end
M.fail = fail

--- M.checkCount(class, what, x, min) -> x: x must be an integer >= min
function M.checkCount(class, what, x, min)
   if math.type(x) ~= "integer" and not (type(x) == "number" and x == math.floor(x) and x == x) then
      fail(class, what .. " must be an integer, got " .. tostring(x), 3)
   end
   if x < min then
      fail(class, what .. " must be >= " .. min .. ", got " .. tostring(x), 3)
   end
   return math.tointeger(x) or x
end

--- M.checkOpts(class, opts) -> opts or {}: opts must be nil or a table
function M.checkOpts(class, opts)
   if opts == nil then return {} end
   if type(opts) ~= "table" then fail(class, "options table expected, got " .. type(opts), 3) end
   return opts
end

--- M.checkTemperature(class, T, default) -> T: a finite number >= 0
function M.checkTemperature(class, T, default)
   if T == nil then return default end
   if type(T) ~= "number" or T ~= T or T < 0 or T == math.huge then
      fail(class, "temperature must be a finite number >= 0, got " .. tostring(T), 3)
   end
   return T
end

--- M.checkPositive(class, what, x, default) -> x: a finite number > 0
function M.checkPositive(class, what, x, default)
   if x == nil then return default end
   if type(x) ~= "number" or x ~= x or x <= 0 or x == math.huge then
      fail(class, what .. " must be a finite number > 0, got " .. tostring(x), 3)
   end
   return x
end

--- M.checkNonNegative(class, what, x, default) -> x: a finite number >= 0
function M.checkNonNegative(class, what, x, default)
   if x == nil then return default end
   if type(x) ~= "number" or x ~= x or x < 0 or x == math.huge then
      fail(class, what .. " must be a finite number >= 0, got " .. tostring(x), 3)
   end
   return x
end

--- M.checkStates(class, what, x, width, values) -> 2D contiguous DoubleTensor (a copy), wasVector
-- ARGS: x a tensor (width) or (B x width), or a Lua table of numbers / rows; values 'binary'
--       (0/1), 'sign' (+1/-1) or nil (any finite numbers)
-- ERRORS: not a tensor, wrong dimension or width, values outside the set, NaN
function M.checkStates(class, what, x, width, values)
   if type(x) == "table" and not hm.isTensor(x) then
      local ok, t = pcall(hm.DoubleTensor, x)
      if not ok then fail(class, what .. " must be a tensor or a table of numbers", 3) end
      x = t
   end
   if not hm.isTensor(x) then
      fail(class, what .. " must be a tensor, got " .. hm.type(x), 3)
   end
   local vector = x:dim() == 1
   if x:dim() ~= 1 and x:dim() ~= 2 then
      fail(class, what .. " must be 1D (" .. width .. ") or 2D (B x " .. width .. "), got "
           .. x:dim() .. "D", 3)
   end
   if x:size(x:dim()) ~= width then
      fail(class, string.format("%s must have %d columns, got %s", what, width,
                                table.concat(x:size():totable(), " x ")), 3)
   end
   local d = hm.DoubleTensor(vector and 1 or x:size(1), width)
   local n = d:nElement()
   if n > 0 then d:copy(x:contiguous():view(d:size())) end
   if values == "binary" and n > 0 and d:eq(0):sum() + d:eq(1):sum() ~= n then
      fail(class, what .. " must be binary (0 or 1)", 3)
   elseif values == "sign" and n > 0 and d:eq(1):sum() + d:eq(-1):sum() ~= n then
      fail(class, what .. " must hold +1 or -1 values only", 3)
   elseif values == nil and n > 0 and d:ne(d):sum() > 0 then
      fail(class, what .. " contains NaN", 3)
   end
   return d, vector
end

------------------------------------------------------------------ annealing schedules

--- M.geometricSchedule(T0, T1, steps) -> a table of `steps` temperatures from T0 down to T1,
-- each a constant factor below the one before (Kirkpatrick et al. 1983); T0, T1 > 0
function M.geometricSchedule(T0, T1, steps)
   local s = {}
   if steps == 1 then return { T1 } end
   local r = (T1 / T0) ^ (1 / (steps - 1))
   for k = 1, steps do s[k] = T0 * r ^ (k - 1) end
   s[steps] = T1
   return s
end

--- M.linearSchedule(T0, T1, steps) -> a table of `steps` temperatures evenly from T0 to T1
function M.linearSchedule(T0, T1, steps)
   local s = {}
   if steps == 1 then return { T1 } end
   for k = 1, steps do s[k] = T0 + (T1 - T0) * (k - 1) / (steps - 1) end
   return s
end

return M

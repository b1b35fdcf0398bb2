--[[ hm.nn.utils: helpers shared by the nn modules and criterions.

   hm.nn.utils.maxNorm(weight, c)        -- renormalise rows whose L2 norm exceeds c
   hm.nn.utils.recursiveType(x, 'hm.DoubleTensor')
   hm.nn.utils.sizestr(t)                -- "100x785"
]]

local hm = require 'harmonium'

local M = {}

--- sizestr(t) -> the size of tensor t as "2x3" ("[]" for an empty one)
function M.sizestr(t)
   if t:dim() == 0 then return "[]" end
   return tostring(t:size())
end

-- Float and double tensors are converted by type(); byte and long tensors hold masks and
-- indices (max-pooling switches, class targets) and keep their type.
local convertible = { ["hm.FloatTensor"] = true, ["hm.DoubleTensor"] = true }

--- recursiveType(x, tname [, cache]) -> x with every float/double tensor inside converted
-- ARGS: x (a tensor, a table, an hm.class object: fields are converted in place);
--       tname ('hm.FloatTensor' or 'hm.DoubleTensor'; 'torch.' spellings accepted);
--       cache (table: a tensor met twice is converted once, so shared tensors stay shared)
-- RETURNS: the converted value (a new tensor for a tensor of another type, else x)
function M.recursiveType(x, tname, cache)
   cache = cache or {}
   if hm.isTensor(x) then
      if cache[x] then return cache[x] end
      local y = x
      if convertible[x:type()] and x:type() ~= tname then y = x:type(tname) end
      cache[x] = y
      return y
   elseif type(x) == "table" then
      if cache[x] then return x end
      cache[x] = x
      for k, v in pairs(x) do
         if hm.isTensor(v) or type(v) == "table" then x[k] = M.recursiveType(v, tname, cache) end
      end
   end
   return x
end

--- canonicalFloatType(name, who) -> 'hm.FloatTensor' or 'hm.DoubleTensor'
-- ERRORS: any other type name
function M.canonicalFloatType(name, who)
   local canon = hm._canonicalType(name)
   if not convertible[canon] then
      error(string.format("%s: hm.FloatTensor or hm.DoubleTensor expected, got %s", who, tostring(name)), 3)
   end
   return canon
end

--- checkTensor(module, x): raise "nn.Tanh: expected a float or double input tensor, got ..."
-- unless x is a float or double tensor. When x's type differs from the module's (its output
-- or, for criterions, gradInput), a module without parameters converts itself to x's type
-- (so a parameter-free layer or a criterion never rounds a double input through float
-- buffers); a module with parameters raises "expected input of type ..., got ...".
function M.checkTensor(module, x)
   if not hm.isTensor(x) or not convertible[x:type()] then
      error(hm.type(module) .. ": expected a float or double input tensor, got " .. hm.type(x), 0)
   end
   local ref = hm.isTensor(module.output) and module.output or module.gradInput
   if hm.isTensor(ref) and ref:type() ~= x:type() then
      if module.parameterFields and #module:parameterFields() > 0 then
         error(string.format("%s: expected input of type %s, got %s (convert the module or the input)",
            hm.type(module), ref:type(), x:type()), 0)
      end
      module:type(x:type())
   end
end

--- checkDims(module, x, lo, hi, what): raise unless x is a float/double tensor of lo..hi dims
-- ("nn.SoftMax: expected 1D or 2D input, got 3D (2x3x4)")
function M.checkDims(module, x, lo, hi, what)
   M.checkTensor(module, x)
   local d = x:dim()
   if d < lo or d > hi then
      error(string.format("%s: expected %s input, got %dD (%s)", hm.type(module), what, d,
         M.sizestr(x)), 0)
   end
end

--- checkPooling(module, level): raise unless module's kW, kH, dW, dH are positive integers and
-- padW, padH integers in 0 .. kernel/2 (level: error level of the caller's caller)
function M.checkPooling(m, level)
   local name = hm.type(m)
   for _, f in ipairs({ "kW", "kH", "dW", "dH" }) do
      if math.type(m[f]) ~= "integer" or m[f] < 1 then
         error(string.format("%s: %s must be a positive integer, got %s", name, f, tostring(m[f])), level + 1)
      end
   end
   for _, f in ipairs({ { "padW", "kW" }, { "padH", "kH" } }) do
      local p, k = m[f[1]], m[f[2]]
      if math.type(p) ~= "integer" or p < 0 or p > k // 2 then
         error(string.format("%s: %s must be an integer in 0..%d (half the kernel), got %s", name,
            f[1], k // 2, tostring(p)), level + 1)
      end
   end
end

--- checkPoolingInput(module, input): raise unless input is (C, H, W) or (B, C, H, W) with
-- H + 2 padH >= kH and W + 2 padW >= kW
function M.checkPoolingInput(m, input)
   M.checkTensor(m, input)
   local d = input:dim()
   if d ~= 3 and d ~= 4 then
      error(string.format("%s: expected input of size C x H x W (or B x C x H x W), got %s",
         hm.type(m), M.sizestr(input)), 0)
   end
   local H, W = input:size(d - 1), input:size(d)
   if H + 2 * m.padH < m.kH or W + 2 * m.padW < m.kW then
      error(string.format("%s: input %s is smaller than the kernel %dx%d (padding %d,%d)",
         hm.type(m), M.sizestr(input), m.kW, m.kH, m.padW, m.padH), 0)
   end
end

--- maxNorm(weight, c) -> weight, renormalised in place
-- Each row of weight (its first dimension: the incoming weights of one unit; a 4D
-- convolution weight counts as nOutputPlane rows) whose L2 norm exceeds c is scaled down
-- to norm c; other rows are left untouched (Hinton et al. 2012, Srebro et al. 2005).
-- Vectorised: norms along dimension 2, clamped below at c, then w *= c / norm.
-- ERRORS: c not a positive number, weight not a float/double tensor of 1 or more dims
function M.maxNorm(weight, c)
   if not hm.isTensor(weight) or not convertible[weight:type()] or weight:dim() < 1 then
      error("hm.nn.utils.maxNorm: float or double weight tensor expected", 2)
   end
   if type(c) ~= "number" or not (c > 0) then
      error("hm.nn.utils.maxNorm: positive norm bound expected, got " .. tostring(c), 2)
   end
   local w = weight:isContiguous() and weight or weight:contiguous()
   local rows = w:view(w:size(1), -1)
   local norms = rows:norm(2, 2)                 -- rows x 1
   norms:clamp(c, math.huge):pow(-1):mul(c)     -- c / max(norm, c): 1 where norm <= c
   rows:cmul(norms:expandAs(rows))
   if w ~= weight then weight:copy(w) end
   return weight
end

return M

--[[ hm.nn.Jacobian: gradient checks by finite differences (Torch7's nn.Jacobian).

   local J = hm.nn.Jacobian
   local m = hm.nn.Linear(5, 3):double()
   local x = hm.DoubleTensor(4, 5):normal()
   J.testJacobian(m, x)                                      -- max |dy/dx error|
   J.testJacobianParameters(m, x, m.weight, m.gradWeight)    -- max |dy/dW error|
   J.testJacobianUpdateParameters(m, x, m.weight)            -- accUpdateGradParameters
   J.testCriterion(crit, x, target)                          -- max |dloss/dx error|
   J.testAll(m, x)                                           -- all of the above, as a table

Each test compares the backprop Jacobian (one backward pass per output element, with a
one-hot gradOutput) with central differences (f(x + h) - f(x - h)) / 2h, h = 1e-6, and
returns the largest absolute difference. Work in double: in float the differences are
dominated by rounding. Inputs and outputs may be tensors of any layout (non-contiguous
included) or tables of tensors (ConcatTable, ParallelTable). The input is used as given;
pass minval, maxval to refill it uniformly first, as Torch7 does.
]]

local hm = require 'harmonium'

local M = {}

M.perturbation = 1e-6

------------------------------------------------------------------ flat access

-- The tensors inside x (a tensor or a nested table), in a fixed order.
local function tensorsOf(x, list)
   list = list or {}
   if hm.isTensor(x) then
      list[#list + 1] = x
   elseif type(x) == "table" then
      for i = 1, #x do tensorsOf(x[i], list) end
   end
   return list
end

-- Row-major index tuple of the k-th (1-based) element of a tensor with sizes `size`.
local function tuple(size, k)
   local idx = {}
   k = k - 1
   for d = #size, 1, -1 do
      idx[d] = k % size[d] + 1
      k = k // size[d]
   end
   return idx
end

-- get(k) / set(k, v) over all elements of a tensor or table of tensors, whatever the strides.
local function accessor(x)
   local list, slots = tensorsOf(x), {}
   for _, t in ipairs(list) do
      local size = t:dim() > 0 and t:size():totable() or {}
      for k = 1, t:nElement() do slots[#slots + 1] = { t, tuple(size, k) } end
   end
   return {
      n = #slots,
      get = function(k) local s = slots[k]; return s[1][s[2]] end,
      set = function(k, v) local s = slots[k]; s[1][s[2]] = v end,
   }
end

-- A double copy of every element of x as one 1D tensor.
local function flatCopy(x)
   local list, n = tensorsOf(x), 0
   for _, t in ipairs(list) do n = n + t:nElement() end
   local out, pos = hm.DoubleTensor(n), 1
   for _, t in ipairs(list) do
      local k = t:nElement()
      if k > 0 then
         out:narrow(1, pos, k):copy(t:contiguous():view(k))
         pos = pos + k
      end
   end
   return out
end

-- A zero tensor (or table of them) shaped like x; its accessor writes one-hot entries.
local function zerosLike(x)
   if hm.isTensor(x) then return x:new():resizeAs(x):zero() end
   local t = {}
   for i = 1, #x do t[i] = zerosLike(x[i]) end
   return t
end

local function refill(input, minval, maxval)
   if minval then
      for _, t in ipairs(tensorsOf(input)) do t:uniform(minval, maxval) end
   end
end

------------------------------------------------------------------ Jacobians

--- forward(module, input [, param [, perturbation]]) -> J (nParam x nOutput), by central
-- differences; param defaults to the input itself
function M.forward(module, input, param, perturbation)
   param = param or input
   perturbation = perturbation or M.perturbation
   local p = accessor(param)
   local nOut = flatCopy(module:forward(input)):nElement()
   local J = hm.DoubleTensor(p.n, nOut)
   for k = 1, p.n do
      local orig = p.get(k)
      p.set(k, orig - perturbation)
      local outa = flatCopy(module:forward(input))
      p.set(k, orig + perturbation)
      local outb = flatCopy(module:forward(input))
      p.set(k, orig)
      J[k]:copy(outb:add(-1, outa):div(2 * perturbation))
   end
   return J
end

--- backward(module, input [, param, dparam]) -> J (nParam x nOutput) by backprop: one
-- updateGradInput (or accGradParameters, when dparam is given) per output element
function M.backward(module, input, param, dparam)
   local doparam = param ~= nil
   local output = module:forward(input)
   local gradOutput = zerosLike(output)
   local g = accessor(gradOutput)
   local nParam = doparam and accessor(dparam).n or flatCopy(input):nElement()
   local J = hm.DoubleTensor(nParam, g.n)
   for i = 1, g.n do
      if i > 1 then g.set(i - 1, 0) end
      g.set(i, 1)
      local col
      if doparam then
         module:zeroGradParameters()
         module:updateGradInput(input, gradOutput)
         module:accGradParameters(input, gradOutput, 1)
         col = flatCopy(dparam)
      else
         col = flatCopy(module:updateGradInput(input, gradOutput))
      end
      J:select(2, i):copy(col)
   end
   return J
end

-- max |a - b|, 0 for empty tensors
local function maxerr(a, b)
   if a:nElement() == 0 then return 0 end
   return (a - b):abs():max()
end

--- testJacobian(module, input [, minval, maxval [, perturbation]]) -> max error of dOutput/dInput
function M.testJacobian(module, input, minval, maxval, perturbation)
   refill(input, minval, maxval)
   local jb = M.backward(module, input)
   local jf = M.forward(module, input, input, perturbation)
   return maxerr(jf, jb)
end

--- testJacobianParameters(module, input, param, dparam [, minval, maxval [, perturbation]])
-- -> max error of dOutput/dParam (accGradParameters against finite differences)
function M.testJacobianParameters(module, input, param, dparam, minval, maxval, perturbation)
   refill(input, minval, maxval)
   refill(param, minval and -2, maxval and 2)
   local jb = M.backward(module, input, param, dparam)
   local jf = M.forward(module, input, param, perturbation)
   return maxerr(jf, jb)
end

--- testJacobianUpdateParameters(module, input, param [, minval, maxval [, perturbation]])
-- -> max error of the update made by accUpdateGradParameters (lr = 1, gradOutput = the
-- output's ones) against param - dLoss/dParam from finite differences
function M.testJacobianUpdateParameters(module, input, param, minval, maxval, perturbation)
   refill(input, minval, maxval)
   refill(param, minval and -2, maxval and 2)
   local before = flatCopy(param)
   -- accUpdateGradParameters moves every parameter; keep them all to restore afterwards
   local params = module:parameters() or {}
   local saved = {}
   for i, t in ipairs(params) do saved[i] = t:clone() end
   local output = module:forward(input)
   local ones = zerosLike(output)
   for _, t in ipairs(tensorsOf(ones)) do t:fill(1) end
   module:updateGradInput(input, ones)   -- containers pass gradients down through gradInput
   module:accUpdateGradParameters(input, ones, 1)
   local after = flatCopy(param)
   -- restore, then the expected step: dLoss/dParam with loss = sum(output) is J * 1
   for i, t in ipairs(params) do t:copy(saved[i]) end
   local jf = M.forward(module, input, param, perturbation)
   local expected = before - jf:sum(2):view(-1)
   return maxerr(after, expected)
end

--- testCriterion(criterion, input, target [, perturbation]) -> max error of dLoss/dInput
function M.testCriterion(criterion, input, target, perturbation)
   perturbation = perturbation or M.perturbation
   criterion:forward(input, target)
   local analytic = flatCopy(criterion:backward(input, target))
   local p = accessor(input)
   local numeric = hm.DoubleTensor(p.n)
   for k = 1, p.n do
      local orig = p.get(k)
      p.set(k, orig - perturbation)
      local la = criterion:forward(input, target)
      p.set(k, orig + perturbation)
      local lb = criterion:forward(input, target)
      p.set(k, orig)
      numeric[k] = (lb - la) / (2 * perturbation)
   end
   return maxerr(numeric, analytic)
end

--- testAll(module, input) -> { input = err, weight = err, bias = err, ... }: testJacobian and
-- testJacobianParameters for every parameter field of every module inside (keys
-- "<path>.weight" for children, e.g. "2.weight"), and the largest error as .max
function M.testAll(module, input)
   local errs = { input = M.testJacobian(module, input) }
   local function visit(m, path)
      if m.modules then
         for i, c in ipairs(m.modules) do visit(c, path .. i .. ".") end
      else
         for _, f in ipairs(m:parameterFields()) do
            errs[path .. f[1]] = M.testJacobianParameters(module, input,
               m[f[1]], m[f[2]])
         end
      end
   end
   visit(module, "")
   local max = 0
   for _, e in pairs(errs) do if e > max then max = e end end
   errs.max = max
   return errs
end

--- testIO(module, input) -> max |output - output of the module after hm.serialize/deserialize|
function M.testIO(module, input)
   local a = flatCopy(module:forward(input))
   local copy = hm.deserialize(hm.serialize(module))
   local b = flatCopy(copy:forward(input))
   return maxerr(a, b)
end

return M

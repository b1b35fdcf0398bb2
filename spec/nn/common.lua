-- Shared checks for the nn specs (`local common = require 'nn.common'`): every module spec
-- uses them for the STYLE.md section 5 list (batch = loop over samples, gradcheck on the input
-- and each parameter in double, two backward calls give twice the gradients).
local hm = require 'harmonium'
local assert = require 'luassert'

local M = {}

M.J = hm.nn.Jacobian

--- seed(): the spec seed on the default generator (call in before_each)
function M.seed()
   hm.manualSeed(_G.HM_SPEC_SEED or 1234)
end

--- noncontig(t) -> a non-contiguous tensor with t's sizes and values (every other element
-- of a larger storage, so no dimension is unit-stride)
function M.noncontig(t)
   local sizes = t:size():totable()
   sizes[#sizes + 1] = 2
   local big = t:new():resize(hm.LongStorage(sizes)):zero()
   local v = big:select(#sizes, 1)
   v:copy(t)
   assert.is_false(v:isContiguous())
   return v
end

--- batchMatchesLoop(module, input [, tol]): forward on the batch equals forward on each row
function M.batchMatchesLoop(module, input, tol)
   local out = module:forward(input):clone()
   for b = 1, input:size(1) do
      local single = module:forward(input[b]:clone())
      assert.tensor_near(out[b], single, tol or 1e-5)
   end
end

--- gradcheck(module, input [, tol=1e-6]): backprop against finite differences (double)
-- for the input and every parameter; returns the error table
function M.gradcheck(module, input, tol)
   local errs = M.J.testAll(module, input)
   for k, e in pairs(errs) do
      assert(e < (tol or 1e-6), string.format("gradcheck of %s: error %.3g on %s", tostring(module), e, k))
   end
   return errs
end

--- twiceDoubles(module, input): two backward calls with the same gradOutput give twice the
-- parameter gradients of one (they accumulate, never overwrite)
function M.twiceDoubles(module, input, tol)
   local out = module:forward(input)
   local go = out:clone():normal()
   module:zeroGradParameters()
   module:backward(input, go)
   local _, grads = module:parameters()
   local once = {}
   for i, g in ipairs(grads) do once[i] = g:clone() end
   module:backward(input, go)
   for i, g in ipairs(grads) do assert.tensor_near(once[i]:mul(2), g, tol or 1e-5) end
end

--- scaleWorks(module, input): accGradParameters(..., scale) adds scale x the gradient
function M.scaleWorks(module, input, tol)
   local out = module:forward(input)
   local go = out:clone():normal()
   module:zeroGradParameters()
   module:backward(input, go)
   local _, grads = module:parameters()
   local once = {}
   for i, g in ipairs(grads) do once[i] = g:clone() end
   module:zeroGradParameters()
   module:backward(input, go, 0.5)
   for i, g in ipairs(grads) do assert.tensor_near(once[i]:mul(0.5), g, tol or 1e-5) end
end

--- gradcheckCriterion(crit, input, target [, tol=1e-6])
function M.gradcheckCriterion(crit, input, target, tol)
   local e = M.J.testCriterion(crit, input, target)
   assert(e < (tol or 1e-6), string.format("gradcheck of %s: error %.3g", tostring(crit), e))
end

return M

--[[ AdaGrad (Duchi, Hazan and Singer, 2011): per-parameter rates shrinking with the sum of
squared gradients; torch/optim's adagrad with checked arguments.

   v += g .* g;   x -= lr / (1 + n * decay) * g ./ (sqrt(v) + epsilon)

ARGS:
- `feval`  : a function that takes x and returns f(x) and df/dx (a tensor like x)
- `x`      : the parameters, a hm.FloatTensor or hm.DoubleTensor, updated in place
- `config` : a table of hyper-parameters
  - `config.learningRate`      : learning rate (default 1e-3)
  - `config.learningRateDecay` : decay; the rate at call n is lr / (1 + n * decay) (default 0)
  - `config.weightDecay`       : L2 penalty, df/dx += wd * x (default 0)
  - `config.epsilon`           : added to sqrt(v) so a zero gradient history divides safely
                                 (default 1e-10)
- `state`  : a table for the optimizer's state (default: config)
  - `state.evalCounter`   : the number of calls so far
  - `state.paramVariance` : the running sum of squared gradients v
  - `state.paramStd`      : scratch for sqrt(v) + epsilon

RETURN:
- `x`    : the new parameters
- `{fx}` : a table holding f(x) before the update

ERRORS: as hm.optim.sgd (x not a float or double tensor, negative rates, wrong gradient size).
]]

local common = require 'harmonium.optim.common'

local NAME = "adagrad"

--- adagrad(feval, x, config, state) -> x, {fx}
local function adagrad(feval, x, config, state)
   -- (0) get/update state, check the config
   config, state = common.start(NAME, x, config, state)
   local lr = common.number(NAME, config, "learningRate", 1e-3, 0)
   local lrd = common.number(NAME, config, "learningRateDecay", 0, 0)
   local wd = common.number(NAME, config, "weightDecay", 0, 0)
   local eps = common.number(NAME, config, "epsilon", 1e-10, 0)
   state.evalCounter = state.evalCounter or 0
   local nevals = state.evalCounter

   -- (1) evaluate f(x) and df/dx
   local fx, dfdx = common.eval(NAME, feval, x)

   -- (2) weight decay
   if wd ~= 0 then dfdx:add(wd, x) end

   -- (3) learning rate decay (annealing)
   local clr = lr / (1 + nevals * lrd)

   -- (4) accumulate squared gradients, then step by g / (sqrt(v) + epsilon)
   local var = common.buffer(NAME, state, "paramVariance", x)
   local std = common.buffer(NAME, state, "paramStd", x)
   var:addcmul(1, dfdx, dfdx)
   std:sqrt(var):add(eps)
   x:addcdiv(-clr, dfdx, std)

   -- (5) update the evaluation counter
   state.evalCounter = nevals + 1

   return x, { fx }
end

return adagrad

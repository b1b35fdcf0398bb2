--[[ RMSprop (Tieleman and Hinton, 2012): divide the gradient by a running RMS of recent
gradients; torch/optim's rmsprop with checked arguments.

   m = alpha * m + (1 - alpha) * g .* g;   x -= lr * g ./ (sqrt(m) + epsilon)

ARGS:
- `feval`  : a function that takes x and returns f(x) and df/dx (a tensor like x)
- `x`      : the parameters, a hm.FloatTensor or hm.DoubleTensor, updated in place
- `config` : a table of hyper-parameters
  - `config.learningRate` : learning rate (default 1e-2)
  - `config.alpha`        : smoothing constant in [0, 1) (default 0.99)
  - `config.epsilon`      : added to sqrt(m) (default 1e-8)
  - `config.weightDecay`  : L2 penalty, df/dx += wd * x (default 0)
  - `config.initialMean`  : the starting value of m (default 0)
- `state`  : a table for the optimizer's state (default: config)
  - `state.evalCounter` : the number of calls so far
  - `state.m`           : the running mean of squared gradients
  - `state.tmp`         : scratch for sqrt(m) + epsilon

RETURN:
- `x`    : the new parameters
- `{fx}` : a table holding f(x) before the update

ERRORS: as hm.optim.sgd, and alpha outside [0, 1).
]]

local common = require 'harmonium.optim.common'

local NAME = "rmsprop"

--- rmsprop(feval, x, config, state) -> x, {fx}
local function rmsprop(feval, x, config, state)
   -- (0) get/update state, check the config
   config, state = common.start(NAME, x, config, state)
   local lr = common.number(NAME, config, "learningRate", 1e-2, 0)
   local alpha = common.number(NAME, config, "alpha", 0.99, 0, 1, true)
   local eps = common.number(NAME, config, "epsilon", 1e-8, 0)
   local wd = common.number(NAME, config, "weightDecay", 0, 0)
   local mfill = common.number(NAME, config, "initialMean", 0, 0)
   state.evalCounter = state.evalCounter or 0

   -- (1) evaluate f(x) and df/dx
   local fx, dfdx = common.eval(NAME, feval, x)

   -- (2) weight decay
   if wd ~= 0 then dfdx:add(wd, x) end

   -- (3) running mean of the squared gradient
   local m = common.buffer(NAME, state, "m", x, mfill)
   local tmp = common.buffer(NAME, state, "tmp", x)
   m:mul(alpha):addcmul(1 - alpha, dfdx, dfdx)

   -- (4) step by g / (sqrt(m) + epsilon)
   tmp:sqrt(m):add(eps)
   x:addcdiv(-lr, dfdx, tmp)

   -- (5) update the evaluation counter
   state.evalCounter = state.evalCounter + 1

   return x, { fx }
end

return rmsprop

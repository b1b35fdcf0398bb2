--[[ AdaDelta (Zeiler, 2012): per-parameter steps scaled by the ratio of running RMS of past
updates to running RMS of gradients; torch/optim's adadelta with checked arguments and
PyTorch's learningRate multiplier.

   v = rho * v + (1 - rho) * g .* g
   delta = sqrt(u + eps) ./ sqrt(v + eps) .* g;   x -= lr * delta
   u = rho * u + (1 - rho) * delta .* delta

ARGS:
- `feval`  : a function that takes x and returns f(x) and df/dx (a tensor like x)
- `x`      : the parameters, a hm.FloatTensor or hm.DoubleTensor, updated in place
- `config` : a table of hyper-parameters
  - `config.rho`          : decay of the running averages, in [0, 1) (default 0.9)
  - `config.eps`          : added inside both square roots (default 1e-6)
  - `config.learningRate` : multiplies the step; AdaDelta proper is 1 (default 1). On a
                            deterministic problem 1 can leave the iterates hovering near the
                            minimum (PyTorch's Adadelta too); 0.5 converges (spec)
  - `config.weightDecay`  : L2 penalty, df/dx += wd * x (default 0)
- `state`  : a table for the optimizer's state (default: config)
  - `state.evalCounter`   : the number of calls so far
  - `state.paramVariance` : the running mean of squared gradients v
  - `state.accDelta`      : the running mean of squared updates u
  - `state.paramStd`, `state.delta` : scratch

RETURN:
- `x`    : the new parameters
- `{fx}` : a table holding f(x) before the update

ERRORS: as hm.optim.sgd, and rho outside [0, 1).
]]

local common = require 'harmonium.optim.common'

local NAME = "adadelta"

--- adadelta(feval, x, config, state) -> x, {fx}
local function adadelta(feval, x, config, state)
   -- (0) get/update state, check the config
   config, state = common.start(NAME, x, config, state)
   local rho = common.number(NAME, config, "rho", 0.9, 0, 1, true)
   local eps = common.number(NAME, config, "eps", 1e-6, 0)
   local lr = common.number(NAME, config, "learningRate", 1, 0)
   local wd = common.number(NAME, config, "weightDecay", 0, 0)
   state.evalCounter = state.evalCounter or 0

   -- (1) evaluate f(x) and df/dx
   local fx, dfdx = common.eval(NAME, feval, x)

   -- (2) weight decay
   if wd ~= 0 then dfdx:add(wd, x) end

   -- (3) running mean of the squared gradient
   local var = common.buffer(NAME, state, "paramVariance", x)
   local std = common.buffer(NAME, state, "paramStd", x)
   local delta = common.buffer(NAME, state, "delta", x)
   local acc = common.buffer(NAME, state, "accDelta", x)
   var:mul(rho):addcmul(1 - rho, dfdx, dfdx)

   -- (4) the update: RMS of past updates over RMS of gradients, times g
   std:copy(var):add(eps):sqrt()
   delta:copy(acc):add(eps):sqrt():cdiv(std):cmul(dfdx)
   x:add(-lr, delta)

   -- (5) running mean of the squared update
   acc:mul(rho):addcmul(1 - rho, delta, delta)

   -- (6) update the evaluation counter
   state.evalCounter = state.evalCounter + 1

   return x, { fx }
end

return adadelta

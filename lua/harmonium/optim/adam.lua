--[[ Adam (Kingma and Ba, 2015, Algorithm 1): steps by bias-corrected first and second moment
estimates of the gradient; torch/optim's adam with checked arguments.

   m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g .* g
   x -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m ./ (sqrt(v) + epsilon)

With the bias correction the first step is -lr * g ./ (|g| + epsilon'), about -lr * sign(g).

ARGS:
- `feval`  : a function that takes x and returns f(x) and df/dx (a tensor like x)
- `x`      : the parameters, a hm.FloatTensor or hm.DoubleTensor, updated in place
- `config` : a table of hyper-parameters
  - `config.learningRate`      : learning rate (default 1e-3)
  - `config.learningRateDecay` : decay; the rate at step t is lr / (1 + (t-1) * decay) (default 0)
  - `config.beta1`             : first moment coefficient in [0, 1) (default 0.9)
  - `config.beta2`             : second moment coefficient in [0, 1) (default 0.999)
  - `config.epsilon`           : for numerical stability (default 1e-8)
  - `config.weightDecay`       : L2 penalty, df/dx += wd * x (default 0)
- `state`  : a table for the optimizer's state (default: config)
  - `state.t`           : the number of steps taken (Torch7's name)
  - `state.evalCounter` : the number of calls so far (the same count)
  - `state.m`, `state.v`: the first and second moment estimates
  - `state.denom`       : scratch for sqrt(v) + epsilon

RETURN:
- `x`    : the new parameters
- `{fx}` : a table holding f(x) before the update

ERRORS: as hm.optim.sgd, and beta1 or beta2 outside [0, 1).
]]

local common = require 'harmonium.optim.common'

local NAME = "adam"

--- adam(feval, x, config, state) -> x, {fx}
local function adam(feval, x, config, state)
   -- (0) get/update state, check the config
   config, state = common.start(NAME, x, config, state)
   local lr = common.number(NAME, config, "learningRate", 1e-3, 0)
   local lrd = common.number(NAME, config, "learningRateDecay", 0, 0)
   local beta1 = common.number(NAME, config, "beta1", 0.9, 0, 1, true)
   local beta2 = common.number(NAME, config, "beta2", 0.999, 0, 1, true)
   local eps = common.number(NAME, config, "epsilon", 1e-8, 0)
   local wd = common.number(NAME, config, "weightDecay", 0, 0)

   -- (1) evaluate f(x) and df/dx
   local fx, dfdx = common.eval(NAME, feval, x)

   -- (2) weight decay
   if wd ~= 0 then dfdx:add(wd, x) end

   -- (3) initialise the moments on the first call
   local m = common.buffer(NAME, state, "m", x)
   local v = common.buffer(NAME, state, "v", x)
   local denom = common.buffer(NAME, state, "denom", x)
   state.t = state.t or 0

   -- (4) learning rate decay (annealing), then count the step
   local clr = lr / (1 + state.t * lrd)
   state.t = state.t + 1
   state.evalCounter = state.t

   -- (5) decay the first and second moment estimates
   m:mul(beta1):add(1 - beta1, dfdx)
   v:mul(beta2):addcmul(1 - beta2, dfdx, dfdx)
   denom:sqrt(v):add(eps)

   -- (6) step, with the bias corrections folded into the step size
   local biasCorrection1 = 1 - beta1 ^ state.t
   local biasCorrection2 = 1 - beta2 ^ state.t
   local stepSize = clr * math.sqrt(biasCorrection2) / biasCorrection1
   x:addcdiv(-stepSize, m, denom)

   return x, { fx }
end

return adam

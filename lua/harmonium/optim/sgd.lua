--[[ Stochastic gradient descent, torch/optim's sgd with checked arguments.

ARGS:
- `feval`  : a function that takes x and returns f(x) and df/dx (a tensor of x's type and
             element count; it may be modified in place, as in torch/optim)
- `x`      : the parameters, a hm.FloatTensor or hm.DoubleTensor, updated in place
- `config` : a table of hyper-parameters
  - `config.learningRate`      : learning rate (default 1e-3)
  - `config.learningRateDecay` : decay; the rate at call n is lr / (1 + n * decay) (default 0)
  - `config.weightDecay`       : L2 penalty wd/2 |x|^2, i.e. df/dx += wd * x (default 0)
  - `config.weightDecays`      : per-parameter weight decays, a tensor like x (default nil;
                                 used only when weightDecay is 0)
  - `config.momentum`          : momentum in [0, 1) (default 0)
  - `config.dampening`         : dampening for momentum (default = momentum, as in Torch7; 0 when
                                 nesterov is set). The classic v = mom * v + g needs dampening = 0
  - `config.nesterov`          : Nesterov momentum; needs momentum > 0 and dampening 0 (default false)
  - `config.learningRates`     : per-parameter learning rates, a tensor like x, multiplying
                                 learningRate (default nil)
- `state`  : a table for the optimizer's state (default: config)
  - `state.evalCounter` : the number of calls so far
  - `state.dfdx`        : the momentum buffer v

RETURN:
- `x`    : the new parameters
- `{fx}` : a table holding f(x) before the update

ERRORS: x not a float or double tensor, a negative learningRate, learningRateDecay or
weightDecay, momentum outside [0, 1), nesterov without momentum or with dampening, and a
gradient of the wrong size ("hm.optim.sgd: feval returned a gradient of size 10, expected 11").
]]

local common = require 'harmonium.optim.common'

local NAME = "sgd"

--- sgd(feval, x, config, state) -> x, {fx}
local function sgd(feval, x, config, state)
   -- (0) get/update state, check the config
   config, state = common.start(NAME, x, config, state)
   local lr = common.number(NAME, config, "learningRate", 1e-3, 0)
   local lrd = common.number(NAME, config, "learningRateDecay", 0, 0)
   local wd = common.number(NAME, config, "weightDecay", 0, 0)
   local mom = common.number(NAME, config, "momentum", 0, 0, 1, true)
   local nesterov = config.nesterov or false
   local damp = common.number(NAME, config, "dampening", nesterov and 0 or mom, 0, 1)
   if nesterov and (mom <= 0 or damp ~= 0) then
      error(string.format("hm.optim.sgd: nesterov requires momentum > 0 and dampening 0, got momentum %g"
                          .. " and dampening %g", mom, damp), 2)
   end
   local wds = common.tensor(NAME, config, "weightDecays", x)
   local lrs = common.tensor(NAME, config, "learningRates", x)
   state.evalCounter = state.evalCounter or 0
   local nevals = state.evalCounter

   -- (1) evaluate f(x) and df/dx
   local fx, dfdx = common.eval(NAME, feval, x)

   -- (2) weight decay, one for all or per parameter
   if wd ~= 0 then
      dfdx:add(wd, x)
   elseif wds then
      local decay = common.buffer(NAME, state, "decayParameters", x)
      dfdx:add(decay:copy(wds):cmul(x))
   end

   -- (3) momentum: v = mom * v + (1 - damp) * g (v = g on the first call);
   -- Nesterov steps along g + mom * v, plain momentum along v
   if mom ~= 0 then
      if not state.dfdx then
         common.buffer(NAME, state, "dfdx", x):copy(dfdx)
      else
         common.buffer(NAME, state, "dfdx", x):mul(mom):add(1 - damp, dfdx)
      end
      if nesterov then
         dfdx:add(mom, state.dfdx)
      else
         dfdx = state.dfdx
      end
   end

   -- (4) learning rate decay (annealing)
   local clr = lr / (1 + nevals * lrd)

   -- (5) parameter update, one learning rate for all or per parameter
   if lrs then
      local delta = common.buffer(NAME, state, "deltaParameters", x)
      x:add(-clr, delta:copy(lrs):cmul(dfdx))
   else
      x:add(-clr, dfdx)
   end

   -- (6) update the evaluation counter
   state.evalCounter = nevals + 1

   return x, { fx }
end

return sgd

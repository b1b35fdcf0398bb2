--[[ hm.optim: Torch7's optimizers, x, {fx} = hm.optim.<name>(feval, x, config, state).

feval(x) returns f(x) and df/dx (a tensor of x's type and element count); x is updated in
place. config holds the hyper-parameters (each file's header lists them with their defaults)
and state the optimizer's buffers and counters (state defaults to config, as in torch/optim).
Buffers are allocated on the first call and reused, so a training loop allocates no tensors.

   hm.optim.sgd       momentum, Nesterov, weight decay (global or per parameter),
                      learning-rate decay, per-parameter learning rates
   hm.optim.adagrad   hm.optim.rmsprop   hm.optim.adam   hm.optim.adadelta
   hm.optim.schedule  learning-rate and momentum schedules (step, exponential, linear,
                      piecewise, momentum, apply)
]]

local M = {}

M.sgd = require 'harmonium.optim.sgd'
M.adagrad = require 'harmonium.optim.adagrad'
M.rmsprop = require 'harmonium.optim.rmsprop'
M.adam = require 'harmonium.optim.adam'
M.adadelta = require 'harmonium.optim.adadelta'
M.schedule = require 'harmonium.optim.schedule'

return M

-- Test problems for the hm.optim specs (not a spec itself): a quadratic with a known minimum,
-- 2-D Rosenbrock, a loop driver and an allocation meter.
local hm = require 'harmonium'

local M = {}

--- M.quadratic(n, seed) -> {A, b, xstar, feval, f}
-- f(x) = 0.5 x'Ax - b'x with A = M'M/n + I (symmetric positive definite, condition number a
-- few units), minimum xstar = A^-1 b (hm.solve). feval reuses one gradient buffer.
function M.quadratic(n, seed, type)
   hm.manualSeed(seed or 42)
   local T = hm[type or "DoubleTensor"]
   local Mx = hm.DoubleTensor(n, n):normal()
   local A = hm.DoubleTensor(n, n):mm(Mx:t(), Mx):div(n):add(hm.eye(n):double())
   local b = hm.DoubleTensor(n):normal()
   local xstar = hm.solve(A, b:view(n, 1)):view(n)
   A, b = T(A), T(b)
   local g = T(n)
   local p = { A = A, b = b, xstar = xstar }
   function p.f(x)
      g:mv(A, x)
      return 0.5 * x:dot(g) - b:dot(x)
   end
   function p.feval(x)
      g:mv(A, x):add(-1, b)
      -- 0.5 x'Ax - b'x = 0.5 x'(Ax - b) - 0.5 b'x
      return 0.5 * x:dot(g) - 0.5 * b:dot(x), g
   end
   return p
end

--- M.rosenbrock() -> feval for f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, minimum at (1, 1)
function M.rosenbrock(type)
   local g = hm[type or "DoubleTensor"](2)
   return function(x)
      local a, c = x[1], x[2]
      local f = (1 - a) ^ 2 + 100 * (c - a * a) ^ 2
      g[1] = -2 * (1 - a) - 400 * a * (c - a * a)
      g[2] = 200 * (c - a * a)
      return f, g
   end
end

--- M.run(optim, feval, x, config, steps, state) -> x, last fx
function M.run(optim, feval, x, config, steps, state)
   local fx
   for _ = 1, steps do
      local _, fs = optim(feval, x, config, state)
      fx = fs[1]
   end
   return x, fx
end

--- M.allocPerStep(optim, config, steps) -> bytes allocated per call with the GC stopped,
-- and KB of growth over `steps` calls with the GC running (after a full collection each side)
-- on a 300-parameter quadratic whose feval allocates nothing (one tensor allocation would be
-- more than 2400 bytes).
function M.allocPerStep(optim, config, steps)
   local p = M.quadratic(300, 7)
   local x = hm.DoubleTensor(300):zero()
   M.run(optim, p.feval, x, config, 3)          -- state buffers are allocated here
   collectgarbage(); collectgarbage()
   local before = collectgarbage("count")
   collectgarbage("stop")
   M.run(optim, p.feval, x, config, 100)
   local perStep = (collectgarbage("count") - before) * 1024 / 100
   collectgarbage("restart")
   collectgarbage(); collectgarbage()
   before = collectgarbage("count")
   M.run(optim, p.feval, x, config, steps)
   collectgarbage(); collectgarbage()
   local growth = collectgarbage("count") - before
   return perStep, growth
end

--- M.constant(values) -> feval with a fixed gradient (f(x) = g'x), for hand-computed steps
function M.constant(values)
   local g = hm.DoubleTensor(values)
   return function(x)
      -- f only where the sizes agree: the error specs feed wrong-sized gradients on purpose
      return g:nElement() == x:nElement() and g:dot(x) or 0, g
   end
end

--- M.half() -> feval for f(x) = 0.5 |x|^2 (gradient x, in its own buffer)
function M.half()
   local g = hm.DoubleTensor()
   return function(x) return 0.5 * x:dot(x), g:resizeAs(x):copy(x) end
end

--- M.withDecay(feval, wd) -> feval of f(x) + wd/2 |x|^2
function M.withDecay(feval, wd)
   local g = hm.DoubleTensor()
   return function(x)
      local f, df = feval(x)
      g:resizeAs(df):copy(df):add(wd, x)
      return f + 0.5 * wd * x:dot(x), g
   end
end

--- M.commonErrors(optim, name, assert, bufferConfig): the argument errors every optimizer
-- shares; bufferConfig is a config under which the optimizer keeps state buffers (default {})
function M.commonErrors(optim, name, assert, bufferConfig)
   local pre = "hm.optim." .. name .. ": "
   local x = hm.DoubleTensor(11):zero()
   local ok = M.constant({ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 })
   local function raises(msg, f) assert.error_matches(f, pre .. msg, nil, true) end
   raises("x must be a tensor, got number", function() optim(ok, 3, {}) end)
   raises("x must be a tensor, got nil", function() optim(ok, nil, {}) end)
   raises("x must be a hm.FloatTensor or hm.DoubleTensor, got hm.LongTensor",
          function() optim(ok, hm.LongTensor(11), {}) end)
   raises("config must be a table, got number", function() optim(ok, x, 0.1) end)
   raises("state must be a table, got string", function() optim(ok, x, {}, "s") end)
   raises("learningRate must be >= 0, got -0.1", function() optim(ok, x, { learningRate = -0.1 }) end)
   raises("learningRate must be a number, got string", function() optim(ok, x, { learningRate = "0.1" }) end)
   raises("learningRate must be a number, got nan", function() optim(ok, x, { learningRate = 0 / 0 }) end)
   raises("weightDecay must be >= 0, got -1", function() optim(ok, x, { weightDecay = -1 }) end)
   raises("feval must be a function, got nil", function() optim(nil, x, {}) end)
   raises("feval returned a gradient of size 10, expected 11",
          function() optim(M.constant({ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }), x, {}) end)
   raises("feval returned a gradient of size 2x5, expected 11",
          function() optim(function() return 0, hm.DoubleTensor(2, 5):zero() end, x, {}) end)
   raises("feval must return f(x) and a gradient tensor, got nil as the gradient",
          function() optim(function() return 0 end, x, {}) end)
   raises("feval returned a hm.FloatTensor gradient for a hm.DoubleTensor x",
          function() optim(function() return 0, hm.FloatTensor(11):zero() end, x, {}) end)
   -- one state table belongs to one parameter tensor
   local state = {}
   optim(ok, x, bufferConfig or {}, state)
   local pattern = pre .. "state%.%w+ holds 11 elements but x has 2"
   assert.error_matches(function() optim(M.constant({ 1, 1 }), hm.DoubleTensor(2):zero(), bufferConfig or {}, state)
                        end,
                        pattern)
   -- errors point at the caller's line, and x is untouched by a failed call
   local before = x:clone()
   local okc, msg = pcall(optim, M.constant({ 1 }), x, {})
   assert.is_false(okc)
   assert.tensor_near(before, x, 0)
   assert.is_truthy(tostring(msg):find(pre, 1, true))
end

return M

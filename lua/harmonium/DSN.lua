--[[ hm.DSN: deep stacking networks (the deep convex network of Deng and Yu 2011; Deng, Yu and
Platt 2012).

   local dsn = hm.DSN{input = 784, hidden = {1000, 1000, 1000}, output = 10, lambda = 1}
   dsn:train(train.data, train.labels, {iterations = 20})   -- labels or N x 10 targets
   local y = dsn:predict(test.data)                         -- N x 10 linear outputs
   local labels = dsn:classify(test.data)                   -- argmax

Module m sees the raw input and the outputs of all the modules below it, concatenated
(hm.cat): X_m = [X, Y_1, ..., Y_{m-1}] (N x D_m). It has sigmoid hidden units and linear
outputs,
   H_m = [sigmoid(X_m W_m^T + b_m), 1]        (N x (hidden + 1): a constant unit for the bias)
   Y_m = H_m U_m                              (N x output)
Given the lower weights W_m, the upper weights have the closed form of ridge regression,
   U = (H^T H + lambda I)^-1 H^T T
(Deng and Yu's U = (H H^T + lambda I)^-1 H T^T with samples as columns), solved through the
Cholesky factor of the (hidden + 1)^2 system (hm.potrf/potrs, in double), never an explicit
inverse. The lower weights are refined by gradient descent on
   L(W) = |H U(W) - T|^2 / N + lambda |U(W)|^2 / N
with U re-solved at each step: U(W) minimises L at fixed W, so dL/dW is the gradient of the
loss through a fixed U (the envelope theorem), which is plain backprop; this equals Deng and
Yu's batch-mode gradient for their objective.

Fields: input, output, lambda, hidden (list of sizes), modules (a list of {weight (hidden x
D_m), bias (hidden), U ((hidden + 1) x output)}). hm.save / hm.load work on it.
]]

local hm = require 'harmonium'

local DSN = hm.class('hm.DSN')

local function fail(fname, msg, level) error("hm.DSN" .. fname .. ": " .. msg, (level or 1) + 2) end
local function posint(x) return math.type(x) == "integer" and x >= 1 end

--- hm.DSN{input, hidden, output [, modules] [, lambda] [, type] [, weightStd]}
-- ARGS: input (D), output (C) sizes; hidden: a list of hidden sizes, one per module, or a
--       number with modules (default 3) modules; lambda (ridge parameter, > 0, default 1);
--       type 'hm.FloatTensor' (default) or 'hm.DoubleTensor'; weightStd: the initial
--       weights' std (default 1 / sqrt(D_m), see reset)
-- ERRORS: bad sizes, lambda not positive
function DSN:__init(opts)
   if type(opts) ~= "table" then fail("", "options table expected, e.g. hm.DSN{input = 784, hidden = {500, 500}, output = 10}") end
   if not posint(opts.input) then fail("", "input must be a positive integer, got " .. tostring(opts.input)) end
   if not posint(opts.output) then fail("", "output must be a positive integer, got " .. tostring(opts.output)) end
   self.input, self.output = opts.input, opts.output
   local hidden = opts.hidden
   if type(hidden) == "number" then
      local n = opts.modules or 3
      if not posint(n) then fail("", "modules must be a positive integer, got " .. tostring(n)) end
      local h = hidden
      hidden = {}
      for i = 1, n do hidden[i] = h end
   end
   if type(hidden) ~= "table" or #hidden < 1 then fail("", "hidden must be a size or a list of sizes, got " .. tostring(opts.hidden)) end
   self.hidden = {}
   for i, h in ipairs(hidden) do
      if not posint(h) then fail("", "hidden size " .. i .. " must be a positive integer, got " .. tostring(h)) end
      self.hidden[i] = h
   end
   self.lambda = opts.lambda or 1
   if type(self.lambda) ~= "number" or not (self.lambda > 0 and self.lambda < math.huge) then
      fail("", "lambda must be a positive number, got " .. tostring(opts.lambda))
   end
   local T = hm._canonicalType(opts.type or hm.getdefaulttensortype())
   if T ~= "hm.FloatTensor" and T ~= "hm.DoubleTensor" then fail("", "type must be 'hm.FloatTensor' or 'hm.DoubleTensor'") end
   local C = hm[T:sub(4)]
   self.modules = {}
   for m, h in ipairs(self.hidden) do
      local D = self.input + (m - 1) * self.output
      self.modules[m] = { weight = C(h, D), bias = C(h), U = C(h + 1, self.output):zero() }
   end
   self.weightStd = opts.weightStd
   self:reset()
end

--- dsn:reset() -> self: W_m ~ N(0, s^2) with s = weightStd or 1 / sqrt(D_m) (unit-scale
-- pre-activations for inputs of unit size), b_m = 0, U_m = 0
function DSN:reset()
   for _, mod in ipairs(self.modules) do
      local D = mod.weight:size(2)
      mod.weight:normal(0, self.weightStd or 1 / math.sqrt(D))
      mod.bias:zero()
      mod.U:zero()
   end
   return self
end

function DSN:type() return self.modules[1].weight:type() end

function DSN:__tostring()
   return string.format("hm.DSN(%d -> {%s} -> %d, lambda %g)", self.input, table.concat(self.hidden, ", "),
      self.output, self.lambda)
end

------------------------------------------------------------------ the closed form

--- hm.DSN.solve(H, T, lambda) -> U = (H^T H + lambda I)^-1 H^T T, of H's type
-- H is N x k (rows are samples), T is N x C; the k x k system is formed with one GEMM and
-- solved by Cholesky (potrf, potrs) in double.
-- ERRORS: shapes, lambda not positive, a system that is not positive definite
function DSN.solve(H, T, lambda)
   if not (hm.isTensor(H) and hm.isTensor(T) and H:dim() == 2 and T:dim() == 2 and H:size(1) == T:size(1)) then
      fail(".solve", "H (N x k) and T (N x C) expected with the same N")
   end
   if type(lambda) ~= "number" or not (lambda > 0) then fail(".solve", "lambda must be positive, got " .. tostring(lambda)) end
   local A = hm.mm(H:t(), H):double()
   local k = A:size(1)
   A:add(lambda, hm.eye(k):double())
   local R = hm.mm(H:t(), T:type(H:type())):double()
   local ok, chol = pcall(hm.potrf, A, 'U')
   if not ok then fail(".solve", "H^T H + lambda I is not positive definite (" .. tostring(chol) .. ")") end
   return hm.potrs(R, chol, 'U'):type(H:type())
end

------------------------------------------------------------------ passes

-- H = [sigmoid(X W^T + b), 1] into res (N x (hidden + 1))
local function hiddenOf(mod, X, res)
   local N, h = X:size(1), mod.weight:size(1)
   res = res or X.new(X)
   res:resize(N, h + 1)
   local pre = hm.addmm(mod.bias:view(1, h):expand(N, h), X, mod.weight:t()):sigmoid()
   res:narrow(2, 1, h):copy(pre)
   res:select(2, h + 1):fill(1)
   return res, pre
end

local function checkX(self, X, fname)
   if not hm.isTensor(X) then fail(fname, "input must be a tensor, got " .. hm.type(X), 2) end
   if X:dim() == 1 and X:size(1) == self.input then X = X:view(1, self.input) end
   if X:dim() ~= 2 or X:size(2) ~= self.input or X:size(1) < 1 then
      fail(fname, string.format("input must be N x %d (size mismatch: got %s)", self.input,
         X:dim() == 0 and "an empty tensor" or tostring(X:size())), 2)
   end
   if X:type() ~= self:type() then X = X:type(self:type()) end
   local s = X:sum()
   if s ~= s then fail(fname, "input contains NaN", 2) end
   return X
end

-- targets: N x C tensor, or N labels in 1..C turned into one-hot rows
local function checkT(self, T, N, fname)
   if not hm.isTensor(T) then fail(fname, "targets must be a tensor, got " .. hm.type(T), 2) end
   if T:dim() == 1 or (T:type() == "hm.LongTensor" or T:type() == "hm.ByteTensor") then
      if T:nElement() ~= N then fail(fname, string.format("%d labels for %d samples", T:nElement(), N), 2) end
      local l = T:long():contiguous():view(N)
      if l:min() < 1 or l:max() > self.output then
         fail(fname, string.format("labels must be in 1..%d", self.output), 2)
      end
      return hm.data.onehot(l, self.output, self:type()), l
   end
   if T:dim() ~= 2 or T:size(1) ~= N or T:size(2) ~= self.output then
      fail(fname, string.format("targets must be %d x %d (size mismatch: got %s)", N, self.output,
         tostring(T:size())), 2)
   end
   return T:type(self:type())
end

-- the input of module m: [X, Y_1, ..., Y_{m-1}]
local function moduleInput(X, outs, m)
   if m == 1 then return X end
   local parts = { X }
   for i = 1, m - 1 do parts[#parts + 1] = outs[i] end
   return hm.cat(parts, 2)
end

--- dsn:predict(X [, upto]) -> Y (N x output): the top module's linear outputs (or module
-- upto's), the modules run bottom-up on X (N x input, or one 1D sample)
function DSN:predict(X, upto)
   X = checkX(self, X, ":predict")
   upto = upto or #self.modules
   if not posint(upto) or upto > #self.modules then fail(":predict", "upto must be in 1.." .. #self.modules) end
   local outs = {}
   for m = 1, upto do
      local H = hiddenOf(self.modules[m], moduleInput(X, outs, m))
      outs[m] = hm.mm(H, self.modules[m].U)
   end
   return outs[upto]
end

--- dsn:classify(X) -> labels (hm.LongTensor of N): the argmax of predict's outputs
function DSN:classify(X)
   local Y = self:predict(X)
   local _, idx = hm.max(Y, 2)
   return idx:view(Y:size(1))
end

------------------------------------------------------------------ training

--- hm.DSN.moduleLoss(mod, X, T, lambda [, Hbuf]) -> loss, gradWeight, gradBias, U
-- For one module {weight, bias} on inputs X (N x D) and targets T (N x C): U solved in
-- closed form, the loss L = (|H U - T|^2 + lambda |U|^2) / N, and dL/dW, dL/db by backprop
-- through the fixed U (exact for L(W) = min_U L(W, U), the envelope theorem)
function DSN.moduleLoss(mod, X, T, lambda, Hbuf)
   local N, h = X:size(1), mod.weight:size(1)
   local H, P = hiddenOf(mod, X, Hbuf)
   local U = DSN.solve(H, T, lambda)
   local dY = hm.mm(H, U):add(-1, T)
   local loss = (dY:dot(dY) + lambda * U:dot(U)) / N
   dY:mul(2 / N)
   -- dL/dP through the sigmoid: (dY U_h^T) * P * (1 - P), U_h without the bias row
   local dH = hm.mm(dY, U:narrow(1, 1, h):t())
   dH:cmul(P):cmul(hm.mul(P, -1):add(1))
   return loss, hm.mm(dH:t(), X), hm.sum(dH, 1):view(h), U
end

-- mean squared error per sample |Y - T|^2 / N and the error rate against labels (or nil)
local function errors(Y, T, labels)
   local d = hm.add(Y, -1, T)
   local mse = d:dot(d) / Y:size(1)
   if not labels then return mse end
   local _, idx = hm.max(Y, 2)
   return mse, 1 - idx:view(-1):eq(labels):sum() / labels:size(1)
end

--- dsn:train(X, T [, opts]) -> stats: trains module 1 on X, then each module m on [X, Y_1 ..
-- Y_{m-1}] (the lower modules fixed). Per module: opts.iterations steps of gradient
-- descent with momentum on W_m and b_m, U re-solved in closed form before each step (full
-- batch by default, as Deng and Yu; opts.batchSize for minibatches of that many rows), then
-- U solved once more on all the data.
-- T: N x output targets, or N labels in 1..output (one-hot targets).
-- opts: iterations (20), learningRate (10: the gradient of the mean squared error per
--   sample is small), momentum (0.9), batchSize (nil: all rows), generator (minibatch order),
--   verbose (true), progress (= verbose), callback(m, stat) returning false to stop
-- RETURNS a list per module of {module, losses (L before each step), mse, error (training
--   classification error when T are labels or one-hot), time}
-- ERRORS: bad shapes, labels out of range, NaN in the input or in training
function DSN:train(X, T, opts)
   opts = opts or {}
   X = checkX(self, X, ":train")
   local N = X:size(1)
   local labels
   T, labels = checkT(self, T, N, ":train")
   if not labels then local _; _, labels = hm.max(T, 2); labels = labels:view(N) end
   local iters = opts.iterations or 20
   if math.type(iters) ~= "integer" or iters < 0 then fail(":train", "iterations must be an integer >= 0") end
   local lr, mom = opts.learningRate or 10, opts.momentum or 0.9
   if type(lr) ~= "number" or not (lr > 0 and lr < math.huge) then
      fail(":train", "learningRate must be a positive number, got " .. tostring(lr))
   end
   if type(mom) ~= "number" or not (mom >= 0 and mom < 1) then fail(":train", "momentum must be in [0, 1)") end
   local B = opts.batchSize or N
   if not posint(B) then fail(":train", "batchSize must be a positive integer") end
   B = math.min(B, N)
   local verbose = opts.verbose ~= false
   local showBar = opts.progress == nil and verbose or opts.progress
   local outs, stats, timer = {}, {}, hm.Timer()
   for m, mod in ipairs(self.modules) do
      local t0 = timer:time().real
      local Xm = moduleInput(X, outs, m)
      local h = mod.weight:size(1)
      local incW, incB = hm.zeros(mod.weight:size()):type(self:type()), hm.zeros(h):type(self:type())
      local st = { module = m, losses = {} }
      local bar = showBar and iters > 0 and hm.progress.new(iters, { title = string.format("module %d/%d", m, #self.modules) })
      local Hb = Xm.new(Xm)
      local nb = (N + B - 1) // B
      local order = hm.LongTensor(nb)
      for it = 1, iters do
         local b0 = ((it - 1) % nb) + 1
         if b0 == 1 then
            if opts.generator then hm.randperm(order, nb, opts.generator) else hm.randperm(order, nb) end
         end
         local s = (order[b0] - 1) * B + 1
         local b = math.min(B, N - s + 1)
         local xb, tb = Xm:narrow(1, s, b), T:narrow(1, s, b)
         -- 1-2. the closed-form U at the current W, the loss and its gradient
         local loss, dW, db = DSN.moduleLoss(mod, xb, tb, self.lambda, Hb)
         st.losses[it] = loss
         if loss ~= loss then fail(":train", string.format("NaN in training (module %d, step %d)", m, it)) end
         -- 3. momentum step on W and b
         incW:mul(mom):add(-lr, dW)
         incB:mul(mom):add(-lr, db)
         mod.weight:add(incW)
         mod.bias:add(incB)
         if bar then bar:update(it, { { "loss", loss } }) end
      end
      -- 4. the final U on all the data, and this module's outputs for the next one
      local H = hiddenOf(mod, Xm)
      mod.U:copy(DSN.solve(H, T, self.lambda))
      outs[m] = hm.mm(H, mod.U)
      st.mse, st.error = errors(outs[m], T, labels)
      st.time = timer:time().real - t0
      stats[m] = st
      if verbose then
         print(string.format("module %d/%d  training mse %.4f  error %.2f%%  (%.2f s)", m, #self.modules,
            st.mse, 100 * st.error, st.time))
      end
      if opts.callback and opts.callback(m, st) == false then break end
   end
   return stats
end

return DSN

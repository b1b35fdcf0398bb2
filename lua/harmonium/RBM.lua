--[[ hm.RBM: restricted Boltzmann machines (Smolensky 1986; Hinton 2002).

   local rbm = hm.RBM{visible = 784, hidden = 500}            -- Bernoulli-Bernoulli
   local g = hm.RBM{visible = 100, hidden = 50, visibleType = 'gaussian', learnSigma = true}
   local r = hm.RBM{visible = 5 * 20, hidden = 30, visibleType = 'softmax', softmaxSize = 5}
   local h, ph = rbm:sampleHidden(v)       -- v is B x visible (or one 1D sample)
   hm.rbm.train(rbm, data, {method = 'cd', k = 1, learningRate = 0.1, epochs = 10})

Energy, with vs = v / sigma for Gaussian visibles (Krizhevsky 2009) and vs = v otherwise:
   E(v, h) = Ev(v) + Eh(h) - h^T W vs
   Ev: Bernoulli and softmax  -b^T v          Gaussian  sum_i (v_i - b_i)^2 / (2 sigma_i^2)
   Eh: Bernoulli              -c^T h          Gaussian  sum_j (h_j - c_j)^2 / 2  (unit variance)
with weight W (hidden x visible), visibleBias b, hiddenBias c. Conditionals:
   hidden input   x = c + W vs                    (B x hidden)
   Bernoulli h    p(h_j = 1 | v) = sigmoid(x_j);  Gaussian h  h_j ~ N(x_j, 1)
   visible input  a = h^T W                       (B x visible)
   Bernoulli v    sigmoid(b + a);  Gaussian v  N(b + sigma * a, sigma^2)
   softmax v      softmax of b + a over each group of softmaxSize consecutive units
Free energy F(v) = Ev(v) - sum_j L(x_j), with L = softplus for Bernoulli hiddens and
L(x) = (x^2 - c^2) / 2 + log(2 pi) / 2 for Gaussian ones (the integral over h).

Every formula lives once, here: training (hm.rbm.train), evaluation (freeEnergy, exact
log-likelihood, AIS) and generation call these methods, passing result tensors so that the
hot path allocates nothing. Temporaries live in a weak table beside the model, never in its
fields, so hm.save writes only the parameters.

Parameters are views into one flat tensor (getParameters): weight (hidden x visible, so a
block of rows is a block of hidden units, the later MPI split), visibleBias, hiddenBias and,
when sigma is learned, logVariance (z = log sigma^2, Krizhevsky's parametrisation that keeps
sigma positive). gradWeight, ... are views into the flat gradient; hm.rbm.train fills them
with the CD/PCD estimate of the gradient of the negative log-likelihood, so optim functions
that minimise can use them as they are.
]]

local hm = require 'harmonium'

local RBM = hm.class('hm.RBM')

local LOG2PI = math.log(2 * math.pi)

------------------------------------------------------------------ scratch buffers

-- model -> { name -> tensor }: temporaries reused across calls (weak keys: they die with the
-- model, and hm.save never sees them). Also holds the flat parameter tensors.
local scratch = setmetatable({}, { __mode = "k" })

local function scr(self)
   local s = scratch[self]
   if not s then s = {}; scratch[self] = s end
   return s
end

-- A temporary of the model's type (or of type `kind`) with the given sizes, reused.
local function buf(self, name, n, m, kind)
   local s = scr(self)
   local t = s[name]
   if not t or (kind and t:type() ~= kind) or (not kind and t:type() ~= self.weight:type()) then
      t = kind and hm[kind:sub(4)]() or self.weight.new(self.weight)
      s[name] = t
   end
   if m then t:resize(n, m) else t:resize(n) end
   return t
end
RBM._buf = buf

------------------------------------------------------------------ construction

local visibleTypes = { bernoulli = true, gaussian = true, softmax = true }
local hiddenTypes = { bernoulli = true, gaussian = true }

local function initerr(msg) error("hm.RBM: " .. msg, 3) end

local function posint(v, name)
   if math.type(v) ~= "integer" or v < 1 then
      initerr(name .. " must be a positive integer, got " .. tostring(v))
   end
   return v
end

-- The parameter layout in the flat tensor: name, gradient name, sizes.
local function layout(self)
   local L = {
      { "weight", "gradWeight", { self.hidden, self.visible } },
      { "visibleBias", "gradVisibleBias", { self.visible } },
      { "hiddenBias", "gradHiddenBias", { self.hidden } },
   }
   if self.learnSigma then L[4] = { "logVariance", "gradLogVariance", { self.visible } } end
   return L
end

-- (Re)build the flat parameter and gradient tensors of type `kind` and make every parameter
-- field a view into them, keeping the fields' current values when they exist.
local function flatten(self, kind)
   local total = 0
   for _, p in ipairs(layout(self)) do
      local n = 1
      for _, d in ipairs(p[3]) do n = n * d end
      total = total + n
   end
   local T = hm[kind:sub(4)]
   local flat, gflat = T(total), T(total):zero()
   local s = scr(self)
   local offset = 1
   for _, p in ipairs(layout(self)) do
      local n = 1
      for _, d in ipairs(p[3]) do n = n * d end
      local view = flat:narrow(1, offset, n):view(hm.LongStorage(p[3]))
      local gview = gflat:narrow(1, offset, n):view(hm.LongStorage(p[3]))
      if self[p[1]] then view:copy(self[p[1]]) else view:zero() end
      self[p[1]], self[p[2]] = view, gview
      offset = offset + n
   end
   s.flat, s.gradFlat, s.bound = flat, gflat, {}
   for _, p in ipairs(layout(self)) do s.bound[p[1]] = self[p[1]] end
   s.bound.gradWeight = self.gradWeight
end

-- True when the parameter fields are still the views flatten made (not after hm.load or a
-- user's reassignment).
local function isflat(self)
   local s = scratch[self]
   if not (s and s.flat) then return false end
   for _, p in ipairs(layout(self)) do
      if not rawequal(s.bound[p[1]], self[p[1]]) then return false end
   end
   return rawequal(s.bound.gradWeight, self.gradWeight)
end

--- hm.RBM{visible, hidden [, visibleType] [, hiddenType] [, softmaxSize] [, sigma]
--          [, learnSigma] [, type] [, weightStd] [, generator]}
-- ARGS: visible, hidden (unit counts); visibleType 'bernoulli' (default), 'gaussian' or
--       'softmax'; hiddenType 'bernoulli' (default) or 'gaussian'; softmaxSize K (softmax
--       visibles come in visible/K groups of K consecutive units); sigma (Gaussian visibles:
--       a positive number or a tensor of `visible` standard deviations, default 1);
--       learnSigma (Gaussian visibles: learn sigma through z = log sigma^2; starts at
--       `sigma`); type ('hm.FloatTensor' default, or 'hm.DoubleTensor'); weightStd (the
--       initial weights are N(0, weightStd^2), default 0.01, Hinton's practical guide);
--       generator (an hm.Generator for the initial weights)
-- ERRORS: missing or non-positive sizes, unknown unit types, options that do not fit the
--         unit type (sigma for Bernoulli visibles, a softmaxSize not dividing visible)
function RBM:__init(opts)
   if type(opts) ~= "table" then
      error("hm.RBM: options table expected, e.g. hm.RBM{visible = 784, hidden = 500}, got "
            .. type(opts), 2)
   end
   self.visible = posint(opts.visible, "visible")
   self.hidden = posint(opts.hidden, "hidden")
   self.visibleType = opts.visibleType or "bernoulli"
   self.hiddenType = opts.hiddenType or "bernoulli"
   if not visibleTypes[self.visibleType] then
      initerr("visibleType must be 'bernoulli', 'gaussian' or 'softmax', got '" .. tostring(self.visibleType) .. "'")
   end
   if not hiddenTypes[self.hiddenType] then
      initerr("hiddenType must be 'bernoulli' or 'gaussian', got '" .. tostring(self.hiddenType) .. "'")
   end
   if self.visibleType == "softmax" then
      local K = posint(opts.softmaxSize, "softmaxSize")
      if K < 2 or self.visible % K ~= 0 then
         initerr(string.format("softmaxSize %d must be at least 2 and divide visible (%d)", K, self.visible))
      end
      self.softmaxSize = K
   elseif opts.softmaxSize ~= nil then
      initerr("softmaxSize is only for softmax visibles")
   end
   if self.visibleType ~= "gaussian" and (opts.sigma ~= nil or opts.learnSigma) then
      initerr("sigma and learnSigma are only for Gaussian visibles")
   end
   local kind = hm._canonicalType(opts.type or hm.getdefaulttensortype())
   if kind ~= "hm.FloatTensor" and kind ~= "hm.DoubleTensor" then
      initerr("type must be 'hm.FloatTensor' or 'hm.DoubleTensor', got " .. tostring(opts.type))
   end
   local V = self.visible
   if self.visibleType == "gaussian" then
      local sigma = opts.sigma or 1
      local st = hm[kind:sub(4)](V)
      if type(sigma) == "number" then
         if not (sigma > 0 and sigma < math.huge) then initerr("sigma must be positive and finite, got " .. sigma) end
         st:fill(sigma)
      elseif hm.isTensor(sigma) then
         if sigma:nElement() ~= V then
            initerr(string.format("sigma has %d elements, expected %d (one per visible unit)", sigma:nElement(), V))
         end
         st:copy(sigma:contiguous():view(V))
         if not (st:min() > 0 and st:max() < math.huge) then initerr("sigma must be positive and finite") end
      else
         initerr("sigma must be a number or a tensor, got " .. type(sigma))
      end
      self.learnSigma = opts.learnSigma and true or false
      if self.learnSigma then
         self.logVariance = hm.log(st):mul(2)
      end
      self.sigma = st
   end
   flatten(self, kind)
   local std = opts.weightStd or 0.01
   if opts.generator then self.weight:normal(0, std, opts.generator) else self.weight:normal(0, std) end
   self:_syncSigma()
end

--- rbm:getParameters() -> params, gradParams: flat tensors; weight, visibleBias, hiddenBias
-- (and logVariance) are views into params in that order, their gradients into gradParams.
-- After hm.load (which writes views as separate tensors) the first call re-flattens.
function RBM:getParameters()
   if not isflat(self) then flatten(self, self.weight:type()) end
   local s = scratch[self]
   return s.flat, s.gradFlat
end

--- rbm:parameters() -> {weight, visibleBias, hiddenBias[, logVariance]}, {their gradients}
function RBM:parameters()
   self:getParameters()
   local p, g = {}, {}
   for i, l in ipairs(layout(self)) do p[i], g[i] = self[l[1]], self[l[2]] end
   return p, g
end

-- sigma = exp(z / 2) after z changed (learned sigma only)
function RBM:_syncSigma()
   if self.learnSigma then self.sigma:mul(self.logVariance, 0.5):exp() end
end

--- rbm:type(name) -> rbm converted in place to 'hm.FloatTensor' or 'hm.DoubleTensor';
-- rbm:float(), rbm:double() are shorthands. rbm:type() returns the current type name.
function RBM:type(name)
   if name == nil then return self.weight:type() end
   local kind = hm._canonicalType(name)
   if kind ~= "hm.FloatTensor" and kind ~= "hm.DoubleTensor" then
      error("hm.RBM:type: 'hm.FloatTensor' or 'hm.DoubleTensor' expected, got " .. tostring(name), 2)
   end
   if kind == self.weight:type() and isflat(self) then return self end
   for _, p in ipairs(layout(self)) do self[p[1]] = self[p[1]]:type(kind) end
   if self.sigma then self.sigma = self.sigma:type(kind) end
   scratch[self] = nil
   flatten(self, kind)
   return self
end
function RBM:float() return self:type("hm.FloatTensor") end
function RBM:double() return self:type("hm.DoubleTensor") end

--- rbm:clone() -> an independent copy (parameters copied, buffers not)
function RBM:clone()
   local c = hm.deserialize(hm.serialize(self))
   c:getParameters()
   return c
end

function RBM:__tostring()
   local vis = self.visibleType
   if vis == "softmax" then vis = string.format("softmax(%dx%d)", self.visible // self.softmaxSize, self.softmaxSize) end
   return string.format("hm.RBM(%d %s -> %d %s%s)", self.visible, vis, self.hidden, self.hiddenType,
      self.learnSigma and ", learned sigma" or "")
end

------------------------------------------------------------------ argument checks

-- v as a 2D batch of the model's type with `n` columns; 1D input is one sample. Returns the
-- 2D view and whether the input was 1D.
local function batch(self, x, n, what, fname)
   if not hm.isTensor(x) then
      error(string.format("hm.RBM:%s: %s tensor expected, got %s", fname, what, hm.type(x)), 3)
   end
   local one = x:dim() == 1
   if one then x = x:view(1, x:size(1)) end
   if x:dim() ~= 2 or x:size(2) ~= n then
      error(string.format("hm.RBM:%s: %s must be B x %d (or %d), got %s", fname, what, n, n,
         x:dim() == 0 and "an empty tensor" or tostring(x:size())), 3)
   end
   if x:type() ~= self.weight:type() then
      error(string.format("hm.RBM:%s: %s must be an %s like the model, got %s (convert it, or the model "
         .. "with rbm:type())", fname, what, self.weight:type(), x:type()), 3)
   end
   return x, one
end

-- A result tensor: res if given, else a new one of the model's type.
local function result(self, res)
   return res or self.weight.new(self.weight)
end

local function unbatch(t, one)
   if one then return t:view(t:size(2)) end
   return t
end

-- Optional generator as a trailing argument.
local function normal(t, gen) if gen then return t:normal(0, 1, gen) end return t:normal(0, 1) end
local function sigbern(s, p, x, gen)
   if gen then return hm.sigmoidBernoulli(s, p, x, gen) end
   return hm.sigmoidBernoulli(s, p, x)
end

------------------------------------------------------------------ shared formulas

-- x = c + W vs into res (B x hidden). v is a checked B x visible batch.
function RBM:_hiddenInput(v, res)
   local B = v:size(1)
   local vs = v
   if self.visibleType == "gaussian" then
      vs = buf(self, "vs", B, self.visible)
      vs:cdiv(v, self.sigma:view(1, self.visible):expand(B, self.visible))
   end
   res:resize(B, self.hidden)
   return res:addmm(1, self.hiddenBias:view(1, self.hidden):expand(B, self.hidden), 1, vs, self.weight:t())
end

-- Softmax over each group of K consecutive columns of x (B x visible), in place.
local function groupSoftmax(self, x)
   local K = self.softmaxSize
   local rows = x:nElement() // K
   local g = x:view(rows, K)
   local m = buf(self, "smax", rows, 1)
   hm.max(m, buf(self, "sidx", rows, 1, "hm.LongTensor"), g, 2)
   g:add(-1, m:expand(rows, K)):exp()
   hm.sum(m, g, 2)
   g:cdiv(m:expand(rows, K))
   return x
end

-- Visible probabilities or means from the hidden state h (B x hidden), into res.
function RBM:_visibleMean(h, res)
   local B, V = h:size(1), self.visible
   res:resize(B, V)
   local bias = self.visibleBias:view(1, V):expand(B, V)
   if self.visibleType == "gaussian" then
      res:mm(h, self.weight)
      res:cmul(self.sigma:view(1, V):expand(B, V)):add(bias)
   else
      res:addmm(1, bias, 1, h, self.weight)
      if self.visibleType == "bernoulli" then res:sigmoid() else groupSoftmax(self, res) end
   end
   return res
end

------------------------------------------------------------------ conditionals and sampling

--- rbm:hiddenProb(v [, res]) -> p(h = 1 | v) for Bernoulli hiddens, E[h | v] for Gaussian
-- ones; v is B x visible (or 1D, one sample); res (B x hidden) is filled and returned
function RBM:hiddenProb(v, res)
   local one
   v, one = batch(self, v, self.visible, "visible batch", "hiddenProb")
   res = self:_hiddenInput(v, result(self, res))
   if self.hiddenType == "bernoulli" then res:sigmoid() end
   return unbatch(res, one)
end

--- rbm:sampleHidden(v [, sample [, prob]] [, gen]) -> sample, prob
-- Draws h ~ p(h | v): Bernoulli hiddens through the fused hm.sigmoidBernoulli, Gaussian ones
-- as mean + N(0, 1). sample and prob (B x hidden) are filled when given.
function RBM:sampleHidden(v, sample, prob, gen)
   local one
   v, one = batch(self, v, self.visible, "visible batch", "sampleHidden")
   sample, prob = result(self, sample), result(self, prob)
   self:_hiddenInput(v, prob)
   if self.hiddenType == "bernoulli" then
      sigbern(sample, prob, prob, gen)
   else
      normal(sample:resizeAs(prob), gen):add(prob)
   end
   return unbatch(sample, one), unbatch(prob, one)
end

--- rbm:visibleProb(h [, res]) -> p(v = 1 | h) (Bernoulli), the group softmax (softmax) or
-- the mean b + sigma * (h^T W) (Gaussian); h is B x hidden (or 1D)
function RBM:visibleProb(h, res)
   local one
   h, one = batch(self, h, self.hidden, "hidden batch", "visibleProb")
   return unbatch(self:_visibleMean(h, result(self, res)), one)
end

--- rbm:sampleVisible(h [, sample [, prob]] [, gen]) -> sample, prob
-- Bernoulli: fused sigmoid and Bernoulli; Gaussian: mean + sigma * N(0, 1); softmax: one
-- unit on in each group, drawn from the group's softmax.
function RBM:sampleVisible(h, sample, prob, gen)
   local one
   h, one = batch(self, h, self.hidden, "hidden batch", "sampleVisible")
   sample, prob = result(self, sample), result(self, prob)
   local B, V = h:size(1), self.visible
   if self.visibleType == "bernoulli" then
      prob:resize(B, V)
      prob:addmm(1, self.visibleBias:view(1, V):expand(B, V), 1, h, self.weight)
      sigbern(sample, prob, prob, gen)
   elseif self.visibleType == "gaussian" then
      self:_visibleMean(h, prob)
      normal(sample:resize(B, V), gen):cmul(self.sigma:view(1, V):expand(B, V)):add(prob)
   else
      self:_visibleMean(h, prob)
      local K = self.softmaxSize
      local rows = B * V // K
      local idx = buf(self, "midx", rows, 1, "hm.LongTensor")
      if gen then hm.multinomial(idx, prob:view(rows, K), 1, true, gen)
      else hm.multinomial(idx, prob:view(rows, K), 1, true) end
      sample:resize(B, V):zero()
      sample:view(rows, K):scatter(2, idx, 1)
   end
   return unbatch(sample, one), unbatch(prob, one)
end

--- rbm:gibbs(v, k [, gen]) -> v_k, prob_k, h_{k-1}: k full steps v -> h -> v of block Gibbs
-- sampling from the batch v; prob_k is the visible probability (mean) of the last step
-- ERRORS: k < 1
function RBM:gibbs(v, k, gen)
   k = k or 1
   if math.type(k) ~= "integer" or k < 1 then
      error("hm.RBM:gibbs: k must be an integer >= 1, got " .. tostring(k), 2)
   end
   local one
   v, one = batch(self, v, self.visible, "visible batch", "gibbs")
   local h, ph, vs, pv = result(self), result(self), result(self), result(self)
   local cur = v
   for _ = 1, k do
      self:sampleHidden(cur, h, ph, gen)
      self:sampleVisible(h, vs, pv, gen)
      cur = vs
   end
   return unbatch(vs, one), unbatch(pv, one), unbatch(h, one)
end

------------------------------------------------------------------ energies

-- Stable softplus log(1 + exp(x)) = max(x, 0) + log(1 + exp(-|x|)) into res (same shape as
-- x). log(1 + y) rather than log1p(y): y = exp(-|x|) is in (0, 1], so the absolute error stays
-- below one rounding of 1 (what sums of free energies need), and log runs 2-3x faster here.
local function softplus(self, res, x)
   local tmp = buf(self, "sp_tmp" .. x:type(), x:nElement(), nil, x:type()):view(x:size())
   res:resizeAs(x):abs(x):neg():exp():add(1):log()
   tmp:clamp(x, 0, math.huge)
   return res:add(tmp)
end
RBM._softplus = softplus

-- The visible part of the energy, Ev(v), per sample, into res (B).
function RBM:_visibleEnergy(v, res)
   local B, V = v:size(1), self.visible
   res:resize(B)
   if self.visibleType == "gaussian" then
      local d = buf(self, "ve", B, V)
      d:add(v, -1, self.visibleBias:view(1, V):expand(B, V))
      d:cdiv(self.sigma:view(1, V):expand(B, V))
      d:cmul(d)
      hm.sum(res:view(B, 1), d, 2)
      res:mul(0.5)
   else
      res:mv(v, self.visibleBias):neg()
   end
   return res
end

-- sum_j L(x_j) for hidden inputs x (B x hidden), per sample, into res (B): the log of the
-- hidden units' sum (or integral) in the free energy.
function RBM:_hiddenLogMarginal(x, res)
   local B, H = x:size(1), self.hidden
   local t = buf(self, "hlm", B, H)
   if self.hiddenType == "bernoulli" then
      softplus(self, t, x)
   else
      t:cmul(x, x)
      local c2 = buf(self, "hlm_c2", 1, H)
      c2:cmul(self.hiddenBias:view(1, H), self.hiddenBias:view(1, H))
      t:add(-1, c2:expand(B, H)):mul(0.5):add(LOG2PI / 2)
   end
   hm.sum(res:resize(B):view(B, 1), t, 2)
   return res
end

--- rbm:freeEnergy(v [, res]) -> F(v) per sample (a tensor of B), with
-- p(v) = exp(-F(v)) / Z; uses a stable softplus (no overflow for large inputs)
function RBM:freeEnergy(v, res)
   local one
   v, one = batch(self, v, self.visible, "visible batch", "freeEnergy")
   local B = v:size(1)
   res = result(self, res)
   local x = self:_hiddenInput(v, buf(self, "fe_x", B, self.hidden))
   local lm = self:_hiddenLogMarginal(x, buf(self, "fe_lm", B))
   self:_visibleEnergy(v, res)
   res:add(-1, lm)
   if one then return res[1] end
   return res
end

--- rbm:energy(v, h) -> E(v, h) per sample (a tensor of B); v is B x visible, h B x hidden
function RBM:energy(v, h)
   local one
   v, one = batch(self, v, self.visible, "visible batch", "energy")
   h = batch(self, h, self.hidden, "hidden batch", "energy")
   local B, H = v:size(1), self.hidden
   if h:size(1) ~= B then
      error(string.format("hm.RBM:energy: v has %d samples but h has %d", B, h:size(1)), 2)
   end
   local e = self:_visibleEnergy(v, result(self))
   local x = self:_hiddenInput(v, result(self))            -- c + W vs
   local c = self.hiddenBias:view(1, H):expand(B, H)
   local hx = hm.cmul(h, hm.add(x, -1, c))                 -- h_j (W vs)_j
   local hterm = hm.sum(hx, 2):view(B)
   e:add(-1, hterm)
   if self.hiddenType == "bernoulli" then
      e:add(-1, hm.mv(h, self.hiddenBias))
   else
      local d = hm.add(h, -1, c)
      e:add(0.5, hm.sum(d:cmul(d), 2):view(B))
   end
   if one then return e[1] end
   return e
end

--- rbm:reconstructionError(v [, gen]) -> mean over samples of sum_i (v_i - r_i)^2, where r
-- is the visible probability (mean) after one up-down pass with sampled hiddens (what
-- hm.rbm.train reports for CD)
function RBM:reconstructionError(v, gen)
   v = batch(self, v, self.visible, "visible batch", "reconstructionError")
   local h, ph = self:sampleHidden(v, nil, nil, gen)
   local r = self:_visibleMean(h, result(self))
   r:add(-1, v)
   return r:dot(r) / v:size(1)
end

--- rbm:pseudoLikelihood(v [, opts]) -> per-sample log pseudo-likelihood (tensor of B), mean
-- Bernoulli visibles only. Default: the stochastic estimate of scikit-learn's
-- BernoulliRBM.score_samples, visible * log sigmoid(F(v~) - F(v)) with v~ equal to v with
-- one bit, drawn uniformly per sample, flipped. opts.exact = true sums log sigmoid(F(v^(i))
-- - F(v)) over every bit i instead (visible free-energy evaluations: small models only).
-- opts.generator draws the bits.
-- ERRORS: non-Bernoulli visibles
function RBM:pseudoLikelihood(v, opts)
   opts = opts or {}
   v = batch(self, v, self.visible, "visible batch", "pseudoLikelihood")
   if self.visibleType ~= "bernoulli" then
      error("hm.RBM:pseudoLikelihood: Bernoulli visibles only (this model has " .. self.visibleType .. ")", 2)
   end
   local B, V = v:size(1), self.visible
   local f0 = self:freeEnergy(v, result(self))
   local flip = hm.clone(v)
   local out = hm[v:type():sub(4)](B)
   local fe = result(self)
   local function logsig(d)       -- log sigmoid(d) = -softplus(-d)
      local sp = softplus(self, result(self), hm.neg(d))
      return sp:neg()
   end
   if opts.exact then
      out:zero()
      for i = 1, V do
         local col = flip:select(2, i)
         col:mul(-1):add(1)
         self:freeEnergy(flip, fe)
         out:add(logsig(fe:add(-1, f0)))
         col:copy(v:select(2, i))
      end
   else
      local idx = hm.LongTensor(B, 1)
      if opts.generator then idx:random(1, V, opts.generator) else idx:random(1, V) end
      local m = v.new(v, B, V):zero():scatter(2, idx, 1)       -- the flipped bit
      -- v~ = v + m (1 - 2 v)
      local s = hm.mul(v, -2):add(1):cmul(m)
      flip:add(s)
      self:freeEnergy(flip, fe)
      out:copy(logsig(fe:add(-1, f0))):mul(V)
   end
   return out, out:mean()
end

------------------------------------------------------------------ generation and helpers

--- rbm:sample(n [, opts]) -> prob, sample: n visible vectors after opts.steps (1000) Gibbs
-- steps from opts.init (an n x visible tensor, e.g. data) or from noise (uniform bits,
-- random one-hot groups, or N(b, sigma^2)); prob is the last step's visible mean, nicer to
-- look at than the binary sample. opts.generator draws everything.
function RBM:sample(n, opts)
   opts = opts or {}
   local steps = opts.steps or 1000
   if math.type(n) ~= "integer" or n < 1 then error("hm.RBM:sample: n must be a positive integer, got " .. tostring(n), 2) end
   if math.type(steps) ~= "integer" or steps < 1 then error("hm.RBM:sample: steps must be an integer >= 1", 2) end
   local gen = opts.generator
   local v
   if opts.init then
      v = batch(self, opts.init, self.visible, "init", "sample")
      if v:size(1) ~= n then error(string.format("hm.RBM:sample: init has %d rows, expected %d", v:size(1), n), 2) end
      v = hm.clone(v)
   else
      v = result(self):resize(n, self.visible)
      if self.visibleType == "bernoulli" then
         if gen then v:bernoulli(0.5, gen) else v:bernoulli(0.5) end
      elseif self.visibleType == "gaussian" then
         normal(v, gen):cmul(self.sigma:view(1, self.visible):expand(n, self.visible))
            :add(self.visibleBias:view(1, self.visible):expand(n, self.visible))
      else
         local h0 = result(self):resize(n, self.hidden):zero()
         self:sampleVisible(h0, v, nil, gen)    -- from the biases alone
      end
   end
   local s, p = self:gibbs(v, steps, gen)
   return p, s
end

--- rbm:initVisibleBias(data) -> rbm: visible biases from the data (Hinton's practical guide
-- §8): log(p / (1 - p)) of each unit's mean for Bernoulli units (p clipped to [1e-3, 1 - 1e-3]),
-- the log of the group-normalised means for softmax units, the mean for Gaussian ones
function RBM:initVisibleBias(data)
   data = batch(self, data, self.visible, "data", "initVisibleBias")
   local p = hm.mean(data, 1):view(self.visible)
   if self.visibleType == "gaussian" then
      self.visibleBias:copy(p)
   elseif self.visibleType == "bernoulli" then
      p:clamp(1e-3, 1 - 1e-3)
      self.visibleBias:copy(hm.log(p)):add(-1, hm.log(hm.mul(p, -1):add(1)))
   else
      p:clamp(1e-3, math.huge)
      local K = self.softmaxSize
      local g = p:view(self.visible // K, K)
      g:cdiv(hm.sum(g, 2):expand(self.visible // K, K))
      self.visibleBias:copy(hm.log(p))
   end
   return self
end

------------------------------------------------------------------ exact likelihood

--- rbm:exactLogPartition([opts]) -> log Z by summing over every configuration of the smaller
-- enumerable layer (Bernoulli hiddens: 2^hidden terms with the visible units summed or
-- integrated out analytically; Bernoulli visibles: 2^visible free energies), in double, in
-- batches of configurations, with logsumexp. opts.maxUnits (24) bounds the layer size.
-- ERRORS: no layer small enough; Gaussian visibles with Gaussian hiddens (Z may be infinite)
function RBM:exactLogPartition(opts)
   return require('harmonium.rbm.exact').logPartition(self, opts)
end

--- rbm:logLikelihood(data [, logZ]) -> mean over samples of log p(v) = -F(v) - log Z, in
-- nats (log density for Gaussian visibles); log Z is computed exactly unless given
function RBM:logLikelihood(data, logZ)
   return require('harmonium.rbm.exact').logLikelihood(self, data, logZ)
end

return RBM

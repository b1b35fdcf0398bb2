--[[ hm.rbm.exact: exact partition functions and log-likelihoods of small RBMs.

log Z sums exp(-E) over every configuration of one layer with the other summed (or, for
Gaussian visibles, integrated) out analytically:
   over the hidden layer (Bernoulli hiddens), with a = h^T W:
      log Z = logsumexp_h [ c^T h + sum_i Lv(a_i) ]
      Lv(a) = softplus(b + a)                                Bernoulli visibles
            = logsumexp over each softmax group of (b + a)    softmax visibles
            = b a / sigma + a^2 / 2 + log(sqrt(2 pi) sigma)   Gaussian visibles
   over the visible layer (Bernoulli visibles): log Z = logsumexp_v [ -F(v) ]
The configurations go through in batches of 2^12 rows (low bits built once with tensor ops,
high bits set per batch), one GEMM per batch, in double; each batch's logsumexp is combined
in Lua, so nothing overflows. The cost is 2^n GEMM rows: n = 20 takes seconds, n = 24 minutes.
]]

local hm = require 'harmonium'

local M = {}

local CHUNKBITS = 12

-- The model in double precision (a clone when it is float).
local function indouble(rbm)
   rbm:getParameters()
   if rbm.weight:type() == "hm.DoubleTensor" then return rbm end
   return rbm:clone():double()
end

-- log(exp(a) + exp(b)) for Lua numbers, -inf aware.
local function lse2(a, b)
   if a == -math.huge then return b end
   if b == -math.huge then return a end
   local m = math.max(a, b)
   return m + math.log(math.exp(a - m) + math.exp(b - m))
end

-- Call fn(configs) for every 0/1 configuration of n units, configs a (rows x n) double tensor
-- view; returns the logsumexp of all values fn returns (fn returns a tensor of rows values).
local function enumerate(n, fn)
   local low = math.min(n, CHUNKBITS)
   local rows = 1 << low
   local C = hm.DoubleTensor(rows, n):zero()
   local idx = hm.DoubleTensor(rows)
   for i = 1, rows do idx[i] = i - 1 end
   local a, b = hm.DoubleTensor(rows), hm.DoubleTensor(rows)
   for j = 0, low - 1 do
      -- bit j of idx = floor(idx / 2^j) - 2 floor(idx / 2^(j+1))
      a:div(idx, 2 ^ j):floor()
      b:div(idx, 2 ^ (j + 1)):floor()
      C:select(2, j + 1):add(a, -2, b)
   end
   local total = -math.huge
   for hi = 0, (1 << (n - low)) - 1 do
      for j = 0, n - low - 1 do
         C:select(2, low + j + 1):fill((hi >> j) & 1)
      end
      total = lse2(total, fn(C):logsumexp())
   end
   return total
end
M.enumerate = enumerate

-- sum_i Lv(a_i) per row of a (rows x visible), into out (rows); a is overwritten. The
-- scratch table holds buffers reused from batch to batch (fresh large tensors cost page faults).
local function visibleLogMarginal(m, a, out, scratch)
   local rows, V = a:size(1), m.visible
   local b = m.visibleBias:view(1, V):expand(rows, V)
   out:resize(rows)
   if m.visibleType == "bernoulli" then
      a:add(b)
      scratch.sp = scratch.sp or hm.DoubleTensor()
      hm.sum(out:view(rows, 1), m._softplus(m, scratch.sp, a), 2)
   elseif m.visibleType == "softmax" then
      local K = m.softmaxSize
      a:add(b)
      scratch.lse = scratch.lse or hm.DoubleTensor()
      hm.logsumexp(scratch.lse, a:view(rows * V // K, K), 2)
      hm.sum(out:view(rows, 1), scratch.lse:view(rows, V // K), 2)
   else
      -- b a / sigma + a^2 / 2, summed, plus the constant
      scratch.t = scratch.t or hm.DoubleTensor()
      local t = scratch.t:resizeAs(a)
      t:cmul(a, b):cdiv(m.sigma:view(1, V):expand(rows, V))
      t:addcmul(0.5, a, a)
      local const = hm.log(m.sigma):sum() + V * 0.5 * math.log(2 * math.pi)
      hm.sum(out:view(rows, 1), t, 2)
      out:add(const)
   end
   return out
end

--- hm.rbm.exact.logPartition(rbm [, opts]) -> log Z, the layer summed over ('hidden' or
-- 'visible'); also rbm:exactLogPartition(opts). opts.maxUnits (default 24): largest layer
-- enumerated; opts.layer forces 'hidden' or 'visible'.
-- ERRORS: no enumerable layer within maxUnits; Gaussian visibles with Gaussian hiddens
function M.logPartition(rbm, opts)
   opts = opts or {}
   local maxUnits = opts.maxUnits or 24
   if rbm.visibleType == "gaussian" and rbm.hiddenType == "gaussian" then
      error("hm.RBM:exactLogPartition: Gaussian visibles with Gaussian hiddens have no finite "
            .. "sum to enumerate (Z may be infinite)", 3)
   end
   local canH = rbm.hiddenType == "bernoulli" and rbm.hidden <= maxUnits
   local canV = rbm.visibleType == "bernoulli" and rbm.visible <= maxUnits
   local layer = opts.layer
   if layer == nil then
      if canH and canV then layer = rbm.hidden <= rbm.visible and "hidden" or "visible"
      elseif canH then layer = "hidden"
      elseif canV then layer = "visible" end
   end
   if (layer == "hidden" and not canH) or (layer == "visible" and not canV) or layer == nil then
      error(string.format("hm.RBM:exactLogPartition: no layer to enumerate (%d %s visible, %d %s "
         .. "hidden; a Bernoulli layer of at most %d units is needed: use hm.rbm.ais)", rbm.visible,
         rbm.visibleType, rbm.hidden, rbm.hiddenType, maxUnits), 3)
   end
   local m = indouble(rbm)
   if layer == "hidden" then
      local a, out, hc, scratch = hm.DoubleTensor(), hm.DoubleTensor(), hm.DoubleTensor(), {}
      return enumerate(m.hidden, function(h)
         a:resize(h:size(1), m.visible):mm(h, m.weight)
         visibleLogMarginal(m, a, out, scratch)
         return out:add(hc:resize(h:size(1)):mv(h, m.hiddenBias))
      end), "hidden"
   else
      local fe = hm.DoubleTensor()
      return enumerate(m.visible, function(v)
         return m:freeEnergy(v, fe):neg()
      end), "visible"
   end
end

--- hm.rbm.exact.gradient(rbm, data) -> gradWeight, gradVisibleBias, gradHiddenBias: the
-- exact gradient of the mean negative log-likelihood of the rows of data, in double,
-- <v h^T>_model - <v h^T>_data (and likewise for the biases), the model expectations by
-- enumerating the visible layer (Bernoulli visibles and hiddens, at most 20 visible units)
function M.gradient(rbm, data)
   if rbm.visibleType ~= "bernoulli" or rbm.hiddenType ~= "bernoulli" or rbm.visible > 20 then
      error("hm.rbm.exact.gradient: Bernoulli units and at most 20 visibles only", 2)
   end
   local m = indouble(rbm)
   local V, H = m.visible, m.hidden
   local d = data:double()
   local n = d:size(1)
   local ph = m:hiddenProb(d)
   local gW = hm.mm(ph:t(), d):div(-n)
   local gb = hm.sum(d, 1):view(V):div(-n)
   local gc = hm.sum(ph, 1):view(H):div(-n)
   local logZ = M.logPartition(m, { layer = "visible" })
   local fe = hm.DoubleTensor()
   enumerate(V, function(v)
      local p = m:freeEnergy(v, fe):neg():add(-logZ):exp()       -- p(v)
      local phv = m:hiddenProb(v)
      local pw = hm.cmul(phv, p:view(-1, 1):expand(v:size(1), H))
      gW:addmm(pw:t(), v)
      gb:addmv(v:t(), p)
      gc:add(hm.sum(pw, 1):view(H))
      return p
   end)
   return gW, gb, gc
end

--- hm.rbm.exact.logLikelihood(rbm, data [, logZ]) -> mean log p(v) over the rows of data
-- (nats), -mean F(v) - log Z in double; logZ is computed exactly unless given
function M.logLikelihood(rbm, data, logZ)
   if not hm.isTensor(data) or data:dim() ~= 2 or data:size(2) ~= rbm.visible then
      error(string.format("hm.RBM:logLikelihood: data must be N x %d, got %s", rbm.visible,
         hm.isTensor(data) and tostring(data:size()) or hm.type(data)), 3)
   end
   logZ = logZ or M.logPartition(rbm)
   local m = indouble(rbm)
   local n = data:size(1)
   local total, fe = 0, hm.DoubleTensor()
   for s = 1, n, 1000 do
      local chunk = data:narrow(1, s, math.min(1000, n - s + 1)):double()
      total = total + m:freeEnergy(chunk, fe):sum()
   end
   return -total / n - logZ
end

return M

--[[ hm.DBN: deep belief nets, a stack of RBMs trained greedily layer by layer (Hinton,
Osindero and Teh 2006), then used three ways:

   local dbn = hm.DBN{784, 500, 500, 2000}
   dbn:pretrain(train.data, {epochs = 10, learningRate = 0.1, layers = {[3] = {epochs = 20}}})
   local mlp = dbn:toMLP(10)               -- DBN-DNN: Linear+Sigmoid per RBM, then 10-way LogSoftMax
   local ae, enc, dec = dbn:toAutoencoder() -- unrolled encoder/decoder (Hinton & Salakhutdinov 2006)
   local pics = dbn:sample(100, {steps = 1000})     -- Gibbs in the top RBM, then a down pass

   local gen = hm.DBN{784, 500, 500, 2000, labels = 10}   -- top RBM with 10 softmax label units
   gen:pretrain(train.data, {labels = train.labels, epochs = 10})
   gen:upDown(train.data, train.labels, {epochs = 10})    -- contrastive wake-sleep
   local y = gen:classify(test.data)                      -- label of lowest free energy
   local twos = gen:sampleClass(3, 16)                    -- label 3 = digit 2

Fields: sizes (the layer sizes), rbms (hm.RBM per pair of layers; the top one is an
hm.LabelRBM when labels are given: the penultimate layer and the labels form its visible
layer), labels (the number of label units or nil) and, after upDown, generative: per lower
layer {weight, bias}, the untied top-down weights (hidden x visible, like RBM weights) and
visible biases; the RBMs' weight and hiddenBias are then the bottom-up recognition weights.
hm.save / hm.load write and read the whole net.
]]

local hm = require 'harmonium'
require 'harmonium.RBM'
require 'harmonium.LabelRBM'

local DBN = hm.class('hm.DBN')

local function fail(fname, msg, level) error("hm.DBN" .. fname .. ": " .. msg, (level or 1) + 2) end

local function posint(x) return math.type(x) == "integer" and x >= 1 end

--- hm.DBN{n1, n2, ..., nL [, labels] [, visibleType] [, sigma] [, hiddenType] [, type]
--          [, weightStd]}
-- ARGS: n1..nL the layer sizes (at least 2), bottom (data) first; labels: label units joined
--       to the penultimate layer in the top RBM (Hinton, Osindero and Teh 2006); visibleType
--       'bernoulli' (default) or 'gaussian' (with sigma) for the data layer; hiddenType a
--       string for every hidden layer or a list, one per RBM ('bernoulli' default, 'gaussian'
--       for linear units, e.g. an autoencoder's code layer; the RBM above a Gaussian layer
--       gets Gaussian visibles); type 'hm.FloatTensor' (default) or 'hm.DoubleTensor';
--       weightStd the initial weights' std (0.01)
-- ERRORS: fewer than 2 sizes, non-positive sizes, labels on a non-Bernoulli top
function DBN:__init(opts)
   if type(opts) ~= "table" then fail("", "table of layer sizes expected, e.g. hm.DBN{784, 500, 500, 2000}") end
   local n = #opts
   if n < 2 then fail("", "at least two layer sizes expected, got " .. n) end
   self.sizes = {}
   for i = 1, n do
      if not posint(opts[i]) then fail("", "layer size " .. i .. " must be a positive integer, got " .. tostring(opts[i])) end
      self.sizes[i] = opts[i]
   end
   if opts.labels ~= nil and not (posint(opts.labels) and opts.labels >= 2) then
      fail("", "labels must be an integer >= 2, got " .. tostring(opts.labels))
   end
   self.labels = opts.labels
   local htypes = opts.hiddenType or "bernoulli"
   if type(htypes) == "string" then
      local s = htypes
      htypes = {}
      for i = 1, n - 1 do htypes[i] = s end
   elseif type(htypes) ~= "table" or #htypes ~= n - 1 then
      fail("", "hiddenType must be a string or a list of " .. (n - 1) .. " unit types")
   end
   self.rbms = {}
   local vtype = opts.visibleType or "bernoulli"
   for i = 1, n - 1 do
      local common = { hidden = self.sizes[i + 1], type = opts.type, weightStd = opts.weightStd }
      local ok, rbm
      if i == n - 1 and self.labels then
         if htypes[i] ~= "bernoulli" or vtype ~= "bernoulli" then
            fail("", "a top RBM with label units needs Bernoulli units")
         end
         common.visible, common.labels = self.sizes[i], self.labels
         ok, rbm = pcall(hm.LabelRBM, common)
      else
         common.visible, common.visibleType, common.hiddenType = self.sizes[i], vtype, htypes[i]
         if i == 1 then common.sigma = opts.sigma end
         ok, rbm = pcall(hm.RBM, common)
      end
      if not ok then fail("", "layer " .. i .. ": " .. tostring(rbm):gsub("^.-hm%.%a*RBM: ", "")) end
      self.rbms[i] = rbm
      vtype = htypes[i] == "gaussian" and "gaussian" or "bernoulli"
   end
end

function DBN:__tostring()
   return string.format("hm.DBN(%s%s)", table.concat(self.sizes, "-"),
      self.labels and string.format(", %d labels", self.labels) or "")
end

--- dbn:type([name]) -> the tensor type, or dbn converted to name ('hm.FloatTensor' or
-- 'hm.DoubleTensor'); dbn:float() and dbn:double() are shorthands
function DBN:type(name)
   if name == nil then return self.rbms[1].weight:type() end
   for _, r in ipairs(self.rbms) do r:type(name) end
   for _, g in ipairs(self.generative or {}) do
      g.weight, g.bias = g.weight:type(name), g.bias:type(name)
   end
   return self
end
function DBN:float() return self:type("hm.FloatTensor") end
function DBN:double() return self:type("hm.DoubleTensor") end

------------------------------------------------------------------ checks

-- data as an N x n tensor of the model's type (converted when needed)
local function checkData(self, data, n, fname, what)
   what = what or "data"
   if not hm.isTensor(data) then fail(fname, what .. " must be a tensor, got " .. hm.type(data), 2) end
   if data:dim() == 1 and data:size(1) == n then data = data:view(1, n) end
   if data:dim() ~= 2 or data:size(2) ~= n or data:size(1) < 1 then
      fail(fname, string.format("%s must be N x %d (size mismatch: got %s)", what, n,
         data:dim() == 0 and "an empty tensor" or tostring(data:size())), 2)
   end
   local T = self:type()
   if data:type() ~= T then data = data:type(T) end
   return data
end

-- labels as a LongTensor of N values in 1..L
local function checkLabels(self, labels, N, fname)
   if not hm.isTensor(labels) then fail(fname, "labels must be a tensor, got " .. hm.type(labels), 2) end
   if labels:nElement() ~= N then
      fail(fname, string.format("%d labels for %d samples", labels:nElement(), N), 2)
   end
   labels = labels:long():contiguous():view(N)
   local lo, hi = labels:min(), labels:max()
   if lo < 1 or hi > self.labels then
      fail(fname, string.format("labels must be in 1..%d, got %d", self.labels, lo < 1 and lo or hi), 2)
   end
   return labels
end

-- [x, onehot(labels)] for the top RBM
local function withLabels(self, x, labels)
   local oh = hm.data.onehot(labels, self.labels, self:type())
   return hm.cat(x, oh, 2)
end

------------------------------------------------------------------ passes

-- Activities of layer i + 1 from those of layer i (RBM i): probabilities (means), or a
-- sample when `sample` is true.
local function upOne(rbm, x, sample, gen)
   if sample then return (rbm:sampleHidden(x, nil, nil, gen)) end
   return rbm:hiddenProb(x)
end

--- dbn:up(data [, layer [, opts]]) -> the activities of layer `layer` (2 .. #sizes, default
-- the last one reachable without labels) from data (N x sizes[1]); mean-field, or sampled
-- states at every layer with opts.sample. A labelled DBN stops at the penultimate layer.
function DBN:up(data, layer, opts)
   opts = opts or {}
   local top = #self.sizes - (self.labels and 1 or 0)
   layer = layer or top
   if not posint(layer) or layer > top then
      fail(":up", string.format("layer must be in 1..%d, got %s", top, tostring(layer)))
   end
   local x = checkData(self, data, self.sizes[1], ":up")
   for i = 1, layer - 1 do x = upOne(self.rbms[i], x, opts.sample, opts.generator) end
   return x
end

-- Visible probabilities (means) of lower layer i from the states h of layer i + 1, through
-- the generative weights when upDown untied them.
local function downOne(self, i, h)
   local g = self.generative and self.generative[i]
   if not g then return self.rbms[i]:visibleProb(h) end
   local B, V = h:size(1), g.bias:size(1)
   local p = h.new(h, B, V)
   p:addmm(1, g.bias:view(1, V):expand(B, V), 1, h, g.weight)
   return p:sigmoid()
end

--- dbn:down(h [, opts]) -> bottom-layer probabilities (means) from states h of the
-- penultimate layer (N x sizes[#sizes - 1]) by a top-down pass through the lower RBMs
-- (generative weights after upDown); hidden layers on the way are sampled unless
-- opts.meanField
function DBN:down(h, opts)
   opts = opts or {}
   local K = #self.rbms
   local x = checkData(self, h, self.sizes[K], ":down", "h")
   for i = K - 1, 1, -1 do
      local p = downOne(self, i, x)
      if i > 1 and not opts.meanField then
         if opts.generator then p:bernoulli(p, opts.generator) else p:bernoulli(p) end
      end
      x = p
   end
   return x
end

------------------------------------------------------------------ pretraining

-- keys of pretrain's opts that are not hm.rbm.train options
local own = { layers = true, labels = true, propagate = true, initVisibleBias = true,
              validation = true, validationLabels = true }

--- dbn:pretrain(data [, opts]) -> stats (a list per layer of hm.rbm.train's per-epoch stats)
-- Trains RBM 1 on data (N x sizes[1]), then each RBM on the activities of the layer below.
-- opts: every hm.rbm.train option (method, k, learningRate, momentum, weightDecay, batchSize,
--   epochs, sparsityTarget, meanField, verbose, progress, generator, ...) as the default for
--   every layer; layers = { [i] = {...} } overrides them for RBM i (also 'propagate');
--   propagate 'mean' (default: probabilities feed the next layer) or 'sample' (binary states
--   drawn once); labels (N labels in 1..L: required by a labelled DBN, for the top RBM);
--   validation (held-out data, propagated alongside; validationLabels for a labelled top);
--   initVisibleBias (true: the bottom RBM's visible biases start at the data's log-odds)
-- ERRORS: bad data or labels, and hm.rbm.train's errors prefixed by the layer
function DBN:pretrain(data, opts)
   opts = opts or {}
   if type(opts) ~= "table" then fail(":pretrain", "options table expected as argument #2") end
   local x = checkData(self, data, self.sizes[1], ":pretrain")
   local N = x:size(1)
   local labels = self.labels and opts.labels
   if self.labels then
      if labels == nil then fail(":pretrain", "opts.labels (N labels) required by a DBN with label units") end
      labels = checkLabels(self, labels, N, ":pretrain")
   end
   local valid = opts.validation and checkData(self, opts.validation, self.sizes[1], ":pretrain", "validation data")
   local vlabels = valid and self.labels and opts.validationLabels
      and checkLabels(self, opts.validationLabels, valid:size(1), ":pretrain")
   local layers = opts.layers or {}
   if type(layers) ~= "table" then fail(":pretrain", "opts.layers must be a table of per-layer options") end
   local K = #self.rbms
   local stats = {}
   for i, rbm in ipairs(self.rbms) do
      local lo = {}
      for k, v in pairs(opts) do if not own[k] then lo[k] = v end end
      local over = layers[i] or {}
      if type(over) ~= "table" then fail(":pretrain", "opts.layers[" .. i .. "] must be a table") end
      for k, v in pairs(over) do if k ~= "propagate" then lo[k] = v end end
      local input, vin = x, nil
      if i == K and self.labels then
         input = withLabels(self, x, labels)
         if vlabels then vin = withLabels(self, valid, vlabels) end
      else
         vin = valid
      end
      lo.validation = vin
      if i == 1 and rbm.visibleType ~= "gaussian" and opts.initVisibleBias ~= false then
         rbm:initVisibleBias(input)
      end
      if lo.verbose ~= false then print(string.format("layer %d/%d: %s", i, K, tostring(rbm))) end
      local ok, st = pcall(hm.rbm.train, rbm, input, lo)
      if not ok then fail(":pretrain", "layer " .. i .. ": " .. tostring(st)) end
      stats[i] = st
      if i < K then
         local how = over.propagate or opts.propagate or "mean"
         if how ~= "mean" and how ~= "sample" then
            fail(":pretrain", "propagate must be 'mean' or 'sample', got '" .. tostring(how) .. "'")
         end
         x = upOne(rbm, x, how == "sample", opts.generator)
         if valid then valid = upOne(rbm, valid, how == "sample", opts.generator) end
      end
   end
   return stats
end

------------------------------------------------------------------ networks for fine-tuning

-- nn.Linear(V, H) holding RBM i's bottom-up map x -> c + W (x / sigma) (labels excluded)
local function upLinear(self, i)
   local rbm = self.rbms[i]
   local V = self.sizes[i]
   local lin = hm.nn.Linear(V, rbm.hidden):type(self:type())
   lin.weight:copy(rbm.weight:narrow(2, 1, V))
   if rbm.visibleType == "gaussian" then
      lin.weight:cdiv(rbm.sigma:view(1, V):expand(rbm.hidden, V))
   end
   lin.bias:copy(rbm.hiddenBias)
   return lin
end

local function encoder(self)
   local nn = hm.nn
   local net = nn.Sequential()
   for i, rbm in ipairs(self.rbms) do
      net:add(upLinear(self, i))
      if rbm.hiddenType == "bernoulli" then net:add(nn.Sigmoid():type(self:type())) end
   end
   return net
end

--- dbn:toMLP([nClasses]) -> an hm.nn.Sequential: Linear + Sigmoid per RBM (Linear alone for
-- Gaussian hiddens) with the RBMs' weights and hidden biases (recognition weights after
-- upDown), then, with nClasses, a new Linear(top, nClasses) and LogSoftMax (train it with
-- ClassNLLCriterion). The label units of a labelled top RBM are left out.
-- ERRORS: nClasses not a positive integer
function DBN:toMLP(nClasses)
   if nClasses ~= nil and not posint(nClasses) then
      fail(":toMLP", "nClasses must be a positive integer, got " .. tostring(nClasses))
   end
   local net = encoder(self)
   if nClasses then
      net:add(hm.nn.Linear(self.sizes[#self.sizes], nClasses):type(self:type()))
      net:add(hm.nn.LogSoftMax():type(self:type()))
   end
   return net
end

--- dbn:toAutoencoder() -> net, encoder, decoder: the stack unrolled (Hinton and
-- Salakhutdinov 2006). encoder is toMLP(); decoder mirrors it, Linear(H, V) per RBM from the
-- top down with weight W^T (times sigma for Gaussian visibles) and the visible biases, then a
-- Sigmoid for Bernoulli visibles; net = Sequential(encoder, decoder). Before fine-tuning,
-- net:forward(x) is the mean-field up-down pass through the RBMs.
-- ERRORS: a labelled DBN, softmax visibles
function DBN:toAutoencoder()
   if self.labels then fail(":toAutoencoder", "not for a DBN with label units (build it without labels)") end
   local nn, T = hm.nn, self:type()
   local enc = encoder(self)
   local dec = nn.Sequential()
   for i = #self.rbms, 1, -1 do
      local rbm = self.rbms[i]
      local V, H = rbm.visible, rbm.hidden
      if rbm.visibleType == "softmax" then fail(":toAutoencoder", "softmax visibles are not supported") end
      local g = self.generative and self.generative[i]
      local lin = nn.Linear(H, V):type(T)
      lin.weight:copy((g and g.weight or rbm.weight):t())
      lin.bias:copy(g and g.bias or rbm.visibleBias)
      if rbm.visibleType == "gaussian" then lin.weight:cmul(rbm.sigma:view(V, 1):expand(V, H)) end
      dec:add(lin)
      if rbm.visibleType == "bernoulli" then dec:add(nn.Sigmoid():type(T)) end
   end
   return nn.Sequential():add(enc):add(dec), enc, dec
end

------------------------------------------------------------------ generation

local function checkSampleArgs(fname, n, opts)
   if not posint(n) then fail(fname, "n must be a positive integer, got " .. tostring(n), 2) end
   opts = opts or {}
   local steps = opts.steps or 1000
   if not posint(steps) then fail(fname, "steps must be a positive integer, got " .. tostring(steps), 2) end
   return opts, steps
end

--- dbn:sample(n [, opts]) -> images (n x sizes[1] probabilities of the bottom layer), labels
-- (a labelled DBN: the label unit on at the end of each chain, else nil).
-- opts.steps (1000) Gibbs steps in the top RBM from noise (or from opts.init, n data rows
-- pushed up mean-field); then a down pass, sampling the hidden layers unless opts.meanField;
-- opts.generator draws everything.
function DBN:sample(n, opts)
   local steps
   opts, steps = checkSampleArgs(":sample", n, opts)
   local K, top, gen = #self.rbms, self.rbms[#self.rbms], opts.generator
   local s
   if opts.init then
      local init = checkData(self, opts.init, self.sizes[1], ":sample", "init")
      if init:size(1) ~= n then fail(":sample", string.format("init has %d rows, expected %d", init:size(1), n)) end
      local v = self:up(init, K)
      if self.labels then v = hm.cat(v, v.new(v, n, self.labels):fill(1 / self.labels), 2) end
      s = top:gibbs(v, steps, gen)
   else
      local _
      _, s = top:sample(n, { steps = steps, generator = gen })
   end
   local labels
   local pen = s
   if self.labels then
      local _
      _, labels = hm.max(s:narrow(2, self.sizes[K] + 1, self.labels), 2)
      labels = labels:view(n)
      pen = s:narrow(2, 1, self.sizes[K]):contiguous()
   end
   return self:down(pen, opts), labels
end

--- dbn:sampleClass(label, n [, opts]) -> images (n x sizes[1]): class-conditional samples of a
-- labelled DBN. The label units are clamped to `label` (a number in 1..labels, or a tensor of n
-- labels) while opts.steps (1000) Gibbs steps run in the top RBM from random penultimate
-- states; then a down pass as in sample.
-- ERRORS: a DBN without labels, labels out of range
function DBN:sampleClass(label, n, opts)
   if not self.labels then fail(":sampleClass", "needs a DBN with label units, e.g. hm.DBN{784, 500, 10, labels = 10}") end
   local steps
   opts, steps = checkSampleArgs(":sampleClass", n, opts)
   local labels
   if type(label) == "number" then
      labels = hm.LongTensor(n):fill(math.tointeger(label) or 0)
   else
      labels = label
   end
   labels = checkLabels(self, labels, n, ":sampleClass")
   local K, top, gen = #self.rbms, self.rbms[#self.rbms], opts.generator
   local P = self.sizes[K]
   local v = withLabels(self, self:type() == "hm.DoubleTensor" and hm.DoubleTensor(n, P) or hm.FloatTensor(n, P), labels)
   local pen = v:narrow(2, 1, P)
   if gen then pen:bernoulli(0.5, gen) else pen:bernoulli(0.5) end
   local h, ph, vs, pv = v.new(v), v.new(v), v.new(v), v.new(v)
   for _ = 1, steps do
      top:sampleHidden(v, h, ph, gen)
      top:sampleVisible(h, vs, pv, gen)
      pen:copy(vs:narrow(2, 1, P))      -- the labels stay clamped
   end
   return self:down(pen:contiguous(), opts)
end

------------------------------------------------------------------ classification

--- dbn:classify(data) -> labels (hm.LongTensor of N), F (N x labels free energies): a
-- labelled DBN's class for each row, the label that gives the top RBM the lowest free energy
-- with the penultimate layer's mean-field activities (Hinton, Osindero and Teh 2006)
-- ERRORS: a DBN without labels, bad data
function DBN:classify(data)
   if not self.labels then fail(":classify", "needs a DBN with label units (use toMLP for the others)") end
   local x = checkData(self, data, self.sizes[1], ":classify")
   local out, F = hm.LongTensor(x:size(1)), nil
   local N = x:size(1)
   F = x.new(x, N, self.labels)
   for s = 1, N, 1000 do
      local b = math.min(1000, N - s + 1)
      local y, f = self.rbms[#self.rbms]:classify(self:up(x:narrow(1, s, b)))
      out:narrow(1, s, b):copy(y)
      F:narrow(1, s, b):copy(f)
   end
   return out, F
end

------------------------------------------------------------------ up-down fine-tuning

-- The generative (top-down) weights of the lower layers, untied from the recognition ones
-- on the first call.
local function untie(self)
   if self.generative then return self.generative end
   self.generative = {}
   for i = 1, #self.rbms - 1 do
      local r = self.rbms[i]
      self.generative[i] = { weight = r.weight:clone(), bias = r.visibleBias:clone() }
   end
   return self.generative
end

-- Bernoulli states into s from probabilities p
local function bern(s, p, gen)
   s:resizeAs(p)
   if gen then return s:bernoulli(p, gen) end
   return s:bernoulli(p)
end

--- dbn:upDown(data, labels [, opts]) -> stats: contrastive wake-sleep fine-tuning (the
-- up-down algorithm of Hinton, Osindero and Teh 2006, appendix B). On the first call the
-- lower layers' weights are untied into recognition (the RBMs' weight and hiddenBias) and
-- generative (dbn.generative) weights. Per minibatch: a stochastic up pass (wake states);
-- opts.k alternating Gibbs steps in the top RBM from the wake states (label units as
-- softmax probabilities); a stochastic down pass from the top RBM's last penultimate states
-- (sleep states); the generative weights learn to predict each wake layer from the one
-- above, the recognition weights each sleep layer from the one below (delta rules), and the
-- top RBM takes the CD step. labels (N values in 1..L) are required for a labelled DBN and
-- must be nil otherwise.
-- opts: epochs (1), batchSize (100), learningRate (0.01), k (3), weightDecay (0, on all
--   weights), generator, verbose (true), progress (= verbose), callback(epoch, stat)
--   returning false to stop
-- RETURNS a list per epoch of {epoch, reconstructionError (mean squared error per sample of
--   the generative prediction of the data from the wake states), time}
-- ERRORS: non-Bernoulli units, bad data, labels or options, NaN in the weights
function DBN:upDown(data, labels, opts)
   local F = ":upDown"
   if opts == nil and type(labels) == "table" and not hm.isTensor(labels) then labels, opts = nil, labels end
   opts = opts or {}
   local K = #self.rbms
   if K < 2 then fail(F, "needs at least two RBMs (three layer sizes)") end
   for _, r in ipairs(self.rbms) do
      if r.visibleType ~= "bernoulli" or r.hiddenType ~= "bernoulli" then
         fail(F, "Bernoulli units only, got " .. tostring(r))
      end
   end
   local x = checkData(self, data, self.sizes[1], F)
   local N = x:size(1)
   if self.labels then
      if labels == nil then fail(F, "labels required by a DBN with label units") end
      labels = checkLabels(self, labels, N, F)
   elseif labels ~= nil then
      fail(F, "labels given but the DBN has no label units")
   end
   local lr = opts.learningRate or 0.01
   if type(lr) ~= "number" or not (lr > 0 and lr < math.huge) then
      fail(F, "learningRate must be a positive number, got " .. tostring(lr))
   end
   local k, B, epochs = opts.k or 3, opts.batchSize or 100, opts.epochs or 1
   if not posint(k) then fail(F, "k must be a positive integer, got " .. tostring(k)) end
   if not posint(B) then fail(F, "batchSize must be a positive integer, got " .. tostring(B)) end
   if math.type(epochs) ~= "integer" or epochs < 0 then fail(F, "epochs must be an integer >= 0") end
   local wd = opts.weightDecay or 0
   if type(wd) ~= "number" or wd < 0 then fail(F, "weightDecay must be >= 0, got " .. tostring(wd)) end
   local gen, verbose = opts.generator, opts.verbose ~= false
   local showBar = opts.progress == nil and verbose or opts.progress
   local G = untie(self)
   local top, P, L = self.rbms[K], self.sizes[K], self.labels or 0
   local T = x.new(x)
   local function new() return x.new(x) end
   -- buffers, resized per batch (the last batch may be smaller)
   local wake, wp, sleep, sp, pred = {}, {}, {}, {}, new()
   for i = 1, K do wake[i], wp[i], sleep[i], sp[i] = new(), new(), new(), new() end
   local vpos, vneg, hpos, hneg, hs, diff = new(), new(), new(), new(), new(), new()
   local oh = self.labels and new()
   local nb = (N + B - 1) // B
   local order = hm.LongTensor(nb)
   local stats, timer = {}, hm.Timer()
   for epoch = 1, epochs do
      if gen then hm.randperm(order, nb, gen) else hm.randperm(order, nb) end
      local t0, errsum = timer:time().real, 0
      local bar = showBar and hm.progress.new(nb, { title = string.format("up-down %d/%d", epoch, epochs) })
      for bi = 1, nb do
         local s = (order[bi] - 1) * B + 1
         local b = math.min(B, N - s + 1)
         -- 1. wake: stochastic up pass through the recognition weights
         wake[1] = x:narrow(1, s, b)
         for i = 1, K - 1 do
            self.rbms[i]:hiddenProb(wake[i], wp[i + 1])
            bern(wake[i + 1], wp[i + 1], gen)
         end
         -- 2. top RBM: positive statistics from the wake states (and labels)
         vpos:resize(b, top.visible)
         vpos:narrow(2, 1, P):copy(wake[K])
         if self.labels then
            oh:resize(b, L):zero():scatter(2, labels:narrow(1, s, b):view(b, 1), 1)
            vpos:narrow(2, P + 1, L):copy(oh)
         end
         top:hiddenProb(vpos, hpos)
         bern(hs, hpos, gen)
         -- 3. k alternating Gibbs steps: sampled penultimate states, label probabilities
         for _ = 1, k do
            top:visibleProb(hs, vneg)
            local pen = vneg:narrow(2, 1, P)
            if gen then pen:bernoulli(pen, gen) else pen:bernoulli(pen) end
            top:hiddenProb(vneg, hneg)
            bern(hs, hneg, gen)
         end
         -- 4. sleep: stochastic down pass through the generative weights from the top's
         -- penultimate states; the bottom keeps probabilities
         sleep[K]:resize(b, P):copy(vneg:narrow(2, 1, P))
         for i = K - 1, 1, -1 do
            local g = G[i]
            local V = g.bias:size(1)
            sp[i]:resize(b, V):addmm(1, g.bias:view(1, V):expand(b, V), 1, sleep[i + 1], g.weight):sigmoid()
            if i > 1 then bern(sleep[i], sp[i], gen) else sleep[i]:resizeAs(sp[i]):copy(sp[i]) end
         end
         -- 5. generative weights predict wake layer i from wake layer i + 1
         for i = 1, K - 1 do
            local g = G[i]
            local V = g.bias:size(1)
            pred:resize(b, V):addmm(1, g.bias:view(1, V):expand(b, V), 1, wake[i + 1], g.weight):sigmoid()
            diff:resizeAs(pred):add(wake[i], -1, pred)
            if i == 1 then errsum = errsum + diff:dot(diff) end
            if wd > 0 then g.weight:mul(1 - lr * wd) end
            g.weight:addmm(lr / b, wake[i + 1]:t(), diff)
            g.bias:addmv(lr / b, diff:t(), T:resize(b):fill(1))
         end
         -- 6. recognition weights predict sleep layer i + 1 from sleep layer i
         for i = 1, K - 1 do
            local r = self.rbms[i]
            r:hiddenProb(sleep[i], pred)
            diff:resizeAs(pred):add(sleep[i + 1], -1, pred)
            if wd > 0 then r.weight:mul(1 - lr * wd) end
            r.weight:addmm(lr / b, diff:t(), sleep[i])
            r.hiddenBias:addmv(lr / b, diff:t(), T:resize(b):fill(1))
         end
         -- 7. the top RBM's contrastive step
         if wd > 0 then top.weight:mul(1 - lr * wd) end
         top.weight:addmm(lr / b, hpos:t(), vpos)
         top.weight:addmm(-lr / b, hneg:t(), vneg)
         T:resize(b):fill(1)
         top.visibleBias:addmv(lr / b, vpos:t(), T):addmv(-lr / b, vneg:t(), T)
         top.hiddenBias:addmv(lr / b, hpos:t(), T):addmv(-lr / b, hneg:t(), T)
         if bar then bar:update(bi, { { "recon", errsum / math.min(bi * B, N) } }) end
      end
      local st = { epoch = epoch, reconstructionError = errsum / N, time = timer:time().real - t0 }
      if not (top.weight:norm() < math.huge) or st.reconstructionError ~= st.reconstructionError then
         fail(F, string.format("NaN in weights at epoch %d (learning rate %g may be too large)", epoch, lr))
      end
      stats[epoch] = st
      if verbose then
         print(string.format("up-down epoch %d/%d  reconstruction error %.4f  (%.2f s)", epoch, epochs,
            st.reconstructionError, st.time))
      end
      if opts.callback and opts.callback(epoch, st) == false then break end
   end
   return stats
end

return DBN

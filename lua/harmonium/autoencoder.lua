--[[ hm.autoencoder: autoencoders, denoising autoencoders (Vincent et al. 2008) and their
greedy stacking into deep networks (Bengio et al. 2007; Vincent et al. 2010).

   local A = hm.autoencoder
   local ae = A.new{input = 784, hidden = 500, noise = 'mask', corruption = 0.25}
   A.train(ae, data, {epochs = 10, learningRate = 0.1})       -- cross-entropy, SGD + momentum
   print(ae:reconstructionError(heldOut))                    -- squared error per sample
   local enc, aes = A.stack({784, 500, 250}, data, {epochs = 5, noise = 'mask'})
   local net = A.unroll(aes)                                 -- encoder + mirrored decoder

An autoencoder is an nn module (class hm.AutoEncoder, parent nn.Module), so forward,
backward, getParameters, hm.optim, hm.nn.Jacobian's gradient checks and hm.save apply to it
unchanged. Input x is n or (B, n):
   x~   = x * mask, mask ~ Bernoulli(1 - corruption)   (noise = 'mask', training only)
        = x + std * N(0, 1)                           (noise = 'gaussian', training only)
        = x                                           (noise = 'none', or module:evaluate())
   code = sigmoid(x~ W^T + b)                   W: weight (hidden x n), b: bias
   y    = sigmoid(code D^T + c)  ('sigmoid' decoder, for cross-entropy on data in [0, 1])
        = code D^T + c           ('linear' decoder, for squared error on real data)
with D = decoderWeight (n x hidden), or D = W^T when tied (no decoderWeight: the decoder's
gradient is added into gradWeight). The loss is the module's `loss`: 'bce' (BCECriterion)
or 'mse' (MSECriterion), summed over units and averaged over the batch in A.train.
]]

local hm = require 'harmonium'
require 'harmonium.nn.Module'

local M = {}

local AutoEncoder, parent = hm.class('hm.AutoEncoder', 'nn.Module')
M.AutoEncoder = AutoEncoder

local noises = { none = true, mask = true, gaussian = true }

local function initerr(msg) error("hm.AutoEncoder: " .. msg, 3) end

--- hm.autoencoder.new{input, hidden [, tied] [, decoder] [, loss] [, noise] [, corruption]
--                     [, std] [, type]}  (also hm.autoencoder.AutoEncoder{...})
-- ARGS: input, hidden (unit counts); tied (false): decoder weights are W^T; decoder
--       'sigmoid' (default) or 'linear'; loss 'bce' (default for a sigmoid decoder) or 'mse'
--       (default for a linear one); noise 'none' (default), 'mask' (masking noise: each input
--       zeroed with probability corruption, 0.25) or 'gaussian' (additive, std 0.1); type
--       'hm.FloatTensor' (default) or 'hm.DoubleTensor'
-- ERRORS: non-positive sizes, unknown options, a corruption outside [0, 1), a negative std
function AutoEncoder:__init(opts)
   parent.__init(self)
   if type(opts) ~= "table" then initerr("options table expected, e.g. hm.autoencoder.new{input = 784, hidden = 500}") end
   local n, h = opts.input, opts.hidden
   if math.type(n) ~= "integer" or n < 1 or math.type(h) ~= "integer" or h < 1 then
      initerr("input and hidden must be positive integers, got " .. tostring(n) .. ", " .. tostring(h))
   end
   self.decoder = opts.decoder or "sigmoid"
   if self.decoder ~= "sigmoid" and self.decoder ~= "linear" then
      initerr("decoder must be 'sigmoid' or 'linear', got '" .. tostring(self.decoder) .. "'")
   end
   self.loss = opts.loss or (self.decoder == "sigmoid" and "bce" or "mse")
   if self.loss ~= "bce" and self.loss ~= "mse" then initerr("loss must be 'bce' or 'mse', got '" .. tostring(self.loss) .. "'") end
   if self.loss == "bce" and self.decoder ~= "sigmoid" then initerr("loss 'bce' needs the sigmoid decoder") end
   self.noise = opts.noise or "none"
   if not noises[self.noise] then
      initerr("noise must be 'none', 'mask' or 'gaussian', got '" .. tostring(self.noise) .. "'")
   end
   self.corruption = opts.corruption or 0.25
   if type(self.corruption) ~= "number" or not (self.corruption >= 0 and self.corruption < 1) then
      initerr("corruption must be in [0, 1), got " .. tostring(opts.corruption))
   end
   self.std = opts.std or 0.1
   if type(self.std) ~= "number" or not (self.std >= 0 and self.std < math.huge) then
      initerr("std must be >= 0, got " .. tostring(opts.std))
   end
   self.tied = opts.tied and true or false
   self.weight, self.gradWeight = hm.Tensor(h, n), hm.Tensor(h, n):zero()
   self.bias, self.gradBias = hm.Tensor(h), hm.Tensor(h):zero()
   if not self.tied then
      self.decoderWeight, self.gradDecoderWeight = hm.Tensor(n, h), hm.Tensor(n, h):zero()
   end
   self.decoderBias, self.gradDecoderBias = hm.Tensor(n), hm.Tensor(n):zero()
   self.code, self._noise, self._xin = hm.Tensor(), hm.Tensor(), hm.Tensor()
   self._gpre, self._gact = hm.Tensor(), hm.Tensor()
   self:reset()
   if opts.type then self:type(opts.type) end
end

--- ae:reset() -> self: weights uniform in +-4 sqrt(6 / (n + hidden)) (Glorot and Bengio's
-- range for sigmoid units, as in Vincent's dA code), biases zero
function AutoEncoder:reset()
   local h, n = self.weight:size(1), self.weight:size(2)
   local r = 4 * math.sqrt(6 / (n + h))
   self.weight:uniform(-r, r)
   if self.decoderWeight then self.decoderWeight:uniform(-r, r) end
   self.bias:zero()
   self.decoderBias:zero()
   return self
end

function AutoEncoder:parameterFields()
   local list = { { "weight", "gradWeight" }, { "bias", "gradBias" } }
   if self.decoderWeight then list[#list + 1] = { "decoderWeight", "gradDecoderWeight" } end
   list[#list + 1] = { "decoderBias", "gradDecoderBias" }
   return list
end

function AutoEncoder:__tostring()
   local h, n = self.weight:size(1), self.weight:size(2)
   local extra = {}
   if self.tied then extra[#extra + 1] = "tied" end
   if self.noise == "mask" then extra[#extra + 1] = "masking noise " .. self.corruption end
   if self.noise == "gaussian" then extra[#extra + 1] = "gaussian noise " .. self.std end
   return string.format("hm.AutoEncoder(%d -> %d -> %d, %s decoder, %s%s)", n, h, n, self.decoder,
      self.loss, #extra > 0 and ", " .. table.concat(extra, ", ") or "")
end

------------------------------------------------------------------ forward and backward

local function as2d(self, input, fname)
   local n = self.weight:size(2)
   if not hm.isTensor(input) then error("hm.AutoEncoder: expected an input tensor, got " .. hm.type(input), 0) end
   local d = input:dim()
   if (d ~= 1 and d ~= 2) or input:size(d) ~= n then
      error(string.format("hm.AutoEncoder: expected input of size %d (or B x %d), got %s", n, n,
         d == 0 and "an empty tensor" or tostring(input:size())), 0)
   end
   if input:type() ~= self.weight:type() then
      error(string.format("hm.AutoEncoder: expected input of type %s, got %s (convert the module or the input)",
         self.weight:type(), input:type()), 0)
   end
   if d == 1 then return input:view(1, n), true end
   return input, false
end

local function ones(self, B)
   local s = self._ones
   if not s or s:type() ~= self.weight:type() then s = self.weight.new(self.weight); self._ones = s end
   if s:nElement() ~= B then s:resize(B):fill(1) end
   return s
end

-- The decoder's n x hidden matrix D.
local function D(self) return self.decoderWeight or self.weight:t() end

function AutoEncoder:updateOutput(input)
   local x, one = as2d(self, input)
   local B, h, n = x:size(1), self.weight:size(1), self.weight:size(2)
   local xin = x
   if self.train and self.noise ~= "none" then
      xin = self._xin:resizeAs(x)
      if self.noise == "mask" then
         self._noise:resizeAs(x):bernoulli(1 - self.corruption)
         xin:cmul(x, self._noise)
      else
         self._noise:resizeAs(x):normal(0, self.std)
         xin:add(x, self._noise)
      end
   end
   self._in = xin
   self.code:resize(B, h):addmm(1, self.bias:view(1, h):expand(B, h), 1, xin, self.weight:t()):sigmoid()
   self.output:resize(B, n)
   self.output:addmm(1, self.decoderBias:view(1, n):expand(B, n), 1, self.code, D(self):t())
   if self.decoder == "sigmoid" then self.output:sigmoid() end
   if one then self.output:resize(n) end
   return self.output
end

-- gradients at the decoder's and encoder's pre-activations (_gpre B x n, _gact B x hidden)
local function backprop(self, gradOutput, B)
   local h, n = self.weight:size(1), self.weight:size(2)
   local out = self.output:view(B, n)
   local g = self._gpre:resize(B, n):copy(gradOutput:contiguous():view(B, n))
   if self.decoder == "sigmoid" then
      -- dy/dpre = y (1 - y)
      local t = self._tmp or out.new(out); self._tmp = t
      t:resizeAs(out):mul(out, -1):add(1):cmul(out)
      g:cmul(t)
   end
   local a = self._gact:resize(B, h):mm(g, D(self))
   local t = self._tmp2 or out.new(out); self._tmp2 = t
   t:resizeAs(self.code):mul(self.code, -1):add(1):cmul(self.code)
   a:cmul(t)
end

function AutoEncoder:updateGradInput(input, gradOutput)
   local x, one = as2d(self, input)
   local B = x:size(1)
   backprop(self, gradOutput, B)
   self.gradInput:resize(B, self.weight:size(2)):mm(self._gact, self.weight)
   if self.train and self.noise == "mask" then self.gradInput:cmul(self._noise) end
   if one then self.gradInput:resize(self.weight:size(2)) end
   return self.gradInput
end

function AutoEncoder:accGradParameters(input, gradOutput, scale)
   scale = scale or 1
   local x = as2d(self, input)
   local B = x:size(1)
   local xin = self._in or x
   local g, a = self._gpre, self._gact
   local e = ones(self, B)
   self.gradDecoderBias:addmv(scale, g:t(), e)
   if self.tied then
      self.gradWeight:addmm(scale, self.code:t(), g)
   else
      self.gradDecoderWeight:addmm(scale, g:t(), self.code)
   end
   self.gradWeight:addmm(scale, a:t(), xin)
   self.gradBias:addmv(scale, a:t(), e)
end

------------------------------------------------------------------ helpers

-- the rows of data, in chunks of 1000, through fn(chunk, first row)
local function chunks(data, fn)
   local N = data:size(1)
   for s = 1, N, 1000 do fn(data:narrow(1, s, math.min(1000, N - s + 1)), s) end
end

--- ae:encode(x) -> codes (B x hidden, a new tensor), without noise
function AutoEncoder:encode(x)
   local x2 = as2d(self, x)
   local B, h = x2:size(1), self.weight:size(1)
   local out = x2.new(x2, B, h)
   chunks(x2, function(c, s)
      out:narrow(1, s, c:size(1)):addmm(1, self.bias:view(1, h):expand(c:size(1), h), 1, c, self.weight:t()):sigmoid()
   end)
   return out
end

--- hm.autoencoder.reconstructionError(net, data) -> mean over rows of sum_i (y_i - x_i)^2,
-- y = net:forward(x) in evaluation mode (no noise); any nn module mapping data to its
-- reconstruction (an hm.AutoEncoder, a DBN's toAutoencoder(), A.unroll(...)). Also
-- ae:reconstructionError(data).
function M.reconstructionError(net, data)
   if not hm.isTensor(data) or data:dim() ~= 2 or data:size(1) < 1 then
      error("hm.autoencoder.reconstructionError: N x n data expected", 2)
   end
   local was = net.train
   net:evaluate()
   local total = 0
   chunks(data, function(c)
      local d = hm.add(net:forward(c), -1, c)
      total = total + d:dot(d)
   end)
   if was then net:training() end
   return total / data:size(1)
end
AutoEncoder.reconstructionError = M.reconstructionError

local function linear(w, b, T)
   local lin = hm.nn.Linear(w:size(2), w:size(1)):type(T)
   lin.weight:copy(w)
   lin.bias:copy(b)
   return lin
end

--- ae:encoder() -> nn.Sequential(Linear(n, hidden), Sigmoid) holding copies of W and b
function AutoEncoder:encoder()
   local T = self.weight:type()
   return hm.nn.Sequential():add(linear(self.weight, self.bias, T)):add(hm.nn.Sigmoid():type(T))
end

--- ae:decoderNet() -> nn.Sequential(Linear(hidden, n) [, Sigmoid]) holding copies of D and c
function AutoEncoder:decoderNet()
   local T = self.weight:type()
   local s = hm.nn.Sequential():add(linear(D(self), self.decoderBias, T))
   if self.decoder == "sigmoid" then s:add(hm.nn.Sigmoid():type(T)) end
   return s
end

--- hm.autoencoder.criterion(ae) -> the criterion for ae.loss, summing over units and
-- samples (A.train divides by the batch size): nn.BCECriterion or nn.MSECriterion
function M.criterion(ae)
   local c = ae.loss == "mse" and hm.nn.MSECriterion() or hm.nn.BCECriterion()
   c.sizeAverage = false
   return c:type(ae.weight and ae.weight:type() or hm.getdefaulttensortype())
end

M.new = AutoEncoder

------------------------------------------------------------------ training

local function fail(fname, msg, level) error("hm.autoencoder." .. fname .. ": " .. msg, (level or 1) + 2) end

-- data as an N x n tensor of type T, checked (in [0, 1] for a cross-entropy loss)
local function checkData(fname, data, n, T, bce, what)
   what = what or "data"
   if not hm.isTensor(data) then fail(fname, what .. " must be a tensor, got " .. hm.type(data), 2) end
   if data:dim() ~= 2 or data:size(1) < 1 or (n and data:size(2) ~= n) then
      fail(fname, string.format("%s must be N x %s (size mismatch: got %s)", what, n or "n",
         data:dim() == 0 and "an empty tensor" or tostring(data:size())), 2)
   end
   if data:type() ~= T then data = data:type(T) end
   local lo, hi = data:min(), data:max()
   if lo ~= lo or hi ~= hi then fail(fname, what .. " contains NaN", 2) end
   if bce and (lo < 0 or hi > 1) then
      fail(fname, string.format("%s outside [0, 1] for a cross-entropy loss (min %g, max %g)", what, lo, hi), 2)
   end
   return data
end

--- hm.autoencoder.train(net, data [, opts]) -> stats: minibatch SGD with momentum on the
-- reconstruction loss of net (an hm.AutoEncoder, or any nn module trained to reproduce its
-- input, e.g. A.unroll(aes) or dbn:toAutoencoder()). Noise, if any, is drawn in training
-- mode; validation errors are measured without it.
-- opts: epochs (10), batchSize (100), learningRate (0.1), momentum (0.9), weightDecay (0),
--   criterion (A.criterion(net) for an hm.AutoEncoder, else a summed BCECriterion; the
--   loss is summed over units and averaged over the batch), validation (held-out rows),
--   shuffle (true), generator (for the order), verbose (true), progress (= verbose),
--   callback(epoch, stat) returning false to stop
-- RETURNS a list per epoch of {epoch, loss (training loss per sample), reconstructionError
--   (validation: squared error per sample), time}
-- ERRORS: bad data (outside [0, 1] for cross-entropy, NaN), a non-positive learning rate,
--   NaN appearing in training
function M.train(net, data, opts)
   opts = opts or {}
   if not hm.isTypeOf(net, "nn.Module") then fail("train", "nn module expected as argument #1, got " .. hm.type(net)) end
   local params, grads = net:getParameters()
   local T = params:type()
   local crit = opts.criterion or (hm.isTypeOf(net, "hm.AutoEncoder") and M.criterion(net))
   if not crit then
      crit = hm.nn.BCECriterion()
      crit.sizeAverage = false
   end
   local bce = hm.isTypeOf(crit, "nn.BCECriterion")
   data = checkData("train", data, nil, T, bce)
   local valid = opts.validation and checkData("train", opts.validation, data:size(2), T, false, "validation data")
   local lr = opts.learningRate or 0.1
   if type(lr) ~= "number" or not (lr > 0 and lr < math.huge) then
      fail("train", "learningRate must be a positive number, got " .. tostring(lr))
   end
   local epochs, B = opts.epochs or 10, opts.batchSize or 100
   if math.type(epochs) ~= "integer" or epochs < 0 then fail("train", "epochs must be an integer >= 0") end
   if math.type(B) ~= "integer" or B < 1 then fail("train", "batchSize must be a positive integer") end
   local cfg = { learningRate = lr, momentum = opts.momentum or 0.9, dampening = 0,
                 weightDecay = opts.weightDecay or 0 }
   local verbose = opts.verbose ~= false
   local showBar = opts.progress == nil and verbose or opts.progress
   local N = data:size(1)
   local stats, timer = {}, hm.Timer()
   net:training()
   for epoch = 1, epochs do
      local t0, total = timer:time().real, 0
      local nb = (N + B - 1) // B
      local bar = showBar and hm.progress.new(nb, { title = string.format("epoch %d/%d", epoch, epochs) })
      for bx, _, i in hm.data.minibatches(data, B, { shuffle = opts.shuffle ~= false, generator = opts.generator }) do
         local b = bx:size(1)
         local _, fx = hm.optim.sgd(function()
            grads:zero()
            local out = net:forward(bx)
            local loss = crit:forward(out, bx)
            net:backward(bx, crit:backward(out, bx):mul(1 / b))
            return loss / b, grads
         end, params, cfg)
         total = total + fx[1] * b
         if bar then bar:update(i, { { "loss", total / math.min(i * B, N) } }) end
      end
      local st = { epoch = epoch, loss = total / N }
      if st.loss ~= st.loss or not (params:norm() < math.huge) then
         fail("train", string.format("NaN in training at epoch %d (learning rate %g may be too large)", epoch, lr))
      end
      if valid then st.reconstructionError = M.reconstructionError(net, valid) end
      st.time = timer:time().real - t0
      stats[epoch] = st
      if verbose then
         print(string.format("epoch %d/%d  loss %.4f%s  (%.2f s)", epoch, epochs, st.loss,
            valid and string.format("  held-out squared error %.4f", st.reconstructionError) or "", st.time))
      end
      if opts.callback and opts.callback(epoch, st) == false then break end
   end
   return stats
end

------------------------------------------------------------------ stacking

--- hm.autoencoder.stack(sizes, data [, opts]) -> encoder, aes, stats
--- hm.autoencoder.stack{n1, n2, ..., data = x, <opts>}
-- Greedy layer-wise pretraining (Bengio et al. 2007; Vincent et al. 2010): autoencoder i
-- (sizes[i] -> sizes[i + 1], a denoising one with the noise options) is trained on the codes
-- of autoencoder i - 1 (the clean codes, no noise); returns the encoder, an nn.Sequential of
-- Linear + Sigmoid per layer with the learned weights (add an output layer and fine-tune),
-- the list of hm.AutoEncoders and their training stats.
-- opts: the hm.autoencoder.new options tied, noise, corruption, std, and every
--   hm.autoencoder.train option, for all layers; layers = { [i] = {...} } overrides them for
--   layer i. By default each layer uses masking noise with corruption 0.25.
-- ERRORS: fewer than two sizes, sizes[1] not the data's width, bad data or options
function M.stack(sizes, data, opts)
   if type(sizes) ~= "table" then fail("stack", "table of layer sizes expected, e.g. {784, 500, 250}") end
   if data == nil then data, opts = sizes.data, sizes end
   opts = opts or {}
   if #sizes < 2 then fail("stack", "at least two layer sizes expected, got " .. #sizes) end
   for i, n in ipairs(sizes) do
      if math.type(n) ~= "integer" or n < 1 then fail("stack", "size " .. i .. " must be a positive integer, got " .. tostring(n)) end
   end
   local T = hm.isTensor(data) and (data:type() == "hm.DoubleTensor" and "hm.DoubleTensor" or "hm.FloatTensor")
      or hm.getdefaulttensortype()
   local x = checkData("stack", data, sizes[1], T, false)
   local encoder = hm.nn.Sequential()
   local aes, stats = {}, {}
   local layers = opts.layers or {}
   for i = 1, #sizes - 1 do
      local lo = {}
      for k, v in pairs(opts) do if k ~= "layers" and k ~= "data" and math.type(k) == nil then lo[k] = v end end
      for k, v in pairs(layers[i] or {}) do lo[k] = v end
      local ok, ae = pcall(M.new, { input = sizes[i], hidden = sizes[i + 1], tied = lo.tied,
         noise = lo.noise or "mask", corruption = lo.corruption, std = lo.std, decoder = lo.decoder,
         loss = lo.loss, type = T })
      if not ok then fail("stack", "layer " .. i .. ": " .. tostring(ae)) end
      if lo.verbose ~= false then print(string.format("layer %d/%d: %s", i, #sizes - 1, tostring(ae))) end
      local ok2, st = pcall(M.train, ae, x, lo)
      if not ok2 then fail("stack", "layer " .. i .. ": " .. tostring(st)) end
      aes[i], stats[i] = ae, st
      for _, m in ipairs(ae:encoder().modules) do encoder:add(m) end
      if i < #sizes - 1 then x = ae:encode(x) end
   end
   return encoder, aes, stats
end

--- hm.autoencoder.unroll(aes) -> net, encoder, decoder: a deep autoencoder from a list of
-- autoencoders (stack's second result): the encoders bottom-up, then the decoders top-down,
-- net = Sequential(encoder, decoder), for fine-tuning with A.train
function M.unroll(aes)
   if type(aes) ~= "table" or #aes < 1 then fail("unroll", "list of hm.AutoEncoders expected") end
   local enc, dec = hm.nn.Sequential(), hm.nn.Sequential()
   for i, ae in ipairs(aes) do
      if not hm.isTypeOf(ae, "hm.AutoEncoder") then fail("unroll", "element " .. i .. " is not an hm.AutoEncoder") end
      for _, m in ipairs(ae:encoder().modules) do enc:add(m) end
   end
   for i = #aes, 1, -1 do
      for _, m in ipairs(aes[i]:decoderNet().modules) do dec:add(m) end
   end
   return hm.nn.Sequential():add(enc):add(dec), enc, dec
end

return M

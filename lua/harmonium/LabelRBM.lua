--[[ hm.LabelRBM: an RBM whose visible layer is `visible` Bernoulli units followed by `labels`
softmax label units, the associative memory at the top of Hinton, Osindero and Teh's (2006)
deep belief net (500 penultimate units + 10 labels <-> 2000 top units).

   local top = hm.LabelRBM{visible = 500, labels = 10, hidden = 2000}
   top.visible         -- 510: the Bernoulli units come first, the labels last
   hm.rbm.train(top, hm.cat(pen, hm.data.onehot(y, 10), 2), {epochs = 10})
   local y, F = top:classify(pen)       -- the label of lowest free energy

It is an hm.RBM in every respect (weight is hidden x (visible + labels), the free energy and
the hidden conditionals are the base class's formulas, with the one-hot label as part of v)
except the visible conditionals: the last `labels` units form one softmax group, so
visibleProb, sampleVisible (one label on per sample), gibbs, sample and hm.rbm.train do the
right thing unchanged.
]]

local hm = require 'harmonium'
require 'harmonium.RBM'

local LabelRBM, parent = hm.class('hm.LabelRBM', 'hm.RBM')
local buf = parent._buf

--- hm.LabelRBM{visible, labels, hidden [, type] [, weightStd] [, generator]}
-- ARGS: visible (Bernoulli units), labels (softmax label units, at least 2), hidden (Bernoulli
--       hidden units); type, weightStd and generator as hm.RBM
-- ERRORS: non-positive sizes, fewer than 2 labels, other unit types
function LabelRBM:__init(opts)
   if type(opts) ~= "table" then
      error("hm.LabelRBM: options table expected, e.g. hm.LabelRBM{visible = 500, labels = 10, hidden = 2000}", 2)
   end
   local L = opts.labels
   if math.type(L) ~= "integer" or L < 2 then
      error("hm.LabelRBM: labels must be an integer >= 2, got " .. tostring(L), 2)
   end
   if math.type(opts.visible) ~= "integer" or opts.visible < 1 then
      error("hm.LabelRBM: visible must be a positive integer, got " .. tostring(opts.visible), 2)
   end
   if (opts.visibleType or "bernoulli") ~= "bernoulli" or (opts.hiddenType or "bernoulli") ~= "bernoulli" then
      error("hm.LabelRBM: Bernoulli visible and hidden units only", 2)
   end
   parent.__init(self, { visible = opts.visible + L, hidden = opts.hidden, type = opts.type,
                         weightStd = opts.weightStd, generator = opts.generator })
   self.labels = L
   self.units = opts.visible            -- the Bernoulli visible units, before the labels
end

-- Visible probabilities from h (B x hidden) into res: sigmoid of the Bernoulli units' inputs
-- and the softmax of the label units' inputs.
function LabelRBM:_visibleMean(h, res)
   local B, V, L, P = h:size(1), self.visible, self.labels, self.units
   res:resize(B, V)
   res:addmm(1, self.visibleBias:view(1, V):expand(B, V), 1, h, self.weight)
   local lab = buf(self, "lab", B, L)
   lab:copy(res:narrow(2, P + 1, L))
   local m = buf(self, "labmax", B, 1)
   hm.logsumexp(m, lab, 2)
   lab:add(-1, m:expand(B, L)):exp()
   res:sigmoid()
   res:narrow(2, P + 1, L):copy(lab)
   return res
end

--- top:sampleVisible(h [, sample [, prob]] [, gen]) -> sample, prob: Bernoulli samples of the
-- first `units` visibles and one label drawn from the softmax per sample
function LabelRBM:sampleVisible(h, sample, prob, gen)
   local one = h:dim() == 1
   if one then h = h:view(1, h:size(1)) end
   prob = self:visibleProb(h, prob)
   sample = sample or prob.new(prob)
   local B, L, P = prob:size(1), self.labels, self.units
   sample:resize(B, self.visible)
   if gen then sample:bernoulli(prob, gen) else sample:bernoulli(prob) end
   local idx = buf(self, "labidx", B, 1, "hm.LongTensor")
   local lab = buf(self, "labp", B, L)
   lab:copy(prob:narrow(2, P + 1, L))
   if gen then hm.multinomial(idx, lab, 1, true, gen) else hm.multinomial(idx, lab, 1, true) end
   lab:zero():scatter(2, idx, 1)
   sample:narrow(2, P + 1, L):copy(lab)
   if one then return sample:view(self.visible), prob:view(self.visible) end
   return sample, prob
end

--- top:labelFreeEnergies(x [, res]) -> F (B x labels): the free energy of [x, e_c] for every
-- label c, x being B x units (the penultimate layer's activities); computed from one GEMM
function LabelRBM:labelFreeEnergies(x, res)
   if not hm.isTensor(x) or x:dim() ~= 2 or x:size(2) ~= self.units then
      error(string.format("hm.LabelRBM:labelFreeEnergies: B x %d tensor expected, got %s", self.units,
         hm.isTensor(x) and tostring(x:size()) or hm.type(x)), 2)
   end
   local B, H, L, P = x:size(1), self.hidden, self.labels, self.units
   res = res or x.new(x)
   res:resize(B, L)
   -- base = c + W_x x, shared by every label; label c adds column P + c of W
   local base = buf(self, "lfe_base", B, H)
   base:addmm(1, self.hiddenBias:view(1, H):expand(B, H), 1, x, self.weight:narrow(2, 1, P):t())
   local xb = buf(self, "lfe_xb", B, 1)
   xb:view(B):mv(x, self.visibleBias:narrow(1, 1, P))
   local inp, sp = buf(self, "lfe_in", B, H), buf(self, "lfe_sp", B, H)
   local s = buf(self, "lfe_s", B, 1)
   for c = 1, L do
      inp:add(base, self.weight:select(2, P + c):contiguous():view(1, H):expand(B, H))
      parent._softplus(self, sp, inp)
      hm.sum(s, sp, 2)
      -- F = -b_x^T x - b_c - sum_j softplus(inp_j)
      res:select(2, c):copy(s:view(B)):add(xb:view(B)):add(self.visibleBias[P + c]):neg()
   end
   return res
end

--- top:classify(x) -> labels (hm.LongTensor of B, 1-based), F (B x labels): the label whose
-- unit, clamped on with x, gives the lowest free energy (Hinton, Osindero and Teh 2006)
function LabelRBM:classify(x)
   local F = self:labelFreeEnergies(x)
   local _, idx = hm.min(F, 2)
   return idx:view(x:size(1)), F
end

function LabelRBM:__tostring()
   return string.format("hm.LabelRBM(%d bernoulli + %d labels -> %d bernoulli)", self.units, self.labels,
      self.hidden)
end

return LabelRBM

--[[ hm.rbm.mergePatches: patch RBMs merged into one RBM over the whole image (Krizhevsky
2009, "Learning multiple layers of features from tiny images", §2: RBMs trained on small
patches initialise a big RBM whose hidden units each see only their patch).

Images are stored row-major, channel planes first: pixel (c, y, x) of a C x Hi x Wi image is
visible unit (c - 1) Hi Wi + (y - 1) Wi + x, and the same layout holds inside a patch. The
merged weight matrix is block structured: the hidden units of patch RBM r (rows of a
contiguous block, in the order of `rbms`) connect only to the pixels of patch r, with that
RBM's weights; all other weights are zero. Hidden biases are copied; visible biases (and
fixed Gaussian sigmas) are averaged over the patches that cover each pixel; pixels no patch
covers get bias 0 (and sigma 1).
]]

local hm = require 'harmonium'

local M = {}

local function fail(msg) error("hm.rbm.mergePatches: " .. msg, 3) end

--- hm.rbm.mergePatches(rbms, positions, imageShape [, patchShape]) -> hm.RBM
-- ARGS: rbms (list of hm.RBM with the same unit types and patch size); positions (list of
--   {row, col}, 1-based top-left pixel of each patch); imageShape {height, width} or
--   {channels, height, width}; patchShape {height, width} (default square: the RBM's
--   visible count per channel must be a perfect square)
-- ERRORS: empty or mismatched lists, different unit types or sizes, patches outside the image
function M.mergePatches(rbms, positions, imageShape, patchShape)
   if type(rbms) ~= "table" or #rbms == 0 then fail("a non-empty list of hm.RBM expected") end
   if type(positions) ~= "table" or #positions ~= #rbms then
      fail(string.format("%d positions expected (one per RBM), got %s", #rbms,
         type(positions) == "table" and #positions or type(positions)))
   end
   if type(imageShape) ~= "table" or (#imageShape ~= 2 and #imageShape ~= 3) then
      fail("imageShape must be {height, width} or {channels, height, width}")
   end
   local C = #imageShape == 3 and imageShape[1] or 1
   local Hi, Wi = imageShape[#imageShape - 1], imageShape[#imageShape]
   local first = rbms[1]
   for i, r in ipairs(rbms) do
      if not hm.isTypeOf(r, "hm.RBM") then fail("element " .. i .. " of rbms is not an hm.RBM") end
      if r.visible ~= first.visible or r.visibleType ~= first.visibleType or r.hiddenType ~= first.hiddenType then
         fail(string.format("RBM %d (%s) does not match RBM 1 (%s)", i, tostring(r), tostring(first)))
      end
      if r.visibleType == "softmax" then fail("softmax visibles cannot be merged over patches") end
      if r.learnSigma then fail("RBM " .. i .. " learns sigma; merge fixed-sigma RBMs") end
      r:getParameters()
   end
   if first.visible % C ~= 0 then fail("patch RBMs have " .. first.visible .. " visibles, not a multiple of " .. C .. " channels") end
   local ph, pw
   if patchShape then
      ph, pw = patchShape[1], patchShape[2]
   else
      ph = math.floor(math.sqrt(first.visible // C) + 0.5)
      pw = ph
   end
   if C * ph * pw ~= first.visible then
      fail(string.format("patch shape %dx%dx%d does not match %d visibles", C, ph, pw, first.visible))
   end
   local totalH = 0
   for i, r in ipairs(rbms) do
      local p = positions[i]
      if type(p) ~= "table" or math.type(p[1]) ~= "integer" or math.type(p[2]) ~= "integer"
         or p[1] < 1 or p[2] < 1 or p[1] + ph - 1 > Hi or p[2] + pw - 1 > Wi then
         fail(string.format("patch %d at {%s, %s} does not fit in a %dx%d image", i,
            tostring(type(p) == "table" and p[1]), tostring(type(p) == "table" and p[2]), Hi, Wi))
      end
      totalH = totalH + r.hidden
   end
   local V = C * Hi * Wi
   local merged = hm.RBM{ visible = V, hidden = totalH, visibleType = first.visibleType,
                          hiddenType = first.hiddenType, type = first.weight:type() }
   merged.weight:zero()
   local T = hm[first.weight:type():sub(4)]
   local biasSum, sigmaSum, count = T(V):zero(), T(V):zero(), T(V):zero()
   local row = 1
   for i, r in ipairs(rbms) do
      local y0, x0 = positions[i][1], positions[i][2]
      local block = merged.weight:narrow(1, row, r.hidden)
      merged.hiddenBias:narrow(1, row, r.hidden):copy(r.hiddenBias)
      for c = 1, C do
         for py = 1, ph do
            local img = (c - 1) * Hi * Wi + (y0 + py - 2) * Wi + x0      -- first pixel of the run
            local pat = (c - 1) * ph * pw + (py - 1) * pw + 1
            block:narrow(2, img, pw):copy(r.weight:narrow(2, pat, pw))
            biasSum:narrow(1, img, pw):add(r.visibleBias:narrow(1, pat, pw))
            if r.sigma then sigmaSum:narrow(1, img, pw):add(r.sigma:narrow(1, pat, pw)) end
            count:narrow(1, img, pw):add(1)
         end
      end
      row = row + r.hidden
   end
   count:clamp(1, math.huge)              -- uncovered pixels: 0 / 1
   merged.visibleBias:copy(biasSum:cdiv(count))
   if merged.sigma then
      sigmaSum:cdiv(count)
      sigmaSum:maskedFill(hm.eq(sigmaSum, 0), 1)
      merged.sigma:copy(sigmaSum)
   end
   return merged
end

return M

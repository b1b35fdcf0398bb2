/*
** conv.c: 2D convolution (im2col + GEMM) and 2D max/average pooling, forward and backward,
** for batch (B x C x H x W) and single (C x H x W) input, float and double.
**
** API (all registered as hm._name; nn.SpatialConvolution, nn.SpatialMaxPooling and
** nn.SpatialAveragePooling call them; every tensor argument must have the input's type,
** except indices, which are hm.LongTensor; results are resized in place and returned):
**
**   hm._conv2d_forward(output, input, weight, bias, kW, kH, dW, dH, padW, padH [, scratch])
**       -> output
**     input (B, C, H, W) or (C, H, W); weight (F, C, kH, kW) or (F, C*kH*kW); bias (F) or nil;
**     output becomes (B, F, oH, oW) or (F, oH, oW) with
**     oH = floor((H + 2*padH - kH) / dH) + 1, oW = floor((W + 2*padW - kW) / dW) + 1.
**   hm._conv2d_backward_input(gradInput, input, gradOutput, weight, kW, kH, dW, dH, padW, padH
**                             [, scratch]) -> gradInput
**     gradInput becomes input's shape and is overwritten with d(loss)/d(input).
**   hm._conv2d_backward_params(gradWeight, gradBias, input, gradOutput, kW, kH, dW, dH, padW,
**                              padH [, scale [, scratch]]) -> gradWeight, gradBias
**     ADDS scale * d(loss)/d(weight) to gradWeight and scale * d(loss)/d(bias) to gradBias
**     (nn's accGradParameters: accumulate, never overwrite; scale defaults to 1). gradWeight
**     must already have weight's shape (F, C, kH, kW) or (F, C*kH*kW); gradBias is (F) or nil.
**
**   hm._maxpool2d_forward(output, indices, input, kW, kH, dW, dH, padW, padH [, ceil_mode])
**       -> output, indices
**     output (B, C, oH, oW) or (C, oH, oW); indices (hm.LongTensor, same shape) hold the
**     1-based position of each maximum inside its input plane, (h - 1) * W + w (Torch7's
**     convention). Padding counts as -inf. NaN wins (propagates), as in Torch7.
**   hm._maxpool2d_backward(gradInput, input, gradOutput, indices) -> gradInput
**     gradInput becomes input's shape: zeros, plus each gradOutput element added at its index.
**   hm._avgpool2d_forward(output, input, kW, kH, dW, dH, padW, padH [, ceil_mode
**                         [, count_include_pad]]) -> output
**   hm._avgpool2d_backward(gradInput, input, gradOutput, kW, kH, dW, dH, padW, padH
**                          [, ceil_mode [, count_include_pad]]) -> gradInput
**     count_include_pad defaults to true (Torch7): each window divides by its size clipped to
**     the padded input; false divides by the number of real input pixels it covers.
**   Pooling output size: floor mode as for convolution; ceil_mode (default false) rounds up,
**   then drops a last window that would start in the right/bottom padding (Torch7).
**
**   scratch: an optional tensor of the input's type, owned by the caller (nn keeps it as
**   self.finput / self.fgradInput) and reused across calls, so the hot path allocates nothing;
**   its size and contents are this file's business (it is resized as needed). Without it a
**   temporary is allocated per call.
**
** Errors (raised before anything is written): wrong types, input not 3D/4D, weight/bias/
** gradOutput/indices shapes not matching (both shapes printed), kW/kH/dW/dH < 1, padW/padH < 0
** (pooling: pad > kernel/2, as Torch7), kernel larger than the padded input.
*/
#include "tensor.h"

static int conv_notyet (lua_State *L) {
  return luaL_error(L, "conv2d/pooling kernels not implemented yet");
}

static const hm_Reg conv_funcs[] = {
  {"_conv2d_forward", conv_notyet, HM_FUNCTION},
  {"_conv2d_backward_input", conv_notyet, HM_FUNCTION},
  {"_conv2d_backward_params", conv_notyet, HM_FUNCTION},
  {"_maxpool2d_forward", conv_notyet, HM_FUNCTION},
  {"_maxpool2d_backward", conv_notyet, HM_FUNCTION},
  {"_avgpool2d_forward", conv_notyet, HM_FUNCTION},
  {"_avgpool2d_backward", conv_notyet, HM_FUNCTION},
  {NULL, NULL, 0}
};

void hm_open_conv (lua_State *L, int F, int M) {
  hm_register(L, F, M, conv_funcs);
}

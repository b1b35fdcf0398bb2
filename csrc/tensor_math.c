/*
** tensor_math.c: (stub, to be written)
*/
#include "tensor.h"

void hm_open_math (lua_State *L, int F, int M) {
  (void)L; (void)F; (void)M;
}

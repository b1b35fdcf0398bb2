/*
** core.c: luaopen_harmonium_core, the one entry point of the C module. It builds the
** module table and the tensor method table, then lets each C file register its functions.
*/
#include "tensor.h"

/* Upvalue 1 of every registered function says which form was called. */
int hm_isfunctionform (lua_State *L) {
  return lua_toboolean(L, lua_upvalueindex(1));
}

void hm_register (lua_State *L, int F, int M, const hm_Reg *regs) {
  F = lua_absindex(L, F);
  M = lua_absindex(L, M);
  for (; regs->name != NULL; regs++) {
    if (regs->where & HM_METHOD) {
      lua_pushboolean(L, 0);
      lua_pushcclosure(L, regs->func, 1);
      lua_setfield(L, M, regs->name);
    }
    if (regs->where & HM_FUNCTION) {
      lua_pushboolean(L, 1);
      lua_pushcclosure(L, regs->func, 1);
      lua_setfield(L, F, regs->name);
    }
  }
}

static int core_setnumthreads (lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  luaL_argcheck(L, n >= 1 && n <= 256, 1, "number of threads must be in 1..256");
  hm_setnumthreads((int)n);
  return 0;
}

static int core_getnumthreads (lua_State *L) {
  lua_pushinteger(L, hm_getnumthreads());
  return 1;
}

int luaopen_harmonium_core (lua_State *L);

int luaopen_harmonium_core (lua_State *L) {
  int F, M;
  hm_install_allocator(L);
  lua_newtable(L);                       /* module table */
  F = lua_gettop(L);
  lua_newtable(L);                       /* method table */
  M = lua_gettop(L);
  lua_pushvalue(L, M);
  lua_setfield(L, F, "_methods");
  luaL_newmetatable(L, HM_TENSOR_MT);    /* the one metatable of every tensor type */
  lua_setfield(L, F, "_metatable");
  lua_pushcfunction(L, core_setnumthreads);
  lua_setfield(L, F, "setnumthreads");
  lua_pushcfunction(L, core_getnumthreads);
  lua_setfield(L, F, "getnumthreads");
  hm_open_tensor(L, F, M);
  hm_open_math(L, F, M);
  hm_open_reduce(L, F, M);
  hm_open_blas(L, F, M);
  hm_open_lapack(L, F, M);
  hm_open_random(L, F, M);
  hm_open_serialize(L, F, M);
  hm_open_io(L, F, M);
  hm_open_image(L, F, M);
  hm_open_conv(L, F, M);
  hm_open_nn(L, F, M);
  lua_settop(L, F);
  return 1;
}

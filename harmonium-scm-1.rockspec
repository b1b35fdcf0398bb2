rockspec_format = "3.0"
package = "harmonium"
version = "scm-1"
source = {
   url = "git+file:///dev/null",   -- built from the working tree with `luarocks make`
}
description = {
   summary = "A Torch7-style deep-learning environment in C and Lua 5.4",
   detailed = [[
Tensors on OpenBLAS, sampling, convolution and PNG in C; nn, optim, RBMs, DBNs and
autoencoders in Lua; an interactive REPL (harmonium) and reproducible paper recipes.
]],
   license = "BSD-3-Clause",
}
dependencies = {
   "lua >= 5.4, < 5.5",
}
build = {
   type = "make",
   build_variables = {
      CFLAGS = "$(CFLAGS)",
      LIBFLAG = "$(LIBFLAG)",
      LUA_INCDIR = "$(LUA_INCDIR)",
   },
   build_target = "all",
   install_target = "rock-install",
   install_variables = {
      LUADIR = "$(LUADIR)",
      LIBDIR = "$(LIBDIR)",
      BINDIR = "$(BINDIR)",
   },
}
test = {
   type = "command",
   command = "busted",
}

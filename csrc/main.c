/*
** main.c: the `harmonium` executable, a Lua 5.4 interpreter in the manner of lua.c with the
** harmonium core linked in, `hm` (and `torch`) preloaded as globals, and a libedit REPL.
*/

/*
** Strategy. Options, the `arg` table, LUA_INIT, error reports and the SIGINT hook follow
** Lua 5.4's lua.c so that scripts behave exactly as under lua5.4. Three things differ:
**   1. harmonium.core is preloaded (package.preload) from the objects linked into this
**      binary, and package.path first looks next to the executable (the source tree's
**      lua/ or an install's share/lua/5.4), then in HM_LUADIR, then in Lua's default path
**      (or LUA_PATH_5_4 / LUA_PATH when set, as lua.c reads them).
**   2. `hm = require 'harmonium'` and `torch = hm` run before any -e, -l or script.
**   3. The REPL itself is Lua (harmonium.repl). This file only gives it line input through
**      the preloaded module `harmonium.readline`: libedit when stdin is a terminal (history
**      in ~/.harmonium_history, tab completion computed by repl.complete), plain fgets and
**      no prompts otherwise, so a pipe can drive `harmonium -i` and its output stays clean.
** As in lua.c, `harmonium` with no arguments opens the REPL only when stdin is a terminal;
** otherwise it runs stdin as a script. Use `harmonium -i` to drive the REPL from a pipe.
*/

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <editline/readline.h>   /* libedit (BSD licence), not GNU readline */

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

int luaopen_harmonium_core (lua_State *L);   /* core.c */

#ifndef HM_LUADIR
#define HM_LUADIR "/usr/local/share/lua/5.4"
#endif
#ifndef HM_LIBDIR
#define HM_LIBDIR "/usr/local/lib/lua/5.4"
#endif

#define HM_VERSION "Harmonium scm"
#define HM_PROGNAME "harmonium"
#define HM_HISTSIZE 1000       /* lines kept in the history file */
#define HM_MAXCOMPLETIONS 4096 /* candidates kept for one TAB */

static const char *progname = HM_PROGNAME;
static lua_State *globalL = NULL;


/* ================================================================ SIGINT */

/*
** As in lua.c: while Lua code runs, SIGINT sets a hook that raises "interrupted!" at the
** next call, return, line or instruction, so a runaway loop ends with a Lua error and
** the REPL goes on. The handler restores the default action first: a second Ctrl-C
** kills a program stuck in C code.
*/
static void setsignal (int sig, void (*handler)(int)) {
  struct sigaction sa;
  sa.sa_handler = handler;
  sa.sa_flags = 0;
  sigemptyset(&sa.sa_mask);
  sigaction(sig, &sa, NULL);
}

static void lstop (lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "interrupted!");
}

static void laction (int sig) {
  int flag = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
  setsignal(sig, SIG_DFL);
  lua_sethook(globalL, lstop, flag, 1);
}


/* ================================================================ messages */

static void print_usage (FILE *f, const char *badoption) {
  if (badoption != NULL) {
    if (badoption[1] == 'e' || badoption[1] == 'l')
      fprintf(f, "%s: '%s' needs argument\n", progname, badoption);
    else
      fprintf(f, "%s: unrecognized option '%s'\n", progname, badoption);
  }
  fprintf(f,
    "usage: %s [options] [script [args]]\n"
    "Available options are:\n"
    "  -e stat   execute string 'stat'\n"
    "  -i        enter interactive mode after executing 'script'\n"
    "  -l mod    require library 'mod' into global 'mod'\n"
    "  -l g=mod  require library 'mod' into global 'g'\n"
    "  -v        show version information\n"
    "  -h        show this help\n"
    "  -E        ignore environment variables\n"
    "  -W        turn warnings on\n"
    "  --        stop handling options\n"
    "  -         stop handling options and execute stdin\n"
    "With no arguments, enter interactive mode when stdin is a terminal, otherwise run\n"
    "stdin as a script. The globals 'hm' and 'torch' hold require 'harmonium'.\n",
    progname);
  fflush(f);
}

static void l_message (const char *pname, const char *msg) {
  if (pname) fprintf(stderr, "%s: ", pname);
  fprintf(stderr, "%s\n", msg);
  fflush(stderr);
}

/* Prints the error message on top of the stack, if any; returns status unchanged. */
static int report (lua_State *L, int status) {
  if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    if (msg == NULL) msg = "(error object is not a string)";
    l_message(progname, msg);
    lua_pop(L, 1);
  }
  return status;
}

/* Message handler: the error message (or its __tostring) plus a traceback. */
static int msghandler (lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
      return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

/* Calls the function below narg arguments with the message handler and SIGINT hook. */
static int docall (lua_State *L, int narg, int nres) {
  int status;
  int base = lua_gettop(L) - narg;
  lua_pushcfunction(L, msghandler);
  lua_insert(L, base);
  globalL = L;
  setsignal(SIGINT, laction);
  status = lua_pcall(L, narg, nres, base);
  setsignal(SIGINT, SIG_DFL);
  lua_remove(L, base);
  return status;
}

static void print_version (void) {
  printf("%s  --  %s\n", HM_VERSION, LUA_COPYRIGHT);
  fflush(stdout);
}


/* ================================================================ running code */

/*
** arg[0] is the script, arg[1..] its arguments, arg[-1..] the interpreter and its options;
** with no script, arg[0] is the interpreter's name (lua.c's createargtable).
*/
static void createargtable (lua_State *L, char **argv, int argc, int script) {
  int i, narg;
  if (script == argc) script = 0;
  narg = argc - (script + 1);
  lua_createtable(L, narg, script + 1);
  for (i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - script);
  }
  lua_setglobal(L, "arg");
}

static int dochunk (lua_State *L, int status) {
  if (status == LUA_OK) status = docall(L, 0, 0);
  return report(L, status);
}

static int dofile (lua_State *L, const char *name) {
  return dochunk(L, luaL_loadfile(L, name));
}

static int dostring (lua_State *L, const char *s, const char *name) {
  return dochunk(L, luaL_loadbuffer(L, s, strlen(s), name));
}

/* -l mod sets global mod; -l g=mod sets global g (Lua 5.4.6). */
static int dolibrary (lua_State *L, const char *spec) {
  int status;
  const char *eq = strchr(spec, '=');
  const char *modname = eq ? eq + 1 : spec;
  lua_getglobal(L, "require");
  lua_pushstring(L, modname);
  status = docall(L, 1, 1);
  if (status == LUA_OK) {
    if (eq) lua_pushlstring(L, spec, (size_t)(eq - spec));
    else lua_pushstring(L, spec);
    lua_insert(L, -2);
    lua_setglobal(L, lua_tostring(L, -2));
    lua_pop(L, 1);
  }
  return report(L, status);
}

/* Pushes arg[1..n] (the script's `...`); returns n. */
static int pushargs (lua_State *L) {
  int i, n;
  if (lua_getglobal(L, "arg") != LUA_TTABLE)
    luaL_error(L, "'arg' is not a table");
  n = (int)luaL_len(L, -1);
  luaL_checkstack(L, n + 3, "too many arguments to script");
  for (i = 1; i <= n; i++)
    lua_rawgeti(L, -i, i);
  lua_remove(L, -i);
  return n;
}

static int handle_script (lua_State *L, char **argv) {
  int status;
  const char *fname = argv[0];
  if (strcmp(fname, "-") == 0 && strcmp(argv[-1], "--") != 0)
    fname = NULL;  /* stdin */
  status = luaL_loadfile(L, fname);
  if (status == LUA_OK) {
    int n = pushargs(L);
    status = docall(L, n, LUA_MULTRET);
  }
  return report(L, status);
}

#define has_error 1   /* bad option */
#define has_i     2   /* -i */
#define has_v     4   /* -v */
#define has_e     8   /* -e */
#define has_E     16  /* -E */
#define has_h     32  /* -h */

/*
** Checks the options; sets *first to the index of the script (argc when there is none,
** or of the bad option on error). Options stop at the first non-option, '--' or '-'.
*/
static int collectargs (char **argv, int *first) {
  int args = 0;
  int i;
  if (argv[0] == NULL) {
    *first = -1;
    return 0;
  }
  for (i = 1; argv[i] != NULL; i++) {
    *first = i;
    if (argv[i][0] != '-') return args;
    switch (argv[i][1]) {
      case '-':
        if (argv[i][2] != '\0') return has_error;
        *first = i + 1;
        return args;
      case '\0':
        return args;
      case 'E':
        if (argv[i][2] != '\0') return has_error;
        args |= has_E;
        break;
      case 'W':
        if (argv[i][2] != '\0') return has_error;
        break;
      case 'h':
        if (argv[i][2] != '\0') return has_error;
        args |= has_h;
        break;
      case 'i':
        args |= has_i;
        /* FALLTHROUGH */
      case 'v':
        if (argv[i][2] != '\0') return has_error;
        args |= has_v;
        break;
      case 'e':
        args |= has_e;
        /* FALLTHROUGH */
      case 'l':
        if (argv[i][2] == '\0') {
          i++;
          if (argv[i] == NULL || argv[i][0] == '-') return has_error;
        }
        break;
      default:
        return has_error;
    }
  }
  *first = i;
  return args;
}

/* Runs -e and -l options in order; returns 0 when one of them failed. */
static int runargs (lua_State *L, char **argv, int n) {
  int i;
  for (i = 1; i < n; i++) {
    int option = argv[i][1];
    switch (option) {
      case 'e': case 'l': {
        int status;
        const char *extra = argv[i] + 2;
        if (*extra == '\0') extra = argv[++i];
        status = (option == 'e') ? dostring(L, extra, "=(command line)")
                                 : dolibrary(L, extra);
        if (status != LUA_OK) return 0;
        break;
      }
      case 'W':
        lua_warning(L, "@on", 0);
        break;
      default:
        break;
    }
  }
  return 1;
}

static int handle_luainit (lua_State *L) {
  const char *name = "=LUA_INIT_5_4";
  const char *init = getenv(name + 1);
  if (init == NULL) {
    name = "=LUA_INIT";
    init = getenv(name + 1);
  }
  if (init == NULL) return LUA_OK;
  if (init[0] == '@') return dofile(L, init + 1);
  return dostring(L, init, name);
}


/* ================================================================ paths */

/*
** Prepends to package.<field> the templates below the executable's parent directory
** (bin/.. is the source tree or the install prefix) and the configured install dir,
** so `require 'harmonium'` works from a checkout and from an install without LUA_PATH.
*/
static void prependpath (lua_State *L, const char *field, const char *root,
                         const char *const *rel, const char *const *fixed) {
  luaL_Buffer b;
  int i;
  lua_getglobal(L, "package");
  luaL_buffinit(L, &b);
  for (i = 0; root != NULL && rel[i] != NULL; i++) {
    luaL_addstring(&b, root);
    luaL_addstring(&b, rel[i]);
    luaL_addchar(&b, ';');
  }
  for (i = 0; fixed[i] != NULL; i++) {
    luaL_addstring(&b, fixed[i]);
    luaL_addchar(&b, ';');
  }
  lua_getfield(L, -2, field);
  luaL_addvalue(&b);
  luaL_pushresult(&b);
  lua_setfield(L, -2, field);
  lua_pop(L, 1);
}

/* The directory above the one holding the executable, or NULL if unknown. */
static const char *exeroot (char *buf, size_t n) {
  ssize_t len = readlink("/proc/self/exe", buf, n - 1);
  char *slash;
  int k;
  if (len <= 0 || (size_t)len >= n - 1) return NULL;
  buf[len] = '\0';
  for (k = 0; k < 2; k++) {   /* strip "/harmonium", then "/bin" */
    slash = strrchr(buf, '/');
    if (slash == NULL) return NULL;
    *slash = '\0';
  }
  return buf;
}

static void setpaths (lua_State *L) {
  static const char *const lua_rel[] = {
    "/lua/?.lua", "/lua/?/init.lua",
    "/share/lua/5.4/?.lua", "/share/lua/5.4/?/init.lua", NULL };
  static const char *const lua_fixed[] = {
    HM_LUADIR "/?.lua", HM_LUADIR "/?/init.lua", NULL };
  static const char *const c_rel[] = { "/lib/lua/5.4/?.so", NULL };
  static const char *const c_fixed[] = { HM_LIBDIR "/?.so", NULL };
  char buf[PATH_MAX + 1];
  const char *root = exeroot(buf, sizeof buf);
  prependpath(L, "path", root, lua_rel, lua_fixed);
  prependpath(L, "cpath", root, c_rel, c_fixed);
}


/* ================================================================ line input */

static char *histfile = NULL;  /* NULL: no history */
static int edit_started = 0;
static volatile sig_atomic_t prompt_interrupted = 0;
static lua_State *complL = NULL;  /* state whose registry holds the completer */
static int complref = LUA_NOREF;
static char *candidates[HM_MAXCOMPLETIONS];
static int ncandidates = 0;

static void savehistory (void) {
  if (histfile != NULL) write_history(histfile);
}

/* ~/.harmonium_history, or $HARMONIUM_HISTORY ("" turns history off). */
static void starthistory (void) {
  const char *env = getenv("HARMONIUM_HISTORY");
  const char *home = getenv("HOME");
  size_t n;
  if (env != NULL) {
    if (env[0] == '\0') return;
    histfile = strdup(env);
  }
  else if (home != NULL && home[0] != '\0') {
    n = strlen(home) + sizeof "/.harmonium_history";
    histfile = malloc(n);
    if (histfile != NULL) snprintf(histfile, n, "%s/.harmonium_history", home);
  }
  if (histfile == NULL) return;
  stifle_history(HM_HISTSIZE);
  read_history(histfile);   /* a missing file is fine */
  atexit(savehistory);      /* os.exit() and a normal end both pass through exit() */
}

static void clearcandidates (void) {
  int i;
  for (i = 0; i < ncandidates; i++) free(candidates[i]);
  ncandidates = 0;
}

/* libedit asks for candidate number `state` until it gets NULL; it frees what we return. */
static char *candidate_generator (const char *text, int state) {
  (void)text;
  if (state < 0 || state >= ncandidates) return NULL;
  return strdup(candidates[state]);
}

/*
** TAB: text is the word before the cursor ("hm.Fl", "x:si"). The Lua completer returns
** an array of full words; its errors are ignored (a TAB must never break the REPL).
*/
static char **attempt_completion (const char *text, int start, int end) {
  lua_State *L = complL;
  int top, i, n;
  (void)start; (void)end;
  rl_attempted_completion_over = 1;   /* no file-name completion as a fallback */
  clearcandidates();
  if (L == NULL || complref == LUA_NOREF) return NULL;
  top = lua_gettop(L);
  if (!lua_checkstack(L, 4)) return NULL;
  lua_rawgeti(L, LUA_REGISTRYINDEX, complref);
  lua_pushstring(L, text);
  if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TTABLE) {
    n = (int)lua_rawlen(L, -1);
    for (i = 1; i <= n && ncandidates < HM_MAXCOMPLETIONS; i++) {
      if (lua_rawgeti(L, -1, i) == LUA_TSTRING) {
        char *s = strdup(lua_tostring(L, -1));
        if (s != NULL) candidates[ncandidates++] = s;
      }
      lua_pop(L, 1);
    }
  }
  lua_settop(L, top);
  if (ncandidates == 0) return NULL;
  return rl_completion_matches(text, candidate_generator);
}

/* Ctrl-C at the prompt: make the pending read() fail so libedit gives the line up. */
static void prompt_sigint (int sig) {
  (void)sig;
  prompt_interrupted = 1;
}

/*
** Our getc for libedit: read() one character, decoding the locale's multibyte encoding
** (libedit takes what we return as one wide character), and report EOF (-1) when Ctrl-C
** interrupted the read, so readline() returns and the REPL drops the line.
*/
static int interruptible_getc (FILE *f) {
  mbstate_t st;
  memset(&st, 0, sizeof st);
  for (;;) {
    char c;
    wchar_t wc;
    size_t n;
    ssize_t r = read(fileno(f), &c, 1);
    if (r == 0) return -1;
    if (r < 0) {
      if (errno == EINTR && !prompt_interrupted) continue;
      return -1;
    }
    n = mbrtowc(&wc, &c, 1, &st);
    if (n == (size_t)-2) continue;              /* partial character: read on */
    if (n == (size_t)-1) return (unsigned char)c;  /* invalid: pass the byte through */
    return (int)wc;
  }
}

static void startedit (void) {
  edit_started = 1;
  rl_readline_name = "harmonium";
  /* '.' and ':' are not word breaks: "hm.Fl" and "x:si" reach the completer whole */
  rl_basic_word_break_characters = " \t\n\"\\'`@$><=;|&{([,+-*/%^~#)}";
  rl_attempted_completion_function = attempt_completion;
  rl_completion_append_character = '\0';
  rl_catch_signals = 0;
  rl_getc_function = interruptible_getc;
  /* libedit edits UTF-8 only under a multibyte locale; like Python (PEP 538), move a
  ** plain C locale to C.UTF-8. LC_NUMERIC stays "C", so number printing is unchanged. */
  setlocale(LC_CTYPE, "");
  if (MB_CUR_MAX == 1) setlocale(LC_CTYPE, "C.UTF-8");
  starthistory();
}

/*
** readline.readline(prompt) -> line without its newline; nil at end of input;
** nil, "interrupted" when Ctrl-C was pressed at a terminal prompt.
** A terminal gets libedit (editing, history, completion); anything else gets fgets and
** no prompt at all, so the output of a piped REPL holds only results.
*/
static int edit_readline (lua_State *L) {
  const char *prompt = luaL_optstring(L, 1, "");
  fflush(stdout);
  if (isatty(STDIN_FILENO)) {
    char *line;
    struct sigaction sa, old;
    if (!edit_started) startedit();
    prompt_interrupted = 0;
    sa.sa_handler = prompt_sigint;
    sa.sa_flags = 0;                 /* no SA_RESTART: read() must fail with EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    line = readline(prompt);
    sigaction(SIGINT, &old, NULL);
    if (line == NULL) {
      lua_pushnil(L);
      if (prompt_interrupted) {
        lua_pushliteral(L, "interrupted");
        return 2;
      }
      return 1;
    }
    lua_pushstring(L, line);
    free(line);
    return 1;
  }
  else {
    luaL_Buffer b;
    size_t total = 0;
    luaL_buffinit(L, &b);
    for (;;) {
      char *p = luaL_prepbuffer(&b);
      size_t l;
      if (fgets(p, LUAL_BUFFERSIZE, stdin) == NULL) break;
      l = strlen(p);
      total += l;
      luaL_addsize(&b, l);
      if (l > 0 && p[l - 1] == '\n') {
        luaL_buffsub(&b, 1);
        break;
      }
    }
    if (total == 0) {
      lua_pushnil(L);
      return 1;
    }
    luaL_pushresult(&b);
    return 1;
  }
}

/* readline.addhistory(line): remember a (non-empty) entered chunk; terminal only. */
static int edit_addhistory (lua_State *L) {
  const char *line = luaL_checkstring(L, 1);
  if (edit_started && line[0] != '\0') add_history(line);
  return 0;
}

/* readline.isatty() -> true when stdin is a terminal (libedit mode, prompts shown) */
static int edit_isatty (lua_State *L) {
  lua_pushboolean(L, isatty(STDIN_FILENO));
  return 1;
}

/* readline.setcompleter(fn): fn(text) -> array of completions for the word at TAB */
static int edit_setcompleter (lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 1);
  if (complref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, complref);
  complref = luaL_ref(L, LUA_REGISTRYINDEX);
  complL = globalL != NULL ? globalL : L;
  return 0;
}

/*
** readline.interrupts(on): while on, Ctrl-C raises "interrupted!" in the running Lua code
** (lua.c's docall does the same around each chunk). Turning it off drops an interrupt
** that arrived too late to matter.
*/
static int edit_interrupts (lua_State *L) {
  int on = lua_toboolean(L, 1);
  lua_State *mainL;
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  mainL = lua_tothread(L, -1);
  lua_pop(L, 1);
  globalL = mainL;
  if (on) setsignal(SIGINT, laction);
  else {
    setsignal(SIGINT, SIG_DFL);
    if (lua_gethook(mainL) == lstop) lua_sethook(mainL, NULL, 0, 0);
  }
  return 0;
}

static const luaL_Reg edit_funcs[] = {
  {"readline", edit_readline},
  {"addhistory", edit_addhistory},
  {"isatty", edit_isatty},
  {"setcompleter", edit_setcompleter},
  {"interrupts", edit_interrupts},
  {NULL, NULL}
};

static int luaopen_harmonium_readline (lua_State *L) {
  luaL_newlib(L, edit_funcs);
  return 1;
}


/* ================================================================ start-up */

static void preload (lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_harmonium_core);
  lua_setfield(L, -2, "harmonium.core");
  lua_pushcfunction(L, luaopen_harmonium_readline);
  lua_setfield(L, -2, "harmonium.readline");
  lua_pop(L, 1);
}

/* hm = require 'harmonium'; torch = hm */
static int loadharmonium (lua_State *L) {
  int status;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "harmonium");
  status = docall(L, 1, 1);
  if (status == LUA_OK) {
    lua_pushvalue(L, -1);
    lua_setglobal(L, "hm");
    lua_setglobal(L, "torch");
  }
  return report(L, status);
}

/* require('harmonium.repl').run(require 'harmonium.readline'); errors are reported */
static void doREPL (lua_State *L) {
  int status;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "harmonium.repl");
  status = docall(L, 1, 1);
  if (status == LUA_OK) {
    lua_getfield(L, -1, "run");
    lua_remove(L, -2);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "harmonium.readline");
    lua_call(L, 1, 1);
    lua_pushcfunction(L, msghandler);
    lua_insert(L, -3);
    status = lua_pcall(L, 1, 0, -3);   /* the REPL handles SIGINT itself */
    lua_remove(L, -1 - (status != LUA_OK));
  }
  report(L, status);
}

static int pmain (lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  int script;
  int args = collectargs(argv, &script);
  luaL_checkversion(L);
  if (args == has_error) {
    print_usage(stderr, argv[script]);
    return 0;
  }
  if (args & has_h) {
    print_usage(stdout, NULL);
    lua_pushboolean(L, 1);
    return 1;
  }
  /* -i prints the banner only on a terminal: a piped REPL's output is results only */
  if ((args & has_v) && (!(args & has_i) || isatty(STDIN_FILENO)))
    print_version();
  if (args & has_E) {
    lua_pushboolean(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
  }
  luaL_openlibs(L);
  preload(L);
  setpaths(L);
  createargtable(L, argv, argc, script);
  lua_gc(L, LUA_GCRESTART);  /* main stopped it while the state was built */
  lua_gc(L, LUA_GCGEN, 0, 0);
  if (!(args & has_E) && handle_luainit(L) != LUA_OK) return 0;
  if (loadharmonium(L) != LUA_OK) return 0;
  if (!runargs(L, argv, script)) return 0;
  if (script < argc && handle_script(L, argv + script) != LUA_OK) return 0;
  if (args & has_i)
    doREPL(L);
  else if (script == argc && !(args & (has_e | has_v))) {
    if (isatty(STDIN_FILENO)) {
      print_version();
      doREPL(L);
    }
    else if (dofile(L, NULL) != LUA_OK) return 0;
  }
  lua_pushboolean(L, 1);
  return 1;
}

int main (int argc, char **argv) {
  int status, result;
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    l_message(progname, "cannot create state: not enough memory");
    return EXIT_FAILURE;
  }
  globalL = L;
  lua_gc(L, LUA_GCSTOP);
  lua_pushcfunction(L, &pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  status = lua_pcall(L, 2, 1, 0);
  result = lua_toboolean(L, -1);
  report(L, status);
  lua_close(L);
  return (result && status == LUA_OK) ? EXIT_SUCCESS : EXIT_FAILURE;
}

-- Specs for csrc/main.c as a script runner: options (-e, -l, -i, -v, -h, -E, -, --), the
-- `arg` table and `...` compared with lua5.4's, exit codes and "harmonium: msg" reports,
-- package.path, the preloaded core and the hm/torch globals, and SIGINT in a script.
-- They assume `make` has built bin/harmonium and build nothing themselves.

local support = require 'support'
local exists, readfile, writefile, sh, q = support.exists, support.readfile, support.writefile, support.sh, support.q

local BIN = "bin/harmonium"

-- a temporary script file holding `src`
local function script(src)
   local base = os.tmpname()
   local name = base .. ".lua"
   os.remove(base)
   writefile(name, src)
   return name
end

if not exists(BIN) then
   describe("bin/harmonium", function()
      pending("bin/harmonium is not built: run `make` first")
   end)
   return
end

-- prints arg (all indices, interpreter name masked) and `...`, one per line
local ARGDUMP = [[
local lo, hi = 0, #arg
while arg[lo - 1] ~= nil do lo = lo - 1 end
for i = lo, hi do
   local v = arg[i]
   if i == lo then v = "<interpreter>" end
   print(i, v)
end
print("n", select("#", ...))
for i = 1, select("#", ...) do print("...", (select(i, ...))) end
]]

describe("harmonium -e", function()
   it("runs a chunk and exits 0", function()
      local out, err, code = sh(BIN .. " -e 'print(1 + 1)'")
      assert.are.equal("2\n", out)
      assert.are.equal("", err)
      assert.are.equal(0, code)
   end)

   it("runs several chunks in order, joined and separate forms", function()
      local out, _, code = sh(BIN .. " -e 'x = 20' -e'x = x + 1' -e 'print(x * 2)'")
      assert.are.equal("42\n", out)
      assert.are.equal(0, code)
   end)

   it("sees hm and torch as the same table, with the core preloaded", function()
      local out, err, code = sh(BIN .. [[ -e 'print(hm == torch, hm == require "harmonium",
         package.preload["harmonium.core"] ~= nil, hm.isTensor(hm.Tensor(2)))']])
      assert.are.equal("true\ttrue\ttrue\ttrue\n", out, err)
      assert.are.equal(0, code)
   end)

   it("prints a tensor with its footer", function()
      local out = sh(BIN .. " -e 'print(torch.Tensor(2, 3):fill(1))'")
      assert.truthy(out:find("[hm.FloatTensor of size 2x3]", 1, true), out)
   end)

   it("reports an error as 'harmonium: msg' with a traceback and exits 1", function()
      local out, err, code = sh(BIN .. " -e 'error(\"boom\")' -e 'print(\"not reached\")'")
      assert.are.equal("", out)
      assert.are.equal(1, code)
      assert.truthy(err:find("^harmonium: %(command line%):1: boom\n"), err)
      assert.truthy(err:find("stack traceback:", 1, true), err)
   end)

   it("reports a syntax error and exits 1", function()
      local _, err, code = sh(BIN .. " -e 'x = = 1'")
      assert.are.equal(1, code)
      assert.truthy(err:find("^harmonium: %(command line%):1:"), err)
   end)

   it("describes error objects that are not strings", function()
      local _, err, code = sh(BIN .. " -e 'error({})'")
      assert.are.equal(1, code)
      assert.truthy(err:find("(error object is a table value)", 1, true), err)
   end)

   it("passes os.exit's code through", function()
      local _, _, code = sh(BIN .. " -e 'os.exit(3)'")
      assert.are.equal(3, code)
      _, _, code = sh(BIN .. " -e 'os.exit(false)'")
      assert.are.equal(1, code)
   end)
end)

describe("harmonium script.lua args", function()
   local file
   before_each(function() file = script(ARGDUMP) end)
   after_each(function() os.remove(file) end)

   it("sets arg and ... exactly as lua5.4 does", function()
      for _, opts in ipairs{ "", "-e 'y = 1'", "-W --" } do
         local cmd = " " .. opts .. " " .. file .. " a 'b c' '' -x"
         local want, werr = sh("lua5.4" .. cmd)
         local got, gerr, code = sh(BIN .. cmd)
         assert.are.equal("", werr)
         assert.are.equal(want, got, gerr)
         assert.are.equal(0, code)
      end
   end)

   it("puts the script in arg[0] and its arguments in arg[1..]", function()
      local out = sh(BIN .. " " .. file .. " one two")
      assert.truthy(out:find("0\t" .. file .. "\n", 1, true), out)
      assert.truthy(out:find("1\tone\n2\ttwo\nn\t2\n...\tone\n...\ttwo\n", 1, true), out)
   end)

   it("gives arg[0] the interpreter name and arg[1..] the options when there is no script", function()
      local out = sh(BIN .. " -e 'print(arg[0], #arg, arg[1], arg[-1])'")
      assert.are.equal(BIN .. "\t2\t-e\tnil\n", out)
   end)

   it("exits 1 with a traceback when the script fails", function()
      local bad = script("local function f() error('deep') end\nf()\n")
      local out, err, code = sh(BIN .. " " .. bad)
      os.remove(bad)
      assert.are.equal("", out)
      assert.are.equal(1, code)
      assert.truthy(err:find("^harmonium: [^\n]*:1: deep\nstack traceback:"), err)
      assert.truthy(err:find("in local 'f'", 1, true) or err:find("in function 'f'", 1, true), err)
   end)

   it("exits 1 when the script is missing", function()
      local _, err, code = sh(BIN .. " /nonexistent/x.lua")
      assert.are.equal(1, code)
      assert.truthy(err:find("^harmonium: cannot open /nonexistent/x.lua"), err)
   end)

   it("runs -e before the script, in the same state", function()
      local f2 = script("print(pre + 1)\n")
      local out, _, code = sh(BIN .. " -e 'pre = 41' " .. f2)
      os.remove(f2)
      assert.are.equal("42\n", out)
      assert.are.equal(0, code)
   end)

   it("enters the REPL after the script with -i", function()
      local f2 = script("v = 'from script'\n")
      local out, _, code = sh(BIN .. " -i " .. f2, "v\n")
      os.remove(f2)
      assert.are.equal("from script\n", out)
      assert.are.equal(0, code)
   end)
end)

describe("harmonium reading stdin", function()
   it("runs piped stdin as a script when given no arguments (as lua.c)", function()
      local out, _, code = sh(BIN, "local t = hm.Tensor(3, 2)\nprint(t:nElement())\n")
      assert.are.equal("6\n", out)
      assert.are.equal(0, code)
   end)

   it("runs stdin with '-' and passes the arguments after it", function()
      local out, _, code = sh(BIN .. " - a b", "print(arg[0], ...)\n")
      assert.are.equal("-\ta\tb\n", out)
      assert.are.equal(0, code)
   end)

   it("exits 1 when the piped script fails", function()
      local _, err, code = sh(BIN, "error('piped')\n")
      assert.are.equal(1, code)
      assert.truthy(err:find("^harmonium: stdin:1: piped"), err)
   end)
end)

describe("harmonium options", function()
   it("-h prints the usage on stdout and exits 0", function()
      local out, err, code = sh(BIN .. " -h")
      assert.truthy(out:find("^usage: harmonium %[options%] %[script %[args%]%]"), out)
      for _, opt in ipairs{ "-e stat", "-i", "-l mod", "-v", "-h", "-E", "-W", "--" } do
         assert.truthy(out:find("  " .. opt, 1, true), opt)
      end
      assert.are.equal("", err)
      assert.are.equal(0, code)
   end)

   it("rejects an unknown option with the usage on stderr and exit 1", function()
      local out, err, code = sh(BIN .. " -x")
      assert.are.equal("", out)
      assert.truthy(err:find("^harmonium: unrecognized option '%-x'\nusage:"), err)
      assert.are.equal(1, code)
   end)

   it("rejects -e and -l without an argument", function()
      local _, err, code = sh(BIN .. " -e")
      assert.truthy(err:find("'-e' needs argument", 1, true), err)
      assert.are.equal(1, code)
      _, err, code = sh(BIN .. " -l")
      assert.truthy(err:find("'-l' needs argument", 1, true), err)
      assert.are.equal(1, code)
   end)

   it("-v prints the version and exits", function()
      local out, _, code = sh(BIN .. " -v")
      assert.truthy(out:find("^Harmonium [^\n]*Lua 5%.4"), out)
      assert.are.equal(0, code)
   end)

   it("-l requires a module into a global, -l g=mod into g; LUA_PATH is honoured", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -p " .. q(dir)))
      writefile(dir .. "/hmtestmod.lua", "return { answer = 42 }\n")
      local env = "LUA_PATH=" .. q(dir .. "/?.lua;;") .. " "
      local out, err, code = sh(env .. BIN .. " -l hmtestmod -l m=hmtestmod " ..
                                "-e 'print(hmtestmod.answer, m == hmtestmod)'")
      assert(os.execute("rm -rf " .. q(dir)))
      assert.are.equal("42\ttrue\n", out, err)
      assert.are.equal(0, code)
   end)

   it("-l reports a missing module and exits 1", function()
      local _, err, code = sh(BIN .. " -l no_such_module_xyz")
      assert.truthy(err:find("^harmonium: module 'no_such_module_xyz' not found"), err)
      assert.are.equal(1, code)
   end)

   it("runs LUA_INIT first, and -E ignores it", function()
      local out = sh("LUA_INIT='print(\"init\")' " .. BIN .. " -e 'print(\"main\")'")
      assert.are.equal("init\nmain\n", out)
      out = sh("LUA_INIT='print(\"init\")' " .. BIN .. " -E -e 'print(\"main\")'")
      assert.are.equal("main\n", out)
   end)
end)

describe("harmonium package paths", function()
   it("finds the Lua files next to the executable from any directory", function()
      local cwd = assert(io.popen("pwd")):read("l")
      local out, err, code = sh("cd / && " .. cwd .. "/" .. BIN ..
                                " -e 'print(package.searchpath(\"harmonium\", package.path))'")
      assert.are.equal(cwd .. "/lua/harmonium/init.lua\n", out, err)
      assert.are.equal(0, code)
   end)

   it("puts the tree's lua/ first and keeps Lua's default path after it", function()
      local out = sh(BIN .. " -e 'print(package.path)'")
      assert.truthy(out:find("^/[^;]*/lua/%?%.lua;[^;]*/lua/%?/init%.lua;"), out)
      assert.truthy(out:find("./?.lua;", 1, true), out)
   end)
end)

describe("harmonium and SIGINT", function()
   it("turns Ctrl-C in a running script into an 'interrupted!' error", function()
      local file = script("io.stderr:write('spinning\\n') io.stderr:flush()\nwhile true do end\n")
      local errf = os.tmpname()
      local _, _, code = sh(BIN .. " " .. file .. " 2> " .. errf .. " & pid=$!; " ..
         "i=0; until grep -q spinning " .. errf .. " || [ $i -gt 200 ]; do sleep 0.05; i=$((i+1)); done; " ..
         "kill -INT $pid; wait $pid")
      local err = readfile(errf)
      os.remove(file) os.remove(errf)
      assert.truthy(err:find("harmonium: [^\n]*interrupted!"), err)
      assert.are.equal(1, code)
   end)
end)

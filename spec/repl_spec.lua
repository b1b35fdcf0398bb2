-- Specs for lua/harmonium/repl.lua and the REPL of bin/harmonium: the loop driven through a
-- pipe (`harmonium -i`, plain fgets input, no prompts), Ctrl-C during a computation,
-- completion and formatting called directly, and libedit mode under a pseudo-terminal
-- (util-linux `script`). The executable's specs assume `make` has built bin/harmonium.

local hm = require 'harmonium'
local repl = require 'harmonium.repl'

local support = require 'support'
local exists, readfile, writefile, sh, q = support.exists, support.readfile, support.writefile, support.sh, support.q

local BIN = "bin/harmonium"
local G = setmetatable({ hm = hm }, { __index = _G })   -- globals as the REPL sees them

-- the REPL fed `lines` through a pipe
local function session(lines)
   return sh(BIN .. " -i", table.concat(lines, "\n") .. "\n")
end

local function has(s, sub) return s:find(sub, 1, true) ~= nil end

describe("repl.complete", function()
   it("completes fields of a global table after '.'", function()
      assert.are.same({ "hm.FloatTensor" }, repl.complete("hm.Flo", G))
      local all = repl.complete("hm.", G)
      assert.truthy(#all > 10)
      for _, c in ipairs(all) do assert.truthy(c:find("^hm%.[%a][%w_]*$"), c) end
   end)

   it("completes tensor methods after ':' from hm._methods", function()
      local env = setmetatable({ x = hm.Tensor(2, 3) }, { __index = G })
      local c = repl.complete("x:si", env)
      assert.truthy(#c >= 1)
      for _, name in ipairs(c) do assert.truthy(name:find("^x:si"), name) end
      local set = {}
      for _, name in ipairs(c) do set[name] = true end
      assert.truthy(set["x:size"])
      local n = repl.complete("x:", env)
      local count = 0
      for k in pairs(hm._methods) do if not k:find("^_") then count = count + 1 end end
      assert.are.equal(count, #n)
   end)

   it("completes globals and keywords for a bare word", function()
      local env = { print = print, primes = {}, x = 1 }
      assert.are.same({ "primes", "print" }, repl.complete("pri", env))
      assert.are.same({ "while" }, repl.complete("whi", env))
      assert.are.same({ "print" }, repl.complete("prin"))
   end)

   it("follows chains of fields and __index tables", function()
      local Base = { greet = function() end }
      local obj = setmetatable({ name = "o" }, { __index = Base })
      local env = { a = { b = { obj = obj } } }
      assert.are.same({ "a.b.obj" }, repl.complete("a.b.o", env))
      assert.are.same({ "a.b.obj:greet" }, repl.complete("a.b.obj:", env))
      assert.are.same({ "a.b.obj.greet", "a.b.obj.name" }, repl.complete("a.b.obj.", env))
   end)

   it("completes string methods after ':' on a string", function()
      local env = { s = "abc" }
      assert.are.same({ "s:upper" }, repl.complete("s:upp", env))
   end)

   it("hides names starting with '_' unless asked for", function()
      for _, c in ipairs(repl.complete("hm.", G)) do assert.falsy(c:find("^hm%._"), c) end
      local c = repl.complete("hm._meth", G)
      assert.are.same({ "hm._methods" }, c)
   end)

   it("gives nothing for unknown or malformed words and never raises", function()
      assert.are.same({}, repl.complete("nosuchthing.x"))
      assert.are.same({}, repl.complete("hm..F", G))
      assert.are.same({}, repl.complete("(x"))
      assert.are.same({}, repl.complete("1.5"))
      assert.are.same({}, repl.complete(nil))
      local bomb = setmetatable({}, { __index = function() error("no") end })
      assert.are.same({}, repl.complete("bomb.x.y", { bomb = bomb }))
   end)
end)

describe("repl.format", function()
   it("prints strings raw and numbers as Lua does", function()
      assert.are.equal("hi", repl.format("hi"))
      assert.are.equal("3", repl.format(3))
      assert.are.equal("0.5", repl.format(0.5))
      assert.are.equal("nil", repl.format(nil))
   end)

   it("prints tables with sorted keys, quoted strings and nested tables", function()
      assert.are.equal('{1, 2, a = "x", b = {c = true}}',
                       repl.format({ 1, 2, b = { c = true }, a = "x" }))
      assert.are.equal('{["a b"] = 1, [true] = 2}', repl.format({ ["a b"] = 1, [true] = 2 }))
      assert.are.equal("{}", repl.format({}))
   end)

   it("stops at the nesting limit and on cycles", function()
      local s = repl.format({ a = { b = { c = { d = 1 } } } })
      assert.are.equal("{a = {b = {...}}}", s)
      local t = {}
      t.self = t
      assert.truthy(repl.format(t):find("<cycle table:", 1, true))
   end)

   it("breaks long tables into lines and truncates huge ones", function()
      local t = {}
      for i = 1, 30 do t["key" .. i] = i end
      local s = repl.format(t)
      assert.truthy(s:find("^{\n   key1 = 1,\n   key10 = 10,\n"), s)
      local big = {}
      for i = 1, 200 do big[i] = i end
      assert.truthy(repl.format(big):find("... (200 entries)", 1, true))
   end)

   it("prints tensors through tostring, with the footer", function()
      local s = repl.format(hm.Tensor(2, 3):fill(1))
      assert.truthy(has(s, "[hm.FloatTensor of size 2x3]"), s)
      assert.truthy(has(repl.format({ t = hm.Tensor(2) }), "[hm.FloatTensor of size 2]"))
   end)
end)

describe("repl.compile", function()
   it("tries an expression first, then a statement", function()
      assert.are.equal(7, repl.compile("3 + 4", {})())
      local env = {}
      repl.compile("y = 5", env)()
      assert.are.equal(5, env.y)
      assert.are.equal(9, repl.compile("= 4 + 5", {})())
   end)

   it("flags incomplete chunks by their '<eof>' error", function()
      local fn, err, more = repl.compile("function f()", {})
      assert.is_nil(fn)
      assert.truthy(err:find("<eof>$"))
      assert.is_true(more)
      fn, err, more = repl.compile("x = = 1", {})
      assert.is_nil(fn)
      assert.truthy(err:find("^stdin:1:"), err)
      assert.is_false(more)
   end)
end)

if not exists(BIN) then
   describe("the harmonium REPL", function()
      pending("bin/harmonium is not built: run `make` first")
   end)
   return
end

describe("the harmonium REPL through a pipe", function()
   it("keeps a variable from one line to the next", function()
      local out, err, code = session{ "x = 21", "x * 2" }
      assert.are.equal("42\n", out, err)
      assert.are.equal("", err)
      assert.are.equal(0, code)
   end)

   it("prints a tensor with its footer", function()
      local out = session{ "t = hm.Tensor(2, 3):fill(1)", "t" }
      assert.are.equal(" 1  1  1\n 1  1  1\n[hm.FloatTensor of size 2x3]\n", out)
   end)

   it("survives an error and runs the next line", function()
      local out, err, code = session{ "error('boom')", "print('after')", "nil + 1", "1 + 1" }
      assert.are.equal("after\n2\n", out)
      assert.truthy(err:find("^stdin:1: boom\nstack traceback:\n"), err)
      assert.truthy(has(err, "attempt to perform arithmetic on a nil value"), err)
      assert.falsy(has(err, "repl.lua"), err)
      assert.are.equal(0, code)
   end)

   it("reports a syntax error and goes on", function()
      local out, err = session{ "x = = 1", "print('ok')" }
      assert.are.equal("ok\n", out)
      assert.truthy(err:find("^stdin:1: unexpected symbol near '='"), err)
   end)

   it("reads a multi-line function definition", function()
      local out, err = session{ "function f(a)", "  local b = a * 2", "  return b + 1", "end", "f(20)" }
      assert.are.equal("41\n", out, err)
      assert.are.equal("", err)
   end)

   it("reads a multi-line expression and prints it", function()
      local out = session{ "{1,", "2}" }
      assert.are.equal("{1, 2}\n", out)
   end)

   it("reports an unfinished chunk at end of input", function()
      local out, err, code = session{ "function g()" }
      assert.are.equal("", out)
      assert.truthy(has(err, "<eof>"), err)
      assert.are.equal(0, code)
   end)

   it("accepts a leading '=' and several results", function()
      local out = session{ "= 1 + 1", "1, 'two', nil" }
      assert.are.equal("2\n1\ttwo\tnil\n", out)
   end)

   it("keeps the last result in _", function()
      local out = session{ "6 * 7", "_ + 1", "x = 5", "_" }
      assert.are.equal("42\n43\n43\n", out)
   end)

   it("prints tables readably", function()
      local out = session{ "{b = 2, a = 1, 'z'}" }
      assert.are.equal('{"z", a = 1, b = 2}\n', out)
   end)

   it("has hm and torch", function()
      local out = session{ "torch == hm", "hm.FloatTensor" }
      assert.are.equal("true\nhm.FloatTensor\n", out)
   end)

   it("leaves on exit() and os.exit(), running nothing after", function()
      local out, _, code = session{ "print('a')", "exit()", "print('b')" }
      assert.are.equal("a\n", out)
      assert.are.equal(0, code)
      out, _, code = session{ "os.exit(4)", "print('b')" }
      assert.are.equal("", out)
      assert.are.equal(4, code)
   end)

   it("turns Ctrl-C during a computation into an error and goes on", function()
      local errf, outf = os.tmpname(), os.tmpname()
      local _, _, code = sh("{ printf 'io.stderr:write(\"spinning\\\\n\") while true do end\\n'; " ..
         "sleep 1; printf 'print(\"alive\")\\n'; } | " .. BIN .. " -i > " .. outf .. " 2> " .. errf ..
         " & pid=$!; i=0; until grep -q spinning " .. errf .. " || [ $i -gt 200 ]; " ..
         "do sleep 0.05; i=$((i+1)); done; kill -INT $pid; wait $pid")
      local out, err = readfile(outf), readfile(errf)
      os.remove(errf) os.remove(outf)
      assert.truthy(has(err, "interrupted!"), err)
      assert.are.equal("alive\n", out)
      assert.are.equal(0, code)
   end)
end)

-- libedit mode needs a terminal: `script` runs the REPL on a pseudo-terminal and copies
-- what it writes (echoed input, prompts, results, escape sequences) to stdout.
local function haveScript()
   return os.execute("command -v script >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1")
end

describe("the harmonium REPL on a terminal", function()
   if not haveScript() then
      pending("util-linux `script` or `timeout` missing: pseudo-terminal specs skipped")
      return
   end

   -- runs `feed` (shell commands printing keystrokes, with sleeps) into the REPL on a pty
   local function pty(feed, env)
      local hist = os.tmpname()
      local out, err, code = sh("{ " .. feed .. "; } | " .. (env or "") .. " HARMONIUM_HISTORY=" .. hist ..
                                " timeout 20 script -qec " .. BIN .. " /dev/null")
      local h = readfile(hist)
      os.remove(hist)
      return out:gsub("\r", ""), err, code, h
   end

   it("shows the prompt, runs a line, prints the result and leaves on Ctrl-D", function()
      local out, _, code, hist = pty("printf 'x = 6\\nx * 7\\n'; sleep 0.2; printf '\\004'; sleep 0.2")
      assert.truthy(has(out, "hm> "), out)
      assert.truthy(out:find("\n42\n"), out)
      assert.are.equal(0, code)
      assert.truthy(has(hist, "x\\040*\\0407") or has(hist, "x * 7"), hist)
   end)

   it("shows the continuation prompt for an unfinished chunk", function()
      local out = pty("printf 'function f()\\nreturn 5 end\\nf()\\nexit()\\n'; sleep 0.2")
      assert.truthy(has(out, "..> "), out)
      assert.truthy(out:find("\n5\n"), out)
   end)

   it("completes with TAB through repl.complete", function()
      local out = pty("printf 'hm.FloatTen\\t\\nexit()\\n'; sleep 0.2")
      assert.truthy(out:find("\nhm.FloatTensor\n"), out)
   end)

   it("edits UTF-8 input, even under the C locale", function()
      local out = pty("printf 'print(\"h\\303\\251llo\")\\nexit()\\n'; sleep 0.2", "LC_ALL=C")
      assert.truthy(out:find("\nh\195\169llo\n"), out)
   end)

   it("drops the line on Ctrl-C at the prompt and interrupts a computation", function()
      -- the REPL touches marker files so the keystrokes wait for it, not for fixed delays
      local m1, m2 = os.tmpname(), os.tmpname()
      os.remove(m1) os.remove(m2)
      local function waitfor(m)
         return "i=0; until [ -e " .. m .. " ] || [ $i -gt 200 ]; do sleep 0.05; i=$((i+1)); done; "
      end
      local out, err = pty("printf 'io.open(\"" .. m1 .. "\", \"w\"):close()\\n'; " .. waitfor(m1) ..
                           "sleep 0.3; printf 'abc\\003'; sleep 0.3; " ..
                           "printf 'io.open(\"" .. m2 .. "\", \"w\"):close() while true do end\\n'; " ..
                           waitfor(m2) .. "sleep 0.2; printf '\\003'; sleep 0.3; " ..
                           "printf 'print(\"alive\")\\nexit()\\n'; sleep 0.2")
      os.remove(m1) os.remove(m2)
      assert.truthy(has(out .. err, "interrupted!"), out)
      assert.truthy(out:find("\nalive\n"), out)
      assert.falsy(has(out, "abcio"), out)
   end)
end)

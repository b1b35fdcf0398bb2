--[[ The harmonium REPL (read-eval-print loop), run by bin/harmonium as trepl runs in `th`.

   require('harmonium.repl').run(require 'harmonium.readline')

Each input line is first compiled as `return <line>` so an expression prints its values
(a leading `=` works as in Lua 5.1); otherwise it is a statement. A chunk whose error ends
in "<eof>" is incomplete and the REPL asks for more lines ("..> "), as lua.c does. Values
print through M.format: tensors with their footer, tables one level deep with sorted keys.
The first value of the last expression is kept in the global `_`. Errors print their
message and traceback to stderr and the loop goes on; `exit()`, `os.exit()` and end of
input leave. Line input, history and Ctrl-C come from the C module `harmonium.readline`,
which exists only inside the executable; M.complete and M.format work in any Lua.
]]

local M = {}

M.prompt = "hm> "
M.prompt2 = "..> "

local keywords = {
   "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
   "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
}

------------------------------------------------------------------ formatting

local MAXITEMS = 50     -- table entries shown before "..."
local MAXDEPTH = 2      -- nested tables shown inline before "{...}"
local MAXWIDTH = 80     -- a table longer than this on one line prints one entry per line

local function isident(s)
   return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil
end

-- Keys sort numbers first (by value), then strings, then anything else by tostring.
local function keyless(a, b)
   local ta, tb = type(a), type(b)
   if ta ~= tb then
      local rank = { number = 1, string = 2 }
      return (rank[ta] or 3) < (rank[tb] or 3) or
             ((rank[ta] or 3) == (rank[tb] or 3) and ta < tb)
   end
   if ta == "number" or ta == "string" then return a < b end
   return tostring(a) < tostring(b)
end

local function hastostring(v)
   local mt = getmetatable(v)
   return type(mt) == "table" and rawget(mt, "__tostring") ~= nil
end

local formatTable

-- A value inside a table: strings quoted, tables recursed up to the depth limit.
local function formatInner(v, depth, seen)
   local tv = type(v)
   if tv == "string" then return string.format("%q", v) end
   if tv == "table" and not hastostring(v) then return formatTable(v, depth, seen) end
   local ok, s = pcall(tostring, v)
   s = ok and tostring(s) or "<" .. tv .. ">"
   if s:find("\n", 1, true) then   -- a tensor inside a table: its footer line only
      s = s:match("([^\n]*)\n?$")
   end
   return s
end

function formatTable(t, depth, seen)
   if seen[t] then return "<cycle " .. tostring(t) .. ">" end
   if depth > MAXDEPTH then return "{...}" end
   seen[t] = true
   local keys, n = {}, 0
   for k in next, t do
      n = n + 1
      keys[n] = k
   end
   table.sort(keys, keyless)
   local parts, len = {}, #t
   for i = 1, math.min(n, MAXITEMS) do
      local k = keys[i]
      local v = formatInner(rawget(t, k), depth + 1, seen)
      if math.type(k) == "integer" and k >= 1 and k <= len then
         parts[i] = v
      elseif isident(k) then
         parts[i] = k .. " = " .. v
      else
         parts[i] = "[" .. formatInner(k, MAXDEPTH + 1, seen) .. "] = " .. v
      end
   end
   if n > MAXITEMS then parts[#parts + 1] = "... (" .. n .. " entries)" end
   seen[t] = nil
   local line = "{" .. table.concat(parts, ", ") .. "}"
   if depth > 1 or #line <= MAXWIDTH then return line end
   return "{\n   " .. table.concat(parts, ",\n   ") .. "\n}"
end

--- M.format(v) -> the string the REPL prints for value v.
-- Strings print raw, tables readably (sorted keys, nested tables to depth 2, at most
-- 50 entries), anything with __tostring (tensors, classes) through tostring.
function M.format(v)
   if type(v) == "string" then return v end
   if type(v) == "table" and not hastostring(v) then return formatTable(v, 1, {}) end
   local ok, s = pcall(tostring, v)
   if not ok then return "<" .. type(v) .. ": __tostring failed: " .. tostring(s) .. ">" end
   return tostring(s)
end

------------------------------------------------------------------ completion

-- Adds to `set` every identifier key of t, then of its __index tables (classes, proxies).
local function addkeys(set, t, methodsOnly)
   local guard = 0
   while type(t) == "table" and guard < 16 do
      for k, v in next, t do
         if isident(k) and (not methodsOnly or type(v) == "function" or
                            (type(v) == "table" and getmetatable(v) and getmetatable(v).__call)) then
            set[k] = true
         end
      end
      local mt = getmetatable(t)
      t = type(mt) == "table" and rawget(mt, "__index") or nil
      guard = guard + 1
   end
end

-- The value named by a chain like "hm.nn" in env, or nil. Plain names only: completion
-- never evaluates code, though a lazy field (hm.nn) may load its module.
local function resolve(chain, env)
   local v = env
   for name in (chain .. "."):gmatch("([^%.]*)%.") do
      if not isident(name) then return nil end
      local ok, r = pcall(function() return v[name] end)
      if not ok or r == nil then return nil end
      v = r
   end
   return v
end

-- Method names for the value on the left of ':' (or fields for '.').
local function members(obj, sep)
   local set = {}
   local hm = package.loaded.harmonium
   if type(hm) == "table" and type(hm.isTensor) == "function" and hm.isTensor(obj) then
      addkeys(set, hm._methods)
   elseif type(obj) == "string" then
      addkeys(set, string)
   elseif type(obj) == "table" then
      addkeys(set, obj, sep == ":")
   else
      local mt = getmetatable(obj)
      if type(mt) == "table" and type(rawget(mt, "__index")) == "table" then
         addkeys(set, rawget(mt, "__index"))
      end
   end
   return set
end

--- M.complete(text [, env]) -> sorted array of completions of the word `text`.
-- "hm.Flo" gives {"hm.FloatTensor"}; "x:si" on a tensor x gives {"x:sigmoid", "x:sin",
-- "x:size", ...}; a bare prefix completes globals of env (default _G) and keywords.
-- Never raises; an unknown prefix gives {}.
function M.complete(text, env)
   env = env or _G
   if type(text) ~= "string" then return {} end
   local out, set = {}, nil
   local base, sep, partial = text:match("^(.-)([%.:])([%w_]*)$")
   local prefix
   if base then
      if base == "" or not base:match("^[%a_][%w_%.]*$") or base:find("%.%.") or
         base:sub(-1) == "." then
         return {}
      end
      local obj = resolve(base, env)
      if obj == nil then return {} end
      set = members(obj, sep)
      prefix = base .. sep
   else
      partial = text:match("^[%a_][%w_]*$") and text or (text == "" and "" or nil)
      if not partial then return {} end
      set = {}
      addkeys(set, env)
      for _, k in ipairs(keywords) do set[k] = true end
      prefix = ""
   end
   -- names starting with '_' (hm._methods, _G, _VERSION) only when asked for
   local hidden = partial:sub(1, 1) ~= "_"
   for k in pairs(set) do
      if k:sub(1, #partial) == partial and not (hidden and k:sub(1, 1) == "_") then
         out[#out + 1] = prefix .. k
      end
   end
   table.sort(out)
   return out
end

------------------------------------------------------------------ the loop

local function incomplete(err)
   return type(err) == "string" and err:sub(-5) == "<eof>"
end

--- M.compile(chunk, env) -> fn, or nil, err, isIncomplete.
-- Tries `return <chunk>` first (an expression), then the chunk as statements; the chunk
-- is incomplete when either form fails only for lack of input ("<eof>").
function M.compile(chunk, env)
   local src, eq = chunk:gsub("^%s*=", "return ", 1)
   local exprMore = false
   if eq == 0 then
      local fn, err = load("return " .. src, "=stdin", "t", env)
      if fn then return fn end
      exprMore = incomplete(err)   -- "{1," is an unfinished expression, not a bad statement
   end
   local fn, err = load(src, "=stdin", "t", env)
   if fn then return fn end
   return nil, err, exprMore or incomplete(err)
end

-- Error message (or its __tostring) plus a traceback cut above the REPL's own frames.
local function traceback(err)
   local msg = err
   if type(msg) ~= "string" then
      local mt = getmetatable(msg)
      if type(mt) == "table" and mt.__tostring then msg = tostring(msg)
      else msg = "(error object is a " .. type(err) .. " value)" end
   end
   local tb = debug.traceback(msg, 2)
   local cut = tb:find("\n%s*%[C%]: in function 'xpcall'")
   if cut then tb = tb:sub(1, cut - 1) end
   return tb
end

--- M.eval(fn, rl) -> ok, results (packed) | false, traceback
-- Runs a compiled chunk with Ctrl-C turned into an "interrupted!" error when rl allows.
function M.eval(fn, rl)
   if rl and rl.interrupts then rl.interrupts(true) end
   local r = table.pack(xpcall(fn, traceback))
   if rl and rl.interrupts then rl.interrupts(false) end
   if not r[1] then return false, r[2] end
   return true, table.pack(table.unpack(r, 2, r.n))
end

local function printResults(res, out)
   if res.n == 0 then return end
   local strs, multiline = {}, false
   for i = 1, res.n do
      strs[i] = M.format(res[i])
      if strs[i]:find("\n", 1, true) then multiline = true end
   end
   out:write(table.concat(strs, multiline and "\n" or "\t"), "\n")
   out:flush()
end

-- A readline stand-in for plain Lua: io.read with the prompt on stdout.
local plainInput = {
   readline = function(prompt)
      io.write(prompt)
      io.flush()
      return io.read("l")
   end,
}

--- M.run([rl [, env]]): the loop; returns at end of input.
-- rl is the harmonium.readline module (readline, addhistory, isatty, setcompleter,
-- interrupts); without it, lines come from io.read. env defaults to _G.
function M.run(rl, env)
   rl = rl or plainInput
   env = env or _G
   local tty = rl.isatty and rl.isatty()
   local out, err = io.stdout, io.stderr
   if rawget(env, "exit") == nil then
      --- exit([code]): leave the REPL (and the program), as os.exit(code)
      rawset(env, "exit", function(code) os.exit(code == nil and true or code) end)
   end
   if rl.setcompleter then
      rl.setcompleter(function(text) return M.complete(text, env) end)
   end
   if tty then
      out:write("hm and torch hold the harmonium library; TAB completes, exit() or Ctrl-D leaves\n")
   end

   local function step()
      local line, why = rl.readline(M.prompt)
      if line == nil then
         if why == "interrupted" then out:write("\n") return true end
         return false
      end
      local chunk = line
      local fn, msg, more = M.compile(chunk, env)
      while not fn and more do
         local nextline, why2 = rl.readline(M.prompt2)
         if nextline == nil then
            if why2 == "interrupted" then out:write("\n") return true end
            break
         end
         chunk = chunk .. "\n" .. nextline
         fn, msg, more = M.compile(chunk, env)
      end
      if rl.addhistory and chunk:find("%S") then rl.addhistory(chunk) end
      if not fn then
         err:write(msg, "\n")
         err:flush()
         return true
      end
      local ok, res = M.eval(fn, rl)
      if not ok then
         out:flush()
         err:write(res, "\n")
         err:flush()
         return true
      end
      if res.n > 0 and res[1] ~= nil then rawset(env, "_", res[1]) end
      printResults(res, out)
      return true
   end

   while true do
      -- a Ctrl-C landing between two chunks raises here; report it and go on
      local ok, goOn = xpcall(step, traceback)
      if not ok then
         err:write(tostring(goOn), "\n")
         err:flush()
      elseif not goOn then
         break
      end
   end
   if tty then out:write("\n") end
   out:flush()
end

return M

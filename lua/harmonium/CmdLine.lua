--[[ hm.CmdLine: Torch7's torch.CmdLine command-line parser.

   local cmd = hm.CmdLine()
   cmd:text('Train a small network')
   cmd:text()
   cmd:text('Options')
   cmd:option('-lr', 0.1, 'learning rate')
   cmd:option('-quick', false, 'short run')
   cmd:option('-name', 'run', 'run name')
   cmd:argument('file', 'training data')
   local opt = cmd:parse(arg)    -- opt.lr, opt.quick, opt.name, opt.file

An option's type is its default's: a number option takes a number, a string option any
string, and a boolean option is a flag that needs no value and flips its default (Torch7).
Options may be spelled -lr 0.1, --lr 0.1, --lr=0.1 or -lr=0.1; a flag also accepts
--quick=true / --quick=false. -h, -help or --help print the help and exit. "--" ends the
options; everything after it is positional.
]]

local CmdLine = {}
CmdLine.__index = CmdLine
CmdLine.__typename = "hm.CmdLine"

--- hm.CmdLine() -> a parser with no options
function CmdLine.new()
   return setmetatable({ _items = {}, _options = {}, _arguments = {} }, CmdLine)
end

--- cmd:text(...) -> cmd: a line of help text (the arguments joined by spaces; none: a blank line)
function CmdLine:text(...)
   local parts = {}
   for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
   self._items[#self._items + 1] = { kind = "text", text = table.concat(parts, " ") }
   return self
end

local function checkfresh(self, key, what)
   if self._options[key] or self._argnames and self._argnames[key] then
      error("hm.CmdLine: " .. what .. " '" .. key .. "' is defined twice", 3)
   end
end

--- cmd:option(name, default, help) -> cmd
-- ARGS: name ('-lr'; the result key is the name without dashes), default (a number, string
--       or boolean; it sets the option's type; nil means a string with no default), help text
-- ERRORS: a name without a leading dash, an unsupported default type, a duplicate name
function CmdLine:option(name, default, help)
   if type(name) ~= "string" or not name:match("^%-%-?[^-]") then
      error("bad argument #1 to 'option' (option name like '-lr' expected, got "
            .. tostring(name) .. ")", 2)
   end
   local kind = type(default)
   if kind == "nil" then kind = "string"
   elseif kind ~= "number" and kind ~= "string" and kind ~= "boolean" then
      error("bad argument #2 to 'option' (number, string or boolean default expected, got "
            .. kind .. ")", 2)
   end
   local key = name:gsub("^%-+", "")
   self._argnames = self._argnames or {}
   checkfresh(self, key, "option")
   local o = { kind = "option", name = "-" .. key, key = key, default = default, type = kind,
               help = help or "" }
   self._options[key] = o
   self._items[#self._items + 1] = o
   return self
end

--- cmd:argument(name, help) -> cmd: a required positional argument, stored as opt[name]
-- ERRORS: a name that is not a string, a duplicate name
function CmdLine:argument(name, help)
   if type(name) ~= "string" or name == "" then
      error("bad argument #1 to 'argument' (argument name expected, got " .. tostring(name) .. ")", 2)
   end
   self._argnames = self._argnames or {}
   checkfresh(self, name, "argument")
   local a = { kind = "argument", name = name, key = name, help = help or "" }
   self._argnames[name] = a
   self._arguments[#self._arguments + 1] = a
   self._items[#self._items + 1] = a
   return self
end

local function defaultstr(o)
   if o.default == nil then return "" end
   return " [" .. tostring(o.default) .. "]"
end

--- cmd:helpstring([progname]) -> the help text: a usage line, then the text lines, options
-- (with their defaults) and arguments in the order they were declared
function CmdLine:helpstring(progname)
   progname = progname or (arg and arg[0]) or "<script>"
   local usage = { "Usage: " .. progname .. " [options]" }
   for _, a in ipairs(self._arguments) do usage[#usage + 1] = "<" .. a.name .. ">" end
   local width = 0
   for _, it in ipairs(self._items) do
      if it.kind ~= "text" and #it.name > width then width = #it.name end
   end
   local lines = { table.concat(usage, " ") }
   for _, it in ipairs(self._items) do
      if it.kind == "text" then
         lines[#lines + 1] = it.text
      else
         lines[#lines + 1] = string.format("  %-" .. width .. "s  %s%s", it.name, it.help,
                                           it.kind == "option" and defaultstr(it) or "")
      end
   end
   lines[#lines + 1] = string.format("  %-" .. width .. "s  %s", "-h", "print this help and exit")
   return table.concat(lines, "\n") .. "\n"
end

--- cmd:help([progname]): write the help text to standard output
function CmdLine:help(progname)
   io.write(self:helpstring(progname))
end

local function usageerror(self, msg)
   error("hm.CmdLine: " .. msg .. "\n" .. self:helpstring(), 3)
end

local function convert(self, o, value, spelled)
   if o.type == "number" then
      local v = tonumber(value)
      if v == nil then
         usageerror(self, "option '" .. spelled .. "' expects a number, got '" .. value .. "'")
      end
      return v
   elseif o.type == "boolean" then
      local v = ({ ["true"] = true, ["1"] = true, ["false"] = false, ["0"] = false })[value]
      if v == nil then
         usageerror(self, "option '" .. spelled .. "' expects true or false, got '" .. value .. "'")
      end
      return v
   end
   return value
end

--- cmd:parse([args]) -> options table
-- ARGS: args, a list of strings (default: the global arg of the script)
-- RETURNS: a table with every option's value (its default unless given) and every argument
-- ERRORS: an unknown option, a missing or ill-typed value, a missing or extra positional
--         argument; the message ends with the help text. -h/--help prints the help, os.exit(0)
function CmdLine:parse(args)
   args = args or arg or {}
   local opt, positional = {}, {}
   for key, o in pairs(self._options) do opt[key] = o.default end
   local i, n, only = 1, #args, false
   while i <= n do
      local a = tostring(args[i])
      local dashes, name, inline = a:match("^(%-%-?)([^-=][^=]*)=(.*)$")
      if not dashes then dashes, name = a:match("^(%-%-?)([^-=].*)$") end
      -- "-5" and "-.5" are values, not options
      if only or not dashes or name:match("^[%d.]") then
         positional[#positional + 1] = a
      elseif (name == "h" or name == "help") and not self._options[name] then
         self:help()
         os.exit(0)
      else
         local o = self._options[name]
         if not o then usageerror(self, "unknown option '" .. dashes .. name .. "'") end
         if o.type == "boolean" then
            if inline then opt[name] = convert(self, o, inline, a)
            else opt[name] = not o.default end
         else
            local value = inline
            if value == nil then
               i = i + 1
               if i > n then usageerror(self, "option '" .. a .. "' needs a value") end
               value = tostring(args[i])
            end
            opt[name] = convert(self, o, value, dashes .. name)
         end
      end
      if a == "--" and not only then
         positional[#positional] = nil
         only = true
      end
      i = i + 1
   end
   local want = #self._arguments
   if #positional < want then
      usageerror(self, "missing argument <" .. self._arguments[#positional + 1].name .. ">")
   elseif #positional > want then
      usageerror(self, "unexpected argument '" .. positional[want + 1] .. "'")
   end
   for k, a in ipairs(self._arguments) do opt[a.key] = positional[k] end
   return opt
end

--- cmd:string(prefix, params [, ignore]) -> "prefix,lr=0.01,quick=true": the options whose
-- values differ from their defaults, sorted by name (Torch7's naming of experiment folders);
-- ignore is a set {key = true} of options to leave out
function CmdLine:string(prefix, params, ignore)
   ignore = ignore or {}
   local keys = {}
   for key, o in pairs(self._options) do
      if not ignore[key] and params[key] ~= nil and params[key] ~= o.default then
         keys[#keys + 1] = key
      end
   end
   table.sort(keys)
   local parts = { prefix }
   for _, key in ipairs(keys) do parts[#parts + 1] = key .. "=" .. tostring(params[key]) end
   return table.concat(parts, ",")
end

return setmetatable(CmdLine, { __call = function() return CmdLine.new() end })

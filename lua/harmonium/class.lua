--[[ hm.class: Torch7's torch.class, without globals.

   local Foo = hm.class('nn.Foo')                 -- a new class
   local Bar, parent = hm.class('nn.Bar', 'nn.Foo') -- a subclass (parent by name or class)
   function Bar:__init(n) parent.__init(self) self.n = n end
   function Bar:__tostring() return 'nn.Bar(' .. self.n .. ')' end
   local b = Bar(3)             -- or Bar.new(3): a table whose metatable is Bar
   hm.type(b)                   -- 'nn.Bar'
   hm.isTypeOf(b, 'nn.Foo')     -- true

A class is a table that is both the metatable of its instances (__index is the class
itself) and the place its methods live; its own metatable makes it callable and sends
missing keys to the parent, so methods inherit. Lua looks metamethods up with rawget, so
each class gets small forwarding functions for the usual metamethods (__tostring, __add,
__eq, ...) that find the nearest definition up the parent chain at call time, as Torch7's
luaT does: a metamethod defined on a parent after the child was created still applies.

Every class is recorded by name in hm.class.registry, which hm.load uses to bring objects
back; defining a name again replaces the entry.
]]

local M = {}

--- hm.class.registry: class name -> class table (the instances' metatable)
M.registry = {}

local registry = M.registry

-- Forwarded metamethods. __index, __newindex, __gc and __mode are left alone: the first two
-- implement inheritance, and a forwarding __gc would make every object finalizable.
local metanames = { "__tostring", "__add", "__sub", "__mul", "__div", "__mod", "__pow",
                    "__unm", "__idiv", "__band", "__bor", "__bxor", "__shl", "__shr",
                    "__bnot", "__concat", "__len", "__eq", "__lt", "__le", "__call",
                    "__close" }

local classes = setmetatable({}, { __mode = "k" })   -- every class ever made -> true
local forwarders = {}        -- metamethod name -> its shared forwarding function
local isforwarder = {}       -- function -> true

-- The parent of a class: its metatable's __index (nil for a root class).
local function parentOf(cls)
   local mt = getmetatable(cls)
   return mt and mt.__index or nil
end

-- The nearest real definition of a metamethod for class cls, skipping forwarders.
local function findmeta(cls, name)
   while cls do
      local f = rawget(cls, name)
      if f ~= nil and not isforwarder[f] then return f end
      cls = parentOf(cls)
   end
   return nil
end

-- The class of an operand if it is an hm.class object (also of a class since redefined).
local function classOf(x)
   local mt = getmetatable(x)
   if classes[mt] then return mt end
   return nil
end

-- What Lua would do when no class in the chain defines the metamethod.
local function fallback(name, cls, a, b)
   if name == "__tostring" then return string.format("%s: %p", cls.__typename, a) end
   if name == "__eq" then return rawequal(a, b) end
   if name == "__len" then return rawlen(a) end
   if name == "__close" then return nil end
   local what = ({ __lt = "compare", __le = "compare", __call = "call", __concat = "concatenate" })[name]
      or "perform arithmetic on"
   error("attempt to " .. what .. " a " .. cls.__typename .. " value", 3)
end

for _, name in ipairs(metanames) do
   local f = function(a, b, ...)
      local cls = classOf(a) or classOf(b)
      local impl = cls and findmeta(cls, name)
      if impl then return impl(a, b, ...) end
      return fallback(name, cls, a, b)
   end
   forwarders[name] = f
   isforwarder[f] = true
end

-- A class given by name or as a class table, or nil with a message.
local function resolve(spec)
   if type(spec) == "string" then
      local cls = registry[spec]
      if not cls then return nil, "unknown class '" .. spec .. "'" end
      return cls
   elseif classes[spec] then
      return spec
   end
   return nil, "class name or class expected, got " .. type(spec)
end

--- hm.class.new(name [, parent [, module]]) -> class, parentClass
-- Also callable as hm.class(name, parent, module).
-- ARGS: name (string, e.g. 'nn.Linear'); parent (optional, a class name or class table);
--       module (optional table: module[<last part of name>] = class, as Torch's globals did)
-- RETURNS: the class table and the parent class (nil for a root class)
-- ERRORS: bad name, unknown parent
function M.new(name, parent, module)
   if type(name) ~= "string" or name == "" then
      error("bad argument #1 to 'class' (class name expected, got " .. type(name) .. ")", 2)
   end
   local parentCls
   if parent ~= nil then
      local err
      parentCls, err = resolve(parent)
      if not parentCls then error("bad argument #2 to 'class' (" .. err .. ")", 2) end
   end
   if module ~= nil and type(module) ~= "table" then
      error("bad argument #3 to 'class' (table expected, got " .. type(module) .. ")", 2)
   end

   local cls = { __typename = name }
   cls.__index = cls
   for mname, f in pairs(forwarders) do cls[mname] = f end

   --- Class.new(...) / Class(...): a new instance, initialised by the nearest __init
   cls.new = function(...)
      local self = setmetatable({}, cls)
      local init = cls.__init
      if init then init(self, ...) end
      return self
   end

   setmetatable(cls, {
      __index = parentCls,
      __call = function(_, ...) return cls.new(...) end,
      __tostring = function() return name end,
   })
   registry[name] = cls
   classes[cls] = true
   if module then module[name:match("([^.]+)$")] = cls end
   return cls, parentCls
end

--- hm.class.parent(cls) -> the parent class of cls, or nil for a root class
function M.parent(cls)
   return parentOf(cls)
end

--- hm.class.metatable(name) -> the class registered under name, or nil (torch.getmetatable)
function M.metatable(name)
   return registry[name]
end

--- hm.class.factory(name) -> a function returning an uninitialised instance (no __init call),
-- as Torch7's torch.factory; used to rebuild objects whose fields come from a file
-- ERRORS: unknown class
function M.factory(name)
   local cls = registry[name]
   if not cls then error("hm.class.factory: unknown class '" .. tostring(name) .. "'", 2) end
   return function() return setmetatable({}, cls) end
end

--- hm.class.isTypeOf(obj, spec) -> boolean (also hm.isTypeOf)
-- True when obj is an instance of the class spec (a name or class table) or of a subclass of
-- it; for tensors, when spec is the tensor's type name ('hm.FloatTensor'). Names match exactly.
function M.isTypeOf(obj, spec)
   local mt = getmetatable(obj)
   if type(mt) ~= "table" then return false end
   local want = type(spec) == "table" and rawget(spec, "__typename") or spec
   if type(want) ~= "string" then return false end
   local cls = classOf(obj)
   if not cls then
      -- not a class object: compare the type name (tensors)
      local ok, hm = pcall(require, "harmonium.core")
      if ok and mt == hm._metatable then
         return obj:_typename() == want:gsub("^torch%.", "hm.")
      end
      return false
   end
   while cls do
      if rawget(cls, "__typename") == want then return true end
      cls = parentOf(cls)
   end
   return false
end

--- hm.class.isObject(x) -> true when x is an instance of an hm.class class
function M.isObject(x)
   return classOf(x) ~= nil
end

--- hm.class.isClass(x) -> true when x is a class made by hm.class
function M.isClass(x)
   return classes[x] == true
end

-- init.lua installs this module as hm.class; hm.isTypeOf is Torch7's torch.isTypeOf.
do
   local ok, core = pcall(require, "harmonium.core")
   if ok and type(core) == "table" then rawset(core, "isTypeOf", M.isTypeOf) end
end

return setmetatable(M, { __call = function(_, ...) return M.new(...) end })

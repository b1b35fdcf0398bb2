--[[ harmonium: a Torch7-style deep-learning environment.

   local hm = require 'harmonium'
   local x = hm.Tensor(2, 3):uniform()

The C core (harmonium.core) holds tensors and their math; this file adds the tensor type
classes (hm.FloatTensor, ...), the default type, and loads the Lua parts. Sub-libraries
(hm.nn, hm.optim, ...) load on first use.
]]

local C = require 'harmonium.core'

local hm = C
hm._VERSION = "harmonium scm"

------------------------------------------------------------------ tensor types

local typeOf = { ["hm.ByteTensor"] = "byte", ["hm.LongTensor"] = "long",
                 ["hm.FloatTensor"] = "float", ["hm.DoubleTensor"] = "double" }
local typeNames = { [0] = "hm.ByteTensor", "hm.LongTensor", "hm.FloatTensor", "hm.DoubleTensor" }
hm._typeNames = typeNames

-- Torch7 users write torch.FloatTensor; accept that spelling wherever a type name is taken.
local function canonicalType(name)
   if type(name) ~= "string" then return nil end
   name = name:gsub("^torch%.", "hm.")
   if typeOf[name] then return name end
   return nil
end
hm._canonicalType = canonicalType

local function makeTensorClass(name)
   local kind = typeOf[name]
   local cls = { __typename = name }
   cls.new = function(...) return C._new(kind, ...) end
   return setmetatable(cls, {
      __call = function(_, ...) return C._new(kind, ...) end,
      __tostring = function() return name end,
   })
end

hm.ByteTensor = makeTensorClass("hm.ByteTensor")
hm.LongTensor = makeTensorClass("hm.LongTensor")
hm.FloatTensor = makeTensorClass("hm.FloatTensor")
hm.DoubleTensor = makeTensorClass("hm.DoubleTensor")
hm.Tensor = hm.FloatTensor

local defaultType = "hm.FloatTensor"

--- hm.setdefaulttensortype(name): make hm.Tensor build tensors of type `name`
-- ('hm.FloatTensor' or 'hm.DoubleTensor'; 'torch.' spellings accepted).
function hm.setdefaulttensortype(name)
   local canon = canonicalType(name)
   if canon ~= "hm.FloatTensor" and canon ~= "hm.DoubleTensor" then
      error("bad argument #1 to 'setdefaulttensortype' (hm.FloatTensor or hm.DoubleTensor expected, got "
            .. tostring(name) .. ")", 2)
   end
   defaultType = canon
   hm.Tensor = hm[canon:sub(4)]
end

--- hm.getdefaulttensortype() -> the name of the default tensor type
function hm.getdefaulttensortype()
   return defaultType
end

--- hm.isTensor(x) -> true when x is a tensor of any type
function hm.isTensor(x)
   return getmetatable(x) == C._metatable
end

--- hm.typename(x) / hm.type(x) -> 'hm.FloatTensor' for tensors, the class name of
-- hm.class objects, else Lua's type(x)
function hm.type(x)
   if getmetatable(x) == C._metatable then return x:_typename() end
   local mt = getmetatable(x)
   if type(mt) == "table" and rawget(mt, "__typename") then return mt.__typename end
   return type(x)
end
hm.typename = hm.type

------------------------------------------------------------------ Lua parts

require('harmonium.tensor')(hm)

-- Utilities Torch7 users reach for, and serialization.
hm.class = require 'harmonium.class'
hm.Timer = require 'harmonium.Timer'
hm.CmdLine = require 'harmonium.CmdLine'
do
   local ser = require 'harmonium.serialize'
   hm.save, hm.load = ser.save, ser.load
   hm.savenpy, hm.loadnpy = ser.savenpy, ser.loadnpy
   hm.serialize, hm.deserialize = ser.serialize, ser.deserialize
end

-- Sub-libraries load on first use: hm.nn, hm.optim, ...
local lazy = {}
setmetatable(hm, {
   __index = function(t, k)
      if type(k) ~= "string" or lazy[k] == false then return nil end
      local ok, mod = pcall(require, "harmonium." .. k)
      if ok then
         rawset(t, k, mod)
         return mod
      end
      -- a missing module is nil; a module that fails to load reports why
      if not tostring(mod):find("module 'harmonium." .. k .. "' not found", 1, true) then
         error(mod, 2)
      end
      lazy[k] = false
      return nil
   end,
})

return hm

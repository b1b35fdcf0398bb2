--[[ Tensor sugar in Lua: printing (Torch7's layout and footer), type conversion,
arithmetic operators, and size tables that print as "2x3".
Loaded by init.lua as require('harmonium.tensor')(hm).
]]

local M = {}

local function install(hm)
   local methods = hm._methods
   local meta = hm._metatable
   local typeNames = hm._typeNames

   ---------------------------------------------------------------- size tables
   local LS = hm._LongStorage
   LS.__index = {
      totable = function(s) local t = {} for i = 1, #s do t[i] = s[i] end return t end,
      size = function(s) return #s end,
   }
   LS.__tostring = function(s)
      local parts = {}
      for i = 1, #s do parts[i] = tostring(s[i]) end
      return table.concat(parts, "x")
   end
   LS.__eq = function(a, b)
      if #a ~= #b then return false end
      for i = 1, #a do if a[i] ~= b[i] then return false end end
      return true
   end
   --- hm.LongStorage{2, 3} -> a size table usable as hm.Tensor(sizes)
   hm.LongStorage = function(t)
      local s = {}
      if type(t) == "table" then for i = 1, #t do s[i] = t[i] end
      elseif type(t) == "number" then for i = 1, t do s[i] = 0 end end
      return setmetatable(s, LS)
   end

   ---------------------------------------------------------------- types

   --- t:type() -> type name; t:type(name) -> t itself if already of that type, else a copy
   function methods.type(t, name)
      if name == nil then return t:_typename() end
      local canon = hm._canonicalType(name)
      if not canon then
         error("bad argument #1 to 'type' (tensor type name expected, got " .. tostring(name) .. ")", 2)
      end
      if canon == t:_typename() then return t end
      return hm[canon:sub(4)](t)
   end
   function methods.typeAs(t, other) return t:type(other:type()) end
   function methods.float(t) return t:type("hm.FloatTensor") end
   function methods.double(t) return t:type("hm.DoubleTensor") end
   function methods.byte(t) return t:type("hm.ByteTensor") end
   function methods.long(t) return t:type("hm.LongTensor") end
   function methods.isTensor() return true end
   --- t:new() -> an empty tensor of the same type (Torch7)
   function methods.new(t, ...) return hm[t:_typename():sub(4)](...) end
   --- t:expandAs(u) -> t expanded to u's size
   function methods.expandAs(t, u) return t:expand(u:size()) end
   function methods.viewAs(t, u) return t:view(u:size()) end

   ---------------------------------------------------------------- sub
   -- Torch7 spells both a sub-tensor view, t:sub(d1s, d1e [, d2s, d2e ...]), and
   -- subtraction (csub). Here `sub` is both: pairs of integers and nothing else make a
   -- view; anything with a tensor or a single number subtracts (csub is always subtraction).
   local subtract = methods.sub
   local subtractF = hm.sub
   methods.csub, hm.csub = subtract, subtractF

   local function subview(t, ...)
      local n = select("#", ...)
      if n > 2 * t:dim() then
         error(string.format("bad argument #%d to 'sub' (%d index pairs for a %dD tensor)",
            n, n // 2, t:dim()), 3)
      end
      local r = t
      for d = 1, n // 2 do
         local s, e = select(2 * d - 1, ...)
         local size = t:size(d)
         if s < 0 then s = s + size + 1 end
         if e < 0 then e = e + size + 1 end
         if s < 1 or e > size or e < s - 1 then
            error(string.format("bad argument #%d to 'sub' (range %d..%d out of bounds for dimension %d of size %d)",
               2 * d - 1, s, e, d, size), 3)
         end
         r = r:narrow(d, s, e - s + 1)
      end
      return r
   end

   local function isSubview(n, ...)
      if n < 2 or n % 2 ~= 0 then return false end
      for i = 1, n do
         if math.type((select(i, ...))) ~= "integer" then return false end
      end
      return true
   end

   function methods.sub(t, ...)
      if hm.isTensor(t) and isSubview(select("#", ...), ...) then return subview(t, ...) end
      return subtract(t, ...)
   end
   function hm.sub(t, ...)
      if hm.isTensor(t) and isSubview(select("#", ...), ...) then return subview(t, ...) end
      return subtractF(t, ...)
   end

   ---------------------------------------------------------------- constructors
   -- Torch7's hm.zeros(2, 3), hm.ones, hm.eye, hm.range, hm.linspace, hm.cat, in the
   -- default type.

   --- hm.zeros(sizes...) / hm.ones(sizes...) -> new tensor of the default type
   function hm.zeros(...) return hm.Tensor(...) end
   function hm.ones(...) return hm.Tensor(...):fill(1) end

   --- hm.eye(n [, m]) -> n x m identity
   function hm.eye(n, m)
      m = m or n
      local t = hm.Tensor(n, m)
      for i = 1, math.min(n, m) do t[i][i] = 1 end
      return t
   end

   --- hm.range(a, b [, step]) -> 1D tensor a, a+step, ..., up to b (inclusive, Torch7)
   function hm.range(a, b, step)
      step = step or 1
      if step == 0 then error("bad argument #3 to 'range' (step must be nonzero)", 2) end
      local n = math.floor((b - a) / step + 1e-9) + 1
      if n < 0 then n = 0 end
      local t = hm.Tensor(n)
      for i = 1, n do t[i] = a + (i - 1) * step end
      return t
   end

   --- hm.linspace(a, b [, n=100]) -> n points evenly spaced from a to b
   function hm.linspace(a, b, n)
      n = n or 100
      if n < 1 or math.type(n) ~= "integer" then
         error("bad argument #3 to 'linspace' (positive integer expected)", 2)
      end
      local t = hm.Tensor(n)
      for i = 1, n do t[i] = n == 1 and a or a + (b - a) * (i - 1) / (n - 1) end
      return t
   end

   --- hm.cat([res,] {t1, t2, ...} | t1, t2 [, dim]) -> tensors joined along dim
   -- (default: the last dimension), Torch7's torch.cat
   function hm.cat(...)
      local args = table.pack(...)
      local res, list, dim
      local i = 1
      if hm.isTensor(args[1]) and type(args[2]) == "table" and not hm.isTensor(args[2]) then
         res, i = args[1], 2
      end
      if type(args[i]) == "table" and not hm.isTensor(args[i]) then
         list, dim = args[i], args[i + 1]
      else
         list = {}
         while hm.isTensor(args[i]) do list[#list + 1] = args[i]; i = i + 1 end
         dim = args[i]
      end
      if #list == 0 then error("bad argument #1 to 'cat' (tensors expected)", 2) end
      local first = list[1]
      dim = dim or first:dim()
      local size = first:size():totable()
      local total = 0
      for k, t in ipairs(list) do
         if t:dim() ~= first:dim() then
            error(string.format("bad argument #%d to 'cat' (%dD tensor expected, got %dD)", k, first:dim(), t:dim()), 2)
         end
         for d = 1, first:dim() do
            if d ~= dim and t:size(d) ~= first:size(d) then
               error(string.format("bad argument #%d to 'cat' (size mismatch: dimension %d is %d, expected %d)",
                  k, d, t:size(d), first:size(d)), 2)
            end
         end
         total = total + t:size(dim)
      end
      size[dim] = total
      res = res or first:new()
      res:resize(hm.LongStorage(size))
      local offset = 1
      for _, t in ipairs(list) do
         res:narrow(dim, offset, t:size(dim)):copy(t)
         offset = offset + t:size(dim)
      end
      return res
   end

   ---------------------------------------------------------------- printing

   local function isIntegral(t)
      local k = t:_typeindex()
      return k == 0 or k == 1
   end

   -- Choose one format for every element, as Torch7 does: integers when all values are
   -- whole, fixed point for moderate magnitudes, otherwise scientific.
   local function chooseFormat(t)
      local flat = t:contiguous():view(-1)
      local n = flat:nElement()
      local maxabs, allint = 0, true
      for i = 1, n do
         local v = flat[i]
         if v ~= v or v == math.huge or v == -math.huge then
            -- nan/inf print as themselves
         else
            local a = math.abs(v)
            if a > maxabs then maxabs = a end
            if allint and v ~= math.floor(v) then allint = false end
         end
      end
      if isIntegral(t) or (allint and maxabs < 1e9) then
         local w = #string.format("%d", math.floor(maxabs)) + 1
         local fmt = "%" .. w .. "d"
         return function(v)
            if v ~= v or v == math.huge or v == -math.huge then return string.format("%" .. w .. "s", tostring(v)) end
            return string.format(fmt, math.floor(v))
         end, w
      end
      if maxabs >= 1e-4 and maxabs < 1e5 then
         local w = #string.format("%d", math.floor(maxabs)) + 6
         local fmt = "%" .. w .. ".4f"
         return function(v) return string.format(fmt, v) end, w
      end
      return function(v) return string.format("%11.4e", v) end, 11
   end

   local EDGE, LIMIT = 3, 1000     -- summarise tensors over LIMIT elements with EDGE items

   local function indices(n, summarise)
      local idx = {}
      if summarise and n > 2 * EDGE then
         for i = 1, EDGE do idx[#idx + 1] = i end
         idx[#idx + 1] = false
         for i = n - EDGE + 1, n do idx[#idx + 1] = i end
      else
         for i = 1, n do idx[i] = i end
      end
      return idx
   end

   local function matrixLines(m, fmt, out, summarise)
      for _, i in ipairs(indices(m:size(1), summarise)) do
         if not i then out[#out + 1] = " ..." else
            local row, cells = m[i], {}
            for _, j in ipairs(indices(m:size(2), summarise)) do
               cells[#cells + 1] = j and fmt(row[j]) or " ..."
            end
            out[#out + 1] = table.concat(cells, " ")
         end
      end
   end

   local function slices(t, prefix, fmt, out, summarise)
      if t:dim() == 2 then
         out[#out + 1] = "(" .. prefix .. ".,.) = "
         matrixLines(t, fmt, out, summarise)
         out[#out + 1] = ""
         return
      end
      for _, i in ipairs(indices(t:size(1), summarise)) do
         if not i then out[#out + 1] = "..." out[#out + 1] = "" else
            slices(t:select(1, i), prefix .. i .. ",", fmt, out, summarise)
         end
      end
   end

   --- tostring(t): values, then a footer like "[hm.FloatTensor of size 2x3]"
   local function tensorToString(t)
      local out = {}
      local name = t:_typename()
      if t:dim() == 0 or t:nElement() == 0 then
         return "[" .. name .. " with no dimension]"
      end
      local summarise = t:nElement() > LIMIT
      local fmt = chooseFormat(t)
      if t:dim() == 1 then
         for _, i in ipairs(indices(t:size(1), summarise)) do
            out[#out + 1] = i and fmt(t[i]) or " ..."
         end
      elseif t:dim() == 2 then
         matrixLines(t, fmt, out, summarise)
      else
         slices(t, "", fmt, out, summarise)
      end
      out[#out + 1] = "[" .. name .. " of size " .. tostring(t:size()) .. "]"
      return table.concat(out, "\n")
   end
   meta.__tostring = tensorToString
   meta.__name = "harmonium.Tensor"

   ---------------------------------------------------------------- operators
   -- a + b, a - b, -a, a * number, a / number; a * b for tensors is mm/mv/dot as in Torch7.

   local function isT(x) return getmetatable(x) == meta end

   meta.__add = function(a, b)
      if isT(a) and isT(b) then return hm.add(a, b) end
      if isT(a) then return hm.add(a, b) end
      return hm.add(b, a)
   end
   meta.__sub = function(a, b)
      if isT(a) then return hm.sub(a, b) end
      return hm.mul(b, -1):add(a)         -- number - tensor
   end
   meta.__unm = function(a) return hm.mul(a, -1) end
   meta.__mul = function(a, b)
      if isT(a) and isT(b) then
         if a:dim() == 1 and b:dim() == 1 then return hm.dot(a, b) end
         if a:dim() == 2 and b:dim() == 1 then return hm.mv(a, b) end
         return hm.mm(a, b)
      end
      if isT(a) then return hm.mul(a, b) end
      return hm.mul(b, a)
   end
   meta.__div = function(a, b)
      if isT(a) and type(b) == "number" then return hm.div(a, b) end
      if isT(a) and isT(b) then return hm.cdiv(a, b) end
      error("tensor division: tensor / number or tensor / tensor expected", 2)
   end
end

return setmetatable(M, { __call = function(_, hm) install(hm) end })

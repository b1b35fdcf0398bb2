--[[ Serialization: hm.save / hm.load (harmonium's own binary format), hm.serialize /
hm.deserialize (the same format in a string) and hm.savenpy / hm.loadnpy (NumPy .npy).

Format, version 1 (every integer little-endian, fixed width; DESIGN.md, "Serialization"):

   header   "HMSER\0" .. uint32 version
   value    one tag byte, then:
      0 nil | 1 false | 2 true
      3 integer   int64
      4 float     double
      5 string    int64 length, bytes
      6 table     int64 id, int64 npairs, npairs x (key value)
      7 ref       int64 id of a table, tensor or object written earlier
      8 tensor    int64 id, uint8 type (0 byte, 1 long, 2 float, 3 double), uint8 ndim,
                  ndim x int64 size, the elements row-major as raw little-endian bytes
      9 object    int64 id, class name (int64 length, bytes), int64 npairs, pairs
     10 sizes     a size table (t:size()): as a table, read back with its metatable

Tables, tensors and objects get ids 1, 2, ... in the order they are first written, and a
second reference to the same one is written as a ref, so shared references and cycles come
back as one object. An id is given before the contents are written, so a cycle refers to a
table still being filled. Views sharing one storage are written as independent tensors.
hm.class objects are written as their class name and fields and rebuilt through
hm.class.registry, without calling __init. Functions, coroutines and other userdata are
refused with the key path where they were found. No Lua bytecode is ever written.

Reading checks every length against the bytes that remain before it allocates, so a
truncated or corrupt file gives a Lua error naming the offset, never a crash and never a
giant allocation. Tensor bytes move in one memcpy or one fwrite/fread, straight between
the file and the tensor's memory (hm._tobytes, hm._frombytes, hm._fwrite, hm._fread in
serialize.c); files are read in 64 KB chunks, never whole. Writing goes to "<path>.tmp.<unique>", renamed over path only when complete:
a failed save leaves the old file as it was.
]]

local core = require 'harmonium.core'
local class = require 'harmonium.class'

local M = {}

local MAGIC = "HMSER\0"
local VERSION = 1
M.VERSION = VERSION

local T_NIL, T_FALSE, T_TRUE, T_INT, T_FLOAT, T_STRING = 0, 1, 2, 3, 4, 5
local T_TABLE, T_REF, T_TENSOR, T_OBJECT, T_SIZES = 6, 7, 8, 9, 10
local MAXDIM = 16
local typeNames = { [0] = "hm.ByteTensor", "hm.LongTensor", "hm.FloatTensor", "hm.DoubleTensor" }
local elsize = { [0] = 1, 8, 4, 8 }

------------------------------------------------------------------ errors

-- Internal failures are tables, so the public functions can re-raise them with the prefix
-- and the caller's position; any other error (out of memory, ...) passes through unchanged.
local function fail(msg)
   error({ hmmsg = msg }, 0)
end

local function rethrow(prefix, e, level)
   if type(e) == "table" and e.hmmsg then error(prefix .. e.hmmsg, level + 1) end
   error(e, 0)
end

local function checkpath(fname, path)
   if type(path) ~= "string" then
      error("bad argument #1 to '" .. fname .. "' (string expected, got " .. type(path) .. ")", 3)
   end
end

------------------------------------------------------------------ writing

-- The key path to a value, for messages: obj.modules[2].weight
local function pathstr(path)
   local parts = { "obj" }
   for i, k in ipairs(path) do
      if type(k) == "string" and k:match("^[%a_][%w_]*$") then parts[i + 1] = "." .. k
      elseif type(k) == "string" then parts[i + 1] = string.format("[%q]", k)
      elseif type(k) == "number" then parts[i + 1] = "[" .. tostring(k) .. "]"
      else parts[i + 1] = "[<" .. type(k) .. " key>]" end
   end
   return table.concat(parts)
end

-- A writer buffers small pieces and hands them to out(s) in batches; a tensor's bytes go
-- to tensor(t) directly (a file: fwrite from the tensor's memory), never into a bigger string.
local function newwriter(out, tensor)
   return { out = out, tensor = tensor or function(t) out(core._tobytes(t)) end, buf = {}, n = 0 }
end

local function flush(w)
   if w.n > 0 then
      w.out(table.concat(w.buf, "", 1, w.n))
      w.buf, w.n = {}, 0
   end
end

local function put(w, s)
   local n = w.n + 1
   w.buf[n] = s
   w.n = n
   if n >= 1024 then flush(w) end
end

local pack = string.pack
local encode

-- Fast path for the common pair of two scalars (numbers, strings): one pack call for both.
-- scalarkind: 1 integer, 2 float, 3 string; pairfmt[kk][vk] is the format of the pair.
local mathtype = math.type
local function scalarkind(v)
   local tv = type(v)
   if tv == "number" then return mathtype(v) == "integer" and 1 or 2 end
   if tv == "string" then return 3 end
   return nil
end
local kindfmt, kindtag = { "Bi8", "Bd", "Bs8" }, { T_INT, T_FLOAT, T_STRING }
local pairfmt = {}
for a = 1, 3 do
   pairfmt[a] = {}
   for b = 1, 3 do pairfmt[a][b] = "<" .. kindfmt[a] .. kindfmt[b] end
end

local function encodepairs(w, t, path)
   local n = 0
   for _ in next, t do n = n + 1 end
   put(w, pack("<i8", n))
   local depth = #path + 1
   for k, v in next, t do
      local kk, vk = scalarkind(k), scalarkind(v)
      if kk and vk then
         put(w, pack(pairfmt[kk][vk], kindtag[kk], k, kindtag[vk], v))
      else
         path[depth] = k
         encode(w, k, path)
         encode(w, v, path)
      end
   end
   path[depth] = nil
end

encode = function(w, v, path)
   local tv = type(v)
   if tv == "nil" then put(w, "\0")
   elseif tv == "boolean" then put(w, v and "\2" or "\1")
   elseif tv == "number" then
      if math.type(v) == "integer" then put(w, pack("<Bi8", T_INT, v))
      else put(w, pack("<Bd", T_FLOAT, v)) end
   elseif tv == "string" then put(w, pack("<Bs8", T_STRING, v))
   elseif tv == "table" or (tv == "userdata" and getmetatable(v) == core._metatable) then
      local id = w.ids[v]
      if id then put(w, pack("<Bi8", T_REF, id)) return end
      id = w.nextid
      w.nextid = id + 1
      w.ids[v] = id
      if tv == "userdata" then
         local ndim = v:dim()
         local head = { pack("<Bi8BB", T_TENSOR, id, v:_typeindex(), ndim) }
         for d = 1, ndim do head[d + 1] = pack("<i8", v:size(d)) end
         put(w, table.concat(head))
         flush(w)
         w.tensor(v)
         return
      end
      local mt = getmetatable(v)
      if mt == nil then
         put(w, pack("<Bi8", T_TABLE, id))
      elseif mt == core._LongStorage then
         put(w, pack("<Bi8", T_SIZES, id))
      elseif class.isClass(mt) then
         put(w, pack("<Bi8s8", T_OBJECT, id, mt.__typename))
      else
         fail("cannot serialize a table with a metatable that is not an hm.class class (at "
              .. pathstr(path) .. ")")
      end
      encodepairs(w, v, path)
   else
      fail("cannot serialize a " .. (tv == "userdata" and "userdata that is not a tensor" or tv)
           .. " (at " .. pathstr(path) .. ")")
   end
end

-- Write obj, header first, through out(s) and tensor(t).
local function writeall(obj, out, tensor)
   local w = newwriter(out, tensor)
   w.ids, w.nextid = {}, 1
   put(w, MAGIC .. pack("<I4", VERSION))
   encode(w, obj, {})
   flush(w)
end

-- A name no other save in this process or a concurrent one picks.
local counter = 0
local function tmpname(path)
   counter = counter + 1
   local addr = tostring({}):match("0x(%x+)") or ""
   return string.format("%s.tmp.%d.%s.%d", path, os.time(), addr, counter)
end

-- Write a file through produce(out, tensor): to a temporary, then renamed over path.
local function atomicwrite(fname, path, produce)
   local tmp = tmpname(path)
   local f, err = io.open(tmp, "wb")
   if not f then error(fname .. ": cannot write '" .. path .. "' (" .. tostring(err) .. ")", 3) end
   local function check(okw, werr)
      if not okw then fail("write error on '" .. path .. "' (" .. tostring(werr) .. ")") end
   end
   local ok, e = pcall(produce, function(s) check(f:write(s)) end,
                       function(t) check(core._fwrite(f, t)) end)
   local okc, cerr = f:close()
   if ok and not okc then ok, e = false, { hmmsg = "cannot close '" .. path .. "' (" .. tostring(cerr) .. ")" } end
   if ok then
      local okr, rerr = os.rename(tmp, path)
      if not okr then ok, e = false, { hmmsg = "cannot rename '" .. tmp .. "' to '" .. path .. "' (" .. tostring(rerr) .. ")" } end
   end
   if not ok then
      os.remove(tmp)
      rethrow(fname .. ": ", e, 3)
   end
end

--- hm.save(path, obj): write obj (nil, booleans, numbers, strings, tables, tensors, hm.class
-- objects, nested in any way, shared references and cycles included) to the file path.
-- ERRORS: path not a string; a function, coroutine or non-tensor userdata inside obj (the
-- message names its key path); I/O failures. On error the previous file at path is untouched.
function M.save(path, obj)
   checkpath("save", path)
   atomicwrite("hm.save", path, function(out, tensor) writeall(obj, out, tensor) end)
end

--- hm.serialize(obj) -> string: obj in hm.save's format
-- ERRORS: as hm.save
function M.serialize(obj)
   local parts = {}
   local ok, e = pcall(writeall, obj, function(s) parts[#parts + 1] = s end)
   if not ok then rethrow("hm.serialize: ", e, 2) end
   return table.concat(parts)
end

------------------------------------------------------------------ reading

local unpack = string.unpack

local CHUNK = 1 << 16

-- A source reads a string, or a file in chunks:
--   r.s     the bytes at hand; r.pos the next 1-based position in them
--   r.base  the stream offset of r.s's first byte; r.len the stream's total length
--   r.f     the file (nil for a string); the file position is always r.base + #r.s
--   r.has   "file has" or "data has", for messages
local function stringsource(s)
   return { s = s, pos = 1, base = 0, len = #s, has = "data has" }
end

local function filesource(f)
   local len = f:seek("end")
   f:seek("set", 0)
   return { s = "", pos = 1, base = 0, len = len or 0, f = f, has = "file has" }
end

local function offset(r) return r.base + r.pos - 1 end
local function remaining(r) return r.len - offset(r) end

local function truncated(r, n)
   fail(string.format("is truncated (needed %d bytes at offset %d, %s %d)", n, offset(r),
                      r.has, r.len))
end

-- Make n bytes available at r.pos, or fail when the stream does not hold them.
local function need(r, n)
   if n < 0 or n > remaining(r) then truncated(r, n) end
   if r.pos + n - 1 > #r.s then
      local rest = r.s:sub(r.pos)
      local more = r.f:read(math.max(n - #rest, CHUNK)) or ""
      r.base, r.s, r.pos = offset(r), rest .. more, 1
      if #r.s < n then truncated(r, n) end       -- the file shrank while we read it
   end
end

local function readint(r)
   need(r, 8)
   local v
   v, r.pos = unpack("<i8", r.s, r.pos)
   return v
end

local function readbyte(r)
   need(r, 1)
   local v = r.s:byte(r.pos)
   r.pos = r.pos + 1
   return v
end

local function readbytes(r, n)
   need(r, n)
   local s = r.s:sub(r.pos, r.pos + n - 1)
   r.pos = r.pos + n
   return s
end

local function readstring(r)
   local at = offset(r)
   local n = readint(r)
   if n < 0 then fail(string.format("is corrupt (negative string length at offset %d)", at)) end
   return readbytes(r, n)
end

-- Check that magic opens the stream: "bad magic", or "truncated" for a prefix of it.
local function readmagic(r, magic, what)
   local n = math.min(#magic, remaining(r))
   local head = readbytes(r, n)
   if head ~= magic:sub(1, n) then fail("is not a " .. what .. " (bad magic)") end
   if n < #magic then need(r, #magic - n) end
end

-- The element count of a tensor of the given sizes, or fail when its data (w bytes each)
-- cannot fit in what the stream holds; never overflows.
local function datasize(r, sizes, w, label)
   local left, n = remaining(r), #sizes > 0 and 1 or 0
   for _, sz in ipairs(sizes) do if sz == 0 then n = 0 end end
   if n > 0 then
      for _, sz in ipairs(sizes) do
         if n > left // sz then
            -- cannot fit: give the exact byte count when it is representable
            local total = w + 0.0
            for _, z in ipairs(sizes) do total = total * z end
            if total < 2^53 then truncated(r, math.tointeger(total)) end
            fail(string.format("is truncated (a %s of size %s needs more than the %d bytes left "
                               .. "at offset %d, %s %d)", label, table.concat(sizes, "x"), left,
                               offset(r), r.has, r.len))
         end
         n = n * sz
      end
   end
   if n * w > left then truncated(r, n * w) end
   return n * w
end

-- A tensor of nbytes of data at the current position: from the bytes at hand, or read from
-- the file straight into the tensor when they are not all here yet.
local function readtensor(r, tname, sizes, nbytes, srcfmt)
   local t
   if r.f == nil or r.pos + nbytes - 1 <= #r.s then
      t, r.pos = core._frombytes(tname, sizes, r.s, r.pos, srcfmt)
   else
      local off = offset(r)
      r.f:seek("set", off)
      t = core._fread(r.f, tname, sizes, srcfmt)
      r.s, r.pos, r.base = "", 1, off + nbytes
   end
   return t
end

local function corrupt(r, what, at)
   fail(string.format("is corrupt (%s at offset %d)", what, at))
end

local decode

local function newid(r, at)
   local id = readint(r)
   if id ~= r.nobj + 1 then corrupt(r, "object id " .. id .. " out of sequence", at) end
   r.nobj = id
   return id
end


-- Classes of our own libraries load on demand, so hm.load of a saved network works in a
-- fresh process: 'nn.Linear' loads harmonium.nn, 'hm.RBM' loads harmonium.RBM.
local function autoload(name)
   local candidates = {}
   local pkg, cls = name:match("^([%w_]+)%.([%w_]+)$")
   if pkg == "hm" then candidates = { "harmonium." .. cls, "harmonium." .. cls:lower() }
   elseif pkg then candidates = { "harmonium." .. pkg } end
   for _, m in ipairs(candidates) do
      if pcall(require, m) and class.registry[name] then return class.registry[name] end
   end
   return nil
end

local function decodepairs(r, t, at)
   local n = readint(r)
   -- each pair takes at least two tag bytes
   if n < 0 or n > remaining(r) // 2 then
      fail(string.format("is truncated or corrupt (a table of %d entries at offset %d cannot "
                         .. "fit in the %d bytes left)", n, at, remaining(r)))
   end
   for _ = 1, n do
      local kat = offset(r)
      local k = decode(r)
      if k == nil or k ~= k then corrupt(r, "nil or NaN table key", kat) end
      rawset(t, k, (decode(r)))
   end
end

decode = function(r)
   local at = offset(r)
   local tag = readbyte(r)
   if tag == T_NIL then return nil
   elseif tag == T_FALSE then return false
   elseif tag == T_TRUE then return true
   elseif tag == T_INT then return readint(r)
   elseif tag == T_FLOAT then
      need(r, 8)
      local v
      v, r.pos = unpack("<d", r.s, r.pos)
      return v
   elseif tag == T_STRING then return readstring(r)
   elseif tag == T_REF then
      local id = readint(r)
      if id < 1 or id > r.nobj then corrupt(r, "reference to unknown object " .. id, at) end
      return r.objs[id]
   elseif tag == T_TABLE or tag == T_SIZES then
      local id = newid(r, at)
      local t = {}
      if tag == T_SIZES then setmetatable(t, core._LongStorage) end
      r.objs[id] = t
      decodepairs(r, t, at)
      return t
   elseif tag == T_OBJECT then
      local id = newid(r, at)
      local name = readstring(r)
      local cls = class.registry[name] or autoload(name)
      if not cls then
         fail("contains an object of unknown class '" .. name .. "' (load the module that "
              .. "defines it first)")
      end
      local obj = setmetatable({}, cls)
      r.objs[id] = obj
      decodepairs(r, obj, at)
      return obj
   elseif tag == T_TENSOR then
      local id = newid(r, at)
      local ty, ndim = readbyte(r), readbyte(r)
      if ty > 3 then corrupt(r, "tensor type " .. ty, at) end
      if ndim > MAXDIM then corrupt(r, "tensor with " .. ndim .. " dimensions", at) end
      local sizes = {}
      for d = 1, ndim do
         local sz = readint(r)
         if sz < 0 then corrupt(r, "negative tensor size " .. sz, at) end
         sizes[d] = sz
      end
      local t = readtensor(r, typeNames[ty], sizes, datasize(r, sizes, elsize[ty], typeNames[ty]))
      r.objs[id] = t
      return t
   end
   corrupt(r, "unknown tag " .. tag, at)
end

-- Decode a whole stream (header, one value, nothing after).
local function readall(r)
   r.objs, r.nobj = {}, 0
   readmagic(r, MAGIC, "harmonium file")
   need(r, 4)
   local version
   version, r.pos = unpack("<I4", r.s, r.pos)
   if version ~= VERSION then
      fail("has unsupported version " .. version .. " (this build reads version " .. VERSION .. ")")
   end
   local v = decode(r)
   if remaining(r) > 0 then
      fail(string.format("is corrupt (%d bytes of trailing data at offset %d)", remaining(r),
                         offset(r)))
   end
   return v
end

-- Run reader(source) over the file at path, closing it whatever happens.
local function readfile(fname, path, reader)
   local f, err = io.open(path, "rb")
   if not f then error(fname .. ": cannot open '" .. path .. "' (" .. tostring(err) .. ")", 3) end
   local probe, rerr = f:read(0)            -- a directory opens, but cannot be read
   if probe == nil and rerr then
      f:close()
      error(fname .. ": cannot read '" .. path .. "' (" .. tostring(rerr) .. ")", 3)
   end
   local ok, v = pcall(reader, filesource(f))
   f:close()
   if not ok then rethrow(fname .. ": '" .. path .. "' ", v, 3) end
   return v
end

--- hm.load(path) -> the object hm.save wrote
-- ERRORS: a missing or unreadable file; "not a harmonium file (bad magic)"; "unsupported
-- version"; a truncated or corrupt file (the message names the offset); an object whose
-- class is not defined (require its module first)
function M.load(path)
   checkpath("load", path)
   return (readfile("hm.load", path, readall))
end

--- hm.deserialize(s) -> the object hm.serialize wrote into s
-- ERRORS: as hm.load
function M.deserialize(s)
   if type(s) ~= "string" then
      error("bad argument #1 to 'deserialize' (string expected, got " .. type(s) .. ")", 2)
   end
   local ok, v = pcall(readall, stringsource(s))
   if not ok then rethrow("hm.deserialize: data ", v, 2) end
   return v
end

------------------------------------------------------------------ NumPy .npy

local NPY_MAGIC = "\147NUMPY"
local npyDescr = { [0] = "|u1", "<i8", "<f4", "<f8" }
-- dtype -> {tensor type, source format for hm._frombytes, bytes per element}
local npyTypes = {
   ["|u1"] = { "byte", "native", 1 }, ["<u1"] = { "byte", "native", 1 },
   ["|b1"] = { "byte", "native", 1 }, ["<i8"] = { "long", "native", 8 },
   ["<i4"] = { "long", "i4", 4 }, ["<f4"] = { "float", "native", 4 },
   ["<f8"] = { "double", "native", 8 },
}

--- hm.savenpy(path, t): write tensor t as a NumPy .npy file (format 1.0, or 2.0 when the
-- header needs it), C order, dtype '|u1', '<i8', '<f4' or '<f8' by tensor type. An empty
-- tensor with no shape is written with shape (0,).
-- ERRORS: path not a string, t not a tensor, I/O failures (the old file stays intact)
function M.savenpy(path, t)
   checkpath("savenpy", path)
   if getmetatable(t) ~= core._metatable then
      error("bad argument #2 to 'savenpy' (tensor expected, got " .. type(t) .. ")", 2)
   end
   local dims = {}
   for d = 1, t:dim() do dims[d] = tostring(t:size(d)) end
   if #dims == 0 then dims[1] = "0" end
   local shape = #dims == 1 and "(" .. dims[1] .. ",)" or "(" .. table.concat(dims, ", ") .. ")"
   local dict = string.format("{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                              npyDescr[t:_typeindex()], shape)
   -- pad with spaces so the data start on a 64-byte boundary; the header ends with "\n"
   local major, prefix = 1, 10
   if #dict + 1 + prefix > 65535 then major, prefix = 2, 12 end
   local total = prefix + #dict + 1
   local header = dict .. string.rep(" ", (64 - total % 64) % 64) .. "\n"
   local lenfield = major == 1 and pack("<I2", #header) or pack("<I4", #header)
   atomicwrite("hm.savenpy", path, function(out, tensor)
      out(NPY_MAGIC .. string.char(major, 0) .. lenfield .. header)
      tensor(t)
   end)
end

-- A parser for the Python literal of the header: dicts, tuples, lists, strings, integers,
-- True, False and None. Returns the value; fails with a message on anything else.
local NONE = {}
local function parseliteral(src)
   local i = 1
   local function ws() i = src:find("[^ \t\r\n]", i) or #src + 1 end
   local function bad(what)
      fail("has an unreadable header (" .. what .. " at character " .. i .. " of " .. string.format("%q", src) .. ")")
   end
   local value
   local function seq(close)
      local list = {}
      while true do
         ws()
         if src:sub(i, i) == close then i = i + 1 return list end
         list[#list + 1] = value()
         ws()
         local c = src:sub(i, i)
         if c == "," then i = i + 1
         elseif c ~= close then bad("expected ',' or '" .. close .. "'") end
      end
   end
   value = function()
      ws()
      local c = src:sub(i, i)
      if c == "{" then
         i = i + 1
         local d = {}
         while true do
            ws()
            if src:sub(i, i) == "}" then i = i + 1 return d end
            local k = value()
            ws()
            if src:sub(i, i) ~= ":" then bad("expected ':'") end
            i = i + 1
            if type(k) ~= "string" then bad("non-string key") end
            d[k] = value()
            ws()
            c = src:sub(i, i)
            if c == "," then i = i + 1 elseif c ~= "}" then bad("expected ',' or '}'") end
         end
      elseif c == "(" then i = i + 1 return seq(")")
      elseif c == "[" then i = i + 1 return seq("]")
      elseif c == "'" or c == '"' then
         local j = i + 1
         local parts = {}
         while true do
            local ch = src:sub(j, j)
            if ch == "" then bad("unterminated string") end
            if ch == c then break end
            if ch == "\\" then j = j + 1 ch = src:sub(j, j) end
            parts[#parts + 1] = ch
            j = j + 1
         end
         i = j + 1
         return table.concat(parts)
      end
      local num = src:match("^%-?%d+", i)
      if num then
         i = i + #num
         if src:sub(i, i) == "L" then i = i + 1 end   -- Python 2 longs: 3L
         local v = math.tointeger(tonumber(num))
         if not v then bad("integer out of range") end
         return v
      end
      for word, v in pairs({ True = true, False = false, None = NONE }) do
         if src:sub(i, i + #word - 1) == word then i = i + #word return v end
      end
      bad("unexpected '" .. c .. "'")
   end
   local v = value()
   ws()
   if i <= #src then bad("trailing text") end
   return v
end

local function readnpy(r)
   readmagic(r, NPY_MAGIC, ".npy file")
   local major, minor = readbyte(r), readbyte(r)
   local hlen
   if major == 1 then
      need(r, 2)
      hlen, r.pos = unpack("<I2", r.s, r.pos)
   elseif major == 2 or major == 3 then
      need(r, 4)
      hlen, r.pos = unpack("<I4", r.s, r.pos)
   else
      fail("has unsupported .npy format version " .. major .. "." .. minor)
   end
   local header = readbytes(r, hlen)
   local d = parseliteral(header)
   if type(d) ~= "table" or d[1] ~= nil then fail("has a header that is not a dict") end
   local descr, fortran, shape = d.descr, d.fortran_order, d.shape
   if type(descr) ~= "string" then
      fail("has an unsupported dtype (" .. (type(descr) == "table" and "structured" or tostring(descr)) .. ")")
   end
   if type(fortran) ~= "boolean" then fail("has no valid 'fortran_order' in its header") end
   if type(shape) ~= "table" or shape == NONE then fail("has no valid 'shape' in its header") end
   if descr:sub(1, 1) == "=" and pack("=i2", 1):byte() == 1 then descr = "<" .. descr:sub(2) end
   local kind = npyTypes[descr]
   if not kind then
      local why = descr:sub(1, 1) == ">" and "big-endian" or "supported: <f4, <f8, |u1, <i8, <i4"
      fail("has unsupported dtype '" .. descr .. "' (" .. why .. ")")
   end
   if #shape > MAXDIM then fail("has " .. #shape .. " dimensions (at most " .. MAXDIM .. ")") end
   local sizes = {}
   for k, v in ipairs(shape) do
      if math.type(v) ~= "integer" or v < 0 then fail("has an invalid shape entry " .. tostring(v)) end
      sizes[k] = v
   end
   if #sizes == 0 then sizes[1] = 1 end          -- a NumPy scalar: one element
   local rev, perm = {}, {}
   for k = 1, #sizes do rev[k] = sizes[#sizes + 1 - k] perm[k] = #sizes + 1 - k end
   local label = "dtype " .. descr .. " array"
   if fortran and #sizes > 1 then
      -- Fortran order is C order of the reversed shape; transpose back
      local t = readtensor(r, kind[1], rev, datasize(r, rev, kind[3], label), kind[2])
      return t:permute(table.unpack(perm)):contiguous()
   end
   return readtensor(r, kind[1], sizes, datasize(r, sizes, kind[3], label), kind[2])
end

--- hm.loadnpy(path) -> tensor: read a NumPy .npy file (format 1.0, 2.0 or 3.0; dtype '<f4'
-- -> FloatTensor, '<f8' -> DoubleTensor, '|u1'/'|b1' -> ByteTensor, '<i8'/'<i4' -> LongTensor;
-- C or Fortran order; a 0-d array gives a 1-element 1D tensor)
-- ERRORS: a missing file, bad magic, an unsupported version or dtype (big-endian, object,
-- structured, ...), an unreadable header, a truncated file
function M.loadnpy(path)
   checkpath("loadnpy", path)
   return (readfile("hm.loadnpy", path, readnpy))
end

return M

--[[ IDX files (the format of MNIST and Fashion-MNIST), raw or gzip-compressed.

   local t = hm.data.readIDX('train-images-idx3-ubyte')        -- 60000x28x28 hm.ByteTensor
   local x = hm.data.readIDX('train-images-idx3-ubyte.gz', {type = 'float', scale = 1/255})
   hm.data.writeIDX('labels-idx1-ubyte.gz', labels:byte())      -- gzip by extension

An IDX file is a magic number (0x00 0x00, a type code, the number of dimensions), the
dimensions as big-endian uint32 values, then the elements, big-endian, row-major. Type codes:
0x08 u8 (hm.ByteTensor), 0x09 i8, 0x0B i16, 0x0C i32 (hm.LongTensor), 0x0D f32
(hm.FloatTensor), 0x0E f64 (hm.DoubleTensor). Parsing and checking happen in C (csrc/io.c).
]]

local hm = require 'harmonium'

local M = {}

local function rethrow(fname, ok, ...)
   if ok then return ... end
   local msg = tostring((...)):gsub("^[^:]*:%d+: ", "")
   error("hm.data." .. fname .. ": " .. msg, 3)
end

--- hm.data.readIDX(path [, opts]) -> tensor
-- Reads an IDX file, raw or gzip (recognised by its first two bytes, 1f 8b), as a tensor of
-- the file's shape and natural type (u8 -> hm.ByteTensor, i8/i16/i32 -> hm.LongTensor,
-- f32 -> hm.FloatTensor, f64 -> hm.DoubleTensor).
-- opts.type = 'float': a hm.FloatTensor instead; u8 files are converted in the same pass,
--    times opts.scale (default 1; 1/255 maps pixels to [0, 1]).
-- opts.n: keep only the first n items along dimension 1 (the rest is not read).
-- ERRORS: "hm.data.readIDX: 'path': <problem>" for a missing file, a truncated file, a wrong
-- magic number, an unsupported type code or dimension count, a size mismatch between the
-- header and the data, or a corrupt gzip stream. Nothing is allocated before the header's
-- size has been checked against the file.
function M.readIDX(path, opts)
   if type(path) ~= "string" then
      error("bad argument #1 to 'readIDX' (string expected, got " .. type(path) .. ")", 2)
   end
   opts = opts or {}
   if type(opts) ~= "table" then
      error("bad argument #2 to 'readIDX' (table expected, got " .. type(opts) .. ")", 2)
   end
   local n = opts.n
   if n ~= nil and (math.type(n) ~= "integer" or n < 0) then
      error("bad argument #2 to 'readIDX' (opts.n must be a non-negative integer)", 2)
   end
   if opts.type ~= nil and opts.type ~= "float" and opts.type ~= "native" then
      error("bad argument #2 to 'readIDX' (opts.type must be 'float' or 'native')", 2)
   end
   local wantFloat = opts.type == "float"
   local scale = opts.scale or 1
   -- u8 -> float in one pass in C; other types read natively, then converted
   local ok, t = pcall(hm._idxread, path, "native", 1, n)
   if wantFloat and ok then
      if t:type() == "hm.ByteTensor" then
         t = nil
         return rethrow("readIDX", pcall(hm._idxread, path, "float", scale, n))
      end
      t = t:float()
      if scale ~= 1 then t:mul(scale) end
      return t
   end
   return rethrow("readIDX", ok, t)
end

--- hm.data.writeIDX(path, t [, type]) -> true
-- Writes tensor t (1 to 16 dimensions) as an IDX file, gzip-compressed when path ends in
-- ".gz". type is the element type in the file: 'u8', 'i8', 'i16', 'i32', 'f32' or 'f64'
-- (default u8 for byte tensors, i32 for long, f32 for float, f64 for double). The file is
-- written under a temporary name and renamed into place.
-- ERRORS: a value that does not fit the integer type; float data with an integer type;
-- a file that cannot be written.
function M.writeIDX(path, t, ty)
   if type(path) ~= "string" then
      error("bad argument #1 to 'writeIDX' (string expected, got " .. type(path) .. ")", 2)
   end
   if not hm.isTensor(t) then
      error("bad argument #2 to 'writeIDX' (tensor expected, got " .. type(t) .. ")", 2)
   end
   return rethrow("writeIDX", pcall(hm._idxwrite, path, t, ty))
end

return M

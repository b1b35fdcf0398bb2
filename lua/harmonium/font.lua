--[[ hm.font: a small built-in bitmap font for plot labels (printable ASCII 32..126).

   local font = require 'harmonium.font'
   local w, h = font.measure('epoch 10', 2)          -- pixels at scale 2
   font.draw('epoch 10', 2, function(u, v) ... end)  -- called once per lit pixel

Each glyph is drawn on a 5 x 9 grid: rows 1-7 hold capitals and digits (the baseline is under
row 7), rows 8-9 the descenders of g, j, p, q, y and the comma. A glyph below is its rows from
the top, separated by '/', '#' for a lit pixel and '.' for a dark one; missing rows are dark.
The text is proportional: empty columns at a glyph's sides are trimmed and one blank column
separates glyphs, except that digits keep their full width so numbers line up. A space is 3
columns wide. Characters outside 32..126 draw as '?'.
]]

local M = {}

M.cellWidth = 5        -- the glyph grid
M.cellHeight = 9
M.ascent = 7           -- rows above the baseline
M.lineHeight = 11      -- baseline to baseline, at scale 1

local SPACE_WIDTH = 3

local glyphs = {
   [ 32] = "",                                                      -- space
   [ 33] = "..#../..#../..#../..#../..#../...../..#..",             -- '!'
   [ 34] = ".#.#./.#.#./.#.#.",                                     -- '"'
   [ 35] = ".#.#./.#.#./#####/.#.#./#####/.#.#./.#.#.",             -- '#'
   [ 36] = "..#../.####/#.#../.###./..#.#/####./..#..",             -- '$'
   [ 37] = "##.../##..#/...#./..#../.#.../#..##/...##",             -- '%'
   [ 38] = ".##../#..#./#.#../.#.../#.#.#/#..#./.##.#",             -- '&'
   [ 39] = "..#../..#../.#...",                                     -- "'"
   [ 40] = "...#./..#../.#.../.#.../.#.../..#../...#.",             -- '('
   [ 41] = ".#.../..#../...#./...#./...#./..#../.#...",             -- ')'
   [ 42] = "...../..#../#.#.#/.###./#.#.#/..#../.....",             -- '*'
   [ 43] = "...../..#../..#../#####/..#../..#../.....",             -- '+'
   [ 44] = "...../...../...../...../...../..#../..#../.#...",       -- ','
   [ 45] = "...../...../...../#####/...../...../.....",             -- '-'
   [ 46] = "...../...../...../...../...../.##../.##..",             -- '.'
   [ 47] = "...../....#/...#./..#../.#.../#..../.....",             -- '/'
   [ 48] = ".###./#...#/#...#/#...#/#...#/#...#/.###.",             -- '0'
   [ 49] = "..#../.##../..#../..#../..#../..#../.###.",             -- '1'
   [ 50] = ".###./#...#/....#/...#./..#../.#.../#####",             -- '2'
   [ 51] = ".###./#...#/....#/..##./....#/#...#/.###.",             -- '3'
   [ 52] = "...#./..##./.#.#./#..#./#####/...#./...#.",             -- '4'
   [ 53] = "#####/#..../####./....#/....#/#...#/.###.",             -- '5'
   [ 54] = "..##./.#.../#..../####./#...#/#...#/.###.",             -- '6'
   [ 55] = "#####/....#/...#./..#../.#.../.#.../.#...",             -- '7'
   [ 56] = ".###./#...#/#...#/.###./#...#/#...#/.###.",             -- '8'
   [ 57] = ".###./#...#/#...#/.####/....#/...#./.##..",             -- '9'
   [ 58] = "...../.##../.##../...../.##../.##../.....",             -- ':'
   [ 59] = "...../.##../.##../...../.##../..#../.#...",             -- ';'
   [ 60] = "...#./..#../.#.../#..../.#.../..#../...#.",             -- '<'
   [ 61] = "...../...../#####/...../#####/...../.....",             -- '='
   [ 62] = ".#.../..#../...#./....#/...#./..#../.#...",             -- '>'
   [ 63] = ".###./#...#/....#/...#./..#../...../..#..",             -- '?'
   [ 64] = ".###./#...#/....#/.##.#/#.#.#/#.#.#/.###.",             -- '@'
   [ 65] = ".###./#...#/#...#/#####/#...#/#...#/#...#",             -- 'A'
   [ 66] = "####./#...#/#...#/####./#...#/#...#/####.",             -- 'B'
   [ 67] = ".###./#...#/#..../#..../#..../#...#/.###.",             -- 'C'
   [ 68] = "###../#..#./#...#/#...#/#...#/#..#./###..",             -- 'D'
   [ 69] = "#####/#..../#..../####./#..../#..../#####",             -- 'E'
   [ 70] = "#####/#..../#..../####./#..../#..../#....",             -- 'F'
   [ 71] = ".###./#...#/#..../#.###/#...#/#...#/.####",             -- 'G'
   [ 72] = "#...#/#...#/#...#/#####/#...#/#...#/#...#",             -- 'H'
   [ 73] = ".###./..#../..#../..#../..#../..#../.###.",             -- 'I'
   [ 74] = "..###/...#./...#./...#./...#./#..#./.##..",             -- 'J'
   [ 75] = "#...#/#..#./#.#../##.../#.#../#..#./#...#",             -- 'K'
   [ 76] = "#..../#..../#..../#..../#..../#..../#####",             -- 'L'
   [ 77] = "#...#/##.##/#.#.#/#.#.#/#...#/#...#/#...#",             -- 'M'
   [ 78] = "#...#/#...#/##..#/#.#.#/#..##/#...#/#...#",             -- 'N'
   [ 79] = ".###./#...#/#...#/#...#/#...#/#...#/.###.",             -- 'O'
   [ 80] = "####./#...#/#...#/####./#..../#..../#....",             -- 'P'
   [ 81] = ".###./#...#/#...#/#...#/#.#.#/#..#./.##.#",             -- 'Q'
   [ 82] = "####./#...#/#...#/####./#.#../#..#./#...#",             -- 'R'
   [ 83] = ".####/#..../#..../.###./....#/....#/####.",             -- 'S'
   [ 84] = "#####/..#../..#../..#../..#../..#../..#..",             -- 'T'
   [ 85] = "#...#/#...#/#...#/#...#/#...#/#...#/.###.",             -- 'U'
   [ 86] = "#...#/#...#/#...#/#...#/#...#/.#.#./..#..",             -- 'V'
   [ 87] = "#...#/#...#/#...#/#.#.#/#.#.#/#.#.#/.#.#.",             -- 'W'
   [ 88] = "#...#/#...#/.#.#./..#../.#.#./#...#/#...#",             -- 'X'
   [ 89] = "#...#/#...#/.#.#./..#../..#../..#../..#..",             -- 'Y'
   [ 90] = "#####/....#/...#./..#../.#.../#..../#####",             -- 'Z'
   [ 91] = ".###./.#.../.#.../.#.../.#.../.#.../.###.",             -- '['
   [ 92] = "...../#..../.#.../..#../...#./....#/.....",             -- '\\'
   [ 93] = ".###./...#./...#./...#./...#./...#./.###.",             -- ']'
   [ 94] = "..#../.#.#./#...#",                                     -- '^'
   [ 95] = "...../...../...../...../...../...../...../#####",       -- '_'
   [ 96] = ".#.../..#../...#.",                                     -- '`'
   [ 97] = "...../...../.###./....#/.####/#...#/.####",             -- 'a'
   [ 98] = "#..../#..../#.##./##..#/#...#/#...#/####.",             -- 'b'
   [ 99] = "...../...../.###./#..../#..../#...#/.###.",             -- 'c'
   [100] = "....#/....#/.##.#/#..##/#...#/#...#/.####",             -- 'd'
   [101] = "...../...../.###./#...#/#####/#..../.###.",             -- 'e'
   [102] = "..##./.#..#/.#.../###../.#.../.#.../.#...",             -- 'f'
   [103] = "...../...../.####/#...#/#...#/#...#/.####/....#/.###.", -- 'g'
   [104] = "#..../#..../#.##./##..#/#...#/#...#/#...#",             -- 'h'
   [105] = "..#../...../.##../..#../..#../..#../.###.",             -- 'i'
   [106] = "...#./...../..##./...#./...#./...#./...#./#..#./.##..", -- 'j'
   [107] = "#..../#..../#..#./#.#../##.../#.#../#..#.",             -- 'k'
   [108] = ".##../..#../..#../..#../..#../..#../.###.",             -- 'l'
   [109] = "...../...../##.#./#.#.#/#.#.#/#.#.#/#.#.#",             -- 'm'
   [110] = "...../...../#.##./##..#/#...#/#...#/#...#",             -- 'n'
   [111] = "...../...../.###./#...#/#...#/#...#/.###.",             -- 'o'
   [112] = "...../...../####./#...#/#...#/#...#/####./#..../#....", -- 'p'
   [113] = "...../...../.####/#...#/#...#/#...#/.####/....#/....#", -- 'q'
   [114] = "...../...../#.##./##..#/#..../#..../#....",             -- 'r'
   [115] = "...../...../.####/#..../.###./....#/####.",             -- 's'
   [116] = ".#.../.#.../###../.#.../.#.../.#..#/..##.",             -- 't'
   [117] = "...../...../#...#/#...#/#...#/#..##/.##.#",             -- 'u'
   [118] = "...../...../#...#/#...#/#...#/.#.#./..#..",             -- 'v'
   [119] = "...../...../#...#/#...#/#.#.#/#.#.#/.#.#.",             -- 'w'
   [120] = "...../...../#...#/.#.#./..#../.#.#./#...#",             -- 'x'
   [121] = "...../...../#...#/#...#/#...#/#...#/.####/....#/.###.", -- 'y'
   [122] = "...../...../#####/...#./..#../.#.../#####",             -- 'z'
   [123] = "...#./..#../..#../.#.../..#../..#../...#.",             -- '{'
   [124] = "..#../..#../..#../..#../..#../..#../..#..",             -- '|'
   [125] = ".#.../..#../..#../...#./..#../..#../.#...",             -- '}'
   [126] = "...../...../.#.../#.#.#/...#./...../.....",             -- '~'
}

-- Compile each glyph once: lit pixels as a flat list of (column, row), 0-based from the
-- trimmed glyph's top-left, and its width after trimming.
local compiled = {}

local function compile(code)
   local src = glyphs[code]
   local rows = {}
   for r in src:gmatch("[^/]+") do rows[#rows + 1] = r end
   local lo, hi = M.cellWidth + 1, 0
   for _, r in ipairs(rows) do
      for c = 1, #r do
         if r:sub(c, c) == "#" then
            if c < lo then lo = c end
            if c > hi then hi = c end
         end
      end
   end
   local digit = code >= 48 and code <= 57
   if hi == 0 then                         -- blank (space)
      return { width = SPACE_WIDTH, pixels = {} }
   end
   if digit then lo, hi = 1, M.cellWidth end
   local pixels = {}
   for y, r in ipairs(rows) do
      for c = lo, hi do
         if r:sub(c, c) == "#" then
            pixels[#pixels + 1] = c - lo
            pixels[#pixels + 1] = y - 1
         end
      end
   end
   return { width = hi - lo + 1, pixels = pixels }
end

for code in pairs(glyphs) do compiled[code] = compile(code) end

--- font.glyph(ch) -> {width = w, pixels = {x1, y1, x2, y2, ...}} for the first character
-- of ch (a string or a code); '?' for characters the font lacks
function M.glyph(ch)
   local code = type(ch) == "number" and ch or string.byte(ch)
   return compiled[code] or compiled[63]
end

local function checkText(s, who)
   if type(s) == "number" then return tostring(s) end
   if type(s) ~= "string" then
      error("bad argument #1 to '" .. who .. "' (string expected, got " .. type(s) .. ")", 3)
   end
   return s
end

local function checkScale(scale, who)
   scale = scale or 1
   if math.type(scale) ~= "integer" or scale < 1 then
      error("bad argument #2 to '" .. who .. "' (positive integer scale expected, got " .. tostring(scale) .. ")", 3)
   end
   return scale
end

--- font.measure(s [, scale = 1]) -> width, height in pixels of the one-line text s
-- (height covers the descenders: cellHeight * scale)
function M.measure(s, scale)
   s = checkText(s, "measure")
   scale = checkScale(scale, "measure")
   local w = 0
   for i = 1, #s do
      w = w + M.glyph(s:byte(i)).width
      if i < #s then w = w + 1 end
   end
   return w * scale, M.cellHeight * scale
end

--- font.draw(s [, scale = 1], fn) -> width: calls fn(u, v) for every lit pixel of the text,
-- u to the right along the text and v down from the top of the cell (row 1 of the glyphs),
-- both 0-based; at scale k each glyph pixel becomes a k x k block
function M.draw(s, scale, fn)
   if fn == nil then scale, fn = 1, scale end
   s = checkText(s, "draw")
   scale = checkScale(scale, "draw")
   if type(fn) ~= "function" then
      error("bad argument #3 to 'draw' (function expected, got " .. type(fn) .. ")", 2)
   end
   local x = 0
   for i = 1, #s do
      local g = M.glyph(s:byte(i))
      local px = g.pixels
      for j = 1, #px, 2 do
         local u, v = (x + px[j]) * scale, px[j + 1] * scale
         for a = 0, scale - 1 do
            for b = 0, scale - 1 do fn(u + a, v + b) end
         end
      end
      x = x + g.width + 1
   end
   return math.max(x - 1, 0) * scale
end

return M

--[[ make demo: a short tour of the tensor core (later issues replace it with training).

   harmonium examples/demo.lua
]]
local hm = require 'harmonium'

hm.manualSeed(42)
local function section(s) print("\n-- " .. s .. " " .. string.rep("-", 60 - #s)) end

section("tensors, views and indexing")
local a = hm.Tensor({{1, 2, 3}, {4, 5, 6}})
print(a)
print(string.format("a[2][3] = %g   a:t() is %s   a[{ {}, 2 }] = {%g, %g}", a[2][3],
   tostring(a:t():size()), a[{ {}, 2 }][1], a[{ {}, 2 }][2]))
a[{ 1, {2, 3} }] = 0
print(a)

section("element-wise math and reductions")
local function row(t, fmt)
   local cells = {}
   for i = 1, t:size(1) do cells[i] = string.format(fmt or "%6.3f", t[i]) end
   return table.concat(cells, " ")
end
local x = hm.linspace(-3, 3, 7)
local s = hm.sigmoid(x)
print("x          " .. row(x))
print("sigmoid(x) " .. row(s))
print(string.format("sum %.4f, mean %.4f, max %.4f at %d", s:sum(), s:mean(), s:max(), s:argmax()))

section("linear algebra on OpenBLAS")
local W = hm.randn(500, 784):mul(0.01)
local V = hm.rand(100, 784)
local timer = hm.Timer()
local H = hm.Tensor(100, 500)
for _ = 1, 50 do H:addmm(0, H, 1, V, W:t()) end
local secs = timer:time().real
print(string.format("50 x (100x784 * 784x500): %.1f ms, %.0f GFLOP/s", secs * 1e3, 50 * 2 * 100 * 784 * 500 / secs / 1e9))
local A = hm.DoubleTensor({{4, 1}, {1, 3}})
local e, Vec = hm.symeig(A, 'V')
print(string.format("eigenvalues of [[4,1],[1,3]]: %.6f %.6f", e[1], e[2]))

section("random numbers")
local p = hm.Tensor(5):fill(0.5)
print("bernoulli(0.5): " .. row(hm.Tensor(5):bernoulli(p), "%g"))
print("randperm(8):    " .. row(hm.randperm(8), "%d"))
local n = hm.randn(100000)
print(string.format("randn: mean %.4f, std %.4f", n:mean(), n:std()))

section("saving and loading")
local path = os.tmpname()
hm.save(path, { weights = W, note = "demo", epochs = 3 })
local back = hm.load(path)
os.remove(path)
print(string.format("saved and loaded {note = %q, epochs = %d, weights = %s tensor}", back.note, back.epochs,
   tostring(back.weights:size())))
print("\ndemo done")

--[[ make demo: a short tour of the tensor core (later issues replace it with training).

   harmonium examples/demo.lua
]]
local hm = require 'harmonium'

hm.manualSeed(42)
local function section(s) print("\n-- " .. s .. " " .. string.rep("-", 60 - #s)) end

section("tensors, views and indexing")
local a = hm.Tensor({{1, 2, 3}, {4, 5, 6}})
print(a)
print("a[2][3] =", a[2][3], " a:t() is " .. tostring(a:t():size()), " a[{{},2}] =", a[{ {}, 2 }]:totable()[2])
a[{ 1, {2, 3} }] = 0
print(a)

section("element-wise math and reductions")
local x = hm.linspace and hm.linspace(-3, 3, 7) or hm.Tensor({-3, -2, -1, 0, 1, 2, 3})
print("x           ", table.concat(x:totable(), " "))
local s = hm.sigmoid(x)
print("sigmoid(x)  ", table.concat((function() local t = {} for i = 1, s:size(1) do t[i] = string.format("%.3f", s[i]) end return t end)(), " "))
print("sum, mean, max:", s:sum(), s:mean(), s:max())

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
print("eigenvalues of [[4,1],[1,3]]:", e[1], e[2])

section("random numbers")
local p = hm.Tensor(5):fill(0.5)
print("bernoulli(0.5):", table.concat(hm.Tensor(5):bernoulli(p):totable(), " "))
print("randperm(8):   ", table.concat(hm.randperm(8):totable(), " "))
local n = hm.randn(100000)
print(string.format("randn: mean %.4f, std %.4f", n:mean(), n:std()))

section("saving and loading")
local path = os.tmpname()
hm.save(path, { weights = W, note = "demo", epochs = 3 })
local back = hm.load(path)
os.remove(path)
print("loaded", back.note, back.epochs, "epochs, weights " .. tostring(back.weights:size()))
print("\ndemo done")

--[[ A deep stacking network on MNIST (the deep convex network of Deng and Yu 2011): modules
of sigmoid hidden units with linear outputs whose upper weights are solved in closed form,
each module reading the pixels and the outputs of all the modules below it.

   bin/harmonium examples/dsn_mnist.lua                  # 3 modules of 1000 hidden units
   bin/harmonium examples/dsn_mnist.lua --hidden 2000 --modules 5 --iterations 60
   bin/harmonium examples/dsn_mnist.lua --quick          # the bundled 1,000 digits

Writes <out>/dsn_loss.png (the training loss L = (|HU - T|^2 + lambda |U|^2) / N of every
module against the gradient steps on its lower weights) and <out>/dsn_mnist.hm. Deng and Yu
report 0.83% test error on MNIST for a much larger DCN (3000 hidden units per module, many
more modules and iterations).
]]

local hm = hm or require 'harmonium'

------------------------------------------------------------------ options

local cmd = hm.CmdLine()
cmd:text('Deep stacking network on MNIST')
cmd:text()
cmd:option('-quick', false, 'the bundled 1,000-digit sample, 3 modules of 200 units')
cmd:option('-hidden', 1000, 'hidden units per module')
cmd:option('-modules', 3, 'number of modules')
cmd:option('-lambda', 1, 'ridge parameter of the closed-form U')
cmd:option('-iterations', 50, 'gradient steps on each module\'s lower weights')
cmd:option('-lr', 20, 'learning rate of those steps (momentum 0.9)')
cmd:option('-batch', 10000, 'rows per step (0: all)')
cmd:option('-seed', 1, 'random seed')
cmd:option('-out', '.', 'output directory')
local opt = cmd:parse(arg or {})
hm.manualSeed(opt.seed)
local hidden, batch = opt.hidden, opt.batch
if opt.quick then hidden, batch = math.min(hidden, 200), 0 end
os.execute("mkdir -p '" .. opt.out:gsub("'", "'\\''") .. "'")

------------------------------------------------------------------ data

local train, test
if opt.quick then
   train, test = hm.data.mnist{ sample = true }, hm.data.mnist{ split = 'test-sample' }
else
   local ok, err = pcall(function()
      train, test = hm.data.mnist{ split = 'train' }, hm.data.mnist{ split = 'test' }
   end)
   if not ok then
      io.stderr:write("dsn_mnist: full MNIST not found (" .. tostring(err) .. ");\n"
         .. "run `make data` first, or pass --quick for the bundled sample\n")
      os.exit(1)
   end
end
print(string.format("MNIST: %d training digits, %d test digits", train.size, test.size))

------------------------------------------------------------------ training

local dsn = hm.DSN{ input = 784, hidden = hidden, modules = opt.modules, output = 10, lambda = opt.lambda }
print(tostring(dsn))
local timer = hm.Timer()
local stats = dsn:train(train.data, train.labels, {
   iterations = opt.iterations, learningRate = opt.lr, momentum = 0.9,
   batchSize = batch > 0 and batch or nil,
})
local time = timer:time().real

------------------------------------------------------------------ evaluation

local function testError(upto)
   local _, p = hm.max(dsn:predict(test.data, upto), 2)
   return 100 * (1 - p:view(-1):eq(test.labels:long()):sum() / test.size)
end

local plot = hm.plot.new{ title = 'DSN on MNIST', xlabel = 'gradient step', ylabel = 'training loss', logy = true }
print(string.format("\n%s trained in %.0f s", tostring(dsn), time))
print("module   training error   test error")
local err
for m, st in ipairs(stats) do
   err = testError(m)
   print(string.format("%6d   %13.2f%%   %9.2f%%", m, 100 * st.error, err))
   if #st.losses > 0 then plot:add('module ' .. m, st.losses) end
end
print("Deng and Yu 2011 (deep convex network, 3000 units per module): 0.83% test error")
plot:save(opt.out .. "/dsn_loss.png")
hm.save(opt.out .. "/dsn_mnist.hm", dsn)
print("loss curves: " .. opt.out .. "/dsn_loss.png")

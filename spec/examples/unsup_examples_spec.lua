-- examples/dbn_mnist.lua, autoencoder_mnist.lua and dsn_mnist.lua with --quick (and few
-- epochs): they run through bin/harmonium on the bundled sample, print their reports and
-- write PNGs and models that load back.
local hm = require 'harmonium'
local support = require 'support'

local function run(script, args)
   local dir = support.tmpname()
   os.remove(dir)
   local out, err, code = support.sh("bin/harmonium examples/" .. script .. " --quick " .. args .. " -out " .. support.q(dir))
   assert.are.equal(0, code, err)
   return out, dir
end

local function cleanup(dir, files)
   for _, f in ipairs(files) do os.remove(dir .. "/" .. f) end
   os.remove(dir)
end

describe("unsupervised examples", function()
   it("dbn_mnist.lua --quick pretrains, fine-tunes and reports the test error beside the papers'", function()
      local out, dir = run("dbn_mnist.lua", "-pretrainEpochs 2 -epochs 2")
      local err = tonumber(out:match("test error %(this run%)%s+([%d.]+)%%"))
      assert.is_number(err, out)
      assert.is_true(err < 50, out)
      assert.is_truthy(out:find("1.20%", 1, true))
      assert.is_truthy(out:find("1.25%", 1, true))
      for _, f in ipairs { "dbn_filters.png", "dbn_samples.png", "dbn_curve.png" } do
         assert.is_truthy(hm.image.load(dir .. "/" .. f), f)
      end
      assert.are.equal("hm.DBN", hm.type(hm.load(dir .. "/dbn_mnist.hm")))
      cleanup(dir, { "dbn_filters.png", "dbn_samples.png", "dbn_curve.png", "dbn_mnist.hm" })
   end)

   it("autoencoder_mnist.lua --quick reports squared errors against PCA and writes reconstructions", function()
      for _, method in ipairs { "rbm", "dae" } do
         local out, dir = run("autoencoder_mnist.lua", "-method " .. method .. " -pretrainEpochs 1 -epochs 1")
         local ae = tonumber(out:match("this autoencoder%s+([%d.]+)"))
         local pca = tonumber(out:match("PCA, 30 components %(computed here%)%s+([%d.]+)"))
         assert.is_number(ae, out)
         assert.is_true(pca > 10 and pca < 20, out)        -- about 13.9 on full MNIST
         local img = assert(hm.image.load(dir .. "/ae_reconstructions.png"))
         assert.are.equal(300, img:size(img:dim()))
         cleanup(dir, { "ae_reconstructions.png" })
      end
   end)

   it("dsn_mnist.lua --quick trains the modules and reports test errors per module", function()
      local out, dir = run("dsn_mnist.lua", "-iterations 3 -modules 2")
      local e1, e2 = out:match("\n%s+1%s+[%d.]+%%%s+([%d.]+)%%\n%s+2%s+[%d.]+%%%s+([%d.]+)%%")
      assert.is_truthy(e2, out)
      assert.is_true(tonumber(e2) < 60, out)
      assert.is_truthy(hm.image.load(dir .. "/dsn_loss.png"))
      assert.are.equal("hm.DSN", hm.type(hm.load(dir .. "/dsn_mnist.hm")))
      cleanup(dir, { "dsn_loss.png", "dsn_mnist.hm" })
   end)
end)

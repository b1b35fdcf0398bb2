-- examples/lenet5_mnist.lua --quick: runs through bin/harmonium on the bundled sample, prints
-- per-epoch and final test errors, writes a model that hm.load gives back and a PNG curve.
local hm = require 'harmonium'
local support = require 'support'

describe("examples/lenet5_mnist.lua", function()
   it("--quick trains on the bundled sample, saves the model and the learning curve", function()
      local model, plot = support.tmpname(".hm"), support.tmpname(".png")
      local out, err, code = support.sh("bin/harmonium examples/lenet5_mnist.lua --quick --threads 2"
         .. " --save " .. support.q(model) .. " --plot " .. support.q(plot))
      assert.are.equal(0, code, err)
      -- one line per epoch, then the comparison with the paper's target
      for e = 1, 3 do
         assert.is_truthy(out:find(string.format("epoch %2d  loss", e), 1, true), out)
      end
      local testErr = tonumber(out:match("\ntest error ([%d.]+)%% %(target <= 1.0%%,"))
      assert.is_number(testErr, out)
      assert.is_true(testErr < 30, "test error " .. tostring(testErr) .. "% on the bundled sample")

      -- the curve: an RGB PNG
      local img = assert(hm.image.load(plot))
      assert.are.equal(3, img:dim())
      assert.are.equal(3, img:size(1))
      assert.is_true(img:size(2) > 100 and img:size(3) > 100)

      -- the model comes back in this process and gives the printed test error again
      local net = hm.load(model)
      assert.are.equal("nn.Sequential", hm.type(net))
      net:evaluate()
      local test = hm.data.mnist{ split = 'test-sample', shape = 'image' }
      local _, pred = net:forward(test.data):max(2)
      local wrong = pred:view(test.size):ne(test.labels):sum()
      assert.is_true(math.abs(100 * wrong / test.size - testErr) < 0.051, out)
      os.remove(model); os.remove(plot)
   end)

   it("says how to get the data when the full set is missing", function()
      local out, err, code = support.sh("bin/harmonium examples/lenet5_mnist.lua --data /nonexistent --epochs 1")
      assert.are_not.equal(0, code, out)
      assert.is_truthy(err:find("make data", 1, true), err)
      assert.is_truthy(err:find("--quick", 1, true), err)
   end)
end)

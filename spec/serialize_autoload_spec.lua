-- hm.load in a fresh process finds the classes of our own libraries (nn.*, hm.*) without
-- the script requiring them first.
local support = require 'support'

describe("hm.load of class objects in a fresh process", function()
   it("loads a saved nn network without touching hm.nn first", function()
      if not support.exists("bin/harmonium") then pending("run `make` first") return end
      local path = support.tmpname(".hm")
      local _, err, code = support.sh("bin/harmonium -e " .. support.q(
         "hm.save('" .. path .. "', hm.nn.Sequential():add(hm.nn.Linear(3, 2)):add(hm.nn.Tanh()))"))
      assert.are.equal(0, code, err)
      local out, err2, code2 = support.sh("bin/harmonium -e " .. support.q(
         "local m = hm.load('" .. path .. "'); print(hm.type(m), m:forward(hm.Tensor(3)):nElement())"))
      os.remove(path)
      assert.are.equal(0, code2, err2)
      assert.are.equal("nn.Sequential\t2\n", out)
   end)
end)

-- Specs for lua/harmonium/CmdLine.lua: Torch7's torch.CmdLine (options typed by their
-- defaults, boolean flags, positional arguments, the --name=value spellings, help).
local hm = require 'harmonium'

local function newcmd()
   local cmd = hm.CmdLine()
   cmd:text('Train a small network')
   cmd:text()
   cmd:text('Options')
   cmd:option('-lr', 0.1, 'learning rate')
   cmd:option('-epochs', 10, 'number of epochs')
   cmd:option('-quick', false, 'short run')
   cmd:option('-cuda', true, 'use the GPU')
   cmd:option('-name', 'run', 'run name')
   return cmd
end

describe("hm.CmdLine", function()
   it("returns the defaults when nothing is given", function()
      local opt = newcmd():parse({})
      assert.are.same({ lr = 0.1, epochs = 10, quick = false, cuda = true, name = 'run' }, opt)
   end)

   it("parses numbers, strings and flags in every spelling", function()
      local cmd = newcmd()
      local opt = cmd:parse({ '-lr', '0.5', '--epochs', '3', '-quick', '--name=exp 1' })
      assert.are.equal(0.5, opt.lr)
      assert.are.equal(3, opt.epochs)
      assert.are.equal('integer', math.type(opt.epochs))
      assert.is_true(opt.quick)
      assert.are.equal('exp 1', opt.name)
      opt = cmd:parse({ '-lr=2e-3', '--cuda' })
      assert.are.equal(2e-3, opt.lr)
      assert.is_false(opt.cuda)                        -- a flag flips its default
      opt = cmd:parse({ '--quick=true', '--cuda=1' })
      assert.is_true(opt.quick)
      assert.is_true(opt.cuda)
      opt = cmd:parse({ '--quick=false' })
      assert.is_false(opt.quick)
      opt = cmd:parse({ '-lr', '-0.25', '-name', '-' })  -- negative numbers and '-' are values
      assert.are.equal(-0.25, opt.lr)
      assert.are.equal('-', opt.name)
      opt = cmd:parse({ '--name=a=b' })
      assert.are.equal('a=b', opt.name)
   end)

   it("takes positional arguments in order, and everything after --", function()
      local cmd = newcmd()
      cmd:argument('train', 'training file')
      cmd:argument('test', 'test file')
      local opt = cmd:parse({ 'a.bin', '-lr', '1', 'b.bin' })
      assert.are.equal('a.bin', opt.train)
      assert.are.equal('b.bin', opt.test)
      assert.are.equal(1, opt.lr)
      opt = cmd:parse({ '--', '-x', '--' })
      assert.are.equal('-x', opt.train)
      assert.are.equal('--', opt.test)
      opt = cmd:parse({ '-5', '-.5' })
      assert.are.equal('-5', opt.train)
   end)

   it("raises a clear error with the usage on bad input", function()
      local cmd = newcmd()
      cmd:argument('file', 'data file')
      assert.error_matches(function() cmd:parse({ '-foo', 'x' }) end,
                           "hm.CmdLine: unknown option '%-foo'\nUsage: .- %[options%] <file>")
      assert.error_matches(function() cmd:parse({ '--nope=3', 'x' }) end, "unknown option '%-%-nope'")
      assert.error_matches(function() cmd:parse({ 'x', '-lr' }) end, "option '%-lr' needs a value")
      assert.error_matches(function() cmd:parse({ 'x', '-lr', 'fast' }) end,
                           "option '%-lr' expects a number, got 'fast'")
      assert.error_matches(function() cmd:parse({ 'x', '--quick=maybe' }) end,
                           "option '%-%-quick=maybe' expects true or false, got 'maybe'")
      assert.error_matches(function() cmd:parse({}) end, "missing argument <file>")
      assert.error_matches(function() cmd:parse({ 'x', 'y' }) end, "unexpected argument 'y'")
      local ok, msg = pcall(cmd.parse, cmd, { '-foo' })
      assert.is_false(ok)
      assert.matches("%-lr%s+learning rate %[0%.1%]", msg)
   end)

   it("rejects bad declarations", function()
      local cmd = newcmd()
      assert.error_matches(function() cmd:option('lr', 1, 'x') end, "bad argument #1 to 'option'")
      assert.error_matches(function() cmd:option('-f', print, 'x') end, "bad argument #2 to 'option'")
      assert.error_matches(function() cmd:option('-lr', 1, 'again') end, "'lr' is defined twice")
      assert.error_matches(function() cmd:argument('name') end, "'name' is defined twice")
      assert.error_matches(function() cmd:argument(3) end, "bad argument #1 to 'argument'")
   end)

   it("lists options with defaults in the help, prints it on -h and exits", function()
      local cmd = newcmd()
      cmd:argument('file', 'data file')
      local help = cmd:helpstring('train.lua')
      assert.matches("^Usage: train%.lua %[options%] <file>\n", help)
      assert.matches("\nTrain a small network\n\nOptions\n", help)
      assert.matches("\n  %-lr +learning rate %[0%.1%]\n", help)
      assert.matches("\n  %-quick +short run %[false%]\n", help)
      assert.matches("\n  %-name +run name %[run%]\n", help)
      assert.matches("\n  file +data file\n", help)
      for _, flag in ipairs({ '-h', '--help', '-help' }) do
         local written, code = {}, nil
         local write, exit = io.write, os.exit
         io.write = function(...) for _, s in ipairs({ ... }) do written[#written + 1] = s end end
         os.exit = function(c) code = c; error("exit called", 0) end
         local ok, err = pcall(cmd.parse, cmd, { flag })
         io.write, os.exit = write, exit
         assert.is_false(ok)
         assert.are.equal("exit called", err)
         assert.are.equal(0, code)
         assert.matches("%-lr +learning rate %[0%.1%]", table.concat(written))
      end
   end)

   it("names a run by the options that differ from their defaults", function()
      local cmd = newcmd()
      local opt = cmd:parse({ '-lr', '0.5', '-quick', '-name', 'x' })
      assert.are.equal('exp,lr=0.5,name=x,quick=true', cmd:string('exp', opt))
      assert.are.equal('exp,lr=0.5,quick=true', cmd:string('exp', opt, { name = true }))
   end)
end)

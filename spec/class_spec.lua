-- Specs for lua/harmonium/class.lua: Torch7's torch.class semantics (constructors,
-- inheritance, inherited metamethods, hm.type / hm.isTypeOf, the registry).
local hm = require 'harmonium'

describe("hm.class", function()
   it("makes a class whose call and new run __init", function()
      local A = hm.class('spec.A')
      function A:__init(x, y) self.x, self.y = x, y end
      function A:sum() return self.x + self.y end
      local a1, a2 = A(1, 2), A.new(3, 4)
      assert.are.equal(3, a1:sum())
      assert.are.equal(7, a2:sum())
      assert.are.equal(A, getmetatable(a1))
      assert.are.equal('spec.A', tostring(A))
   end)

   it("works without an __init", function()
      local E = hm.class('spec.Empty')
      local e = E()
      assert.are.equal('spec.Empty', hm.type(e))
   end)

   it("inherits methods and __init, and returns the parent", function()
      local Base = hm.class('spec.Base')
      function Base:__init(n) self.n = n; self.log = {'base'} end
      function Base:name() return 'base' end
      function Base:double() return 2 * self.n end
      local Child, parent = hm.class('spec.Child', 'spec.Base')
      assert.are.equal(Base, parent)
      function Child:__init(n, m)
         parent.__init(self, n)
         self.m = m
         self.log[#self.log + 1] = 'child'
      end
      function Child:name() return 'child of ' .. parent.name(self) end
      local c = Child(5, 6)
      assert.are.same({'base', 'child'}, c.log)
      assert.are.equal(10, c:double())
      assert.are.equal('child of base', c:name())
      assert.are.equal(6, c.m)
      -- a child without __init uses its parent's
      local Other = hm.class('spec.Other', Base)   -- parent given as a class table
      local o = Other(3)
      assert.are.equal(6, o:double())
      assert.are.equal(Base, hm.class.parent(Other))
      assert.is_nil(hm.class.parent(Base))
   end)

   it("inherits metamethods, even ones defined after the child", function()
      local P = hm.class('spec.P')
      function P:__init(v) self.v = v end
      local C = hm.class('spec.C', 'spec.P')
      function P:__tostring() return 'P(' .. self.v .. ')' end
      function P.__add(a, b) return P(a.v + b.v) end
      function P.__eq(a, b) return a.v == b.v end
      function P.__lt(a, b) return a.v < b.v end
      function P:__len() return self.v end
      function P:__call(x) return self.v * x end
      local a, b = C(1), C(2)
      assert.are.equal('P(1)', tostring(a))
      assert.are.equal(3, (a + b).v)
      assert.is_true(C(2) == b)
      assert.is_true(a < b)
      assert.are.equal(2, #b)
      assert.are.equal(20, b(10))
      -- the child overrides one
      function C:__tostring() return 'C(' .. self.v .. ')' end
      assert.are.equal('C(1)', tostring(a))
      assert.are.equal('P(1)', tostring(P(1)))
   end)

   it("behaves like a plain table where no metamethod is defined", function()
      local Q = hm.class('spec.Q')
      local q, r = Q(), Q()
      assert.matches('^spec%.Q: ', tostring(q))
      assert.is_false(q == r)
      assert.is_true(q == q)
      q[1], q[2] = 'a', 'b'
      assert.are.equal(2, #q)
      assert.has_error(function() return q + r end, nil)
      assert.error_matches(function() return q + r end, "arithmetic on a spec.Q value")
      assert.error_matches(function() return q < r end, "compare a spec.Q value")
   end)

   it("gives the class name to hm.type and walks parents in hm.isTypeOf", function()
      local M = hm.class('spec.Module')
      local L = hm.class('spec.Linear', 'spec.Module')
      local S = hm.class('spec.Sigmoid', 'spec.Module')
      local l = L()
      assert.are.equal('spec.Linear', hm.type(l))
      assert.are.equal('spec.Linear', hm.typename(l))
      assert.is_true(hm.isTypeOf(l, 'spec.Linear'))
      assert.is_true(hm.isTypeOf(l, 'spec.Module'))
      assert.is_true(hm.isTypeOf(l, M))
      assert.is_false(hm.isTypeOf(l, 'spec.Sigmoid'))
      assert.is_false(hm.isTypeOf(S(), L))
      assert.is_false(hm.isTypeOf({}, 'spec.Module'))
      assert.is_false(hm.isTypeOf(42, 'spec.Module'))
      assert.is_true(hm.isTypeOf(hm.FloatTensor(2), 'hm.FloatTensor'))
      assert.is_true(hm.isTypeOf(hm.FloatTensor(2), 'torch.FloatTensor'))
      assert.is_false(hm.isTypeOf(hm.FloatTensor(2), 'hm.DoubleTensor'))
      assert.is_true(hm.class.isObject(l))
      assert.is_false(hm.class.isObject({}))
      assert.is_true(hm.class.isClass(L))
   end)

   it("keeps a registry; redefining a name replaces it", function()
      local R1 = hm.class('spec.Redef')
      function R1:f() return 1 end
      local old = R1()
      assert.are.equal(R1, hm.class.registry['spec.Redef'])
      assert.are.equal(R1, hm.class.metatable('spec.Redef'))
      local R2 = hm.class('spec.Redef')
      function R2:f() return 2 end
      assert.are.equal(R2, hm.class.registry['spec.Redef'])
      assert.are.equal(2, R2():f())
      assert.are.equal(1, old:f())                 -- old instances keep their class
      assert.matches('^spec%.Redef: ', tostring(old))
   end)

   it("stores the class in a module table when given one", function()
      local nnlike = {}
      local K = hm.class('specnn.Thing', nil, nnlike)
      assert.are.equal(K, nnlike.Thing)
   end)

   it("makes uninitialised instances with factory", function()
      local F = hm.class('spec.Factory')
      local called = false
      function F:__init() called = true end
      local f = hm.class.factory('spec.Factory')()
      assert.is_false(called)
      assert.are.equal('spec.Factory', hm.type(f))
      assert.error_matches(function() hm.class.factory('spec.Nope') end, "unknown class 'spec.Nope'")
   end)

   it("rejects bad names and unknown parents", function()
      assert.error_matches(function() hm.class(42) end,
                           "bad argument #1 to 'class' %(class name expected, got number%)")
      assert.error_matches(function() hm.class('spec.X', 'spec.NoSuchParent') end,
                           "bad argument #2 to 'class' %(unknown class 'spec.NoSuchParent'%)")
      assert.error_matches(function() hm.class('spec.X', {}) end, "bad argument #2 to 'class'")
      assert.error_matches(function() hm.class('spec.X', nil, 5) end, "bad argument #3 to 'class'")
   end)
end)

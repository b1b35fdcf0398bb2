--[[ hm.rbm: training and evaluation of restricted Boltzmann machines (the class is hm.RBM).

   hm.rbm.train(rbm, data, opts)        CD-k / PCD training (rbm/train.lua)
   hm.rbm.ais(rbm, opts)                log Z by annealed importance sampling (rbm/ais.lua)
   hm.rbm.aisSchedule(n [, kind])       its inverse temperatures
   hm.rbm.exact                         exact log Z and log-likelihood of small models
   hm.rbm.mergePatches(rbms, positions, imageShape)   patch RBMs -> one image RBM (rbm/merge.lua)
]]

local M = {}

M.train = require('harmonium.rbm.train').train
M.ais = require('harmonium.rbm.ais').ais
M.aisSchedule = require('harmonium.rbm.ais').schedule
M.exact = require 'harmonium.rbm.exact'
M.mergePatches = require('harmonium.rbm.merge').mergePatches

return M

# Reference for bench/rbm_bench.lua: scikit-learn's BernoulliRBM for one epoch
# (n_components=500, batch_size=100, n_iter=1, learning_rate=0.1) on the same data.
#
#   /usr/bin/python3 bench/sklearn_rbm.py THREADS DATA    prints "sklearn THREADS <seconds>"
# DATA as in bench/torch_rbm.py (MNIST's train-images-idx3-ubyte or "random"). Float32 input
# (scikit-learn keeps it); BLAS threads limited through threadpoolctl. Note scikit-learn's
# BernoulliRBM runs PCD with one Gibbs step (its persistent chain), not CD-1, and no
# momentum: the same GEMM work per batch. Loading is not timed. Prints nothing when
# scikit-learn is missing.
import sys
import time
import numpy as np
from sklearn.neural_network import BernoulliRBM
from threadpoolctl import threadpool_limits

threads = int(sys.argv[1])
src = sys.argv[2] if len(sys.argv) > 2 else "random"
rng = np.random.RandomState(1)
if src == "random":
    X = (rng.random_sample((60000, 784)) < 0.5).astype(np.float32)
else:
    X = np.fromfile(src, dtype=np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255.0

with threadpool_limits(limits=threads):
    BernoulliRBM(n_components=500, batch_size=100, n_iter=1, learning_rate=0.1,
                 random_state=0).fit(X[:2000])          # warm-up
    rbm = BernoulliRBM(n_components=500, batch_size=100, n_iter=1, learning_rate=0.1,
                       random_state=0)
    t0 = time.perf_counter()
    rbm.fit(X)
    print("sklearn", threads, time.perf_counter() - t0, flush=True)

# Reference for bench/rbm_bench.lua: one CD-1 epoch of a 784-500 Bernoulli RBM written with
# Debian's PyTorch 1.13 CPU, the same algorithm as hm.rbm.train (method 'cd', k = 1).
#
#   /usr/bin/python3 bench/torch_rbm.py THREADS DATA     prints "cd1 THREADS <seconds>"
# DATA is the path of MNIST's train-images-idx3-ubyte (pixels / 255 as visible
# probabilities, as hm.data.mnist gives them) or "random" (60,000 x 784 random binary
# pixels, when MNIST is missing). Per batch of 100 rows (contiguous batches in a random
# order, hm.rbm.train's shuffle = 'batches'): p(h|v0) and h0 ~ Bernoulli, p(v|h0) and
# v1 ~ Bernoulli, p(h|v1); gradients (ph0^T v0 - ph1^T v1) / B and the bias differences;
# momentum 0.5, learning rate 0.1; summed squared reconstruction error. Loading is not timed.
# Prints nothing when torch is missing (the caller reports the reference as skipped).
import sys
import time
import numpy as np
import torch

threads = int(sys.argv[1])
src = sys.argv[2] if len(sys.argv) > 2 else "random"
torch.set_num_threads(threads)
torch.manual_seed(1)

if src == "random":
    data = torch.bernoulli(torch.full((60000, 784), 0.5))
else:
    raw = np.fromfile(src, dtype=np.uint8, offset=16).reshape(-1, 784)
    data = torch.from_numpy(raw.astype(np.float32) / 255.0)
N, V, H, B = data.shape[0], 784, 500, 100
lr, mom = 0.1, 0.5

W = torch.randn(H, V) * 0.01
b = torch.zeros(V)
c = torch.zeros(H)
incW, incb, incc = torch.zeros(H, V), torch.zeros(V), torch.zeros(H)


def epoch(nbatch):
    order = torch.randperm(N // B)[:nbatch]
    err = 0.0
    for i in order.tolist():
        v0 = data[i * B:(i + 1) * B]
        ph0 = torch.sigmoid(torch.addmm(c, v0, W.t()))
        h0 = torch.bernoulli(ph0)
        pv1 = torch.sigmoid(torch.addmm(b, h0, W))
        v1 = torch.bernoulli(pv1)
        ph1 = torch.sigmoid(torch.addmm(c, v1, W.t()))
        err += float(((v0 - pv1) ** 2).sum())
        gW = (ph0.t().mm(v0) - ph1.t().mm(v1)) / B
        incW.mul_(mom).add_(gW, alpha=lr)
        incb.mul_(mom).add_((v0 - v1).mean(0), alpha=lr)
        incc.mul_(mom).add_((ph0 - ph1).mean(0), alpha=lr)
        W.add_(incW)
        b.add_(incb)
        c.add_(incc)
    return err / (nbatch * B)


epoch(20)                              # warm-up: allocator, thread pool, caches
t0 = time.perf_counter()
epoch(N // B)
print("cd1", threads, time.perf_counter() - t0, flush=True)

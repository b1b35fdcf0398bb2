# Reference for bench/nn_bench.lua: Debian's PyTorch 1.13 CPU on the same networks and loops.
#
#   /usr/bin/python3 bench/torch_nn.py mlp THREADS    one MNIST-shaped epoch of SGD (60,000 random
#       samples of 784 floats in [0, 1], random labels, batch 100) on a 784-500-500-2000-10
#       sigmoid MLP with log-softmax + NLL; prints "mlp THREADS <seconds>"
#   /usr/bin/python3 bench/torch_nn.py lenet THREADS ITERS   LeNet-5 training steps, batch 64,
#       1x28x28; prints "lenet THREADS <best ms per step>"
# Each step is zero_grad, forward, loss, backward, optim.SGD step (lr 0.1): the same work as
# the Lua side. Prints nothing when torch is missing (the caller reports the reference as
# skipped). Data are random tensors of MNIST's shape on both sides, so no loader is timed.
import sys
import time
import torch
import torch.nn as nn
import torch.nn.functional as Fn

case = sys.argv[1]
threads = int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(1)


def mlp():
    n, b = 60000, 100
    x = torch.rand(n, 784)
    y = torch.randint(0, 10, (n,))
    model = nn.Sequential(
        nn.Linear(784, 500), nn.Sigmoid(),
        nn.Linear(500, 500), nn.Sigmoid(),
        nn.Linear(500, 2000), nn.Sigmoid(),
        nn.Linear(2000, 10), nn.LogSoftmax(dim=1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def epoch(nbatch):
        for i in range(nbatch):
            xb, yb = x[i * b:(i + 1) * b], y[i * b:(i + 1) * b]
            opt.zero_grad()
            loss = Fn.nll_loss(model(xb), yb)
            loss.backward()
            opt.step()
    epoch(20)                        # warm-up: allocator, thread pool, caches
    t0 = time.perf_counter()
    epoch(n // b)
    print("mlp", threads, time.perf_counter() - t0, flush=True)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5)
        self.c2 = nn.Conv2d(6, 16, 5)
        self.f1 = nn.Linear(256, 120)
        self.f2 = nn.Linear(120, 84)
        self.f3 = nn.Linear(84, 10)

    def forward(self, x):
        x = Fn.max_pool2d(torch.relu(self.c1(x)), 2)
        x = Fn.max_pool2d(torch.relu(self.c2(x)), 2)
        x = x.view(x.size(0), 256)
        x = torch.relu(self.f1(x))
        x = torch.relu(self.f2(x))
        return Fn.log_softmax(self.f3(x), dim=1)


def lenet(iters):
    x = torch.rand(64, 1, 28, 28)
    y = torch.randint(0, 10, (64,))
    model = LeNet5()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)

    def step():
        opt.zero_grad()
        loss = Fn.nll_loss(model(x), y)
        loss.backward()
        opt.step()
    for _ in range(10):
        step()
    best = float("inf")
    for _ in range(iters):
        t0 = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t0)
    print("lenet", threads, best * 1e3, flush=True)


if case == "mlp":
    mlp()
else:
    lenet(int(sys.argv[3]) if len(sys.argv) > 3 else 50)

# Reference for bench/conv_bench.lua: Debian's PyTorch on the same convolution workloads.
# Prints one line per case and thread count: "<case> <threads> <best ms>", where a case is
#   conv   one layer, batch 64, 3x32x32 input, 64 filters 5x5, padding 2, forward + backward
#          (gradients of input, weight and bias)
#   lenet  LeNet-5's conv layers, batch 64, 1x28x28 -> conv 6 5x5 -> maxpool 2 -> conv 16 5x5
#          -> maxpool 2, forward + backward (input, weight and bias gradients)
# Prints nothing when torch is missing (the caller reports the reference as skipped).
import sys
import time
import torch
import torch.nn.functional as Fn

iters = int(sys.argv[1]) if len(sys.argv) > 1 else 20


def best_ms(step, n):
    for _ in range(3):
        step()
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def conv_case():
    torch.manual_seed(1)
    x = torch.randn(64, 3, 32, 32, requires_grad=True)
    w = (torch.randn(64, 3, 5, 5) * 0.1).requires_grad_()
    b = torch.zeros(64, requires_grad=True)
    gy = torch.randn(64, 64, 32, 32)

    def step():
        x.grad = w.grad = b.grad = None
        y = Fn.conv2d(x, w, b, stride=1, padding=2)
        y.backward(gy)
    return step


def lenet_case():
    torch.manual_seed(1)
    x = torch.randn(64, 1, 28, 28, requires_grad=True)
    w1 = (torch.randn(6, 1, 5, 5) * 0.1).requires_grad_()
    b1 = torch.zeros(6, requires_grad=True)
    w2 = (torch.randn(16, 6, 5, 5) * 0.1).requires_grad_()
    b2 = torch.zeros(16, requires_grad=True)
    gy = torch.randn(64, 16, 4, 4)

    def step():
        for t in (x, w1, b1, w2, b2):
            t.grad = None
        h = Fn.max_pool2d(Fn.conv2d(x, w1, b1), 2)
        y = Fn.max_pool2d(Fn.conv2d(h, w2, b2), 2)
        y.backward(gy)
    return step


for name, make in (("conv", conv_case), ("lenet", lenet_case)):
    step = make()
    for threads in (2, 1):
        torch.set_num_threads(threads)
        print(name, threads, best_ms(step, iters), flush=True)

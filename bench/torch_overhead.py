# Reference for bench/run.lua: ns per call of a.add_(b) on 10-element tensors in PyTorch,
# best of 3 at 1 and 2 threads. Prints one number, or nothing when torch is missing.
import time
import torch

best = float("inf")
for threads in (1, 2):
    torch.set_num_threads(threads)
    a = torch.ones(10)
    b = torch.full((10,), 1e-6)
    n = 1000000
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(n):
            a.add_(b)
        best = min(best, (time.perf_counter() - t0) / n * 1e9)
print(best)

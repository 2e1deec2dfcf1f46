#!/usr/bin/env python3
# Run: pip install pyxirr numpy-financial && python3 core/benches/peers/python_npv_irr.py 100000
# Comparison run for BENCHMARKS.md: NPV and IRR of N synthetic 31-value series with
# pyxirr (vectorised, f64) and numpy-financial (f64), on the same machine.
import sys, time, random
import numpy as np
import numpy_financial as npf
import pyxirr
N = int(sys.argv[1]); years = 30
rng = random.Random(42)
flows = []
for i in range(N):
    inv = rng.uniform(1e5, 5e7)
    s = inv * rng.uniform(0.06, 0.18); om = inv * rng.uniform(0.005, 0.03); e = rng.uniform(0, 0.03)
    f = [-inv] + [s * (1 + e) ** (t + 1) - om for t in range(years)]
    life = rng.randint(8, 25)
    for k in range(life, years + 1, life):
        f[k] -= inv * 0.3
    flows.append(f)
arr = np.array(flows)
rates = [0.04, 0.06, 0.08]
t = time.perf_counter()
for i, f in enumerate(flows):
    pyxirr.npv(rates[i % 3], f); pyxirr.irr(f)
t_pyxirr = time.perf_counter() - t
M = min(N, 20000)
t = time.perf_counter()
for i in range(M):
    f = arr[i]
    npf.npv(rates[i % 3], f); npf.irr(f)
t_npf = (time.perf_counter() - t) * N / M
print(f"pyxirr npv+irr: {N} series in {t_pyxirr:.3f} s ({t_pyxirr/N*1e6:.2f} us each)")
print(f"numpy-financial npv+irr: {t_npf:.3f} s extrapolated from {M} ({t_npf/N*1e6:.2f} us each)")

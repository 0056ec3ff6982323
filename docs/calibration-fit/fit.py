"""Fit a per-traversal lognormal so that the sum of n independent draws
reproduces a published added p90 and p99 (milliseconds).

The sum's quantiles scale with exp(mu), so the ratio p99/p90 of the sum
depends on sigma alone: solve that ratio for sigma (brentq), then set mu from
p90. Common random numbers (one fixed matrix of normals) keep the objective
smooth. Usage: python3 fit.py
"""
import numpy as np
from scipy.optimize import brentq

N = 2_000_000
TARGETS = [  # name, traversals, added p90 ms, added p99 ms
    ("istio-1.20 sidecar (2 sidecars)", 4, 0.228, 0.298),
    ("istio-1.12 sidecar (2 sidecars)", 4, 1.7, 2.7),
    ("istio ambient ztunnel (2 ztunnels)", 4, 0.17, 0.20),
]

def fit(n, p90, p99, seed=7):
    z = np.random.default_rng(seed).standard_normal((N, n))
    def ratio(s):
        tot = np.exp(s * z).sum(axis=1)
        q90, q99 = np.quantile(tot, [0.9, 0.99])
        return q99 / q90
    s = brentq(lambda s: ratio(s) - p99 / p90, 1e-3, 3.0, xtol=1e-6)
    tot = np.exp(s * z).sum(axis=1)
    mu = np.log(p90 / np.quantile(tot, 0.9))
    mean = np.exp(mu + s * s / 2)
    p99_one = np.exp(mu + 2.3263478740408408 * s)
    # check on fresh draws
    z2 = np.random.default_rng(seed + 1).standard_normal((N, n))
    chk = np.exp(mu + s * z2).sum(axis=1)
    c90, c99 = np.quantile(chk, [0.9, 0.99])
    return mu, s, mean, p99_one, c90, c99

for name, n, p90, p99 in TARGETS:
    mu, s, mean, p99_one, c90, c99 = fit(n, p90, p99)
    print(f"{name}: n={n} target p90={p90} p99={p99} ms -> per traversal "
          f"mu={mu:.6f} (ln ms) sigma={s:.6f}; mean={mean*1000:.2f}us p99={p99_one*1000:.2f}us; "
          f"check sum p90={c90:.4f} p99={c99:.4f}")

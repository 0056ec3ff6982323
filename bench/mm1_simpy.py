"""The M/M/1 of `make bench` in SimPy: rho 0.8 (80/s arrivals, exp(10 ms) service)."""
import random
import sys
import time

import simpy

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000


def source(env, server, rng, sojourns):
    for _ in range(N):
        yield env.timeout(rng.expovariate(80.0))
        env.process(customer(env, server, rng, sojourns))


def customer(env, server, rng, sojourns):
    arrived = env.now
    with server.request() as req:
        yield req
        yield env.timeout(rng.expovariate(100.0))
    sojourns.append(env.now - arrived)


def main():
    rng = random.Random(1)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    sojourns = []
    env.process(source(env, server, rng, sojourns))
    t0 = time.perf_counter()
    env.run()
    elapsed = time.perf_counter() - t0
    assert len(sojourns) == N
    mean = sum(sojourns) / N
    print(f"mean sojourn {mean * 1000:.2f} ms (analytic 50.00 ms)", file=sys.stderr)
    print(f"BENCH simpy_mm1_customers_per_s {N / elapsed:.0f} customers/s")


if __name__ == "__main__":
    main()

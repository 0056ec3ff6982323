"""The M/M/1 of `make bench` in salabim: rho 0.8 (80/s arrivals, exp(10 ms) service)."""
import sys
import time

import salabim as sim

sim.yieldless(False)  # generator processes: the fast path (greenlets cost ~20x)

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
sojourns = []


class Customer(sim.Component):
    def process(self):
        arrived = env.now()
        yield self.request(server)
        yield self.hold(sim.Exponential(0.01).sample())
        self.release()
        sojourns.append(env.now() - arrived)


class Source(sim.Component):
    def process(self):
        for _ in range(N):
            yield self.hold(sim.Exponential(1 / 80.0).sample())
            Customer()


env = sim.Environment(trace=False, random_seed=1)
server = sim.Resource("server", capacity=1)
Source()
t0 = time.perf_counter()
env.run()
elapsed = time.perf_counter() - t0
print(f"mean sojourn {sum(sojourns) / len(sojourns) * 1000:.2f} ms (analytic 50.00 ms)", file=sys.stderr)
print(f"BENCH salabim_mm1_customers_per_s {len(sojourns) / elapsed:.0f} customers/s")

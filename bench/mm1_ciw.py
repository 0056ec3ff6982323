"""The M/M/1 of `make bench` in Ciw: rho 0.8 (80/s arrivals, exp(10 ms) service)."""
import sys
import time

import ciw

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def main():
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=80.0)],
        service_distributions=[ciw.dists.Exponential(rate=100.0)],
        number_of_servers=[1],
    )
    ciw.seed(1)
    sim = ciw.Simulation(network)
    t0 = time.perf_counter()
    sim.simulate_until_max_customers(N, method="Finish")
    elapsed = time.perf_counter() - t0
    recs = sim.get_all_records()
    mean = sum(r.exit_date - r.arrival_date for r in recs) / len(recs)
    print(f"mean sojourn {mean * 1000:.2f} ms (analytic 50.00 ms)", file=sys.stderr)
    print(f"BENCH ciw_mm1_customers_per_s {len(recs) / elapsed:.0f} customers/s")


if __name__ == "__main__":
    main()

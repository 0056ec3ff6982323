// Generated from scenarios/compare-all.yaml; BuiltinScenarioTests keeps the two byte-identical.
// Edit the YAML file, then copy it here between the delimiters.

public enum BuiltinScenarios {
    /// The built-in comparison shown by `topsim tui` without a scenario file.
    public static let compareAll: String = #"""
# The built-in comparison: what `topsim tui` (and `make run`) shows with no file.
# The same text is compiled into topsim (BuiltinScenarios.compareAll); a test keeps them identical.
scenario: compare-all
description: >-
  A mid-sized e-commerce shop on six nodes in three zones. Shoppers browse
  through the frontend, which authenticates them, then fans out to the
  catalog, recommendations and cart in parallel and sometimes fetches ads;
  a smaller stream checks out, paying and booking shipping in parallel.
  A stock synchroniser calls the inventory from inside the cluster. Midway
  a payment instance crashes, the inventory slows down, and a node fails.
  The same traffic and faults run on all five kinds of topology.
seed: 42
duration: 10m
warmup: 30s
window: 1s

cluster:
  nodes: 6
  zones: [a, b, c]
  network:
    same_node: const(20us)
    same_zone: normal(200us, 50us)
    cross_zone: normal(1ms, 200us)
    external: const(0s)

services:
  frontend:
    replicas: 3
    workers: 64
    service_time: lognormal(mean: 3ms, p99: 15ms)
    calls:
      - auth
      - [catalog, recommendations, cart]
      - { service: ads, probability: 30% }
  auth:            { replicas: 2, workers: 32, service_time: exp(1ms) }
  catalog:
    replicas: 3
    workers: 32
    service_time: lognormal(mean: 4ms, p99: 20ms)
    calls:
      - [inventory, pricing]
  recommendations: { replicas: 2, workers: 16, service_time: lognormal(mean: 8ms, cv: 1.0) }
  cart:            { replicas: 2, workers: 32, service_time: exp(2ms), calls: [pricing] }
  pricing:         { replicas: 2, workers: 32, service_time: erlang(k: 3, mean: 1ms) }
  inventory:       { replicas: 2, workers: 32, service_time: exp(2ms) }
  ads:             { replicas: 2, workers: 16, service_time: uniform(2ms, 6ms) }
  checkout:
    replicas: 2
    workers: 16
    service_time: lognormal(mean: 6ms, p99: 30ms)
    calls:
      - cart
      - [payment, shipping]
      - orders
      - { service: notifications, probability: 50% }
  payment:         { replicas: 2, workers: 16, service_time: lognormal(mean: 15ms, cv: 1.2), errors: 0.1% }
  shipping:        { replicas: 2, workers: 16, service_time: exp(3ms) }
  orders:          { replicas: 2, workers: 16, service_time: exp(4ms) }
  notifications:   { replicas: 1, workers: 8, service_time: exp(2ms) }

traffic:
  - name: shoppers
    from: external
    to: frontend
    rate: 350/s
    consumers: 200
  - name: buyers
    from: external
    to: checkout
    rate: 40/s
    consumers: 100
  - name: stock-sync
    from: internal
    to: inventory
    profile:
      - { at: 0s, rate: 10/s }
      - { at: 5m, rate: 50/s }

policies:
  timeout: 2s
  retries: { attempts: 2, on: [unavailable, reset, connect-failure], backoff: exp(25ms) }
  outlier_detection: { consecutive_errors: 5, interval: 10s, ejection: 30s }
  rate_limit: { per_consumer: 50/s }
  health_check: { interval: 5s }

topologies:
  - { name: direct, kind: none }
  - { name: gateway, kind: gateway, preset: kong, replicas: 2 }
  - { name: mesh, kind: sidecar, preset: istio-envoy, mtls: strict }
  - name: edge+mesh
    kind: combined
    gateway: { preset: envoy-gateway, replicas: 2 }
    mesh: { preset: linkerd, mtls: strict }
  - { name: ambient, kind: sidecarless, preset: istio-ambient, waypoint: { replicas: 2 } }

faults:
  - { at: 3m, for: 1m, kind: crash, target: payment/0 }
  - { at: 6m, for: 1m, kind: latency, target: inventory, add: 50ms }
  - { at: 8m, for: 20s, kind: node-down, target: node-5 }

expect:
  - "*.success_rate >= 95%"
  - direct.p50 < mesh.p50
  - direct.p50 < edge+mesh.p50
  - mesh.proxies > gateway.proxies
  - direct.p99 < 1s

"""#

    /// `compareAll`, parsed (it is valid: a test checks it).
    public static func compareAllScenario() throws -> Scenario {
        try ScenarioLoader.parse(text: compareAll, fileName: "compare-all.yaml", directory: nil)
    }
}

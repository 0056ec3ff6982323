import Calibration
import Scenario
import SimCore
import XCTest
@testable import Topology

/// Load balancing as each product does it: per connection on L4 hops, per request on L7
/// proxies; peak-EWMA against least request; locality. Expected values are derived by hand
/// in each test's comment.
final class BalancingTests: XCTestCase {
    // Parsing and running as the policy tests do.
    static func scenario(_ yaml: String) throws -> Scenario { try PolicyTests.scenario(yaml) }
    static func sim(_ s: Scenario, _ topology: String) throws -> TopologySimulation { try PolicyTests.sim(s, topology) }

    /// Requests each instance of service `s` received (no warm-up, so counted from 0).
    static func arrivals(_ sim: TopologySimulation, service s: Int) -> [Int] {
        (sim.model.serviceFirstInstance[s]..<sim.model.serviceFirstInstance[s + 1]).map { Int(sim.apps[$0].arrivals) }
    }

    /// Pearson's chi-square statistic of `counts` against equal expected counts.
    static func chiSquare(_ counts: [Int]) -> Double {
        let n = Double(counts.reduce(0, +)), e = n / Double(counts.count)
        return counts.reduce(0) { $0 + (Double($1) - e) * (Double($1) - e) / e }
    }
    /// The 99.9% quantile of chi-square with 9 degrees of freedom (10 pods): 27.877.
    static let chiSquare9df999 = 27.877

    static let grpc = """
        scenario: grpc-pinning
        duration: 60s
        services:
          api: { replicas: 10, workers: unlimited, service_time: const(1ms), protocol: grpc }
        traffic:
          - { name: client, from: internal, to: api, rate: 100/s, connections: 1 }
        topologies:
          - { name: direct, kind: none }
          - { name: mesh, kind: sidecar, preset: istio-1.24 }
          - { name: ambient, kind: sidecarless, preset: istio-ambient }
          - { name: waypoint, kind: sidecarless, preset: istio-ambient, waypoint: true }
        """

    /// One gRPC connection, 10 pods, 100 requests/s for 60 s (about 6,000 requests).
    /// - kube-proxy (`none`) and ztunnel without a waypoint pick a pod per connection: the
    ///   one connection's pod gets every request, the other nine none (exact).
    /// - a sidecar or a waypoint picks per request (least request, P2C): every pod gets some,
    ///   and the counts pass a chi-square test of evenness at 99.9% (9 df: < 27.88). P2C is
    ///   more even than independent draws, so the multinomial quantile is a safe bound.
    func testGrpcPinsToOnePodOverL4AndSpreadsOverL7() throws {
        let s = try Self.scenario(Self.grpc)
        for name in ["direct", "ambient"] {
            let counts = Self.arrivals(try Self.sim(s, name), service: 0)
            XCTAssertGreaterThan(counts.reduce(0, +), 5_500, name)
            XCTAssertEqual(counts.filter { $0 > 0 }.count, 1, "\(name): one connection, one pod: \(counts)")
        }
        for name in ["mesh", "waypoint"] {
            let counts = Self.arrivals(try Self.sim(s, name), service: 0)
            XCTAssertGreaterThan(counts.reduce(0, +), 5_500, name)
            XCTAssertTrue(counts.allSatisfy { $0 > 0 }, "\(name): \(counts)")
            XCTAssertLessThan(Self.chiSquare(counts), Self.chiSquare9df999, "\(name): \(counts)")
        }
    }

    /// The same client over HTTP/1.1 without `connections:` opens a new connection per
    /// request, so kube-proxy's random choice per connection spreads requests like
    /// independent uniform draws: chi-square below its 99.9% quantile (27.88, 9 df).
    /// Four pooled HTTP/1.1 connections at 100/s and 1 ms are rarely all busy (a request
    /// overlaps another with probability about 100/s × 1 ms = 10%, all four with about
    /// 0.1^4), so nearly every request rides one of the 4 pinned connections: at most 4 pods
    /// get all but a handful. (The first idle connection is reused, as Go's net/http reuses
    /// the most recently idled one, so in practice one pod gets nearly all.)
    func testHttp1SpreadsPerRequestUnlessPooled() throws {
        let perRequest = try Self.scenario(Self.grpc.replacingOccurrences(of: ", protocol: grpc", with: "")
            .replacingOccurrences(of: ", connections: 1", with: ""))
        let counts = Self.arrivals(try Self.sim(perRequest, "direct"), service: 0)
        XCTAssertLessThan(Self.chiSquare(counts), Self.chiSquare9df999, "\(counts)")
        let pooled = try Self.scenario(Self.grpc.replacingOccurrences(of: ", protocol: grpc", with: "")
            .replacingOccurrences(of: "connections: 1", with: "connections: 4"))
        let pc = Self.arrivals(try Self.sim(pooled, "direct"), service: 0).sorted(by: >)
        let total = pc.reduce(0, +)
        // All four connections busy at once: P ≈ 0.1^4 per request at most (1 ms each at
        // 100/s); the top 4 pods carry all but a handful.
        XCTAssertGreaterThan(pc.prefix(4).reduce(0, +), total - 20, "\(pc)")
    }

    /// One host of four 10x slower (5 ms → 50 ms by an injected 45 ms), 200 requests/s from
    /// one client pod's sidecar, 60 s.
    /// - Envoy least request (P2C with replacement, fewer outstanding wins, first pick on a
    ///   tie) picks the slow host at least whenever both draws are it: share >= 1/16 = 6.25%;
    ///   with ~12,000 requests the binomial standard error is sqrt(.0625 × .9375 / 12000) =
    ///   0.22%, so >= 6.25% − 3 × 0.22% ≈ 5.6%.
    /// - Linkerd's peak-EWMA (P2C over two distinct hosts) sees the slow host cost
    ///   50 ms × (n+1) against ~5 ms for the others; it picks it again only once its estimate
    ///   has decayed below the others': 50 e^(−t/10 s) < 5 ms → t ≈ 23 s, a couple of
    ///   requests each time, plus the first ~50 ms when every host is at the 30 ms default
    ///   (about 10 requests over four hosts). Under 60 s: well under 1%.
    func testEwmaAvoidsASlowHostThatLeastRequestKeepsFeeding() throws {
        let s = try Self.scenario("""
            scenario: slow-host
            duration: 60s
            cluster: { network: { same_node: const(0ms), same_zone: const(0ms), cross_zone: const(0ms) } }
            services:
              api: { replicas: 4, workers: unlimited, service_time: const(5ms) }
            traffic:
              - { name: client, from: internal, to: api, rate: 200/s }
            topologies:
              - { name: lr, kind: sidecar, preset: istio-1.24, policies: { load_balancing: least-request } }
              - { name: ewma, kind: sidecar, preset: istio-1.24, policies: { load_balancing: ewma } }
              - { name: linkerd, kind: sidecar, preset: linkerd }
            faults:
              - { at: 0s, kind: latency, target: api/0, add: const(45ms) }
            """)
        func slowShare(_ name: String) throws -> Double {
            let c = Self.arrivals(try Self.sim(s, name), service: 0)
            return Double(c[0]) / Double(c.reduce(0, +))
        }
        let lr = try slowShare("lr"), ewma = try slowShare("ewma"), linkerd = try slowShare("linkerd")
        XCTAssertGreaterThan(lr, 0.056, "least request: at least both-draws-slow, 1/16")
        XCTAssertLessThan(ewma, 0.01, "peak EWMA keeps off the slow host")
        XCTAssertLessThan(linkerd, 0.01, "the linkerd preset balances by peak EWMA")
    }

    static let zones = """
        scenario: locality
        duration: 30s
        cluster: { nodes: 6, zones: [a, b, c] }
        services:
          api: { replicas: 6, workers: unlimited, service_time: const(1ms) }
        traffic:
          - { name: client, from: internal, to: api, rate: 200/s }
        policies:
          outlier_detection: { consecutive_errors: 5, interval: 1s, ejection: 30s, max_ejection: 100% }
        topologies:
          - { name: local, kind: sidecar, preset: istio-1.24, policies: { locality: prefer-zone } }
          - { name: anywhere, kind: sidecar, preset: istio-1.24 }
        """

    /// Six pods over six nodes in zones a, b, c (node n in zone n mod 3): two per zone. The
    /// client pod is on node 0, zone a.
    /// - prefer-zone, everything healthy: zone a's priority takes min(100%, 1.4 × 100%) of the
    ///   requests: no request crosses a zone (exact 0).
    /// - without locality, least request over six pods sends about 4/6 = 66.7% across; the
    ///   crossing share over ~6,000 requests lies within ±3 standard errors (0.6%) of it,
    ///   widened to [60%, 73%] for P2C's correlation between picks.
    func testPreferZoneKeepsCallsInTheCallersZone() throws {
        let s = try Self.scenario(Self.zones)
        let local = try Self.sim(s, "local")
        XCTAssertGreaterThan(local.metrics.services[0].succeeded, 5_500)
        XCTAssertEqual(local.metrics.services[0].crossZone, 0)
        let anywhere = try Self.sim(s, "anywhere")
        let share = Double(anywhere.metrics.services[0].crossZone) / Double(anywhere.metrics.services[0].attempts)
        XCTAssertEqual(share, 4.0 / 6.0, accuracy: 0.065, "\(share)")
    }

    /// Both zone-a pods crash at 0 s. The client's sidecar ejects each after 5 consecutive
    /// connect failures (max_ejection 100%); from then on zone a has no healthy host in its
    /// view, so every request goes to zone b or c and crosses once: every successful call
    /// crossed, crossings = successes + tries in flight at the end (a handful).
    func testPreferZoneFailsOverWhenTheZoneIsDown() throws {
        var yaml = Self.zones
        let crashA = "\nfaults:\n  - { at: 0s, kind: crash, target: api/0 }\n  - { at: 0s, kind: crash, target: api/3 }\n"
        yaml += crashA
        let s = try Self.scenario(yaml)
        let sim = try Self.sim(s, "local")
        XCTAssertEqual(sim.zoneOfNode[sim.model.instances[0].node], 0)
        XCTAssertEqual(sim.zoneOfNode[sim.model.instances[3].node], 0)
        let svc = sim.metrics.services[0]
        XCTAssertGreaterThan(svc.succeeded, 5_500)
        XCTAssertGreaterThanOrEqual(svc.crossZone, svc.succeeded)
        XCTAssertLessThanOrEqual(svc.crossZone, svc.succeeded + 10)
    }
}

import Calibration
import Scenario
import SimCore
import XCTest
@testable import Topology

/// Mesh connections between proxies (MeshConnections.swift): a new connection pays the TCP
/// and TLS handshakes, pooled ones nothing; certificates are checked at the handshake only.
/// Expected values are derived by hand in each test's comment.
final class HandshakeTests: XCTestCase {
    static func scenario(_ yaml: String) throws -> Scenario { try PolicyTests.scenario(yaml) }
    static func sim(_ s: Scenario, _ topology: String) throws -> TopologySimulation { try PolicyTests.sim(s, topology) }

    /// One closed-loop client sending every 1/rate seconds to one pod, everything on one
    /// node (every wire is `same_node`, 50 µs), every latency constant.
    static func paced(rate: String, duration: String = "600s") -> String {
        """
        scenario: handshakes
        duration: \(duration)
        cluster: { nodes: 1, network: { same_node: const(50us) } }
        services:
          api: { replicas: 1, workers: unlimited, service_time: const(1ms) }
        traffic:
          - { name: client, from: internal, to: api, rate: \(rate), clients: 1 }
        topologies:
          - { name: linkerd, kind: sidecar, preset: linkerd, proxy: { latency: const(200us) } }
          - { name: istio, kind: sidecar, preset: istio-1.24, proxy: { latency: const(200us) } }
        """
    }

    /// Linkerd drops a connection after 5 s idle; Istio's sidecars after 1 h.
    /// - One request every 10 s: Linkerd finds its connection to the pod idle 10 s − 2.6 ms
    ///   > 5 s every time, so every request opens one: handshakes = requests (exact).
    /// - One request every second: idle under 1 s < 5 s, so only the first opens one: 1.
    /// - Istio at one request every 10 s: idle 10 s < 1 h: 1.
    func testANewConnectionPerIdleGapLongerThanTheIdleTimeout() throws {
        let slow = try Self.scenario(Self.paced(rate: "0.1/s"))
        let linkerdSlow = try Self.sim(slow, "linkerd").metrics
        XCTAssertGreaterThan(linkerdSlow.requests, 50)
        XCTAssertEqual(linkerdSlow.handshakes, linkerdSlow.requests)
        XCTAssertEqual(try Self.sim(slow, "istio").metrics.handshakes, 1)
        let fast = try Self.scenario(Self.paced(rate: "1/s"))
        XCTAssertEqual(try Self.sim(fast, "linkerd").metrics.handshakes, 1)
    }

    /// What a handshake adds to a request: TCP's round trip and TLS 1.3's (4 one-way wires
    /// of 50 µs = 200 µs) plus the handshake CPU at both ends (2 × 250 µs): 700 µs. Every
    /// other latency is constant, so at one request every 10 s (each pays it) the mean is
    /// the base + 700 µs, and at one per second (only the first of n pays) the base +
    /// 700 µs / n: the difference is 700 µs × (1 − 1/n), exact up to float rounding.
    func testAHandshakeCostsTwoRoundTripsAndTheCryptoAtBothEnds() throws {
        let slow = try Self.sim(try Self.scenario(Self.paced(rate: "0.1/s")), "linkerd").metrics
        let fast = try Self.sim(try Self.scenario(Self.paced(rate: "1/s")), "linkerd").metrics
        let n = Double(fast.latency.count)
        XCTAssertGreaterThan(n, 500)
        let expected = 700_000 * (1 - 1 / n)
        XCTAssertEqual(slow.latency.mean - fast.latency.mean, expected, accuracy: 1)
        // Without mTLS only TCP's round trip is left: 2 × 50 µs = 100 µs.
        let plain = try Self.scenario(Self.paced(rate: "0.1/s")
            .replacingOccurrences(of: "preset: linkerd,", with: "preset: linkerd, mtls: off,"))
        let plainSlow = try Self.sim(plain, "linkerd").metrics
        XCTAssertEqual(plainSlow.latency.mean - slow.latency.mean, -600_000, accuracy: 1)
    }

    /// Certificates are checked in the handshake only (istio/istio#7630). One request per
    /// second for 4 h; certificates live 1 h and rotate at half-life; the control plane is
    /// down from 10 min for 3 h, so every certificate has expired by 10 min + 1 h and none
    /// is renewed before 3 h 10 min.
    /// - Istio (1 h idle): the one connection opened at the start is never idle for 1 h, so
    ///   nothing handshakes again: not one request fails (exact).
    /// - Linkerd at one request every 10 s: each opens a connection (5 s idle), so every
    ///   request fails from the first expiry (the client's or the pod's) until the
    ///   certificates are renewed, and none before: checked window by window.
    /// - The same Istio run with the pod's sidecar crashing for 10 s at 2 h: its connection
    ///   dies with it, the new one cannot be made with expired certificates, so from the
    ///   restart every request fails (`errors.tls`) until renewal at 3 h 10 min.
    func testExpiredCertificatesFailNewConnectionsWhileOpenOnesLiveOn() throws {
        func yaml(_ rate: String, faults: String = "") -> String {
            Self.paced(rate: rate, duration: "4h")
                .replacingOccurrences(of: "proxy: { latency: const(200us) } }", with: "mtls: strict }")
            + """

            window: 1m
            control_plane: { certificates: { ttl: 1h, rotate_at: 50% } }
            faults:
              - { at: 10m, for: 3h, kind: control-plane-down }
            \(faults)
            """
        }
        let istio = try Self.sim(try Self.scenario(yaml("1/s")), "istio")
        XCTAssertEqual(istio.metrics.errorCount(.tls), 0)
        XCTAssertEqual(istio.metrics.handshakes, 1)
        XCTAssertGreaterThan(istio.metrics.succeeded, 14_000)

        let slow = try Self.scenario(yaml("0.1/s"))
        var linkerd = try TopologySimulation(scenario: slow, topology: XCTUnwrap(slow.topology(named: "linkerd")), seed: 1)
        linkerd.run(until: 660 * Nanos.perSecond)
        // Nothing rotates from 10 min on: the pod's certificate expiry is final.
        let first = linkerd.instances.map(\.certExpires).min()!
        linkerd.runToEnd()
        XCTAssertGreaterThan(first, 600 * Nanos.perSecond)
        XCTAssertLessThanOrEqual(first, 4_200 * Nanos.perSecond)
        let renewed: SimTime = (600 + 3 * 3600) * Nanos.perSecond
        let minute: SimTime = 60 * Nanos.perSecond
        var failing = 0
        for (i, w) in linkerd.metrics.windows.windows.enumerated() {
            let start = SimTime(i) * minute, end = start + minute
            if end <= first { XCTAssertEqual(w.errors, 0, "window \(i): before the first expiry") }
            if start >= first && end <= renewed {
                XCTAssertEqual(w.succeeded, 0, "window \(i): every request needs a new connection")
                failing += w.errors
            }
        }
        XCTAssertGreaterThan(failing, 600)
        XCTAssertEqual(linkerd.metrics.errorCount(.tls), linkerd.metrics.errors.reduce(0, +))

        let crash = try Self.sim(try Self.scenario(yaml("1/s", faults: "  - { at: 2h, for: 10s, kind: proxy-crash, target: api/0 }")), "istio")
        for (i, w) in crash.metrics.windows.windows.enumerated() {
            let start = SimTime(i) * minute, end = start + minute
            if end <= 2 * 3600 * Nanos.perSecond { XCTAssertEqual(w.errors, 0, "window \(i): before the crash") }
            if start >= 2 * 3600 * Nanos.perSecond + minute && end <= renewed {
                XCTAssertEqual(w.succeeded, 0, "window \(i): the new connection fails its handshake")
            }
        }
        XCTAssertGreaterThan(crash.metrics.errorCount(.tls), 3_000)
    }
}

extension HandshakeTests {
    /// Envoy's max_connections bounds requests only where each request needs its own
    /// connection. One connection allowed (`max_connections: 1`), one pending, 100 Poisson
    /// requests/s for 60 s to a 50 ms service through an Envoy gateway:
    /// - HTTP/1.1: at most 1 request in flight, so at most 60 s / 50 ms + 2 = 1,202 are
    ///   served (one at a time, plus the one pending at the end); of about 6,000 the rest,
    ///   ≥ 4,500 with any plausible Poisson count (6,000 − 4σ ≈ 5,690), overflow (UO);
    /// - gRPC: one multiplexed connection carries them all (max_requests 1024 is never
    ///   reached at 5 in flight on average): no overflow at all.
    func testMaxConnectionsBoundsHttp1ButNotMultiplexedRequests() throws {
        func yaml(_ proto: String) -> String {
            """
            scenario: breakers
            duration: 60s
            services:
              api: { replicas: 1, workers: unlimited, service_time: const(50ms), protocol: \(proto) }
            traffic:
              - { name: users, from: external, to: api, rate: 100/s }
            policies:
              circuit_breakers: { max_connections: 1, max_pending_requests: 1 }
            topologies:
              - { name: gw, kind: gateway, preset: envoy-gateway }
            """
        }
        let h1 = try Self.sim(try Self.scenario(yaml("http1")), "gw").metrics
        XCTAssertLessThanOrEqual(h1.succeeded, 2_404)
        XCTAssertGreaterThan(h1.errorCount(.overflow), 3_000)
        let grpc = try Self.sim(try Self.scenario(yaml("grpc")), "gw").metrics
        XCTAssertEqual(grpc.errorCount(.overflow), 0)
        XCTAssertEqual(grpc.succeeded, grpc.requests)
    }
}

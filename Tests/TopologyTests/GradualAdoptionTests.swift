import Calibration
import Scenario
import SimCore
import XCTest
@testable import Topology

/// Issue 22: gradual adoption. Pods outside the mesh (`mesh: false`), `inject` rollouts and
/// the `mtls-mode` switch. Paths carry exactly the proxies that exist; a strict callee refuses
/// a plain caller. Every expected value is derived in the comments; Poisson counts get four
/// standard deviations.
final class GradualAdoptionTests: XCTestCase {
    static func failed(_ m: TopologyMetrics) -> Int { m.requests - m.succeeded }

    /// Proxies of 0.5 ms, unlimited workers; apps of 1 ms; a zero-latency network (the
    /// scenario's `network` is all 0): every latency below is a sum of those.
    static let proxy = "{ latency: const(500us), workers: unlimited, queue: unlimited, cpu_per_request: 0.001, memory_mb: 50 }"
    static let zeroNetwork = "network: { same_node: const(0s), same_zone: const(0s), cross_zone: const(0s), external: const(0s) }"

    // MARK: - The forgotten plain caller

    /// `legacy-batch` (mesh: false) and `web` (meshed) each call `orders` for 10 requests/s from
    /// their own internal client; no retries anywhere (retries of a refused handshake fail the
    /// same way: they would only add tries). `faults` is appended to the scenario.
    static func forgotten(_ kind: String, mtls: String = "permissive", faults: String = "") throws -> Scenario {
        try PolicyTests.scenario("""
            scenario: forgotten-caller
            duration: 40s
            cluster: { nodes: 2, \(zeroNetwork) }
            policies: { retries: { attempts: 0 } }
            services:
              legacy-batch: { mesh: false, service_time: const(1ms), calls: [orders], client_policies: { retries: { attempts: 0 } } }
              web: { service_time: const(1ms), calls: [orders] }
              orders: { replicas: 2, service_time: const(1ms) }
            traffic:
              - { name: batch, from: internal, to: legacy-batch, rate: 10/s }
              - { name: web, from: internal, to: web, rate: 10/s }
            topologies:
              - { name: t, kind: \(kind), mtls: \(mtls) }
            \(faults.isEmpty ? "" : "faults:\n  " + faults)
            """)
    }

    /// Strict from 20 s: every batch request from then on fails its handshake at `orders`
    /// (100 %), none before (0 %), and `web` (meshed) never fails. Batch requests after 20 s:
    /// 10/s × 20 s = 200 (sd √200 ≈ 14; tolerance 4 sd). A request that reached `orders` just
    /// before 20 s and answers just after is the one straddling the switch: at most 1.
    func testAPlainCallerFailsEveryCallFromTheStrictInstantAndNoneBefore() throws {
        for kind in ["sidecar", "sidecarless", "combined"] {
            let s = try Self.forgotten(kind, faults: "- { at: 20s, kind: mtls-mode, mode: strict }")
            let m = try PolicyTests.sim(s, "t").metrics
            let after = try XCTUnwrap(m.interval(Fx.seconds(20), Fx.seconds(40)))
            let batch = 0, web = 1
            let batchFailed = after.sourceRequests[batch] - after.sourceSucceeded[batch]
            XCTAssertEqual(Double(after.sourceRequests[batch]), 200, accuracy: 57, kind)
            XCTAssertGreaterThanOrEqual(batchFailed, after.sourceRequests[batch] - 1, "\(kind): 100 % of batch fails from 20 s")
            XCTAssertEqual(after.sourceSucceeded[web], after.sourceRequests[web], "\(kind): web is meshed: mTLS, never refused")
            XCTAssertEqual(Self.failed(m), after.requests - after.succeeded, "\(kind): 0 % before 20 s")
            XCTAssertEqual(m.errorCount(.tls), Self.failed(m), "\(kind): every failure is the handshake (errors.tls)")
            XCTAssertEqual(m.services[2].errors[ErrorCause.allCases.firstIndex(of: .tls)!], batchFailed,
                           "\(kind): orders refuses legacy-batch's calls")
        }
    }

    /// Permissive all along (the default, and stated): the plain caller never fails.
    func testPermissiveNeverFailsAPlainCaller() throws {
        for kind in ["sidecar", "sidecarless", "combined"] {
            let m = try PolicyTests.sim(try Self.forgotten(kind), "t").metrics
            XCTAssertGreaterThan(m.requests, 600, "20/s × 40 s ≈ 800")
            XCTAssertEqual(Self.failed(m), 0, kind)
        }
    }

    /// The mode is per service: strict for `web` (which nobody plain calls) breaks nothing;
    /// strict for `orders` breaks the batch as a namespace-wide switch does. A workload's own
    /// `permissive` wins over a later namespace-wide `strict` (Istio: workload-specific policy
    /// takes precedence), so the batch keeps working.
    func testPerServiceModesAndWorkloadPrecedence() throws {
        let webOnly = try PolicyTests.sim(try Self.forgotten("sidecar", faults: "- { at: 20s, kind: mtls-mode, mode: strict, target: web }"), "t").metrics
        XCTAssertEqual(Self.failed(webOnly), 0)
        let orders = try PolicyTests.sim(try Self.forgotten("sidecar", faults: "- { at: 20s, kind: mtls-mode, mode: strict, target: orders }"), "t").metrics
        XCTAssertEqual(Double(orders.errorCount(.tls)), 200, accuracy: 57, "10/s × 20 s")
        let kept = try PolicyTests.sim(try Self.forgotten("sidecar", faults: """
            - { at: 5s, kind: mtls-mode, mode: permissive, target: orders }
              - { at: 20s, kind: mtls-mode, mode: strict }
            """), "t").metrics
        XCTAssertEqual(Self.failed(kept), 0, "orders' own permissive outranks the namespace's strict")
        // A topology strict from the start refuses the plain caller from the first request:
        // 10/s × 40 s = 400 (sd 20).
        let strict = try PolicyTests.sim(try Self.forgotten("sidecar", mtls: "strict"), "t").metrics
        XCTAssertEqual(Double(strict.errorCount(.tls)), 400, accuracy: 80)
        XCTAssertEqual(strict.errorCount(.tls), Self.failed(strict))
    }

    // MARK: - Paths

    /// front → back, one internal client (its pod is meshed), 0.5 ms proxies, 1 ms apps, no
    /// network time, so each request's proxy traversals (`hops`) and latency are exact:
    /// - both meshed: client sidecar ×2, front's ×2 in, front's ×2 out to back, back's ×2 = 8
    ///   traversals, 8 × 0.5 + 2 × 1 = 6 ms;
    /// - back plain: back's sidecar is gone: 6 traversals (front→back has exactly the caller
    ///   side's 2 per round trip), 5 ms;
    /// - front plain: front has no proxy: client ×2 + back ×2 = 4 traversals, 4 ms.
    /// Sidecar-less counts node proxies the same way (the client's, front's and back's node
    /// proxies at both ends; a pod not enrolled has none). Each new mesh connection (a
    /// handshake, HandshakeTests) adds its 2 × 0.25 ms of crypto to the one request that
    /// opens it: + handshakes × 0.5 ms / requests on the mean (calls are sequential, so every
    /// handshake is on its request's critical path).
    func testPathsCarryOnlyTheProxiesThatExist() throws {
        func run(_ kind: String, front: Bool, back: Bool) throws -> TopologyMetrics {
            let s = try PolicyTests.scenario("""
                scenario: paths
                duration: 20s
                cluster: { nodes: 2, \(Self.zeroNetwork) }
                policies: { retries: { attempts: 0 } }
                services:
                  front: { mesh: \(front), service_time: const(1ms), calls: [back] }
                  back: { mesh: \(back), service_time: const(1ms) }
                traffic:
                  - { name: t, from: internal, to: front, rate: 20/s }
                topologies:
                  - { name: t, kind: \(kind), proxy: \(Self.proxy) }
                """)
            return try PolicyTests.sim(s, "t").metrics
        }
        for kind in ["sidecar", "sidecarless"] {
            for (front, back, hops) in [(true, true, 8.0), (true, false, 6.0), (false, true, 4.0), (false, false, 2.0)] {
                let m = try run(kind, front: front, back: back)
                let what = "\(kind), front \(front ? "meshed" : "plain"), back \(back ? "meshed" : "plain")"
                XCTAssertGreaterThan(m.requests, 300, what)
                XCTAssertEqual(Self.failed(m), 0, what)
                XCTAssertEqual(m.hopsPerRequest, hops, what)
                // 0.5 ms per traversal plus two 1 ms apps, plus the handshakes.
                XCTAssertEqual(m.latency.mean / 1e6, hops * 0.5 + 2 + Double(m.handshakes) * 0.5 / Double(m.requests),
                               accuracy: 1e-9, what)
            }
        }
    }

    /// Policies are enforced only where a proxy enforces them. Both callers' calls hit a
    /// service failing half its requests; the mesh retries 3 times on 503s, the plain caller's
    /// client library not at all:
    /// - plain caller (its library): tries = calls, failure share 1/2 (sd √(¼/n));
    /// - meshed caller (its sidecar): failure share (1/2)^4 = 1/16 ≈ 0.0625.
    func testAPlainCallerUsesItsClientLibraryPolicies() throws {
        let s = try PolicyTests.scenario("""
            scenario: policies
            duration: 60s
            cluster: { nodes: 2, \(Self.zeroNetwork) }
            services:
              legacy: { mesh: false, service_time: const(1ms), calls: [back-a], client_policies: { retries: { attempts: 0 } } }
              web: { service_time: const(1ms), calls: [back-b] }
              back-a: { service_time: const(1ms), errors: 50% }
              back-b: { service_time: const(1ms), errors: 50% }
            traffic:
              - { name: l, from: internal, to: legacy, rate: 20/s }
              - { name: w, from: internal, to: web, rate: 20/s }
            topologies:
              - { name: t, kind: sidecar, policies: { retries: { attempts: 3, on: [unavailable], backoff: { base: 1ms, max: 1ms } } } }
            """)
        let m = try PolicyTests.sim(s, "t").metrics
        let a = m.services[2], b = m.services[3]
        // n ≈ 1200 calls each: sd of a share of 1/2 is √(0.25/1200) ≈ 0.0144 (4 sd ≈ 0.058).
        XCTAssertEqual(Double(a.attempts), Double(a.calls), accuracy: 2, "no retries from a library with attempts: 0")
        XCTAssertEqual(Double(a.failed) / Double(a.calls), 0.5, accuracy: 0.058)
        // 1/16 of 1200: sd √(1200 × 0.0625 × 0.9375) ≈ 8.4 calls, 0.007 as a share (4 sd 0.028).
        XCTAssertEqual(Double(b.failed) / Double(b.calls), 0.0625, accuracy: 0.028)
        XCTAssertGreaterThan(Double(b.attempts) / Double(b.calls), 1.8, "the sidecar retried: 1 + ½ + ¼ + ⅛ = 1.875 tries per call")
    }

    /// A pod outside the mesh has no workload certificate, so none expires. Strict mTLS,
    /// 1-minute certificates rotated at half their life, and a control plane down from the
    /// start: every meshed pod's certificate has expired by 1 min (issued at most 30 s before
    /// the start), so calls into meshed pods fail their handshake from then on, while a chain
    /// of plain pods (client pod → legacy → back, with only the client's own sidecar) keeps
    /// working for the whole 3 minutes. Meshed, certificates are checked at each new
    /// connection's handshake (HandshakeTests): the connections opened before the expiry
    /// live on, so it is back's sidecar crashing at 90 s (for 5 s) that makes legacy's
    /// sidecar open a new one, which fails: every request from 95 s on, 10/s × 85 s ≈ 850
    /// (Poisson: ≥ 700 at more than 5σ). For plain pods the crash does nothing (no sidecar).
    func testPlainPodsHaveNoCertificateToExpire() throws {
        func run(mesh: Bool) throws -> TopologyMetrics {
            let s = try PolicyTests.scenario("""
                scenario: certificates
                duration: 3m
                cluster: { nodes: 2, \(Self.zeroNetwork) }
                policies: { retries: { attempts: 0 } }
                control_plane: { certificates: { ttl: 1m, rotate_at: 50% } }
                services:
                  legacy: { mesh: \(mesh), service_time: const(1ms), calls: [back] }
                  back: { mesh: \(mesh), service_time: const(1ms) }
                traffic:
                  - { name: t, from: internal, to: legacy, rate: 10/s }
                topologies:
                  - { name: t, kind: sidecar, mtls: strict }
                faults:
                  - { at: 0s, kind: control-plane-down }
                  - { at: 90s, for: 5s, kind: proxy-crash, target: back }
                """)
            return try PolicyTests.sim(s, "t").metrics
        }
        let plain = try run(mesh: false)
        XCTAssertGreaterThan(plain.requests, 1500, "10/s × 180 s")
        XCTAssertEqual(Self.failed(plain), 0)
        let meshed = try run(mesh: true)
        XCTAssertGreaterThanOrEqual(meshed.errorCount(.tls), 700)
    }

    /// A `proxy-crash` of a pod that has no sidecar changes nothing (the sidecar compiled for a
    /// later inject is not running); the same crash of a meshed pod takes the pod's network
    /// with it: its requests are refused (no retries) until it leaves the endpoints.
    func testAProxyCrashOfAPlainPodDoesNothing() throws {
        func run(mesh: Bool) throws -> TopologyMetrics {
            let s = try PolicyTests.scenario("""
                scenario: crash
                duration: 30s
                cluster: { nodes: 2, \(Self.zeroNetwork) }
                policies: { retries: { attempts: 0 }, outlier_detection: { consecutive_errors: 1000 } }
                services:
                  api: { mesh: \(mesh), replicas: 2, service_time: const(1ms) }
                traffic:
                  - { name: t, from: internal, to: api, rate: 50/s }
                topologies:
                  - { name: t, kind: sidecar }
                faults:
                  - { at: 10s, for: 10s, kind: proxy-crash, target: api/0 }
                """)
            return try PolicyTests.sim(s, "t").metrics
        }
        XCTAssertEqual(Self.failed(try run(mesh: false)), 0)
        XCTAssertGreaterThan(Self.failed(try run(mesh: true)), 50, "a meshed pod loses its network with its sidecar")
    }

    // MARK: - Injection over time

    /// One `api` pod outside the mesh, called at 50/s by a meshed internal client; `inject` at
    /// 10 s with Kubernetes' defaults for 1 replica (max_surge 1, max_unavailable 0): the surge
    /// pod starts at 10 s, is ready one readiness period (10 s) later, and replaces the old one
    /// at 20 s (push_delay set to 0, not the 1 s default: listed at once). Before 20 s each request crosses the client's
    /// sidecar twice: 2 × 0.5 + 1 = 2 ms; from 20 s also api's: 4 × 0.5 + 1 = 3 ms. The sidecar
    /// (50 MB) runs, and is counted, from then only; proxy CPU is 0.001 / 2 per traversal.
    func testInjectAddsLatencyAndResourcesOnlyFromEachReplacement() throws {
        let s = try PolicyTests.scenario("""
            scenario: inject
            duration: 60s
            cluster: { nodes: 2, \(Self.zeroNetwork) }
            control_plane: { push_delay: const(0s) }
            policies: { retries: { attempts: 0 } }
            services:
              api: { mesh: false, service_time: const(1ms) }
            traffic:
              - { name: t, from: internal, to: api, rate: 50/s }
            topologies:
              - { name: t, kind: sidecar, proxy: \(Self.proxy) }
            faults:
              - { at: 10s, kind: inject, target: api }
            """)
        var sim = try TopologySimulation(scenario: s, topology: s.topologies[0], seed: 1)
        let startProxies = sim.metrics.proxies, startMemory = sim.metrics.proxyMemoryMB
        XCTAssertEqual(sim.model.proxies.count, startProxies + 1, "api's sidecar is compiled but not running yet")
        XCTAssertEqual(sim.instanceMeshed, [false])
        sim.run(until: Fx.seconds(19.9))
        XCTAssertEqual(sim.instanceMeshed, [false], "the surge pod is not ready before 20 s")
        sim.runToEnd()
        let m = sim.metrics
        XCTAssertEqual(sim.instanceMeshed, [true])
        XCTAssertEqual(m.proxies, startProxies + 1)
        XCTAssertEqual(m.proxyMemoryMB, startMemory + 50, accuracy: 1e-9)
        XCTAssertEqual(Self.failed(m), 0, "a surge rollout refuses nothing when the push is instant")
        // Windows' medians (2 significant digits: within 1 %).
        let p50 = m.windows.windows.map { $0.p50 / 1e6 }
        for w in 0..<20 { XCTAssertEqual(p50[w], 2, accuracy: 0.02, "window \(w): before the replacement") }
        for w in 20..<60 { XCTAssertEqual(p50[w], 3, accuracy: 0.03, "window \(w): api's sidecar on the path") }
        // Traversals: 2 per request before 20 s, 4 after; requests by the windows they finish
        // in (a request straddling 20 s may count either way: ±2).
        let before = m.windows.windows[0..<20].reduce(0) { $0 + $1.requests }
        let after = m.windows.windows[20...].reduce(0) { $0 + $1.requests }
        XCTAssertEqual(Double(m.rootHops), Double(2 * before + 4 * after), accuracy: 2)
        // Plus 2 × 0.25 ms of handshake crypto per new mesh connection (MeshConnections.swift).
        XCTAssertEqual(m.proxyCPUSeconds, Double(m.hops[HopKind.sidecar.rawValue].traversals) * 0.0005
                       + Double(m.handshakes) * 0.0005, accuracy: 1e-9)
        XCTAssertEqual(Double(m.hops[HopKind.sidecar.rawValue].traversals), Double(2 * before + 4 * after), accuracy: 6)
    }

    /// In ambient, enrolment needs no restart: `inject` enrols api at its instant (10 s).
    /// Before, a request crosses the client's node proxy twice (2 ms); after, api's node proxy
    /// too (3 ms). No proxy is added: ztunnel already runs on every node.
    func testAmbientEnrolsAtTheInjectInstant() throws {
        let s = try PolicyTests.scenario("""
            scenario: enrol
            duration: 30s
            cluster: { nodes: 2, \(Self.zeroNetwork) }
            policies: { retries: { attempts: 0 } }
            services:
              api: { mesh: false, service_time: const(1ms) }
            traffic:
              - { name: t, from: internal, to: api, rate: 50/s }
            topologies:
              - { name: t, kind: sidecarless, proxy: \(Self.proxy) }
            faults:
              - { at: 10s, kind: inject, target: api }
            """)
        var sim = try TopologySimulation(scenario: s, topology: s.topologies[0], seed: 1)
        let startProxies = sim.metrics.proxies
        sim.runToEnd()
        let p50 = sim.metrics.windows.windows.map { $0.p50 / 1e6 }
        for w in 0..<10 { XCTAssertEqual(p50[w], 2, accuracy: 0.02, "window \(w)") }
        for w in 11..<30 { XCTAssertEqual(p50[w], 3, accuracy: 0.03, "window \(w)") }
        XCTAssertEqual(sim.metrics.proxies, startProxies)
        XCTAssertEqual(Self.failed(sim.metrics), 0)
    }
}

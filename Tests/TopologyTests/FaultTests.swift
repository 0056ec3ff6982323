import Calibration
import Scenario
import SimCore
import XCTest
@testable import Topology

/// The pitfalls where topologies differ most, each checked on the fault's own window.
final class FaultTests: XCTestCase {
    func sec(_ s: Double) -> SimTime { Fx.seconds(s) }

    /// front (2) -> back (3), external and internal traffic.
    func services(backReplicas: Int = 3) -> [Service] {
        [Service(name: "front", replicas: 2, workers: 32, serviceTime: .exponential(mean: 1 * Fx.ms),
                 calls: [.sequential(Call(service: 1))]),
         Service(name: "back", replicas: backReplicas, workers: 32, serviceTime: .exponential(mean: 2 * Fx.ms))]
    }

    func testGatewayOutageStopsExternalTrafficButNotMeshInternalTraffic() throws {
        let traffic = [TrafficSource(name: "ext", from: .external, to: 0, rate: .constant(perSecond: 100)),
                       TrafficSource(name: "int", from: .internal, to: 0, rate: .constant(perSecond: 100))]
        let s = Fx.scenario(services: services(), traffic: traffic, topologies: [
            TopologySpec(name: "gw", kind: .gateway, preset: "kong"),
            TopologySpec(name: "edge", kind: .combined, preset: "linkerd", gateway: GatewayPart(preset: "envoy-gateway"),
                         mesh: MeshPart(preset: "linkerd")),
        ], duration: 60, network: Network(),
           faults: [Fault(at: sec(20), duration: sec(10), kind: .gatewayDown, target: .gateway, targetText: "gateway")])
        for t in 0..<2 {
            let m = try Fx.run(s, t).metrics
            let during = try XCTUnwrap(m.interval(sec(20), sec(30)))
            XCTAssertGreaterThan(during.sourceRequests[0], 900)
            XCTAssertEqual(during.sourceSucceeded[0], 0, "\(s.topologies[t].name): external traffic during the outage")
            XCTAssertEqual(during.sourceSucceeded[1], during.sourceRequests[1], "\(s.topologies[t].name): internal traffic")
            // Every replica is down from 20 s to 30 s: the load balancer in front of them, with no
            // `health_check`, checks every 30 s (AWS defaults) and has not noticed before they are
            // back, so it keeps sending to them and each call is refused (`refused`) rather than
            // finding no replica (`unavailable`): 100/s × 10 s = 1000 either way.
            XCTAssertGreaterThan(m.errorCount(.unavailable) + m.errorCount(.refused), 900)
            // Before and after, external traffic flows.
            XCTAssertGreaterThan(m.succeeded, m.requests - during.sourceRequests[0] - 50)
        }
    }

    func testMeshRoutesAroundACrashedInstanceWithFewerFailures() throws {
        let traffic = [TrafficSource(name: "int", from: .internal, to: 0, rate: .constant(perSecond: 200))]
        let od = Policies(outlierDetection: OutlierDetection(consecutiveErrors: 5, interval: sec(10), ejection: sec(30),
                                                             maxEjectionPercent: 0.5))
        var s = Fx.scenario(services: services(), traffic: traffic, topologies: [
            TopologySpec(name: "direct", kind: .none),
            TopologySpec(name: "mesh", kind: .sidecar, preset: "istio-envoy", policies: od),
        ], duration: 90, network: Network(),
           faults: [Fault(at: sec(20), duration: sec(40), kind: .crash, target: .instance(service: 1, index: 0),
                          targetText: "back/0")])
        // istiod takes 5 s to push the crashed pod's removal: the sidecars keep sending to it
        // meanwhile, and their retries and outlier detection are what protect the calls.
        s.controlPlane.pushDelay = .constant(5e9)
        let direct = try Fx.run(s, 0).metrics, mesh = try Fx.run(s, 1).metrics
        let dFail = direct.requests - direct.succeeded, mFail = mesh.requests - mesh.succeeded
        // Without a mesh a third of the calls hit the dead instance until kube-proxy drops it
        // (1 s after the container exits): 200/s × 1/3 × 1 s ≈ 67 (Poisson sd ≈ 8; 4 sd).
        XCTAssertEqual(Double(dFail), 200.0 / 3, accuracy: 33)
        XCTAssertEqual(direct.errorCount(.refused), dFail)
        // The mesh retries connect failures elsewhere and ejects the host.
        XCTAssertLessThan(mFail * 20, dFail, "mesh \(mFail) vs direct \(dFail)")
        XCTAssertGreaterThanOrEqual(mesh.ejections, 1)
    }

    func testNodeProxyCrashTakesDownEveryPodOnItsNode() throws {
        let traffic = [TrafficSource(name: "int", from: .internal, to: 0, rate: .constant(perSecond: 100))]
        let s = Fx.scenario(services: services(), traffic: traffic, topologies: [
            TopologySpec(name: "ambient", kind: .sidecarless, preset: "istio-ambient"),
            TopologySpec(name: "mesh", kind: .sidecar, preset: "istio-envoy"),
        ], duration: 60, nodes: 2, network: Network(),
           faults: [Fault(at: sec(20), duration: sec(10), kind: .proxyCrash, target: .instance(service: 0, index: 0),
                          targetText: "front/0")])
        for (t, expectDown) in [(0, true), (1, false)] {
            var sim = try TopologySimulation(scenario: s, topology: s.topologies[t], seed: 1)
            sim.run(until: sec(25))
            let node = sim.model.instances[0].node
            let onNode = sim.model.instances.indices.filter { sim.model.instances[$0].node == node }
            XCTAssertGreaterThan(onNode.count, 1)
            for i in onNode {
                let isTarget = i == 0
                XCTAssertEqual(sim.instances[i].up, !(isTarget || expectDown),
                               "\(s.topologies[t].name): instance \(i) on the crashed proxy's node")
            }
            sim.runToEnd()
            XCTAssertTrue(sim.instances.allSatisfy(\.up), "recovered after the fault")
        }
    }

    func certificateScenario(mtls: MTLSMode) -> Scenario {
        var s = Fx.scenario(services: services(), traffic: [TrafficSource(name: "int", from: .internal, to: 0,
                                                                          rate: .constant(perSecond: 20))],
                            topologies: [TopologySpec(name: "mesh", kind: .sidecar, preset: "istio-envoy", mtls: mtls),
                                         TopologySpec(name: "direct", kind: .none)],
                            duration: 3 * 3600, network: Network(),
                            faults: [Fault(at: sec(600), kind: .controlPlaneDown, target: .controlPlane,
                                           targetText: "control-plane")])
        s.window = 60 * Nanos.perSecond
        s.controlPlane = ControlPlane(certificates: CertificatePolicy(ttl: 3600 * Nanos.perSecond, rotateAt: 0.5))
        return s
    }

    /// Strict mTLS checks certificates in each new connection's handshake (HandshakeTests
    /// has the exact timelines): during the outage, every certificate expires by 10 min +
    /// 1 h, and from then on each handshake fails, so `errors.tls` is at most the handshakes
    /// (a failed one is retried, as a connect failure, on a pooled connection to another
    /// pod). Before the first expiry nothing fails.
    func testCertificatesExpireDuringAControlPlaneOutageInStrictModeOnly() throws {
        let strict = certificateScenario(mtls: .strict)
        var sim = try TopologySimulation(scenario: strict, topology: strict.topologies[0], seed: 1)
        sim.run(until: sec(601))
        // Nothing rotates from now on: each workload's certificate expiry is final.
        let expiries = sim.instances.map(\.certExpires)
        let first = expiries.min()!, last = expiries.max()!
        XCTAssertGreaterThan(first, sec(600))
        XCTAssertLessThanOrEqual(last, sec(600 + 3600))
        sim.runToEnd()
        let m = sim.metrics
        XCTAssertLessThanOrEqual(m.errorCount(.tls), m.handshakes)
        let width = strict.window
        for (i, w) in m.windows.windows.enumerated() {
            let start = SimTime(i) * width, end = start + width
            if end <= first { XCTAssertEqual(w.errors, 0, "no failure before the first expiry (window \(i))") }
        }
        // Permissive mode falls back to plaintext; `none` has no mesh certificates.
        let permissive = certificateScenario(mtls: .permissive)
        XCTAssertEqual(try Fx.run(permissive, 0).metrics.errorCount(.tls), 0)
        XCTAssertEqual(try Fx.run(strict, 1).metrics.errorCount(.tls), 0)
    }

    func raceScenario(hold: Bool) -> Scenario {
        let traffic = [TrafficSource(name: "int", from: .internal, to: 0, rate: .constant(perSecond: 200))]
        return Fx.scenario(services: services(), traffic: traffic, topologies: [
            TopologySpec(name: "mesh", kind: .sidecar, preset: "istio-envoy", holdApplicationUntilProxyStarts: hold),
        ], duration: 60, network: Network(),
           faults: [Fault(at: sec(20), kind: .restart, target: .instance(service: 0, index: 0), targetText: "front/0",
                          proxyReadyAfter: sec(5))])
    }

    func testStartupRaceFailsCallsForExactlyProxyReadyAfter() throws {
        let race = try Fx.run(raceScenario(hold: false)).metrics
        let failing = race.windows.windows.enumerated().filter { $0.element.callFailures > 0 }.map(\.offset)
        // The new pod is listed one push after the restart (the mesh's default push delay, 1 s:
        // CompiledTopology.defaultPushDelay), so its calls fail from 21 s until its proxy is
        // ready at 25 s: windows 21-24.
        XCTAssertEqual(failing, [21, 22, 23, 24], "calls fail from the new pod's listing until the proxy is ready")
        // front/0 takes every other call (and some retries): at least half of 5 s x 200/s fail.
        let failed = race.windows.windows[20...24].reduce(0) { $0 + $1.callFailures }
        XCTAssertGreaterThan(failed, 450)
        let held = try Fx.run(raceScenario(hold: true)).metrics
        XCTAssertEqual(held.callFailures, 0, "holdApplicationUntilProxyStarts removes the race")
        XCTAssertEqual(held.succeeded, held.requests)
    }
}

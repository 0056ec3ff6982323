import Calibration
import Scenario
import SimCore
import XCTest
@testable import Topology

/// Traversal counts and the exact latency each kind adds, with constant proxy
/// latency d, a zero-latency network and no queueing. mTLS is off: a new connection then
/// costs only TCP's round trip, zero on this network (the TLS handshake's crypto is
/// HandshakeTests' subject), so the path's traversals are all there is.
final class PathTests: XCTestCase {
    let d = 0.25 * Fx.ms
    let work = 2 * Fx.ms

    func topologies() -> [TopologySpec] {
        let p = Fx.constantProxy(d)
        return [
            TopologySpec(name: "none", kind: .none),
            TopologySpec(name: "gw", kind: .gateway, preset: "kong", internal: .viaGateway,
                         gateway: GatewayPart(preset: "kong", overrides: p)),
            TopologySpec(name: "mesh", kind: .sidecar, preset: "istio-envoy", mtls: .off, proxy: p, ingress: p),
            TopologySpec(name: "edge", kind: .combined, preset: "linkerd", mtls: .off, proxy: p,
                         gateway: GatewayPart(preset: "envoy-gateway", overrides: p),
                         mesh: MeshPart(preset: "linkerd", mtls: .off, proxy: p)),
            TopologySpec(name: "ambient", kind: .sidecarless, preset: "istio-ambient", mtls: .off, proxy: p, ingress: p),
            TopologySpec(name: "ambient-wp", kind: .sidecarless, preset: "istio-ambient", mtls: .off, proxy: p, ingress: p,
                         waypoint: .on(p)),
        ]
    }

    func scenario(from origin: TrafficOrigin) -> Scenario {
        Fx.scenario(services: [Service(name: "api", replicas: 2, workers: unlimited, serviceTime: .constant(work))],
                    traffic: [TrafficSource(name: "t", from: origin, to: 0, rate: .constant(perSecond: 50))],
                    topologies: topologies(), duration: 20)
    }

    func meanLatency(_ s: Scenario, _ i: Int) throws -> (Double, Double) {
        let sim = try Fx.run(s, i)
        XCTAssertGreaterThan(sim.metrics.requests, 800)
        XCTAssertEqual(sim.metrics.succeeded, sim.metrics.requests)
        return (sim.metrics.latency.mean, sim.metrics.hopsPerRequest)
    }

    func testInternalCallsAddExactlyTheirProxyTraversals() throws {
        let s = scenario(from: .internal)
        let expected: [(Double, Double)] = [(0, 0), (2, 2), (4, 4), (4, 4), (4, 4), (6, 6)]
        for (i, (mult, hops)) in expected.enumerated() {
            let (mean, perRequest) = try meanLatency(s, i)
            XCTAssertEqual(mean, work + mult * d, accuracy: 1, "\(s.topologies[i].name) mean latency")
            XCTAssertEqual(perRequest, hops, accuracy: 1e-9, "\(s.topologies[i].name) traversals")
        }
    }

    func testExternalCallsEnterThroughTheEdge() throws {
        let s = scenario(from: .external)
        // none: straight in; gateway: gateway both ways; sidecar: ingress + callee sidecar;
        // combined: edge gateway + callee sidecar; ambient: ingress + callee node proxy (+ waypoint).
        let expected: [Double] = [0, 2, 4, 4, 4, 6]
        for (i, mult) in expected.enumerated() {
            let (mean, perRequest) = try meanLatency(s, i)
            XCTAssertEqual(mean, work + mult * d, accuracy: 1, "\(s.topologies[i].name) mean latency")
            XCTAssertEqual(perRequest, mult, accuracy: 1e-9, "\(s.topologies[i].name) traversals")
        }
    }

    func testFanOutJoinsOnTheSlowestAndCountsEveryCall() throws {
        // front calls a, then [b, c] in parallel: latency = front + a + max(b, c) + 3 calls' proxies.
        let svc = [
            Service(name: "front", workers: unlimited, serviceTime: .constant(1 * Fx.ms),
                    calls: [.sequential(Call(service: 1)), .parallel([Call(service: 2), Call(service: 3)])]),
            Service(name: "a", workers: unlimited, serviceTime: .constant(2 * Fx.ms)),
            Service(name: "b", workers: unlimited, serviceTime: .constant(3 * Fx.ms)),
            Service(name: "c", workers: unlimited, serviceTime: .constant(5 * Fx.ms)),
        ]
        let p = Fx.constantProxy(d)
        let s = Fx.scenario(services: svc, traffic: [TrafficSource(name: "t", from: .internal, to: 0,
                                                                   rate: .constant(perSecond: 20))],
                            topologies: [TopologySpec(name: "none", kind: .none),
                                         TopologySpec(name: "mesh", kind: .sidecar, preset: "istio-envoy", mtls: .off, proxy: p, ingress: p)],
                            duration: 20, warmup: 1)
        let none = try Fx.run(s, 0).metrics, mesh = try Fx.run(s, 1).metrics
        XCTAssertEqual(none.latency.mean, 8 * Fx.ms, accuracy: 1)
        // Three sequential call levels on the critical path (client->front, front->a, front->c).
        XCTAssertEqual(mesh.latency.mean, 8 * Fx.ms + 3 * 4 * d, accuracy: 1)
        // Four calls per request, four traversals each.
        XCTAssertEqual(mesh.hopsPerRequest, 16, accuracy: 1e-9)
    }

    func testProxyCostsAreCounted() throws {
        let s = scenario(from: .internal)
        let mesh = try Fx.run(s, 2).metrics
        // 2 app instances + 1 client pod, each with a sidecar; 2 ingress replicas (preset).
        let sidecars = 3
        XCTAssertEqual(mesh.proxies, sidecars + (try CompiledTopology(scenario: s, topology: s.topologies[2])).ingressReplicas.count)
        XCTAssertGreaterThan(mesh.proxyCPUSeconds, 0)
    }
}

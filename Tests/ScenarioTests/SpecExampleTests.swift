import Calibration
import SimCore
import XCTest
@testable import Scenario

/// The example in shared/spec/SCENARIO.md, verbatim, with its values checked one by one.
final class SpecExampleTests: XCTestCase {
    var s: Scenario!

    override func setUpWithError() throws {
        s = try ScenarioLoader.load(path: Fixture.path("valid/spec-example.yaml"))
    }

    func ms(_ v: Double) -> Double { v * 1e6 }

    func testTopLevel() {
        XCTAssertEqual(s.name, "checkout")
        XCTAssertEqual(s.description, "External checkout traffic fanning out to three backends.")
        XCTAssertEqual(s.seed, 42)
        XCTAssertEqual(s.duration, 600 * Nanos.perSecond)
        XCTAssertEqual(s.warmup, 30 * Nanos.perSecond)
        XCTAssertEqual(s.replications, 3)
        XCTAssertEqual(s.window, Nanos.perSecond)
        XCTAssertEqual(s.sourcePath, Fixture.path("valid/spec-example.yaml"))
        XCTAssertTrue(s.sourceText.hasPrefix("scenario: checkout"))
    }

    func testCluster() {
        XCTAssertEqual(s.cluster.nodes, 6)
        XCTAssertEqual(s.cluster.zones, ["a", "b"])
        XCTAssertEqual(s.cluster.clusters, 1)
        XCTAssertEqual(s.cluster.network.sameNode, .constant(20_000))
        XCTAssertEqual(s.cluster.network.sameZone, .normal(mean: 200_000, sd: 50_000))
        XCTAssertEqual(s.cluster.network.crossZone, .normal(mean: 1_000_000, sd: 200_000))
        XCTAssertEqual(s.cluster.network.external, .constant(0))
        XCTAssertEqual(s.cluster.zoneIndex(ofNode: 3), 1)
    }

    func testServicesAndCalls() throws {
        XCTAssertEqual(s.services.map(\.name), ["frontend", "cart", "payment", "inventory"])
        let f = s.services[0]
        XCTAssertEqual(f.replicas, 3)
        XCTAssertEqual(f.workers, 32)
        XCTAssertEqual(f.queue, 256)
        XCTAssertEqual(f.serviceTime, Distribution.lognormal(mean: ms(4), p99: ms(20)))
        XCTAssertEqual(f.calls, [.sequential(Call(service: 1)), .parallel([Call(service: 2), Call(service: 3)])])
        let payment = s.services[2]
        XCTAssertEqual(payment.serviceTime, Distribution.lognormal(mean: ms(15), cv: 1.2))
        XCTAssertEqual(payment.serviceTime.mean, ms(15), accuracy: 1)
        XCTAssertEqual(payment.errors, 0.001, accuracy: 1e-12)
        XCTAssertEqual(payment.queue, Service.defaultQueue)
        XCTAssertEqual(s.services[1].serviceTime, .exponential(mean: ms(3)))
        XCTAssertEqual(s.services[3].calls, [.sequential(Call(service: 1, probability: 0.3))])
        XCTAssertEqual(s.serviceIndex(named: "inventory"), 3)
        XCTAssertNil(s.serviceIndex(named: "nope"))
    }

    func testTraffic() {
        XCTAssertEqual(s.traffic.count, 3)
        XCTAssertEqual(s.traffic[0], TrafficSource(name: "shoppers", from: .external, to: 0, rate: .constant(perSecond: 800),
                                                   consumers: 50, line: s.traffic[0].line, column: s.traffic[0].column))
        XCTAssertEqual(s.traffic[1].clients, 16)
        XCTAssertEqual(s.traffic[1].rate, .constant(perSecond: 1000))
        XCTAssertEqual(s.traffic[2].from, .internal)
        XCTAssertEqual(s.traffic[2].to, 3)
        XCTAssertEqual(s.traffic[2].rate, .profile([RatePoint(at: 0, perSecond: 20),
                                                    RatePoint(at: 300 * Nanos.perSecond, perSecond: 200)]))
        XCTAssertEqual(s.traffic[2].rate.perSecond(at: 299 * Nanos.perSecond), 20)
        XCTAssertEqual(s.traffic[2].rate.perSecond(at: 301 * Nanos.perSecond), 200)
    }

    func testPoliciesAndControlPlane() {
        XCTAssertEqual(s.policies.timeout, 2 * Nanos.perSecond)
        XCTAssertEqual(s.policies.retries, RetryPolicy(attempts: 2, on: [.unavailable, .reset, .connectFailure],
                                                       backoff: .distribution(.exponential(mean: ms(25)))))
        XCTAssertEqual(s.policies.outlierDetection, OutlierDetection(consecutiveErrors: 5, interval: 10 * Nanos.perSecond,
                                                                     ejection: 30 * Nanos.perSecond))
        XCTAssertEqual(s.policies.rateLimit, RateLimit(perConsumer: 20))
        XCTAssertEqual(s.policies.healthCheck, HealthCheck(interval: 5 * Nanos.perSecond))
        XCTAssertEqual(s.controlPlane.replicas, 1)
        XCTAssertEqual(s.controlPlane.pushDelay, .normal(mean: 1e9, sd: ms(300)))
        XCTAssertEqual(s.controlPlane.certificates, CertificatePolicy(ttl: 24 * 3600 * Nanos.perSecond, rotateAt: 0.5))
    }

    func testTopologies() {
        XCTAssertEqual(s.topologies.map(\.name), ["direct", "gateway", "mesh", "edge+mesh", "ambient", "tuned"])
        XCTAssertEqual(s.topologies.map(\.kind), [.none, .gateway, .sidecar, .combined, .sidecarless, .sidecar])
        let direct = s.topologies[0]
        XCTAssertNil(direct.preset)
        XCTAssertNil(direct.gateway)
        let gw = s.topologies[1]
        XCTAssertEqual(gw.preset, "kong")
        XCTAssertEqual(gw.replicas, 2)
        XCTAssertEqual(gw.internal, .viaGateway)
        XCTAssertEqual(gw.gateway, GatewayPart(preset: "kong", overrides: ProxyOverrides(replicas: 2)))
        let mesh = s.topologies[2]
        XCTAssertEqual(mesh.preset, "istio-envoy")
        XCTAssertEqual(mesh.mtls, .strict)
        XCTAssertEqual(mesh.internal, .direct)
        let combined = s.topologies[3]
        XCTAssertEqual(combined.gateway, GatewayPart(preset: "envoy-gateway", overrides: ProxyOverrides(replicas: 2)))
        XCTAssertEqual(combined.mesh, MeshPart(preset: "linkerd", mtls: .strict))
        XCTAssertEqual(combined.preset, "linkerd")
        XCTAssertEqual(combined.mtls, .strict)
        let ambient = s.topologies[4]
        XCTAssertEqual(ambient.preset, "istio-ambient")
        XCTAssertEqual(ambient.waypoint, .on(ProxyOverrides()))
        XCTAssertTrue(ambient.waypoint.isOn)
        let tuned = s.topologies[5]
        XCTAssertEqual(tuned.proxy, ProxyOverrides(latency: .constant(ms(1)), workers: 2))
        XCTAssertEqual(tuned.waypoint, .off)
    }

    func testFaults() {
        let m = 60 * Nanos.perSecond
        XCTAssertEqual(s.faults.map(\.kind), [.crash, .latency, .errors, .controlPlaneDown, .gatewayDown, .nodeDown,
                                              .partition, .restart, .proxyCrash, .configDrift])
        XCTAssertEqual(s.faults.map(\.target), [.instance(service: 2, index: 0), .service(3), .service(1), .controlPlane,
                                                .gateway, .node(2), .none, .instance(service: 1, index: 1),
                                                .instance(service: 0, index: 0), .service(2)])
        XCTAssertEqual(s.faults[0].at, 2 * m)
        XCTAssertEqual(s.faults[0].duration, m)
        XCTAssertEqual(s.faults[0].targetText, "payment/0")
        XCTAssertEqual(s.faults[1].add, .constant(ms(200)))
        XCTAssertEqual(s.faults[2].rate, 0.2)
        XCTAssertEqual(s.faults[3].duration, 30 * 60 * m)
        XCTAssertEqual(s.faults[3].end(runDuration: s.duration), s.duration)
        XCTAssertNil(s.faults[4].replicas)
        XCTAssertEqual(s.faults[6].between, [0, 1])
        XCTAssertNil(s.faults[7].duration)
        XCTAssertEqual(s.faults[7].proxyReadyAfter, 3 * Nanos.perSecond)
        XCTAssertNil(s.faults[7].downFor)
        XCTAssertEqual(s.faults[9].policies, Policies(timeout: 100 * Nanos.perMillisecond))
        XCTAssertNil(s.faults[9].fraction)
        XCTAssertEqual(s.faults[0].line, 80)
        XCTAssertEqual(s.faults[0].column, 5)
    }

    func testExpectations() {
        XCTAssertEqual(s.expectations.count, 5)
        let e = s.expectations
        XCTAssertEqual(e[0].lhs, MetricRef(topology: .named("mesh"), metric: .p99))
        XCTAssertEqual(e[0].op, .lt)
        XCTAssertEqual(e[0].rhs, .value(.duration(60 * Nanos.perMillisecond)))
        XCTAssertEqual(e[1].lhs.metric, .successRate)
        XCTAssertEqual(e[1].op, .ge)
        guard case .value(.fraction(let f)) = e[1].rhs else { return XCTFail("\(e[1].rhs)") }
        XCTAssertEqual(f, 0.999, accuracy: 1e-12)
        XCTAssertEqual(e[2].rhs, .metric(MetricRef(topology: .named("mesh"), metric: .p50)))
        XCTAssertEqual(e[3].window, TimeWindow(start: 120 * Nanos.perSecond, end: 180 * Nanos.perSecond))
        XCTAssertEqual(e[3].rhs, .value(.fraction(0.99)))
        XCTAssertEqual(e[4].lhs, MetricRef(topology: .named("edge+mesh"), metric: .errors(.tls)))
        XCTAssertEqual(e[4].op, .eq)
        XCTAssertEqual(e[4].rhs, .value(.number(0)))
        XCTAssertEqual(e[4].text, "edge+mesh.errors.tls == 0")
        XCTAssertEqual(e[0].line, 92)
        XCTAssertEqual(e[0].column, 5)
    }

    /// The spec's own text: the M/M/1 recipe, the quoted `*` line, empirical samples.
    func testOtherSpecForms() throws {
        let mm1 = try ScenarioLoader.load(path: Fixture.path("valid/mm1.yaml"))
        XCTAssertEqual(mm1.services[0].workers, 1)
        XCTAssertEqual(mm1.services[0].queue, unlimited)
        XCTAssertEqual(mm1.services[0].serviceTime, .exponential(mean: ms(10)))
        XCTAssertEqual(mm1.cluster.network.sameZone, .constant(0))
        XCTAssertEqual(mm1.expectations[1].lhs.topology, .all)

        let emp = try ScenarioLoader.load(path: Fixture.path("valid/empirical.yaml"))
        guard case .empirical(let samples) = emp.services[0].serviceTime else { return XCTFail("not empirical") }
        XCTAssertEqual(samples.sorted, [1.2, 1.5, 2.0, 2.4, 9.8].map { ms($0) })
        guard case .empirical(let mixed) = emp.services[1].serviceTime else { return XCTFail("not empirical") }
        XCTAssertEqual(mixed.sorted, [800_000, 1_500_000, 2_000_000])
        XCTAssertEqual(emp.services[0].workers, unlimited)
        XCTAssertEqual(emp.traffic[0].rate, .constant(perSecond: 0.5))
        XCTAssertEqual(emp.traffic[0].name, "traffic-0")
    }
}

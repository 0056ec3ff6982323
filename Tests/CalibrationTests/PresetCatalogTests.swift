import XCTest
@testable import Calibration
import SimCore

final class PresetCatalogTests: XCTestCase {
    /// The systems the seed names, each by at least one preset name.
    let required = ["istio-envoy", "istio-1.24", "istio-1.20", "istio-1.12", "linkerd", "consul-envoy",
                    "consul-builtin", "istio-ambient", "cilium", "istio-ingress", "envoy-gateway", "kong",
                    "nginx-plus", "aws-api-gateway", "azure-apim", "apigee"]

    func testEveryRequiredAndListedNameResolves() {
        for name in required + PresetRegistry.names {
            XCTAssertNotNil(PresetRegistry.preset(named: name), name)
        }
        XCTAssertNil(PresetRegistry.preset(named: "istio-9.99"))
    }

    func testNamesAreUniqueAndAliasesPointAtPresets() {
        let names = PresetRegistry.all.map(\.name)
        XCTAssertEqual(Set(names).count, names.count)
        for (alias, target) in PresetRegistry.aliases {
            XCTAssertFalse(names.contains(alias), "alias \(alias) shadows a preset")
            XCTAssertTrue(names.contains(target), "alias \(alias) -> \(target)")
        }
    }

    func testIstioEnvoyAliasPointsAtNewestIstio() throws {
        let istios = PresetRegistry.all.filter { $0.name.hasPrefix("istio-1.") }
        XCTAssertGreaterThanOrEqual(istios.count, 3)
        func key(_ v: String) -> [Int] { v.split(separator: ".").compactMap { Int($0) } }
        let newest = try XCTUnwrap(istios.max { key($0.version).lexicographicallyPrecedes(key($1.version)) })
        XCTAssertEqual(PresetRegistry.preset(named: "istio-envoy")?.name, newest.name)
        XCTAssertEqual(newest.name, "istio-1.24")
    }

    func testEachKindCarriesTheProfilesItsTopologyNeeds() {
        for p in PresetRegistry.all {
            switch p.kind {
            case .sidecarMesh:
                XCTAssertNotNil(p.proxy, p.name)
                XCTAssertNotNil(p.certificates, p.name)
                XCTAssertNotNil(p.gateway, "\(p.name): a mesh carries its ingress gateway")
            case .sidecarless:
                XCTAssertNotNil(p.proxy, p.name)
                XCTAssertNotNil(p.gateway, p.name)
            case .gateway:
                XCTAssertNotNil(p.gateway, p.name)
                XCTAssertNil(p.proxy, p.name)
            }
        }
        // Products with an L7 tier beside the node proxy.
        XCTAssertNotNil(PresetRegistry.preset(named: "istio-ambient")?.waypoint)
        XCTAssertNotNil(PresetRegistry.preset(named: "cilium")?.waypoint)
        XCTAssertNotNil(PresetRegistry.preset(named: "istio-ambient")?.certificates)
    }

    func testValuesAreSane() {
        for p in PresetRegistry.all {
            for role in ["proxy", "waypoint", "gateway"] {
                guard let r = p.profile(role: role) else { continue }
                XCTAssertGreaterThan(r.latency.mean, 0, "\(p.name).\(role)")
                XCTAssertGreaterThan(r.workers, 0, "\(p.name).\(role)")
                XCTAssertGreaterThanOrEqual(r.queue, 0, "\(p.name).\(role)")
                XCTAssertGreaterThan(r.replicas, 0, "\(p.name).\(role)")
                XCTAssertGreaterThanOrEqual(r.cpuPerRequest, 0, "\(p.name).\(role)")
                XCTAssertLessThan(r.cpuPerRequest, 0.01, "\(p.name).\(role): CPU seconds, not ms")
                XCTAssertGreaterThanOrEqual(r.memoryMB, 0, "\(p.name).\(role)")
            }
            if let c = p.certificates {
                XCTAssertGreaterThan(c.ttl, 0, p.name)
                XCTAssertTrue(c.rotateAt > 0 && c.rotateAt < 1, p.name)
            }
            if let t = p.policies.timeout, let m = p.maxTimeout, p.name != "azure-apim" {
                XCTAssertLessThanOrEqual(t, m, p.name)
            }
        }
    }

    func testPublishedDefaultsAreKept() throws {
        let istio = try XCTUnwrap(PresetRegistry.preset(named: "istio-envoy"))
        XCTAssertEqual(istio.policies.timeout, Policies.noTimeout)
        XCTAssertEqual(istio.policies.retries?.attempts, 2)
        XCTAssertEqual(istio.certificates?.ttl, 24 * 3600 * Nanos.perSecond)
        XCTAssertEqual(istio.certificates?.rotateAt, 0.5)
        XCTAssertFalse(istio.holdApplicationUntilProxyStarts)
        XCTAssertEqual(istio.proxy?.cpuPerRequest, 0.0002)   // 0.20 vCPU per 1000 rps

        let linkerd = try XCTUnwrap(PresetRegistry.preset(named: "linkerd"))
        XCTAssertEqual(linkerd.certificates?.rotateAt, 0.7)
        XCTAssertTrue(linkerd.holdApplicationUntilProxyStarts)
        XCTAssertEqual(linkerd.policies.retries?.attempts, 0, "Linkerd retries are opt-in")
        XCTAssertEqual(linkerd.policies.retries?.budget, .ratio(ratio: 0.2, minPerSecond: 10, ttl: 10 * Nanos.perSecond),
                       "the budget Linkerd applies once retries are on")
        XCTAssertNil(linkerd.policies.circuitBreakers, "linkerd2-proxy has no Envoy-style breakers")

        let kong = try XCTUnwrap(PresetRegistry.preset(named: "kong"))
        XCTAssertEqual(kong.policies.timeout, Policies.noTimeout, "no timeout spans Kong's retries")
        XCTAssertEqual(kong.policies.perTryTimeout, 60 * Nanos.perSecond, "connect/read/write 60 s per try")
        XCTAssertEqual(kong.policies.retries?.attempts, 5)
        XCTAssertEqual(kong.policies.retries?.backoff, .immediate, "the next target at once")

        // Plain Envoy keeps its circuit breakers; Istio lifts them to 2^32-1 and never panics.
        let envoy = try XCTUnwrap(PresetRegistry.preset(named: "envoy-gateway"))
        XCTAssertEqual(envoy.policies.circuitBreakers, CircuitBreakers(maxConnections: 1024, maxPendingRequests: 1024,
                                                                       maxRequests: 1024, maxRetries: 3))
        XCTAssertEqual(envoy.policies.timeout, 15 * Nanos.perSecond, "Envoy's route timeout, retries included")
        XCTAssertEqual(envoy.healthyPanicThreshold, 0.5)
        XCTAssertEqual(istio.policies.circuitBreakers?.maxRetries, 4_294_967_295)
        XCTAssertEqual(istio.healthyPanicThreshold, 0)
        XCTAssertEqual(istio.policies.retries?.backoff, .jittered(base: 25_000_000, max: 250_000_000))

        // NGINX: passive health with a flat fail_timeout, not Envoy's ejection.
        let nginx = try XCTUnwrap(PresetRegistry.preset(named: "nginx"))
        XCTAssertNil(nginx.policies.outlierDetection)
        XCTAssertEqual(nginx.policies.passiveHealth, PassiveHealth(maxFails: 1, failTimeout: 10 * Nanos.perSecond,
                                                                   on: [.error, .timeout]))

        let consul = try XCTUnwrap(PresetRegistry.preset(named: "consul"))
        XCTAssertEqual(consul.certificates?.ttl, 72 * 3600 * Nanos.perSecond)
    }

    func testAWSLimits() throws {
        let aws = try XCTUnwrap(PresetRegistry.preset(named: "aws-api-gateway"))
        XCTAssertEqual(aws.maxTimeout, 29 * Nanos.perSecond)
        XCTAssertEqual(aws.throttle, RateLimit(perConsumer: 10_000, burst: 5_000))
        XCTAssertEqual(aws.policies.timeout, 29 * Nanos.perSecond)
        XCTAssertFalse(try XCTUnwrap(aws.citations.first { $0.field == "maxTimeout" }).isAssumption)
        XCTAssertFalse(try XCTUnwrap(aws.citations.first { $0.field == "throttle" }).isAssumption)
        let azure = try XCTUnwrap(PresetRegistry.preset(named: "azure-apim"))
        XCTAssertEqual(azure.maxTimeout, 240 * Nanos.perSecond)
    }

    /// Kong's per-traversal mean is derived from its saturation throughput:
    /// 16 workers holding 2 traversals each must saturate at the published rate.
    func testKongCapacityReproducesPublishedSaturation() throws {
        let g = try XCTUnwrap(PresetRegistry.preset(named: "kong")?.gateway)
        let capacity = Double(g.workers) / (2 * g.latency.mean / 1e9)
        XCTAssertEqual(capacity, 138_087, accuracy: 138_087 * 0.001)
    }
}

import Calibration
@testable import Scenario
import XCTest

/// Faults that cannot do anything in a topology say so in `validate`'s notes.
final class ApplicabilityTests: XCTestCase {
    func testStoreDownAndDriftNotes() throws {
        let s = try ScenarioLoader.parse(text: """
            scenario: notes
            duration: 60s
            services:
              front: { service_time: const(1ms), calls: [back] }
              back: { service_time: const(1ms) }
              edge-only: { service_time: const(1ms) }
            traffic:
              - { name: t, from: external, to: front, rate: 10/s }
              - { name: u, from: external, to: edge-only, rate: 10/s }
            topologies:
              - { name: local, kind: gateway, preset: kong, policies: { rate_limit: { per_consumer: 5/s } } }
              - { name: cluster, kind: gateway, preset: kong, policies: { rate_limit: { per_consumer: 5/s, policy: cluster } } }
              - { name: mesh, kind: sidecar, preset: istio-1.24 }
            faults:
              - { at: 10s, for: 10s, kind: rate-limit-store-down }
              - { at: 10s, for: 10s, kind: config-drift, target: edge-only, policies: { timeout: 1ms } }
              - { at: 10s, for: 10s, kind: config-drift, target: back, policies: { timeout: 1ms } }
            """, fileName: "notes.yaml")
        let store = s.faults[0], driftEdge = s.faults[1], driftBack = s.faults[2]
        func note(_ f: Fault, _ t: String) -> String? { f.inapplicability(to: s.topology(named: t)!, in: s) }
        XCTAssertNotNil(note(store, "local"))
        XCTAssertNil(note(store, "cluster"))
        XCTAssertEqual(note(store, "mesh"), "has no gateway rate limit")
        XCTAssertTrue(note(driftEdge, "mesh")?.contains("only external traffic") ?? false)
        XCTAssertNil(note(driftBack, "mesh"), "front's sidecars call back: drift applies")
    }
}

/// Every fault kind against every topology kind: which pairs `validate` notes as doing
/// nothing. A new fault or topology kind fails `testEveryKindIsInTheTable` until it has a row.
final class ApplicabilityTableTests: XCTestCase {
    static let kinds: [TopologyKind] = [.none, .gateway, .sidecar, .combined, .sidecarless]

    /// One topology of each kind; `front` (2 pods) calls `back`; external traffic to `front`.
    static func scenario(traffic: String = "- { name: t, from: external, to: front, rate: 10/s }",
                         faults: String) throws -> Scenario {
        try ScenarioLoader.parse(text: """
            scenario: table
            duration: 60s
            cluster: { nodes: 2, zones: [a, b] }
            services:
              front: { replicas: 2, service_time: const(1ms), calls: [back] }
              back: { service_time: const(1ms) }
            traffic:
              \(traffic)
            topologies:
              - { name: none, kind: none }
              - { name: gateway, kind: gateway, preset: kong, replicas: 2 }
              - { name: sidecar, kind: sidecar }
              - { name: combined, kind: combined }
              - { name: sidecarless, kind: sidecarless }
            faults:
              \(faults)
            """, fileName: "table.yaml")
    }

    /// Per fault (as written), the topology kinds where it does nothing, and why:
    /// - proxy-crash: `none` has no proxy at all; a `gateway` topology's only proxies are its
    ///   gateway replicas, which are not the pods' (gateway-down stops them);
    /// - gateway-down: `none` has no gateway; the others have a hub, edge or ingress gateway that
    ///   the external traffic passes;
    /// - control-plane-down: `none` and `gateway` have no mesh control plane;
    /// - rate-limit-store-down: no topology here has a `cluster` rate limit;
    /// - restart with proxy_ready_after: the startup race needs sidecars (sidecar, combined);
    /// - latency or errors on `gateway`: `none` has none;
    /// - inject of `front`, already in the mesh (no `mesh: false`): nothing to add anywhere;
    ///   `none` and `gateway` have no mesh to add it to;
    /// - mtls-mode: `none` and `gateway` have no proxy speaking mTLS between services;
    /// - everything else acts on pods, nodes, zones or the call graph in every kind.
    static let table: [(fault: String, kind: FaultKind, noted: Set<TopologyKind>)] = [
        ("{ at: 10s, for: 5s, kind: crash, target: back/0 }", .crash, []),
        ("{ at: 10s, for: 5s, kind: proxy-crash, target: back/0 }", .proxyCrash, [.none, .gateway]),
        ("{ at: 10s, for: 5s, kind: proxy-crash, target: node-1 }", .proxyCrash, [.none, .gateway]),
        ("{ at: 10s, for: 5s, kind: gateway-down }", .gatewayDown, [.none]),
        ("{ at: 10s, for: 5s, kind: node-down, target: node-1 }", .nodeDown, []),
        ("{ at: 10s, for: 5s, kind: partition, between: [a, b] }", .partition, []),
        ("{ at: 10s, for: 5s, kind: latency, target: back, add: 10ms }", .latency, []),
        ("{ at: 10s, for: 5s, kind: latency, target: node-1, add: 10ms }", .latency, []),
        ("{ at: 10s, for: 5s, kind: latency, target: gateway/0, add: 10ms }", .latency, [.none]),
        ("{ at: 10s, for: 5s, kind: errors, target: back, rate: 10% }", .errors, []),
        ("{ at: 10s, for: 5s, kind: errors, target: gateway, rate: 10% }", .errors, [.none]),
        ("{ at: 10s, kind: restart, target: back/0 }", .restart, []),
        ("{ at: 10s, kind: restart, target: back/0, proxy_ready_after: 3s }", .restart, [.none, .gateway, .sidecarless]),
        ("{ at: 10s, for: 5s, kind: config-drift, target: back, policies: { timeout: 1ms } }", .configDrift, []),
        ("{ at: 10s, for: 5s, kind: config-drift, policies: { timeout: 1ms } }", .configDrift, []),
        ("{ at: 10s, for: 5s, kind: control-plane-down }", .controlPlaneDown, [.none, .gateway]),
        ("{ at: 10s, for: 5s, kind: rate-limit-store-down }", .rateLimitStoreDown, Set(kinds)),
        ("{ at: 10s, kind: rollout, target: front }", .rollout, []),
        ("{ at: 10s, for: 5s, kind: hang, target: back/0 }", .hang, []),
        ("{ at: 10s, for: 5s, kind: scale, target: front, replicas: 1 }", .scale, []),
        ("{ at: 10s, kind: inject, target: front }", .inject, Set(kinds)),
        ("{ at: 10s, kind: mtls-mode, mode: strict }", .mtlsMode, [.none, .gateway]),
    ]

    func testEveryFaultKindAgainstEveryTopologyKind() throws {
        for row in Self.table {
            let s = try Self.scenario(faults: "- " + row.fault)
            let f = s.faults[0]
            XCTAssertEqual(f.kind, row.kind, row.fault)
            for t in s.topologies {
                let note = f.inapplicability(to: t, in: s)
                XCTAssertEqual(note != nil, row.noted.contains(t.kind),
                               "\(row.fault) in \(t.kind.rawValue): \(note ?? "no note")")
            }
        }
    }

    func testEveryKindIsInTheTable() {
        XCTAssertEqual(Set(Self.table.map(\.kind)), Set(FaultKind.allCases))
        XCTAssertEqual(Set(Self.kinds), Set(TopologyKind.allCases))
    }

    /// Without external traffic nothing passes an edge or ingress gateway, and a `gateway`
    /// topology's own only with `internal: via-gateway`: faults on the gateway say so; a drift
    /// with no target still has front's calls to back to act on.
    func testGatewayFaultsWithoutTrafficThroughTheGateway() throws {
        let s = try Self.scenario(traffic: "- { name: t, from: internal, to: front, rate: 10/s }", faults: """
            - { at: 10s, for: 5s, kind: gateway-down }
              - { at: 10s, for: 5s, kind: latency, target: gateway, add: 10ms }
              - { at: 10s, for: 5s, kind: errors, target: gateway/0, rate: 10% }
              - { at: 10s, for: 5s, kind: config-drift, policies: { timeout: 1ms } }
            """)
        for f in s.faults.prefix(3) {
            for t in s.topologies {
                XCTAssertNotNil(f.inapplicability(to: t, in: s), "\(f.kind) in \(t.name)")
            }
        }
        XCTAssertTrue(s.faults[0].inapplicability(to: s.topology(named: "sidecar")!, in: s)?.contains("no external traffic") ?? false)
        var via = s.topology(named: "gateway")!
        via.internal = .viaGateway
        XCTAssertNil(s.faults[0].inapplicability(to: via, in: s), "internal calls pass a via-gateway hub")
        for t in s.topologies { XCTAssertNil(s.faults[3].inapplicability(to: t, in: s), t.name) }
    }

    /// `gateway/1` exists in a topology with two replicas, not in one whose ingress has one.
    func testAGatewayReplicaTheTopologyDoesNotRun() throws {
        let s = try Self.scenario(faults: "- { at: 10s, for: 5s, kind: gateway-down, target: gateway/1 }")
        XCTAssertNil(s.faults[0].inapplicability(to: s.topology(named: "gateway")!, in: s), "kong: 2 replicas")
        var one = s.topology(named: "sidecar")!
        one.ingress = ProxyOverrides(replicas: 1)
        XCTAssertEqual(s.faults[0].inapplicability(to: one, in: s),
                       "runs 1 gateway replica (gateway/0..gateway/0): gateway/1 is not one of them")
    }

    /// Only external traffic, to a service that calls nothing: a drift of every service has
    /// no caller inside the cluster to act on.
    func testDriftOfEveryServiceWithoutInternalCallers() throws {
        let s = try ScenarioLoader.parse(text: """
            scenario: drift
            duration: 60s
            services:
              api: { service_time: const(1ms) }
            traffic:
              - { name: t, from: external, to: api, rate: 10/s }
            topologies:
              - { name: mesh, kind: sidecar }
            faults:
              - { at: 10s, for: 5s, kind: config-drift, policies: { timeout: 1ms } }
            """, fileName: "drift.yaml")
        XCTAssertNotNil(s.faults[0].inapplicability(to: s.topologies[0], in: s))
    }
}

/// Keys and fault combinations that cannot act as written: `Scenario.notes()`.
final class ScenarioNotesTests: XCTestCase {
    static func notes(services: String, faults: String = "", duration: String = "60s") throws -> [ScenarioNote] {
        try ScenarioLoader.parse(text: """
            scenario: notes
            duration: \(duration)
            services:
            \(services)
            traffic:
              - { name: t, from: external, to: api, rate: 10/s }
            topologies:
              - { name: mesh, kind: sidecar }
            \(faults.isEmpty ? "" : "faults:\n" + faults)
            """, fileName: "notes.yaml").notes()
    }

    /// preStop counts inside the grace period (kubernetes.io, Pod Lifecycle): 45 s of preStop
    /// with the default 30 s grace is killed at 30 s; 30 s of each leaves no time to drain.
    func testPreStopNotShorterThanTheGracePeriod() throws {
        let restart = "  - { at: 10s, kind: restart, target: api }"
        let long = try Self.notes(services: "  api: { service_time: const(1ms), prestop: 45s }", faults: restart)
        XCTAssertEqual(long.count, 1, "\(long)")
        XCTAssertTrue(long[0].message.contains("'prestop' of 'api' (45s) is not shorter than its 'termination_grace' (30s)"), long[0].message)
        XCTAssertEqual(long[0].line, 4, "the prestop key's line")
        let equal = try Self.notes(services: "  api: { service_time: const(1ms), prestop: 30s, termination_grace: 30s }", faults: restart)
        XCTAssertEqual(equal.count, 1)
        let fine = try Self.notes(services: "  api: { service_time: const(1ms), prestop: 5s, termination_grace: 30s }", faults: restart)
        XCTAssertEqual(fine, [])
    }

    /// prestop and termination_grace act only on a terminating pod (restart, rollout).
    func testTerminationKeysWithoutATermination() throws {
        let n = try Self.notes(services: "  api: { service_time: const(1ms), prestop: 5s, termination_grace: 40s }",
                               faults: "  - { at: 10s, for: 5s, kind: crash, target: api }")
        XCTAssertEqual(Set(n.map { $0.message.components(separatedBy: " of ").first! }), ["'prestop'", "'termination_grace'"])
        XCTAssertTrue(n.allSatisfy { $0.message.contains("never acts") })
    }

    /// A readiness probe acts when something fails it (a hang, a sidecar crash) or a rollout
    /// waits for it; a crash takes the pod out without it.
    func testReadinessWhereNothingProbesIt() throws {
        let svc = "  api: { replicas: 2, service_time: const(1ms), readiness: { period: 5s, failure_threshold: 2 } }"
        XCTAssertEqual(try Self.notes(services: svc, faults: "  - { at: 10s, for: 5s, kind: crash, target: api/0 }").count, 1)
        XCTAssertEqual(try Self.notes(services: svc), [ScenarioNote(line: 4, column: 49, message:
            "'readiness' of 'api' never acts: no 'hang', 'rollout', or 'proxy-crash' under sidecars reaches its pods "
            + "(a crash, a node loss or a termination takes a pod out without its probe)")])
        for f in ["{ at: 10s, for: 5s, kind: hang, target: api/1 }", "{ at: 10s, for: 5s, kind: proxy-crash, target: api }",
                  "{ at: 10s, kind: rollout, target: api }"] {
            XCTAssertEqual(try Self.notes(services: svc, faults: "  - " + f), [], f)
        }
    }

    /// A rollout with no surge and max_unavailable >= replicas takes every pod down at once
    /// (1 replica, max_surge 0 is the usual way); one that the run ends before finishing says so:
    /// 4 replicas, defaults max_unavailable 1 and max_surge 1, batches of 2: 2 batches, the
    /// surge waits one period first: the last batch starts 2 × 10 s after `at`; at 45 s of a
    /// 60 s run that is 65 s.
    func testRolloutsThatCannotWork() throws {
        let one = try Self.notes(services: "  api: { service_time: const(1ms) }",
                                 faults: "  - { at: 10s, kind: rollout, target: api, max_unavailable: 1, max_surge: 0 }")
        XCTAssertEqual(one.count, 1)
        XCTAssertTrue(one[0].message.contains("takes every pod down at once"), one[0].message)
        let fine = try Self.notes(services: "  api: { service_time: const(1ms) }",
                                  faults: "  - { at: 10s, kind: rollout, target: api }")
        XCTAssertEqual(fine, [], "1 replica: the default surge of 1 keeps it serving")
        let late = try Self.notes(services: "  api: { replicas: 4, service_time: const(1ms) }",
                                  faults: "  - { at: 45s, kind: rollout, target: api }")
        XCTAssertEqual(late.count, 1)
        XCTAssertTrue(late[0].message.contains("needs 20s") && late[0].message.contains("the run ends first"), late[0].message)
        XCTAssertEqual(try Self.notes(services: "  api: { replicas: 4, service_time: const(1ms) }",
                                      faults: "  - { at: 35s, kind: rollout, target: api }"), [], "35 s + 20 s < 60 s")
        // An inject is that rollout, adding sidecars: the same arithmetic for a plain service.
        let inject = try Self.notes(services: "  api: { replicas: 4, service_time: const(1ms), mesh: false }",
                                    faults: "  - { at: 45s, kind: inject, target: api }")
        XCTAssertEqual(inject.count, 1, "\(inject)")
        XCTAssertTrue(inject[0].message.hasPrefix("inject of 'api' needs 20s"), inject[0].message)
    }
}

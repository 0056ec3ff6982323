import Calibration
import SimCore
import XCTest
@testable import Scenario

/// Issue 14: the service keys of graceful termination and readiness, and the `rollout` fault.
final class TerminationKeysTests: XCTestCase {
    static func text(service: String, fault: String = "") -> String {
        """
        scenario: t
        duration: 1m
        services:
          api: { service_time: exp(1ms)\(service) }
        traffic:
          - { to: api, rate: 10/s }
        topologies:
          - { name: mesh, kind: sidecar }
        \(fault.isEmpty ? "" : "faults:\n  - \(fault)")
        """
    }

    func testDefaultsAreKubernetes() throws {
        let s = try XCTUnwrap(parseValid(Self.text(service: "")))
        let api = s.services[0]
        XCTAssertEqual(api.terminationGrace, 30 * Nanos.perSecond, "terminationGracePeriodSeconds 30")
        XCTAssertEqual(api.preStop, 0)
        XCTAssertEqual(api.readiness.period, 10 * Nanos.perSecond, "periodSeconds 10")
        XCTAssertEqual(api.readiness.failureThreshold, 3)
        XCTAssertEqual(api.readiness.detection, 30 * Nanos.perSecond, "10 s x 3")
    }

    func testTheKeysAreRead() throws {
        let s = try XCTUnwrap(parseValid(Self.text(
            service: ", termination_grace: 45s, prestop: 5s, readiness: { period: 2s, failure_threshold: 4 }",
            fault: "{ at: 10s, kind: rollout, target: api, max_unavailable: 0, max_surge: 2 }")))
        let api = s.services[0]
        XCTAssertEqual(api.terminationGrace, 45 * Nanos.perSecond)
        XCTAssertEqual(api.preStop, 5 * Nanos.perSecond)
        XCTAssertEqual(api.readiness.detection, 8 * Nanos.perSecond, "2 s x 4")
        let f = s.faults[0]
        XCTAssertEqual(f.kind, .rollout)
        XCTAssertEqual(f.target, .service(0))
        XCTAssertEqual(f.maxUnavailable, 0)
        XCTAssertEqual(f.maxSurge, 2)
    }

    func testMistakesPointAtTheirPlace() {
        // Line 4 is the service; `api: { service_time: exp(1ms), ` puts the new key at column 34.
        let misspelt = diagnostics(Self.text(service: ", prestpo: 5s"))
        XCTAssertEqual(misspelt.first?.description,
                       "t.yaml:4:34: error: unknown key 'prestpo' in service 'api' (did you mean 'prestop'?)")
        let probe = diagnostics(Self.text(service: ", readiness: { period: 2s, failure_treshold: 4 }"))
        XCTAssertTrue(probe.first?.description.contains("unknown key 'failure_treshold' in 'readiness' (did you mean 'failure_threshold'?)") == true,
                      "\(probe)")
        let zero = diagnostics(Self.text(service: ", readiness: { period: 0s }"))
        XCTAssertEqual(zero.first?.line, 4)
        let unit = diagnostics(Self.text(service: ", termination_grace: 30"))
        XCTAssertTrue(unit.first?.message.contains("needs a unit") == true, "\(unit)")
    }

    func testARolloutThatCannotProgressIsRejected() {
        let both0 = diagnostics(Self.text(service: "", fault: "{ at: 10s, kind: rollout, target: api, max_unavailable: 0, max_surge: 0 }"))
        XCTAssertTrue(both0.contains { $0.line == 10 && $0.message.contains("cannot both be 0") }, "\(both0)")
        let timed = diagnostics(Self.text(service: "", fault: "{ at: 10s, for: 5s, kind: rollout, target: api }"))
        XCTAssertTrue(timed.contains { $0.message.contains("takes no 'for'") }, "\(timed)")
        let instance = diagnostics(Self.text(service: "", fault: "{ at: 10s, kind: rollout, target: api/0 }"))
        XCTAssertEqual(instance.first?.line, 10, "a rollout replaces a service's pods, not one instance: \(instance)")
        let key = diagnostics(Self.text(service: "", fault: "{ at: 10s, kind: rollout, target: api, down_for: 5s }"))
        XCTAssertTrue(key.contains { $0.message.contains("'down_for' does not apply to a 'rollout' fault") }, "\(key)")
    }

    /// `scale` scales in: `replicas` is required and below the service's (api has 1 here, so
    /// only 0 fits); a scale-out is written as more replicas and a scale-in from there.
    func testScaleTakesACountBelowTheReplicas() throws {
        let s = try XCTUnwrap(parseValid(Self.text(service: "", fault: "{ at: 10s, for: 5s, kind: scale, target: api, replicas: 0 }")))
        XCTAssertEqual(s.faults[0].kind, .scale)
        XCTAssertEqual(s.faults[0].replicas, 0)
        let up = diagnostics(Self.text(service: "", fault: "{ at: 10s, kind: scale, target: api, replicas: 2 }"))
        XCTAssertTrue(up.first?.message.contains("'api' runs 1 replica: a 'scale' fault scales in") == true, "\(up)")
        let missing = diagnostics(Self.text(service: "", fault: "{ at: 10s, kind: scale, target: api }"))
        XCTAssertTrue(missing.first?.message.contains("needs 'replicas'") == true, "\(missing)")
    }
}

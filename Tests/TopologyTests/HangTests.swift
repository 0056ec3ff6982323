import Calibration
import Scenario
import SimCore
import XCTest
@testable import Topology

/// The `hang` fault: a process that keeps its port open and answers nothing. Calls to it wait
/// for their timeouts (no connect failure to retry at once), until its readiness probe
/// (period × failure_threshold) takes it out of the endpoints and that has propagated.
/// Counts are Poisson halves (round robin over two pods): sd = √(2n)/2 for n expected;
/// tolerances are 4 sd.
final class HangTests: XCTestCase {
    static func scenario(kind: String, readiness: String = "", extra: String = "") throws -> Scenario {
        try PolicyTests.scenario("""
            scenario: hang
            duration: 80s
            cluster: { nodes: 2 }
            control_plane: { push_delay: const(3s) }
            policies: { retries: { attempts: 0 }, load_balancing: round-robin, timeout: 2s }
            services:
              api: { replicas: 2, workers: unlimited, queue: unlimited, service_time: const(2ms)\(readiness) }
            traffic:
              - { name: t, from: external, to: api, rate: 20/s }
            topologies:
              - { name: t, kind: \(kind) }
            faults:
              - { at: 10s, for: 60s, kind: hang, target: api/1 }\(extra)
            """)
    }

    /// `none`: kube-proxy sends half of 20/s to api/1 until the kubelet's probe has failed
    /// 3 × 10 s (Kubernetes defaults) and the removal is programmed (kube-proxy's 1 s): calls
    /// sent in [10 s, 41 s) hang and fail at the 2 s route timeout, 20/s × 31 s / 2 = 310
    /// (sd √620/2 ≈ 12.5; tolerance 50). The first fails at 12 s, the last at 43 s; none after,
    /// and none when the hang ends at 70 s (it answers again before it is listed at 71 s).
    func testCallsToAHungPodTimeOutUntilItsReadinessProbeRemovesIt() throws {
        let m = try PolicyTests.sim(try Self.scenario(kind: "none"), "t").metrics
        XCTAssertEqual(Double(m.errorCount(.timeout)), 310, accuracy: 50)
        XCTAssertEqual(TerminationTests.failed(m), m.errorCount(.timeout), "timeouts, no refused connection")
        XCTAssertEqual(m.failedLatency.p50 / 1e6, 2000, accuracy: 3, "each waits out the 2 s timeout")
        let errors = TerminationTests.errorsByWindow(m)
        XCTAssertEqual(errors[0..<12].reduce(0, +), 0, "the first hung call fails at 12 s")
        XCTAssertGreaterThan(errors[42], 0, "calls sent at 40.x s fail at 42.x s")
        XCTAssertEqual(errors[44...].reduce(0, +), 0, "removed from kube-proxy's rules at 41 s")
    }

    /// A shorter probe, `readiness: { period: 2s, failure_threshold: 2 }`: detection 4 s, then
    /// 1 s: 20/s × 5 s / 2 = 50 (sd 5; tolerance 20).
    func testTheReadinessProbeSetsHowLongAHungPodIsCalled() throws {
        let s = try Self.scenario(kind: "none", readiness: ", readiness: { period: 2s, failure_threshold: 2 }")
        let m = try PolicyTests.sim(s, "t").metrics
        XCTAssertEqual(Double(m.errorCount(.timeout)), 50, accuracy: 20)
    }

    /// A sidecar mesh learns the removal through the control plane's push (3 s here):
    /// 20/s × (30 s + 3 s) / 2 = 330 (sd ≈ 12.8; tolerance 52).
    func testAMeshLearnsOfAHungPodAfterDetectionAndPush() throws {
        let m = try PolicyTests.sim(try Self.scenario(kind: "sidecar, preset: istio"), "t").metrics
        XCTAssertEqual(Double(m.errorCount(.timeout)), 330, accuracy: 52)
        XCTAssertEqual(m.errorCount(.refused), 0, "a hung pod accepts connections")
    }

    /// Requests the pod holds when it hangs wait with it: 1 request per second, each served
    /// for 10 s, so the pod holds 10 at 10.5 s (those sent at 0.5 ... 9.5 s: arrivals are
    /// Poisson, so about 10, sd √10). The hang ends at 15.5 s, before any 20 s route timeout
    /// (the first would fire at 20.5 s), and what it held is reset then: every failure falls
    /// in second 15, none before, none after. One pod, no timeout beyond it.
    func testWorkInProgressHangsWithThePod() throws {
        let s = try PolicyTests.scenario("""
            scenario: hang-in-flight
            duration: 40s
            policies: { retries: { attempts: 0 }, timeout: 20s }
            services:
              api: { replicas: 1, workers: unlimited, queue: unlimited, service_time: const(10s) }
            traffic:
              - { name: t, from: external, to: api, rate: 1/s }
            topologies:
              - { name: t, kind: none }
            faults:
              - { at: 10.5s, for: 5s, kind: hang, target: api }
            """)
        let m = try PolicyTests.sim(s, "t").metrics
        // Held at 10.5 s: sent in (0.5 s, 10.5 s]; also hung: those sent during the hang
        // (10.5 s, 15.5 s], and until the probe would notice (30 s, longer than the hang) it stays
        // listed. So everything sent in (0.5 s, 15.5 s] is reset at 15.5 s: ≈ 15 (sd √15 ≈ 3.9;
        // tolerance 16), answered 503 (UC).
        XCTAssertEqual(Double(m.errorCount(.unavailable)), 15, accuracy: 16)
        XCTAssertGreaterThan(m.errorCount(.unavailable), 0)
        XCTAssertEqual(m.errorCount(.timeout), 0, "the hang ends before any timeout")
        let errors = TerminationTests.errorsByWindow(m)
        XCTAssertEqual(errors[15], errors.reduce(0, +), "all at the hang's end, 15.5 s")
    }
}

extension HangTests {
    /// Without any timeout (kube-proxy, no route or per-try timeout) the calls a hung pod holds
    /// would wait forever; when the hang ends (10 s to 20 s) they are reset. Calls sent to
    /// api/1 in [10 s, 20 s) are half of 20/s × 10 s = 100 (sd √200/2 ≈ 7; tolerance 30): each
    /// fails as a reset at 20 s, so none is left in flight at the end and nothing after 20 s
    /// fails (the probe's removal, 30 s + 1 s after 10 s, is called off when it answers again).
    func testWhatAHungPodHeldIsResetWhenTheHangEnds() throws {
        let s = try TerminationTests.apiScenario("hang-ends", replicas: 2, nodes: 2, rate: "20/s",
                                                 faults: ["{ at: 10s, for: 10s, kind: hang, target: api/1 }"])
        let m = try PolicyTests.sim(s, "t").metrics
        XCTAssertEqual(m.incomplete, 0, "nothing waits forever")
        XCTAssertEqual(Double(m.errorCount(.unavailable)), 100, accuracy: 30, "a reset is answered 503 (UC)")
        // The first held call was sent just after 10 s (gaps of api/1's half of the stream are
        // exponential with mean 0.1 s: one over 0.5 s has probability e^-5 < 1%).
        XCTAssertLessThanOrEqual(m.failedLatency.max / 1e6, 10_000.01)
        XCTAssertGreaterThan(m.failedLatency.max / 1e6, 9_500, "the first held call waited nearly the whole 10 s")
    }
}

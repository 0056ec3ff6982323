import Foundation
import Report
import Scenario
import SimCore
import Topology
import XCTest

/// Differences and factors in `expect:` lines, evaluated on a run whose values are known by
/// hand: the app takes a constant 10 ms, the network no time, and each of the mesh's two
/// sidecar traversals (the app's inbound sidecar, request in and response out) a constant
/// 2 ms. External traffic into a sidecar mesh also passes its ingress gateway twice, at the
/// istio-envoy preset's lognormal (mean 42.7 µs, p99 116 µs): about +0.085 ms in all
/// (hops.csv: 0.0859 ms per request). So direct.p50 = direct.p99 = 10 ms,
/// mesh.p50 ≈ 10 + 2 × 2 + 0.08 = 14.08 ms, mesh.p99 ≈ 14.2 ms, and the added latency
/// mesh − direct is 4.08 ms at p50 and about 4.2 ms at p99 (the histogram keeps 2–3
/// significant digits: ±0.014 ms on 14 ms).
final class ExpectationArithmeticCheckTests: XCTestCase {
    func testDifferencesAndFactorsPassAndFail() throws {
        let table: [(String, Bool)] = [
            ("mesh.p50 - direct.p50 >= 4ms", true), ("mesh.p50 - direct.p50 > 4.25ms", false),
            ("mesh.p50 - direct.p50 <= 4.25ms", true), ("mesh.p50 - direct.p50 < 4ms", false),
            // 14.08 / 10 = 1.408.
            ("mesh.p50 >= 1.35 * direct.p50", true), ("mesh.p50 >= 1.45 * direct.p50", false),
            // 10 <= 0.75 × 14.08 = 10.56 holds; 10 <= 0.7 × 14.08 = 9.86 does not.
            ("direct.p50 <= 0.75 * mesh.p50", true), ("direct.p50 <= 0.7 * mesh.p50", false),
            // About 4.2 ms against 0.95 × 4.08 = 3.88 ms, and against 1.1 × 4.08 = 4.49 ms.
            ("mesh.p99 - direct.p99 >= 0.95 * (mesh.p50 - direct.p50)", true),
            ("mesh.p99 - direct.p99 >= 1.1 * (mesh.p50 - direct.p50)", false),
            // Without a factor: 4.08 < 5; 4.2 < −4.08 does not hold; 4.08 < 14.08.
            ("(mesh.p50 - direct.p50) < 5ms", true), ("mesh.p99 - direct.p99 < direct.p50 - mesh.p50", false),
            ("mesh.p50 - direct.p50 < mesh.p50", true),
        ]
        let r = try Support.run(Support.twoTopologies(expect: table.map(\.0)))
        let outcomes = ExpectationCheck.evaluate(r)
        XCTAssertEqual(outcomes.count, table.count)
        for (o, (text, pass)) in zip(outcomes, table) {
            XCTAssertEqual(o.text, text)
            XCTAssertNil(o.problem, text)
            XCTAssertEqual(o.passed, pass, "\(text): measured \(o.measuredText), expected \(o.expectedText)")
        }
        // The compared values are the hand-derived ones.
        XCTAssertEqual(outcomes[0].lhs.mean, 4.08, accuracy: 0.05)
        XCTAssertEqual(outcomes[4].rhs!.mean, 1.35 * 10, accuracy: 0.02)
        XCTAssertEqual(outcomes[8].rhs!.mean, 0.95 * 4.08, accuracy: 0.05)
        // The report says what was computed.
        XCTAssertEqual(outcomes[4].expectedText, "mesh.p50 >= 1.35 * direct.p50")
        XCTAssertEqual(outcomes[8].expectedText, "mesh.p99 - direct.p99 >= 0.95 * (mesh.p50 - direct.p50)")
        XCTAssertTrue(outcomes[0].measuredText.hasSuffix("(mesh.p50 - direct.p50)"), outcomes[0].measuredText)
    }

    /// `*` with a factor expands like a plain comparison: every other topology.
    func testStarWithAFactor() throws {
        let r = try Support.run(Support.twoTopologies(expect: ["*.p50 >= 1.35 * direct.p50"]))
        let o = ExpectationCheck.evaluate(r)
        XCTAssertEqual(o.map(\.text), ["mesh.p50 >= 1.35 * direct.p50"])
        XCTAssertEqual(o.map(\.passed), [true])
    }

    /// With replications, each side is computed per replication before it is summarised: the
    /// difference of two topologies run on the same seeds has a narrower confidence interval
    /// than either topology's own p50. Exponential service times (mean 10 ms) make p50 vary
    /// between replications; the sidecars' constant 4 ms makes the difference almost constant.
    func testDifferencesArePairedPerReplication() throws {
        let yaml = Support.twoTopologies(expect: ["mesh.p50 - direct.p50 >= 3.5ms", "mesh.p50 >= direct.p50"],
                                         serviceTime: "exp(10ms)", duration: "10s", replications: 4)
        let r = try Support.run(yaml)
        let o = ExpectationCheck.evaluate(r)
        XCTAssertEqual(o.map(\.passed), [true, true])
        let difference = o[0].lhs
        XCTAssertEqual(difference.count, 4)
        XCTAssertEqual(difference.mean, o[1].lhs.mean - o[1].rhs!.mean, accuracy: 1e-9, "mean of differences = difference of means")
        XCTAssertLessThan(difference.halfWidth, o[1].lhs.halfWidth, "paired: narrower than mesh.p50's own")
    }
}

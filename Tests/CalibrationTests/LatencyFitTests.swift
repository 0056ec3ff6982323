import XCTest
@testable import Calibration
import SimCore

/// The per-traversal latency must reproduce the published round-trip figure
/// when `traversals` independent draws are summed, as topsim draws them.
///
/// 400k sums per target. Tolerance 5%: the fit itself matches to <0.2%
/// (docs/calibration-fit/fit-output.txt); the Monte Carlo error of a p99
/// estimate from 400k samples is about sqrt(0.99*0.01/400k)/f(q99), under
/// 0.5% of the value for these shapes; SimTime truncates each draw to whole
/// nanoseconds (<0.01%). 5% leaves room for all three while still failing on
/// any mis-split (a 2-way instead of 4-way split is off by ~40%).
final class LatencyFitTests: XCTestCase {
    static let samples = 400_000

    func quantiles(_ d: Distribution, traversals: Int, seed: UInt64) -> (p90: Double, p99: Double) {
        var rng = RandomStream(seed: seed, stream: 17)
        var sums = [Double](repeating: 0, count: Self.samples)
        for i in 0..<Self.samples {
            var s: Int64 = 0
            for _ in 0..<traversals { s += d.sample(&rng) }
            sums[i] = Double(s)
        }
        sums.sort()
        func q(_ p: Double) -> Double { sums[Int(p * Double(sums.count - 1))] }
        return (q(0.90) / 1e6, q(0.99) / 1e6)
    }

    func testFitsReproducePublishedAddedLatency() throws {
        XCTAssertFalse(CalibrationTargets.latency.isEmpty)
        for (i, t) in CalibrationTargets.latency.enumerated() {
            let p = try XCTUnwrap(PresetRegistry.preset(named: t.preset))
            let d = try XCTUnwrap(p.profile(role: t.role)?.latency, "\(t.preset).\(t.role)")
            let got = quantiles(d, traversals: t.traversals, seed: 20_260_000 + UInt64(i))
            XCTAssertEqual(got.p90, t.addedP90Ms, accuracy: t.addedP90Ms * 0.05,
                           "\(t.preset) p90 of \(t.traversals) traversals: \(got.p90) ms vs \(t.addedP90Ms)")
            XCTAssertEqual(got.p99, t.addedP99Ms, accuracy: t.addedP99Ms * 0.05,
                           "\(t.preset) p99 of \(t.traversals) traversals: \(got.p99) ms vs \(t.addedP99Ms)")
        }
    }

    /// Every fitted preset's citation for that value quotes the figure it was fitted to.
    func testTargetsAreCitedOnTheirPresets() throws {
        for t in CalibrationTargets.latency {
            let c = try XCTUnwrap(PresetRegistry.preset(named: t.preset)?.citations.first { $0.field == "\(t.role).latency" })
            XCTAssertTrue(c.source.contains(t.source), t.preset)
        }
    }

    /// Splitting per traversal matters: one draw alone is far below the
    /// two-proxy figure, so a preset that put the whole figure into one
    /// traversal would be caught here.
    func testOneTraversalIsWellBelowTheRoundTripFigure() throws {
        let d = try XCTUnwrap(PresetRegistry.preset(named: "istio-1.20")?.proxy?.latency)
        XCTAssertLessThan(try XCTUnwrap(d.quantile(0.90)), 0.228e6 / 2)
    }
}

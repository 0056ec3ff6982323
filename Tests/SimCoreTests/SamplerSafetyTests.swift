import Foundation
import XCTest
@testable import SimCore

/// No parameter validation accepts may make a draw trap: large erlang k underflowed its
/// product of uniforms, heavy tails overflowed Int64 nanoseconds. Draws are clamped at
/// `Distribution.horizon` and erlang folds its product into logarithms.
final class SamplerSafetyTests: XCTestCase {
    func testErlangWithLargeKNeitherTrapsNorDrifts() {
        for k in [700, 1000] {
            var rng = RandomStream(seed: 7)
            let d = Distribution.erlang(k: k, mean: 10_000_000)
            var sum = 0.0
            let n = 2000
            for _ in 0..<n {
                let x = d.sample(&rng)
                XCTAssertGreaterThan(x, 0)
                sum += Double(x)
            }
            // Mean 10ms; the sd of the sample mean is 10ms / sqrt(k n), far below 1%.
            XCTAssertEqual(sum / Double(n), 10_000_000, accuracy: 100_000, "k = \(k)")
        }
    }

    /// Small k: bit for bit what the plain product gave, so fingerprints do not move.
    func testErlangWithSmallKIsUnchanged() {
        var a = RandomStream(seed: 3), b = RandomStream(seed: 3)
        let mean = 4_000_000.0, k = 4
        for _ in 0..<10_000 {
            var p = 1.0
            for _ in 0..<k { p *= b.uniform() }
            XCTAssertEqual(Distribution.erlang(k: k, mean: mean).sample(&a), SimTime(-(mean / Double(k)) * log(p)))
        }
    }

    func testHeavyTailsAreClampedAtTheHorizon() {
        let horizon = SimTime(Distribution.horizon)
        let huge = 1e18
        let cases: [Distribution] = [
            Distribution.lognormal(mean: huge, cv: 1e3)!, Distribution.lognormal(mean: huge, cv: 1e15)!, .normal(mean: huge, sd: huge), .exponential(mean: huge),
            .uniform(low: 0, high: huge), .constant(9e18), .erlang(k: 1, mean: huge),
        ]
        for d in cases {
            var rng = RandomStream(seed: 11)
            var hit = false
            for _ in 0..<5000 {
                let x = d.sample(&rng)
                XCTAssertGreaterThanOrEqual(x, 0, "\(d)")
                XCTAssertLessThanOrEqual(x, horizon, "\(d)")
                hit = hit || x == horizon
            }
            if case .uniform = d { continue }
            if case .lognormal(_, let sigma) = d, sigma > 8 { continue }   // the tail is too far out to reach in 5000 draws
            XCTAssertTrue(hit, "\(d): never reached the horizon, so the clamp was not exercised")
        }
    }

    func testClampKeepsOrdinaryDrawsAsTheyWere() {
        XCTAssertEqual(Distribution.clamped(12.9), 12)
        XCTAssertEqual(Distribution.clamped(0), 0)
        XCTAssertEqual(Distribution.clamped(-3), 0)
        XCTAssertEqual(Distribution.clamped(.infinity), SimTime(Distribution.horizon))
        XCTAssertEqual(Distribution.clamped(.nan), SimTime(Distribution.horizon))
    }
}

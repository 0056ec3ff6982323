import Foundation
import XCTest
@testable import SimCore

/// Each distribution: the sample mean within 4 standard errors of the analytic
/// mean, and the empirical CDF at an analytic quantile within 4 binomial standard errors.
final class DistributionTests: XCTestCase {
    let n = 200_000

    func check(_ d: Distribution, quantile p: Double = 0.9, at q: Double? = nil, sd: Double,
               file: StaticString = #filePath, line: UInt = #line) {
        var rng = RandomStream(seed: 11, stream: 3)
        var xs = [Double](); xs.reserveCapacity(n)
        var w = Welford()
        for _ in 0..<n { let x = Double(d.sample(&rng)); xs.append(x); w.add(x) }
        XCTAssertTrue(xs.allSatisfy { $0 >= 0 }, "negative draw", file: file, line: line)
        let se = sd / Double(n).squareRoot()
        // +1 ns: samples are truncated to whole nanoseconds.
        XCTAssertLessThanOrEqual(abs(w.mean - d.mean), 4 * se + 1, "mean \(w.mean) vs \(d.mean)", file: file, line: line)
        if let q = q ?? d.quantile(p) {
            let below = Double(xs.filter { $0 <= q }.count) / Double(n)
            let bse = (p * (1 - p) / Double(n)).squareRoot()
            XCTAssertLessThanOrEqual(abs(below - p), 4 * bse + 1e-4, "F(q\(p)) = \(below)", file: file, line: line)
        }
    }

    func testConstant() {
        var rng = RandomStream(seed: 1)
        XCTAssertEqual(Distribution.constant(1_000_000).sample(&rng), 1_000_000)
        XCTAssertEqual(Distribution.constant(0).sample(&rng), 0)
    }
    func testExponential() { check(.exponential(mean: 10e6), quantile: 0.99, sd: 10e6) }
    func testUniform() { check(.uniform(low: 1e6, high: 3e6), quantile: 0.25, sd: 2e6 / 12.0.squareRoot()) }
    func testNormal() {
        check(.normal(mean: 1e6, sd: 200e3), quantile: 0.9, at: 1e6 + 200e3 * Distribution.normalQuantile(0.9), sd: 200e3)
    }
    /// The polar method's pairs: both halves are standard normals, independent of each other.
    /// n = 200,000 draws (100,000 pairs). With 99.99% two-sided bounds (z = 3.89): the mean
    /// within 3.89/√n = 0.0087 of 0; the variance within 3.89·√(2/n) = 0.0123 of 1 (the
    /// sample variance of normals has variance 2/n); the correlation between a pair's first
    /// and second half within 3.89/√(n/2) = 0.0123 of 0; and the share beyond ±1.96 within
    /// 3.89·√(0.05·0.95/n) = 0.0019 of 0.05.
    func testPolarNormalPairsAreIndependentStandardNormals() {
        var rng = RandomStream(seed: 42)
        let n = 200_000
        var sum = 0.0, sq = 0.0, cross = 0.0, tails = 0
        for _ in 0..<(n / 2) {
            let a = Distribution.standardNormal(&rng), b = Distribution.standardNormal(&rng)
            sum += a + b; sq += a * a + b * b; cross += a * b
            tails += (abs(a) > 1.959964 ? 1 : 0) + (abs(b) > 1.959964 ? 1 : 0)
        }
        let mean = sum / Double(n)
        XCTAssertEqual(mean, 0, accuracy: 0.0087)
        XCTAssertEqual(sq / Double(n) - mean * mean, 1, accuracy: 0.0123)
        XCTAssertEqual(cross / Double(n / 2), 0, accuracy: 0.0123)
        XCTAssertEqual(Double(tails) / Double(n), 0.05, accuracy: 0.0019)
    }

    /// The second normal of a pair comes from the stream's spare and draws no uniform: after
    /// two normals, the next uniform is the one after a single normal's.
    func testSecondNormalOfAPairDrawsNoUniform() {
        for seed: UInt64 in 1...50 {
            var twice = RandomStream(seed: seed), once = twice
            _ = Distribution.standardNormal(&twice); _ = Distribution.standardNormal(&twice)
            _ = Distribution.standardNormal(&once)
            XCTAssertEqual(twice.uniform(), once.uniform(), "seed \(seed)")
        }
    }

    /// The ziggurat's Exp(1): n = 400,000 draws, 99.99% two-sided bounds (z = 3.89). Mean
    /// within 3.89/√n = 0.0062 of 1; variance within 3.89·√(8/n) = 0.0174 of 1 (the sample
    /// variance of Exp(1) has variance (μ₄ − σ⁴)/n = (9 − 1)/n); P(X > t) = e^−t within
    /// 3.89·√(p(1−p)/n) at t = 0.1, 1, 3, and past the base layer's edge r = 7.697 (the tail
    /// path, p = 4.54e-4: within 1.3e-4), and at t = 12 (6.1e-6: a count of 0 to 8 in
    /// expectation 2.5, Poisson 99.99%).
    func testZigguratExponentialMomentsAndTail() {
        var rng = RandomStream(seed: 2026)
        let n = 400_000
        var sum = 0.0, sq = 0.0
        let ts = [0.1, 1, 3, ExponentialZiggurat.r, 12]
        var above = [Int](repeating: 0, count: ts.count)
        for _ in 0..<n {
            let x = ExponentialZiggurat.sample(&rng)
            XCTAssertGreaterThanOrEqual(x, 0)
            sum += x; sq += x * x
            for (k, t) in ts.enumerated() where x > t { above[k] += 1 }
        }
        let mean = sum / Double(n)
        XCTAssertEqual(mean, 1, accuracy: 0.0062)
        XCTAssertEqual(sq / Double(n) - mean * mean, 1, accuracy: 0.0174)
        for (k, t) in ts.enumerated().dropLast() {
            let p = Foundation.exp(-t)
            XCTAssertEqual(Double(above[k]) / Double(n), p, accuracy: 3.89 * (p * (1 - p) / Double(n)).squareRoot(), "P(X > \(t))")
        }
        XCTAssertLessThanOrEqual(above[ts.count - 1], 8, "P(X > 12)")
    }

    /// The layer tables as Marsaglia & Tsang build them: 256 layers of equal area
    /// v = 3.949659822581572e-3 under e^(−x). With x[i] = w[i]·2^53 and f[i] = e^(−x[i]):
    /// the base layer is the rectangle r × e^(−r) plus the tail's e^(−r) (both v); layer i+1
    /// is the rectangle x[i+1] × (f[i] − f[i+1]); the top one x[1] × (1 − f[1]). The constants
    /// r and v are the paper's to about 16 digits, so the top layer closes to 1e-6.
    func testZigguratTablesSplitTheDensityIntoEqualLayers() {
        let t = ExponentialZiggurat.tables, r = ExponentialZiggurat.r
        let v = 3.949659822581572e-3, m = 9_007_199_254_740_992.0
        XCTAssertEqual(r * Foundation.exp(-r) + Foundation.exp(-r), v, accuracy: v * 1e-9, "base layer")
        XCTAssertEqual(t.f[0], 1)
        for i in 1..<255 {
            XCTAssertEqual(t.w[i + 1] * m * (t.f[i] - t.f[i + 1]), v, accuracy: v * 1e-9, "layer \(i + 1)")
            XCTAssertLessThan(t.f[i], t.f[i - 1])
        }
        XCTAssertEqual(t.w[1] * m * (1 - t.f[1]), v, accuracy: v * 1e-6, "top layer")
    }

    func testNormalTruncatedAtZeroIsNeverNegative() {
        var rng = RandomStream(seed: 5)
        for _ in 0..<10_000 { XCTAssertGreaterThanOrEqual(Distribution.normal(mean: 100, sd: 1000).sample(&rng), 0) }
    }
    func testLognormalFromMeanAndP99() {
        let d = Distribution.lognormal(mean: 4e6, p99: 20e6)!
        XCTAssertEqual(d.mean, 4e6, accuracy: 1)
        XCTAssertEqual(d.quantile(0.99)!, 20e6, accuracy: 20)
        check(d, quantile: 0.99, sd: d.mean * d.scv.squareRoot())
    }
    func testLognormalFromMeanAndCV() {
        let d = Distribution.lognormal(mean: 15e6, cv: 1.2)!
        XCTAssertEqual(d.scv, 1.44, accuracy: 1e-9)
        check(d, quantile: 0.5, sd: 15e6 * 1.2)
    }
    func testImpossibleLognormalIsRejected() {
        XCTAssertNil(Distribution.lognormal(mean: 4e6, p99: 3e6))
        XCTAssertNil(Distribution.lognormal(mean: 1e6, p99: 100e6)) // p99/mean beyond e^(z^2/2)
        XCTAssertNil(Distribution.lognormal(mean: 1e6, cv: 0))
    }
    func testErlang() {
        // F(mean) for Erlang(k) = 1 - sum_{j<k} e^-k k^j / j!
        let k = 4
        var s = 0.0, term = exp(-Double(k))
        for j in 0..<k { if j > 0 { term *= Double(k) / Double(j) }; s += term }
        let d = Distribution.erlang(k: k, mean: 10e6)
        check(d, quantile: 1 - s, at: 10e6, sd: 10e6 / Double(k).squareRoot())
    }
    func testEmpirical() {
        let e = EmpiricalSamples([1e6, 2e6, 3e6, 4e6, 5e6])!
        XCTAssertEqual(e.quantile(0.5), 3e6)
        XCTAssertEqual(e.quantile(0.125), 1.5e6)
        let sd = (e.scv).squareRoot() * e.mean
        // The inverse-CDF interpolation is uniform on [1e6, 5e6]: mean 3e6, F(2e6) = 0.25.
        check(.empirical(e), quantile: 0.25, at: 2e6, sd: max(sd, 4e6 / 12.0.squareRoot()))
        XCTAssertNil(EmpiricalSamples([]))
        XCTAssertNil(EmpiricalSamples([-1]))
    }
    func testNormalQuantile() {
        XCTAssertEqual(Distribution.normalQuantile(0.99), Distribution.z99, accuracy: 1e-9)
        XCTAssertEqual(Distribution.normalQuantile(0.5), 0, accuracy: 1e-12)
        XCTAssertEqual(Distribution.normalQuantile(0.025), -1.959963984540054, accuracy: 1e-9)
    }
}

import Foundation
import Scenario
import XCTest
@testable import Experiments

/// `topsim capacity` against queueing theory. Each test runs R = 8 searches (replications);
/// within one, runs differ only in the arrival rate, so the bisection finds that
/// replication's crossing, and the 8 crossings give the answer and its Student t interval
/// (t(0.975; 7) = 2.365).
///
/// How long: at ~2.5 M customers/s through the topology model, one 1,050 s run at 80/s
/// is 84 k customers (~35 ms); a search is ~11 runs; 8 searches ~3 s of CPU.
final class CapacityTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try Support.tempDir("capacity") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func scenario(_ text: String) throws -> Scenario {
        let url = dir.appendingPathComponent("s.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return try ScenarioLoader.load(path: url.path)
    }

    /// The answer must be within 3% of theory (the bar), the interval must be narrow
    /// enough to see a 3% error (half-width below 1.5%), and theory must lie within two
    /// half-widths of the answer (plus the bisection's resolution): the interval is honest.
    func assertCapacity(_ c: TopologyCapacity, theory: Double, resolution: Double = 0.002,
                        file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(c.maxRate, theory, accuracy: 0.03 * theory, "answer \(c.maxRate) ± \(c.ci95)", file: file, line: line)
        XCTAssertLessThan(c.ci95, 0.015 * theory, "interval too wide to test against 3%", file: file, line: line)
        XCTAssertLessThanOrEqual(abs(c.maxRate - theory), 2 * c.ci95 + resolution * theory,
                                 "theory \(theory) outside \(c.maxRate) ± 2 × \(c.ci95)", file: file, line: line)
    }

    /// M/M/1, mean service 10 ms (mu = 100/s). The sojourn time is exponential with rate
    /// mu - lambda, so its p99 is ln(100) / (mu - lambda). p99 < 230.26 ms means
    /// mu - lambda > ln(100) / 0.23026 s = 4.60517 / 0.23026 = 20.000/s, so lambda < 80/s.
    func testMM1CapacityIsEightyPerSecond() throws {
        let s = try scenario(Support.mmc(workers: 1, rate: "50/s", duration: "1000s", warmup: "50s"))
        let slo = try SLO.parse("p99 < 230.26ms")
        let r = try Capacity.run(s, slos: [slo], options: Capacity.Options(replications: 8))
        XCTAssertEqual(r.count, 1)
        let c = r[0]
        assertCapacity(c, theory: 80)
        XCTAssertEqual(c.limitingSLO, "p99 < 230.26ms")
        XCTAssertEqual(c.replications.count, 8)
        XCTAssertTrue(c.replications.allSatisfy { $0.limiting == 0 })
        // Replication r runs with topsim run's seed for replication r.
        XCTAssertEqual(c.replications[0].seed, 7)
        let csv = Capacity.csv(r)
        XCTAssertTrue(csv.hasPrefix("topology,max_rate_rps,max_rate_ci95,limiting_slo\r\ndirect,"), csv)
    }

    /// M/M/c with c = 2 servers of mu = 100/s (Erlang C). At lambda = 150/s, a = lambda/mu = 1.5,
    /// rho = 0.75:
    ///   C(2, 1.5) = (a^2/2! * c/(c-a)) / (1 + a + a^2/2! * c/(c-a)) = (1.125 * 4) / (2.5 + 4.5) = 0.642857.
    /// The wait is 0 with probability 1 - C, else exponential with theta = c*mu - lambda = 50/s;
    /// the sojourn adds an exponential service (mu = 100/s), so
    ///   P(T > t) = (1 - C) e^(-mu t) + C (theta e^(-mu t) - mu e^(-theta t)) / (theta - mu)
    ///            = (1 - 2C) e^(-100 t) + 2C e^(-50 t)     (theta - mu = -50)
    ///            = -0.285714 e^(-100 t) + 1.285714 e^(-50 t).
    /// Setting it to 0.01: the first term is ~2e-5 there, so t ~ ln(128.57)/50 = 0.097126 s, and
    /// one more step with the first term gives t = ln(1.285714 / 0.0100173) / 50 = 97.095 ms.
    /// So "p99 < 97.095ms" holds up to lambda = 150/s (`erlangCP99` below solves it exactly).
    func testMM2CapacityMatchesErlangC() throws {
        let p99 = Self.erlangCP99(servers: 2, mu: 100, lambda: 150)
        XCTAssertEqual(p99 * 1000, 97.095, accuracy: 0.001)
        let s = try scenario(Support.mmc(workers: 2, rate: "100/s", duration: "1000s", warmup: "50s"))
        let slo = try SLO.parse(String(format: "p99 < %.3fms", p99 * 1000))
        let r = try Capacity.run(s, slos: [slo], options: Capacity.Options(replications: 8))
        assertCapacity(r[0], theory: 150)
    }

    /// Two sources into one M/M/1; only `b` is scaled. Every SLO is a success-rate or a
    /// latency one: with 30/s fixed on `a`, p99 < 230.26 ms caps the total at 80/s, so `b`
    /// at 50/s; the queue is unlimited, so success_rate never limits and the latency SLO is
    /// named. Shorter runs (500 s): the tolerance is the 3% of the total rate, 2.4/s.
    func testScalingOneTrafficSourceAndNamingTheLimitingSLO() throws {
        var text = Support.mmc(workers: 1, rate: "30/s", duration: "500s", warmup: "50s")
        text = text.replacingOccurrences(of: "  - { name: poisson, from: external, to: server, rate: 30/s }",
                                         with: "  - { name: a, from: external, to: server, rate: 30/s }\n"
                                             + "  - { name: b, from: external, to: server, rate: 10/s }")
        let s = try scenario(text)
        XCTAssertEqual(try Capacity.baseRate(s, traffic: "b"), 10)
        XCTAssertEqual(try Capacity.baseRate(s, traffic: nil), 40)
        let slos = [try SLO.parse("success_rate >= 99.9%"), try SLO.parse("p99 < 230.26ms")]
        let r = try Capacity.run(s, slos: slos, options: Capacity.Options(traffic: "b", replications: 4))
        XCTAssertEqual(r[0].maxRate, 50, accuracy: 2.4, "± \(r[0].ci95)")
        XCTAssertEqual(r[0].limitingSLO, "p99 < 230.26ms")
        XCTAssertThrowsError(try Capacity.baseRate(s, traffic: "c")) {
            XCTAssertTrue("\($0)".contains("no such traffic source (have: a, b)"), "\($0)")
        }
    }

    /// The search's ends: an SLO that holds at every rate tried, and one that holds at none.
    func testSearchLimits() throws {
        let s = try scenario(Support.mmc(workers: 1, rate: "50/s", duration: "10s", warmup: "1s"))
        var o = Capacity.Options(replications: 2, maxScale: 8, minScale: 1.0 / 8)
        // Every request succeeds (unlimited queue): it holds up to 8 x 50/s.
        let always = try Capacity.run(s, slos: [try SLO.parse("success_rate >= 99%")], options: o)[0]
        XCTAssertEqual(always.maxRate, 400)
        XCTAssertEqual(always.ci95, 0)
        XCTAssertEqual(always.limitingSLO, "none up to the search limit (400/s)")
        // p99 of an exp(10ms) service alone is 46 ms: 1 ms fails even at 50/s / 8.
        let never = try Capacity.run(s, slos: [try SLO.parse("p99 < 1ms")], options: o)[0]
        XCTAssertEqual(never.maxRate, 0)
        XCTAssertEqual(never.limitingSLO, "p99 < 1ms")
        o.maxArrivals = 50 * 11 * 2   // two runs' worth at the file's rate: doubling stops at 2x
        XCTAssertEqual(try Capacity.run(s, slos: [try SLO.parse("success_rate >= 99%")], options: o)[0].maxRate, 100)
    }

    func testSLOsUseTheExpectationVocabulary() throws {
        let p = try SLO.parse("p99 < 200ms")
        XCTAssertEqual(p.metric, .p99)
        XCTAssertEqual(p.threshold, 200)
        XCTAssertEqual(try SLO.parse("success_rate >= 99.9%").threshold, 0.999, accuracy: 1e-12)
        XCTAssertNotNil(try SLO.parse("p99 in [10s, 20s] < 1s").expectation.window)
        func message(_ text: String) -> String {
            do { _ = try SLO.parse(text); return "" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("p99 < 20"),
                       "--slo \"p99 < 20\" (column 7): '20' needs a unit (e.g. 20ms or 20s): a bare number is not a duration")
        XCTAssertTrue(message("p99x < 2ms").contains("(did you mean 'p99'?)"), message("p99x < 2ms"))
        XCTAssertEqual(message("p99 < p50"), "--slo \"p99 < p50\" (column 7): an SLO compares a metric with a value, e.g. \"p99 < 200ms\"")
        XCTAssertTrue(message("success_rate >= 2ms").contains("fraction"), message("success_rate >= 2ms"))
    }

    /// p99 of the M/M/c sojourn time, by bisection on the tail above.
    static func erlangCP99(servers c: Int, mu: Double, lambda: Double) -> Double {
        let a = lambda / mu
        var sum = 0.0, term = 1.0
        for k in 0..<c { if k > 0 { term *= a / Double(k) }; sum += term }
        let top = term * a / Double(c) * Double(c) / (Double(c) - a)   // a^c/c! * c/(c-a)
        let C = top / (sum + top)
        let theta = Double(c) * mu - lambda
        func tail(_ t: Double) -> Double {
            (1 - C) * exp(-mu * t) + C * (theta * exp(-mu * t) - mu * exp(-theta * t)) / (theta - mu)
        }
        var lo = 0.0, hi = 10.0
        for _ in 0..<200 { let m = (lo + hi) / 2; if tail(m) > 0.01 { lo = m } else { hi = m } }
        return lo
    }
}

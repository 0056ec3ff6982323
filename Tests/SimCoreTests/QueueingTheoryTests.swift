import Foundation
import XCTest
@testable import SimCore

/// The engine against closed-form queueing theory.
///
/// Each case runs K independent replications (seeds 1...K), takes the ratio
/// simulated / analytic per replication and requires |mean ratio - 1| <= 3 sd / sqrt(K):
/// a 3-sigma band from the replications' own spread, not a tuned constant. A second
/// assertion requires that band to be narrower than `power`, so the test can fail.
final class QueueingTheoryTests: XCTestCase {
    let K = 10

    struct Estimate { var mean: Double; var band: Double }

    func ratios(_ net: TandemNetwork, customers: Int, warmup: Int,
                _ analytic: Double, _ pick: (TandemNetwork.Result) -> Double) -> Estimate {
        var w = Welford()
        for k in 1...K {
            let r = net.run(customers: customers, warmup: warmup, seed: UInt64(k))
            w.add(pick(r) / analytic)
        }
        return Estimate(mean: w.mean, band: 3 * w.standardDeviation / Double(K).squareRoot())
    }

    func assertMatches(_ e: Estimate, power: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        // One line per case for docs/engine.md's validation table.
        print(String(format: "VALIDATION %@: simulated/analytic %.4f, 3-sigma band %.4f", what, e.mean, e.band))
        XCTAssertLessThanOrEqual(abs(e.mean - 1), e.band,
                                 "\(what): simulated/analytic = \(e.mean), 3-sigma band \(e.band)", file: file, line: line)
        XCTAssertLessThan(e.band, power, "\(what): band \(e.band) too wide to detect a \(power) error",
                          file: file, line: line)
    }

    static let ms = 1e6 // nanoseconds per millisecond

    // M/M/1: the sojourn time is exponential with rate mu - lambda.
    func mm1(rho: Double, customers: Int, meanPower: Double, p99Power: Double) {
        let mu = 100.0, lambda = rho * mu  // per second; service mean 10 ms
        let net = TandemNetwork(arrivalsPerSecond: lambda,
                                stations: [.init(workers: 1, service: .exponential(mean: 10 * Self.ms))])
        let w = 1e9 / (mu - lambda)
        let warm = customers / 10
        assertMatches(ratios(net, customers: customers, warmup: warm, w) { $0.sojourn.mean },
                      power: meanPower, "M/M/1 rho \(rho) mean sojourn")
        assertMatches(ratios(net, customers: customers, warmup: warm, w * log(100)) { $0.sojourn.p99 },
                      power: p99Power, "M/M/1 rho \(rho) p99 sojourn")
    }

    func testMM1Rho050() { mm1(rho: 0.5, customers: 200_000, meanPower: 0.02, p99Power: 0.03) }
    func testMM1Rho080() { mm1(rho: 0.8, customers: 400_000, meanPower: 0.04, p99Power: 0.05) }
    func testMM1Rho095() { mm1(rho: 0.95, customers: 2_000_000, meanPower: 0.10, p99Power: 0.10) }

    // M/M/4 at rho 0.8: Erlang C.
    func testMM4ErlangC() {
        let c = 4, mu = 100.0, rho = 0.8, lambda = rho * Double(c) * mu
        let a = lambda / mu
        var sum = 0.0, term = 1.0
        for k in 0..<c { if k > 0 { term *= a / Double(k) }; sum += term }
        let top = term * a / Double(c) / (1 - rho)
        let erlangC = top / (sum + top)
        let w = (erlangC / (Double(c) * mu - lambda) + 1 / mu) * 1e9
        let net = TandemNetwork(arrivalsPerSecond: lambda,
                                stations: [.init(workers: c, service: .exponential(mean: 10 * Self.ms))])
        XCTAssertEqual(erlangC, 0.5964, accuracy: 0.0001) // textbook value for c = 4, rho = 0.8
        assertMatches(ratios(net, customers: 400_000, warmup: 40_000, w) { $0.sojourn.mean },
                      power: 0.03, "M/M/4 mean sojourn")
    }

    // M/D/1: Pollaczek–Khinchine with zero service variance.
    func testMD1() {
        let d = 10 * Self.ms, lambda = 80.0, rho = lambda * d / 1e9
        let w = rho * d / (2 * (1 - rho)) + d
        let net = TandemNetwork(arrivalsPerSecond: lambda, stations: [.init(workers: 1, service: .constant(d))])
        assertMatches(ratios(net, customers: 400_000, warmup: 40_000, w) { $0.sojourn.mean },
                      power: 0.03, "M/D/1 mean sojourn")
    }

    // M/G/1 with lognormal service: Pollaczek–Khinchine, W = E[S] + rho E[S] (1 + scv) / (2 (1 - rho)).
    func testMG1Lognormal() {
        let s = Distribution.lognormal(mean: 10 * Self.ms, cv: 1.5)!
        let lambda = 70.0, rho = lambda * s.mean / 1e9
        XCTAssertEqual(s.scv, 2.25, accuracy: 1e-9)
        let w = s.mean + rho * s.mean * (1 + s.scv) / (2 * (1 - rho))
        let net = TandemNetwork(arrivalsPerSecond: lambda, stations: [.init(workers: 1, service: s)])
        assertMatches(ratios(net, customers: 600_000, warmup: 60_000, w) { $0.sojourn.mean },
                      power: 0.05, "M/G/1 lognormal mean sojourn")
    }

    // Three M/M/1 stations in tandem: Jackson, the sum of the three.
    func testJacksonTandem() {
        let lambda = 60.0
        let means = [8.0, 12.0, 5.0].map { $0 * Self.ms }
        let w = means.map { 1 / (1e9 / $0 - lambda) }.reduce(0, +) * 1e9
        let net = TandemNetwork(arrivalsPerSecond: lambda,
                                stations: means.map { .init(workers: 1, service: .exponential(mean: $0)) })
        assertMatches(ratios(net, customers: 300_000, warmup: 30_000, w) { $0.sojourn.mean },
                      power: 0.04, "tandem mean sojourn")
    }

    // A bounded queue turns overload into rejections, not unbounded memory (M/M/1/K blocking).
    func testMM1KBlocking() {
        let rho = 1.5, kCap = 5  // K = 1 in service + 4 waiting
        let net = TandemNetwork(arrivalsPerSecond: rho * 100,
                                stations: [.init(workers: 1, capacity: kCap - 1, service: .exponential(mean: 10 * Self.ms))])
        let pBlock = (1 - rho) * pow(rho, Double(kCap)) / (1 - pow(rho, Double(kCap + 1)))
        var w = Welford()
        for k in 1...K {
            let r = net.run(customers: 100_000, seed: UInt64(k))
            w.add(Double(r.rejected) / 100_000 / pBlock)
        }
        assertMatches(Estimate(mean: w.mean, band: 3 * w.standardDeviation / Double(K).squareRoot()),
                      power: 0.02, "M/M/1/5 blocking probability")
    }

    func testDeterminism() {
        let net = TandemNetwork(arrivalsPerSecond: 80, stations: [.init(workers: 2, service: .exponential(mean: 20 * Self.ms))])
        let a = net.run(customers: 50_000, seed: 7), b = net.run(customers: 50_000, seed: 7)
        let c = net.run(customers: 50_000, seed: 8)
        XCTAssertEqual(a.fingerprint, b.fingerprint)
        XCTAssertEqual(a.sojourn.mean, b.sojourn.mean)
        XCTAssertEqual(a.events, b.events)
        XCTAssertNotEqual(a.fingerprint, c.fingerprint)
        XCTAssertEqual(a.events, 100_000) // one arrival and one completion per customer
    }
}

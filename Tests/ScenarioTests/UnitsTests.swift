import Foundation
import SimCore
import XCTest
@testable import Scenario

final class UnitsTests: XCTestCase {
    func testDurations() throws {
        XCTAssertEqual(try Units.duration("250us"), 250_000)
        XCTAssertEqual(try Units.duration("3ms"), 3_000_000)
        XCTAssertEqual(try Units.duration("2s"), 2_000_000_000)
        XCTAssertEqual(try Units.duration("5m"), 300_000_000_000)
        XCTAssertEqual(try Units.duration("1h"), 3_600_000_000_000)
        XCTAssertEqual(try Units.duration("2d"), 172_800_000_000_000)
        XCTAssertEqual(try Units.duration("0.5ms"), 500_000)
        XCTAssertEqual(try Units.duration("0.1ms"), 100_000)
        XCTAssertEqual(try Units.duration("0s"), 0)
        XCTAssertEqual(try Units.duration("15ns"), 15)
        XCTAssertThrowsError(try Units.duration("60")) { XCTAssertTrue(($0 as! UnitError).message.contains("needs a unit")) }
        XCTAssertThrowsError(try Units.duration("-1s")) { XCTAssertTrue(($0 as! UnitError).message.contains("negative")) }
        XCTAssertThrowsError(try Units.duration("3 parsecs"))
        XCTAssertThrowsError(try Units.duration("ms"))
        XCTAssertThrowsError(try Units.duration("1e30d")) 
        XCTAssertThrowsError(try Units.duration("99999999999999d")) { XCTAssertTrue(($0 as! UnitError).message.contains("too long")) }
    }

    func testRates() throws {
        XCTAssertEqual(try Units.rate("800/s"), 800)
        XCTAssertEqual(try Units.rate("30/m"), 0.5)
        XCTAssertEqual(try Units.rate("5/ms"), 5000)
        XCTAssertEqual(try Units.rate("7200/h"), 2)
        XCTAssertEqual(try Units.rate("-5/s"), -5)   // the caller rejects the sign with a better message
        XCTAssertThrowsError(try Units.rate("800"))
        XCTAssertThrowsError(try Units.rate("800/week"))
        XCTAssertThrowsError(try Units.rate("lots/s"))
    }

    func testFractions() throws {
        XCTAssertEqual(try Units.fraction("0.1%"), 0.001, accuracy: 1e-15)
        XCTAssertEqual(try Units.fraction("0.001"), 0.001)
        XCTAssertEqual(try Units.fraction("100%"), 1)
        XCTAssertEqual(try Units.fraction("0%"), 0)
        XCTAssertThrowsError(try Units.fraction("101%"))
        XCTAssertThrowsError(try Units.fraction("-1%"))
        XCTAssertThrowsError(try Units.fraction("1.5"))
        XCTAssertThrowsError(try Units.fraction("half"))
    }

    func dist(_ s: String) throws -> Distribution {
        try DistributionParser.parse(s, empirical: EmpiricalLoader(directory: Fixture.path("valid")))
    }

    func testDistributions() throws {
        XCTAssertEqual(try dist("const(1ms)"), .constant(1e6))
        XCTAssertEqual(try dist("const(0s)"), .constant(0))
        XCTAssertEqual(try dist("exp(10ms)"), .exponential(mean: 1e7))
        XCTAssertEqual(try dist("exp(mean: 10ms)"), .exponential(mean: 1e7))
        XCTAssertEqual(try dist("uniform(1ms, 3ms)"), .uniform(low: 1e6, high: 3e6))
        XCTAssertEqual(try dist("normal(1ms, 200us)"), .normal(mean: 1e6, sd: 2e5))
        XCTAssertEqual(try dist("normal(mean: 1ms, sd: 200us)"), .normal(mean: 1e6, sd: 2e5))
        XCTAssertEqual(try dist("lognormal(mean: 4ms, p99: 20ms)"), Distribution.lognormal(mean: 4e6, p99: 2e7))
        XCTAssertEqual(try dist("lognormal(mean: 15ms, cv: 1.2)"), Distribution.lognormal(mean: 1.5e7, cv: 1.2))
        XCTAssertEqual(try dist("erlang(k: 4, mean: 10ms)"), .erlang(k: 4, mean: 1e7))
        XCTAssertEqual(try dist("200ms"), .constant(2e8))
        guard case .empirical(let e) = try dist("empirical(samples.csv)") else { return XCTFail("not empirical") }
        XCTAssertEqual(e.sorted.count, 5)
        // A lognormal p99 must be above the mean and at most ~15x it.
        XCTAssertThrowsError(try dist("lognormal(mean: 4ms, p99: 2ms)"))
        XCTAssertThrowsError(try dist("lognormal(mean: 1ms, p99: 100ms)"))
        XCTAssertThrowsError(try dist("exp(0s)"))
        XCTAssertThrowsError(try dist("uniform(3ms, 1ms)"))
        XCTAssertThrowsError(try dist("erlang(k: 0, mean: 1ms)"))
        XCTAssertThrowsError(try dist("normal(1ms)"))
        XCTAssertThrowsError(try dist("normal(1ms, 2ms, 3ms)"))
        XCTAssertThrowsError(try dist("normal(mean: 1ms, sdev: 2ms)")) {
            XCTAssertTrue(($0 as! UnitError).message.contains("did you mean 'sd'"))
        }
        XCTAssertThrowsError(try dist("gamma(1ms)")) { XCTAssertTrue(($0 as! UnitError).message.contains("unknown distribution")) }
        XCTAssertThrowsError(try dist("exp(10ms"))
        XCTAssertThrowsError(try dist("exp(10)")) { XCTAssertTrue(($0 as! UnitError).message.contains("needs a unit")) }
    }

    func testEmpiricalFilesStayInTheFolder() throws {
        let loader = EmpiricalLoader(directory: Fixture.path("valid"))
        XCTAssertThrowsError(try loader.load("../broken/zero-rate.yaml")) {
            XCTAssertTrue(($0 as! UnitError).message.contains("outside"))
        }
        XCTAssertThrowsError(try loader.load("/etc/hostname"))
        XCTAssertThrowsError(try loader.load("sub/../../valid/../../x.csv"))
        XCTAssertThrowsError(try EmpiricalLoader(directory: nil).load("samples.csv")) {
            XCTAssertTrue(($0 as! UnitError).message.contains("scenario file on disk"))
        }
    }

    func testEmpiricalCSV() throws {
        XCTAssertEqual(try EmpiricalLoader.samples(csv: "us\n1\n2\n", name: "x").sorted, [1000, 2000])
        XCTAssertEqual(try EmpiricalLoader.samples(csv: "1ms\n\n# note\n2ms\n", name: "x").sorted, [1e6, 2e6])
        XCTAssertThrowsError(try EmpiricalLoader.samples(csv: "1\n2\n", name: "x")) {
            XCTAssertTrue(($0 as! UnitError).message.contains("needs a unit"))
        }
        XCTAssertThrowsError(try EmpiricalLoader.samples(csv: "1ms,2ms\n", name: "x"))
        XCTAssertThrowsError(try EmpiricalLoader.samples(csv: "latency\n1\n", name: "x"))
        XCTAssertThrowsError(try EmpiricalLoader.samples(csv: "latency_ms\n", name: "x"))
        XCTAssertThrowsError(try EmpiricalLoader.samples(csv: "ms\n-1\n", name: "x"))
    }

    func testSuggestions() {
        XCTAssertEqual(Suggest.closest(to: "replica", in: ScenarioParser.serviceKeys), "replicas")
        XCTAssertEqual(Suggest.closest(to: "servce_time", in: ScenarioParser.serviceKeys), "service_time")
        XCTAssertEqual(Suggest.closest(to: "service-time", in: ScenarioParser.serviceKeys), "service_time")
        XCTAssertEqual(Suggest.closest(to: "wrokers", in: ScenarioParser.serviceKeys), "workers")
        XCTAssertNil(Suggest.closest(to: "colour", in: ScenarioParser.serviceKeys))
        XCTAssertNil(Suggest.closest(to: "c", in: ["a", "b"]))
    }

    func testDurationFormatting() {
        XCTAssertEqual(String.duration(600 * Nanos.perSecond), "10m")
        XCTAssertEqual(String.duration(1_500_000), "1500us")
        XCTAssertEqual(String.duration(0), "0ns")
    }
}

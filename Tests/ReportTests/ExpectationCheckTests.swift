import Foundation
import Report
import Scenario
import SimCore
import Topology
import XCTest

final class ExpectationCheckTests: XCTestCase {
    /// Every operator, each with a line that must pass and one that must fail, against
    /// values and against another topology's metric. Service time is constant 10ms,
    /// the mesh adds constant sidecar latency, nothing fails.
    func testEveryOperatorPassesAndFails() throws {
        let table: [(String, Bool)] = [
            ("direct.p50 < 11ms", true), ("direct.p50 < 9ms", false),
            ("direct.p50 <= 11ms", true), ("direct.p50 <= 9ms", false),
            ("direct.p50 > 9ms", true), ("direct.p50 > 11ms", false),
            ("direct.success_rate >= 100%", true), ("direct.p50 >= 11ms", false),
            ("direct.success_rate == 100%", true), ("direct.errors.timeout == 1", false),
            ("direct.errors.timeout != 1", true), ("direct.success_rate != 100%", false),
            ("direct.throughput > 40/s", true), ("direct.throughput < 40/s", false),
            ("direct.errors.timeout <= 0", true), ("direct.error_rate > 0%", false),
            // Topology against topology.
            ("direct.p50 < mesh.p50", true), ("mesh.p50 <= direct.p50", false),
            ("mesh.proxies > direct.proxies", true), ("mesh.proxies == direct.proxies", false),
            ("mesh.mean >= direct.mean", true), ("direct.mean > mesh.mean", false),
            ("mesh.success_rate == direct.success_rate", true), ("mesh.success_rate != direct.success_rate", false),
        ]
        let r = try Support.run(Support.twoTopologies(expect: table.map(\.0)))
        let outcomes = ExpectationCheck.evaluate(r)
        XCTAssertEqual(outcomes.count, table.count)
        for (o, (text, pass)) in zip(outcomes, table) {
            XCTAssertEqual(o.text, text)
            XCTAssertEqual(o.passed, pass, "\(text): measured \(o.measuredText)")
        }
        // The measured values are the real ones: constant 10ms service, sidecars add time.
        let p50 = outcomes[0].lhs.mean
        XCTAssertEqual(p50, 10, accuracy: 0.1)
        let vsMesh = outcomes[16]
        XCTAssertGreaterThan(vsMesh.rhs!.mean, p50 + 3.9, "two sidecar traversals of 2ms")
        // Readable units.
        XCTAssertTrue(outcomes[0].measuredText.hasSuffix(" ms"), outcomes[0].measuredText)
        XCTAssertEqual(outcomes[8].measuredText, "100.00%")
        XCTAssertTrue(outcomes[12].measuredText.hasSuffix("/s"))
        XCTAssertTrue(vsMesh.measuredText.contains(" vs "))
    }

    func testFailureMessageSaysMeasuredAndExpected() throws {
        let yaml = Support.twoTopologies(expect: ["direct.p50 < 9ms", "mesh.p50 < direct.p50"])
        let r = try Support.run(yaml)
        let cases = CheckCase.expectations(r)
        XCTAssertEqual(cases.map(\.status), [.fail, .fail])
        XCTAssertTrue(cases[0].message!.hasPrefix("measured 10."), cases[0].message!)
        XCTAssertTrue(cases[0].message!.hasSuffix("expected < 9.00 ms"), cases[0].message!)
        XCTAssertTrue(cases[1].message!.contains("expected mesh.p50 < direct.p50"), cases[1].message!)
        XCTAssertEqual(cases[0].line, Support.line(of: "direct.p50 < 9ms", in: yaml))
        XCTAssertEqual(cases[1].line, Support.line(of: "mesh.p50 < direct.p50", in: yaml))
    }

    /// `*` expands to every topology, each reported separately with its own text.
    func testStarExpandsToEveryTopology() throws {
        let r = try Support.run(Support.twoTopologies(expect: [
            "*.success_rate >= 99%", "*.p50 > 10.5ms", "direct.p50 < *.p50", "*.p50 <= *.p99",
        ]))
        let o = ExpectationCheck.evaluate(r)
        XCTAssertEqual(o.map(\.text), [
            "direct.success_rate >= 99%", "mesh.success_rate >= 99%",
            "direct.p50 > 10.5ms", "mesh.p50 > 10.5ms",
            // Against a named topology, `*` skips that topology.
            "direct.p50 < mesh.p50",
            // `*` on both sides is the same topology.
            "direct.p50 <= direct.p99", "mesh.p50 <= mesh.p99",
        ])
        XCTAssertEqual(o.map(\.passed), [true, true, false, true, true, true, true])
        XCTAssertEqual(o[3].lhsTopology, "mesh")
    }

    func testStarAgainstTheOnlyTopologyFailsInsteadOfPassingVacuously() throws {
        let r = try Support.run(Support.mm1(replications: 1, duration: "10s", expect: ["direct.p50 < *.p50"]))
        let o = ExpectationCheck.evaluate(r)
        XCTAssertEqual(o.count, 1)
        XCTAssertFalse(o[0].passed)
        XCTAssertNotNil(o[0].problem)
    }

    /// The whole service crashes for [5s, 10s]: inside that window the success rate
    /// is far lower than after it; the windowed values are the interval's, not the run's.
    func testTimeWindows() throws {
        let faults = "faults:\n  - { at: 5s, for: 5s, kind: crash, target: app }\n"
        let r = try Support.run(Support.twoTopologies(expect: [
            "direct.success_rate in [5s, 10s] < 50%",
            "direct.success_rate in [12s, 20s] > 99%",
            "direct.success_rate in [5s, 10s] > 99%",
            "direct.success_rate < 99%",
            "mesh.success_rate in [5s, 10s] <= direct.success_rate",
            // A window restricts both sides.
            "direct.requests in [12s, 20s] == direct.requests",
        ], faults: faults))
        let o = ExpectationCheck.evaluate(r)
        XCTAssertEqual(o.map(\.passed), [true, true, false, true, true, true], o.map(\.measuredText).description)
        let during = o[0].lhs.mean, after = o[1].lhs.mean, whole = o[3].lhs.mean
        XCTAssertLessThan(during, after)
        XCTAssertLessThan(during, whole)
        XCTAssertLessThan(whole, after)
        XCTAssertEqual(o[5].lhs.mean, o[5].rhs!.mean)
        XCTAssertEqual(o[5].lhs.mean, 400, accuracy: 80, "8s of 50/s")
        XCTAssertEqual(o[0].expectation.window, TimeWindow(start: 5 * Nanos.perSecond, end: 10 * Nanos.perSecond))
    }

    /// With replications the mean over replications is compared, and the half-width is printed.
    func testReplicationsCompareTheMeanAndShowTheHalfWidth() throws {
        let r = try Support.run(Support.mm1(replications: 4, duration: "30s", expect: ["direct.mean < 1s"]))
        let o = ExpectationCheck.evaluate(r)[0]
        let means = r.topologies[0].runs.map { Report.measure(.mean, $0, scenario: r.scenario) }
        XCTAssertEqual(o.lhs.mean, means.reduce(0, +) / 4, accuracy: 1e-9)
        XCTAssertEqual(o.lhs.count, 4)
        XCTAssertGreaterThan(o.lhs.halfWidth, 0)
        XCTAssertTrue(o.measuredText.contains(" ± "), o.measuredText)
    }

    func testNearlyEqualValuesCountAsEqual() {
        XCTAssertTrue(ExpectationCheck.holds(.eq, 99.9 / 100, 0.999))
        XCTAssertTrue(ExpectationCheck.holds(.ge, 0.999 * (1 - 1e-12), 0.999))
        XCTAssertFalse(ExpectationCheck.holds(.lt, 0.999 * (1 - 1e-12), 0.999))
        XCTAssertFalse(ExpectationCheck.holds(.eq, 0.9999, 1))
        XCTAssertTrue(ExpectationCheck.holds(.ne, 0.9999, 1))
    }

    /// 99.995% must not print as 100.00% next to an expected 100%.
    func testValuesThatDifferPrintDifferently() {
        let f = CheckUnits.format([0.99995, 1], metric: .successRate)
        XCTAssertNotEqual(f.values[0], f.values[1])
        XCTAssertEqual(f.values[1], "100.000%")
        XCTAssertEqual(CheckUnits.format([0.9997], metric: .successRate).values, ["99.97%"])
        XCTAssertEqual(CheckUnits.format([0.2, 0], metric: .errors(.timeout)).values, ["0.2", "0.0"])
        XCTAssertEqual(CheckUnits.format([12.3456], metric: .p99).values, ["12.35 ms"])
    }

    /// A malformed expectation is the loader's to report, with its line and column.
    func testMalformedExpectationHasAPosition() {
        let yaml = Support.twoTopologies(expect: ["direct.p5O < 10ms"])
        XCTAssertThrowsError(try ScenarioLoader.parse(text: yaml, fileName: "bad.yaml", directory: nil)) { e in
            guard let errors = e as? ScenarioErrors, let d = errors.diagnostics.first else {
                return XCTFail("\(e)")
            }
            XCTAssertEqual(d.file, "bad.yaml")
            let line = Support.line(of: "p5O", in: yaml)
            XCTAssertGreaterThan(line, 0)
            XCTAssertEqual(d.line, line)
            XCTAssertGreaterThan(d.column, 1)
            XCTAssertTrue(d.description.hasPrefix("bad.yaml:\(line):"), d.description)
            XCTAssertTrue(d.message.contains("p5O"), d.message)
        }
        let bad = Support.twoTopologies(expect: ["direct.p50 = 10ms"])
        XCTAssertThrowsError(try ScenarioLoader.parse(text: bad, fileName: "bad.yaml", directory: nil)) { e in
            XCTAssertTrue("\(e)".contains("bad.yaml:\(Support.line(of: "p50 = 10ms", in: bad)):"), "\(e)")
        }
    }
}

import Report
import Scenario
import SimCore
import Topology

/// A service-level objective, `p99 < 200ms` or `success_rate >= 99.9%`: an `expect:` line
/// without its topology (same metrics, units and comparisons, read by `SLOParser`).
public struct SLO: Sendable, Equatable {
    /// As written.
    public var text: String
    /// The SLO as an expectation on every topology; its right-hand side is a value.
    public var expectation: Expectation
    public var metric: Metric { expectation.lhs.metric }
    /// The value compared with, in report units (ms, 0...1, per second, counts).
    public var threshold: Double

    /// Throws `ExperimentError`: `--slo "p99 < 20" (column 7): '20' needs a unit (e.g. 20ms or 20s): …`.
    public static func parse(_ text: String) throws -> SLO {
        switch SLOParser.parse(text) {
        case .failure(let e):
            var m = "--slo \"\(text)\" (column \(e.offset + 1)): \(e.message)"
            if let s = e.suggestion { m += " (did you mean '\(s)'?)" }
            throw ExperimentError(m)
        case .success(let e):
            guard case .value(let q) = e.rhs else { throw ExperimentError("--slo \"\(text)\": compare with a value") }
            return SLO(text: e.text, expectation: e, threshold: q.reportValue)
        }
    }

    /// The SLO's metric in one run, in report units.
    public func value(_ run: TopologyMetrics, scenario: Scenario) -> Double {
        measure(metric, run, scenario: scenario, window: expectation.window)
    }

    /// Whether one run meets the SLO (near-equal values count as equal, as in `topsim check`).
    public func holds(_ run: TopologyMetrics, scenario: Scenario) -> Bool {
        ExpectationCheck.holds(expectation.op, value(run, scenario: scenario), threshold)
    }

    /// How far a value is from the threshold, relative to it: which of several failing
    /// SLOs failed worst.
    public func miss(_ value: Double) -> Double {
        abs(value - threshold) / max(abs(threshold), 1e-12)
    }
}

import Foundation
import Scenario
import SimCore
import Topology

/// One `expect:` line evaluated for one topology (a `*` line gives one per topology).
public struct ExpectationOutcome: Sendable {
    /// The line as written in the file.
    public var expectation: Expectation
    /// The line with `*` replaced by the topology it was expanded to.
    public var text: String
    public var lhsTopology: String
    /// Set when the right-hand side is a metric.
    public var rhsTopology: String?
    public var lhs: ReplicationSummary
    /// Set when the right-hand side is a metric.
    public var rhs: ReplicationSummary?
    /// Set when the right-hand side is a value, in report units.
    public var expected: Double?
    public var passed: Bool
    /// Why there is nothing to measure (a `*` that expands to no topology); nil normally.
    public var problem: String?
    /// `50.28 ms ± 0.62 ms`, or `1.20 ms vs 3.40 ms` for two metrics.
    public var measuredText: String
    /// `< 55.00 ms`, or `< mesh.p50` for two metrics.
    public var expectedText: String
}

public enum ExpectationCheck {
    /// Values this close (relative) count as equal, so `== 99.9%` is not lost to the
    /// rounding of 99.9 / 100 against 999 / 1000.
    public static let relativeEpsilon = 1e-9

    /// `op.holds` with near-equal values snapped together first.
    public static func holds(_ op: CompareOp, _ a: Double, _ b: Double) -> Bool {
        let scale = max(abs(a), abs(b))
        let snapped = abs(a - b) <= relativeEpsilon * scale ? b : a
        return op.holds(snapped, b)
    }

    /// The concrete (lhs, rhs) topology pairs of an expectation. `*` on one side stands
    /// for every topology except the one named on the other side (comparing a topology
    /// with itself is never what is meant); `*` on both sides binds both to the same one.
    public static func expand(_ e: Expectation, topologies: [String]) -> [(text: String, lhs: String, rhs: String?)] {
        var rhsRef: TopologyRef?
        if case .metric(let r) = e.rhs { rhsRef = r.topology }
        let star = "*."
        func substitute(_ name: String) -> String { e.text.replacingOccurrences(of: star, with: name + ".") }
        switch (e.lhs.topology, rhsRef) {
        case (.named(let l), nil):
            return [(e.text, l, nil)]
        case (.named(let l), .named(let r)?):
            return [(e.text, l, r)]
        case (.all, nil):
            return topologies.map { (substitute($0), $0, nil) }
        case (.all, .all?):
            return topologies.map { (substitute($0), $0, $0) }
        case (.all, .named(let r)?):
            return topologies.filter { $0 != r }.map { (substitute($0), $0, r) }
        case (.named(let l), .all?):
            return topologies.filter { $0 != l }.map { (substitute($0), l, $0) }
        }
    }

    /// Every expectation of the run's scenario, expanded, in file order.
    /// With replications, the mean over replications is compared.
    public static func evaluate(_ result: Runner.Result) -> [ExpectationOutcome] {
        let s = result.scenario
        let names = result.topologies.map(\.spec.name)
        var out: [ExpectationOutcome] = []
        for e in s.expectations {
            let pairs = expand(e, topologies: names)
            if pairs.isEmpty {
                // A `*` against the only topology there is: say so instead of passing vacuously.
                out.append(ExpectationOutcome(
                    expectation: e, text: e.text, lhsTopology: "*", rhsTopology: nil,
                    lhs: ReplicationSummary([]), rhs: nil, expected: nil, passed: false,
                    problem: "no other topology to compare with", measuredText: "nothing to compare",
                    expectedText: ""))
                continue
            }
            for p in pairs {
                out.append(evaluate(e, text: p.text, lhs: p.lhs, rhs: p.rhs, result: result))
            }
        }
        return out
    }

    static func evaluate(_ e: Expectation, text: String, lhs: String, rhs: String?,
                         result: Runner.Result) -> ExpectationOutcome {
        if e.hasArithmetic { return evaluateArithmetic(e, text: text, lhs: lhs, rhs: rhs, result: result) }
        let s = result.scenario
        func summary(_ topology: String, _ ref: MetricRef) -> ReplicationSummary {
            // The parser only accepts names of the scenario's topologies and services.
            let t = result.topologies.first { $0.spec.name == topology }!
            let service = ref.service.flatMap { s.serviceIndex(named: $0) }
            return summarize(ref.metric, t, scenario: s, window: e.window, service: service)
        }
        let metric = e.lhs.metric
        let reps = s.replications
        let l = summary(lhs, e.lhs)
        // A metric with no samples fails, whatever the comparison would say.
        func gap(_ topology: String, _ ref: MetricRef) -> String? {
            let t = result.topologies.first { $0.spec.name == topology }!
            if let name = ref.service, let k = s.serviceIndex(named: name) {
                // A service's figure is missing when no replication has it (no call finished).
                return t.runs.allSatisfy({ measureService(ref.metric, $0.services[k]).isNaN })
                    ? "no data: \(topology):\(name).\(ref.metric.name) has no samples" : nil
            }
            return missingData(ref.metric, t, scenario: s, window: e.window)
        }
        var rhsRef: MetricRef?
        if case .metric(let r) = e.rhs { rhsRef = r }
        if let why = gap(lhs, e.lhs) ?? rhsRef.flatMap({ gap(rhs!, $0) }) {
            return ExpectationOutcome(
                expectation: e, text: text, lhsTopology: lhs, rhsTopology: rhs, lhs: l, rhs: nil,
                expected: nil, passed: false, problem: why, measuredText: "no data", expectedText: "")
        }
        switch e.rhs {
        case .value(let q):
            let b = q.reportValue
            let f = CheckUnits.format([l.mean, b], halfWidths: [l.halfWidth], metric: metric)
            let measured = reps > 1 ? "\(f.values[0]) ± \(f.halfWidths[0])" : f.values[0]
            return ExpectationOutcome(
                expectation: e, text: text, lhsTopology: lhs, rhsTopology: nil, lhs: l, rhs: nil,
                expected: b, passed: holds(e.op, l.mean, b), problem: nil,
                measuredText: measured, expectedText: "\(e.op.rawValue) \(f.values[1])")
        case .metric(let ref):
            let r = summary(rhs!, ref)
            let f = CheckUnits.format([l.mean, r.mean], halfWidths: [l.halfWidth, r.halfWidth], metric: metric)
            let one = { (i: Int) in reps > 1 ? "\(f.values[i]) ± \(f.halfWidths[i])" : f.values[i] }
            return ExpectationOutcome(
                expectation: e, text: text, lhsTopology: lhs, rhsTopology: rhs, lhs: l, rhs: r,
                expected: nil, passed: holds(e.op, l.mean, r.mean), problem: nil,
                measuredText: "\(one(0)) vs \(one(1))",
                expectedText: "\(lhs)\(e.lhs.service.map { ":" + $0 } ?? "").\(metric.name) \(e.op.rawValue) "
                    + "\(rhs!)\(ref.service.map { ":" + $0 } ?? "").\(ref.metric.name)")
        }
    }
}

extension ExpectationCheck {
    /// A difference (`a.p50 - b.p50`) or a factor (`1.5 * b.p99`). Each side is computed per
    /// replication (replication k of every topology shares its seed), then summarised: the
    /// mean decides, as for plain lines, and the half-width is the one of the per-replication
    /// differences, which common random numbers keep narrower than the two sides' own.
    static func evaluateArithmetic(_ e: Expectation, text: String, lhs: String, rhs: String?,
                                   result: Runner.Result) -> ExpectationOutcome {
        let s = result.scenario
        let metric = e.lhs.metric
        func topologyName(_ ref: MetricRef, bound: String?) -> String {
            // A difference names its topologies; `*` (a factor's only wildcard) is bound by expand.
            if case .named(let n) = ref.topology { return n }
            return bound!
        }
        func topology(_ name: String) -> Runner.TopologyResult {
            // The parser only accepts names of the scenario's topologies and services.
            result.topologies.first { $0.spec.name == name }!
        }
        func values(_ ref: MetricRef, _ name: String) -> [Double] {
            let service = ref.service.flatMap { s.serviceIndex(named: $0) }
            return topology(name).runs.map { measure(ref.metric, $0, scenario: s, window: e.window, service: service) }
        }
        func gap(_ ref: MetricRef, _ name: String) -> String? {
            let t = topology(name)
            if let svc = ref.service, let k = s.serviceIndex(named: svc) {
                return t.runs.allSatisfy({ measureService(ref.metric, $0.services[k]).isNaN })
                    ? "no data: \(name):\(svc).\(ref.metric.name) has no samples" : nil
            }
            return missingData(ref.metric, t, scenario: s, window: e.window)
        }
        func label(_ ref: MetricRef, _ name: String) -> String {
            "\(name)\(ref.service.map { ":" + $0 } ?? "").\(ref.metric.name)"
        }
        var terms: [(MetricRef, String)] = [(e.lhs, topologyName(e.lhs, bound: lhs))]
        if let m = e.lhsMinus { terms.append((m, topologyName(m, bound: lhs))) }
        if case .metric(let r) = e.rhs {
            terms.append((r, topologyName(r, bound: rhs)))
            if let m = e.rhsMinus { terms.append((m, topologyName(m, bound: rhs))) }
        }
        if let why = terms.lazy.compactMap({ gap($0.0, $0.1) }).first {
            return ExpectationOutcome(
                expectation: e, text: text, lhsTopology: lhs, rhsTopology: rhs, lhs: ReplicationSummary([]), rhs: nil,
                expected: nil, passed: false, problem: why, measuredText: "no data", expectedText: "")
        }
        func side(_ a: (MetricRef, String), minus b: (MetricRef, String)?, times f: Double) -> [Double] {
            let va = values(a.0, a.1)
            guard let b else { return va.map { f * $0 } }
            return zip(va, values(b.0, b.1)).map { f * ($0 - $1) }
        }
        let leftTerm = terms[0]
        let leftMinus = e.lhsMinus.map { _ in terms[1] }
        let l = ReplicationSummary(side(leftTerm, minus: leftMinus, times: 1))
        let leftText = label(leftTerm.0, leftTerm.1) + (leftMinus.map { " - " + label($0.0, $0.1) } ?? "")
        let reps = s.replications
        switch e.rhs {
        case .value(let q):
            let b = q.reportValue
            let f = CheckUnits.format([l.mean, b], halfWidths: [l.halfWidth], metric: metric)
            let measured = (reps > 1 ? "\(f.values[0]) ± \(f.halfWidths[0])" : f.values[0]) + " (\(leftText))"
            return ExpectationOutcome(
                expectation: e, text: text, lhsTopology: lhs, rhsTopology: nil, lhs: l, rhs: nil,
                expected: b, passed: holds(e.op, l.mean, b), problem: nil,
                measuredText: measured, expectedText: "\(e.op.rawValue) \(f.values[1])")
        case .metric:
            let first = e.lhsMinus == nil ? 1 : 2
            let rightTerm = terms[first]
            let rightMinus = e.rhsMinus.map { _ in terms[first + 1] }
            let r = ReplicationSummary(side(rightTerm, minus: rightMinus, times: e.factor))
            let f = CheckUnits.format([l.mean, r.mean], halfWidths: [l.halfWidth, r.halfWidth], metric: metric)
            let one = { (i: Int) in reps > 1 ? "\(f.values[i]) ± \(f.halfWidths[i])" : f.values[i] }
            var rightText = label(rightTerm.0, rightTerm.1) + (rightMinus.map { " - " + label($0.0, $0.1) } ?? "")
            if e.factor != 1 {
                rightText = "\(fmtFactor(e.factor)) * " + (rightMinus == nil ? rightText : "(\(rightText))")
            }
            return ExpectationOutcome(
                expectation: e, text: text, lhsTopology: lhs, rhsTopology: rhs, lhs: l, rhs: r,
                expected: nil, passed: holds(e.op, l.mean, r.mean), problem: nil,
                measuredText: "\(one(0)) vs \(one(1))",
                expectedText: "\(leftText) \(e.op.rawValue) \(rightText)")
        }
    }

    /// `1.5`, `2`, `0.25`: the factor as written, without float noise.
    static func fmtFactor(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }
}

/// Readable units for printed values: ms, %, /s.
public enum CheckUnits {
    struct Unit { var scale: Double; var suffix: String; var decimals: Int }

    static func unit(_ m: Metric) -> Unit {
        switch m {
        case .mean, .p50, .p90, .p99, .p999, .max, .failedP50, .failedP99: return Unit(scale: 1, suffix: " ms", decimals: 2)
        case .successRate, .errorRate, .utilization: return Unit(scale: 100, suffix: "%", decimals: 2)
        case .throughput: return Unit(scale: 1, suffix: "/s", decimals: 1)
        case .requests, .errors, .proxies, .incomplete, .calls, .attempts, .succeeded, .crossZone:
            return Unit(scale: 1, suffix: "", decimals: 0)
        case .proxyMemoryMB: return Unit(scale: 1, suffix: " MB", decimals: 1)
        case .proxyCPUCores: return Unit(scale: 1, suffix: " cores", decimals: 2)
        case .hops: return Unit(scale: 1, suffix: "", decimals: 2)
        }
    }

    /// Formats values of one metric with just enough decimals that values which differ
    /// also print differently (99.995% must not read as 100.00% against `== 100%`).
    public static func format(_ values: [Double], halfWidths: [Double] = [], metric: Metric)
        -> (values: [String], halfWidths: [String]) {
        let u = unit(metric)
        var d = u.decimals
        func text(_ v: Double, _ d: Int) -> String { fmt(v * u.scale, d) + u.suffix }
        while d < u.decimals + 6 {
            var clash = false
            for i in values.indices {
                for j in values.indices where j > i && !ExpectationCheck.holds(.eq, values[i], values[j])
                    && text(values[i], d) == text(values[j], d) {
                    clash = true
                }
            }
            if !clash { break }
            d += 1
        }
        return (values.map { text($0, d) }, halfWidths.map { text($0, d) })
    }
}

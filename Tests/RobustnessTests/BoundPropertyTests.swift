import Foundation
import XCTest
@testable import Scenario

/// Property: for scenarios generated at, just inside and just outside every documented
/// bound, what validation says and what `topsim run` does agree: an accepted file runs to
/// completion within the robustness limits (no crash, no hang, a complete output folder);
/// a rejected one exits 2 with the same positioned errors and writes nothing. Values
/// outside a documented range are always rejected.
final class BoundPropertyTests: XCTestCase {
    /// A small deterministic generator (SplitMix64), so a failure names a reproducible case.
    struct Gen {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func pick<T>(_ xs: [T]) -> T { xs[Int(next() % UInt64(xs.count))] }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 1000) < p * 1000 }
    }

    /// One generated scenario and whether the generator put a value outside a documented range.
    struct Case { var text: String; var outOfRange: [String] }

    static func generate(_ seed: UInt64) -> Case {
        var g = Gen(state: seed)
        var bad: [String] = []
        func maybeBad<T>(_ good: [T], _ bads: [T], _ what: String) -> T {
            if g.chance(0.06) { bad.append(what); return g.pick(bads) }
            return g.pick(good)
        }
        // Durations (and what keeps the work small at each): seconds of the run.
        let durations: [(String, Double)] = [("1ns", 1e-9), ("999ns", 9.99e-7), ("1ms", 1e-3), ("50ms", 0.05),
                                             ("11574d", 1e9)]
        let (duration, seconds) = maybeBad(durations, [("0s", 0), ("11575d", 1e9), ("-1s", 0)], "duration")
        let long = seconds >= 1e9
        var out = "scenario: prop-\(seed)\nduration: \(duration)\n"
        out += "seed: \(maybeBad(["0", "1", "18446744073709551615"], ["18446744073709551616", "-1"], "seed"))\n"
        if long {
            out += "window: \(g.pick(["1d", "11574d"]))\n"
        } else if g.chance(0.5) {
            out += "window: \(g.pick(["1ns", "1us", duration]))\n"
        }
        if g.chance(0.3) { out += "warmup: \(g.pick(["0s", "1ns"]))\n" }
        out += "replications: \(maybeBad([1, 2, 3], [0, 10001, -3], "replications"))\n"
        if g.chance(0.3) {
            out += "cluster:\n  nodes: \(maybeBad([1, 3, 10000], [0, 10001], "nodes"))\n"
        }
        // Services: a chain, so every call resolves and no cycle appears.
        let count = 1 + Int(g.next() % 4)
        let times = ["const(0s)", "exp(11574d)", "\"erlang(k: 1000, mean: 1ms)\"", "\"erlang(k: 1, mean: 1ns)\"",
                     "\"lognormal(mean: 11574d, cv: 1e15)\"", "\"lognormal(mean: 1ns, cv: 1e-15)\"",
                     "normal(11574d, 11574d)", "uniform(0s, 11574d)", "exp(1us)"]
        let badTimes = ["\"erlang(k: 1001, mean: 1ms)\"", "exp(0s)", "\"lognormal(mean: 1ms, cv: 1e300)\"", "exp(11575d)"]
        out += "services:\n"
        for i in 0..<count {
            let replicas = maybeBad([1, 2, 10000], [0, 10001], "replicas")
            let workers = maybeBad(["1", "1000000", "unlimited"], ["0", "1000001"], "workers")
            let queue = maybeBad(["0", "10000000", "unlimited"], ["-1", "10000001"], "queue")
            let time = maybeBad(times, badTimes, "service_time")
            let errors = maybeBad(["0", "100%", "0.5"], ["101%", "2"], "errors")
            out += "  s\(i): { replicas: \(replicas), workers: \(workers), queue: \(queue), service_time: \(time), errors: \(errors)"
            out += i + 1 < count ? ", calls: [s\(i + 1)] }\n" : " }\n"
        }
        // Traffic: rates that keep the run brief (about 1e4 requests at most), plus bad ones.
        let budget = 1e4 / max(seconds, 1e-9)
        let rates = ["1e-9/s", "1/s", "1000/s", "1e9/s"].filter { r in
            let v = Double(r.dropLast(2))!
            return v <= budget
        }
        out += "traffic:\n"
        for k in 0..<(1 + Int(g.next() % 2)) {
            let rate = maybeBad(rates, ["0/s", "1e13/s", "1e-10/s"], "rate")
            out += "  - { name: t\(k), to: s0, rate: \(rate)"
            if g.chance(0.3) { out += ", clients: \(maybeBad([1, 1000], [0, 1000001], "clients"))" }
            if g.chance(0.3) { out += ", consumers: \(maybeBad([1, 10000000], [0, 10000001], "consumers"))" }
            out += " }\n"
        }
        if g.chance(0.5) {
            out += "policies:\n"
            out += "  timeout: \(maybeBad(["1ns", "11574d", "none"], ["0s", "11575d"], "timeout"))\n"
            out += "  retries: { attempts: \(maybeBad([0, 2, 100], [101, -1], "attempts")), on: [unavailable, timeout] }\n"
            if g.chance(0.4) { out += "  health_check: { interval: \(g.pick(["1us", "1s"])) }\n" }
            if g.chance(0.4) { out += "  outlier_detection: { consecutive_errors: 1, interval: 1ns, ejection: 1ns }\n" }
        }
        if g.chance(0.3) {
            let ttl = g.pick(["2us", "24h", "1ns"])
            out += "control_plane:\n  certificates: { ttl: \(ttl), rotate_at: \(g.pick(["1e-10", "50%", "99.9%"])) }\n"
        }
        let kinds = ["none", "gateway", "sidecar", "combined", "sidecarless"]
        out += "topologies:\n"
        for (i, k) in (0..<(1 + Int(g.next() % 3))).map({ _ in g.pick(kinds) }).enumerated() {
            out += "  - { name: k\(i), kind: \(k) }\n"
        }
        if g.chance(0.4), !long || g.chance(0.5) {
            out += "faults:\n  - { at: 0s, for: \(g.pick(["1ns", "11574d"])), kind: \(g.pick(["crash", "latency"])), target: s0"
            out += out.contains("kind: latency, target: s0") ? ", add: \(g.pick(["1ms", "exp(11574d)"])) }\n" : " }\n"
        }
        return Case(text: out, outOfRange: bad)
    }

    func testValidationAndRunAgreeNearEveryBound() throws {
        _ = try Topsim.binary()
        let dir = Topsim.scratch("bounds")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var accepted = 0, rejected = 0
        for seed in UInt64(1)...48 {
            let c = Self.generate(seed)
            let path = "\(dir)/case-\(seed).yaml"
            try c.text.write(toFile: path, atomically: true, encoding: .utf8)
            var parsed: Scenario?
            var diagnostics: [Diagnostic] = []
            do { parsed = try ScenarioLoader.load(path: path) } catch let e as ScenarioErrors { diagnostics = e.diagnostics }
            if !c.outOfRange.isEmpty {
                XCTAssertNil(parsed, "case \(seed): out of range (\(c.outOfRange)) but accepted:\n\(c.text)")
            }
            let out = "\(dir)/out-\(seed)"
            let r = try Topsim.run(["run", path, "--out", out, "--jobs", "2"])
            XCTAssertFalse(r.timedOut, "case \(seed): no result within \(Topsim.timeoutSeconds)s:\n\(c.text)")
            XCTAssertNil(r.signal, "case \(seed): \(r.summary)\n\(c.text)")
            if parsed != nil {
                accepted += 1
                XCTAssertEqual(r.status, 0, "case \(seed): accepted but run failed: \(r.summary)\n\(c.text)")
                XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/summary.csv"), "case \(seed): no summary.csv")
            } else {
                rejected += 1
                XCTAssertFalse(diagnostics.isEmpty)
                XCTAssertTrue(diagnostics.allSatisfy { $0.line >= 1 && $0.column >= 1 }, "case \(seed): unpositioned")
                XCTAssertEqual(r.status, 2, "case \(seed): rejected but run said \(r.summary)")
                XCTAssertTrue(r.err.hasPrefix(diagnostics[0].description), "case \(seed): \(r.err)")
                XCTAssertFalse(FileManager.default.fileExists(atPath: out), "case \(seed): output for invalid input")
            }
        }
        // The generator must exercise both sides of the bounds.
        XCTAssertGreaterThan(accepted, 10)
        XCTAssertGreaterThan(rejected, 10)
    }
}

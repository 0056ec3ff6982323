import Foundation
import Scenario
import SimCore
import Topology

/// Stored event-trajectory fingerprints (as OMNeT++ keeps them): per scenario
/// name, the seed they were taken with and, per topology, one hex fingerprint per
/// replication. Written as JSON with sorted keys and one topology per line, so a
/// change shows as a one-line diff.
public struct FingerprintStore: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var seed: UInt64
        /// Topology name → fingerprint per replication, in replication order.
        public var topologies: [String: [String]]
        public init(seed: UInt64, topologies: [String: [String]]) { self.seed = seed; self.topologies = topologies }
    }

    /// 2: events hash their entity and outcome too (1 hashed time and kind only),
    /// so a version-1 file cannot match and is rewritten by `--update-fingerprints`.
    public static let formatVersion = 2
    /// Scenario name → entry.
    public var scenarios: [String: Entry]

    public init(scenarios: [String: Entry] = [:]) { self.scenarios = scenarios }

    public static func entry(_ r: Runner.Result) -> Entry {
        var t: [String: [String]] = [:]
        for top in r.topologies { t[top.spec.name] = top.runs.map(\.fingerprint.description) }
        return Entry(seed: r.seed, topologies: t)
    }

    /// Replaces the entries of the scenarios run, keeps the others.
    public mutating func update(with results: [Runner.Result]) {
        for r in results { scenarios[r.scenario.name] = Self.entry(r) }
    }

    public func serialized() -> String {
        var out = "{\n  \"topsim_fingerprints\": \(Self.formatVersion),\n  \"scenarios\": {"
        let names = scenarios.keys.sorted()
        for (i, name) in names.enumerated() {
            let e = scenarios[name]!
            out += i == 0 ? "\n" : ",\n"
            out += "    \(Reports.jsonString(name)): {\n      \"seed\": \(e.seed),\n      \"topologies\": {"
            let tops = e.topologies.keys.sorted()
            for (j, t) in tops.enumerated() {
                out += j == 0 ? "\n" : ",\n"
                let fps = e.topologies[t]!.map { Reports.jsonString($0) }.joined(separator: ", ")
                out += "        \(Reports.jsonString(t)): [\(fps)]"
            }
            out += tops.isEmpty ? "}\n    }" : "\n      }\n    }"
        }
        out += names.isEmpty ? "}\n}\n" : "\n  }\n}\n"
        return out
    }

    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public var description: String
        /// The file is a valid fingerprint file of an older format: its fingerprints
        /// cannot match, and `--update-fingerprints` replaces them.
        public var olderVersion = false
    }

    public static func parse(_ text: String, file: String = "<fingerprints>") throws -> FingerprintStore {
        func bad(_ why: String) -> FormatError {
            FormatError(description: "\(file): not a topsim fingerprint file: \(why) (write one with --update-fingerprints)")
        }
        let obj: Any
        do { obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) } catch {
            throw bad("invalid JSON")
        }
        guard let root = obj as? [String: Any], let v = root["topsim_fingerprints"] as? Int else {
            throw bad("no \"topsim_fingerprints\" version")
        }
        guard v == formatVersion else {
            var e = bad("format version \(v), expected \(formatVersion)")
            e.olderVersion = v < formatVersion
            throw e
        }
        guard let scen = root["scenarios"] as? [String: Any] else { throw bad("no \"scenarios\" object") }
        var out: [String: Entry] = [:]
        for (name, any) in scen {
            guard let e = any as? [String: Any], let seedNumber = e["seed"] as? NSNumber,
                  let tops = e["topologies"] as? [String: Any] else {
                throw bad("scenario '\(name)' needs \"seed\" and \"topologies\"")
            }
            var t: [String: [String]] = [:]
            for (top, fps) in tops {
                guard let list = fps as? [String] else { throw bad("'\(name)'/'\(top)' is not a list of fingerprints") }
                t[top] = list
            }
            out[name] = Entry(seed: seedNumber.uint64Value, topologies: t)
        }
        return FingerprintStore(scenarios: out)
    }

    /// One case per topology of the run: PASS when every replication's fingerprint
    /// matches, FAIL naming the replications that changed, NEW when nothing is stored.
    /// With `accept` (--update-fingerprints) a change is reported but is not a failure.
    public func compare(_ r: Runner.Result, accept: Bool = false) -> (cases: [CheckCase], notes: [String]) {
        let now = Self.entry(r)
        let stored = scenarios[r.scenario.name]
        var cases: [CheckCase] = []
        for top in r.topologies.map(\.spec.name) {
            let fps = now.topologies[top]!
            let name = "fingerprint \(top)"
            guard let old = stored?.topologies[top] else {
                cases.append(CheckCase(kind: .fingerprint, name: name, status: .new,
                                       detail: "\(short(fps)) (nothing stored)"))
                continue
            }
            var changed: [String] = []
            for i in 0..<max(old.count, fps.count) {
                let a = i < old.count ? old[i] : "none", b = i < fps.count ? fps[i] : "none"
                if a != b { changed.append("replication \(i + 1) \(a) -> \(b)") }
            }
            if changed.isEmpty {
                cases.append(CheckCase(kind: .fingerprint, name: name, status: .pass, detail: "\(short(fps)) unchanged"))
            } else {
                var why = "changed: " + changed.joined(separator: ", ")
                if let s = stored, s.seed != now.seed { why += " (stored with seed \(s.seed), run with seed \(now.seed))" }
                cases.append(CheckCase(kind: .fingerprint, name: name, status: accept ? .pass : .fail,
                                       detail: accept ? why + "; updated" : why,
                                       message: accept ? nil : "event trajectory \(why)"))
            }
        }
        var notes: [String] = []
        if let s = stored {
            for gone in s.topologies.keys.sorted() where now.topologies[gone] == nil {
                notes.append("fingerprint of topology '\(gone)' stored but no longer run")
            }
        }
        return (cases, notes)
    }

    private func short(_ fps: [String]) -> String {
        fps.count == 1 ? fps[0] : "\(fps.count) replications, first \(fps.first ?? "")"
    }
}

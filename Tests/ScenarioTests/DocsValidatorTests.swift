import Foundation
import XCTest
@testable import Scenario

/// The docs and the validator agree: what docs/faults.md and docs/scenario-format.md say
/// each fault kind targets is exactly what the validator accepts, the format page's
/// examples (its top-level keys, its distributions) are accepted, and
/// the docs refer only to files in the repository. Reads the repository's own docs/.
final class DocsValidatorTests: XCTestCase {
    static let docs = Fixture.repo.appendingPathComponent("docs")

    static func read(_ name: String) throws -> String {
        try String(contentsOf: docs.appendingPathComponent(name), encoding: .utf8)
    }

    /// The rows of the first Markdown table after `heading`, as trimmed cells (header and rule dropped).
    static func table(after heading: String, in text: String) -> [[String]] {
        guard let start = text.range(of: heading) else { return [] }
        var rows: [[String]] = []
        var inTable = false
        for line in text[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            let l = line.trimmingCharacters(in: .whitespaces)
            if l.hasPrefix("|") {
                inTable = true
                rows.append(l.dropFirst().dropLast().split(separator: "|", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespaces) })
            } else if inTable {
                break
            }
        }
        return Array(rows.dropFirst(2))
    }

    // MARK: - Fault targets

    /// A scenario with every kind of target: services a (2 replicas) and b, nodes node-0..2,
    /// zones z1 and z2, a gateway topology with 2 replicas and a mesh.
    static func scenario(fault: String) -> String {
        """
        scenario: t
        duration: 1m
        cluster: { nodes: 3, zones: [z1, z2] }
        services:
          a: { replicas: 2, service_time: exp(1ms), calls: [b] }
          b: { service_time: const(1ms) }
        traffic:
          - { from: external, to: a, rate: 10/s }
        topologies:
          - { name: direct, kind: none }
          - { name: gw, kind: gateway, preset: kong, replicas: 2 }
          - { name: mesh, kind: sidecar }
        faults:
          - \(fault)

        """
    }

    /// One target of each class, as the docs name the classes.
    static let targets: [(cls: String, value: String)] = [
        ("service", "a"), ("instance", "a/0"), ("node", "node-1"), ("zone", "z2"),
        ("gateway", "gateway"), ("gateway/N", "gateway/1"), ("control-plane", "control-plane"),
    ]

    /// The keys each kind needs besides its target.
    static let required: [String: String] = [
        "latency": ", add: 10ms", "errors": ", rate: 10%", "config-drift": ", policies: { timeout: 1s }",
        "partition": ", between: [z1, z2]", "mtls-mode": ", mode: strict", "scale": ", replicas: 1",
    ]

    /// `for: 5s`, except for kinds that run to their own end (a rollout or an inject: until every
    /// pod is replaced) or hold until changed (`mtls-mode`).
    static func duration(_ kind: String) -> String { ["rollout", "inject", "mtls-mode"].contains(kind) ? "" : "for: 5s, " }

    /// The target classes a table cell names: faults.md writes `SERVICE`, `SERVICE/N`,
    /// `node-N`, `ZONE`; scenario-format.md writes service, instance, node, zone.
    static func classes(in cell: String) -> Set<String> {
        let c = cell.lowercased()
        if c.hasPrefix("none") || c.hasPrefix("—") { return [] }
        var out = Set<String>()
        var words = c.replacingOccurrences(of: "`service/n`", with: " instance ")
            .replacingOccurrences(of: "`node-n`", with: " node ")
        if words.contains("`gateway/n`") { out.insert("gateway/N") }
        if words.contains("`control-plane`") { out.insert("control-plane") }
        words = words.replacingOccurrences(of: "`gateway/n`", with: " ").replacingOccurrences(of: "`control-plane`", with: " ")
        if words.contains("`gateway`") { out.insert("gateway") }
        let tokens = Set(words.split { !$0.isLetter }.map(String.init))
        for cls in ["service", "instance", "node", "zone"] where tokens.contains(cls) { out.insert(cls) }
        return out
    }

    func accepts(_ fault: String) -> (Bool, String) {
        do {
            _ = try ScenarioLoader.parse(text: Self.scenario(fault: fault), fileName: "t.yaml")
            return (true, "")
        } catch {
            return (false, "\(error)")
        }
    }

    func checkTargets(_ rows: [[String]], page: String) {
        let kinds = rows.compactMap { $0.first }.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "`")) }
        XCTAssertEqual(Set(kinds), Set(FaultKind.allCases.map(\.rawValue)), "\(page) lists every fault kind")
        for row in rows where row.count >= 2 {
            let kind = row[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let documented = Self.classes(in: row[1])
            let extra = Self.required[kind] ?? ""
            for (cls, value) in Self.targets {
                let (ok, why) = accepts("{ at: 10s, \(Self.duration(kind))kind: \(kind), target: \(value)\(extra) }")
                XCTAssertEqual(ok, documented.contains(cls),
                               "\(page): '\(kind)' on a \(cls) (\(value)) is \(documented.contains(cls) ? "documented" : "not documented") "
                               + "but the validator \(ok ? "accepts" : "rejects") it \(why)")
            }
        }
    }

    func testFaultsPageTargetsMatchTheValidator() throws {
        let rows = Self.table(after: "## Each fault kind", in: try Self.read("faults.md"))
        XCTAssertGreaterThanOrEqual(rows.count, FaultKind.allCases.count)
        checkTargets(rows, page: "faults.md")
        // faults.md: `replicas: N` with gateway-down, not with control-plane-down.
        XCTAssertTrue(accepts("{ at: 10s, kind: gateway-down, target: gateway, replicas: 1 }").0)
        XCTAssertFalse(accepts("{ at: 10s, kind: control-plane-down, replicas: 1 }").0)
    }

    func testFormatPageTargetsMatchTheValidator() throws {
        let rows = Self.table(after: "**Targets**", in: try Self.read("scenario-format.md"))
        XCTAssertEqual(rows.count, FaultKind.allCases.count)
        checkTargets(rows, page: "scenario-format.md")
        // Its last column: what a fault without `target` means ("error": it needs one).
        for row in rows where row.count >= 4 {
            let kind = row[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let (ok, why) = accepts("{ at: 10s, \(Self.duration(kind))kind: \(kind)\(Self.required[kind] ?? "") }")
            XCTAssertEqual(ok, row[3] != "error", "'\(kind)' without a target: the page says \(row[3]) \(why)")
        }
    }

    // MARK: - Examples

    /// Each example of the top-level key table, put into a small valid scenario, is accepted.
    func testTopLevelKeyExamplesAreAccepted() throws {
        let rows = Self.table(after: "## Top level", in: try Self.read("scenario-format.md"))
        var checked = 0
        for row in rows where row.count >= 4 {
            let example = row[3]
            // One backticked `key: value` (sections say "see …"; description's is a folded block).
            guard example.hasPrefix("`"), example.hasSuffix("`"), example.filter({ $0 == "`" }).count == 2 else { continue }
            let kv = String(example.dropFirst().dropLast())
            guard let colon = kv.firstIndex(of: ":") else { continue }
            let key = String(kv[..<colon])
            let lines = minimalScenario.split(separator: "\n").filter { !$0.hasPrefix(key + ":") }
            let text = lines.joined(separator: "\n") + "\n" + kv + "\n"
            XCTAssertNotNil(parseValid(text), "the example `\(kv)`")
            checked += 1
        }
        // scenario, seed, duration, warmup, replications, window.
        XCTAssertEqual(checked, 6)
    }

    /// Each distribution of the table, as a service time, is accepted (empirical needs a file:
    /// UnitsTests covers it; the named forms with empty values only name the parameters).
    func testDistributionExamplesAreAccepted() throws {
        let rows = Self.table(after: "### Distributions", in: try Self.read("scenario-format.md"))
        var checked = 0
        for row in rows {
            for form in row[0].components(separatedBy: " / ") {
                let d = form.trimmingCharacters(in: CharacterSet(charactersIn: "` "))
                if d.hasPrefix("empirical") || d.contains(":,") || d.contains(":)") { continue }
                let text = minimalScenario.replacingOccurrences(of: "service_time: const(1ms)", with: "service_time: \(d)")
                XCTAssertNotNil(parseValid(text), "the distribution \(d)")
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 7)
    }

    // MARK: - References

    /// Every repository path the docs cite in backticks (docs/…, scenarios/…, Tests/…,
    /// Sources/…) exists, and no page cites the contract files kept outside the repository.
    func testDocsCiteOnlyFilesInTheRepository() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.docs.path).filter { $0.hasSuffix(".md") }
        for name in names {
            let text = try Self.read(name)
            XCTAssertFalse(text.contains("spec/SCENARIO.md") || text.contains("spec/CLI.md"),
                           "\(name) cites a spec file that is not in the repository")
            for part in text.components(separatedBy: "`").enumerated() where part.offset % 2 == 1 {
                let p = part.element
                guard ["docs/", "scenarios/", "Tests/", "Sources/"].contains(where: { p.hasPrefix($0) }),
                      !p.contains(" "), !p.contains("*"), !p.contains("…") else { continue }
                let path = p.split(separator: ":").first.map(String.init) ?? p
                XCTAssertTrue(FileManager.default.fileExists(atPath: Fixture.repo.appendingPathComponent(path).path),
                              "\(name) cites \(p), which is not in the repository")
            }
        }
    }
}

import Foundation
import TestSupport
import XCTest

/// docs/import.md's worked examples are what the importers do: each one names its fixture
/// (`Worked example (Tests/ImportersTests/Fixtures/…)`), shows the input (an excerpt of the
/// fixture), the command (`$ topsim import …`, run in a copy of the fixture's folder) with the
/// notes it prints, and excerpts of the scenario it writes. Every excerpt must appear in the
/// real file or output as consecutive whole lines; a note ending in `…` is a prefix.
/// `UPDATE_GOLDEN=1` rewrites an output excerpt that no longer matches, as DashboardTests'
/// goldens are rewritten (inputs, commands and notes are written by hand).
final class DocExamplesTests: XCTestCase {
    struct Example {
        var fixture: String
        /// Code blocks before the command: excerpts of the fixture (when it is a file).
        var inputs: [[String]] = []
        var command: [String] = []
        var notes: [String] = []
        /// Code blocks after the command: excerpts of the scenario written by `-o`.
        var outputs: [[String]] = []
    }

    /// The worked examples of docs/import.md, in order.
    static func examples() throws -> [Example] {
        let doc = try String(contentsOf: TopsimBinary.packageRoot.appendingPathComponent("docs/import.md"), encoding: .utf8)
        var examples: [Example] = []
        var block: [String]?
        var open = false
        for line in doc.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("```") {
                if let b = block {
                    block = nil
                    guard open else { continue }
                    if let cmd = b.first, cmd.hasPrefix("$ topsim import ") {
                        examples[examples.count - 1].command = cmd.dropFirst("$ topsim ".count).split(separator: " ").map(String.init)
                        examples[examples.count - 1].notes = Array(b.dropFirst())
                    } else if examples[examples.count - 1].command.isEmpty {
                        examples[examples.count - 1].inputs.append(b)
                    } else {
                        examples[examples.count - 1].outputs.append(b)
                    }
                } else { block = [] }
            } else if block != nil {
                block!.append(line)
            } else if let r = line.range(of: "Worked example (Tests/ImportersTests/Fixtures/") {
                examples.append(Example(fixture: String(line[r.upperBound...].prefix { $0 != ")" })))
                open = true
            } else if line.hasPrefix("#") {
                open = false   // a heading ends the example
            }
        }
        return examples
    }

    /// Whether `part` appears in `whole` as consecutive whole lines.
    static func contains(_ whole: [String], _ part: [String]) -> Bool {
        guard !part.isEmpty, part.count <= whole.count else { return part.isEmpty }
        return (0...(whole.count - part.count)).contains { i in Array(whole[i..<(i + part.count)]) == part }
    }

    func testWorkedExamplesMatchWhatTheImportersWrite() throws {
        let examples = try Self.examples()
        XCTAssertEqual(examples.map(\.fixture), ["isotope/shop.yaml", "kubernetes/timeout", "traces/jaeger.json"])
        for ex in examples {
            XCTAssertFalse(ex.command.isEmpty, "\(ex.fixture): no `$ topsim import` line")
            XCTAssertFalse(ex.outputs.isEmpty, "\(ex.fixture): no output shown")
            let source = Fixtures.root.appendingPathComponent(ex.fixture)
            var isDir: ObjCBool = false
            XCTAssertTrue(FileManager.default.fileExists(atPath: source.path, isDirectory: &isDir), ex.fixture)
            let folder = isDir.boolValue ? source : source.deletingLastPathComponent()
            if !isDir.boolValue {
                let lines = try String(contentsOf: source, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                for input in ex.inputs { XCTAssertTrue(Self.contains(lines, input), "\(ex.fixture) does not hold:\n\(input.joined(separator: "\n"))") }
            }
            // Run in a copy: the command writes next to its input.
            let dir = try Fixtures.scratch()
            defer { try? FileManager.default.removeItem(at: dir) }
            for f in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
                try FileManager.default.copyItem(at: folder.appendingPathComponent(f), to: dir.appendingPathComponent(f))
            }
            let r = try TopsimBinary.run(ex.command, in: dir)
            XCTAssertEqual(r.status, 0, "\(ex.command): \(r.stderr)")
            let errLines = r.stderr.split(separator: "\n").map(String.init)
            for note in ex.notes {
                let prefix = note.dropLast().trimmingCharacters(in: .whitespaces)
                let ok = note.hasSuffix("…") ? errLines.contains { $0.hasPrefix(prefix) } : errLines.contains(note)
                XCTAssertTrue(ok, "\(ex.command) did not print: \(note)\n\(r.stderr)")
            }
            let o = try XCTUnwrap(ex.command.firstIndex(of: "-o"), "\(ex.command): the examples write with -o")
            let written = try String(contentsOf: dir.appendingPathComponent(ex.command[o + 1]), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for out in ex.outputs where !Self.contains(written, out) {
                // UPDATE_GOLDEN=1: the excerpt becomes as many lines of the output, from the
                // line the excerpt starts with (review the diff of docs/import.md).
                if Golden.updating, let first = out.first, let i = written.firstIndex(of: first) {
                    let fresh = Array(written[i..<min(written.count, i + out.count)])
                    let doc = TopsimBinary.packageRoot.appendingPathComponent("docs/import.md")
                    let text = try String(contentsOf: doc, encoding: .utf8)
                    try text.replacingOccurrences(of: out.joined(separator: "\n"), with: fresh.joined(separator: "\n"))
                        .write(to: doc, atomically: true, encoding: .utf8)
                    continue
                }
                XCTFail("\(ex.command) does not write:\n\(out.joined(separator: "\n"))\n--- it writes:\n\(written.joined(separator: "\n"))")
            }
        }
    }
}

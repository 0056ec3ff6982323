import Foundation
import TestSupport
import XCTest

/// The bash completion script (`topsim --generate-completion-script bash`) sourced in a
/// real bash and driven as readline would: COMP_WORDS/COMP_CWORD, the function that
/// `complete -p topsim` names, then COMPREPLY.
final class CompletionTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("topsim-complete-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("outputs"), withIntermediateDirectories: true)
        for f in ["scenario-a.yaml", "scenario-b.yml", "notes.txt"] {
            try "x".write(to: dir.appendingPathComponent(f), atomically: true, encoding: .utf8)
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// The words bash would offer after `words` (the last one being completed).
    func complete(_ words: [String]) throws -> [String] {
        let bin = try TopsimBinary.url().path
        let quoted = words.map { "'" + $0 + "'" }.joined(separator: " ")
        let script = """
            source <('\(bin)' --generate-completion-script bash) || exit 3
            fn=$(complete -p topsim | sed -n 's/.* -F \\([^ ]*\\) .*/\\1/p')
            [ -n "$fn" ] || exit 4
            COMP_WORDS=(\(quoted))
            COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
            COMP_LINE="${COMP_WORDS[*]}"
            COMP_POINT=${#COMP_LINE}
            COMPREPLY=()
            "$fn" topsim "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        guard FileManager.default.isExecutableFile(atPath: "/bin/bash") else { throw XCTSkip("bash is not installed") }
        let r = try Command.run(URL(fileURLWithPath: "/bin/bash"), ["-c", script], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func testScenarioArgumentCompletesYAMLFiles() throws {
        let words = try complete(["topsim", "run", "scen"])
        XCTAssertTrue(words.contains("scenario-a.yaml"), "\(words)")
        XCTAssertTrue(words.contains("scenario-b.yml"), "\(words)")
        XCTAssertFalse(try complete(["topsim", "validate", "no"]).contains("notes.txt"))
    }

    func testPresetNamesComplete() throws {
        let words = try complete(["topsim", "presets", "linker"])
        XCTAssertTrue(words.contains("linkerd"), "\(words)")
        XCTAssertTrue(words.allSatisfy { $0.hasPrefix("linker") }, "\(words)")
    }

    func testOutCompletesFolders() throws {
        let words = try complete(["topsim", "run", "scenario-a.yaml", "--out", "out"])
        XCTAssertTrue(words.contains { $0.hasPrefix("outputs") }, "\(words)")
    }

    func testTuiSelectCompletesTopologyNamesAndKinds() throws {
        let words = try complete(["topsim", "tui", "--select", "sid"])
        XCTAssertEqual(words, ["sidecar", "sidecarless"])
        XCTAssertTrue(try complete(["topsim", "tui", "--select", "edge"]).contains("edge+mesh"))
    }
}

import Foundation
import TestSupport
import XCTest

/// topsim.1: generated from the binary's own option definitions (tools/manpage.py reads
/// `--experimental-dump-help`), kept in git up to date, rendered by man, and naming every
/// option `--help` names.
final class ManPageTests: XCTestCase {
    static let page = TopsimBinary.packageRoot.appendingPathComponent("topsim.1")

    func shell(_ script: String, env: [String: String]? = nil) throws -> (status: Int32, out: String, err: String) {
        let r = try Command.run(URL(fileURLWithPath: "/bin/sh"), ["-c", script], in: TopsimBinary.packageRoot, env: env)
        return (r.status, r.stdout, r.stderr)
    }

    /// The committed page is what the generator makes from this binary (UPDATE_GOLDEN=1 rewrites it).
    func testManPageMatchesTheBinary() throws {
        let bin = try TopsimBinary.url().path
        let r = try shell("'\(bin)' --experimental-dump-help | python3 tools/manpage.py")
        XCTAssertEqual(r.status, 0, r.err)
        if let why = try Golden.mismatch(r.out, golden: Self.page) { XCTFail(why + "\n(make man regenerates topsim.1)") }
    }

    /// `man ./topsim.1` renders without a warning, with the name, the commands and their options.
    func testManRendersThePage() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/man") else {
            throw XCTSkip("man is not installed (make test-deps installs man-db)")
        }
        let r = try shell("man ./topsim.1", env: ["MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "80", "LANG": "C.UTF-8",
                                                  "PATH": "/usr/bin:/bin"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.err, "", "man or groff warned")
        for text in ["TOPSIM(1)", "NAME", "topsim tui", "topsim run", "--speed", "--generate-completion-script"] {
            XCTAssertTrue(r.out.contains(text), "the rendered page lacks \(text)")
        }
    }

    /// Every long option each subcommand's --help lists is in the page.
    func testEveryHelpOptionIsInThePage() throws {
        let page = try String(contentsOf: Self.page, encoding: .utf8).replacingOccurrences(of: "\\-", with: "-")
        for sub in ["tui", "run", "check", "checklist", "sweep", "merge", "capacity", "presets", "validate"] {
            let help = try TopsimBinary.run(["help", sub])
            XCTAssertEqual(help.status, 0, help.stderr)
            let options = Set(help.stdout.matches(of: /--[a-z][a-z0-9-]*/).map { String($0.output) })
            XCTAssertFalse(options.isEmpty, sub)
            for o in options where o != "--help" {
                XCTAssertTrue(page.contains(o), "topsim.1 lacks \(sub) \(o)")
            }
        }
    }
}

import Foundation
import XCTest

/// Valid-but-extreme scenarios (Extreme/*.yaml): big, tiny, long, degenerate, and the
/// boundary values of every documented range. Each file says on its second line what must
/// happen: `# expect: runs` (exit 0 and a complete output folder) or
/// `# expect: LINE:COLUMN fragment` (exit 2, a positioned error, nothing written).
/// Every run is bounded by `Topsim.timeoutSeconds` and `Topsim.addressSpaceKB`: a crash,
/// a hang or an unbounded allocation fails the file.
final class ExtremeCorpusTests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Extreme")

    static func files() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted()
    }

    func testCorpusCoversEnough() {
        XCTAssertGreaterThanOrEqual(Self.files().count, 60)
        let kinds = Set(Self.files().compactMap { $0.split(separator: "-").first.map(String.init) })
        for k in ["tiny", "long", "big", "dist", "names"] { XCTAssertTrue(kinds.contains(k), "no \(k)-* files") }
    }

    func testEveryExtremeScenarioRunsOrIsRejectedWithAPosition() throws {
        _ = try Topsim.binary()
        for name in Self.files() {
            let path = Self.dir.appendingPathComponent(name).path
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard lines.count > 2, lines[1].hasPrefix("# expect: ") else { XCTFail("\(name): no '# expect:' line"); continue }
            let expect = String(lines[1].dropFirst("# expect: ".count))
            let out = Topsim.scratch("extreme") + "/out"
            defer { try? FileManager.default.removeItem(atPath: (out as NSString).deletingLastPathComponent) }
            let r = try Topsim.run(["run", path, "--out", out, "--jobs", "2"])
            XCTAssertFalse(r.timedOut, "\(name): did not finish within \(Topsim.timeoutSeconds)s (or ran out of memory)")
            XCTAssertNil(r.signal, "\(name): died by signal: \(r.summary)")
            let parent = (out as NSString).deletingLastPathComponent
            XCTAssertFalse(Topsim.entries(parent).contains { $0.hasPrefix(".out.") }, "\(name): temporary output left behind")
            if expect == "runs" {
                XCTAssertEqual(r.status, 0, "\(name): \(r.summary)")
                var want = ["hops.csv", "proxies.csv", "report.html", "run.json", "services.csv", "summary.csv",
                            "timeseries.csv", "verdict.csv"]
                if text.contains("\nfaults:") { want.append("faults.csv") }
                XCTAssertEqual(Topsim.entries(out), want.sorted(), "\(name): incomplete output folder")
            } else {
                let parts = expect.split(separator: " ", maxSplits: 1).map(String.init)
                let pos = parts[0], fragment = parts.count > 1 ? parts[1] : ""
                XCTAssertEqual(r.status, 2, "\(name): expected a rejection at \(pos): \(r.summary)")
                let first = r.err.split(separator: "\n").first.map(String.init) ?? ""
                XCTAssertTrue(r.err.contains("\(path):\(pos): error: ") && r.err.contains(fragment),
                              "\(name): expected '\(fragment)' at \(pos), got:\n\(r.err)")
                XCTAssertTrue(first.hasPrefix("\(path):"), "\(name): first line is not positioned: \(first)")
                XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(name): output written for invalid input")
            }
        }
    }
}

import Foundation
import XCTest
@testable import Scenario

/// Every file in Fixtures/broken holds one mistake and says on its first line
/// where it is and what the message says: `# expect: LINE:COLUMN fragment`.
final class CorpusTests: XCTestCase {
    func testBrokenCorpus() throws {
        let files = Fixture.files(in: "broken")
        XCTAssertGreaterThanOrEqual(files.count, 40)
        for path in files {
            let name = (path as NSString).lastPathComponent
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
            let header = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
            guard header.hasPrefix("# expect: ") else { XCTFail("\(name): no '# expect:' header"); continue }
            let rest = header.dropFirst("# expect: ".count)
            guard let space = rest.firstIndex(of: " ") else { XCTFail("\(name): bad header"); continue }
            let pos = rest[..<space].split(separator: ":").compactMap { Int($0) }
            let fragment = String(rest[rest.index(after: space)...])
            guard pos.count == 2 else { XCTFail("\(name): bad position in header"); continue }
            do {
                _ = try ScenarioLoader.load(path: path)
                XCTFail("\(name): parsed, expected '\(fragment)' at \(pos[0]):\(pos[1])")
            } catch let e as ScenarioErrors {
                let hit = e.diagnostics.contains {
                    $0.line == pos[0] && $0.column == pos[1] && $0.description.contains(fragment)
                }
                XCTAssertTrue(hit, "\(name): expected '\(fragment)' at \(pos[0]):\(pos[1]), got:\n\(e)")
                // One mistake, one message: no knock-on errors.
                XCTAssertLessThanOrEqual(e.diagnostics.count, 2, "\(name):\n\(e)")
                for d in e.diagnostics {
                    XCTAssertTrue(d.description.hasPrefix("\(path):\(d.line):\(d.column): error: "), d.description)
                }
            }
        }
    }

    func testValidFixturesParse() throws {
        let files = Fixture.files(in: "valid")
        XCTAssertGreaterThanOrEqual(files.count, 4)
        for path in files {
            XCTAssertNoThrow(try ScenarioLoader.load(path: path), path)
        }
    }

    /// Crashes the fuzzer found, kept as inputs that must now parse or fail cleanly.
    func testFuzzRegressions() throws {
        let dir = Fixture.root.appendingPathComponent("fuzz-regressions")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        for n in names.sorted() {
            let data = try Data(contentsOf: dir.appendingPathComponent(n))
            let text = String(decoding: data, as: UTF8.self)
            do {
                _ = try ScenarioLoader.parse(text: text, fileName: n)
            } catch let e as ScenarioErrors {
                XCTAssertFalse(e.diagnostics.isEmpty, n)
                XCTAssertTrue(e.diagnostics.allSatisfy { $0.line >= 1 && $0.column >= 1 }, n)
            }
        }
    }
}

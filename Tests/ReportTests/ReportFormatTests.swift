import XCTest
@testable import Report

final class ReportFormatTests: XCTestCase {
    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // Two blocks of padding.
        XCTAssertEqual(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testCSVQuotesOnlyWhatNeedsIt() {
        XCTAssertEqual(csvLine(["a", "b,c", "say \"hi\"", "x\ny"]), "a,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\"\r\n")
        XCTAssertEqual(fmt(1.23456, 3), "1.235")
        XCTAssertEqual(fmt(.nan, 2), "")
    }

    func testWriteAtomicallyWritesAllOrNothing() throws {
        let dir = NSTemporaryDirectory() + "topsim-atomic-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeAtomically([("a.csv", "1\n"), ("b.csv", "2\n")], to: dir)
        XCTAssertEqual(try String(contentsOfFile: dir + "/a.csv", encoding: .utf8), "1\n")
        // A file where the directory should be: nothing is written, an error says why.
        let file = dir + "/plain"
        try Data().write(to: URL(fileURLWithPath: file))
        XCTAssertThrowsError(try writeAtomically([("c.csv", "3\n")], to: file))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        XCTAssertEqual(left, ["a.csv", "b.csv", "plain"])
    }
}

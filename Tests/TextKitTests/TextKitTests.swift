import Foundation
import TextKit
import XCTest

final class EditDistanceTests: XCTestCase {
    func testEditsCountedOnce() {
        XCTAssertEqual(EditDistance.between("", "abc"), 3)
        XCTAssertEqual(EditDistance.between("abc", ""), 3)
        XCTAssertEqual(EditDistance.between("workers", "workers"), 0)
        XCTAssertEqual(EditDistance.between("wrokers", "workers"), 1) // a swap is one edit
        XCTAssertEqual(EditDistance.between("ab", "ba"), 1)
        XCTAssertEqual(EditDistance.between("kitten", "sitting"), 3)
        XCTAssertEqual(EditDistance.between("istio", "istio-1.20"), 5)
        // Pathological lengths are capped, not computed.
        XCTAssertEqual(EditDistance.between(String(repeating: "a", count: 100), "b"), 100)
    }
}

final class TextTableTests: XCTestCase {
    func testColumnsPaddedAlignedAndRuled() {
        let rows = [["name", "kind", "n"], ["direct", "none", "7"], ["mesh", "sidecar", "1200"]]
        XCTAssertEqual(TextTable.render(rows, rightAligned: [2]), """
        name    kind        n
        ------  -------  ----
        direct  none        7
        mesh    sidecar  1200

        """)
        // Without a rule, and a left-aligned last column leaves no trailing spaces.
        XCTAssertEqual(TextTable.lines([["a", "bb"], ["ccc", "d"]], rule: false), ["a    bb", "ccc  d"])
        XCTAssertEqual(TextTable.lines([]), [])
    }

    func testWidthsCountCharacters() {
        XCTAssertEqual(TextTable.lines([["p50", "x"], ["1.0±0.2", "y"]], rule: false), ["p50      x", "1.0±0.2  y"])
    }
}

final class FilePathTests: XCTestCase {
    /// NSString's answers, except for the one-character paths on which it crashes on Linux.
    func testParentFolderAgreesWithFoundation() {
        for p in ["a/b", "/a", "/a/b/c", "ab", "a.yaml", "out/", "./x", "../x/y", "/", "a//b", "dir/sub/"] {
            XCTAssertEqual(parentFolder(of: p), (p as NSString).deletingLastPathComponent, p)
        }
        XCTAssertEqual(parentFolder(of: "o"), "")
        XCTAssertEqual(parentFolder(of: "o/"), "")
        XCTAssertEqual(parentFolder(of: "x/o"), "x")
        XCTAssertEqual(parentFolder(of: ""), "")
    }
}

import XCTest
@testable import SimCore

/// `SlotArray`: writes in place, keeps its elements through growth, frees them when it goes.
final class SlotArrayTests: XCTestCase {
    struct Rec { var gen: UInt32 = 0; var value = 0 }

    func testWritesInPlaceAndKeepsElementsThroughGrowth() {
        var a = SlotArray<Rec>()
        // 16 slots at first, so 1,000 appends grow it 6 times (16 → 32 → ... → 1,024).
        for i in 0..<1_000 { a.append(Rec(gen: 0, value: i)) }
        XCTAssertEqual(a.count, 1_000)
        for i in a.indices { a[i].gen &+= 1; a[i].value *= 2 }
        XCTAssertEqual(a[999].value, 1_998)
        XCTAssertEqual(a.map(\.gen), Array(repeating: 1, count: 1_000))
        // Sum of 2i for i < 1,000 = 999 × 1,000 = 999,000.
        XCTAssertEqual(a.reduce(0) { $0 + $1.value }, 999_000)
        a.append(repeating: Rec(gen: 7, value: -1), count: 24)
        XCTAssertEqual(a.count, 1_024)
        XCTAssertEqual(a[1_023].gen, 7)
        let b = SlotArray(repeating: Int32(-1), count: 5)
        XCTAssertEqual(Array(b), [-1, -1, -1, -1, -1])
    }

    /// Elements holding references are released exactly once: when the array goes.
    func testReferencesAreReleasedWithTheArray() {
        final class Token {}
        weak var first: Token?
        do {
            var a = SlotArray<[Token]>()
            let t = Token()
            first = t
            a.append([t])
            for _ in 0..<100 { a.append([Token()]) } // growth moves, not copies
            a[0].append(Token())
            XCTAssertEqual(a[0].count, 2)
            XCTAssertNotNil(first)
        }
        XCTAssertNil(first, "freed with the array")
    }
}

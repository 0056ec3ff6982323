import Foundation
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

    /// `fmt` formats most values itself (issue 18); it must give `%.Nf`'s bytes exactly.
    /// Hand-worked ties (exact binary halves round to even, as glibc's printf does):
    /// 0.125 = 1/8 exactly, "0.12"; 0.375, "0.38"; 2.5 at 0 decimals, "2"; 0.1 is
    /// 0.1000000000000000055..., so "0.1" at one decimal; -0.0004 keeps its sign, "-0.000".
    func testFixedDecimalIsPrintfsFixedNotation() {
        XCTAssertEqual(fmt(0.125, 2), "0.12")
        XCTAssertEqual(fmt(0.375, 2), "0.38")
        XCTAssertEqual(fmt(2.5, 0), "2")
        XCTAssertEqual(fmt(3.5, 0), "4")
        XCTAssertEqual(fmt(-0.0004, 3), "-0.000")
        XCTAssertEqual(fmt(-0.0, 1), "-0.0")
        XCTAssertEqual(fmt(1234.5678, 2), "1234.57")
        var rng = SystemRandomNumberGenerator()
        var checked = 0
        func check(_ v: Double, _ d: Int) {
            let expected = String(format: "%.\(d)f", v)
            if let got = FixedDecimal.format(v, decimals: d) {
                XCTAssertEqual(got, expected, "\(v) at \(d) decimals (bits \(String(v.bitPattern, radix: 16)))")
                checked += 1
            }
            XCTAssertEqual(fmt(v, d), expected)
        }
        for _ in 0..<150_000 {
            let d = Int.random(in: 0...9, using: &rng)
            // Magnitudes from 1e-12 to 1e18, either sign.
            let v = Double.random(in: -1...1, using: &rng) * Foundation.pow(10, Double.random(in: -12...18, using: &rng))
            check(v, d)
            // Exact binary ties at the last printed digit: k/2^j with small j.
            let tie = Double(Int.random(in: -100_000...100_000, using: &rng)) / Double(1 << Int.random(in: 1...12, using: &rng))
            check(tie, d)
            // Values printed with d decimals and read back: on a rounding boundary's doorstep.
            let near = Double(String(format: "%.\(d + 1)f", v.magnitude < 1e9 ? v : 1.5)) ?? 0
            check(near, d)
            check(near.nextUp, d)
            check(near.nextDown, d)
        }
        // Subnormals, the largest values handled, and beyond (the fallback).
        for v in [Double.leastNonzeroMagnitude, -Double.leastNormalMagnitude, 9.99e17, 1e18, 5e20, 0.5, 1.5, 0, 1e-300] {
            for d in 0...9 { check(v, d) }
        }
        XCTAssertEqual(fmt(1.0, 12), "1.000000000000") // more than 9 decimals: the fallback
        XCTAssertGreaterThan(checked, 500_000)
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

import Foundation
import SimCore
import XCTest
@testable import Scenario

/// Random mutations of valid files never crash the parser: each result either
/// parses or carries errors with positions inside the file.
final class MutationPropertyTests: XCTestCase {
    static let seeds: [String] = {
        var texts = [BuiltinScenarios.compareAll, minimalScenario]
        for p in Fixture.files(in: "valid") {
            // Empirical files need the folder; those mutants are checked by path below.
            if let t = try? String(contentsOfFile: p, encoding: .utf8), !t.contains("empirical(") { texts.append(t) }
        }
        return texts
    }()

    enum Mutation: CaseIterable { case deleteLine, duplicateLine, swapValues, truncate, randomBytes, swapLines, dropChar, indent }

    func mutate(_ text: String, _ m: Mutation, _ rng: inout RandomStream) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func pick() -> Int { Int(rng.next() % UInt64(max(1, lines.count))) }
        switch m {
        case .deleteLine:
            if !lines.isEmpty { lines.remove(at: pick()) }
        case .duplicateLine:
            if !lines.isEmpty { let i = pick(); lines.insert(lines[i], at: i) }
        case .swapLines:
            if lines.count > 1 { lines.swapAt(pick(), pick()) }
        case .swapValues:
            // Move the value of one `key: value` line onto another key.
            let kv = lines.indices.filter { lines[$0].contains(": ") }
            if kv.count > 1 {
                let a = kv[Int(rng.next() % UInt64(kv.count))], b = kv[Int(rng.next() % UInt64(kv.count))]
                let va = lines[a].components(separatedBy: ": ").dropFirst().joined(separator: ": ")
                let vb = lines[b].components(separatedBy: ": ").dropFirst().joined(separator: ": ")
                lines[a] = lines[a].components(separatedBy: ": ")[0] + ": " + vb
                lines[b] = lines[b].components(separatedBy: ": ")[0] + ": " + va
            }
        case .truncate:
            let s = lines.joined(separator: "\n")
            let n = Int(rng.next() % UInt64(max(1, s.utf8.count)))
            return String(decoding: Array(s.utf8.prefix(n)), as: UTF8.self)
        case .randomBytes:
            var bytes = Array(lines.joined(separator: "\n").utf8)
            for _ in 0..<(1 + Int(rng.next() % 8)) where !bytes.isEmpty {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            return String(decoding: bytes, as: UTF8.self)
        case .dropChar:
            var s = Array(lines.joined(separator: "\n"))
            if !s.isEmpty { s.remove(at: Int(rng.next() % UInt64(s.count))) }
            return String(s)
        case .indent:
            if !lines.isEmpty { let i = pick(); lines[i] = " " + lines[i] }
        }
        return lines.joined(separator: "\n")
    }

    func check(_ text: String, context: String) {
        let lineCount = max(1, text.split(separator: "\n", omittingEmptySubsequences: false).count)
        do {
            let s = try ScenarioLoader.parse(text: text, fileName: "m.yaml")
            XCTAssertFalse(s.services.isEmpty, context)
            XCTAssertLessThan(s.warmup, s.duration, context)
        } catch let e as ScenarioErrors {
            XCTAssertFalse(e.diagnostics.isEmpty, context)
            for d in e.diagnostics {
                XCTAssertGreaterThanOrEqual(d.line, 1, "\(context): \(d)")
                XCTAssertGreaterThanOrEqual(d.column, 1, "\(context): \(d)")
                XCTAssertLessThanOrEqual(d.line, lineCount + 1, "\(context): \(d)")
                XCTAssertFalse(d.message.isEmpty, context)
            }
        } catch {
            XCTFail("\(context): unexpected error type \(error)")
        }
    }

    func testMutantsNeverCrash() {
        var rng = RandomStream(seed: 20_261_127)
        var parsed = 0, rejected = 0
        for i in 0..<2000 {
            let seed = Self.seeds[i % Self.seeds.count]
            var text = seed
            let steps = 1 + Int(rng.next() % 3)
            var applied: [Mutation] = []
            for _ in 0..<steps {
                let m = Mutation.allCases[Int(rng.next() % UInt64(Mutation.allCases.count))]
                applied.append(m)
                text = mutate(text, m, &rng)
            }
            if (try? ScenarioLoader.parse(text: text, fileName: "m.yaml")) != nil { parsed += 1 } else { rejected += 1 }
            check(text, context: "mutant \(i) (\(applied))")
        }
        // Both outcomes happen, or the mutations are not exercising anything.
        XCTAssertGreaterThan(parsed, 100)
        XCTAssertGreaterThan(rejected, 100)
    }

    func testEveryPrefixOfTheBuiltinScenario() {
        let bytes = Array(BuiltinScenarios.compareAll.utf8)
        for n in stride(from: 0, through: bytes.count, by: 7) {
            check(String(decoding: bytes.prefix(n), as: UTF8.self), context: "prefix \(n)")
        }
    }
}

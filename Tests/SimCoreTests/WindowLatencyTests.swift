import Foundation
import XCTest
@testable import SimCore

/// `WindowLatency` must give a window's quantiles to the bit as the 2-digit `LatencyStats`
/// they replaced did (the time series in timeseries.csv stays byte-identical), and merge
/// into a `LatencyStats` exactly as recording the same values there would.
final class WindowLatencyTests: XCTestCase {
    static let ps: [Double] = [0, 0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100]

    /// Log-uniform values over 0 .. ~10^13 ns (past the 1 h a histogram starts with), with
    /// zeros and negatives (recorded as 0) mixed in.
    func values(_ n: Int, seed: UInt64) -> [SimTime] {
        var rng = RandomStream(seed: seed)
        return (0..<n).map { _ in
            switch rng.below(20) {
            case 0: return 0
            case 1: return -5
            default: return SimTime(Foundation.exp(rng.uniform() * 30))
            }
        }
    }

    func testHandWorkedQuantiles() {
        var w = WindowLatency()
        // 1000 and 1001 share the bucket [1000, 1003] (bucket 2: 56 − lzcnt(1000 | 255) = 2,
        // 1000 >> 2 = 250, width 2² = 4); 5000 is alone. p50: ⌈1.5 − ulp⌉ = 2nd value, in
        // [1000, 1003]: its highest value 1003 (below the greatest, 5000). p99: the 3rd,
        // 5000's bucket [4992, 5007] clamped to the greatest recorded, 5000. p0: the least, 1000.
        for v: SimTime in [1000, 5000, 1001] { w.record(v) }
        XCTAssertEqual(w.percentiles([50, 99, 0]), [1003, 5000, 1000])
        XCTAssertEqual(w.count, 3)
        // Values up to 255 are kept exactly: 1...100, p50 is the 50th, p99 the 99th.
        w.reset()
        for v in 1...100 { w.record(SimTime(v)) }
        XCTAssertEqual(w.percentiles([50, 99]), [50, 99])
        w.reset()
        XCTAssertEqual(w.percentiles([50]), [0])
    }

    func testQuantilesMatchLatencyStatsBitForBitAcrossResets() {
        var w = WindowLatency()
        for (round, n) in [1, 2, 7, 100, 5_000, 40_000, 3].enumerated() {
            var dense = LatencyStats(digits: .two)
            for v in values(n, seed: UInt64(round)) { w.record(v); dense.record(v) }
            XCTAssertEqual(w.count, dense.count)
            XCTAssertEqual(w.percentiles(Self.ps), Self.ps.map { dense.percentile($0) }, "n \(n)")
            // Reset clears only what was touched: the next round starts from empty.
            w.reset()
        }
    }

    func testMergeIntoLatencyStatsEqualsRecordingThere() {
        var direct = LatencyStats(digits: .two), merged = LatencyStats(digits: .two)
        for k in 0..<6 {
            var w = WindowLatency()
            // Window 2 is empty; window 4 holds one value (its least and greatest in one bucket).
            let vs = k == 2 ? [] : k == 4 ? [SimTime(1_234_567)] : values(500 + 300 * k, seed: 100 + UInt64(k))
            for v in vs { w.record(v); direct.record(v) }
            merged.merge(w)
        }
        XCTAssertEqual(merged.count, direct.count)
        XCTAssertEqual(merged.mean, direct.mean)
        XCTAssertEqual(merged.max, direct.max)
        XCTAssertEqual(merged.histogram.totalCount, direct.histogram.totalCount)
        XCTAssertEqual(merged.histogram.maxRecorded, direct.histogram.maxRecorded)
        XCTAssertEqual(merged.histogram.min, direct.histogram.min)
        XCTAssertEqual(merged.histogram.minNonZero, direct.histogram.minNonZero)
        for p in Self.ps { XCTAssertEqual(merged.percentile(p), direct.percentile(p), "p\(p)") }
        // Bucket by bucket, the same counts.
        XCTAssertEqual(Array(merged.histogram.recordedValues()).map(\.count),
                       Array(direct.histogram.recordedValues()).map(\.count))
    }

    func testBucketLayoutIsHdrHistograms() {
        // Same bucket exactly when HdrHistogram says the values are equivalent, and the same
        // highest equivalent value, over every bucket boundary up to 2^50.
        let h = LatencyStats(digits: .two).histogram
        var vs: [UInt64] = Array(0...600)
        for shift in 8..<50 { for d in [-2, -1, 0, 1, 2, 3] { vs.append(UInt64(Int64(1) << shift + Int64(d))) } }
        for v in vs {
            // The window's inlined index is the shared 2-digit layout's, whose values are HdrHistogram's.
            XCTAssertEqual(WindowLatency.index(of: v), HdrLayout.twoDigits.index(of: v), "\(v)")
            XCTAssertEqual(HdrLayout.twoDigits.valueFromIndex(WindowLatency.index(of: v)), h.lowestEquivalentForValue(v), "\(v)")
        }
    }
}

/// `LatencyStats.shrink` packs a finished stats (`PackedLatency`) and changes no figure.
final class LatencyShrinkTests: XCTestCase {
    /// 0.1 ms .. ~2 s log-uniform, optionally with a zero.
    func sample(_ proto: LatencyStats, zero: Bool, seed: UInt64 = 7) -> LatencyStats {
        var rng = RandomStream(seed: seed)
        var full = proto
        if zero { full.record(0) }
        for _ in 0..<20_000 { full.record(SimTime(1e5 * Foundation.exp(rng.uniform() * 10))) }
        return full
    }

    func same(_ a: LatencyStats, _ b: LatencyStats, _ what: String) {
        XCTAssertEqual(a.count, b.count, what)
        XCTAssertEqual(a.mean, b.mean, what)
        XCTAssertEqual(a.max, b.max, what)
        for p in WindowLatencyTests.ps { XCTAssertEqual(a.percentile(p), b.percentile(p), "\(what) p\(p)") }
    }

    func testShrunkStatsGiveTheSameFiguresAndKeepGrowing() {
        for proto in [LatencyStats(digits: .two), LatencyStats()] { // 2 and 3 digits
            for zero in [true, false] {
                let full = sample(proto, zero: zero)
                var small = full
                small.shrink()
                XCTAssertTrue(small.isPacked)
                same(small, full, "shrunk")
                // Packed: a non-empty bucket is two varints, the index step (< 2^14: at most 2
                // bytes) and its count (< 2^7 here: 1 byte), so at most 3 bytes per bucket...
                let buckets = Array(full.histogram.recordedValues()).count
                XCTAssertLessThanOrEqual(small.heldBytes, 3 * buckets)
                // ...against the dense counters up to 2 s's bucket (8 bytes each, tens of KB).
                XCTAssertGreaterThan(full.heldBytes, 5 * small.heldBytes)
                // Merged into an empty one, packed or not: the same histogram bucket by bucket,
                // total and greatest value as recorded (HdrHistogram's `add` of the original).
                var mergedSmall = proto, mergedFull = proto
                mergedSmall.merge(small); mergedFull.merge(full)
                same(mergedSmall, mergedFull, "merged")
                XCTAssertEqual(Array(mergedSmall.histogram.recordedValues()).map(\.count),
                               Array(mergedFull.histogram.recordedValues()).map(\.count))
                XCTAssertEqual(mergedSmall.histogram.totalCount, mergedFull.histogram.totalCount)
                XCTAssertEqual(mergedSmall.histogram.maxRecorded, mergedFull.histogram.maxRecorded)
                XCTAssertEqual(mergedSmall.histogram.min, mergedFull.histogram.min)
                if !zero { XCTAssertEqual(mergedSmall.histogram.minNonZero, mergedFull.histogram.minNonZero) }
                // Later values past the old greatest (an hour and more) still land where they belong.
                var grown = full
                for v: SimTime in [3_000_000_000, 5_000_000_000_000] { grown.record(v); small.record(v) }
                XCTAssertFalse(small.isPacked)
                same(small, grown, "recorded after")
                // Two packed runs merged (as the replication summaries do) = the two dense ones.
                var a = sample(proto, zero: zero, seed: 11), b = a
                a.shrink()
                var both = small, bothDense = grown
                both.shrink()
                both.merge(a); bothDense.merge(b)
                same(both, bothDense, "two packed")
            }
            // An empty one packs to nothing and stays empty.
            var empty = proto
            empty.shrink()
            XCTAssertEqual(empty.count, 0)
            XCTAssertEqual(empty.p99, 0)
            XCTAssertEqual(empty.max, 0)
            XCTAssertEqual(empty.heldBytes, 0)
        }
    }

    /// 3-digit stats folded into 2-digit ones (`merge(coarsening:)`) = the same values
    /// recorded there: each 3-digit bucket lies inside one 2-digit bucket (both split powers
    /// of two in power-of-two steps, 2,048 against 256 sub-buckets).
    func testCoarseningMergeEqualsRecordingThere() {
        for zero in [true, false] {
            let fine = sample(LatencyStats(), zero: zero, seed: 3)
            var direct = sample(LatencyStats(digits: .two), zero: zero, seed: 3)
            var folded = sample(LatencyStats(digits: .two), zero: zero, seed: 5)
            var packedFine = fine
            packedFine.shrink()
            var foldedPacked = folded
            folded.merge(coarsening: fine)
            foldedPacked.merge(coarsening: packedFine)
            direct.merge(sample(LatencyStats(digits: .two), zero: zero, seed: 5))
            for got in [folded, foldedPacked] {
                same(got, direct, "zero \(zero)")
                XCTAssertEqual(Array(got.histogram.recordedValues()).map(\.count),
                               Array(direct.histogram.recordedValues()).map(\.count))
                XCTAssertEqual(got.histogram.maxRecorded, direct.histogram.maxRecorded)
                XCTAssertEqual(got.histogram.min, direct.histogram.min)
            }
        }
    }

    func testHandWorkedPackedQuantiles() {
        // 3 digits: values below 2,048 are exact. 10, 10, 20 and 1,000: p50 is the 2nd (10),
        // p75 the 3rd (20), p99 the 4th (1,000), max 1,000; packed as (10, 2) (10, 1)
        // (980: two varint bytes, 1): 1+1 + 1+1 + 2+1 = 7 bytes.
        var s = LatencyStats()
        for v: SimTime in [10, 20, 10, 1_000] { s.record(v) }
        s.shrink()
        XCTAssertEqual(s.heldBytes, 7)
        XCTAssertEqual([s.p50, s.percentile(75), s.p99, s.max], [10, 20, 1_000, 1_000])
    }

    func testLayoutIsHdrHistograms() {
        for proto in [LatencyStats(digits: .two), LatencyStats()] { // 2 and 3 digits
            let h = proto.histogram
            let layout = HdrLayout(digits: h.numberOfSignificantValueDigits)
            var vs: [UInt64] = Array(0...4_200)
            for shift in 8..<50 { for d in [-2, -1, 0, 1, 2, 3] { vs.append(UInt64(Int64(1) << shift + Int64(d))) } }
            for v in vs {
                XCTAssertEqual(layout.valueFromIndex(layout.index(of: v)), h.lowestEquivalentForValue(v), "\(v)")
                XCTAssertEqual(layout.highestEquivalent(v), h.highestEquivalentForValue(v), "\(v)")
            }
        }
    }
}

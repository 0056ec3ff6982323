import Histogram

/// HdrHistogram's bucket layout for a lowest discernible value of 1 ns (unit magnitude 0),
/// as hdrhistogram-swift 0.2.0 computes it (Sources/Histogram/Histogram.swift: `init`,
/// `countsIndexForValue`, `valueFromIndex`, `highestEquivalentForValue`): `subBucketCount`
/// = 2^⌈log2(2 × 10^digits)⌉ sub-buckets (256 for 2 digits, 2,048 for 3), single-unit
/// resolution up to it, then each power of two in `subBucketCount / 2` steps.
public struct HdrLayout: Sendable, Equatable {
    /// log2 of half the sub-bucket count: 7 for 2 digits, 10 for 3.
    public let subBucketHalfCountMagnitude: Int

    public init(digits: SignificantDigits) {
        // HdrHistogram: subBucketCountMagnitude = ⌈log2(2 × 10^digits)⌉, halved.
        var largestSingleUnit = 2
        for _ in 0..<Int(digits.rawValue) { largestSingleUnit *= 10 }
        var magnitude = 0
        while (1 << magnitude) < largestSingleUnit { magnitude += 1 }
        subBucketHalfCountMagnitude = Swift.max(magnitude, 1) - 1
    }

    var subBucketHalfCount: Int { 1 << subBucketHalfCountMagnitude }
    var subBucketCount: UInt64 { UInt64(1) << UInt64(subBucketHalfCountMagnitude + 1) }
    var leadingZeroCountBase: Int { 64 - (subBucketHalfCountMagnitude + 1) }

    /// The bucket of value `v` (`countsIndexForValue`).
    @inline(__always) func index(of v: UInt64) -> Int {
        let bucket = leadingZeroCountBase - (v | (subBucketCount - 1)).leadingZeroBitCount
        let sub = Int(v >> UInt64(bucket))
        return (bucket + 1) << subBucketHalfCountMagnitude + sub - subBucketHalfCount
    }

    /// The lowest value of bucket `i` (`valueFromIndex`).
    @inline(__always) func valueFromIndex(_ i: Int) -> UInt64 {
        var bucket = (i >> subBucketHalfCountMagnitude) - 1
        var sub = (i & (subBucketHalfCount - 1)) + subBucketHalfCount
        if bucket < 0 { sub -= subBucketHalfCount; bucket = 0 }
        return UInt64(sub) << UInt64(bucket)
    }

    /// The highest value in the bucket of `v` (`highestEquivalentForValue`).
    @inline(__always) func highestEquivalent(_ v: UInt64) -> UInt64 {
        let bucket = leadingZeroCountBase - (v | (subBucketCount - 1)).leadingZeroBitCount
        let sub = v >> UInt64(bucket)
        let lowest = sub << UInt64(bucket)
        let size: UInt64 = 1 << UInt64(sub >= subBucketCount ? bucket + 1 : bucket)
        return lowest + size - 1
    }
}

extension HdrLayout {
    /// 2 significant digits: `WindowLatency`'s layout.
    public static let twoDigits = HdrLayout(digits: .two)

    /// HdrHistogram's `valueAtPercentile` (`percentile` in 0...100), step for step, over
    /// non-empty buckets that `forEachBucket` gives in bucket order (`body(index, count)`,
    /// stopping when it returns false). `min` is HdrHistogram's `min` (0 when a 0 was
    /// recorded), `maxValue` the greatest value as recorded.
    func valueAtPercentile(_ percentile: Double, total: UInt64, min: UInt64, maxValue: UInt64,
                           forEachBucket: ((Int, UInt64) -> Bool) -> Void) -> UInt64 {
        guard percentile != 0.0 else { return min }
        guard percentile < 100.0 else { return maxValue }
        let requested = Swift.min(Swift.max(percentile.nextDown, 0.0), 100.0)
        let countAtPercentile = Swift.max(1, UInt64(((requested * Double(total)) / 100.0).rounded(.up)))
        var running: UInt64 = 0
        var result: UInt64 = 0
        forEachBucket { i, c in
            running += c
            guard running >= countAtPercentile else { return true }
            result = Swift.max(Swift.min(highestEquivalent(valueFromIndex(i)), maxValue), min)
            return false
        }
        return result
    }

    /// Records non-empty buckets of this layout into `h` (this layout, or a coarser one whose
    /// buckets each hold whole buckets of this one), leaving it as recording the original
    /// values would for every figure HdrHistogram gives: each bucket's count at its lowest
    /// value, except that the greatest value and the least non-zero one (`.max`: none) are
    /// recorded as they were.
    func add(maxValue: UInt64, minNonZeroValue: UInt64, to h: inout Histogram<UInt64>,
             forEachBucket: ((Int, UInt64) -> Bool) -> Void) {
        let minIndex = minNonZeroValue == .max ? -1 : index(of: minNonZeroValue)
        let maxIndex = index(of: maxValue)
        forEachBucket { i, c in
            if i == minIndex {
                if i == maxIndex && maxValue != minNonZeroValue {
                    _ = h.record(maxValue)
                    _ = h.record(minNonZeroValue, count: c - 1)
                } else {
                    _ = h.record(minNonZeroValue, count: c)
                }
            } else if i == maxIndex {
                _ = h.record(maxValue)
                if c > 1 { _ = h.record(valueFromIndex(i), count: c - 1) }
            } else {
                _ = h.record(valueFromIndex(i), count: c)
            }
            return true
        }
    }
}

/// The buckets of a finished HDR histogram, packed for keeping (issue 18: memory flat in
/// replications). A run kept among many replications held each of its ~20 latency
/// histograms as a dense array of 8-byte counters up to its greatest value (150 KB for a
/// 3-digit one reaching 300 ms), almost all zero; packed, each non-empty bucket is two
/// LEB128 varints, the index step from the previous non-empty bucket and its count (a few
/// bytes), so a run's histograms take kilobytes.
///
/// Nothing is lost: the greatest and least non-zero values are kept as recorded, and every
/// figure read from it is HdrHistogram's own to the bit: `valueAtPercentile` is the same
/// walk over the same buckets (`WindowLatency` does the same for its windows), `max` is
/// `highestEquivalentForValue(maxValue)`, and `add(to:)` leaves a histogram exactly as
/// `Histogram.add` of the original would (each bucket's count recorded at its lowest value,
/// except the greatest and least values, recorded as they were). `LatencyShrinkTests`
/// compares both on random values for 2 and 3 digits.
public struct PackedLatency: Sendable {
    /// (index step, count) pairs as LEB128 varints, in bucket order.
    let bytes: [UInt8]
    let layout: HdrLayout
    let total: UInt64
    let maxValue: UInt64
    let minNonZeroValue: UInt64
    /// Whether bucket 0 (the value 0) has a count: HdrHistogram's `min` is then 0.
    let hasZero: Bool

    /// Packs `h` (a histogram with a lowest discernible value of 1).
    public init(_ h: Histogram<UInt64>) {
        layout = HdrLayout(digits: h.numberOfSignificantValueDigits)
        total = h.totalCount
        maxValue = h.maxRecorded
        var out: [UInt8] = []
        var previous = 0
        var zero = false
        var last = -1
        for v in h.recordedValues() {
            let i = layout.index(of: v.value)
            // `recordedValues` steps by sub-bucket; a bucket is reported once.
            guard i != last else { continue }
            last = i
            if i == 0 { zero = true }
            Self.append(UInt64(i - previous), to: &out)
            Self.append(v.count, to: &out)
            previous = i
        }
        hasZero = zero
        // The least non-zero value as recorded is HdrHistogram's public `min` unless a 0 was
        // recorded; then `min` is 0 whatever it is, and the bucket's lowest value stands in.
        minNonZeroValue = total == 0 ? .max : zero ? h.minNonZero : h.min
        bytes = out
    }

    static func append(_ v: UInt64, to out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// Calls `body(index, count)` for each non-empty bucket in order; stops when it returns false.
    @inline(__always) func forEachBucket(_ body: (Int, UInt64) -> Bool) {
        var k = 0, index = 0
        @inline(__always) func next() -> UInt64 {
            var v: UInt64 = 0, shift: UInt64 = 0
            while true {
                let b = bytes[k]
                k += 1
                v |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return v }
                shift += 7
            }
        }
        while k < bytes.count {
            index += Int(next())
            let count = next()
            if !body(index, count) { return }
        }
    }

    /// Bytes held (the pairs; the rest is a few words).
    public var packedBytes: Int { bytes.count }

    /// HdrHistogram's `min`: 0 when a 0 was recorded (or nothing was), else the least value.
    var histogramMin: UInt64 { (total == 0 || hasZero) ? 0 : minNonZeroValue }

    /// HdrHistogram's `max`: the highest value of the greatest value's bucket (0 when empty).
    public var max: UInt64 { maxValue == 0 ? 0 : layout.highestEquivalent(maxValue) }

    /// HdrHistogram's `valueAtPercentile` (`percentile` in 0...100), step for step.
    public func valueAtPercentile(_ percentile: Double) -> UInt64 {
        layout.valueAtPercentile(percentile, total: total, min: histogramMin, maxValue: maxValue,
                                 forEachBucket: forEachBucket)
    }

    /// Adds these buckets to `h` (this layout or a coarser one), leaving it as `h.add` of the
    /// original (or recording its values) would: the same bucket counts and total, and the
    /// greatest and least non-zero values as recorded.
    public func add(to h: inout Histogram<UInt64>) {
        guard total > 0 else { return }
        layout.add(maxValue: maxValue, minNonZeroValue: minNonZeroValue, to: &h, forEachBucket: forEachBucket)
    }
}

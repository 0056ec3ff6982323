import Histogram

/// The latencies of one time-series window, at a cost proportional to the values recorded
/// in it rather than to the histogram's size (issue 18).
///
/// Its buckets are exactly those of a 2-digit `LatencyStats` (HdrHistogram's layout with a
/// lowest discernible value of 1 ns: 256 sub-buckets, single-unit resolution to 255, then
/// each power of two in 128 steps), and its quantiles are HdrHistogram's
/// `valueAtPercentile` step for step, so a window's p50 and p99 are the same numbers to
/// the bit. What differs is the bookkeeping: the buckets a window touched are listed as
/// they are first hit, so closing a window (its quantiles, then `reset`) walks those
/// buckets only, not the ~4,600 counters of the whole range. At the default 1 s window a
/// long run used to spend most of its time clearing and scanning mostly empty histograms.
///
/// Source of the layout and of the quantile rule: hdrhistogram-swift 0.2.0,
/// Sources/Histogram/Histogram.swift (`init`, `countsIndexForValue`, `valueFromIndex`,
/// `highestEquivalentForValue`, `valueAtPercentile`); `WindowLatencyTests` compares both on
/// random values.
public struct WindowLatency: Sendable {
    /// 2 significant digits: single-unit resolution up to 2 × 10², rounded up to a power of two.
    @usableFromInline static let subBucketHalfCountMagnitude = 7
    @usableFromInline static let subBucketHalfCount = 1 << subBucketHalfCountMagnitude
    @usableFromInline static let subBucketMask: UInt64 = 255
    @usableFromInline static let leadingZeroCountBase = 56

    /// Count per bucket, allocated on the first record (4,608 counters cover up to an hour)
    /// and grown on demand past that: an unused one holds no counters.
    @usableFromInline var counts: [UInt32] = []
    /// The buckets with a non-zero count, in the order first hit.
    @usableFromInline var touched: [Int32] = []
    /// One bit per bucket, set while its count is non-zero: the touched buckets in value
    /// order without sorting them (a window's quantiles used to cost a sort of `touched`,
    /// 8% of a default-window run). Sized with `counts`.
    @usableFromInline var occupied: [UInt64] = []
    @usableFromInline var total: Int = 0
    @usableFromInline var sum: Double = 0
    @usableFromInline var maxValue: UInt64 = 0
    @usableFromInline var minNonZeroValue: UInt64 = .max

    public init() { touched.reserveCapacity(64) }

    /// Values recorded since the last reset.
    public var count: Int { total }

    /// Records one latency in nanoseconds (negative ones as 0, as `LatencyStats` does).
    @inlinable
    public mutating func record(_ nanos: SimTime) {
        let v = UInt64(Swift.max(0, nanos))
        let i = Self.index(of: v)
        if i >= counts.count { grow(to: i) }
        let c = counts[i]
        if c == 0 {
            touched.append(Int32(i))
            occupied[i &>> 6] |= 1 &<< UInt64(i & 63)
        }
        counts[i] = c &+ 1
        total &+= 1
        sum += Double(v)
        if v > maxValue { maxValue = v }
        if v != 0 && v < minNonZeroValue { minNonZeroValue = v }
    }

    @usableFromInline @inline(never)
    mutating func grow(to i: Int) {
        counts.append(contentsOf: repeatElement(0, count: Swift.max(4_608, i + 1) - counts.count))
        occupied.append(contentsOf: repeatElement(0, count: (counts.count + 63) / 64 - occupied.count))
    }

    /// Empties it, clearing only the buckets that were hit.
    public mutating func reset() {
        for i in touched {
            counts[Int(i)] = 0
            occupied[Int(i) &>> 6] = 0
        }
        touched.removeAll(keepingCapacity: true)
        total = 0
        sum = 0
        maxValue = 0
        minNonZeroValue = .max
    }

    /// The p-th percentiles (0...100) in nanoseconds, as `LatencyStats.percentile` gives them
    /// for the same values; 0 when empty. Walks the occupied buckets in value order.
    public func percentiles(_ ps: [Double]) -> [Double] {
        ps.map(percentile)
    }

    /// The p-th percentile (0...100) in nanoseconds, 0 when empty; one of `percentiles`
    /// without the array (a window's close reads two, and allocates nothing).
    public func percentile(_ p: Double) -> Double {
        total > 0 ? Double(valueAtPercentile(p)) : 0
    }

    /// HdrHistogram's `min`: 0 when a 0 was recorded (or nothing was), else the least value.
    var histogramMin: UInt64 { (total == 0 || counts[0] > 0) ? 0 : minNonZeroValue }

    /// The non-empty buckets in bucket order (which is value order), from the occupancy bits.
    func forEachBucket(_ body: (Int, UInt64) -> Bool) {
        for w in occupied.indices {
            var bits = occupied[w]
            while bits != 0 {
                let i = w &<< 6 | bits.trailingZeroBitCount
                bits &= bits &- 1
                if !body(i, UInt64(counts[i])) { return }
            }
        }
    }

    /// HdrHistogram's `valueAtPercentile` (the walk `PackedLatency` shares, `HdrLayout`).
    func valueAtPercentile(_ percentile: Double) -> UInt64 {
        HdrLayout.twoDigits.valueAtPercentile(percentile, total: UInt64(total), min: histogramMin,
                                              maxValue: maxValue, forEachBucket: forEachBucket)
    }

    /// The bucket of value `v` (HdrHistogram's `countsIndexForValue`, unit magnitude 0).
    @inlinable @inline(__always)
    static func index(of v: UInt64) -> Int {
        let bucket = leadingZeroCountBase - (v | subBucketMask).leadingZeroBitCount
        let sub = Int(v >> UInt64(bucket))
        return (bucket + 1) << subBucketHalfCountMagnitude + sub - subBucketHalfCount
    }
}

extension LatencyStats {
    /// Adds a window's latencies, leaving this exactly as if they had been recorded here:
    /// the same bucket counts, total, sum, least and greatest value. Each bucket gets its
    /// count at its lowest value, except the buckets of the window's least non-zero value
    /// (recorded at that value, which no other value of the bucket is below) and of its
    /// greatest (one of them at that value). For 2-digit stats, the layout `WindowLatency`
    /// shares; quantiles of merged windows are then exact.
    public mutating func merge(_ w: WindowLatency) {
        precondition(histogram.numberOfSignificantValueDigits == .two, "WindowLatency has the 2-digit layout")
        guard w.total > 0 else { return }
        if packed != nil { unpack() }
        HdrLayout.twoDigits.add(maxValue: w.maxValue, minNonZeroValue: w.minNonZeroValue, to: &histogram,
                                forEachBucket: w.forEachBucket)
        sum += w.sum
        n += w.total
    }
}

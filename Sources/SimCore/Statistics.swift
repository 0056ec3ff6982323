import Foundation
import Histogram

/// Running mean and variance (Welford, 1962): one pass, numerically stable.
public struct Welford: Sendable, Equatable {
    public var count: Int = 0
    public var mean: Double = 0
    @usableFromInline var m2: Double = 0

    public init() {}

    @inlinable
    public mutating func add(_ x: Double) {
        count += 1
        let d = x - mean
        mean += d / Double(count)
        m2 += d * (x - mean)
    }

    /// Sample variance (n - 1 in the denominator).
    public var variance: Double { count > 1 ? m2 / Double(count - 1) : 0 }
    public var standardDeviation: Double { variance.squareRoot() }

    /// Chan et al.'s parallel merge.
    public mutating func merge(_ o: Welford) {
        guard o.count > 0 else { return }
        guard count > 0 else { self = o; return }
        let n = Double(count + o.count)
        let d = o.mean - mean
        m2 += o.m2 + d * d * Double(count) * Double(o.count) / n
        mean += d * Double(o.count) / n
        count += o.count
    }
}

/// The time average of a piecewise-constant quantity (queue length, busy workers).
public struct TimeWeighted: Sendable, Equatable {
    public var area: Double = 0
    public private(set) var start: SimTime
    public var last: SimTime

    public init(start: SimTime = 0) { self.start = start; self.last = start }

    /// The quantity held `value` from the last update until `now`.
    @inlinable
    public mutating func update(value: Double, at now: SimTime) {
        if now > last {
            area += value * Double(now - last)
            last = now
        }
    }

    /// Mean over [start, now], with `current` held since the last update.
    public func mean(from s: SimTime, to now: SimTime, current: Double) -> Double {
        let total = now - start
        guard total > 0 else { return current }
        return (area + current * Double(max(0, now - last))) / Double(total)
    }
}

/// Latency percentiles over an HDR histogram (values in nanoseconds, 3 significant
/// digits: quantiles within 0.1%), plus an exact mean.
public struct LatencyStats: Sendable {
    @usableFromInline var histogram: Histogram<UInt64>
    // A plain sum: a Welford update costs a division per record on the hot path.
    @usableFromInline var sum: Double = 0
    @usableFromInline var n: Int = 0
    /// The buckets of a stats kept for its figures only (`shrink`): `histogram` is then a
    /// shared empty placeholder, and the figures are read from here.
    @usableFromInline var packed: PackedLatency?

    /// `digits` 3 for run totals, 2 for per-window series (about 10x less memory).
    public init(digits: SignificantDigits = .three) {
        histogram = Histogram(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000_000,
                              numberOfSignificantValueDigits: digits)
        histogram.autoResize = true
    }

    @inlinable
    public mutating func record(_ nanos: SimTime) {
        if _slowPath(packed != nil) { unpack() }
        let v = UInt64(Swift.max(0, nanos))
        _ = histogram.record(v)
        sum += Double(v)
        n += 1
    }

    public var count: Int { n }
    /// Mean in nanoseconds.
    public var mean: Double { n > 0 ? sum / Double(n) : 0 }
    public var max: Double {
        guard count > 0 else { return 0 }
        if let p = packed { return Double(p.max) }
        return Double(histogram.max)
    }

    /// The p-th percentile (0...100) in nanoseconds; 0 when empty.
    public func percentile(_ p: Double) -> Double {
        guard count > 0 else { return 0 }
        if let packed { return Double(packed.valueAtPercentile(p)) }
        return Double(histogram.valueAtPercentile(p))
    }

    public var p50: Double { percentile(50) }
    public var p90: Double { percentile(90) }
    public var p99: Double { percentile(99) }
    public var p999: Double { percentile(99.9) }

    public mutating func merge(_ other: LatencyStats) {
        if packed != nil { unpack() }
        if let p = other.packed {
            p.add(to: &histogram)
        } else {
            histogram.add(other.histogram)
        }
        sum += other.sum
        n += other.n
    }

    /// Adds `other`'s values as if they had been recorded here, when `other` has at least
    /// as many significant digits: each of its buckets lies inside one of these (both layouts
    /// split powers of two into power-of-two steps, `other`'s finer), so its counts land in
    /// the buckets their values would have, with its least and greatest values as recorded
    /// (`PackedLatency.add(to:)`). Traps on a coarser `other`.
    public mutating func merge(coarsening other: LatencyStats) {
        precondition(other.histogram.numberOfSignificantValueDigits.rawValue
                     >= histogram.numberOfSignificantValueDigits.rawValue, "merge(coarsening:) takes finer stats")
        if packed != nil { unpack() }
        (other.packed ?? PackedLatency(other.histogram)).add(to: &histogram)
        sum += other.sum
        n += other.n
    }

    public mutating func reset() {
        if packed != nil { unpack() }
        histogram.reset()
        sum = 0
        n = 0
    }

    /// Bytes of counters (HdrHistogram's estimate) or of packed buckets this holds; the
    /// placeholder every packed stats shares counts for nothing.
    public var heldBytes: Int { packed?.packedBytes ?? histogram.estimatedFootprintInBytes }

    /// Whether it is packed (`shrink`).
    public var isPacked: Bool { packed != nil }

    /// Packs it for keeping: the buckets become a few bytes each (`PackedLatency`), the
    /// dense counters go. Every figure, and every later record or merge (which unpack it
    /// first, into a histogram as large as its greatest value needs), is as before: the
    /// buckets, total, least and greatest values are kept. A 3-digit histogram of the
    /// 1 ns..1 h range is 270 KB whatever it holds, and 150 KB even cut at a 300 ms
    /// maximum; runs kept for their replication summaries are packed with this (Runner),
    /// so that memory does not grow with `--replications` by that much per run (issue 18).
    public mutating func shrink() {
        guard packed == nil else { return }
        packed = PackedLatency(histogram)
        histogram = Self.placeholder(histogram.numberOfSignificantValueDigits)
    }

    /// A dense histogram again (before a record, merge or reset).
    @usableFromInline @inline(never)
    mutating func unpack() {
        guard let p = packed else { return }
        var h = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: Swift.max(2, p.maxValue),
                                  numberOfSignificantValueDigits: histogram.numberOfSignificantValueDigits)
        h.autoResize = true
        p.add(to: &h)
        histogram = h
        packed = nil
    }

    /// The least histogram of a layout, one per layout, shared (copy on write) by every
    /// packed stats: none of them ever writes to it (they unpack first).
    static let placeholders: [Histogram<UInt64>] = (0...5).map { d in
        var h = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 2,
                                  numberOfSignificantValueDigits: SignificantDigits(rawValue: Int8(d))!)
        h.autoResize = true
        return h
    }

    static func placeholder(_ digits: SignificantDigits) -> Histogram<UInt64> { placeholders[Int(digits.rawValue)] }
}

/// Values grouped into fixed windows of simulated time (for time series).
public struct FixedWindows<Value: Sendable>: Sendable {
    public let width: SimTime
    public let origin: SimTime
    public var windows: [Value]
    @usableFromInline let make: @Sendable () -> Value

    public init(origin: SimTime, width: SimTime, count: Int, make: @escaping @Sendable () -> Value) {
        precondition(width > 0)
        self.origin = origin; self.width = width; self.make = make
        windows = (0..<max(0, count)).map { _ in make() }
    }

    /// Index of the window holding `t`, or nil outside the series.
    @inlinable
    public func index(of t: SimTime) -> Int? {
        guard t >= origin else { return nil }
        let i = Int((t - origin) / width)
        return i < windows.count ? i : nil
    }

    @inlinable
    public mutating func update(at t: SimTime, _ body: (inout Value) -> Void) {
        if let i = index(of: t) { body(&windows[i]) }
    }
}

/// Mean and 95% confidence half-width over independent replications (Student t).
public struct ReplicationSummary: Sendable, Equatable {
    public let mean: Double
    public let halfWidth: Double
    public let count: Int

    public init(_ values: [Double]) {
        var w = Welford()
        values.forEach { w.add($0) }
        mean = w.mean
        count = values.count
        halfWidth = values.count > 1
            ? StudentT.quantile975(df: values.count - 1) * w.standardDeviation / Double(values.count).squareRoot()
            : 0
    }
}

/// Student's t distribution: the one implementation behind confidence half-widths
/// (`ReplicationSummary`) and the baseline check's Welch test. Tail probabilities come
/// from the regularised incomplete beta function (continued fraction, Lentz's method;
/// Numerical Recipes §6.4); quantiles invert them.
public enum StudentT {
    /// P(|T| ≥ t) for T ~ t(df); df = ∞ is the normal distribution.
    public static func twoSidedP(t: Double, df: Double) -> Double {
        let t = abs(t)
        if t.isInfinite { return 0 }
        if df.isInfinite || df > 1e7 { return erfc(t / 2.0.squareRoot()) }
        return incompleteBeta(a: df / 2, b: 0.5, x: df / (df + t * t))
    }

    /// The p-quantile of t(df), for 0.5 ≤ p < 1 (p < 0.5 by symmetry): the t with
    /// P(T ≤ t) = p, by bisection on `twoSidedP` to 1e-12 (a few hundred
    /// incomplete-beta evaluations; called once per summary, never per event).
    public static func quantile(_ p: Double, df: Double) -> Double {
        precondition(p > 0 && p < 1 && df > 0)
        if p < 0.5 { return -quantile(1 - p, df: df) }
        let tail = 2 * (1 - p)
        var lo = 0.0, hi = 1.0
        while twoSidedP(t: hi, df: df) > tail { lo = hi; hi *= 2 }
        while hi - lo > 1e-12 * max(1, hi) {
            let mid = (lo + hi) / 2
            if twoSidedP(t: mid, df: df) > tail { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// t(0.975; df): the two-sided 95% critical value.
    public static func quantile975(df: Int) -> Double {
        precondition(df >= 1)
        return quantile(0.975, df: Double(df))
    }

    /// I_x(a, b).
    static func incompleteBeta(a: Double, b: Double, x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let lnFront: Double = lnBeta + a * log(x) + b * log(1 - x)
        let front = exp(lnFront)
        if x < (a + 1) / (a + b + 2) { return front * continuedFraction(a: a, b: b, x: x) / a }
        return 1 - front * continuedFraction(a: b, b: a, x: 1 - x) / b
    }

    static func continuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300, eps = 1e-15
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0, d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...300 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d; h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let del = d * c
            h *= del
            if abs(del - 1) < eps { break }
        }
        return h
    }
}

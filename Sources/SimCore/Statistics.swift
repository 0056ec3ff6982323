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

    /// `digits` 3 for run totals, 2 for per-window series (about 10x less memory).
    public init(digits: SignificantDigits = .three) {
        histogram = Histogram(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000_000,
                              numberOfSignificantValueDigits: digits)
        histogram.autoResize = true
    }

    @inlinable
    public mutating func record(_ nanos: SimTime) {
        let v = UInt64(Swift.max(0, nanos))
        _ = histogram.record(v)
        sum += Double(v)
        n += 1
    }

    public var count: Int { n }
    /// Mean in nanoseconds.
    public var mean: Double { n > 0 ? sum / Double(n) : 0 }
    public var max: Double { count > 0 ? Double(histogram.max) : 0 }

    /// The p-th percentile (0...100) in nanoseconds; 0 when empty.
    public func percentile(_ p: Double) -> Double {
        count > 0 ? Double(histogram.valueAtPercentile(p)) : 0
    }

    public var p50: Double { percentile(50) }
    public var p90: Double { percentile(90) }
    public var p99: Double { percentile(99) }
    public var p999: Double { percentile(99.9) }

    public mutating func merge(_ other: LatencyStats) {
        histogram.add(other.histogram)
        sum += other.sum
        n += other.n
    }

    public mutating func reset() {
        histogram.reset()
        sum = 0
        n = 0
    }
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

public enum StudentT {
    /// Two-sided 95% critical values, t(0.975; df) for df = 1...30.
    static let table: [Double] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ]

    /// t(0.975; df); beyond 30 degrees of freedom, the Cornish–Fisher expansion
    /// (error below 1e-3).
    public static func quantile975(df: Int) -> Double {
        precondition(df >= 1)
        if df <= 30 { return table[df - 1] }
        let z = 1.959963984540054, n = Double(df)
        let g1 = (pow(z, 3) + z) / 4
        let g2 = (5 * pow(z, 5) + 16 * pow(z, 3) + 3 * z) / 96
        let g3 = (3 * pow(z, 7) + 19 * pow(z, 5) + 17 * pow(z, 3) - 15 * z) / 384
        return z + g1 / n + g2 / (n * n) + g3 / (n * n * n)
    }
}

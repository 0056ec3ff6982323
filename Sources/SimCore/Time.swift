/// Simulated time and durations, in integer nanoseconds.
///
/// Integers keep ties exact and sums free of floating drift: a week of
/// simulated time is 6e14 ns, far inside Int64.
public typealias SimTime = Int64

public enum Nanos {
    public static let perMicrosecond: Int64 = 1_000
    public static let perMillisecond: Int64 = 1_000_000
    public static let perSecond: Int64 = 1_000_000_000

    @inlinable public static func seconds(_ s: Double) -> SimTime { SimTime((s * 1e9).rounded()) }
    @inlinable public static func millis(_ ms: Double) -> SimTime { SimTime((ms * 1e6).rounded()) }
    @inlinable public static func toSeconds(_ t: SimTime) -> Double { Double(t) / 1e9 }
    @inlinable public static func toMillis(_ t: SimTime) -> Double { Double(t) / 1e6 }
}

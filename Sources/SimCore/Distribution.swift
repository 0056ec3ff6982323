import Foundation

/// A non-negative random duration, sampled in integer nanoseconds.
///
/// Parameters are stored in nanoseconds as Double so that sampling is a few
/// arithmetic operations with no allocation.
public enum Distribution: Sendable, Equatable {
    case constant(Double)
    /// Exponential with the given mean.
    case exponential(mean: Double)
    case uniform(low: Double, high: Double)
    /// Normal truncated at 0 (negative draws are redrawn).
    case normal(mean: Double, sd: Double)
    /// Lognormal by the parameters of the underlying normal.
    case lognormal(mu: Double, sigma: Double)
    /// Sum of k exponentials, each with mean `mean / k`.
    case erlang(k: Int, mean: Double)
    /// Inverse of the empirical CDF (linear between sorted samples).
    case empirical(EmpiricalSamples)

    /// 0.99 quantile of the standard normal.
    public static let z99 = 2.3263478740408408

    /// Lognormal with the given mean and 99th percentile. Fails when p99 <= mean
    /// or when no lognormal has that pair (p99 / mean above e^(z^2/2) ~ 14.97).
    public static func lognormal(mean: Double, p99: Double) -> Distribution? {
        guard mean > 0, p99 > mean else { return nil }
        // ln p99 - ln mean = z s - s^2 / 2; take the smaller root.
        let d = log(p99) - log(mean)
        let disc = z99 * z99 - 2 * d
        guard disc >= 0 else { return nil }
        let s = z99 - disc.squareRoot()
        return .lognormal(mu: log(mean) - s * s / 2, sigma: s)
    }

    /// Lognormal with the given mean and coefficient of variation.
    public static func lognormal(mean: Double, cv: Double) -> Distribution? {
        guard mean > 0, cv > 0 else { return nil }
        let s2 = log(1 + cv * cv)
        return .lognormal(mu: log(mean) - s2 / 2, sigma: s2.squareRoot())
    }

    /// The longest duration a draw returns (about 31 years, the longest duration a scenario
    /// may write): a heavy tail (a lognormal with a huge cv, a normal with a huge sd) is
    /// clamped here instead of overflowing Int64, and the sums the engine makes of a few
    /// draws and a clock stay far inside Int64.
    public static let horizon: Double = 1e18

    /// A draw in nanoseconds as SimTime: truncated like `SimTime(x)` below the horizon,
    /// the horizon above it (and for NaN, which no parameter allowed by validation makes).
    @inlinable @inline(__always)
    public static func clamped(_ x: Double) -> SimTime {
        x < horizon ? (x > 0 ? SimTime(x) : 0) : SimTime(horizon)
    }

    @inlinable
    public func sample(_ rng: inout RandomStream) -> SimTime {
        switch self {
        case .constant(let v):
            return Distribution.clamped(v)
        case .exponential(let mean):
            return Distribution.clamped(mean * ExponentialZiggurat.sample(&rng))
        case .uniform(let lo, let hi):
            return Distribution.clamped(lo + (hi - lo) * rng.uniform())
        case .normal(let mean, let sd):
            for _ in 0..<64 {
                let x = mean + sd * Distribution.standardNormal(&rng)
                if x >= 0 { return Distribution.clamped(x) }
            }
            return 0
        case .lognormal(let mu, let sigma):
            return Distribution.clamped(exp(mu + sigma * Distribution.standardNormal(&rng)))
        case .erlang(let k, let mean):
            // The product of k uniforms underflows to 0 for large k (k = 700 reaches 1e-300):
            // fold it into a sum of logarithms before it can. Draws that never come near the
            // threshold are bit for bit what the plain product gives.
            var p = 1.0, logs = 0.0
            for _ in 0..<k {
                p *= rng.uniform()
                if p < 1e-250 { logs += log(p); p = 1 }
            }
            return Distribution.clamped(-(mean / Double(k)) * (logs + log(p)))
        case .empirical(let e):
            return e.sample(&rng)
        }
    }

    /// Marsaglia's polar method (Marsaglia & Bray, 1964), both of each pair used: the second
    /// is kept in the stream (`RandomStream.spareNormal`) for its next normal draw. Box–Muller
    /// with one of the pair discarded (what this was) cost a logarithm, a square root and a
    /// cosine per draw, about 10% of a mesh run's time; this costs one logarithm and square
    /// root per two draws and no trigonometry (issue 18, "faster samplers").
    ///
    /// Common random numbers still hold: a stream's values depend only on its seed and on
    /// the sequence of draws made from it, which is the same in every topology for a
    /// request's own stream (its service time, then an injected latency, then the error
    /// draw). Where the sequence differs (an injected latency drawn in one topology, not in
    /// another), the spare keeps the next uniform at the same position, which a fixed count
    /// of uniforms per normal did not.
    @inlinable @inline(__always)
    public static func standardNormal(_ rng: inout RandomStream) -> Double {
        if let z = rng.spareNormal {
            rng.spareNormal = nil
            return z
        }
        while true {
            let u = 2 * rng.uniform() - 1, v = 2 * rng.uniform() - 1
            let s = u * u + v * v
            // uniform() is never 0 or 1, but u and v can round to 0 together: s > 0 guards log.
            guard s < 1, s > 0 else { continue }
            let f = (-2 * log(s) / s).squareRoot()
            rng.spareNormal = v * f
            return u * f
        }
    }

    /// Analytic mean in nanoseconds (ignores the truncation of `normal`, which
    /// matters only when the mean is within ~3 sd of 0).
    public var mean: Double {
        switch self {
        case .constant(let v): return v
        case .exponential(let m): return m
        case .uniform(let lo, let hi): return (lo + hi) / 2
        case .normal(let m, _): return m
        case .lognormal(let mu, let s): return exp(mu + s * s / 2)
        case .erlang(_, let m): return m
        case .empirical(let e): return e.mean
        }
    }

    /// Squared coefficient of variation (variance / mean^2), for M/G/1 checks.
    public var scv: Double {
        switch self {
        case .constant: return 0
        case .exponential: return 1
        case .uniform(let lo, let hi):
            let m = (lo + hi) / 2
            return m == 0 ? 0 : (hi - lo) * (hi - lo) / 12 / (m * m)
        case .normal(let m, let sd): return m == 0 ? 0 : sd * sd / (m * m)
        case .lognormal(_, let s): return exp(s * s) - 1
        case .erlang(let k, _): return 1 / Double(k)
        case .empirical(let e): return e.scv
        }
    }

    /// Analytic quantile where one exists in closed form (nil for normal/erlang).
    public func quantile(_ p: Double) -> Double? {
        switch self {
        case .constant(let v): return v
        case .exponential(let m): return -m * log(1 - p)
        case .uniform(let lo, let hi): return lo + (hi - lo) * p
        case .lognormal(let mu, let s): return exp(mu + s * Distribution.normalQuantile(p))
        case .empirical(let e): return e.quantile(p)
        case .normal, .erlang: return nil
        }
    }

    /// Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9 after one Newton step).
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1)
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                 3.754408661907416e+00]
        let plow = 0.02425
        var x: Double
        if p < plow {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - plow {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
                (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }
}

/// Sorted samples in nanoseconds, shared by reference (read-only after init).
public final class EmpiricalSamples: Sendable, Equatable {
    public let sorted: [Double]
    public let mean: Double
    public let scv: Double

    /// Nil when `values` is empty or holds a negative or non-finite value.
    public init?(_ values: [Double]) {
        guard !values.isEmpty, values.allSatisfy({ $0.isFinite && $0 >= 0 }) else { return nil }
        sorted = values.sorted()
        let m = values.reduce(0, +) / Double(values.count)
        mean = m
        let v = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count)
        scv = m == 0 ? 0 : v / (m * m)
    }

    @inlinable
    public func sample(_ rng: inout RandomStream) -> SimTime {
        Distribution.clamped(quantile(rng.uniform()))
    }

    public func quantile(_ p: Double) -> Double {
        if sorted.count == 1 { return sorted[0] }
        let pos = p * Double(sorted.count - 1)
        let i = min(Int(pos), sorted.count - 2)
        let f = pos - Double(i)
        return sorted[i] + (sorted[i + 1] - sorted[i]) * f
    }

    public static func == (a: EmpiricalSamples, b: EmpiricalSamples) -> Bool { a.sorted == b.sorted }
}

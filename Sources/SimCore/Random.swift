/// xoshiro256** (Blackman & Vigna, 2018): fast, 256 bits of state, passes BigCrush.
///
/// Independent streams come from hashing (seed, stream id) through SplitMix64,
/// so every source of randomness gets its own stream and a topology that draws
/// more or fewer numbers elsewhere cannot shift it (common random numbers).
public struct RandomStream: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64
    /// The second normal of the last polar-method pair, not yet used (`Distribution.standardNormal`).
    @usableFromInline var spareNormal: Double?

    // Inlined: a request seeds its own stream at each service start and step.
    @inlinable
    public init(seed: UInt64, stream: UInt64 = 0) {
        var sm = SplitMix64(state: seed &* 0x9E37_79B9_7F4A_7C15 ^ SplitMix64.mix(stream &+ 0xD1B5_4A32_D192_ED03))
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inlinable @inline(__always)
    func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    /// Uniform in the open interval (0, 1): safe to take the logarithm of.
    @inlinable @inline(__always)
    public mutating func uniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// Uniform integer in 0..<n without modulo bias worth noticing (Lemire's multiply-shift).
    @inlinable @inline(__always)
    public mutating func below(_ n: Int) -> Int {
        Int(next().multipliedFullWidth(by: UInt64(n)).high)
    }
}

/// SplitMix64 (Steele, Lea & Flood, 2014), used only to expand seeds.
public struct SplitMix64: Sendable {
    public var state: UInt64
    @inlinable public init(state: UInt64) { self.state = state }
    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }
    @inlinable public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Derives a replication's seed from the scenario's base seed.
public func replicationSeed(base: UInt64, replication: Int) -> UInt64 {
    replication == 0 ? base : SplitMix64.mix(base ^ SplitMix64.mix(UInt64(replication) &+ 0x5851_F42D_4C95_7F2D))
}

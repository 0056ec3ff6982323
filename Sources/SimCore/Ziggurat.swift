import Foundation

/// Standard exponential draws by the ziggurat method (Marsaglia & Tsang, "The Ziggurat
/// Method for Generating Random Variables", Journal of Statistical Software 5(8), 2000:
/// the exponential's 256 layers, r = 7.69711747013104972, v = 3.949659822581572e-3).
///
/// Why: `−ln U` cost a logarithm per draw, and every arrival and every M/M/1 service is an
/// exponential draw (about 7% of a whole `topsim run` of the M/M/1; issue 18, "faster
/// samplers"). Here 98.9% of draws are one 64-bit number, a table look-up, a compare and a
/// multiply; the rest (a draw in a layer's wedge or in the tail) take a logarithm or an
/// exponential as the paper's `efix` does.
///
/// One change from the paper, after Doornik ("An Improved Ziggurat Method to Generate
/// Normal Random Samples", 2005): the layer comes from the low 8 bits of the 64-bit draw and
/// the position in the layer from its top 53, so that the two share no bit (the 32-bit
/// original used the same bits for both, a known flaw), and the position has a double's
/// full resolution.
public enum ExponentialZiggurat {
    /// Layer tables: `k[i]`, the 53-bit threshold below which a draw in layer i is inside
    /// the layer's rectangle under the next one (accepted at once); `w[i]`, the layer's
    /// width per unit of the 53-bit position; `f[i] = exp(−x[i])`, the density at the
    /// layer's edge.
    @usableFromInline static let tables = Tables()

    @usableFromInline final class Tables: Sendable {
        @usableFromInline let k: [UInt64]
        @usableFromInline let w: [Double]
        @usableFromInline let f: [Double]

        init() {
            // Marsaglia & Tsang's `zigset` for the exponential, scaled to 2^53 instead of 2^32.
            let m = 9_007_199_254_740_992.0 // 2^53
            var de = 7.697117470131487, te = de
            let ve = 3.949659822581572e-3
            var k = [UInt64](repeating: 0, count: 256)
            var w = [Double](repeating: 0, count: 256)
            var f = [Double](repeating: 0, count: 256)
            let q = ve / Foundation.exp(-de)
            k[0] = UInt64((de / q) * m)
            k[1] = 0
            w[0] = q / m
            w[255] = de / m
            f[0] = 1
            f[255] = Foundation.exp(-de)
            for i in stride(from: 254, through: 1, by: -1) {
                de = -Foundation.log(ve / de + Foundation.exp(-de))
                k[i + 1] = UInt64((de / te) * m)
                te = de
                f[i] = Foundation.exp(-de)
                w[i] = de / m
            }
            self.k = k; self.w = w; self.f = f
        }
    }

    /// The start of the tail (the base layer's right edge).
    @usableFromInline static let r = 7.697117470131487

    /// One draw of Exp(1).
    @inlinable @inline(__always)
    public static func sample(_ rng: inout RandomStream) -> Double {
        let t = tables
        let u = rng.next()
        let i = Int(truncatingIfNeeded: u & 255)
        let j = u >> 11
        if j < t.k[i] { return Double(j) * t.w[i] }
        return wedgeOrTail(rng: &rng, i: i, j: j)
    }

    /// The paper's `efix`: the base layer's tail, or a draw in a layer's wedge (accepted
    /// under the density, else a fresh draw from the top).
    @usableFromInline @inline(never)
    static func wedgeOrTail(rng: inout RandomStream, i: Int, j: UInt64) -> Double {
        let t = tables
        var i = i, j = j
        while true {
            // Beyond r the exponential is memoryless: r plus a fresh Exp(1).
            if i == 0 { return r - Foundation.log(rng.uniform()) }
            let x = Double(j) * t.w[i]
            if t.f[i] + rng.uniform() * (t.f[i - 1] - t.f[i]) < Foundation.exp(-x) { return x }
            let u = rng.next()
            i = Int(truncatingIfNeeded: u & 255)
            j = u >> 11
            if j < t.k[i] { return Double(j) * t.w[i] }
        }
    }
}

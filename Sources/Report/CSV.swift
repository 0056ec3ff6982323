import Foundation

/// RFC 4180 fields: quoted when they hold a comma, quote or line break, and neutralised
/// against spreadsheet formula injection (OWASP "CSV Injection"): a cell that starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return (or their full-width forms) and is not
/// a plain number gets a leading `'` and quotes, so a spreadsheet shows it as text
/// instead of running it. A name like `=HYPERLINK(...)` or `-2+3` reaches every CSV
/// through this one function.
public func csvField(_ s: String) -> String {
    var s = s
    var quote = false
    if CSVFormula.mustNeutralise(s) {
        s = "'" + s
        quote = true
    }
    if quote || s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return s
}

public func csvLine(_ fields: [String]) -> String { fields.map(csvField).joined(separator: ",") + "\r\n" }

/// Formula-injection rules shared by the writer and the reader (baselines read the
/// CSVs back, so a neutralised name must compare equal to the name itself).
public enum CSVFormula {
    /// First characters spreadsheets read as the start of a formula.
    static let triggers: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r", "\u{FF1D}", "\u{FF0B}", "\u{FF0D}", "\u{FF20}"]

    /// `-3.5`, `+2`, `1e-3`: numbers stay numbers.
    static func isPlainNumber(_ s: String) -> Bool {
        guard !s.isEmpty, s.unicodeScalars.allSatisfy({ "0123456789.eE+-".unicodeScalars.contains($0) }) else { return false }
        return Double(s) != nil
    }

    /// True when the cell would be read as a formula, or starts with `'` before such a
    /// cell (prefixed too, so that reading back is unambiguous).
    public static func mustNeutralise(_ s: String) -> Bool {
        if isFormula(s) { return true }
        if s.hasPrefix("'") { return mustNeutralise(String(s.unicodeScalars.dropFirst())) }
        return false
    }

    /// True when a spreadsheet would read the cell as a formula.
    public static func isFormula(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, triggers.contains(first) else { return false }
        return !isPlainNumber(s)
    }

    /// The cell as it was before `csvField` neutralised it.
    public static func restore(_ field: String) -> String {
        guard field.hasPrefix("'") else { return field }
        let rest = String(field.dropFirst())
        return mustNeutralise(rest) ? rest : field
    }
}

/// Fixed decimals with `.` whatever the locale. `String(format:)` without a locale is
/// not localised (POSIX), and 20x faster than with an explicit en_US_POSIX one, which
/// builds an ICU formatter per call: 100,000 time-series rows took 40 s that way.
///
/// The common case is formatted here, with the same digits as `%.Nf` (issue 18: with the
/// default 1 s window a long run writes a row per window, and `String(format:)` was the
/// largest cost of the whole `topsim run`); anything else still goes to `String(format:)`.
public func fmt(_ v: Double, _ decimals: Int) -> String {
    guard v.isFinite else { return "" }
    if let s = FixedDecimal.format(v, decimals: decimals) { return s }
    return String(format: "%.\(decimals)f", v)
}

/// `%.Nf` without the C library: the double's exact binary value times 10^N, rounded to
/// the nearest integer with ties to even (what glibc's printf does in the default rounding
/// mode), printed with the point N digits from the right and a `-` whenever the sign bit
/// is set (so -0.0004 gives "-0.000", as printf does). nil outside 0...9 decimals or when
/// value × 10^N does not fit in 64 bits (the caller falls back to `String(format:)`).
/// ReportFormatTests compares both on millions of values, ties and boundaries included.
enum FixedDecimal {
    static let powers: [UInt64] = (0...9).map { (0..<$0).reduce(1) { r, _ in r * 10 } }

    static func format(_ v: Double, decimals: Int) -> String? {
        guard decimals >= 0 && decimals <= 9 else { return nil }
        let p10 = powers[decimals]
        let a = v.magnitude
        // |v| × 10^N < 10^18 keeps the scaled integer (plus a rounding carry) in a UInt64.
        guard a < 1e18 / Double(p10) else { return nil }
        var q: UInt64 = 0
        if a != 0 {
            let normal = v.exponentBitPattern != 0
            let m: UInt64 = normal ? v.significandBitPattern | (1 << 52) : v.significandBitPattern
            let e = normal ? Int(v.exponentBitPattern) - 1075 : -1074
            if e >= 0 {
                q = (m << UInt64(e)) * p10 // an integer below 10^18 / 10^N: exact
            } else {
                let k = -e
                // m × 10^N < 2^53 × 2^30 = 2^83: half of 2^k is above it from k = 84 on.
                if k < 84 {
                    let (hi, lo) = m.multipliedFullWidth(by: p10)
                    // q = (hi:lo) >> k; rem = the k bits shifted out, compared with half of 2^k.
                    let rem: (hi: UInt64, lo: UInt64), half: (hi: UInt64, lo: UInt64)
                    if k < 64 {
                        q = (lo >> UInt64(k)) | (k == 0 ? 0 : hi << UInt64(64 - k))
                        rem = (0, lo & ((1 << UInt64(k)) - 1))
                        half = (0, 1 << UInt64(k - 1))
                    } else {
                        q = hi >> UInt64(k - 64)
                        rem = (hi & ((1 << UInt64(k - 64)) - 1), lo)
                        half = k == 64 ? (0, 1 << 63) : (1 << UInt64(k - 65), 0)
                    }
                    let above = rem.hi > half.hi || (rem.hi == half.hi && rem.lo > half.lo)
                    let tie = rem.hi == half.hi && rem.lo == half.lo
                    if above || (tie && q & 1 == 1) { q += 1 }
                }
            }
        }
        let intPart = q / p10, frac = q % p10
        var out = v.sign == .minus ? "-" : ""
        out += String(intPart)
        if decimals > 0 {
            let digits = String(frac)
            out += "."
            out += String(repeating: "0", count: decimals - digits.count)
            out += digits
        }
        return out
    }
}

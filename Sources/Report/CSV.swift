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
public func fmt(_ v: Double, _ decimals: Int) -> String {
    guard v.isFinite else { return "" }
    return String(format: "%.\(decimals)f", v)
}

// Number formatting without Foundation's String(format:): it is slow and this runs per frame.

enum Fmt {
    /// Fixed decimals, rounded half away from zero; "-" for NaN/inf.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let negative = value < 0
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return negative ? "-huge" : "huge" }
        let n = UInt64(scaled)
        let whole = n / UInt64(scale)
        var out = negative && n != 0 ? "-" : ""
        out += String(whole)
        if decimals > 0 {
            var frac = String(n % UInt64(scale))
            while frac.count < decimals { frac = "0" + frac }
            out += "." + frac
        }
        return out
    }

    /// Latency: 3 significant-ish digits (0.42, 4.20, 42.0, 420).
    static func ms(_ v: Double) -> String {
        if v < 10 { return fixed(v, 2) }
        if v < 100 { return fixed(v, 1) }
        return fixed(v, 0)
    }

    static func percent(_ fraction: Double) -> String { fixed(fraction * 100, 2) + "%" }

    /// Integers with k/M suffixes past 5 digits so columns stay narrow.
    static func count(_ n: Int) -> String {
        if n < 100_000 { return String(n) }
        if n < 10_000_000 { return fixed(Double(n) / 1000, 0) + "k" }
        return fixed(Double(n) / 1_000_000, 1) + "M"
    }

    /// A speed factor: "0.25x", "32x" (whole numbers from 1x up).
    static func speed(_ x: Double) -> String {
        x < 1 ? fixed(x, 2) + "x" : fixed(x, 0) + "x"
    }

    /// "1 fault", "2 faults": the count and the noun in the number it takes.
    static func plural(_ n: Int, _ singular: String, _ plural: String) -> String {
        "\(n) " + (n == 1 ? singular : plural)
    }

    static func seconds(_ s: Double) -> String {
        s < 1000 ? fixed(s, 1) + "s" : fixed(s, 0) + "s"
    }

    static func padLeft(_ s: String, _ width: Int) -> String {
        let n = s.unicodeScalars.count
        return n >= width ? s : String(repeating: " ", count: width - n) + s
    }

    static func padRight(_ s: String, _ width: Int) -> String {
        let n = s.unicodeScalars.count
        return n >= width ? s : s + String(repeating: " ", count: width - n)
    }

    /// Cuts to `width` columns, marking the cut with "…" (or "~" in ASCII).
    /// Clips each name to `width`; names whose clipped forms would read the same keep
    /// their ends instead (`lin…d211`, `lin…d210`), so side-by-side columns stay apart.
    static func clipDistinct(_ names: [String], _ width: Int, unicode: Bool = true) -> [String] {
        let clipped = names.map { clip($0, width, unicode: unicode) }
        var seen: [String: Int] = [:]
        for c in clipped { seen[c, default: 0] += 1 }
        return names.indices.map { i in
            (seen[clipped[i]] ?? 0) > 1 ? clipMiddle(names[i], width, unicode: unicode) : clipped[i]
        }
    }

    /// `s` in at most `width` columns, its middle replaced by an ellipsis.
    static func clipMiddle(_ s: String, _ width: Int, unicode: Bool = true) -> String {
        let scalars = Array(s.unicodeScalars)
        guard scalars.count > width else { return s }
        guard width > 2 else { return clip(s, width, unicode: unicode) }
        let head = (width - 1) / 2, tail = width - 1 - head
        var v = String.UnicodeScalarView(scalars[0..<head])
        v.append(unicode ? "…" : "~")
        v.append(contentsOf: scalars[(scalars.count - tail)...])
        return String(v)
    }

    static func clip(_ s: String, _ width: Int, unicode: Bool = true) -> String {
        let scalars = Array(s.unicodeScalars)
        guard scalars.count > width else { return s }
        guard width > 0 else { return "" }
        var v = String.UnicodeScalarView(scalars[0..<(width - 1)])
        v.append(unicode ? "…" : "~")
        return String(v)
    }
}

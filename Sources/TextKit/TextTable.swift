/// Plain-text tables for the terminal: the one renderer behind `topsim run`'s summary,
/// the checklist, the verdict and `topsim presets`.
public enum TextTable {
    /// Rows (the first is the header) as lines: each column padded to its widest cell,
    /// columns joined by two spaces, the columns in `rightAligned` aligned right, a rule
    /// of dashes under the header when `rule` is set. No line ends in spaces, so a
    /// short last column leaves no trailing padding. Widths count characters.
    public static func lines(_ rows: [[String]], rightAligned: Set<Int> = [], rule: Bool = true) -> [String] {
        guard let header = rows.first else { return [] }
        let widths = header.indices.map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        var out: [String] = []
        for (i, row) in rows.enumerated() {
            let cells = row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: max(0, widths[c] - cell.count))
                return rightAligned.contains(c) ? pad + cell : cell + pad
            }
            out.append(trimmed(cells.joined(separator: "  ")))
            if i == 0 && rule { out.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        return out
    }

    /// `lines` with a newline after each.
    public static func render(_ rows: [[String]], rightAligned: Set<Int> = [], rule: Bool = true) -> String {
        lines(rows, rightAligned: rightAligned, rule: rule).map { $0 + "\n" }.joined()
    }

    static func trimmed(_ s: String) -> String {
        var s = s
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}

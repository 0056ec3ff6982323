import Foundation

/// JUnit XML as GitHub Actions reporters, GitLab and Jenkins read it: a
/// `<testsuites>` root, one `<testsuite>` per scenario, one `<testcase>` per
/// check, a `<failure message="…">` for each failure. Only attributes every
/// reader knows, plus `file`/`line`, which annotating reporters use and the
/// others ignore.
public enum JUnit {
    public static func xml(_ checks: [ScenarioCheck]) -> String {
        let tests = checks.reduce(0) { $0 + $1.cases.count }
        let failures = checks.reduce(0) { $0 + $1.failures }
        let time = checks.reduce(0) { $0 + $1.wallSeconds }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"topsim check\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\" time=\"\(fmt(time, 3))\">\n"
        for c in checks {
            out += "  <testsuite name=\"\(escape(c.scenario))\" tests=\"\(c.cases.count)\" failures=\"\(c.failures)\""
            out += " errors=\"0\" skipped=\"0\" time=\"\(fmt(c.wallSeconds, 3))\">\n"
            for k in c.cases {
                var attrs = "classname=\"\(escape(c.file))\" name=\"\(escape(k.name))\" file=\"\(escape(c.file))\""
                if let line = k.line, line > 0 { attrs += " line=\"\(line)\"" }
                attrs += " time=\"0\""
                let out1 = k.status == .new ? "new: \(k.detail)" : k.detail
                if k.failed {
                    let msg = k.message ?? "failed"
                    var body = msg
                    if let line = k.line, let column = k.column, line > 0 { body = "\(c.file):\(line):\(column): \(k.name): \(msg)" }
                    out += "    <testcase \(attrs)>\n"
                    out += "      <failure message=\"\(escape(msg))\" type=\"\(k.kind.rawValue)\">\(escape(body))</failure>\n"
                    out += "    </testcase>\n"
                } else {
                    out += "    <testcase \(attrs)>\n"
                    out += "      <system-out>\(escape(out1))</system-out>\n"
                    out += "    </testcase>\n"
                }
            }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    /// Escapes text for an attribute or element; characters XML 1.0 forbids
    /// (most C0 controls, lone surrogates cannot occur in Swift strings) become U+FFFD.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // Kept as references so attribute normalisation does not turn them into spaces.
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            case "\t": out += "&#9;"
            default:
                if u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }
}

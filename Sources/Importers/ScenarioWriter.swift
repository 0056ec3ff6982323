import Foundation

/// Writes an `ImportDraft` as scenario YAML (docs/scenario-format.md): block style, one value
/// a line, each with a comment saying where it came from.
public enum ScenarioWriter {
    /// Column at which the source comments start (values longer than this push them right).
    static let commentColumn = 44

    /// A valid scenario service name for `raw`: characters other than letters, digits, `.`, `_`
    /// and `-` become `-`; names the format reserves (`gateway`, `control-plane`, `node-N`)
    /// or that do not start with a letter get a prefix or suffix. Returns the name and whether
    /// it changed (the importer notes renames).
    public static func serviceName(_ raw: String) -> (name: String, changed: Bool) {
        var s = String(raw.unicodeScalars.map { c -> Character in
            (c.properties.isAlphabetic && c.isASCII) || ("0"..."9").contains(c) || c == "." || c == "_" || c == "-"
                ? Character(c) : "-"
        })
        if s.isEmpty { s = "service" }
        if let f = s.unicodeScalars.first, !(f.properties.isAlphabetic && f.isASCII) { s = "svc-" + s }
        let lower = s.lowercased()
        if lower == "gateway" || lower == "control-plane" { s += "-svc" }
        if lower.hasPrefix("node-"), lower.dropFirst(5).allSatisfy(\.isNumber), lower.count > 5 { s = "svc-" + s }
        if ["true", "false", "yes", "no", "on", "off", "null", "y", "n"].contains(lower) { s += "-svc" }
        return (s, s != raw)
    }

    /// A fraction as the scenario writes it: `0.1%`, `30%`, `12.5%`.
    public static func percent(_ f: Double) -> String { number(f * 100) + "%" }

    /// A number with at most 6 significant digits and no exponent for ordinary magnitudes.
    public static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e12 { return String(Int64(v)) }
        var s = String(format: "%.6g", v)
        if s.contains("e") { s = String(format: "%.9f", v) }
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    /// A duration in nanoseconds as scenario text, in the largest unit that keeps it exact to
    /// a nanosecond (`3s`, `250ms`, `1.5ms`, `20us`, `7ns`).
    public static func duration(nanoseconds ns: Int64) -> String {
        if ns == 0 { return "0s" }
        for (unit, size) in [("s", Int64(1_000_000_000)), ("ms", 1_000_000), ("us", 1_000)] where ns >= size {
            return number(Double(ns) / Double(size)) + unit
        }
        return "\(ns)ns"
    }

    /// A rate per second as scenario text (`100/s`, `0.5/s`).
    public static func rate(_ perSecond: Double) -> String { number(perSecond) + "/s" }

    /// A YAML double-quoted scalar.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 || c.value == 0x7F || (0x80...0x9F).contains(c.value) { out += " " } else { out.unicodeScalars.append(c) }
            }
        }
        return out + "\""
    }

    /// A line `text` with `# source` aligned at the comment column.
    static func line(_ text: String, _ source: String?) -> String {
        guard let source, !source.isEmpty else { return text + "\n" }
        let clean = source.replacingOccurrences(of: "\n", with: " ")
        let pad = max(1, commentColumn - text.count)
        return text + String(repeating: " ", count: pad) + "# " + clean + "\n"
    }

    static func call(_ c: DraftCall) -> String {
        c.probability >= 1 ? c.service : "{ service: \(c.service), probability: \(percent(c.probability)) }"
    }

    /// Nested `policies` mappings from dotted keys, in first-seen order, at `indent` spaces.
    static func policies(_ values: [PolicyValue], indent: Int) -> String {
        var out = ""
        var groups: [(String, [PolicyValue])] = []
        for v in values {
            let parts = v.key.split(separator: ".", maxSplits: 1).map(String.init)
            let head = parts[0]
            let rest = parts.count > 1 ? PolicyValue(parts[1], v.value, v.source) : nil
            if let k = groups.firstIndex(where: { $0.0 == head }), let rest { groups[k].1.append(rest) } else {
                groups.append((head, rest.map { [$0] } ?? [v]))
            }
        }
        let pad = String(repeating: " ", count: indent)
        for (head, members) in groups {
            if members.count == 1, members[0].key == head {
                out += line("\(pad)\(head): \(members[0].value)", members[0].source)
            } else {
                out += pad + head + ":\n" + policies(members, indent: indent + 2)
            }
        }
        return out
    }

    /// The scenario text.
    public static func write(_ d: ImportDraft, header: [String]) -> String {
        var out = ""
        for h in header { out += "# \(h)\n" }
        out += "# Each value's comment says where it came from (FILE:FIELD), or 'default' when topsim chose it.\n"
        out += line("scenario: \(quoted(d.name))", "default: the input's name")
        out += line("description: \(quoted(d.description))", "default: names the input")
        out += line("duration: \(d.duration.value)", d.duration.source)
        out += line("warmup: \(d.warmup.value)", d.warmup.source)
        out += "services:\n"
        for s in d.services {
            out += "  \(s.name):\n"
            if let r = s.replicas { out += line("    replicas: \(r.value)", r.source) }
            if let w = s.workers { out += line("    workers: \(w.value)", w.source) }
            out += line("    service_time: \(s.serviceTime.value)", s.serviceTime.source)
            if let e = s.errors, e.value > 0 { out += line("    errors: \(percent(e.value))", e.source) }
            if let m = s.mesh, !m.value { out += line("    mesh: false", m.source) }
            if let g = s.terminationGrace { out += line("    termination_grace: \(g.value)", g.source) }
            if !s.steps.isEmpty {
                out += "    calls:\n"
                for st in s.steps {
                    let text = st.calls.count == 1 ? call(st.calls[0]) : "[" + st.calls.map(call).joined(separator: ", ") + "]"
                    out += line("      - \(text)", st.source)
                }
            }
        }
        out += "traffic:\n"
        for t in d.traffic {
            out += line("  - name: \(t.name)", nil)
            out += line("    to: \(t.to)", t.toSource)
            out += line("    rate: \(rate(t.rate.value))", t.rate.source)
        }
        if !d.policies.isEmpty {
            out += "policies:\n" + policies(d.policies, indent: 2)
        }
        out += "topologies:\n"
        for t in d.topologies {
            out += line("  - name: \(t.name)", nil)
            out += line("    kind: \(t.kind)", "default: compared by every import")
            if let p = t.preset { out += line("    preset: \(p.value)", p.source) }
            if let r = t.replicas { out += line("    replicas: \(r.value)", r.source) }
            if let m = t.mtls { out += line("    mtls: \(m.value)", m.source) }
            for e in t.extra { out += line("    \(e.key): \(e.value)", e.source) }
            if !t.policies.isEmpty { out += "    policies:\n" + policies(t.policies, indent: 6) }
        }
        return out
    }

    /// A sample file's text: a unit header, then one value a line (milliseconds, to the nanosecond).
    public static func samples(_ f: SampleFile) -> String {
        var out = "# \(f.source)\nservice_time_ms\n"
        out.reserveCapacity(f.milliseconds.count * 10)
        for v in f.milliseconds { out += String(format: "%.6f", v) + "\n" }
        return out
    }
}

import Foundation
import Report

/// `topsim merge`: shard folders of one sweep joined into the folder the unsharded sweep
/// writes, byte for byte (rows in point order, then the same pure `Sweep.files`).
public enum SweepMerge {
    /// The merged folder's files. Every folder must hold a shard (or the whole) of the
    /// same sweep: same scenario text, parameters and options, and together every shard
    /// 0..<N exactly once. Throws `ExperimentError` saying which folder is wrong.
    public static func merge(_ dirs: [String]) throws -> [(name: String, contents: String)] {
        guard !dirs.isEmpty else { throw ExperimentError("give the shard folders to merge") }
        var parts: [(dir: String, manifest: SweepManifest, header: [String], rows: [[String]])] = []
        for d in dirs {
            let m = try readManifest(d)
            let (header, rows) = try readCSV(d)
            parts.append((d, m, header, rows))
        }
        var whole = parts[0].manifest
        whole.shard = nil
        for p in parts {
            var m = p.manifest
            m.shard = nil
            guard m == whole else {
                throw ExperimentError("\(p.dir) holds a different sweep than \(parts[0].dir) "
                    + "(scenario, --set values or options differ: \(differences(whole, m)))")
            }
            guard p.header == parts[0].header else {
                throw ExperimentError("\(p.dir)/sweep.csv has other columns than \(parts[0].dir)/sweep.csv")
            }
        }
        let count = parts[0].manifest.shard?.count ?? 1
        var holder: [Int: String] = [:]
        for p in parts {
            let s = p.manifest.shard ?? Shard(index: 0, count: 1)
            guard s.count == count else {
                throw ExperimentError("\(p.dir) is shard \(s.text), \(parts[0].dir) is shard "
                    + "\(parts[0].manifest.shard?.text ?? "0/1"): the shards of one sweep share N")
            }
            if let other = holder[s.index] { throw ExperimentError("\(p.dir) and \(other) are both shard \(s.text)") }
            holder[s.index] = p.dir
        }
        let missing = (0..<count).filter { holder[$0] == nil }
        if !missing.isEmpty {
            throw ExperimentError("missing shard\(missing.count > 1 ? "s" : "") "
                + missing.map { "\($0)/\(count)" }.joined(separator: ", ") + " of \(count)")
        }
        // Rows of a point stay together and in their order; points are put back in grid order.
        var byPoint: [Int: [[String]]] = [:]
        for p in parts {
            let s = p.manifest.shard ?? Shard(index: 0, count: 1)
            for row in p.rows {
                guard let i = Int(row[0]), i >= 0, i < whole.points else {
                    throw ExperimentError("\(p.dir)/sweep.csv: '\(row[0])' is not a point of this sweep")
                }
                guard s.owns(i) else { throw ExperimentError("\(p.dir)/sweep.csv: point \(i) is not shard \(s.text)'s") }
                byPoint[i, default: []].append(row)
            }
        }
        let absent = (0..<whole.points).filter { byPoint[$0] == nil }
        if !absent.isEmpty {
            throw ExperimentError("no rows for point\(absent.count > 1 ? "s" : "") "
                + absent.prefix(10).map(String.init).joined(separator: ", ") + (absent.count > 10 ? ", …" : ""))
        }
        let rows = (0..<whole.points).flatMap { byPoint[$0]! }
        return Sweep.files(manifest: whole, header: parts[0].header, rows: rows)
    }

    static func readManifest(_ dir: String) throws -> SweepManifest {
        let path = (dir as NSString).appendingPathComponent("sweep.json")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExperimentError("\(dir) is not a sweep's output folder (no sweep.json)")
        }
        do { return try JSONDecoder().decode(SweepManifest.self, from: data) } catch {
            throw ExperimentError("\(path) is not a sweep manifest: \(error)")
        }
    }

    static func readCSV(_ dir: String) throws -> (header: [String], rows: [[String]]) {
        let path = (dir as NSString).appendingPathComponent("sweep.csv")
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ExperimentError("\(dir) has no readable sweep.csv")
        }
        guard let table = CSVReader.parse(text), let header = table.first, header.first == "point" else {
            throw ExperimentError("\(path) is not a sweep.csv (RFC 4180, first column 'point')")
        }
        let rows = Array(table.dropFirst())
        if let bad = rows.firstIndex(where: { $0.count != header.count }) {
            throw ExperimentError("\(path): row \(bad + 2) has \(rows[bad].count) fields, the header \(header.count)")
        }
        return (header, rows)
    }

    static func differences(_ a: SweepManifest, _ b: SweepManifest) -> String {
        var d: [String] = []
        if a.scenarioSHA256 != b.scenarioSHA256 { d.append("scenario file") }
        if a.parameters != b.parameters { d.append("--set") }
        if a.seed != b.seed { d.append("--seed") }
        if a.replications != b.replications { d.append("--replications") }
        if a.durationNanos != b.durationNanos { d.append("--duration") }
        if a.independentSeeds != b.independentSeeds { d.append("--independent-seeds") }
        if a.topsimVersion != b.topsimVersion { d.append("topsim version") }
        return d.isEmpty ? "details" : d.joined(separator: ", ")
    }
}

/// RFC 4180 as `csvLine` writes it: fields quoted when they hold a comma, quote or line
/// break, quotes doubled, CRLF (or LF) line ends.
public enum CSVReader {
    /// Rows of fields; nil for an unterminated quote.
    public static func parse(_ text: String) -> [[String]]? {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false, afterQuote = false
        var chars = Array(text.unicodeScalars)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.unicodeScalars.append("\""); chars.removeFirst() } else {
                        quoted = false; afterQuote = true
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !afterQuote: quoted = true
            case ",": row.append(field); field = ""; afterQuote = false
            case "\r": continue
            case "\n": row.append(field); rows.append(row); row = []; field = ""; afterQuote = false
            default: field.unicodeScalars.append(c)
            }
        }
        if quoted { return nil }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}

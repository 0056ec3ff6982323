import Foundation

/// RFC 4180 fields: quoted only when they hold a comma, quote or line break.
public func csvField(_ s: String) -> String {
    if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return s
}

public func csvLine(_ fields: [String]) -> String { fields.map(csvField).joined(separator: ",") + "\r\n" }

/// Fixed decimals with `.` whatever the locale.
public func fmt(_ v: Double, _ decimals: Int) -> String {
    guard v.isFinite else { return "" }
    return String(format: "%.\(decimals)f", locale: Locale(identifier: "en_US_POSIX"), v)
}

public struct OutputError: Error, CustomStringConvertible {
    public var description: String
}

/// Writes every file or none: each goes to a temporary name in the same
/// directory, and the renames happen only once all were written.
public func writeAtomically(_ files: [(name: String, contents: String)], to dir: String) throws {
    let fm = FileManager.default
    var isDir: ObjCBool = false
    if !fm.fileExists(atPath: dir, isDirectory: &isDir) {
        do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw OutputError(description: "cannot create directory '\(dir)': \(error.localizedDescription)")
        }
    } else if !isDir.boolValue {
        throw OutputError(description: "'\(dir)' exists and is not a directory")
    }
    var temps: [(String, String)] = []
    do {
        for f in files {
            let final = (dir as NSString).appendingPathComponent(f.name)
            let tmp = (dir as NSString).appendingPathComponent(".\(f.name).tmp-\(getpid())")
            try Data(f.contents.utf8).write(to: URL(fileURLWithPath: tmp))
            temps.append((tmp, final))
        }
    } catch {
        for (t, _) in temps { try? fm.removeItem(atPath: t) }
        throw OutputError(description: "cannot write to '\(dir)': \(error.localizedDescription)")
    }
    for (t, f) in temps { _ = rename(t, f) }
}

import TextKit
import Foundation
import Report

/// Output folders written whole or not at all.
public enum OutputFolder {
    /// Writes every file into a fresh temporary folder beside `dir`, then renames it to
    /// `dir`; when `dir` already exists, the written files are renamed into it one by one
    /// (each rename is atomic) once all of them are complete. A failure removes the
    /// temporary folder and leaves `dir` as it was. Throws `ExperimentError`.
    public static func write(_ files: [(name: String, contents: String)], to dir: String) throws {
        let fm = FileManager.default
        let path = (dir as NSString).standardizingPath
        let parent = parentFolder(of: path)
        let base = (path as NSString).lastPathComponent
        var isDir: ObjCBool = false
        let exists = fm.fileExists(atPath: path, isDirectory: &isDir)
        if exists && !isDir.boolValue { throw ExperimentError("'\(dir)' exists and is not a directory") }
        do {
            if !parent.isEmpty { try fm.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        } catch {
            throw ExperimentError("cannot create directory '\(parent)': \(error.localizedDescription)")
        }
        let tmp = ((parent.isEmpty ? "." : parent) as NSString).appendingPathComponent(".\(base).tmp-\(getpid())")
        try? fm.removeItem(atPath: tmp)
        do {
            try fm.createDirectory(atPath: tmp, withIntermediateDirectories: false)
            for f in files {
                try Data(f.contents.utf8).write(to: URL(fileURLWithPath: (tmp as NSString).appendingPathComponent(f.name)))
            }
        } catch {
            try? fm.removeItem(atPath: tmp)
            throw ExperimentError("cannot write to '\(dir)': \(error.localizedDescription)")
        }
        if !exists {
            if rename(tmp, path) == 0 { return }
            try? fm.removeItem(atPath: tmp)
            throw ExperimentError("cannot create '\(dir)': \(String(cString: strerror(errno)))")
        }
        for f in files {
            let from = (tmp as NSString).appendingPathComponent(f.name), to = (path as NSString).appendingPathComponent(f.name)
            if rename(from, to) != 0 {
                let why = String(cString: strerror(errno))
                try? fm.removeItem(atPath: tmp)
                throw ExperimentError("cannot write '\(to)': \(why)")
            }
        }
        try? fm.removeItem(atPath: tmp)
    }
}

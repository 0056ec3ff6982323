import Foundation

/// The `topsim` executable built from the code under test, for tests that run it.
///
/// It is looked for in exactly one place: the products directory the running test
/// executable was built into (`.build-test/release` under `make test`, `.build/debug`
/// under `swift test`), where the same build put `topsim`. A missing or stale binary
/// is an error that fails the test: there is no skip and no fallback to another build
/// (`.build/release/topsim` may hold yesterday's code).
public enum TopsimBinary {
    public struct NotFound: Error, CustomStringConvertible {
        public var description: String
    }

    /// The products directory of this test run.
    public static func productsDirectory() throws -> URL {
        #if os(Linux)
        // The test bundle is an executable in the products directory.
        let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        return URL(fileURLWithPath: exe).deletingLastPathComponent()
        #else
        for b in Bundle.allBundles where b.bundlePath.hasSuffix(".xctest") {
            return b.bundleURL.deletingLastPathComponent()
        }
        throw NotFound(description: "no .xctest bundle loaded: cannot tell which build is under test")
        #endif
    }

    /// The binary next to the tests; throws when it is missing or older than a source
    /// file of a module it links (it would not be the code under test).
    public static func url() throws -> URL {
        let dir = try productsDirectory()
        let bin = dir.appendingPathComponent("topsim")
        guard FileManager.default.isExecutableFile(atPath: bin.path) else {
            throw NotFound(description: "\(bin.path) is missing: build it with the tests "
                           + "(`make test`, or `swift build --build-tests` with the same flags)")
        }
        if let newer = try newestSource(after: modified(bin)) {
            throw NotFound(description: "\(bin.path) is older than \(newer): it is not the code under test; rebuild")
        }
        return bin
    }

    /// The package root (this file is Tests/TestSupport/TopsimBinary.swift).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Source directories the binary does not link: a change there does not relink it.
    static let notLinked: Set<String> = ["topsim-bench"]

    static func modified(_ url: URL) throws -> Date {
        try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date ?? .distantPast
    }

    /// A source file of the binary's modules modified after `date`, if any.
    static func newestSource(after date: Date) throws -> String? {
        let sources = packageRoot.appendingPathComponent("Sources")
        let fm = FileManager.default
        for module in try fm.contentsOfDirectory(atPath: sources.path).sorted() where !notLinked.contains(module) {
            let dir = sources.appendingPathComponent(module)
            guard let files = fm.enumerator(atPath: dir.path) else { continue }
            for case let f as String in files where f.hasSuffix(".swift") || f.hasSuffix(".h") {
                let url = dir.appendingPathComponent(f)
                // A second of slack: file systems and the linker round times differently.
                if try modified(url) > date.addingTimeInterval(1) { return "Sources/\(module)/\(f)" }
            }
        }
        return nil
    }

    /// Runs the binary with `args` (stdin closed), waits, and returns status and output.
    public static func run(_ args: [String], in dir: URL? = nil, env: [String: String]? = nil) throws
        -> (status: Int32, stdout: String, stderr: String) {
        try Command.run(url(), args, in: dir, env: env)
    }
}

/// Runs a program to its end and collects what it printed.
public enum Command {
    public static func run(_ exe: URL, _ args: [String], in dir: URL? = nil, env: [String: String]? = nil) throws
        -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        if let dir { p.currentDirectoryURL = dir }
        if let env { p.environment = env }
        let out = Pipe(), err = Pipe()
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read before waiting so that a full pipe cannot block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

import Foundation
import TestSupport
import XCTest
@testable import Report

/// Output folders appear whole or not at all, replace an earlier run's set entirely, are
/// checked before anything is simulated, and leave nothing behind on any failure.
final class OutputIntegrityTests: XCTestCase {
    static let withFaults = """
    scenario: with-faults
    duration: 200ms
    services:
      a: { replicas: 2, service_time: exp(1ms) }
    traffic:
      - { to: a, rate: 100/s }
    topologies:
      - { name: direct, kind: none }
    faults:
      - { at: 50ms, for: 50ms, kind: crash, target: a/0 }

    """
    static let withoutFaults = """
    scenario: without-faults
    duration: 200ms
    services:
      a: { replicas: 2, service_time: exp(1ms) }
    traffic:
      - { to: a, rate: 100/s }
    topologies:
      - { name: direct, kind: none }

    """
    /// A run that takes minutes (10 million requests on five topologies): a check that
    /// fails before simulating returns at once, one after it would hit the timeout.
    static let slow = """
    scenario: slow
    duration: 10000s
    window: 1s
    services:
      a: { replicas: 4, service_time: exp(1ms) }
    traffic:
      - { to: a, rate: 1000/s }
    topologies:
      - { name: direct, kind: none }
      - { name: mesh, kind: sidecar }

    """

    func write(_ text: String, _ dir: String, _ name: String) throws -> String {
        let p = "\(dir)/\(name)"
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func testASecondRunReplacesTheWholeSet() throws {
        let dir = Topsim.scratch("replace")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try write(Self.withFaults, dir, "a.yaml"), b = try write(Self.withoutFaults, dir, "b.yaml")
        let first = try Topsim.run(["run", a, "--out", "\(dir)/out"])
        XCTAssertEqual(first.status, 0, first.summary)
        XCTAssertTrue(Topsim.entries("\(dir)/out").contains("faults.csv"))
        let second = try Topsim.run(["run", b, "--out", "\(dir)/out"])
        XCTAssertEqual(second.status, 0, second.summary)
        // The first run's faults.csv must not stay beside the new files.
        XCTAssertEqual(Topsim.entries("\(dir)/out"), ["hops.csv", "proxies.csv", "report.html", "run.json", "services.csv",
                                                     "summary.csv", "timeseries.csv", "verdict.csv"])
        XCTAssertTrue(try String(contentsOfFile: "\(dir)/out/summary.csv", encoding: .utf8).contains("without-faults"))
        XCTAssertEqual(Topsim.entries(dir), ["a.yaml", "b.yaml", "out"], "temporary folders left behind")
    }

    /// `--out o` from the folder it goes in: a one-character relative path crashed Foundation's
    /// deletingLastPathComponent on Linux (an illegal instruction); the run writes its folder.
    func testAOneCharacterOutputFolderIsWritten() throws {
        let dir = Topsim.scratch("one-char")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try write(Self.withoutFaults, dir, "a.yaml")
        let r = try TopsimBinary.run(["run", "a.yaml", "--out", "o"], in: URL(fileURLWithPath: dir))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(Topsim.entries("\(dir)/o").contains("summary.csv"))
    }

    func testForeignFoldersLinksAndFilesAreRefusedBeforeSimulating() throws {
        let dir = Topsim.scratch("refuse")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let slow = try write(Self.slow, dir, "slow.yaml")
        try FileManager.default.createDirectory(atPath: "\(dir)/mine", withIntermediateDirectories: true)
        try "keep me".write(toFile: "\(dir)/mine/notes.txt", atomically: true, encoding: .utf8)
        try "plain".write(toFile: "\(dir)/file", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/link", withDestinationPath: "\(dir)/mine")
        for (target, fragment) in [("mine", "holds files topsim did not write (notes.txt)"), ("file", "is a file, not a folder"),
                                   ("link", "is a symbolic link")] {
            // The timeout guards the claim: the slow scenario would run for minutes.
            let r = try Topsim.run(["run", slow, "--out", "\(dir)/\(target)"])
            XCTAssertFalse(r.timedOut, "\(target): simulated before checking the output folder")
            XCTAssertEqual(r.status, 2, r.summary)
            XCTAssertTrue(r.err.hasPrefix("error: ") && r.err.contains(fragment), r.err)
            XCTAssertEqual(r.out, "", "\(target): a table was printed, so it simulated")
        }
        XCTAssertEqual(try String(contentsOfFile: "\(dir)/mine/notes.txt", encoding: .utf8), "keep me")
        XCTAssertEqual(Topsim.entries(dir), ["file", "link", "mine", "slow.yaml"])
    }

    /// The set goes to a temporary folder beside the target and is swapped in with one
    /// rename: an existing set is replaced whole (its extra files go with it).
    func testCommitSwapsTheWholeSetIn() throws {
        let dir = Topsim.scratch("swap")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = "\(dir)/out"
        try OutputFolder(target: target).commit([("run.json", "{\n  \"topsim_version\": \"old\"\n}\n"),
                                                ("faults.csv", "old\r\n"), ("summary.csv", "old\r\n")])
        let folder = try OutputFolder(target: target)
        // Prepared beside the target, before anything is written into it.
        let temp = Topsim.entries(dir).filter { $0.hasPrefix(".out.topsim-") }
        XCTAssertEqual(temp.count, 1)
        XCTAssertEqual(Topsim.entries(target), ["faults.csv", "run.json", "summary.csv"], "the old set must stay until the swap")
        try folder.commit([("run.json", "{\n  \"topsim_version\": \"new\"\n}\n"), ("summary.csv", "new\r\n")])
        XCTAssertEqual(Topsim.entries(target), ["run.json", "summary.csv"])
        XCTAssertEqual(try String(contentsOfFile: "\(target)/summary.csv", encoding: .utf8), "new\r\n")
        XCTAssertEqual(Topsim.entries(dir), ["out"])
    }

    /// `sweep`, `merge` and `capacity` write their folders the same way, each with its own
    /// set of names: a folder holding anything else (a stray file, another command's set) is
    /// refused before any work, and an earlier set of the same command is replaced whole, so
    /// a shard's sweep leaves no sweep.svg of the whole sweep beside its own files (a fresh
    /// user's finding: files were renamed into the folder one by one, over whatever was there).
    func testSweepAndCapacityFoldersAreTheirCommandsAlone() throws {
        let dir = Topsim.scratch("kinds")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sweep = "\(dir)/sweep"
        let manifest = "{\n  \"topsim_version\": \"0\"\n}\n"
        try OutputFolder(target: sweep, kind: .sweep).commit([("sweep.csv", "a\r\n"), ("sweep.json", manifest),
                                                              ("sweep.svg", "<svg/>")])
        try OutputFolder(target: sweep, kind: .sweep).commit([("sweep.csv", "b\r\n"), ("sweep.json", manifest)])
        XCTAssertEqual(Topsim.entries(sweep), ["sweep.csv", "sweep.json"], "the earlier set is replaced whole")
        // Another command's folder, or one with a stray file: refused, named, untouched.
        XCTAssertThrowsError(try OutputFolder(target: sweep, kind: .capacity)) { e in
            XCTAssertTrue("\(e)".contains("holds files 'topsim capacity' did not write (sweep.csv, sweep.json)"), "\(e)")
        }
        XCTAssertThrowsError(try OutputFolder(target: sweep, kind: .run))
        try "mine".write(toFile: "\(sweep)/notes.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try OutputFolder(target: sweep, kind: .sweep)) { e in
            XCTAssertTrue("\(e)".contains("(notes.txt)"), "\(e)")
        }
        XCTAssertEqual(Topsim.entries(sweep), ["notes.txt", "sweep.csv", "sweep.json"])
        // A capacity set has no marker file: its names alone make it replaceable.
        let capacity = "\(dir)/capacity"
        try OutputFolder(target: capacity, kind: .capacity).commit([("capacity.csv", "x"), ("capacity.svg", "y")])
        try OutputFolder(target: capacity, kind: .capacity).commit([("capacity.csv", "z")])
        XCTAssertEqual(Topsim.entries(capacity), ["capacity.csv"])
        XCTAssertEqual(Topsim.entries(dir).sorted(), ["capacity", "sweep"], "nothing left beside them")
    }

    /// A writer that fails partway (a full disk): the target keeps the previous set, the
    /// temporary folder is gone, and the error names the file.
    func testAFailedWriteLeavesTheTargetAsItWasAndNothingBehind() throws {
        let dir = Topsim.scratch("faulty")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = "\(dir)/out"
        try OutputFolder(target: target).commit([("run.json", "{\n  \"topsim_version\": \"old\"\n}\n"), ("summary.csv", "old\r\n")])
        let counter = Counter()
        let failing: OutputWriter = { path, data in
            if counter.next() == 2 { throw OutputError(description: "cannot write '\(path)': No space left on device") }
            try defaultOutputWriter(path, data)
        }
        let folder = try OutputFolder(target: target, writer: failing)
        XCTAssertThrowsError(try folder.commit([("summary.csv", "new"), ("timeseries.csv", "new"), ("run.json", "new")])) { e in
            XCTAssertTrue("\(e)".contains("cannot write timeseries.csv into '\(target)': No space left on device"), "\(e)")
        }
        XCTAssertEqual(Topsim.entries(dir), ["out"], "temporary folder left behind")
        XCTAssertEqual(try String(contentsOfFile: "\(target)/summary.csv", encoding: .utf8), "old\r\n")
        // A folder created for the target (and its parents) goes too.
        let fresh = "\(dir)/new/deeper/out"
        let f2 = try OutputFolder(target: fresh, writer: { _, _ in throw OutputError(description: "disk full") })
        XCTAssertThrowsError(try f2.commit([("summary.csv", "x")]))
        XCTAssertEqual(Topsim.entries(dir), ["out"], "created parents left behind")
    }

    /// A real full disk: a small tmpfs (when this machine lets the tests mount one).
    func testAFullDiskLeavesNothingAndExitsTwo() throws {
        let mountPoint = Topsim.scratch("tmpfs")
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        let m = Topsim.spawn("/bin/mount", ["-t", "tmpfs", "-o", "size=16k", "tmpfs", mountPoint])
        guard m.status == 0 else { throw XCTSkip("cannot mount a tmpfs here (\(m.err)); the fault-injected writer test covers it") }
        defer { _ = Topsim.spawn("/bin/umount", [mountPoint]) }
        let dir = Topsim.scratch("full")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let scenario = try write(Self.withFaults.replacingOccurrences(of: "duration: 200ms", with: "duration: 10s\nwindow: 1ms"),
                                 dir, "s.yaml")
        let r = try Topsim.run(["run", scenario, "--out", "\(mountPoint)/out"])
        XCTAssertEqual(r.status, 2, r.summary)
        XCTAssertTrue(r.err.contains("No space left on device") && r.err.contains("nothing was written"), r.err)
        XCTAssertEqual(Topsim.entries(mountPoint), [], "a full disk left files behind")
    }

    func testStandardOutputThatCannotBeWrittenExitsTwo() throws {
        let dir = Topsim.scratch("stdout")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try write(Self.withoutFaults, dir, "s.yaml")
        let r = try Topsim.run(["run", s], stdoutPath: "/dev/full")
        XCTAssertEqual(r.status, 2, r.summary)
        XCTAssertTrue(r.err.hasPrefix("error: cannot write to standard output"), r.err)
    }

    /// `--junit` replaces only a regular file: never a link, a pipe, a device or a folder,
    /// and it says so before anything runs.
    func testJUnitTargets() throws {
        let dir = Topsim.scratch("junit")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try write(Self.withoutFaults + "expect:\n  - direct.success_rate >= 0%\n", dir, "s.yaml")
        let slow = try write(Self.slow, dir, "slow.yaml")
        try "outside".write(toFile: "\(dir)/victim.xml", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/link.xml", withDestinationPath: "\(dir)/victim.xml")
        XCTAssertEqual(mkfifo("\(dir)/pipe.xml", 0o644), 0)
        try FileManager.default.createDirectory(atPath: "\(dir)/folder.xml", withIntermediateDirectories: true)
        for (target, what) in [("\(dir)/link.xml", "a symbolic link"), ("\(dir)/pipe.xml", "a named pipe"),
                               ("\(dir)/folder.xml", "a folder"), ("/dev/null", "a device")] {
            let r = try Topsim.run(["check", slow, "--junit", target])
            XCTAssertFalse(r.timedOut, "\(target): simulated before checking --junit")
            XCTAssertEqual(r.status, 2, "\(target): \(r.summary)")
            XCTAssertTrue(r.err.contains("--junit '\(target)' is \(what)"), r.err)
        }
        XCTAssertEqual(try String(contentsOfFile: "\(dir)/victim.xml", encoding: .utf8), "outside")
        var st = stat()
        XCTAssertEqual(lstat("/dev/null", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFCHR, "/dev/null was replaced")
        // A regular file (or none) is written whole, in a folder created for it.
        for target in ["\(dir)/report.xml", "\(dir)/report.xml", "\(dir)/new/j.xml"] {
            let r = try Topsim.run(["check", s, "--junit", target])
            XCTAssertEqual(r.status, 0, r.summary)
            XCTAssertTrue(try String(contentsOfFile: target, encoding: .utf8).hasSuffix("</testsuites>\n"))
        }
        XCTAssertFalse(Topsim.entries(dir).contains { $0.hasPrefix(".") }, "temporary files left: \(Topsim.entries(dir))")
    }
}

/// A thread-safe call counter for writers.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
}

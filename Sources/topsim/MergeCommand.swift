import ArgumentParser
import Experiments
import Foundation
import Report

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the folders of a sharded sweep into the folder the whole sweep writes.",
        discussion: """
        Every folder must be a shard of the same sweep (same scenario file, --set values and \
        options) and together they must be every shard 0..N-1 exactly once. The result \
        (sweep.csv, sweep.json, sweep.svg) equals the unsharded sweep's byte for byte. \
        Written whole or not at all; exit 2 when a shard is missing or does not belong.
        """)

    @Argument(help: "The shards' output folders.", completion: .directory)
    var dirs: [String]

    @Option(name: .long, help: "Directory for the merged sweep.", completion: .directory)
    var out: String

    func validate() throws {
        if dirs.isEmpty { throw ValidationError("give the shard folders to merge") }
    }

    func run() throws {
        do {
            let files = try SweepMerge.merge(dirs)
            try OutputFolder(target: out, kind: .sweep).commit(files)
            let rows = files.first { $0.name == "sweep.csv" }.map { $0.contents.components(separatedBy: "\r\n").count - 2 } ?? 0
            print("merged \(dirs.count) folder\(dirs.count == 1 ? "" : "s"): \(rows) rows in \(out)")
        } catch {
            fail("\(error)")
        }
    }
}

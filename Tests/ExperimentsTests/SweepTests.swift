import Foundation
import Scenario
import XCTest
@testable import Experiments
import Report

final class SweepParameterTests: XCTestCase {
    func testValuesAndRanges() throws {
        XCTAssertEqual(try SweepParameter.parse("traffic.shoppers.rate=100/s,200/s").values, ["100/s", "200/s"])
        let r = try SweepParameter.parse("traffic.shoppers.rate=100/s..2000/s:10")
        XCTAssertEqual(r.values.count, 10)
        // (2000 - 100) / 9 = 211.111...: six significant digits.
        XCTAssertEqual(Array(r.values.prefix(3)), ["100/s", "311.111/s", "522.222/s"])
        XCTAssertEqual(r.values.last, "2000/s")
        XCTAssertEqual(try SweepParameter.parse("services.payment.replicas=1..4").values, ["1", "2", "3", "4"])
        // 1 + 7 * i / 2 = 1, 4.5, 8: whole-number ends give whole numbers (4.5 rounds to 5).
        XCTAssertEqual(try SweepParameter.parse("services.payment.replicas=1..8:3").values, ["1", "5", "8"])
        XCTAssertEqual(try SweepParameter.parse("policies.timeout=1ms..5ms:5").values, ["1ms", "2ms", "3ms", "4ms", "5ms"])
    }

    func testCommasInsideADistributionBelongToIt() throws {
        let p = try SweepParameter.parse("services.payment.service_time=exp(5ms), lognormal(mean: 5ms, cv: 1.5)")
        XCTAssertEqual(p.values, ["exp(5ms)", "lognormal(mean: 5ms, cv: 1.5)"])
    }

    func testBadArguments() {
        func message(_ a: String) -> String {
            do { _ = try SweepParameter.parse(a); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message("rate").contains("write PATH=V1,V2"), message("rate"))
        XCTAssertTrue(message("a.b=1/s..5:3").contains("'/s' at one end and '' at the other"), message("a.b=1/s..5:3"))
        XCTAssertTrue(message("a.b=1/s..5/s").contains("say how many values"), message("a.b=1/s..5/s"))
        XCTAssertTrue(message("a.b=1,,2").contains("empty value"), message("a.b=1,,2"))
        XCTAssertTrue(message("a.b=1,1").contains("given twice"), message("a.b=1,1"))
        XCTAssertTrue(message("replications=1,2").contains("--replications"), message("replications=1,2"))
    }

    func testShards() throws {
        XCTAssertEqual(try Shard.parse("1/3", shards: nil, environment: [:]), Shard(index: 1, count: 3))
        XCTAssertEqual(try Shard.parse("auto", shards: nil,
                                       environment: ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"]),
                       Shard(index: 2, count: 4))
        // --array=1-7:2 gives ids 1, 3, 5, 7: the third task (id 5) is shard 2 of 4.
        XCTAssertEqual(try Shard.parse("auto", shards: nil, environment: [
            "SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1",
            "SLURM_ARRAY_TASK_STEP": "2"]), Shard(index: 2, count: 4))
        XCTAssertEqual(try Shard.parse("auto", shards: 3, environment: ["JOB_COMPLETION_INDEX": "0"]),
                       Shard(index: 0, count: 3))
        XCTAssertThrowsError(try Shard.parse("auto", shards: nil, environment: ["JOB_COMPLETION_INDEX": "0"]))
        XCTAssertThrowsError(try Shard.parse("auto", shards: nil, environment: [:]))
        XCTAssertThrowsError(try Shard.parse("3/3", shards: nil, environment: [:]))
        XCTAssertThrowsError(try Shard.parse("1-3", shards: nil, environment: [:]))
        let s = Shard(index: 1, count: 3)
        XCTAssertEqual((0..<10).filter(s.owns), [1, 4, 7])
    }
}

final class SweepTests: XCTestCase {
    var dir: URL!
    var file: String { dir.appendingPathComponent("shop.yaml").path }

    override func setUpWithError() throws {
        dir = try Support.tempDir("sweep")
        try Support.shop.write(toFile: file, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func plan(_ sets: [String]) throws -> SweepPlan {
        try SweepPlan.make(scenarioPath: file, parameters: sets.map(SweepParameter.parse))
    }

    let grid = ["traffic.shoppers.rate=50/s..150/s:3", "services.payment.replicas=1,2",
                "topologies.mesh.preset=istio-envoy,linkerd"]

    func testGridOrderAndEveryPointParsed() throws {
        let p = try plan(grid)
        XCTAssertEqual(p.points.count, 12)
        XCTAssertEqual(p.points[0].values, ["50/s", "1", "istio-envoy"])
        XCTAssertEqual(p.points[1].values, ["50/s", "1", "linkerd"])
        XCTAssertEqual(p.points[11].values, ["150/s", "2", "linkerd"])
        XCTAssertEqual(p.scenarios[11].traffic[0].rate, .constant(perSecond: 150))
        XCTAssertEqual(p.scenarios[11].services[1].replicas, 2)
        XCTAssertEqual(p.scenarios[11].topology(named: "mesh")?.preset, "linkerd")
        // A key the file leaves out is added: the retries policy the file does not have.
        let q = try plan(["policies.retries.attempts=0,3"])
        XCTAssertEqual(q.scenarios[1].policies.retries?.attempts, 3)
    }

    /// The bar: sweep + merge over 3 shards gives the unsharded folder byte for byte.
    func testThreeShardsMergeToTheUnshardedSweepByteForByte() throws {
        let p = try plan(grid)
        let whole = try Sweep.run(p, options: Sweep.Options())
        XCTAssertEqual(whole.rows.count, 24)   // 12 points x 2 topologies
        let wholeDir = dir.appendingPathComponent("whole")
        try writeAtomically(Sweep.files(manifest: whole.manifest, header: whole.header, rows: whole.rows), to: wholeDir.path, kind: .sweep)
        var shardDirs: [String] = []
        for i in [2, 0, 1] {
            // Each shard on one core: the results must not depend on it.
            let r = try Sweep.run(p, options: Sweep.Options(jobs: 1, shard: Shard(index: i, count: 3)))
            XCTAssertEqual(r.rows.count, 8)
            let d = dir.appendingPathComponent("shard-\(i)").path
            try writeAtomically(Sweep.files(manifest: r.manifest, header: r.header, rows: r.rows), to: d, kind: .sweep)
            shardDirs.append(d)
        }
        XCTAssertNil(FileManager.default.contents(atPath: shardDirs[0] + "/sweep.svg"), "a shard draws no chart")
        let merged = dir.appendingPathComponent("merged")
        try writeAtomically(try SweepMerge.merge(shardDirs), to: merged.path, kind: .sweep)
        let a = try Support.contents(wholeDir), b = try Support.contents(merged)
        XCTAssertEqual(a.keys.sorted(), ["sweep.csv", "sweep.json", "sweep.svg"])
        XCTAssertEqual(a, b)
        let csv = String(decoding: a["sweep.csv"]!, as: UTF8.self)
        XCTAssertTrue(csv.hasPrefix("point,traffic.shoppers.rate,services.payment.replicas,topologies.mesh.preset,seed,scenario,topology,kind,"), csv)
        // Merging a shard with itself, or without one, is refused.
        XCTAssertThrowsError(try SweepMerge.merge([shardDirs[0], shardDirs[1]])) {
            XCTAssertTrue("\($0)".contains("missing shard 1/3"), "\($0)")
        }
        XCTAssertThrowsError(try SweepMerge.merge(shardDirs + [shardDirs[0]]))
    }

    /// A point's numbers depend on its values only: the same point in a smaller grid, at
    /// another index, gives the same row (common random numbers: the scenario's seed).
    func testSeedsComeFromThePointNotItsPlace() throws {
        let big = try Sweep.run(try plan(["traffic.shoppers.rate=50/s,80/s"]), options: Sweep.Options())
        let small = try Sweep.run(try plan(["traffic.shoppers.rate=80/s"]), options: Sweep.Options())
        XCTAssertEqual(big.rows.filter { $0[1] == "80/s" }.map { Array($0.dropFirst()) }, small.rows.map { Array($0.dropFirst()) })
        XCTAssertEqual(big.rows[0][2], "3")    // the scenario's seed
        // With --independent-seeds, a seed per point, still from its values alone.
        let opts = Sweep.Options(independentSeeds: true)
        let bi = try Sweep.run(try plan(["traffic.shoppers.rate=50/s,80/s"]), options: opts)
        let si = try Sweep.run(try plan(["traffic.shoppers.rate=80/s"]), options: opts)
        XCTAssertNotEqual(bi.rows[0][2], bi.rows[2][2])
        XCTAssertEqual(bi.rows.filter { $0[1] == "80/s" }.map { Array($0.dropFirst()) }, si.rows.map { Array($0.dropFirst()) })
    }

    func testABadValueIsAPositionedErrorNamingThePoint() throws {
        XCTAssertThrowsError(try plan(["traffic.shoppers.rate=50/s,80/s", "services.payment.replicas=2,0"])) { e in
            let d = (e as? ScenarioErrors)?.diagnostics ?? []
            XCTAssertEqual(d.count, 1, "\(e)")
            // `  payment: { replicas: 2, ...` is line 7; the value 2 at column 24.
            XCTAssertEqual(d.first?.description,
                           "\(file):7:24: error: 'replicas' must be at least 1, not 0 (point 1: traffic.shoppers.rate=50/s, services.payment.replicas=0)")
        }
        XCTAssertThrowsError(try plan(["services.paymnt.replicas=2"])) { e in
            let d = (e as? ScenarioErrors)?.diagnostics.first
            XCTAssertEqual(d?.line, 6)   // the services mapping, at its first key
            XCTAssertEqual(d?.message,
                           "--set 'services.paymnt.replicas': no service named 'paymnt' (services: front, payment) (did you mean 'payment'?) (point 0: services.paymnt.replicas=2)")
        }
        XCTAssertThrowsError(try plan(["topologies.mesh.preset=istio-envoy,envoy-gatway"])) { e in
            XCTAssertTrue("\(e)".contains("(point 1: topologies.mesh.preset=envoy-gatway)"), "\(e)")
        }
    }
}

/// The command line end to end: the Kubernetes path (JOB_COMPLETION_INDEX), exit codes,
/// nothing written on bad input.
final class SweepCommandTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = try Support.tempDir("sweep-cli")
        try Support.shop.write(to: dir.appendingPathComponent("shop.yaml"), atomically: true, encoding: .utf8)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testKubernetesIndexedJobShardsMergeToTheWholeSweep() throws {
        let file = dir.appendingPathComponent("shop.yaml").path
        let sweep = ["sweep", file, "--set", "traffic.shoppers.rate=60/s..120/s:4", "--set", "services.front.workers=4,8",
                     "--duration", "10s"]
        let whole = try Support.topsim(sweep + ["--out", dir.appendingPathComponent("whole").path])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        XCTAssertTrue(whole.stdout.contains("8 of 8 points"), whole.stdout)
        var parts: [String] = []
        for i in 0..<3 {
            let out = dir.appendingPathComponent("part-\(i)").path
            let r = try Support.topsim(sweep + ["--shard", "auto", "--shards", "3", "--out", out],
                                       environment: ["JOB_COMPLETION_INDEX": "\(i)"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("(shard \(i)/3)"), r.stdout)
            parts.append(out)
        }
        let merged = dir.appendingPathComponent("merged").path
        let m = try Support.topsim(["merge"] + parts + ["--out", merged])
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertEqual(try Support.contents(dir.appendingPathComponent("whole")),
                       try Support.contents(URL(fileURLWithPath: merged)))
    }

    /// deploy/kubernetes/*.yaml as a cluster would run them: the Indexed Job's command through
    /// `/bin/sh -c` once per JOB_COMPLETION_INDEX, then the merge Job's, with the paths moved
    /// to a temporary folder and shorter runs (--set warmup=0s --duration 1s --replications 1 appended).
    func testTheKubernetesManifestsShardAndMerge() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        func command(_ file: String, after marker: String) throws -> String {
            let text = try String(contentsOf: repo.appendingPathComponent("deploy/kubernetes/\(file)"), encoding: .utf8)
            let lines = text.components(separatedBy: "\n")
            let i = try XCTUnwrap(lines.firstIndex { $0.contains(marker) }, "\(file) has no \(marker)")
            if marker == "args: [" {
                let l = lines[i]
                return String(l[l.range(of: "[\"")!.upperBound..<l.range(of: "\"]", options: .backwards)!.lowerBound])
            }
            // A folded block (`- >-`): the lines indented below it, joined by spaces.
            let indent = lines[i].prefix { $0 == " " }.count
            return lines[(i + 1)...].prefix { $0.prefix { $0 == " " }.count > indent && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        }
        let scenario = repo.appendingPathComponent("scenarios/capacity-gateway-replicas.yaml").path
        let results = dir.appendingPathComponent("results").path
        let bin = try Support.topsimBinary().deletingLastPathComponent().path
        func sh(_ cmd: String, _ env: [String: String] = [:]) throws -> Support.Outcome {
            let c = cmd.replacingOccurrences(of: "/scenario/scenario.yaml", with: scenario)
                .replacingOccurrences(of: "/results", with: results)
            return try Support.run("/bin/sh", ["-c", c], environment: env.merging(["PATH": bin + ":/usr/bin:/bin"]) { $1 })
        }
        let shard = try command("sweep-job.yaml", after: "- >-") + " --set warmup=0s --duration 1s --replications 1"
        XCTAssertTrue(shard.contains("--shard auto --shards 4"), shard)
        for i in 0..<4 {
            let r = try sh(shard, ["JOB_COMPLETION_INDEX": "\(i)"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let merge = try sh(try command("merge-job.yaml", after: "args: ["))
        XCTAssertEqual(merge.status, 0, merge.stderr)
        let whole = try sh(shard.components(separatedBy: " --shard auto --shards 4").joined()
            .replacingOccurrences(of: "shard-$JOB_COMPLETION_INDEX", with: "whole"))
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let merged = try Support.contents(URL(fileURLWithPath: results + "/sweep/merged"))
        XCTAssertEqual(merged, try Support.contents(URL(fileURLWithPath: results + "/sweep/whole")))
        // The merge Job prints sweep.csv for `kubectl logs`.
        XCTAssertEqual(Data(merge.stdout.utf8), merged["sweep.csv"])
    }

    func testBadSetExitsTwoAndWritesNothing() throws {
        let file = dir.appendingPathComponent("shop.yaml").path
        let out = dir.appendingPathComponent("out").path
        let r = try Support.topsim(["sweep", file, "--set", "services.payment.service_time=exp(5ms),exp(5)", "--out", out])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.hasPrefix("\(file):7:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("(point 1: services.payment.service_time=exp(5))"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let k = try Support.topsim(["sweep", file, "--set", "duration=5s", "--shard", "auto", "--out", out])
        XCTAssertEqual(k.status, 2)
        XCTAssertTrue(k.stderr.contains("JOB_COMPLETION_INDEX"), k.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}

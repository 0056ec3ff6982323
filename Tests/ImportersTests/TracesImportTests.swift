import Foundation
@testable import Importers
import Report
import Scenario
import SimCore
import Topology
import XCTest

/// `topsim import traces`: hand-written Jaeger and Zipkin exports whose values are derived in
/// the comments, a round trip through `topsim run --trace-sample`'s OTLP output, and a large export.
final class TracesImportTests: XCTestCase {
    /// Fixtures/traces/jaeger.json, by hand (times in µs):
    /// - trace t1: web 0..10000 calls api (client span 1000..5000) and db (client 1000..6000):
    ///   they overlap, a parallel group. web's self time = 10000 − |[1000, 6000]| = 5000 µs = 5 ms;
    ///   api's = 3 ms (its server span, no calls), db's = 4.5 ms.
    /// - trace t2 at 100000: web 100000..108000 calls api (client 101000..103000); api's server
    ///   span starts at 100500, before its parent (clock skew): clamped to 101000..101500, 0.5 ms.
    ///   web's self = 8 − 2 = 6 ms. A cache span names a parent missing from the trace: counted,
    ///   not an entry.
    /// So: web calls [api, {db, 1 of 2 = 50%}]; rate (2 − 1) roots / 0.1 s = 10/s.
    func testJaegerExport() throws {
        let d = try TracesImporter.importFile(Fixtures.path("traces/jaeger.json"))
        XCTAssertEqual(d.services.map(\.name), ["web", "api", "db", "cache"])
        let web = d.services[0]
        XCTAssertEqual(web.steps.count, 1)
        XCTAssertEqual(web.steps[0].calls, [DraftCall(service: "api"), DraftCall(service: "db", probability: 0.5)])
        // Sample files hold values in ascending order.
        XCTAssertEqual(samples(d, "web"), [5, 6])
        XCTAssertEqual(samples(d, "api"), [0.5, 3])
        XCTAssertEqual(samples(d, "db"), [4.5])
        XCTAssertEqual(d.traffic.map(\.to), ["web"])
        XCTAssertEqual(d.traffic[0].rate.value, 10, accuracy: 1e-9)
        XCTAssertTrue(d.notes.contains { $0.contains("1 spans name a parent missing") })
        XCTAssertTrue(d.notes.contains { $0.contains("1 spans started before or ended after their parent") })
        let dir = try Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertNoThrow(try Fixtures.load(d, in: dir))
    }

    /// Fixtures/traces/zipkin.json, by hand: shared client/server spans (one id). Trace a1: web
    /// 0..10 ms calls api (client 2..5 ms) then db (client 6..8 ms): no overlap, two steps;
    /// web's self = 10 − 3 − 2 = 5 ms, api's 2 ms, db's 1.5 ms and failed (tags.error) with no
    /// call under it: errors 1 of 1. Trace a2, 0.5 s later: web 6 ms calls api (client 3 ms):
    /// web 3 ms, api 1 ms. db is called in 1 of 2: 50%. Rate: 1 / 0.5 s = 2/s.
    func testZipkinExport() throws {
        let d = try TracesImporter.importFile(Fixtures.path("traces/zipkin.json"))
        XCTAssertEqual(d.services.map(\.name), ["web", "api", "db"])
        XCTAssertEqual(d.services[0].steps.map(\.calls), [[DraftCall(service: "api")], [DraftCall(service: "db", probability: 0.5)]])
        XCTAssertEqual(samples(d, "web"), [3, 5])
        XCTAssertEqual(samples(d, "api"), [1, 2])
        XCTAssertEqual(samples(d, "db"), [1.5])
        XCTAssertEqual(d.services[2].errors?.value, 1)
        XCTAssertEqual(d.traffic[0].rate.value, 2, accuracy: 1e-9)
    }

    func samples(_ d: ImportDraft, _ service: String) -> [Double] {
        d.samples.first { $0.name == "samples-\(service).csv" }?.milliseconds ?? []
    }

    static let roundTrip = """
        scenario: roundtrip
        duration: 40s
        warmup: 2s
        services:
          front:
            replicas: 4
            workers: 64
            service_time: exp(2ms)
            calls:
              - auth
              - [cart, { service: recs, probability: 40% }]
          auth: { replicas: 2, workers: 64, service_time: const(1ms) }
          cart: { replicas: 2, workers: 64, service_time: lognormal(mean: 3ms, cv: 0.5), calls: [db] }
          recs: { replicas: 2, workers: 64, service_time: uniform(1ms, 5ms) }
          db: { replicas: 2, workers: 64, service_time: exp(1ms) }
        traffic:
          - { name: shoppers, to: front, rate: 100/s }
        topologies:
          - { name: direct, kind: none }
          - { name: mesh, kind: sidecar, preset: istio-envoy }
        """

    /// Kolmogorov–Smirnov distance between samples and a CDF.
    func ks(_ xs: [Double], _ cdf: (Double) -> Double) -> Double {
        let s = xs.sorted(), n = Double(s.count)
        var d = 0.0
        for (i, x) in s.enumerated() {
            let f = cdf(x)
            d = max(d, abs(f - Double(i) / n), abs(Double(i + 1) / n - f))
        }
        return d
    }

    /// Traces from `topsim run --trace-sample 3000` imported again give the same call graph and
    /// service-time distributions within sampling error (n = 3000 traces of the first
    /// topology, `direct`):
    /// - recs' probability 40%: standard error √(0.4·0.6/3000) = 0.0089; tolerance 4σ = 0.036.
    /// - service times: the KS distance of n samples from their true CDF stays below
    ///   1.95/√n (α = 0.001): 0.036 for front, cart and db (n = 3000), 0.056 for recs (n ≈ 1200);
    ///   auth's const(1ms) comes back as exactly 1 ms; cart's lognormal mean 3 ms (sd 1.5 ms)
    ///   within 4·1.5/√3000 = 0.11 ms.
    /// - rate 100/s: (n − 1)/T has relative error 1/√n = 1.8%; tolerance 4σ = 7.3/s.
    /// Then the imported scenario runs and its app traversals per request equal the
    /// executions per trace (front, auth, cart, db + recs on p̂): the run's own sampling
    /// error over 100/s × 20 s: √(0.24/2000) = 0.011, the traces' √(0.24/3000) = 0.009;
    /// combined 0.014, tolerance 4σ ≈ 0.06.
    func testRoundTripThroughTraceSample() throws {
        let s = try ScenarioLoader.parse(text: Self.roundTrip, fileName: "roundtrip.yaml")
        var o = Runner.Options(jobs: 2)
        o.traceSample = 3000
        let r = try Runner.run(s, options: o)
        let dir = try Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("traces.json")
        try Data(Reports.tracesJSON(r).utf8).write(to: json)

        let d = try TracesImporter.importFile(json.path)
        XCTAssertTrue(d.notes.contains { $0.contains("imported 'direct'") })
        // Streamed through 16 temporary buckets, or decoded whole: the same scenario.
        let buckets = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: json.path)[.size] as? Int) / 16 + 1
        try assertSame(try TracesImporter.importFile(json.path, options: .init(bucketBytes: buckets)),
                       try TracesImporter.importData(Data(contentsOf: json), file: json.path))
        try assertSame(d, try TracesImporter.importFile(json.path, options: .init(bucketBytes: buckets)))
        XCTAssertEqual(Set(d.services.map(\.name)), ["front", "auth", "cart", "recs", "db"])
        let front = try XCTUnwrap(d.services.first { $0.name == "front" })
        // cart and recs start together: their order inside the group is immaterial.
        XCTAssertEqual(front.steps.map { $0.calls.map(\.service).sorted() }, [["auth"], ["cart", "recs"]])
        func p(_ name: String) -> Double { front.steps.flatMap(\.calls).first { $0.service == name }?.probability ?? -1 }
        XCTAssertEqual(p("auth"), 1)
        XCTAssertEqual(p("cart"), 1)
        XCTAssertEqual(p("recs"), 0.4, accuracy: 0.036)
        XCTAssertEqual(d.services.first { $0.name == "cart" }?.steps.map { $0.calls.map(\.service) }, [["db"]])
        for leaf in ["auth", "recs", "db"] { XCTAssertEqual(d.services.first { $0.name == leaf }?.steps.count, 0, leaf) }

        let frontS = samples(d, "front"), recs = samples(d, "recs"), db = samples(d, "db"), cart = samples(d, "cart")
        XCTAssertEqual(frontS.count, 3000)
        XCTAssertLessThan(ks(frontS) { 1 - exp(-$0 / 2) }, 1.95 / sqrt(Double(frontS.count)))
        XCTAssertLessThan(ks(db) { 1 - exp(-$0 / 1) }, 1.95 / sqrt(Double(db.count)))
        XCTAssertLessThan(ks(recs) { min(1, max(0, ($0 - 1) / 4)) }, 1.95 / sqrt(Double(recs.count)))
        XCTAssertEqual(cart.reduce(0, +) / Double(cart.count), 3, accuracy: 0.11)
        XCTAssertEqual(Set(samples(d, "auth")), [1])
        XCTAssertEqual(d.traffic.count, 1)
        XCTAssertEqual(d.traffic[0].rate.value, 100, accuracy: 7.3)

        // The imported scenario runs with the traces' structure.
        let executions = 4 + p("recs")
        let imported = try Fixtures.load(d, in: dir)
        let run = try Runner.run(imported, options: .init(duration: 20_000_000_000, jobs: 2))
        for t in run.topologies {
            XCTAssertEqual(Fixtures.appTraversalsPerRequest(t.runs[0]), executions, accuracy: 0.06, t.spec.name)
        }
    }

    /// The scenario text, its sample files and its notes are equal.
    func assertSame(_ a: ImportDraft, _ b: ImportDraft, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(ScenarioWriter.write(a, header: []), ScenarioWriter.write(b, header: []), file: file, line: line)
        XCTAssertEqual(a.samples.map(\.name), b.samples.map(\.name), file: file, line: line)
        XCTAssertEqual(a.samples.map(\.milliseconds), b.samples.map(\.milliseconds), file: file, line: line)
        XCTAssertEqual(a.notes, b.notes, file: file, line: line)
    }

    /// Fixtures/traces/otlp.json, by hand, in the OTLP JSON encoding with what it allows
    /// (times in ms after T0 = 1700000000000000000 ns):
    /// - trace ...0A (written 0A and 0a: hex ids are case-insensitive, and parentSpanId C1 names
    ///   span c1): front 0..10 (SERVER, kind 2; parentSpanId "" is a root) calls cart (CLIENT
    ///   1..5, cart's SERVER 2..4) and sends to queue (PRODUCER 6..7; queue's CONSUMER 6.2..6.8).
    ///   front's self = 10 − 4 − 1 = 5 ms; cart's 2 ms; queue's 0.6 ms.
    /// - trace ...0B at 100 ms: front 100..108 failed (status.code 2) and calls cart (kind given
    ///   as the name SPAN_KIND_CLIENT, 101..103; cart 101.5..102.5, its start a JSON number):
    ///   front's self 8 − 2 = 6 ms, cart's 1 ms. front failed with no failed call: errors 1 of 2.
    /// - cart's resourceSpans names its resource after its spans.
    /// So front calls [cart] (2 of 2) then [{queue, 50%}] (1 of 2; no overlap with cart);
    /// rate (2 − 1) roots / 0.1 s = 10/s; 2 traces, 8 spans.
    func testOTLPExportInThePublishedEncoding() throws {
        let path = Fixtures.path("traces/otlp.json")
        let d = try TracesImporter.importFile(path)
        XCTAssertEqual(d.services.map(\.name), ["front", "cart", "queue"])
        XCTAssertEqual(d.services[0].steps.map(\.calls), [[DraftCall(service: "cart")], [DraftCall(service: "queue", probability: 0.5)]])
        XCTAssertEqual(samples(d, "front"), [5, 6])
        XCTAssertEqual(samples(d, "cart"), [1, 2])
        XCTAssertEqual(samples(d, "queue").map { ($0 * 1e6).rounded() / 1e6 }, [0.6])
        XCTAssertEqual(d.services[0].errors?.value, 0.5)
        XCTAssertNil(d.services[1].errors)
        XCTAssertEqual(d.traffic.map(\.to), ["front"])
        XCTAssertEqual(d.traffic[0].rate.value, 10, accuracy: 1e-9)
        XCTAssertTrue(d.description.contains("(2 traces, 8 spans)"), d.description)
        XCTAssertFalse(d.notes.contains { $0.contains("missing") || $0.contains("clamped") }, "\(d.notes)")
        try assertSame(d, try TracesImporter.importData(Data(contentsOf: URL(fileURLWithPath: path)), file: path))
    }

    /// The streamed import equals the whole-document one on every fixture, with one bucket
    /// (in memory) and with a bucket per ~100 bytes (every trace through temporary files).
    func testStreamedImportEqualsWholeDocumentImport() throws {
        for name in ["traces/otlp.json", "traces/jaeger.json", "traces/zipkin.json"] {
            let path = Fixtures.path(name)
            let whole = try TracesImporter.importData(Data(contentsOf: URL(fileURLWithPath: path)), file: path)
            try assertSame(try TracesImporter.importFile(path), whole)
            try assertSame(try TracesImporter.importFile(path, options: .init(bucketBytes: 100)), whole)
        }
    }

    /// The OTLP file exporter's JSON Lines: one request per line. Splitting otlp.json's three
    /// resources over two lines changes nothing.
    func testOTLPJSONLines() throws {
        let dir = try Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("traces/otlp.json")))) as? [String: Any]
        let resources = try XCTUnwrap(doc?["resourceSpans"] as? [Any])
        let lines = try [Array(resources[0..<1]), Array(resources[1...])].map { part in
            String(decoding: try JSONSerialization.data(withJSONObject: ["resourceSpans": part]), as: UTF8.self)
        }
        XCTAssertFalse(lines[0].contains("\n"))
        let file = dir.appendingPathComponent("otlp.json")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        let streamed = try TracesImporter.importFile(file.path)
        let original = try TracesImporter.importFile(Fixtures.path("traces/otlp.json"))
        XCTAssertEqual(ScenarioWriter.write(streamed, header: []), ScenarioWriter.write(original, header: []))
        XCTAssertEqual(streamed.samples.map(\.milliseconds), original.samples.map(\.milliseconds))
    }

    /// Bad JSON in a streamed file is an error at its line and column; a cut-short file too.
    func testStreamedErrorsNameTheirPosition() throws {
        let dir = try Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.json")
        try Data("{\"resourceSpans\": [\n  {\"resource\": {}, \"scopeSpans\": [{\"spans\": [{\"spanId\": \"01\"}]}]}\n]}\n".utf8).write(to: file)
        XCTAssertThrowsError(try TracesImporter.importFile(file.path)) { e in
            XCTAssertTrue("\(e)".hasPrefix("\(file.path):2:46: error: not valid OTLP JSON: missing 'traceId'"), "\(e)")
            XCTAssertTrue("\(e)".hasSuffix("in resourceSpans[0].scopeSpans[0].spans[0]"), "\(e)")
        }
        try Data("{\"resourceSpans\": [\n  {\"resource\": {} x\n".utf8).write(to: file)
        XCTAssertThrowsError(try TracesImporter.importFile(file.path)) { e in
            XCTAssertEqual("\(e)", "\(file.path):2:19: error: not valid JSON: expected ',' or '}'")
        }
        try Data("[{\"traceId\": \"a\", \"id\": \"b\", \"timestamp\": 1".utf8).write(to: file)
        XCTAssertThrowsError(try TracesImporter.importFile(file.path)) { e in
            XCTAssertTrue("\(e)".contains("error: not valid JSON: the file ends inside a value"), "\(e)")
        }
    }

    /// The samples kept are the k smallest priorities (a uniform random subset, the
    /// priorities being hashes) whatever order they come in: 50 samples, k = 7, fed forwards
    /// and backwards, keep the same 7, those of the 7 smallest priorities.
    func testSamplesKeptAreTheSmallestPrioritiesInAnyOrder() {
        let items = (0..<50).map { (priority: TraceAnalysis.mix(UInt64($0)), ms: Double($0)) }
        var forwards = TraceAnalysis.ServiceStats(first: .init(trace: "", execution: 0))
        var backwards = forwards
        for x in items { forwards.sample(x.ms, priority: x.priority, keep: 7) }
        for x in items.reversed() { backwards.sample(x.ms, priority: x.priority, keep: 7) }
        let expected = items.sorted { $0.priority < $1.priority }.prefix(7).map(\.ms).sorted()
        XCTAssertEqual(expected.count, 7)
        XCTAssertEqual(forwards.kept.map(\.ms).sorted(), expected)
        XCTAssertEqual(backwards.kept.map(\.ms).sorted(), expected)
    }

    /// Damaged exports never crash the streamed import: every cut of each fixture, and each
    /// with one byte replaced by a structural character, either imports or is an ImportError.
    func testDamagedExportsAreErrorsNotCrashes() throws {
        let dir = try Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("damaged.json")
        var errors = 0, imported = 0
        for name in ["traces/otlp.json", "traces/jaeger.json", "traces/zipkin.json"] {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name))))
            var variants: [[UInt8]] = stride(from: 0, to: bytes.count, by: 5).map { Array(bytes[..<$0]) }
            for (k, at) in stride(from: 0, to: bytes.count, by: 11).enumerated() {
                var v = bytes
                v[at] = Array("{}[]\",:".utf8)[k % 7]
                variants.append(v)
            }
            for v in variants {
                try Data(v).write(to: file)
                do {
                    _ = try TracesImporter.importFile(file.path, options: .init(bucketBytes: 1024))
                    imported += 1
                } catch is ImportError { errors += 1 }
            }
        }
        XCTAssertGreaterThan(errors, 100)
        XCTAssertGreaterThan(imported, 0)
    }

    /// A large export: 40,000 traces of 4 spans (160,000 spans, about 30 MB of OTLP JSON, so
    /// 4 temporary buckets of 8 MB) with at most 1,000 samples kept per service (a random
    /// subset): the counts are exact and the samples bounded. (Memory: StreamingMemoryTests.)
    func testLargeExportKeepsBoundedSamples() throws {
        let dir = try Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let traces = 40_000
        var out = "{\"resourceSpans\":["
        for (si, svc) in ["edge", "api"].enumerated() {
            out += (si > 0 ? "," : "") + "{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"\(svc)\"}}]},\"scopeSpans\":[{\"spans\":["
            for t in 0..<traces {
                let base = t * 1_000_000
                let tid = String(format: "%032x", t + 1)
                func span(_ id: Int, _ parent: Int?, _ kind: Int, _ s: Int, _ e: Int) -> String {
                    "{\"traceId\":\"\(tid)\",\"spanId\":\"\(String(format: "%016x", id))\"" + (parent.map { ",\"parentSpanId\":\"\(String(format: "%016x", $0))\"" } ?? "")
                        + ",\"name\":\"s\",\"kind\":\(kind),\"startTimeUnixNano\":\"\(base + s)\",\"endTimeUnixNano\":\"\(base + e)\"}"
                }
                // edge: server 0..900µs, a client span 100..600µs; api: server 200..500µs, an internal span.
                let spans = svc == "edge" ? [span(1, nil, 2, 0, 900_000), span(2, 1, 3, 100_000, 600_000)]
                    : [span(3, 2, 2, 200_000, 500_000), span(4, 3, 1, 250_000, 300_000)]
                out += (t > 0 ? "," : "") + spans.joined(separator: ",")
            }
            out += "]}]}"
        }
        out += "]}"
        let file = dir.appendingPathComponent("big.json")
        try Data(out.utf8).write(to: file)
        XCTAssertGreaterThan(out.utf8.count, 20_000_000)
        let d = try TracesImporter.importFile(file.path, options: .init(maxSamples: 1000))
        // edge's self time: 900 − 500 (its client span) = 400µs = 0.4 ms; api's 300µs = 0.3 ms.
        XCTAssertEqual(samples(d, "edge").count, 1000)
        XCTAssertEqual(Set(samples(d, "edge")), [0.4])
        XCTAssertEqual(Set(samples(d, "api")), [0.3])
        XCTAssertTrue(d.services[0].serviceTime.source.contains("of \(traces) executions, 1000 kept at random"))
        // 40,000 roots 1 ms apart: (40000 − 1) / 39.999 s = 1000/s.
        XCTAssertEqual(d.traffic[0].rate.value, 1000, accuracy: 1e-6)
    }

    func testNotATraceExportIsAnError() throws {
        XCTAssertThrowsError(try TracesImporter.importData(Data("{\"foo\": 1}".utf8), file: "x.json")) { e in
            XCTAssertTrue("\(e)".hasPrefix("x.json:1:1: error: not a trace export"), "\(e)")
        }
        XCTAssertThrowsError(try TracesImporter.importData(Data("[{\"traceId\": 3}]".utf8), file: "z.json")) { e in
            XCTAssertTrue("\(e)".hasPrefix("z.json:1:1: error: not valid Zipkin v2 JSON"), "\(e)")
        }
    }
}

extension TracesImportTests {
    /// A span that ends before it starts (Zipkin `duration: -5`) is taken as 0 long and
    /// counted in a note, never silently; web keeps its own 2 ms.
    func testNegativeDurationsAreNoted() throws {
        let dir = try Fixtures.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("z.json")
        try """
        [{"traceId": "a1", "id": "1", "kind": "SERVER", "timestamp": 1000, "duration": 2000,
          "localEndpoint": {"serviceName": "web"}},
         {"traceId": "a1", "id": "2", "parentId": "1", "kind": "SERVER", "timestamp": 1500, "duration": -5,
          "localEndpoint": {"serviceName": "api"}}]
        """.write(to: file, atomically: true, encoding: .utf8)
        let d = try TracesImporter.importFile(file.path)
        XCTAssertTrue(d.notes.contains { $0.contains("1 spans end before they start") }, "\(d.notes)")
        XCTAssertEqual(samples(d, "web"), [2])
    }
}

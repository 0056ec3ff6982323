import Foundation
import TestSupport
import XCTest

/// The outputs read by the tools people use on them: report.html in a real browser
/// (headless Chromium), traces.json through the published OTLP protobuf JSON mapping
/// (Python's opentelemetry-proto), docs/outputs.md's pandas example on real outputs.
/// `make test` installs Chromium (apt) and the Python packages (opentelemetry-proto,
/// protobuf, pandas, pillow: a venv in .build-test);
/// a missing tool fails the test, it is never skipped.
final class ExternalToolTests: XCTestCase {
    static let scenario = """
    scenario: tools
    duration: 20s
    warmup: 2s
    services:
      front: { replicas: 2, workers: 8, service_time: exp(2ms), calls: [[pricing, stock]] }
      pricing: { replicas: 2, workers: 8, service_time: exp(3ms) }
      stock: { replicas: 2, workers: 8, service_time: exp(1ms), errors: 1% }
    traffic:
      - { name: users, from: external, to: front, rate: 100/s }
    policies:
      retries: { attempts: 2, on: [unavailable] }
    topologies:
      - { name: edge, kind: gateway, preset: kong }
      - { name: mesh, kind: sidecar }
    faults:
      - { at: 8s, for: 4s, kind: gateway-down }
    """

    /// One run's output folder, shared by the tests (written once).
    nonisolated(unsafe) static var folder: URL?

    func outputs() throws -> URL {
        if let f = Self.folder { return f }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("topsim-tools-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let yaml = dir.appendingPathComponent("tools.yaml")
        try Self.scenario.write(to: yaml, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let r = try TopsimBinary.run(["run", yaml.path, "--out", out.path, "--trace-sample", "3", "--access-log"])
        XCTAssertEqual(r.status, 0, r.stderr)
        Self.folder = out
        return out
    }

    static let venvPython = TopsimBinary.packageRoot.appendingPathComponent(".build-test/venv/bin/python")

    func requirePython() throws -> URL {
        let p = Self.venvPython
        if !FileManager.default.isExecutableFile(atPath: p.path) {
            XCTFail("\(p.path) is missing: `make test` makes it (make pydeps)")
            throw NSError(domain: "topsim", code: 1)
        }
        return p
    }

    // MARK: Chromium

    static func chromium() throws -> URL {
        for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] where FileManager.default.isExecutableFile(atPath: p) {
            return URL(fileURLWithPath: p)
        }
        XCTFail("chromium is missing: `make test` installs it (make browser-deps)")
        throw NSError(domain: "topsim", code: 1)
    }

    /// Renders `page` to a PNG; returns the console messages Chromium logged and the PNG's path.
    func render(_ page: URL) throws -> (console: [String], png: URL) {
        let png = page.deletingLastPathComponent().appendingPathComponent(page.lastPathComponent + ".png")
        try? FileManager.default.removeItem(at: png)
        let profile = page.deletingLastPathComponent().appendingPathComponent("chromium-profile")
        let r = try Command.run(Self.chromium(), [
            "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
            "--enable-logging=stderr", "--v=0", "--window-size=1200,2600", "--screenshot=\(png.path)",
            page.absoluteString,
        ])
        XCTAssertEqual(r.status, 0, r.stderr)
        // Chromium logs the page's console messages as `...:INFO:CONSOLE:1] "text", source: ...`.
        let console = r.stderr.split(whereSeparator: \.isNewline).filter { $0.contains(":CONSOLE") }.map(String.init)
        return (console, png)
    }

    /// Distinct colours in a PNG (Pillow decodes it).
    func distinctColours(_ png: URL) throws -> Int {
        let script = """
        import sys
        from PIL import Image
        print(len(Image.open(sys.argv[1]).convert('RGB').getcolors(maxcolors=1 << 24)))
        """
        let r = try Command.run(requirePython(), ["-c", script, png.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        return Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    func testReportRendersInChromium() throws {
        let out = try outputs()
        let page = out.appendingPathComponent("report.html")
        let html = try String(contentsOf: page, encoding: .utf8)
        XCTAssertFalse(html.contains("http://") && html.contains("src=\"http"), "no network resources")
        XCTAssertFalse(html.contains("<script"), "no script: nothing to fail at load")
        for needle in ["Latency distribution", "p99 over time", "class=\"fault\"", "Where the time goes", "Per service",
                       "gateway (all replicas)", "pricing", "Verdict"] {
            XCTAssertTrue(html.contains(needle), needle)
        }
        let (console, png) = try render(page)
        XCTAssertEqual(console, [], "console messages while loading report.html")
        // A blank page has one colour; ours has text, axes, a series colour per topology and shading.
        XCTAssertGreaterThan(try distinctColours(png), 8)

        // The test of the test: a page that logs an error, and a blank page, are caught.
        let bad = out.deletingLastPathComponent().appendingPathComponent("bad.html")
        try "<html><body><script>console.error('broken')</script></body></html>".write(to: bad, atomically: true, encoding: .utf8)
        let (badConsole, badPNG) = try render(bad)
        XCTAssertEqual(badConsole.count, 1, "the console detector sees a console.error: \(badConsole)")
        XCTAssertLessThanOrEqual(try distinctColours(badPNG), 2, "a blank page counts as blank")
    }

    // MARK: OTLP JSON

    func testTracesParseAsOTLPJSON() throws {
        let out = try outputs()
        // OTLP/JSON is proto3 JSON except that trace and span ids are hex: turn them into
        // base64 (proto3 JSON's bytes) and let protobuf's own parser check everything else.
        let script = """
        import sys, json, base64
        from google.protobuf import json_format
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
        doc = json.load(open(sys.argv[1]))
        for rs in doc['resourceSpans']:
            for ss in rs['scopeSpans']:
                for sp in ss['spans']:
                    for k, n in (('traceId', 16), ('spanId', 8), ('parentSpanId', 8)):
                        if k in sp:
                            assert len(sp[k]) == 2 * n and int(sp[k], 16) != 0, (k, sp[k])
                            sp[k] = base64.b64encode(bytes.fromhex(sp[k])).decode()
        req = json_format.Parse(json.dumps(doc), ExportTraceServiceRequest())
        traces, hops, topologies = {}, 0, set()
        for rs in req.resource_spans:
            attrs = {a.key: a.value.string_value for a in rs.resource.attributes}
            assert attrs['service.name'] in ('front', 'pricing', 'stock'), attrs
            for ss in rs.scope_spans:
                for sp in ss.spans:
                    key = (attrs['topsim.topology'], sp.trace_id)
                    topologies.add(attrs['topsim.topology'])
                    traces.setdefault(key, []).append(sp)
                    a = {x.key: x.value.string_value for x in sp.attributes}
                    assert 'topsim.outcome' in a
                    assert sp.end_time_unix_nano >= sp.start_time_unix_nano
                    if 'topsim.hop.kind' in a:
                        hops += 1
                        if a['topsim.hop.kind'] not in ('app', 'wire'): assert 'topsim.proxy' in a, a
        for key, spans in traces.items():
            ids = {s.span_id for s in spans}
            roots = [s for s in spans if not s.parent_span_id]
            assert len(roots) == 1, key
            assert all(s.parent_span_id in ids for s in spans if s.parent_span_id), key
            assert {s.name for s in spans} >= {'call front', 'call pricing', 'call stock', 'app front'}, [s.name for s in spans]
        assert sorted(topologies) == ['edge', 'mesh'], topologies
        assert len(traces) == 6, len(traces)
        print(len(traces), hops)
        """
        let r = try Command.run(requirePython(), ["-c", script, out.appendingPathComponent("traces.json").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let parts = r.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(parts.first, 6, "3 traces per topology")
        XCTAssertGreaterThan(parts.last ?? 0, 6 * 8, "hop spans: every request crosses several hops")
    }

    // MARK: docs/outputs.md's pandas example

    func testPandasExampleInTheDocsRuns() throws {
        let out = try outputs()
        let doc = try String(contentsOf: TopsimBinary.packageRoot.appendingPathComponent("docs/outputs.md"), encoding: .utf8)
        guard let start = doc.range(of: "```python\n"), let end = doc.range(of: "```", range: start.upperBound..<doc.endIndex) else {
            return XCTFail("docs/outputs.md has no ```python example")
        }
        let code = String(doc[start.upperBound..<end.lowerBound])
        let r = try Command.run(requirePython(), ["-c", code], in: out)
        XCTAssertEqual(r.status, 0, r.stderr)
        // The example prints the critical-path share of each service per topology.
        XCTAssertTrue(r.stdout.contains("pricing"), r.stdout)
    }
}

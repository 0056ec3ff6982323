import Foundation

// Huge trace exports with bounded memory. The file is read in chunks (JSONStream.swift); each
// span (OTLP, Zipkin) or trace (Jaeger) object is decoded alone with JSONDecoder; each span
// goes, in a compact binary record, to one of `buckets` temporary files chosen by a hash of its
// trace id. Every span of a trace lands in the same bucket whatever order the export has
// (an OTLP export groups spans by service, so a trace's spans are spread over the whole file;
// the file exporter guarantees no order at all), so each bucket, read back alone, holds whole
// traces. Memory: one bucket's spans (the export's size / bucketBytes buckets, so about
// bucketBytes of JSON's worth of spans), the 1 MB read chunk, and the largest single object.

enum TraceStream {
    /// Streams the export at `path` into `spill`. Returns the OTLP topology choice
    /// (topologies named, and the one read).
    static func read(_ path: String, file: String, format: TraceFormat, topology: String?,
                     into spill: TraceSpill) throws -> TopologyFilter {
        let reader = JSONStreamReader(file: file)
        var filter = TopologyFilter(wanted: topology)
        let decoder = JSONDecoder()
        func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ at: [JSONPathItem], _ line: Int, _ column: Int) throws -> T {
            do { return try decoder.decode(type, from: Data(bytes)) } catch let e as DecodingError {
                throw ImportError(file: file, line: line, column: column,
                                  "not valid \(format.rawValue): \(TracesImporter.describe(e)) in \(describe(at))")
            }
        }
        switch format {
        case .otlp:
            // resourceSpans[i].resource; resourceSpans[i].scopeSpans[j].spans[k] (or the
            // older instrumentationLibrarySpans). Spans met before their resource (writers put
            // it first: field order) wait for it until their resourceSpans element ends.
            var resource: OTLPJSON.Resource?
            var accepted = true
            var pending: [OTLPJSON.Span] = []
            func flush(_ service: String) throws {
                if accepted { for s in pending { if let t = s.traceSpan(service: service) { try spill.add(t) } } }
                pending.removeAll()
            }
            reader.interest = { p, isObject in
                switch p.count {
                case 0: return .descend
                case 1: return p[0].key == "resourceSpans" ? .descend : .skip
                case 2: return isObject ? .descend : .skip
                case 3:
                    if p[2].key == "resource" { return .capture }
                    return p[2].key == "scopeSpans" || p[2].key == "instrumentationLibrarySpans" ? .descend : .skip
                case 4: return isObject ? .descend : .skip
                case 5: return p[4].key == "spans" ? .descend : .skip
                case 6: return isObject ? .capture : .skip
                default: return .skip
                }
            }
            reader.onValue = { p, bytes, line, column in
                if p.count == 3 {
                    let r = try decode(OTLPJSON.Resource.self, bytes, p, line, column)
                    resource = r
                    accepted = filter.accepts(r.topology)
                    try flush(r.service)
                } else {
                    let s = try decode(OTLPJSON.Span.self, bytes, p, line, column)
                    if let r = resource {
                        if accepted, let t = s.traceSpan(service: r.service) { try spill.add(t) }
                    } else { pending.append(s) }
                }
            }
            reader.onEnd = { p in
                guard p.count == 2 else { return }
                if resource == nil {
                    accepted = filter.accepts(nil)
                    try flush(OTLPJSON.Resource().service)
                }
                resource = nil
                accepted = true
            }
        case .jaeger:
            // data[i]: one trace, its spans and processes (which Jaeger writes after the spans).
            reader.interest = { p, isObject in
                switch p.count {
                case 0: return .descend
                case 1: return p[0].key == "data" ? .descend : .skip
                case 2: return isObject ? .capture : .skip
                default: return .skip
                }
            }
            reader.onValue = { p, bytes, line, column in
                for t in try decode(JaegerJSON.Trace.self, bytes, p, line, column).traceSpans { try spill.add(t) }
            }
        case .zipkin:
            // [span, ...] or [[span, ...], ...] (a list of traces).
            reader.interest = { p, isObject in
                switch p.count {
                case 0: return .descend
                case 1: return isObject ? .capture : .descend
                case 2: return isObject ? .capture : .skip
                default: return .skip
                }
            }
            reader.onValue = { p, bytes, line, column in
                if let t = try decode(ZipkinJSON.Span.self, bytes, p, line, column).traceSpan { try spill.add(t) }
            }
        }
        try reader.read(path: path)
        return filter
    }

    /// `resourceSpans[0].scopeSpans[2].spans[7]`.
    static func describe(_ path: [JSONPathItem]) -> String {
        let s = path.map { item -> String in
            switch item {
            case let .key(k): return "." + k
            case let .index(i): return "[\(i)]"
            }
        }.joined()
        return s.hasPrefix(".") ? String(s.dropFirst()) : s.isEmpty ? "the document" : s
    }
}

/// Spans partitioned by trace id into temporary files, so that each trace can be read back
/// whole one bucket at a time. With one bucket the spans stay in memory (a small export).
final class TraceSpill {
    let buckets: Int
    /// Spans added.
    private(set) var count = 0
    private var folder: URL?
    private var handles: [FileHandle] = []
    private var buffers: [[UInt8]] = []
    private let flushBytes: Int
    private var memory: [TraceSpan] = []
    /// Service names, written as indices (a handful of names for millions of spans).
    private var services: [String] = []
    private var serviceIndex: [String: UInt32] = [:]

    /// `buckets` temporary files (1: none, in memory) in a fresh folder under `parent`.
    init(buckets: Int, parent: URL = FileManager.default.temporaryDirectory) throws {
        self.buckets = max(1, buckets)
        // The write buffers together stay under 16 MB whatever the bucket count.
        flushBytes = max(1 << 12, min(1 << 18, (16 << 20) / self.buckets))
        guard self.buckets > 1 else { return }
        let dir = parent.appendingPathComponent("topsim-traces-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            folder = dir
            for b in 0..<self.buckets {
                let url = dir.appendingPathComponent("\(b).spans")
                guard FileManager.default.createFile(atPath: url.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
                handles.append(try FileHandle(forWritingTo: url))
            }
        } catch {
            throw ImportError(file: parent.path, "cannot write temporary files for a large export: \(error.localizedDescription)")
        }
        buffers = Array(repeating: [], count: self.buckets)
    }

    deinit {
        for h in handles { try? h.close() }
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// FNV-1a of a trace id: its bucket, and the seed of its samples' priorities.
    static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }

    func add(_ s: TraceSpan) throws {
        count += 1
        guard buckets > 1 else { memory.append(s); return }
        let b = Int(Self.hash(s.trace) % UInt64(buckets))
        encode(s, into: &buffers[b])
        if buffers[b].count >= flushBytes { try flush(b) }
    }

    private func flush(_ b: Int) throws {
        do { try handles[b].write(contentsOf: buffers[b]) } catch {
            throw ImportError(file: folder?.path ?? "-", "cannot write temporary files for a large export: \(error.localizedDescription)")
        }
        buffers[b].removeAll(keepingCapacity: true)
    }

    /// Every trace, bucket after bucket; within a trace the spans keep the export's order.
    func forEachTrace(_ body: (inout [TraceSpan]) -> Void) throws {
        guard buckets > 1, let folder else {
            Self.forEachTrace(in: memory, body)
            memory = []
            return
        }
        for b in 0..<buckets {
            try flush(b)
            try? handles[b].close()
        }
        buffers = []
        handles = []
        for b in 0..<buckets {
            let url = folder.appendingPathComponent("\(b).spans")
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw ImportError(file: url.path, "cannot read back a temporary file: \(error.localizedDescription)")
            }
            let spans = decode(data)
            try? FileManager.default.removeItem(at: url)
            Self.forEachTrace(in: spans, body)
        }
    }

    /// The spans grouped by trace (ordered by trace id; the export's order within one).
    static func forEachTrace(in all: [TraceSpan], _ body: (inout [TraceSpan]) -> Void) {
        let sorted = all.indices.sorted { all[$0].trace != all[$1].trace ? all[$0].trace < all[$1].trace : $0 < $1 }
        var lo = 0
        while lo < sorted.count {
            var hi = lo
            while hi < sorted.count && all[sorted[hi]].trace == all[sorted[lo]].trace { hi += 1 }
            var spans = sorted[lo..<hi].map { all[$0] }
            lo = hi
            body(&spans)
        }
    }

    // Record: trace, id, parent (length 0xFFFF: none) as UInt16 length + UTF-8; service index
    // (UInt32); kind, error, shared (UInt8); start, end (Int64); little-endian.

    private func encode(_ s: TraceSpan, into out: inout [UInt8]) {
        func put(_ v: UInt64, _ bytes: Int) {
            for k in 0..<bytes { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) }
        }
        func string(_ v: String) {
            let u = v.utf8.prefix(0xFFFE)
            put(UInt64(u.count), 2)
            out.append(contentsOf: u)
        }
        string(s.trace)
        string(s.id)
        if let p = s.parent { string(p) } else { put(0xFFFF, 2) }
        let si: UInt32
        if let k = serviceIndex[s.service] { si = k } else {
            si = UInt32(services.count)
            services.append(s.service)
            serviceIndex[s.service] = si
        }
        put(UInt64(si), 4)
        out.append(s.kind.rawValue)
        out.append(s.error ? 1 : 0)
        out.append(s.shared.rawValue)
        put(UInt64(bitPattern: s.start), 8)
        put(UInt64(bitPattern: s.end), 8)
    }

    private func decode(_ data: Data) -> [TraceSpan] {
        var spans: [TraceSpan] = []
        data.withUnsafeBytes { raw in
            let b = raw.bindMemory(to: UInt8.self)
            var i = 0
            func get(_ bytes: Int) -> UInt64 {
                var v: UInt64 = 0
                for k in 0..<bytes { v |= UInt64(b[i + k]) << (8 * UInt64(k)) }
                i += bytes
                return v
            }
            func string() -> String? {
                let n = Int(get(2))
                if n == 0xFFFF { return nil }
                defer { i += n }
                return String(decoding: UnsafeBufferPointer(rebasing: b[i..<(i + n)]), as: UTF8.self)
            }
            while i < b.count {
                let trace = string() ?? "", id = string() ?? "", parent = string()
                let service = services[Int(get(4))]
                let kind = TraceSpan.Kind(rawValue: UInt8(get(1))) ?? .other
                let error = get(1) != 0
                let shared = TraceSpan.Shared(rawValue: UInt8(get(1))) ?? .no
                let start = Int64(bitPattern: get(8)), end = Int64(bitPattern: get(8))
                spans.append(TraceSpan(trace: trace, id: id, parent: parent, service: service, kind: kind,
                                       start: start, end: end, error: error, shared: shared))
            }
        }
        return spans
    }
}

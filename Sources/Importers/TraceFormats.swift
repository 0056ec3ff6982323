import Foundation

// The three trace exports `topsim import traces` reads, decoded into one span shape.
// - OTLP JSON: an ExportTraceServiceRequest (or TracesData: the same `resourceSpans`) in the
//   OTLP JSON Protobuf Encoding (opentelemetry-proto docs/specification.md, "JSON Protobuf
//   Encoding"; what `topsim run --trace-sample` writes, Sources/Report/Traces.swift): keys in
//   lowerCamelCase; traceId/spanId/parentSpanId as case-insensitive hex (not base64), so ids
//   are compared lowercased; 64-bit integers (start/endTimeUnixNano, fixed64) as decimal
//   strings, numbers accepted too (the protobuf JSON mapping); enums as integers (kind:
//   1 INTERNAL, 2 SERVER, 3 CLIENT, 4 PRODUCER, 5 CONSUMER; status.code: 2 ERROR). Enum names
//   (`SPAN_KIND_SERVER`), which the OTLP encoding forbids but the plain protobuf mapping
//   allows, are read too, as is the pre-1.0 `instrumentationLibrarySpans`. An empty or
//   all-zero parentSpanId is a root (proto3's default). The OTLP file exporter writes one such
//   object per line (JSON Lines; opentelemetry-specification protocol/file-exporter.md): a file
//   may hold many.
// - Jaeger JSON (the query service's /api/traces response and the UI's "Download JSON"):
//   data[].spans[] with traceID, spanID, references[] (refType CHILD_OF / FOLLOWS_FROM),
//   startTime and duration in microseconds, processID into data[].processes (serviceName),
//   tags span.kind and error.
// - Zipkin v2 JSON (api/v2 `ListOfSpans`, or the list of traces /api/v2/traces returns):
//   traceId, id, parentId, kind (CLIENT, SERVER, PRODUCER, CONSUMER), timestamp and duration
//   in microseconds, localEndpoint.serviceName, shared (a server half sharing its client's id),
//   tags.error.

/// One span in the importer's terms.
struct TraceSpan: Sendable, Equatable {
    enum Kind: UInt8, Sendable { case client, server, other }
    var trace: String
    var id: String
    /// nil: a root span.
    var parent: String?
    var service: String
    var kind: Kind
    /// Nanoseconds (any epoch; only differences and order matter).
    var start: Int64
    var end: Int64
    var error: Bool
    /// A Zipkin SERVER span that may share its id with its CLIENT span (B3 single-host
    /// spans): resolved per trace (`TraceSpan.resolveShared`), where the client is known.
    /// `definitely`: the export says so (`shared: true`).
    enum Shared: UInt8, Sendable { case no, maybe, definitely }
    var shared: Shared = .no

    /// Zipkin's shared spans within one trace: a server half that carries its client's id
    /// (`shared: true`, or a CLIENT span of the trace has the same id) becomes that client's
    /// child, with an id of its own.
    static func resolveShared(_ spans: inout [TraceSpan]) {
        guard spans.contains(where: { $0.shared != .no }) else { return }
        let clients = Set(spans.lazy.filter { $0.kind == .client }.map(\.id))
        for i in spans.indices where spans[i].shared == .definitely || (spans[i].shared == .maybe && clients.contains(spans[i].id)) {
            spans[i].parent = spans[i].id
            spans[i].id += "/server"
        }
    }
}

/// A JSON value that may be a number or a decimal string (OTLP's 64-bit integers).
struct FlexInt: Decodable {
    var value: Int64?
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Int64.self) { value = v }
        else if let d = try? c.decode(Double.self) { value = Int64(exactly: d.rounded()) }
        else if let s = try? c.decode(String.self) { value = Int64(s) }
        else { value = nil }
    }
}

/// A JSON value kept as whichever of string, integer or boolean it is (Jaeger tags and
/// OTLP enums may be any of them).
struct FlexString: Decodable {
    var string: String?
    var int: Int64?
    var bool: Bool?
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        string = try? c.decode(String.self)
        int = try? c.decode(Int64.self)
        bool = try? c.decode(Bool.self)
    }
}

enum OTLPJSON {
    struct File: Decodable { var resourceSpans: [ResourceSpans]? }
    struct ResourceSpans: Decodable {
        var resource: Resource?
        var scopeSpans: [ScopeSpans]?
        var instrumentationLibrarySpans: [ScopeSpans]?
    }
    struct Resource: Decodable {
        var attributes: [KeyValue]?
        func string(_ key: String) -> String? { attributes?.first { $0.key == key }?.value?.stringValue }
        /// The OpenTelemetry resource semantic conventions' default for a missing service.name.
        var service: String { string("service.name") ?? "unknown_service" }
        var topology: String? { string("topsim.topology") }
    }
    struct KeyValue: Decodable { var key: String; var value: AnyValue? }
    struct AnyValue: Decodable { var stringValue: String? }
    struct ScopeSpans: Decodable { var spans: [Span]? }
    struct Status: Decodable { var code: FlexString? }
    struct Span: Decodable {
        var traceId: String
        var spanId: String
        var parentSpanId: String?
        var kind: FlexString?
        var startTimeUnixNano: FlexInt?
        var endTimeUnixNano: FlexInt?
        var status: Status?

        /// The span of `service`; nil without both times.
        func traceSpan(service: String) -> TraceSpan? {
            guard let st = startTimeUnixNano?.value, let en = endTimeUnixNano?.value else { return nil }
            let k: TraceSpan.Kind
            switch kind?.int ?? Self.kindNames[kind?.string ?? ""] ?? 0 {
            case 2, 5: k = .server      // SERVER, CONSUMER: the work a request starts
            case 3, 4: k = .client      // CLIENT, PRODUCER: the caller's side of a call
            default: k = .other
            }
            let code = status?.code
            let error = code?.int == 2 || code?.string == "STATUS_CODE_ERROR"
            let parent = parentSpanId.flatMap { $0.isEmpty || $0.allSatisfy { $0 == "0" } ? nil : $0.lowercased() }
            return TraceSpan(trace: traceId.lowercased(), id: spanId.lowercased(), parent: parent, service: service,
                             kind: k, start: st, end: en, error: error) // an end before the start is noted and clamped in the analysis
        }
        static let kindNames: [String: Int64] = ["SPAN_KIND_INTERNAL": 1, "SPAN_KIND_SERVER": 2, "SPAN_KIND_CLIENT": 3,
                                                 "SPAN_KIND_PRODUCER": 4, "SPAN_KIND_CONSUMER": 5]
    }
}

enum JaegerJSON {
    struct File: Decodable { var data: [Trace]? }
    struct Trace: Decodable {
        var traceID: String?
        var spans: [Span]?
        var processes: [String: Process]?

        /// The trace's spans with their processes' service names.
        var traceSpans: [TraceSpan] {
            (spans ?? []).compactMap { s in
                s.traceSpan(service: s.processID.flatMap { processes?[$0]?.serviceName } ?? "unknown_service")
            }
        }
    }
    struct Process: Decodable { var serviceName: String? }
    struct Reference: Decodable { var refType: String?; var traceID: String?; var spanID: String? }
    struct Tag: Decodable { var key: String; var value: FlexString? }
    struct Span: Decodable {
        var traceID: String
        var spanID: String
        var references: [Reference]?
        var parentSpanID: String?
        var startTime: FlexInt?
        var duration: FlexInt?
        var processID: String?
        var tags: [Tag]?

        func traceSpan(service: String) -> TraceSpan? {
            guard let st = startTime?.value, let d = duration?.value else { return nil }
            let parentRef = references?.first { $0.refType == "CHILD_OF" } ?? references?.first
            let parent = parentRef?.spanID ?? parentSpanID.flatMap { $0.isEmpty ? nil : $0 }
            let kindTag = tags?.first { $0.key == "span.kind" }?.value?.string
            let kind: TraceSpan.Kind = kindTag == "server" || kindTag == "consumer" ? .server
                : kindTag == "client" || kindTag == "producer" ? .client : .other
            let errTag = tags?.first { $0.key == "error" }?.value
            let error = errTag?.bool == true || errTag?.string == "true"
            return TraceSpan(trace: traceID, id: spanID, parent: parent, service: service, kind: kind,
                             start: st * 1000, end: (st + d) * 1000, error: error)
        }
    }
}

enum ZipkinJSON {
    struct Endpoint: Decodable { var serviceName: String? }
    struct Span: Decodable {
        var traceId: String
        var id: String
        var parentId: String?
        var kind: String?
        var timestamp: FlexInt?
        var duration: FlexInt?
        var localEndpoint: Endpoint?
        var shared: Bool?
        var tags: [String: String]?

        /// nil without a timestamp. A SERVER span is marked as possibly shared: whether its
        /// client carries the same id is known once the whole trace is (`resolveShared`).
        var traceSpan: TraceSpan? {
            guard let st = timestamp?.value else { return nil }
            let d = duration?.value ?? 0
            let kind: TraceSpan.Kind = self.kind == "SERVER" || self.kind == "CONSUMER" ? .server
                : self.kind == "CLIENT" || self.kind == "PRODUCER" ? .client : .other
            var s = TraceSpan(trace: traceId, id: id, parent: parentId, service: localEndpoint?.serviceName ?? "unknown_service",
                              kind: kind, start: st * 1000, end: (st + d) * 1000, error: tags?["error"] != nil)
            if self.kind == "SERVER" { s.shared = shared == true ? .definitely : .maybe }
            return s
        }
    }
}

/// Which export a file holds.
public enum TraceFormat: String, Sendable {
    case otlp = "OTLP JSON", jaeger = "Jaeger JSON", zipkin = "Zipkin v2 JSON"
}

/// Whole-document decoding (`TracesImporter.importData`): the export in memory, decoded at once.
/// Files are streamed instead (TraceStream.swift); both give the same spans in the same order.
enum TraceDecoding {
    /// The format, from the first bytes: a list is Zipkin; an object with `resourceSpans` is OTLP;
    /// one with `data` is Jaeger.
    static func detect(_ head: Data) -> TraceFormat? {
        let head = head.prefix(1 << 16)
        guard let first = head.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) else { return nil }
        if first == UInt8(ascii: "[") { return .zipkin }
        guard first == UInt8(ascii: "{") else { return nil }
        let text = String(decoding: head, as: UTF8.self)
        if text.contains("\"resourceSpans\"") { return .otlp }
        if text.contains("\"data\"") { return .jaeger }
        return nil
    }

    /// Spans of an OTLP document; `topology` keeps only resources whose `topsim.topology` is it
    /// (nil: the first such value seen, when the file names topologies at all). Returns the
    /// spans and the topologies seen.
    static func otlp(_ data: Data, topology: String?) throws -> (spans: [TraceSpan], topologies: [String], chosen: String?) {
        let file = try JSONDecoder().decode(OTLPJSON.File.self, from: data)
        var filter = TopologyFilter(wanted: topology)
        var spans: [TraceSpan] = []
        for rs in file.resourceSpans ?? [] {
            let resource = rs.resource ?? OTLPJSON.Resource()
            guard filter.accepts(resource.topology) else { continue }
            for ss in (rs.scopeSpans ?? []) + (rs.instrumentationLibrarySpans ?? []) {
                spans += (ss.spans ?? []).compactMap { $0.traceSpan(service: resource.service) }
            }
        }
        return (spans, filter.seen, filter.chosen)
    }

    static func jaeger(_ data: Data) throws -> [TraceSpan] {
        try JSONDecoder().decode(JaegerJSON.File.self, from: data).data?.flatMap(\.traceSpans) ?? []
    }

    static func zipkin(_ data: Data) throws -> [TraceSpan] {
        let list: [ZipkinJSON.Span]
        if let flat = try? JSONDecoder().decode([ZipkinJSON.Span].self, from: data) { list = flat }
        else { list = try JSONDecoder().decode([[ZipkinJSON.Span]].self, from: data).flatMap { $0 } }
        return list.compactMap(\.traceSpan)
    }
}

/// Which OTLP resources to read in an export holding several topologies' traces (topsim's
/// own): the one asked for, else the first named, resource by resource as they come.
struct TopologyFilter {
    var wanted: String?
    /// Every topology named so far, in order.
    var seen: [String] = []
    var chosen: String? { wanted ?? seen.first }

    /// Whether a resource of `topology` is read. A resource naming none is read while no
    /// topology has been named (a file from another tool names none at all).
    mutating func accepts(_ topology: String?) -> Bool {
        if let t = topology, !seen.contains(t) { seen.append(t) }
        guard let c = chosen else { return true }
        return topology == c
    }
}

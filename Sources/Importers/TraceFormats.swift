import Foundation

// The three trace exports `topsim import traces` reads, decoded into one span shape.
// - OTLP JSON: an ExportTraceServiceRequest in the protobuf JSON mapping
//   (opentelemetry-proto, docs/specification.md "JSON Protobuf Encoding"; what `topsim run
//   --trace-sample` writes): resourceSpans[].resource.attributes (service.name),
//   scopeSpans[].spans[] with hex traceId/spanId/parentSpanId, kind (an integer or the enum
//   name: 2 SERVER, 3 CLIENT), start/endTimeUnixNano (decimal strings or numbers), status.code
//   (2 ERROR). The older `instrumentationLibrarySpans` is read too.
// - Jaeger JSON (the query service's /api/traces response and the UI's "Download JSON"):
//   data[].spans[] with traceID, spanID, references[] (refType CHILD_OF / FOLLOWS_FROM),
//   startTime and duration in microseconds, processID into data[].processes (serviceName),
//   tags span.kind and error.
// - Zipkin v2 JSON (api/v2 `ListOfSpans`, or the list of traces /api/v2/traces returns):
//   traceId, id, parentId, kind (CLIENT, SERVER, PRODUCER, CONSUMER), timestamp and duration
//   in microseconds, localEndpoint.serviceName, shared (a server half sharing its client's id),
//   tags.error.

/// One span in the importer's terms.
struct TraceSpan: Sendable {
    enum Kind: Sendable { case client, server, other }
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

/// A JSON value kept only when it is a string (Jaeger tags and OTLP enums may be anything).
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
    struct Resource: Decodable { var attributes: [KeyValue]? }
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
    }
}

enum JaegerJSON {
    struct File: Decodable { var data: [Trace]? }
    struct Trace: Decodable {
        var traceID: String?
        var spans: [Span]?
        var processes: [String: Process]?
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
    }
}

/// Which export a file holds.
public enum TraceFormat: String, Sendable {
    case otlp = "OTLP JSON", jaeger = "Jaeger JSON", zipkin = "Zipkin v2 JSON"
}

enum TraceDecoding {
    /// The format, from the first bytes: a list is Zipkin; an object with `resourceSpans` is OTLP;
    /// one with `data` is Jaeger.
    static func detect(_ data: Data) -> TraceFormat? {
        let head = data.prefix(1 << 16)
        guard let first = head.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) else { return nil }
        if first == UInt8(ascii: "[") { return .zipkin }
        guard first == UInt8(ascii: "{") else { return nil }
        let text = String(decoding: head, as: UTF8.self)
        if text.contains("\"resourceSpans\"") { return .otlp }
        if text.contains("\"data\"") { return .jaeger }
        return nil
    }

    /// Spans of an OTLP file; `topology` keeps only resources whose `topsim.topology` is it
    /// (nil: the first such value seen, when the file names topologies at all). Returns the
    /// spans and the topologies seen.
    static func otlp(_ data: Data, topology: String?) throws -> (spans: [TraceSpan], topologies: [String], chosen: String?) {
        let file = try JSONDecoder().decode(OTLPJSON.File.self, from: data)
        var topologies: [String] = []
        for rs in file.resourceSpans ?? [] {
            if let t = rs.resource?.attributes?.first(where: { $0.key == "topsim.topology" })?.value?.stringValue,
               !topologies.contains(t) { topologies.append(t) }
        }
        let chosen = topology ?? topologies.first
        var spans: [TraceSpan] = []
        for rs in file.resourceSpans ?? [] {
            let attrs = rs.resource?.attributes ?? []
            let topo = attrs.first(where: { $0.key == "topsim.topology" })?.value?.stringValue
            if let chosen, topo != chosen { continue }
            let service = attrs.first(where: { $0.key == "service.name" })?.value?.stringValue ?? "unknown_service"
            for ss in (rs.scopeSpans ?? []) + (rs.instrumentationLibrarySpans ?? []) {
                for s in ss.spans ?? [] {
                    guard let st = s.startTimeUnixNano?.value, let en = s.endTimeUnixNano?.value else { continue }
                    let kind: TraceSpan.Kind
                    switch s.kind?.int ?? -1 {
                    case 2: kind = .server
                    case 3: kind = .client
                    default:
                        kind = s.kind?.string == "SPAN_KIND_SERVER" ? .server : s.kind?.string == "SPAN_KIND_CLIENT" ? .client : .other
                    }
                    let code = s.status?.code
                    let error = code?.int == 2 || code?.string == "STATUS_CODE_ERROR"
                    let parent = s.parentSpanId.flatMap { $0.isEmpty || $0.allSatisfy { $0 == "0" } ? nil : $0 }
                    spans.append(TraceSpan(trace: s.traceId, id: s.spanId, parent: parent, service: service,
                                           kind: kind, start: st, end: max(st, en), error: error))
                }
            }
        }
        return (spans, topologies, chosen)
    }

    static func jaeger(_ data: Data) throws -> [TraceSpan] {
        let file = try JSONDecoder().decode(JaegerJSON.File.self, from: data)
        var spans: [TraceSpan] = []
        for t in file.data ?? [] {
            for s in t.spans ?? [] {
                guard let st = s.startTime?.value, let d = s.duration?.value else { continue }
                let parentRef = s.references?.first { $0.refType == "CHILD_OF" } ?? s.references?.first
                let parent = parentRef?.spanID ?? s.parentSpanID.flatMap { $0.isEmpty ? nil : $0 }
                let service = s.processID.flatMap { t.processes?[$0]?.serviceName } ?? "unknown_service"
                let kindTag = s.tags?.first { $0.key == "span.kind" }?.value?.string
                let kind: TraceSpan.Kind = kindTag == "server" ? .server : kindTag == "client" ? .client : .other
                let errTag = s.tags?.first { $0.key == "error" }?.value
                let error = errTag?.bool == true || errTag?.string == "true"
                spans.append(TraceSpan(trace: s.traceID, id: s.spanID, parent: parent, service: service, kind: kind,
                                       start: st * 1000, end: (st + max(0, d)) * 1000, error: error))
            }
        }
        return spans
    }

    static func zipkin(_ data: Data) throws -> [TraceSpan] {
        let list: [ZipkinJSON.Span]
        if let flat = try? JSONDecoder().decode([ZipkinJSON.Span].self, from: data) { list = flat }
        else { list = try JSONDecoder().decode([[ZipkinJSON.Span]].self, from: data).flatMap { $0 } }
        // A shared span: the server half carries its client's id; it becomes the client's child.
        var clientIDs = Set<String>()
        for s in list where s.kind == "CLIENT" { clientIDs.insert(s.traceId + "/" + s.id) }
        var spans: [TraceSpan] = []
        spans.reserveCapacity(list.count)
        for s in list {
            guard let st = s.timestamp?.value else { continue }
            let d = s.duration?.value ?? 0
            var id = s.id, parent = s.parentId
            if s.kind == "SERVER", s.shared == true || clientIDs.contains(s.traceId + "/" + s.id) {
                parent = s.id
                id = s.id + "/server"
            }
            let kind: TraceSpan.Kind = s.kind == "SERVER" || s.kind == "CONSUMER" ? .server
                : s.kind == "CLIENT" || s.kind == "PRODUCER" ? .client : .other
            spans.append(TraceSpan(trace: s.traceId, id: id, parent: parent,
                                   service: s.localEndpoint?.serviceName ?? "unknown_service", kind: kind,
                                   start: st * 1000, end: (st + max(0, d)) * 1000, error: s.tags?["error"] != nil))
        }
        return spans
    }
}

import Calibration
import Foundation
import Scenario
import SimCore
import Topology

// traces.json (OTLP JSON) and access.log (Envoy's default access-log format), from the
// records replication 1 collected (`--trace-sample N`, `--access-log`).

/// The OTLP/JSON encoding of an ExportTraceServiceRequest, as published in
/// opentelemetry-proto (`opentelemetry/proto/collector/trace/v1`, JSON mapping of
/// docs/specification.md "JSON Protobuf Encoding"): lowerCamelCase field names, trace and
/// span ids as hex strings (not base64), 64-bit integers as decimal strings, enums as integers.
struct OTLPTraces: Encodable {
    struct AnyValue: Encodable {
        var stringValue: String?
        /// int64 as a decimal string.
        var intValue: String?
    }
    struct KeyValue: Encodable {
        var key: String
        var value: AnyValue
        static func string(_ k: String, _ v: String) -> KeyValue { KeyValue(key: k, value: AnyValue(stringValue: v)) }
        static func int(_ k: String, _ v: Int) -> KeyValue { KeyValue(key: k, value: AnyValue(intValue: "\(v)")) }
    }
    struct Resource: Encodable { var attributes: [KeyValue] }
    struct Scope: Encodable { var name: String; var version: String }
    struct Status: Encodable {
        /// STATUS_CODE_UNSET 0, OK 1, ERROR 2.
        var code: Int
        var message: String?
    }
    struct Span: Encodable {
        var traceId: String
        var spanId: String
        var parentSpanId: String?
        var name: String
        /// SPAN_KIND_INTERNAL 1, SPAN_KIND_SERVER 2, SPAN_KIND_CLIENT 3.
        var kind: Int
        var startTimeUnixNano: String
        var endTimeUnixNano: String
        var attributes: [KeyValue]
        var status: Status
    }
    struct ScopeSpans: Encodable { var scope: Scope; var spans: [Span] }
    struct ResourceSpans: Encodable { var resource: Resource; var scopeSpans: [ScopeSpans] }
    var resourceSpans: [ResourceSpans]
}

extension Reports {
    /// A proxy's name in traces: its role and what it belongs to (`sidecar/payment-0`, `gateway-1`).
    static func proxyName(_ m: CompiledTopology, _ p: Int, scenario s: Scenario) -> String {
        let info = m.proxies[p]
        switch info.hop {
        case .sidecar:
            return info.owner >= 0 ? "sidecar/" + instanceName(m, info.owner, scenario: s) : "sidecar/client-\(-1 - info.owner)"
        case .nodeProxy: return "node-proxy/" + s.cluster.nodeName(info.node)
        default: return "\(info.hop.name)-\(info.owner)"
        }
    }

    static func instanceName(_ m: CompiledTopology, _ i: Int, scenario s: Scenario) -> String {
        i >= 0 && i < m.instances.count ? "\(s.services[m.instances[i].service].name)-\(m.instances[i].index)" : "-"
    }

    static func hex(_ v: UInt64) -> String {
        let h = String(v, radix: 16)
        return String(repeating: "0", count: 16 - h.count) + h
    }

    /// Outcome words for traces: `ok`, or the failure with its Envoy flag.
    static func outcome(_ f: Failure) -> String {
        f == .none ? "ok" : "\(f)" + (f.responseFlag == "-" ? "" : " (\(f.responseFlag))")
    }

    /// traces.json: per topology and service, one ResourceSpans (service.name = the service,
    /// topsim.topology = the topology); one trace per sampled root request; a span per call
    /// and one per hop traversal (proxy, wire, app work), a hop's parent being its call's span.
    /// Times are simulated nanoseconds since the run's start (the Unix epoch stands for it).
    public static func tracesJSON(_ r: Runner.Result) -> String {
        let s = r.scenario
        var resources: [OTLPTraces.ResourceSpans] = []
        for (ti, t) in r.topologies.enumerated() {
            let log = t.runs[0].trace
            var bySvc = [[OTLPTraces.Span]](repeating: [], count: s.services.count)
            for sp in log.spans {
                let traceID = hex(s.seed) + hex(UInt64(ti) << 40 | UInt64(sp.trace + 1))
                var attrs: [OTLPTraces.KeyValue] = [.string("topsim.outcome", outcome(sp.outcome))]
                let name: String
                let kind: Int
                if let hop = sp.hop {
                    attrs.insert(.string("topsim.hop.kind", hop.name), at: 0)
                    if sp.proxy >= 0 { attrs.append(.string("topsim.proxy", proxyName(t.model, sp.proxy, scenario: s))) }
                    if sp.instance >= 0 { attrs.append(.string("topsim.instance", instanceName(t.model, sp.instance, scenario: s))) }
                    name = hop == .app ? "app " + s.services[sp.service].name
                        : sp.proxy >= 0 ? proxyName(t.model, sp.proxy, scenario: s) : hop.name
                    kind = hop == .app ? 2 : 1
                } else {
                    attrs.append(.int("topsim.tries", sp.tries))
                    if sp.instance >= 0 { attrs.append(.string("topsim.instance", instanceName(t.model, sp.instance, scenario: s))) }
                    name = "call " + s.services[sp.service].name
                    kind = 3
                }
                bySvc[sp.service].append(OTLPTraces.Span(
                    traceId: traceID, spanId: hex(sp.id), parentSpanId: sp.parent == 0 ? nil : hex(sp.parent),
                    name: name, kind: kind, startTimeUnixNano: "\(sp.start)", endTimeUnixNano: "\(sp.end)",
                    attributes: attrs,
                    status: sp.outcome == .none ? .init(code: 0) : .init(code: 2, message: outcome(sp.outcome))))
            }
            for (k, spans) in bySvc.enumerated() where !spans.isEmpty {
                resources.append(OTLPTraces.ResourceSpans(
                    resource: .init(attributes: [.string("service.name", s.services[k].name),
                                                 .string("topsim.topology", t.spec.name),
                                                 .string("topsim.scenario", s.name)]),
                    scopeSpans: [.init(scope: .init(name: "topsim", version: version), spans: spans)]))
            }
        }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and integers only: encoding cannot fail.
        guard let data = try? e.encode(OTLPTraces(resourceSpans: resources)) else { preconditionFailure("traces.json did not encode") }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// HTTP status a caller sees for a failure.
    static func statusCode(_ f: Failure) -> Int {
        switch f {
        case .none: return 200
        case .rateLimited: return 429
        case .timeout: return 504
        default: return 503
        }
    }

    /// Envoy's response flags for a call: the failure's own (UO, UF, UT, UH, RL, UC), and URX
    /// when it failed after retries. NR (no route) never occurs: every call has a route.
    static func responseFlags(_ f: Failure, tries: Int) -> String {
        guard f != .none else { return "-" }
        var flags = f.responseFlag == "-" ? [] : [f.responseFlag]
        if tries > 1 { flags.append("URX") }
        return flags.isEmpty ? "-" : flags.joined(separator: ",")
    }

    /// Envoy's START_TIME (`%Y-%m-%dT%H:%M:%E3SZ`) for simulated nanoseconds since the run's
    /// start, the run starting at the Unix epoch.
    static func startTime(_ t: SimTime) -> String {
        let ms = t / 1_000_000
        let secs = ms / 1000, days = secs / 86_400
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let frac = ms % 1000
        let f = frac < 10 ? "00\(frac)" : frac < 100 ? "0\(frac)" : "\(frac)"
        return "1970-01-\(two(days + 1))T\(two(secs / 3600 % 24)):\(two(secs / 60 % 60)):\(two(secs % 60)).\(f)Z"
    }

    /// access.log: every measured call of replication 1 as its enforcing proxy logs it, in
    /// Envoy's default format ("[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%
    /// %PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
    /// %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\"
    /// \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\""), in the order the calls
    /// finished, topology after topology. The user agent names the topology; the authority is
    /// the called service; bytes are not modelled (0).
    public static func accessLog(_ r: Runner.Result) -> String {
        let s = r.scenario
        var out = ""
        for t in r.topologies {
            let agent = "topsim/\(version) (\(t.spec.name))"
            for a in t.runs[0].trace.access {
                let svc = s.services[a.service].name
                let upstreamTime = a.failure == .none ? "\(a.duration / 1_000_000)" : "-"
                out += "[\(startTime(a.start))] \"GET /\(svc) HTTP/1.1\" \(statusCode(a.failure)) "
                    + "\(responseFlags(a.failure, tries: a.tries)) 0 0 \(a.duration / 1_000_000) \(upstreamTime) "
                    + "\"-\" \"\(agent)\" \"\(hex(a.requestID))\" \"\(svc)\" \"\(instanceName(t.model, a.instance, scenario: s))\"\n"
            }
        }
        return out
    }
}

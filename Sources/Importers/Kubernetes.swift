import Foundation
import Yams

/// Imports Kubernetes manifests and mesh/gateway configuration: Deployments and StatefulSets,
/// Services, Istio VirtualService, DestinationRule and PeerAuthentication, and Kong decK files.
/// docs/import.md has the mapping field by field with each product's semantics.
///
/// Manifests hold no call graph and no service times, so the graph comes from `--graph`
/// (an isotope graph or a trace export, imported as `topsim import isotope|traces` would) and
/// the manifests add replicas and policies to it; without one, every workload becomes a
/// service with no calls, a default service time and its own traffic.
///
/// Policies: topsim keeps one policy set per topology (a preset's defaults overlaid by the
/// scenario's and the topology's), not one per destination host, so Istio's settings go into
/// the mesh topologies' `policies` (the first value of each key wins; a different value for
/// another host is noted), and Kong's into the gateway topology's.
public enum KubernetesImporter {
    public struct Options: Sendable {
        /// An isotope graph or a trace export supplying services, calls and service times.
        public var graph: String?
        /// Requests per second into each entry service (overrides the graph's).
        public var rate: Double?
        /// For a trace export naming topologies (topsim's own): the one to read.
        public var topology: String?
        public init(graph: String? = nil, rate: Double? = nil, topology: String? = nil) {
            self.graph = graph; self.rate = rate; self.topology = topology
        }
    }

    /// One resource read from a file.
    struct Resource {
        var kind: String
        var name: String
        var file: String
        var node: Node
        var source: String { "\(file):\(kind)/\(name)" }
    }

    /// Every file under the paths: folders recursively (`.yaml`, `.yml`, `.json`), in name order.
    static func files(_ paths: [String]) throws -> [String] {
        var out: [String] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { throw ImportError(file: p, "no such file or folder") }
            if isDir.boolValue {
                let found = (FileManager.default.enumerator(atPath: p)?.allObjects as? [String] ?? [])
                    .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") || $0.hasSuffix(".json") }
                    .sorted().map { (p as NSString).appendingPathComponent($0) }
                if found.isEmpty { throw ImportError(file: p, "the folder holds no .yaml, .yml or .json file") }
                out += found
            } else { out.append(p) }
        }
        return out
    }

    /// Imports the manifests under `paths`.
    public static func importPaths(_ paths: [String], options: Options = Options()) throws -> ImportDraft {
        var notes: [String] = []
        var resources: [Resource] = []
        var kongFiles: [(String, Node)] = []
        for f in try files(paths) {
            let base = (f as NSString).lastPathComponent
            for (di, doc) in try YAMLInput.documents(try YAMLInput.read(f), file: f).enumerated() {
                guard doc.mapping != nil else { notes.append("\(base): document \(di + 1) is not a mapping; skipped"); continue }
                if doc["_format_version"] != nil || (doc["kind"] == nil && doc["services"]?.sequence != nil) {
                    kongFiles.append((base, doc)); continue
                }
                let items = doc["kind"]?.text == "List" ? (doc["items"]?.sequence.map(Array.init) ?? []) : [doc]
                for item in items {
                    guard let kind = item["kind"]?.text else { notes.append("\(base): document \(di + 1) has no 'kind'; skipped"); continue }
                    let name = item["metadata"]?["name"]?.text ?? "?"
                    resources.append(Resource(kind: kind, name: name, file: base, node: item))
                }
            }
        }

        // The graph: from --graph, or one service per workload.
        var draft: ImportDraft
        if let g = options.graph {
            draft = try graph(g, options: options)
            notes += draft.notes
            draft.notes = []
        } else {
            draft = ImportDraft(name: "kubernetes", description: "Imported from Kubernetes manifests.")
            draft.topologies = ImportDraft.defaultTopologies()
        }
        let fromGraph = options.graph != nil
        draft.description = "Imported from Kubernetes manifests (\(paths.joined(separator: ", ")))"
            + (options.graph.map { " on the graph \(($0 as NSString).lastPathComponent)" } ?? "") + "."

        // Scenario names of workloads: the Service that selects their pods, else their own name.
        let services = resources.filter { $0.kind == "Service" }
        func serviceName(forWorkload w: Resource) -> String {
            let labels = w.node["spec"]?["template"]?["metadata"]?["labels"]?.mapping
            for s in services {
                guard let sel = s.node["spec"]?["selector"]?.mapping, !sel.isEmpty, let labels else { continue }
                if sel.allSatisfy({ k, v in labels[k.string ?? ""]?.string == v.string }) { return s.name }
            }
            return w.name
        }
        /// The scenario service a host (`reviews`, `reviews.default.svc.cluster.local`) names.
        func service(forHost h: String) -> String? {
            let short = String(h.split(separator: ".").first ?? Substring(h))
            return [h, short].lazy.map { ScenarioWriter.serviceName($0).name }.first { draft.serviceIndex($0) != nil }
        }

        var meshPolicies: [PolicyValue] = []
        var gatewayPolicies: [PolicyValue] = []
        func set(_ list: inout [PolicyValue], _ key: String, _ value: String, _ source: String) {
            if let old = list.first(where: { $0.key == key }) {
                if old.value != value {
                    notes.append("\(source) sets \(key) \(value), but topsim keeps one value per topology, not per host: kept \(old.value) (\(old.source))")
                }
                return
            }
            list.append(PolicyValue(key, value, source))
        }
        var mtls: Sourced<String>?
        var hasL7 = false
        var skipped: [String: Int] = [:]

        for r in resources {
            let spec = r.node["spec"]
            let src = r.source
            switch r.kind {
            case "Deployment", "StatefulSet":
                let name = ScenarioWriter.serviceName(serviceName(forWorkload: r)).name
                var idx = draft.serviceIndex(name)
                if idx == nil {
                    if fromGraph { notes.append("\(src): no service '\(name)' in the graph; not added"); continue }
                    var s = DraftService(name: name, serviceTime: Sourced("exp(10ms)", "default: manifests carry no service time (give --graph, or measure it)"))
                    s.replicas = Sourced(1, "default: Kubernetes' replicas default")
                    draft.services.append(s)
                    idx = draft.services.count - 1
                }
                guard let i = idx else { continue }
                if let rep = spec?["replicas"] {
                    guard let v = rep.int, v >= 1, v <= 10_000 else {
                        if rep.int == 0 { notes.append("\(src).spec.replicas is 0: kept 1 (a scenario service needs an instance)"); continue }
                        throw ImportError(file: r.file, line: rep.line, column: rep.column, "spec.replicas must be a whole number, not '\(rep.text ?? "")'")
                    }
                    draft.services[i].replicas = Sourced(v, "\(src).spec.replicas")
                } else if !fromGraph || draft.services[i].replicas == nil {
                    draft.services[i].replicas = Sourced(1, "default: \(src) sets no replicas (Kubernetes' default 1)")
                }
                // Gradual adoption: a pod template that opts out of injection stays outside the
                // mesh (Istio: the `sidecar.istio.io/inject` label, or the older annotation, "false";
                // Linkerd: the `linkerd.io/inject: disabled` annotation).
                let meta = spec?["template"]?["metadata"]
                for (field, key, off) in [("labels", "sidecar.istio.io/inject", "false"),
                                          ("annotations", "sidecar.istio.io/inject", "false"),
                                          ("annotations", "linkerd.io/inject", "disabled")]
                where meta?[field]?[key]?.text?.lowercased() == off {
                    draft.services[i].mesh = Sourced(false, "\(src).spec.template.metadata.\(field).\(key) \(off)")
                }
                let pod = spec?["template"]?["spec"]
                if let g = pod?["terminationGracePeriodSeconds"] {
                    // Kubernetes' grace period: what a terminating pod gets to finish (Termination.swift).
                    guard let v = g.int, v >= 0, v <= 86_400 else {
                        throw ImportError(file: r.file, line: g.line, column: g.column,
                                          "terminationGracePeriodSeconds must be a whole number of seconds, not '\(g.text ?? "")'")
                    }
                    draft.services[i].terminationGrace = Sourced("\(v)s", "\(src).spec.template.spec.terminationGracePeriodSeconds")
                }
                for (ci, c) in (pod?["containers"]?.sequence.map(Array.init) ?? []).enumerated() {
                    if let res = c["resources"], res.mapping?.isEmpty == false {
                        let cpu = res["limits"]?["cpu"]?.text ?? res["requests"]?["cpu"]?.text
                        notes.append("\(src).spec.template.spec.containers[\(ci)].resources\(cpu.map { " (cpu \($0))" } ?? "") not mapped: a service's capacity is its workers and service time; set workers by hand")
                    }
                }
                if spec?["strategy"] != nil || spec?["updateStrategy"] != nil { notes.append("\(src): the rollout strategy is not mapped") }
            case "Service":
                if let t = spec?["type"]?.text, t != "ClusterIP" { notes.append("\(src).spec.type \(t) not mapped: external traffic enters through the topology's edge") }
            case "VirtualService":
                let hosts = spec?["hosts"]?.sequence.map { $0.compactMap(\.text) } ?? []
                if !hosts.isEmpty && hosts.allSatisfy({ service(forHost: $0) == nil }) {
                    notes.append("\(src): hosts \(hosts.joined(separator: ", ")) name no service of the graph; its policies are applied anyway (topsim's are per topology)")
                }
                for (hi, h) in (spec?["http"]?.sequence.map(Array.init) ?? []).enumerated() {
                    let at = "\(src).spec.http[\(hi)]"
                    hasL7 = true
                    if let t = h["timeout"]?.text {
                        guard let ns = IsotopeImporter.goDuration(t) else { throw bad(r, h["timeout"]!, "'\(t)' is not a duration") }
                        set(&meshPolicies, "timeout", ns == 0 ? "none" : ScenarioWriter.duration(nanoseconds: ns), "\(at).timeout")
                    }
                    if let rt = h["retries"] {
                        if let a = rt["attempts"] {
                            guard let v = a.int, v >= 0, v <= 100 else { throw bad(r, a, "retries.attempts must be a whole number from 0 to 100") }
                            set(&meshPolicies, "retries.attempts", "\(v)", "\(at).retries.attempts")
                        } else {
                            notes.append("\(at).retries has no attempts: the preset's retries stay")
                        }
                        if let p = rt["perTryTimeout"]?.text {
                            guard let ns = IsotopeImporter.goDuration(p), ns > 0 else { throw bad(r, rt["perTryTimeout"]!, "'\(p)' is not a duration") }
                            set(&meshPolicies, "per_try_timeout", ScenarioWriter.duration(nanoseconds: ns), "\(at).retries.perTryTimeout")
                        }
                        if let on = rt["retryOn"]?.text {
                            let (mapped, unmapped) = retryOn(on)
                            if !mapped.isEmpty, rt["attempts"] != nil {
                                set(&meshPolicies, "retries.on", "[" + mapped.joined(separator: ", ") + "]", "\(at).retries.retryOn")
                            }
                            if !unmapped.isEmpty {
                                notes.append("\(at).retries.retryOn: \(unmapped.joined(separator: ", ")) not mapped (topsim's failures are 503s, resets, connect failures and timeouts; no 4xx, gRPC statuses or headers)")
                            }
                        }
                        if rt["retryRemoteLocalities"] != nil { notes.append("\(at).retries.retryRemoteLocalities not mapped") }
                    }
                    for k in h.keys where !["timeout", "retries", "route", "match", "name"].contains(k) {
                        notes.append("\(at).\(k) not mapped\(k == "fault" ? " (write a latency or errors fault instead)" : "")")
                    }
                    if (h["route"]?.sequence?.count ?? 0) > 1 { notes.append("\(at).route splits traffic between destinations: not mapped (one version per service)") }
                }
                for k in ["tcp", "tls"] where spec?[k] != nil { notes.append("\(src).spec.\(k) routes not mapped (HTTP only)") }
            case "DestinationRule":
                guard let tp = spec?["trafficPolicy"] else { notes.append("\(src) has no trafficPolicy; nothing to map"); continue }
                let at = "\(src).spec.trafficPolicy"
                hasL7 = true
                try destinationRule(tp, at: at, r: r, set: { set(&meshPolicies, $0, $1, $2) }, notes: &notes)
                if spec?["subsets"] != nil { notes.append("\(src).spec.subsets not mapped (one version per service)") }
            case "PeerAuthentication":
                let mode = spec?["mtls"]?["mode"]?.text ?? "UNSET"
                let value: String?
                switch mode {
                case "STRICT": value = "strict"
                case "PERMISSIVE": value = "permissive"
                case "DISABLE": value = "off"
                default: value = nil
                }
                if let value {
                    if spec?["selector"] != nil {
                        notes.append("\(src) selects some workloads; topsim's mtls is per topology: applied to every service")
                    }
                    if let m = mtls, m.value != value {
                        notes.append("\(src).spec.mtls.mode \(mode), but topsim keeps one mTLS mode per topology: kept \(m.value) (\(m.source))")
                    } else if mtls == nil { mtls = Sourced(value, "\(src).spec.mtls.mode \(mode)") }
                } else { notes.append("\(src).spec.mtls.mode \(mode): inherits the parent's mode; nothing to map") }
                if spec?["portLevelMtls"] != nil { notes.append("\(src).spec.portLevelMtls not mapped (no ports in topsim)") }
            default:
                skipped[r.kind, default: 0] += 1
            }
        }
        for (k, n) in skipped.sorted(by: { $0.key < $1.key }) {
            notes.append("\(n) \(k) resource\(n == 1 ? "" : "s") skipped: topsim has no mapping for kind \(k)")
        }

        // Kong decK files: the gateway topology's preset and policies; routed services are entries.
        var kongEntries: [(String, String)] = []
        for (file, doc) in kongFiles {
            try kong(doc, file: file, set: { set(&gatewayPolicies, $0, $1, $2) }, notes: &notes, entries: &kongEntries,
                     service: service(forHost:))
        }

        if !fromGraph {
            if draft.services.isEmpty {
                for (name, src) in kongEntries where draft.serviceIndex(name) == nil {
                    var s = DraftService(name: name, serviceTime: Sourced("exp(10ms)", "default: manifests carry no service time (give --graph, or measure it)"))
                    s.replicas = Sourced(1, "default: \(src) says nothing of instances")
                    draft.services.append(s)
                }
            }
            guard !draft.services.isEmpty else {
                throw ImportError(file: paths.first ?? "-", "no Deployment, StatefulSet or Kong service found: nothing to build a scenario from")
            }
            let rate = options.rate.map { Sourced($0, "--rate") } ?? Sourced(100.0, "default: manifests carry no rate; use --rate")
            let entries = kongEntries.filter { draft.serviceIndex($0.0) != nil }
            if entries.isEmpty {
                for s in draft.services { draft.traffic.append(DraftTraffic(name: "to-" + s.name, to: s.name, toSource: "default: no call graph (give --graph); every workload gets traffic", rate: rate)) }
                notes.append("no call graph: each service gets its own traffic and calls nothing (give --graph FILE, an isotope graph or a trace export)")
            } else {
                for (n, src) in entries { draft.traffic.append(DraftTraffic(name: "to-" + n, to: n, toSource: src, rate: rate)) }
            }
        }
        for t in draft.topologies.indices {
            switch draft.topologies[t].kind {
            case "sidecar", "sidecarless":
                draft.topologies[t].policies = meshPolicies
                draft.topologies[t].mtls = mtls
                if draft.topologies[t].kind == "sidecarless" && hasL7 && !meshPolicies.isEmpty {
                    draft.topologies[t].extra.append(PolicyValue("waypoint", "true", "Istio applies VirtualService/DestinationRule policies at a waypoint in ambient mode"))
                }
            case "gateway":
                draft.topologies[t].policies = gatewayPolicies
                if !kongFiles.isEmpty {
                    draft.topologies[t].preset = Sourced("kong", "\(kongFiles.map(\.0).joined(separator: ", ")): a Kong decK file")
                }
            default: break
            }
        }
        if !meshPolicies.isEmpty {
            notes.append("Istio policies apply to the sidecar and sidecarless topologies only: 'none' has no proxy, 'gateway' enforces its own")
        }
        draft.notes = notes
        return draft
    }

    static func bad(_ r: Resource, _ n: Node, _ message: String) -> ImportError {
        ImportError(file: r.file, line: n.line, column: n.column, "\(r.kind)/\(r.name): \(message)")
    }

    /// The graph file: a trace export when it starts with `{` or `[`, else an isotope graph.
    static func graph(_ path: String, options: Options) throws -> ImportDraft {
        let head = (try? FileHandle(forReadingFrom: URL(fileURLWithPath: path)).read(upToCount: 4096)) ?? nil
        let first = head?.first { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            return try TracesImporter.importFile(path, options: .init(rate: options.rate, topology: options.topology))
        }
        return try IsotopeImporter.importFile(path, options: .init(rate: options.rate))
    }

    /// Istio's retryOn (Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on values, or HTTP
    /// status codes) in topsim's retry conditions; returns the mapped and the unmapped ones.
    static func retryOn(_ text: String) -> (mapped: [String], unmapped: [String]) {
        var mapped: [String] = [], unmapped: [String] = []
        for raw in text.split(separator: ",") {
            let c = raw.trimmingCharacters(in: .whitespaces)
            let m: String?
            switch c {
            case "5xx": m = "5xx"
            case "gateway-error": m = "gateway-error"
            case "reset", "reset-before-request": m = "reset"
            case "connect-failure": m = "connect-failure"
            case "refused-stream": m = "refused-stream"
            case "503", "unavailable": m = "unavailable"
            case "504": m = "timeout"
            default: m = nil
            }
            if let m { if !mapped.contains(m) { mapped.append(m) } } else if !c.isEmpty { unmapped.append(c) }
        }
        return (mapped, unmapped)
    }

    /// A DestinationRule's trafficPolicy: connectionPool → circuit_breakers, connect_timeout;
    /// outlierDetection → outlier_detection; loadBalancer → load_balancing.
    static func destinationRule(_ tp: Node, at: String, r: Resource, set: (String, String, String) -> Void,
                                notes: inout [String]) throws {
        func whole(_ n: Node, _ what: String) throws -> Int {
            guard let v = n.int, v >= 0 else { throw bad(r, n, "\(what) must be a whole number, not '\(n.text ?? "")'") }
            return v
        }
        func dur(_ n: Node, _ what: String) throws -> String {
            guard let t = n.text, let ns = IsotopeImporter.goDuration(t), ns > 0 else { throw bad(r, n, "\(what) must be a duration above 0, not '\(n.text ?? "")'") }
            return ScenarioWriter.duration(nanoseconds: ns)
        }
        if let cp = tp["connectionPool"] {
            if let tcp = cp["tcp"] {
                for k in tcp.keys {
                    let n = tcp[k]!
                    switch k {
                    case "maxConnections": set("circuit_breakers.max_connections", "\(try whole(n, k))", "\(at).connectionPool.tcp.maxConnections")
                    case "connectTimeout": set("connect_timeout", try dur(n, k), "\(at).connectionPool.tcp.connectTimeout")
                    default: notes.append("\(at).connectionPool.tcp.\(k) not mapped")
                    }
                }
            }
            if let http = cp["http"] {
                for k in http.keys {
                    let n = http[k]!
                    switch k {
                    case "http1MaxPendingRequests": set("circuit_breakers.max_pending_requests", "\(try whole(n, k))", "\(at).connectionPool.http.http1MaxPendingRequests")
                    case "http2MaxRequests": set("circuit_breakers.max_requests", "\(try whole(n, k))", "\(at).connectionPool.http.http2MaxRequests")
                    case "maxRetries": set("circuit_breakers.max_retries", "\(try whole(n, k))", "\(at).connectionPool.http.maxRetries")
                    default: notes.append("\(at).connectionPool.http.\(k) not mapped")
                    }
                }
            }
        }
        if let od = tp["outlierDetection"] {
            try outlierDetection(od, at: at, r: r, set: set, notes: &notes, whole: whole, dur: dur)
        }
        if let lb = tp["loadBalancer"] {
            if let simple = lb["simple"]?.text {
                let m: String?
                switch simple {
                case "ROUND_ROBIN": m = "round-robin"
                case "LEAST_REQUEST", "LEAST_CONN": m = "least-request"
                case "RANDOM": m = "random"
                default: m = nil
                }
                if let m { set("load_balancing", m, "\(at).loadBalancer.simple") } else { notes.append("\(at).loadBalancer.simple \(simple) not mapped") }
            }
            if lb["consistentHash"] != nil { notes.append("\(at).loadBalancer.consistentHash not mapped (no request keys in topsim)") }
            if let loc = lb["localityLbSetting"] {
                // Istio: locality-aware balancing keeps calls in the caller's zone while it has
                // healthy hosts (`enabled`, true unless set false); its failover and distribute
                // rules are not modelled.
                if loc["enabled"]?.text?.lowercased() == "false" {
                    notes.append("\(at).loadBalancer.localityLbSetting.enabled false: zones are not preferred (topsim's default)")
                } else {
                    set("locality", "prefer-zone", "\(at).loadBalancer.localityLbSetting")
                    if loc["failover"] != nil || loc["distribute"] != nil || loc["failoverPriority"] != nil {
                        notes.append("\(at).loadBalancer.localityLbSetting failover/distribute rules not mapped: prefer-zone fails over to every other zone")
                    }
                }
            }
            if lb["warmupDurationSecs"] != nil { notes.append("\(at).loadBalancer.warmupDurationSecs not mapped") }
        }
        if let tls = tp["tls"]?["mode"]?.text {
            notes.append("\(at).tls.mode \(tls): the topology's mtls (from PeerAuthentication) decides; not mapped separately")
        }
        if tp["portLevelSettings"] != nil { notes.append("\(at).portLevelSettings not mapped (no ports in topsim)") }
    }

    /// Envoy's consecutive_5xx default, which Istio keeps when consecutive5xxErrors is unset
    /// (outlier_detection.proto: "Defaults to 5"; Istio DestinationRule: "defaults to 5").
    static let envoyConsecutive5xx = 5

    /// A DestinationRule's outlierDetection → the scenario's `outlier_detection`.
    ///
    /// Istio (pilot cluster_traffic_policy.go applyOutlierDetection) programs Envoy's two
    /// counters separately: `consecutive5xxErrors` → consecutive_5xx (any 5xx; unset keeps
    /// Envoy's default 5, `0` turns it off) and `consecutiveGatewayErrors` → consecutive_gateway_failure
    /// (only 502, 503, 504; off unless set above 0). With split_external_local_origin_errors
    /// false, as Istio leaves it, both also count locally originated failures: connect
    /// failures, resets, timeouts (Envoy's outlier detection overview). Each ejects the host
    /// when it reaches its own count.
    ///
    /// The scenario has one counter, `consecutive_errors`, documented as Envoy's consecutive
    /// 5xx (docs/scenario-format.md): consecutive5xxErrors maps to it. consecutiveGatewayErrors
    /// has no field of its own; every failure topsim models answers 503 or 504 (an app's own
    /// errors answer 503, Topology's Failure) or is locally originated, so a gateway count
    /// would see exactly the failures the 5xx count sees: when it is the lower of the two
    /// (the one Istio says has an effect) it ejects first and becomes `consecutive_errors`;
    /// either way a note says so and why (a real app's 500s would count only toward the 5xx
    /// count). The deprecated `consecutiveErrors` is no longer read by Istio: noted, not mapped.
    static func outlierDetection(_ od: Node, at: String, r: Resource, set: (String, String, String) -> Void,
                                 notes: inout [String], whole: (Node, String) throws -> Int,
                                 dur: (Node, String) throws -> String) throws {
        let base = "\(at).outlierDetection"
        var fiveXX: (value: Int, source: String)?
        var gateway: (value: Int, source: String)?
        var rest: [(String, String, String)] = []
        for k in od.keys {
            let n = od[k]!
            let src = "\(base).\(k)"
            switch k {
            case "consecutive5xxErrors": fiveXX = (try whole(n, k), src)
            case "consecutiveGatewayErrors": gateway = (try whole(n, k), src)
            case "consecutiveErrors":
                notes.append("\(src) not mapped: deprecated, and no longer read by Istio (use consecutive5xxErrors or consecutiveGatewayErrors)")
            case "interval": rest.append(("outlier_detection.interval", try dur(n, k), src))
            case "baseEjectionTime": rest.append(("outlier_detection.ejection", try dur(n, k), src))
            case "maxEjectionPercent":
                guard let v = n.int, (0...100).contains(v) else { throw bad(r, n, "maxEjectionPercent must be 0..100") }
                rest.append(("outlier_detection.max_ejection", "\(v)%", src))
            case "minHealthPercent":
                guard let v = n.int, (0...100).contains(v) else { throw bad(r, n, "minHealthPercent must be 0..100") }
                rest.append(("outlier_detection.panic_threshold", "\(v)%", src))
            default: notes.append("\(src) not mapped")
            }
        }
        // The 5xx count in force: the one given (0: off), else Envoy's default.
        let fiveOn: (value: Int, source: String)?
        if let f = fiveXX { fiveOn = f.value > 0 ? f : nil } else {
            fiveOn = (value: Self.envoyConsecutive5xx,
                      source: "default: Envoy's consecutive_5xx (5), which Istio keeps when consecutive5xxErrors is unset")
        }
        let gateOn: (value: Int, source: String)?
        if let g = gateway, g.value > 0 { gateOn = g } else { gateOn = nil }
        var chosen = fiveOn
        if let g = gateOn {
            let why = "topsim has one consecutive-error count (Envoy's consecutive 5xx); every failure it models is a 503 or 504 or a connect failure, reset or timeout, which Envoy's gateway-failure count sees too (a real app's 500s would count only toward consecutive5xxErrors)"
            if let f = fiveOn, g.value >= f.value {
                notes.append("\(g.source) \(g.value) has no effect: the 5xx count (\(f.value)) ejects first, as Istio documents for a gateway count not below it; \(why)")
            } else {
                chosen = g
                notes.append("\(g.source) \(g.value) is written as outlier_detection.consecutive_errors: it ejects before \(fiveOn.map { "the 5xx count (\($0.value))" } ?? "the 5xx count (off: consecutive5xxErrors 0)"); \(why)")
            }
        }
        guard let (v, src) = chosen else {
            notes.append("\(base): consecutive5xxErrors is 0 and no consecutiveGatewayErrors is set: Istio ejects no host (success-rate ejection is off), so outlier detection is not written")
            return
        }
        set("outlier_detection.consecutive_errors", "\(v)", src)
        for (key, value, source) in rest { set(key, value, source) }
    }

    /// A Kong decK file (`_format_version`, `services[]` with retries and timeouts in ms,
    /// `routes`, `plugins`): Kong's service settings and its rate-limiting plugin.
    static func kong(_ doc: Node, file: String, set: (String, String, String) -> Void, notes: inout [String],
                     entries: inout [(String, String)], service: (String) -> String?) throws {
        var plugins: [(Node, String)] = (doc["plugins"]?.sequence.map(Array.init) ?? []).enumerated().map { ($1, "\(file):plugins[\($0)]") }
        for (i, s) in (doc["services"]?.sequence.map(Array.init) ?? []).enumerated() {
            let name = s["name"]?.text ?? "services[\(i)]"
            let at = "\(file):services[\(i)]"
            if let r = s["retries"] {
                guard let v = r.int, v >= 0 else { throw ImportError(file: file, line: r.line, column: r.column, "Kong service '\(name)': retries must be a whole number") }
                set("retries.attempts", "\(min(v, 100))", "\(at).retries")
            }
            if let c = s["connect_timeout"] {
                guard let v = c.int, v > 0 else { throw ImportError(file: file, line: c.line, column: c.column, "Kong service '\(name)': connect_timeout is milliseconds above 0") }
                set("connect_timeout", ScenarioWriter.duration(nanoseconds: Int64(v) * 1_000_000), "\(at).connect_timeout (ms)")
            }
            if let c = s["read_timeout"] {
                guard let v = c.int, v > 0 else { throw ImportError(file: file, line: c.line, column: c.column, "Kong service '\(name)': read_timeout is milliseconds above 0") }
                set("per_try_timeout", ScenarioWriter.duration(nanoseconds: Int64(v) * 1_000_000), "\(at).read_timeout (ms; Kong's read timeout is per try)")
            }
            if s["write_timeout"] != nil { notes.append("\(at).write_timeout not mapped (request bodies are not modelled)") }
            let host = s["host"]?.text ?? s["url"]?.text.flatMap { URL(string: $0)?.host } ?? name
            if s["routes"]?.sequence?.isEmpty == false {
                if let svc = service(host) ?? Optional(ScenarioWriter.serviceName(String(host.split(separator: ".").first ?? Substring(host))).name) {
                    if !entries.contains(where: { $0.0 == svc }) { entries.append((svc, "\(at).routes (host \(host))")) }
                }
            }
            for (k, p) in (s["plugins"]?.sequence.map(Array.init) ?? []).enumerated() { plugins.append((p, "\(at).plugins[\(k)]")) }
            for (k, route) in (s["routes"]?.sequence.map(Array.init) ?? []).enumerated() {
                for (j, p) in (route["plugins"]?.sequence.map(Array.init) ?? []).enumerated() { plugins.append((p, "\(at).routes[\(k)].plugins[\(j)]")) }
            }
        }
        for (p, at) in plugins {
            let name = p["name"]?.text ?? "?"
            if p["enabled"]?.bool == false { notes.append("\(at): plugin \(name) is disabled; skipped"); continue }
            guard name == "rate-limiting" || name == "rate-limiting-advanced" else {
                notes.append("\(at): plugin \(name) not mapped"); continue
            }
            let cfg = p["config"]
            var limit: (String, String)?
            for (k, unit) in [("second", "s"), ("minute", "m"), ("hour", "h")] {
                if let v = cfg?[k]?.float, v > 0 {
                    if limit == nil { limit = ("\(ScenarioWriter.number(v))/\(unit)", "\(at).config.\(k)") } else {
                        notes.append("\(at).config.\(k) not mapped: topsim keeps one limit per consumer (the shortest window's)")
                    }
                }
            }
            if let lims = cfg?["limit"]?.sequence, let wins = cfg?["window_size"]?.sequence, let l = lims.first?.float, let w = wins.first?.float, w > 0 {
                // rate-limiting-advanced: limit[i] requests per window_size[i] seconds.
                limit = limit ?? ("\(ScenarioWriter.number(l / w))/s", "\(at).config.limit[0] / window_size[0]")
                set("rate_limit.window", ScenarioWriter.duration(nanoseconds: Int64(w * 1e9)), "\(at).config.window_size[0]")
                if let wt = cfg?["window_type"]?.text {
                    set("rate_limit.algorithm", wt == "sliding" ? "sliding-window" : "fixed-window", "\(at).config.window_type")
                }
            }
            for k in ["day", "month", "year"] where cfg?[k] != nil { notes.append("\(at).config.\(k) not mapped (longer than any run)") }
            guard let (value, src) = limit else { notes.append("\(at): no limit per second, minute or hour; not mapped"); continue }
            set("rate_limit.per_consumer", value, src)
            if let pol = cfg?["policy"]?.text ?? cfg?["strategy"]?.text {
                switch pol {
                case "local": set("rate_limit.policy", "local", "\(at).config.policy")
                case "cluster", "redis": set("rate_limit.policy", "cluster", "\(at).config.policy \(pol)")
                default: notes.append("\(at).config.policy \(pol) not mapped")
                }
            }
            if let ft = cfg?["fault_tolerant"]?.bool { set("rate_limit.fail_open", ft ? "true" : "false", "\(at).config.fault_tolerant") }
            if let by = cfg?["limit_by"]?.text ?? cfg?["identifier"]?.text, by != "consumer", by != "credential" {
                notes.append("\(at).config.limit_by \(by) not mapped: topsim limits per consumer (traffic's consumers:)")
            }
        }
        for k in doc.keys where !["_format_version", "services", "plugins", "_transform", "_info"].contains(k) {
            notes.append("\(file): '\(k)' not mapped")
        }
    }
}

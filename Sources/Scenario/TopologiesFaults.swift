import Calibration
import Foundation
import SimCore

extension ScenarioParser {
    // MARK: Presets

    /// The preset a topology gets when it names none.
    static func defaultPreset(for kind: PresetKind) -> String? {
        let preferred: [PresetKind: String] = [.gateway: "envoy-gateway", .sidecarMesh: "istio-envoy",
                                               .sidecarless: "istio-ambient"]
        if let p = preferred[kind], PresetRegistry.preset(named: p)?.kind == kind { return p }
        return PresetRegistry.all.first { $0.kind == kind }?.name
    }

    static func presetKindName(_ k: PresetKind) -> String {
        switch k {
        case .gateway: return "a gateway"
        case .sidecarMesh: return "a sidecar-mesh"
        case .sidecarless: return "a sidecar-less"
        }
    }

    /// A preset name that exists and has the wanted kind.
    func preset(_ n: YNode, want: PresetKind, for what: String) -> String? {
        guard let name = string(n, "'preset'") else { return nil }
        guard let p = PresetRegistry.preset(named: name) else {
            error(n.pos, "unknown preset '\(name)' (known: \(PresetRegistry.names.joined(separator: ", ")))",
                  suggestion: Suggest.closest(to: name, in: PresetRegistry.names))
            return nil
        }
        if p.kind != want {
            let fitting = PresetRegistry.all.filter { $0.kind == want }.map(\.name)
            error(n.pos, "preset '\(name)' is \(Self.presetKindName(p.kind)) preset; \(what) needs "
                + "\(Self.presetKindName(want)) preset"
                + (fitting.isEmpty ? "" : " (\(fitting.joined(separator: ", ")))"))
            return nil
        }
        return name
    }

    func defaultPresetOrError(_ kind: PresetKind, _ pos: Pos, _ what: String) -> String? {
        if let p = Self.defaultPreset(for: kind) { return p }
        error(pos, "\(what) names no preset and no \(Self.presetKindName(kind)) preset is registered")
        return nil
    }

    // MARK: Topologies

    func parseTopology(_ n: YNode) -> TopologySpec? {
        guard let raw = fields(n, "a topology", allowed: Self.topologyKeys) else { return nil }
        let before = diagnostics.count
        guard let kn = raw["kind"] else {
            error(raw.pos, "a topology needs 'kind' (\(TopologyKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            return nil
        }
        guard let kind = choice(kn, "'kind'", TopologyKind.self, aliases: ["mesh": .sidecar, "ambient": .sidecarless]) else {
            return nil
        }
        // Keys that do not fit the kind are errors, not silently ignored.
        let applicable = Self.commonTopologyKeys.union(Self.topologyKeysByKind[kind] ?? [])
        var f = raw
        for (k, e) in raw.entries where !applicable.contains(k) {
            error(e.key, "'\(k)' does not apply to a '\(kind.rawValue)' topology")
            f.entries[k] = nil
        }
        var name = ""
        if let v = f["name"], let s = string(v, "'name'") {
            if s.contains(".") || s.contains("*") || s.contains(where: \.isWhitespace) || s.contains("[") {
                error(v.pos, "topology name '\(s)' may not contain '.', '*', '[' or spaces (expectations refer to it as NAME.metric)")
            } else if Units.splitNumber(s) != nil {
                error(v.pos, "topology name '\(s)' may not start like a number (a digit, or '+', '-' or '.' before one): "
                    + "expectations would read it as a number")
            }
            name = s
        } else if !f.has("name") {
            error(f.pos, "a topology needs 'name'")
        }
        var t = TopologySpec(name: name, kind: kind, line: n.pos.line, column: n.pos.column)
        let what = "a '\(kind.rawValue)' topology"
        if let v = f["mtls"] { t.mtls = choice(v, "'mtls'", MTLSMode.self, aliases: ["disable": .off, "disabled": .off]) }
        if let v = f["internal"] { t.internal = choice(v, "'internal'", InternalRouting.self) ?? .direct }
        if let v = f["replicas"] { t.replicas = int(v, "'replicas'", min: 1, max: 10_000) }
        if let v = f["proxy"] { t.proxy = parseProxy(v, "'proxy'") }
        if let v = f["ingress"] { t.ingress = parseProxy(v, "'ingress'") }
        if let v = f["policies"] { t.policies = parsePolicies(v, "'policies'") }
        if let v = f["hold_application_until_proxy_starts"] {
            t.holdApplicationUntilProxyStarts = bool(v, "'hold_application_until_proxy_starts'")
        }
        if let v = f["access_logs"] { t.accessLogs = bool(v, "'access_logs'") }
        if let v = f["tracing"] { t.tracing = bool(v, "'tracing'") }
        if let v = f["waypoint"] {
            if case .mapping = v {
                if let o = parseProxy(v, "'waypoint'") { t.waypoint = .on(o) }
            } else if let b = bool(v, "'waypoint'") {
                t.waypoint = b ? .on(ProxyOverrides()) : .off
            }
        }

        switch kind {
        case .none:
            break
        case .gateway:
            t.preset = f["preset"].map { preset($0, want: .gateway, for: what) }
                ?? defaultPresetOrError(.gateway, f.pos, what)
            var part = GatewayPart(preset: t.preset ?? "")
            if let v = f["gateway"], let g = fields(v, "'gateway'", allowed: Self.proxyKeys + ["preset"]) {
                if g.has("preset") {
                    error(g.keyPos("preset"), "a 'gateway' topology sets its preset at the top level ('preset:')")
                }
                part.overrides = proxyOverrides(g)
                if t.replicas != nil, g.has("replicas") {
                    error(g.keyPos("replicas"), "gateway replicas are set twice ('replicas:' and 'gateway: { replicas }')")
                }
            }
            if let r = t.replicas { part.overrides.replicas = r }
            t.gateway = part
        case .sidecar:
            t.preset = f["preset"].map { preset($0, want: .sidecarMesh, for: what) }
                ?? defaultPresetOrError(.sidecarMesh, f.pos, what)
        case .sidecarless:
            t.preset = f["preset"].map { preset($0, want: .sidecarless, for: what) }
                ?? defaultPresetOrError(.sidecarless, f.pos, what)
        case .combined:
            var gw: GatewayPart?
            if let v = f["gateway"], let g = fields(v, "'gateway'", allowed: Self.proxyKeys + ["preset"]) {
                let p = g["preset"].map { preset($0, want: .gateway, for: "the gateway of a 'combined' topology") }
                    ?? defaultPresetOrError(.gateway, g.pos, "the gateway of a 'combined' topology")
                gw = GatewayPart(preset: p ?? "", overrides: proxyOverrides(g))
            } else if !f.has("gateway") {
                if let p = defaultPresetOrError(.gateway, f.pos, what) { gw = GatewayPart(preset: p) }
            }
            var meshPreset: String?
            var meshPresetGiven = f.has("preset")
            if let v = f["mesh"], let m = fields(v, "'mesh'", allowed: Self.meshKeys) {
                for k in ["preset", "mtls", "proxy"] where m.has(k) && f.has(k) {
                    error(m.keyPos(k), "'\(k)' is set both at the top level and under 'mesh'; keep one")
                }
                if let p = m["preset"] {
                    meshPresetGiven = true
                    meshPreset = preset(p, want: .sidecarMesh, for: "the mesh of a 'combined' topology")
                }
                if let x = m["mtls"] { t.mtls = choice(x, "'mtls'", MTLSMode.self, aliases: ["disable": .off]) }
                if let x = m["proxy"] { t.proxy = parseProxy(x, "'proxy'") }
            }
            if let p = f["preset"] { meshPreset = preset(p, want: .sidecarMesh, for: what) }
            if !meshPresetGiven { meshPreset = defaultPresetOrError(.sidecarMesh, f.pos, what) }
            t.preset = meshPreset
            t.gateway = gw
            t.mesh = MeshPart(preset: meshPreset ?? "", mtls: t.mtls, proxy: t.proxy)
        }
        if t.kind != .gateway, t.internal == .viaGateway {
            error(f.keyPos("internal"), "'internal: via-gateway' applies only to a 'gateway' topology")
        }
        return diagnostics.count == before ? t : nil
    }

    /// Replicas of the shared gateway (or ingress) each topology would run, for `gateway/N` targets.
    func gatewayReplicas(_ t: TopologySpec) -> Int { t.gatewayReplicaCount }

    // MARK: Faults

    enum TargetClass: String { case service, instance, node, zone, gateway, gatewayReplica = "gateway replica", controlPlane = "control-plane" }

    static let targetsByKind: [FaultKind: [TargetClass]] = [
        .crash: [.service, .instance],
        .proxyCrash: [.service, .instance, .node],
        .gatewayDown: [.gateway, .gatewayReplica],
        .nodeDown: [.node],
        .partition: [],
        .latency: [.service, .instance, .node, .zone, .gateway, .gatewayReplica],
        .errors: [.service, .instance, .gateway, .gatewayReplica],
        .restart: [.service, .instance],
        .configDrift: [.service],
        .controlPlaneDown: [.controlPlane],
        .rateLimitStoreDown: [],
        .rollout: [.service],
        .inject: [.service],
        .mtlsMode: [.service],
        .hang: [.service, .instance],
        .scale: [.service],
    ]
    /// Kinds that may omit `target`, and what they then mean.
    static let implicitTargets: [FaultKind: FaultTarget] = [
        .gatewayDown: .gateway, .controlPlaneDown: .controlPlane, .partition: .none, .configDrift: .none,
        .rateLimitStoreDown: .none, .mtlsMode: .none,
    ]

    func parseFault(_ n: YNode, names: [String], services: [Service], cluster: Cluster,
                    topologies: [TopologySpec], duration: SimTime?) -> Fault? {
        guard let raw = fields(n, "a fault", allowed: Self.faultKeys) else { return nil }
        let before = diagnostics.count
        guard let kn = raw["kind"] else {
            error(raw.pos, "a fault needs 'kind' (\(FaultKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            return nil
        }
        guard let kind = choice(kn, "fault 'kind'", FaultKind.self) else { return nil }
        let applicable = Set(["at", "for", "kind"]).union(Self.faultKeysByKind[kind] ?? [])
        var f = raw
        for (k, e) in raw.entries where !applicable.contains(k) {
            error(e.key, "'\(k)' does not apply to a '\(kind.rawValue)' fault")
            f.entries[k] = nil
        }
        var fault = Fault(at: 0, kind: kind, line: n.pos.line, column: n.pos.column)
        if let v = f["at"] {
            if let at = self.duration(v, "'at'") {
                fault.at = at
                if let d = duration, at >= d {
                    error(v.pos, "the fault starts at \(String.duration(at)), at or after the end of the run (\(String.duration(d))\(durationSource))"
                          + (overrides.duration == nil ? "" : "; give a --duration longer than \(String.duration(at))"))
                }
            }
        } else {
            error(f.pos, "a fault needs 'at' (when it starts, e.g. at: 2m)")
        }
        if let v = f["for"] { fault.duration = self.duration(v, "'for'", positive: true) }

        if let v = f["target"] {
            if let s = string(v, "'target'") {
                fault.targetText = s
                if let t = resolveTarget(s, v.pos, kind: kind, names: names, services: services,
                                         cluster: cluster, topologies: topologies) {
                    fault.target = t
                }
            }
        } else if let implicit = Self.implicitTargets[kind] {
            fault.target = implicit
        } else {
            error(f.pos, "a '\(kind.rawValue)' fault needs 'target' (\(targetHelp(kind, names: names, cluster: cluster)))")
        }

        switch kind {
        case .latency:
            if let v = f["add"] { fault.add = distribution(v, "'add'") } else {
                error(f.pos, "a 'latency' fault needs 'add' (the added latency, e.g. add: 200ms)")
            }
        case .errors:
            if let v = f["rate"] { fault.rate = fraction(v, "'rate'") } else {
                error(f.pos, "an 'errors' fault needs 'rate' (the share of requests failed, e.g. rate: 20%)")
            }
        case .gatewayDown:
            if let v = f["replicas"] {
                fault.replicas = int(v, "'replicas'", min: 1, max: 10_000)
                if case .gatewayReplica = fault.target {
                    error(f.keyPos("replicas"), "'replicas' counts replicas to take down; it does not combine with a single gateway/N target")
                }
            }
        case .scale:
            if let v = f["replicas"] {
                fault.replicas = int(v, "'replicas'", min: 0, max: 10_000)
                if let n = fault.replicas, case .service(let s) = fault.target, n >= services[s].replicas {
                    let r = services[s].replicas
                    error(v.pos, "'\(services[s].name)' runs \(r) replica\(r == 1 ? "" : "s"): a 'scale' fault scales in, to fewer "
                        + "(0..\(r - 1)); to model a scale-out, give the service more replicas and scale in from there")
                }
            } else {
                error(f.pos, "a 'scale' fault needs 'replicas' (the count to scale to, e.g. replicas: 1)")
            }
        case .restart:
            if let v = f["proxy_ready_after"] { fault.proxyReadyAfter = self.duration(v, "'proxy_ready_after'") }
            if let v = f["down_for"] { fault.downFor = self.duration(v, "'down_for'") }
        case .rollout, .inject:
            if let v = f["max_unavailable"] { fault.maxUnavailable = int(v, "'max_unavailable'", min: 0, max: 10_000) }
            if let v = f["max_surge"] { fault.maxSurge = int(v, "'max_surge'", min: 0, max: 10_000) }
            if fault.maxUnavailable == 0 && fault.maxSurge == 0 {
                // Kubernetes rejects this Deployment too: the rollout could never make progress.
                error(f.keyPos("max_surge"), "'max_unavailable' and 'max_surge' cannot both be 0: the rollout could never replace a pod")
            }
            if fault.duration != nil {
                error(f.keyPos("for"), "\(kind == .inject ? "an" : "a") '\(kind.rawValue)' runs until every pod is replaced; it takes no 'for'")
            }
        case .mtlsMode:
            if let v = f["mode"] {
                // PeerAuthentication's STRICT and PERMISSIVE (DISABLE is the topology's `mtls: off`).
                if let m = choice(v, "'mode'", AdoptionMode.self, aliases: ["STRICT": .strict, "PERMISSIVE": .permissive]) {
                    fault.mode = m == .strict ? .strict : .permissive
                }
            } else {
                error(f.pos, "an 'mtls-mode' fault needs 'mode' (strict or permissive, e.g. mode: strict)")
            }
            if fault.duration != nil {
                error(f.keyPos("for"), "an 'mtls-mode' switch holds until another one changes it; it takes no 'for'")
            }
        case .configDrift:
            if let v = f["policies"] { fault.policies = parsePolicies(v, "'policies'") } else {
                error(f.pos, "a 'config-drift' fault needs 'policies' (what the drifted proxies run with)")
            }
            if let v = f["fraction"] { fault.fraction = fraction(v, "'fraction'") }
        case .partition:
            if let v = f["between"], let items = list(v, "'between'") {
                var zs: [Int] = []
                for item in items {
                    guard let z = string(item, "a zone in 'between'") else { continue }
                    guard let zi = cluster.zones.firstIndex(of: z) else {
                        error(item.pos, "unknown zone '\(z)' (zones: \(cluster.zones.joined(separator: ", ")))",
                              suggestion: Suggest.closest(to: z, in: cluster.zones))
                        continue
                    }
                    if zs.contains(zi) { error(item.pos, "zone '\(z)' is listed twice"); continue }
                    zs.append(zi)
                }
                if items.count < 2 { error(v.pos, "'between' needs at least two zones to cut apart") }
                fault.between = zs
                // Reports name the zones cut apart (a partition has no `target:`).
                if fault.targetText.isEmpty { fault.targetText = zs.map { cluster.zones[$0] }.joined(separator: "|") }
            } else if !f.has("between") {
                error(f.pos, "a 'partition' fault needs 'between' (two or more zones, e.g. between: [a, b])")
            }
        default:
            break
        }
        return diagnostics.count == before ? fault : nil
    }

    /// What `kind` may target, with examples from the file itself (its first service, node
    /// and zone) so that a hint never names something the scenario does not have.
    func targetHelp(_ kind: FaultKind, names: [String] = [], cluster: Cluster? = nil) -> String {
        let svc = names.first ?? "SERVICE"
        let zone = cluster.flatMap { zonesWritten ? $0.zones.first : nil }.map { "a zone (\($0))" } ?? "a zone"
        let ex: [TargetClass: String] = [.service: "a service (\(svc))", .instance: "an instance (\(svc)/0)",
                                         .node: "a node (node-0)", .zone: zone, .gateway: "gateway",
                                         .gatewayReplica: "gateway/N", .controlPlane: "control-plane"]
        return (Self.targetsByKind[kind] ?? []).compactMap { ex[$0] }.joined(separator: ", ")
    }

    /// `payments-0` (a pod's name, as the dashboard and kubectl print it) for the instance
    /// `payments/0`: the instance target when the service exists, else nil.
    static func instanceWrittenAsPod(_ s: String, names: [String]) -> String? {
        guard let dash = s.lastIndex(of: "-") else { return nil }
        let svc = String(s[..<dash]), idx = s[s.index(after: dash)...]
        guard names.contains(svc), !idx.isEmpty, idx.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return svc + "/" + idx
    }

    func resolveTarget(_ s: String, _ pos: Pos, kind: FaultKind, names: [String], services: [Service],
                       cluster: Cluster, topologies: [TopologySpec]) -> FaultTarget? {
        let allowed = Self.targetsByKind[kind] ?? []
        var resolved: (FaultTarget, TargetClass)?
        if s == "control-plane" {
            resolved = (.controlPlane, .controlPlane)
        } else if s == "gateway" {
            resolved = (.gateway, .gateway)
        } else if s.hasPrefix("gateway/") {
            let idx = String(s.dropFirst("gateway/".count))
            guard let i = Int(idx), i >= 0 else {
                error(pos, "'\(s)': a gateway replica is gateway/N with N a whole number from 0")
                return nil
            }
            let most = topologies.map(gatewayReplicas).max() ?? 0
            if i >= most {
                error(pos, "'\(s)': no topology runs more than \(most) gateway replica\(most == 1 ? "" : "s") "
                    + (most > 0 ? "(gateway/0..gateway/\(most - 1))" : ""))
                return nil
            }
            resolved = (.gatewayReplica(i), .gatewayReplica)
        } else if let slash = s.firstIndex(of: "/") {
            let svc = String(s[..<slash]), idx = String(s[s.index(after: slash)...])
            guard let si = names.firstIndex(of: svc) else {
                error(pos, "unknown service '\(svc)' in target '\(s)'", suggestion: Suggest.closest(to: svc, in: names))
                return nil
            }
            guard let i = Int(idx), i >= 0 else {
                error(pos, "'\(s)': an instance is SERVICE/N with N a whole number from 0")
                return nil
            }
            if i >= services[si].replicas {
                let r = services[si].replicas
                error(pos, "'\(s)': '\(svc)' has \(r) replica\(r == 1 ? "" : "s") (\(svc)/0..\(svc)/\(r - 1))")
                return nil
            }
            resolved = (.instance(service: si, index: i), .instance)
        } else if let si = names.firstIndex(of: s) {
            if zonesWritten, cluster.zones.contains(s) {
                error(pos, "'\(s)' is both a service and a zone; rename one of them")
                return nil
            }
            resolved = (.service(si), .service)
        } else if s.hasPrefix("node-") {
            guard let i = Int(s.dropFirst(5)), i >= 0 else {
                error(pos, "'\(s)': a node is node-N with N a whole number from 0")
                return nil
            }
            if i >= cluster.nodes {
                error(pos, "'\(s)': the cluster has \(cluster.nodes) node\(cluster.nodes == 1 ? "" : "s") (node-0..node-\(cluster.nodes - 1))")
                return nil
            }
            resolved = (.node(i), .node)
        } else if zonesWritten || !names.contains(s), let zi = cluster.zones.firstIndex(of: s) {
            resolved = (.zone(zi), .zone)
        }
        guard let (target, cls) = resolved else {
            if let instance = Self.instanceWrittenAsPod(s, names: names) {
                error(pos, "unknown fault target '\(s)': an instance is written SERVICE/N", suggestion: instance)
                return nil
            }
            var candidates = names + cluster.zones + ["gateway", "control-plane"]
            candidates += (0..<min(cluster.nodes, 100)).map { "node-\($0)" }
            error(pos, "unknown fault target '\(s)' (\(targetHelp(kind, names: names, cluster: cluster)))",
                  suggestion: Suggest.closest(to: s, in: candidates))
            return nil
        }
        guard allowed.contains(cls) else {
            let article = "aeiou".contains(kind.rawValue.first ?? "x") || kind.rawValue.hasPrefix("mtls") ? "an" : "a"
            error(pos, "\(article) '\(kind.rawValue)' fault cannot target \(cls.rawValue) '\(s)'; it takes \(targetHelp(kind, names: names, cluster: cluster))")
            return nil
        }
        return target
    }
}

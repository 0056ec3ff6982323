import Calibration
import SimCore

/// Whether a fault can do anything in a topology of a given kind: `topsim validate`
/// prints a note for each pair where it cannot, instead of silently doing nothing.
extension Fault {
    public func inapplicability(to kind: TopologyKind) -> String? {
        switch (self.kind, kind) {
        case (.proxyCrash, .none):
            return "has no proxies"
        case (.proxyCrash, .gateway):
            // Gateway replicas are not pods of a service or a node's proxy: `gateway-down` stops them.
            return "has no sidecars or node proxies (use gateway-down with target gateway/N to stop a gateway replica)"
        case (.gatewayDown, .none):
            return "has no gateway"
        case (.latency, .none), (.errors, .none):
            switch target {
            case .gateway, .gatewayReplica: return "has no gateway"
            default: return nil
            }
        case (.restart, .none), (.restart, .gateway), (.restart, .sidecarless):
            return proxyReadyAfter != nil ? "has no sidecars: the restart applies, the startup race does not" : nil
        case (.controlPlaneDown, .none), (.controlPlaneDown, .gateway):
            return "has no mesh control plane or certificates"
        default:
            return nil
        }
    }
}

extension Fault {
    /// As `inapplicability(to:)`, knowing the topology's policies and the call graph too:
    /// every fault that cannot affect a topology or its target says so (a table test,
    /// ApplicabilityTests, walks every fault kind against every topology kind).
    public func inapplicability(to topology: TopologySpec, in scenario: Scenario) -> String? {
        if let why = inapplicability(to: topology.kind) { return why }
        switch kind {
        case .rateLimitStoreDown:
            let limit = scenario.policies.overlaid(by: topology.policies ?? Policies()).rateLimit
            guard topology.kind == .gateway || topology.kind == .combined else { return "has no gateway rate limit" }
            return limit?.scope == .cluster ? nil
                : "has no rate limit with 'policy: cluster' (a 'local' limit keeps no store)"
        case .configDrift:
            // Drift changes what a caller's proxy (or library) applies to its calls to the
            // service; a service only external traffic reaches has no such caller.
            switch target {
            case .service(let s):
                return scenario.isCalledFromInside(s) ? nil
                    : "drifts the callers of '\(scenario.services[s].name)', and only external traffic (through the edge) calls it"
            default:
                return scenario.services.indices.contains(where: scenario.isCalledFromInside) ? nil
                    : "drifts the callers inside the cluster, and only external traffic (through the edge) calls any service"
            }
        case .gatewayDown, .latency, .errors:
            switch target {
            case .gatewayReplica(let r) where r >= topology.gatewayReplicaCount:
                let n = topology.gatewayReplicaCount
                return "runs \(n) gateway replica\(n == 1 ? "" : "s") (gateway/0..gateway/\(n - 1)): gateway/\(r) is not one of them"
            case .gateway, .gatewayReplica:
                return scenario.passesGateway(topology) ? nil : Self.nothingThroughGateway(topology)
            default:
                return nil
            }
        default:
            return adoptionInapplicability(to: topology, in: scenario)
        }
    }
}

// MARK: - Gradual adoption (issue 22)

extension Fault {
    /// `inject` and `mtls-mode` faults that cannot change anything in `topology`: no mesh to
    /// inject into or to speak mTLS, or a service that is in the mesh already.
    public func adoptionInapplicability(to topology: TopologySpec, in scenario: Scenario) -> String? {
        let mesh = topology.kind == .sidecar || topology.kind == .combined || topology.kind == .sidecarless
        switch kind {
        case .mtlsMode:
            return mesh ? nil : "has no mesh: no proxy speaks mTLS between services"
        case .inject:
            guard mesh else { return "has no mesh to inject its pods into" }
            guard case .service(let s) = target else { return nil }
            if scenario.services[s].mesh {
                return "injects '\(scenario.services[s].name)', which is in the mesh from the start (mesh: false keeps it out until then)"
            }
            let earlier = scenario.faults.contains { $0.kind == .inject && $0.target == target
                && ($0.at < at || ($0.at == at && ($0.line, $0.column) < (line, column))) }
            return earlier ? "injects '\(scenario.services[s].name)' a second time: an earlier inject already did" : nil
        case .proxyCrash:
            // A pod never injected has no sidecar to crash (in ambient the node proxy it hits
            // still serves the node's meshed pods).
            guard topology.kind == .sidecar || topology.kind == .combined else { return nil }
            let s: Int
            switch target {
            case .service(let x): s = x
            case .instance(let x, _): s = x
            default: return nil
            }
            return scenario.meshedAtEnd(s) ? nil
                : "targets '\(scenario.services[s].name)', which has no sidecar (mesh: false, never injected)"
        default:
            return nil
        }
    }

    static func nothingThroughGateway(_ t: TopologySpec) -> String {
        t.kind == .gateway
            ? "sends no traffic through its gateway (no external traffic, and internal calls go direct)"
            : "sends no traffic through its \(t.kind == .combined ? "edge gateway" : "ingress gateway") (no external traffic)"
    }
}

extension TopologySpec {
    /// Replicas of the shared gateway (hub or edge; a mesh's ingress) the topology runs: what
    /// `gateway/N` targets can reach (0 for `none`).
    public var gatewayReplicaCount: Int {
        switch kind {
        case .none: return 0
        case .gateway, .combined:
            guard let g = gateway else { return 0 }
            return g.overrides.replicas ?? PresetRegistry.preset(named: g.preset)?.gateway?.replicas ?? 1
        case .sidecar, .sidecarless:
            return ingress?.replicas ?? preset.flatMap { PresetRegistry.preset(named: $0)?.gateway?.replicas } ?? 1
        }
    }
}

extension Scenario {
    /// Whether anything inside the cluster calls service `s`: another service, or an internal source.
    public func isCalledFromInside(_ s: Int) -> Bool {
        services.contains { $0.calls.contains { $0.calls.contains { $0.service == s } } }
            || traffic.contains { $0.from == .internal && $0.to == s }
    }

    /// Whether any traffic passes the topology's shared gateway (hub, edge or a mesh's ingress):
    /// external traffic always does; internal calls only in a `gateway` topology with
    /// `internal: via-gateway`.
    public func passesGateway(_ t: TopologySpec) -> Bool {
        if traffic.contains(where: { $0.from == .external }) { return true }
        guard t.kind == .gateway, t.internal == .viaGateway else { return false }
        return traffic.contains { $0.from == .internal } || services.contains { !$0.calls.isEmpty }
    }

    /// Everything `validate` notes about a valid file, in file order: faults that do nothing
    /// in a topology, and fault or key combinations that cannot work as written.
    /// - rollouts that take every pod of a service down at once (`max_surge: 0` with
    ///   `max_unavailable` at least the replicas: 1 replica and no surge is the common case),
    ///   or that the run ends before they finish;
    /// - `prestop` not shorter than `termination_grace`: Kubernetes counts the preStop hook
    ///   inside the grace period, and kills the container when it runs out
    ///   (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination);
    /// - `termination_grace`, `prestop` or `readiness` on a service nothing ever terminates or
    ///   fails the probe of.
    public func notes() -> [ScenarioNote] {
        var out: [ScenarioNote] = []
        for f in faults {
            for t in topologies {
                if let why = f.inapplicability(to: t, in: self) {
                    out.append(ScenarioNote(line: f.line, column: f.column, message: "\(f.kind.rawValue) does nothing "
                        + "in topology '\(t.name)': kind \(t.kind.rawValue) \(why)"))
                }
            }
            if f.kind == .rollout, let why = rolloutNote(f) {
                out.append(ScenarioNote(line: f.line, column: f.column, message: why))
            }
            // An inject is the same rollout where pods get sidecars (an ambient one is instant).
            if f.kind == .inject, topologies.contains(where: { $0.kind == .sidecar || $0.kind == .combined }),
               let why = rolloutNote(f) {
                out.append(ScenarioNote(line: f.line, column: f.column,
                                        message: why.replacingOccurrences(of: "rollout of", with: "inject of")))
            }
        }
        for (s, svc) in services.enumerated() {
            // An `inject` replaces pods through the same rollout (sidecar and combined kinds).
            let terminated = faults.contains { [.restart, .rollout, .scale, .inject].contains($0.kind) && $0.hits(service: s) }
            if svc.preStopAt.isWritten, svc.preStop > 0, svc.preStop >= svc.terminationGrace {
                out.append(ScenarioNote(line: svc.preStopAt.line, column: svc.preStopAt.column, message:
                    "'prestop' of '\(svc.name)' (\(String.duration(svc.preStop))) is not shorter than its 'termination_grace' "
                    + "(\(String.duration(svc.terminationGrace))): Kubernetes counts the preStop hook inside the grace period, so "
                    + "the pod is killed \(String.duration(svc.terminationGrace)) after termination starts, before it can finish "
                    + "any request (kubernetes.io, Pod Lifecycle, Termination of Pods); make termination_grace longer than prestop"))
            }
            for (key, at) in [("termination_grace", svc.terminationGraceAt), ("prestop", svc.preStopAt)] where at.isWritten && !terminated {
                out.append(ScenarioNote(line: at.line, column: at.column, message:
                    "'\(key)' of '\(svc.name)' never acts: no 'restart', 'rollout', 'scale' or 'inject' fault terminates its pods"))
            }
            if svc.readinessAt.isWritten && !readinessActs(on: s) {
                out.append(ScenarioNote(line: svc.readinessAt.line, column: svc.readinessAt.column, message:
                    "'readiness' of '\(svc.name)' never acts: no 'hang', 'rollout', or 'proxy-crash' under sidecars reaches "
                    + "its pods (a crash, a node loss or a termination takes a pod out without its probe)"))
            }
        }
        return out.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }

    /// Whether a fault makes service `s`'s readiness probe matter: a hung pod fails it, a
    /// pod whose sidecar crashed fails it (Istio rewrites the probe through the pilot-agent),
    /// and a rollout (or a scale back out) waits one period for each new pod.
    func readinessActs(on s: Int) -> Bool {
        let sidecars = topologies.contains { $0.kind == .sidecar || $0.kind == .combined }
        return faults.contains { f in
            switch f.kind {
            case .hang, .rollout: return f.hits(service: s)
            case .inject: return sidecars && f.hits(service: s) // its surge pods wait for readiness
            case .scale: return f.duration != nil && f.hits(service: s) // the pods scaled back out wait for it
            case .proxyCrash:
                if case .node = f.target { return sidecars }
                return sidecars && f.hits(service: s)
            default: return false
            }
        }
    }

    /// A rollout that cannot be hitless, or cannot finish within the run.
    func rolloutNote(_ f: Fault) -> String? {
        guard case .service(let s) = f.target else { return nil }
        let svc = services[s], n = svc.replicas
        // Kubernetes' defaults: maxUnavailable 25 % rounded down, maxSurge 25 % rounded up.
        let unavailable = f.maxUnavailable ?? n / 4
        let surge = f.maxSurge ?? (n + 3) / 4
        if surge == 0 && unavailable >= n {
            return "rollout of '\(svc.name)' takes every pod down at once (\(n) replica\(n == 1 ? "" : "s"), "
                + "max_unavailable \(unavailable), max_surge 0): it has no ready pod until the new ones are ready "
                + "(a readiness period, then propagation); max_surge: 1 keeps a pod serving"
        }
        // Batches of unavailable + surge, one readiness period apart (a surge waits one more
        // period for its first new pods): Termination.swift's timeline.
        let size = max(1, unavailable + surge)
        let batches = (n + size - 1) / size
        let takes = svc.readiness.period * SimTime(batches - 1 + (surge > 0 ? 1 : 0))
        if f.at + takes >= duration {
            return "rollout of '\(svc.name)' needs \(String.duration(takes)) to start replacing its last pod "
                + "(\(batches) batch\(batches == 1 ? "" : "es") one readiness period apart) and the run ends first"
        }
        return nil
    }
}

extension Fault {
    /// Whether the fault's target is service `s` or one of its instances.
    func hits(service s: Int) -> Bool {
        switch target {
        case .service(let x): return x == s
        case .instance(let x, _): return x == s
        default: return false
        }
    }
}

extension Scenario {
    /// Validate notes for services' `mesh: false` in topologies without a mesh, where it changes
    /// nothing: (line, column, message), in file order.
    public var adoptionNotes: [(line: Int, column: Int, message: String)] {
        var out: [(Int, Int, String)] = []
        for s in services where !s.mesh {
            for t in topologies where t.kind == .none || t.kind == .gateway {
                out.append((s.line, s.column, "mesh: false does nothing in topology '\(t.name)': kind \(t.kind.rawValue) has no mesh"))
            }
        }
        return out
    }
}

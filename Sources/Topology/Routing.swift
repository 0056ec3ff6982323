import Calibration
import Scenario
import SimCore

// Which proxies a call passes, and who enforces its policies. A call's path is
// split at its enforcer (the calling proxy that applies timeouts, retries,
// circuit breakers and outlier detection):
//
//   prefix (walked once per call)           upstream part (walked by every try)
//   caller ─ [wire] ─ enforcer ──────────── [wire] ─ [callee-side proxy] ─ app
//
// | route    | kinds                  | prefix (enforcer last)              | upstream part                          |
// |----------|------------------------|-------------------------------------|----------------------------------------|
// | direct   | none, gateway internal | — (the caller's client library)     | wire                                   |
// | hub      | gateway                | wire, gateway replica               | wire                                   |
// | edge     | combined (external)    | wire, edge gateway replica          | wire, callee sidecar                   |
// | ingress  | sidecar, sidecarless   | wire, ingress replica               | wire, callee sidecar (or node proxies) |
// | mesh     | sidecar, combined      | caller sidecar                      | wire, callee sidecar                   |
// | mesh     | sidecarless + waypoint | caller node proxy, wire, waypoint   | wire, callee node proxy                |
// | mesh     | sidecarless (L4 only)  | — (the caller's client library)     | caller node proxy, wire, callee node proxy |
// | direct   | a mesh, plain caller   | — (the caller's client library)     | wire, callee sidecar (or node proxy)   |
//
// A retry starts again at the enforcer; a final answer goes back through the prefix.
// In a partial mesh (Adoption.swift) a callee-side proxy is on the path only when the
// instance picked is meshed, and a plain caller (no proxy of its own) takes `direct`; a
// waypoint serves only services enrolled in the mesh.

extension CompiledTopology {
    /// Client library ids follow the proxies: one per app instance, then one per traffic source.
    func instanceLibrary(_ i: Int) -> Int { proxies.count + i }
    func sourceLibrary(_ k: Int) -> Int { proxies.count + instances.count + k }
    /// Proxies, app instances' client libraries, traffic sources' client libraries.
    public var enforcerCount: Int { proxies.count + instances.count + clientNode.count }

    /// The hop kinds one call passes, caller to callee (one direction), for reports and the
    /// checklist: the same rules the simulation builds paths with.
    public func pathRoles(external: Bool) -> [HopKind] {
        switch kind {
        case .none: return []
        case .gateway:
            return external || spec.internal == .viaGateway ? [.gateway] : []
        case .sidecar:
            return external ? [.ingress, .sidecar] : [.sidecar, .sidecar]
        case .combined:
            return external ? [.gateway, .sidecar] : [.sidecar, .sidecar]
        case .sidecarless:
            let waypoint: [HopKind] = waypointReplicas.isEmpty ? [] : [.waypoint]
            return external ? [.ingress] + waypoint + [.nodeProxy]
                            : [.nodeProxy] + waypoint + [.nodeProxy]
        }
    }
}

extension TopologySimulation {
    /// Route and enforcer of a request entering through the topology's edge.
    // `mutating` (though it changes only `r`): a non-mutating call from the event loop copies the simulation.
    mutating func setExternalRoute(_ r: inout CallRec) {
        switch model.kind {
        case .none:
            // The load generator's own client library: the scenario's policies.
            r.route = .direct; r.policy = 2
            r.enforcer = Int32(model.sourceLibrary(Int(r.source)))
        case .gateway:
            r.route = .hub; r.policy = 1
        case .combined:
            r.route = .edge; r.policy = 1
        case .sidecar, .sidecarless:
            r.route = .ingress; r.policy = 0
        }
    }

    /// Route and enforcing policy of a service-to-service call (or an internal source's).
    mutating func setInternalRoute(_ r: inout CallRec, callerService: Int, callerLibrary: Int) {
        let clientLib: Int32 = callerService >= 0 ? Int32(3 + callerService) : 2
        r.enforcer = Int32(callerLibrary)
        switch model.kind {
        case .none:
            r.route = .direct; r.policy = clientLib
        case .gateway:
            if model.spec.internal == .viaGateway {
                r.route = .hub; r.policy = 1
            } else {
                r.route = .direct; r.policy = clientLib
            }
        case .sidecar, .combined:
            if !callerMeshed(r.callerInstance) {
                // No proxy of its own: the app's client library, plaintext (Adoption.swift).
                r.route = .direct; r.policy = clientLib
            } else {
                r.route = .mesh; r.policy = 0
                if r.callerSidecar >= 0 { r.enforcer = r.callerSidecar }
            }
        case .sidecarless:
            if !callerMeshed(r.callerInstance) {
                r.route = .direct; r.policy = clientLib
            } else {
                // Without a waypoint the node proxies only do L4: timeouts and retries stay in the apps.
                r.route = .mesh; r.policy = behindWaypoint(Int(r.service)) ? 0 : clientLib
            }
        }
        if let d = drift[Int(r.service)] {
            // The caller's proxy (or library) is in the drifted share: a stable hash of who it is.
            let who = UInt64(bitPattern: Int64(r.callerSidecar >= 0 ? r.callerSidecar : r.callerInstance))
            let h = Double(SplitMix64.mix(who &+ 0x51) >> 11) * 0x1.0p-53
            if h < d.fraction { r.policy = d.policy }
        }
    }

    /// Picks the call's shared replica (gateway, ingress or waypoint), which becomes its
    /// enforcer where it enforces, and writes the prefix. Returns false when no replica is up
    /// (the load balancer in front of them has nowhere to send it).
    mutating func buildPrefix(_ c: Int) -> Bool {
        let base = c * Self.maxPrefix
        var count = 0
        func add(_ s: Seg) {
            precondition(count < Self.maxPrefix, "a prefix has at most \(Self.maxPrefix) segments")
            prefixSegs[base + count] = s
            count += 1
        }
        let callerNode = Int(calls[c].callerNode)
        switch calls[c].route {
        case .direct:
            break
        case .hub, .edge, .ingress:
            guard let g = pickShared(calls[c].route == .ingress ? .ingress : .gateway) else { return false }
            calls[c].shared = Int32(g)
            calls[c].enforcer = Int32(g)
            for s in wireSegs(calls[c].route == .ingress ? -1 : callerNode, model.proxies[g].node) { add(s) }
            add(Seg(proxy: Int32(g)))
        case .mesh:
            if model.kind == .sidecarless {
                if behindWaypoint(Int(calls[c].service)) {
                    guard let w = pickShared(.waypoint) else { return false }
                    let from = max(0, callerNode)
                    add(Seg(proxy: Int32(model.nodeProxy[from])))
                    for s in wireSegs(from, model.proxies[w].node) { add(s) }
                    add(Seg(proxy: Int32(w)))
                    calls[c].shared = Int32(w)
                    calls[c].enforcer = Int32(w)
                }
            } else if calls[c].callerSidecar >= 0 {
                add(Seg(proxy: calls[c].callerSidecar))
            }
        }
        calls[c].prefixCount = Int8(count)
        // Into a local first: storing the result straight into `calls[c]` kept the pool's
        // storage retained across the (mutating) lookup, a retain and release per call.
        let upstream = upstreamSlot(enforcer: Int(calls[c].enforcer), service: Int(calls[c].service),
                                    policy: Int(calls[c].policy))
        calls[c].upstream = upstream
        return true
    }

    /// Writes the try's upstream part after its prefix, towards instance `inst`.
    mutating func buildUpstreamPath(_ a: Int, _ c: Int, instance inst: Int) {
        let base = a * Self.maxSeg
        var n = Int(attempts[a].split)
        let instNode = model.instances[inst].node
        let callee = calleeProxy(inst)
        if calls[c].route == .direct && model.eastWest.isEmpty && callee < 0 {
            // The common case (a client library straight to the pod): one wire.
            segs[base + n] = Seg(from: Int16(calls[c].callerNode), to: Int16(instNode))
            attempts[a].nseg = Int8(n + 1)
            return
        }
        func add(_ s: Seg) { segs[base + n] = s; n += 1 }
        // A pod outside the mesh has no sidecar on its path (Adoption.swift).
        let sidecar = model.kind == .sidecarless ? -1 : Int(callee)
        let from: Int
        if calls[c].shared >= 0 {
            from = model.proxies[Int(calls[c].shared)].node
        } else {
            from = Int(calls[c].callerNode)
        }
        switch calls[c].route {
        case .direct, .hub:
            for s in wireSegs(from, instNode) { add(s) }
            // A plain caller of a meshed pod: the callee's sidecar or node proxy takes it in.
            if callee >= 0 { add(Seg(proxy: callee)) }
        case .edge:
            for s in wireSegs(from, instNode) { add(s) }
            if sidecar >= 0 { add(Seg(proxy: Int32(sidecar))) }
        case .ingress:
            if model.kind == .sidecarless {
                if callee >= 0, !model.waypointReplicas.isEmpty, let w = pickShared(.waypoint) {
                    let wNode = model.proxies[w].node
                    for s in wireSegs(from, wNode) { add(s) }
                    add(Seg(proxy: Int32(w)))
                    for s in wireSegs(wNode, instNode) { add(s) }
                } else {
                    for s in wireSegs(from, instNode) { add(s) }
                }
                if callee >= 0 { add(Seg(proxy: callee)) }
            } else {
                for s in wireSegs(from, instNode) { add(s) }
                if sidecar >= 0 { add(Seg(proxy: Int32(sidecar))) }
            }
        case .mesh:
            if model.kind == .sidecarless {
                if calls[c].shared < 0 {
                    // L4 only: the caller's node proxy is on every try's path.
                    let callerNode = max(0, Int(calls[c].callerNode))
                    add(Seg(proxy: Int32(model.nodeProxy[callerNode])))
                    for s in wireSegs(callerNode, instNode) { add(s) }
                } else {
                    for s in wireSegs(from, instNode) { add(s) }
                }
                if callee >= 0 { add(Seg(proxy: callee)) }
            } else {
                for s in wireSegs(from, instNode) { add(s) }
                if sidecar >= 0 { add(Seg(proxy: Int32(sidecar))) }
            }
        }
        attempts[a].nseg = Int8(n)
    }

    /// The wire between two nodes, through the east-west gateways when it crosses clusters.
    mutating func wireSegs(_ from: Int, _ to: Int) -> WirePath {
        if from >= 0 && to >= 0 && clusterOfNode[from] != clusterOfNode[to], !model.eastWest.isEmpty {
            let ews = model.eastWest[clusterOfNode[to]]
            let ew = ews[eastWestRR % ews.count]
            eastWestRR &+= 1
            let ewNode = model.proxies[ew].node
            return WirePath(Seg(from: Int16(from), to: Int16(ewNode)), Seg(proxy: Int32(ew)),
                            Seg(from: Int16(ewNode), to: Int16(to)))
        }
        return WirePath(Seg(from: Int16(from), to: Int16(to)))
    }

    enum SharedRole { case gateway, ingress, waypoint }

    /// The next replica its load balancer sends to, round robin (Endpoints.swift: `sharedListed`).
    mutating func pickShared(_ role: SharedRole) -> Int? {
        // The replica lists are read in place: a local copy of one (`let list = ...`) cost a
        // retain and a release per call through a gateway or ingress.
        var rr: Int
        switch role {
        case .gateway: rr = gatewayRR
        case .ingress: rr = ingressRR
        case .waypoint: rr = waypointRR
        }
        let n = sharedReplicaCount(role)
        var picked: Int?
        for k in 0..<n {
            let p = sharedReplica(role, (rr + k) % n)
            if sharedListed(p) { rr = (rr + k + 1) % n; picked = p; break }
        }
        switch role {
        case .gateway: gatewayRR = rr
        case .ingress: ingressRR = rr
        case .waypoint: waypointRR = rr
        }
        return picked
    }

    @inline(__always) func sharedReplicaCount(_ role: SharedRole) -> Int {
        switch role {
        case .gateway: return model.gatewayReplicas.count
        case .ingress: return model.ingressReplicas.count
        case .waypoint: return model.waypointReplicas.count
        }
    }

    @inline(__always) func sharedReplica(_ role: SharedRole, _ k: Int) -> Int {
        switch role {
        case .gateway: return model.gatewayReplicas[k]
        case .ingress: return model.ingressReplicas[k]
        case .waypoint: return model.waypointReplicas[k]
        }
    }
}

extension TopologySimulation.Seg {
    init(proxy: Int32) { self.init(proxy: proxy, from: -1, to: -1) }
    init(from: Int16, to: Int16) { self.init(proxy: -1, from: from, to: to) }
}

/// One or three segments (a wire, or wire–east-west gateway–wire), without allocating.
struct WirePath: Sequence, IteratorProtocol {
    typealias Seg = TopologySimulation.Seg
    var a: Seg, b: Seg, c: Seg
    var count: Int, i = 0
    init(_ a: Seg) { self.a = a; b = a; c = a; count = 1 }
    init(_ a: Seg, _ b: Seg, _ c: Seg) { self.a = a; self.b = b; self.c = c; count = 3 }
    mutating func next() -> Seg? {
        defer { i += 1 }
        switch i {
        case 0 where count > 0: return a
        case 1 where count > 1: return b
        case 2 where count > 2: return c
        default: return nil
        }
    }
}

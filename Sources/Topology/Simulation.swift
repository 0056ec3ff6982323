import Calibration
import Scenario
import SimCore

/// One topology of a scenario, simulated. Owns its engine; `run(until:)` can be
/// called repeatedly (the dashboard steps it), `metrics` is readable in between.
///
/// Hot-path state is structs in arrays addressed by integer slots; a request's
/// journey is a small state machine advanced by integer-kinded events.
public struct TopologySimulation: Sendable {
    public let model: CompiledTopology
    let scenario: Scenario
    let seed: UInt64
    public internal(set) var engine = Engine()
    public internal(set) var metrics: TopologyMetrics
    /// The first arrival instants, kept to check common random numbers across topologies.
    public internal(set) var firstArrivals: [SimTime] = []
    /// Start and end of the measured period in engine time (the warm-up runs first).
    public let measureStart: SimTime
    public let measureEnd: SimTime

    // Event kinds.
    enum EK {
        static let arrival: Int32 = 0, clientSend: Int32 = 1, hopDone: Int32 = 2, serviceDone: Int32 = 3
        static let timeout: Int32 = 4, retry: Int32 = 5, windowTick: Int32 = 6
        static let faultStart: Int32 = 7, faultEnd: Int32 = 8, healthCheck: Int32 = 9, certRotate: Int32 = 10
        static let recover: Int32 = 11
    }

    enum Phase: UInt8 { case free, forward, appQueue, appService, calling, backward }

    /// How a call's path is built.
    enum Route: UInt8 { case direct, hub, mesh, ingress, edge }

    struct CallRec {
        var gen: UInt32 = 0
        var live = false
        var parent: Int32 = -1
        var parentGen: UInt32 = 0
        var service: Int32 = 0
        var source: Int32 = 0
        var client: Int32 = -1
        var consumer: Int32 = 0
        var callerInstance: Int32 = -1
        var callerNode: Int32 = -1
        var callerSidecar: Int32 = -1
        var route = Route.direct
        var policy: Int32 = 0
        var tries: Int16 = 0
        var start: SimTime = 0
        var key: UInt64 = 0
        var lastInstance: Int32 = -1
        var measured = false
        /// The root request this call serves, for counting its proxy traversals.
        var root: Int32 = -1
        var rootGen: UInt32 = 0
        /// Root calls: proxy traversals made on its behalf, at any depth.
        var hops: Int32 = 0
        var external = false
    }

    struct Attempt {
        var gen: UInt32 = 0
        var phase = Phase.free
        var call: Int32 = 0
        var callGen: UInt32 = 0
        var instance: Int32 = -1
        var nseg: Int8 = 0
        var pos: Int8 = 0
        var step: Int16 = 0
        var outstanding: Int16 = 0
        /// How the try failed, as its caller sees it (drives retries and outlier detection).
        var failure = Failure.none
        /// Where the failure started (a dependency's timeout, an expired certificate...):
        /// what the end-to-end error is counted as.
        var origin = Failure.none
        var orphan = false
        var key: UInt64 = 0
        var segStart: SimTime = 0
        var policy: Int32 = 0
        /// The proxy it waits at or is served by (-1: none), and whether it waits.
        var atProxy: Int32 = -1
        var queuedAtProxy = false
        var root: Int32 = -1
        var rootGen: UInt32 = 0
    }

    /// One segment of a path: a proxy station, or a wire between two nodes (-1: outside).
    struct Seg {
        var proxy: Int32 = -1
        var from: Int16 = -1
        var to: Int16 = -1
    }

    static let maxSeg = 12

    struct InstanceState {
        var up = true
        var inFlight: Int32 = 0
        var consecutiveErrors: Int32 = 0
        var ejectedUntil: SimTime = 0
        var ejections: Int32 = 0
        var hcFailures: Int32 = 0
        var hcDown = false
        /// Proxies learn of a new or recovered instance only after the config push.
        var knownAt: SimTime = 0
        /// Sidecar startup race: outbound calls are refused until then.
        var outboundBlockedUntil: SimTime = 0
        var certIssued: SimTime = 0
        var certExpires: SimTime = .max
        var rotationPending = false
    }

    struct ProxyState {
        var station: Station
        var latency: Distribution
        var hop: HopKind
        var up = true
        var cpuPerPass: Double
    }

    // Runtime state.
    var instances: [InstanceState]
    var apps: [Station]
    var proxies: [ProxyState]
    var calls: [CallRec] = []
    var freeCalls: [Int32] = []
    var attempts: [Attempt] = []
    var freeAttempts: [Int32] = []
    var segs: [Seg] = []
    var policies: [CompiledPolicy]
    var rrCounter: [Int]
    var gatewayRR = 0, ingressRR = 0, waypointRR = 0, eastWestRR = 0
    var arrivalRngs: [RandomStream]
    var arrivalCounts: [UInt64]
    var wireRng: RandomStream
    var proxyRng: RandomStream
    var lbRng: RandomStream
    var controlRng: RandomStream
    var serviceFaultLatency: [Distribution?]
    var serviceFaultErrors: [Double]
    var instanceFaultLatency: [Distribution?]
    var instanceFaultErrors: [Double]
    var partitioned: [Bool]   // zones x zones
    var controlPlaneUp: Int
    var tokens: [Double] = [], tokenTime: [SimTime] = []
    var throttleTokens = 0.0, throttleTime: SimTime = 0
    var activeRequests = 0, activeRetries = 0
    var rootsInFlight = 0
    /// Per callee service: drifted policy index and the share of callers running it.
    var drift: [(policy: Int32, fraction: Double)?]
    /// Mean gap of constant-rate open-loop sources (nil: a profile).
    let constantInterarrival: [Double?]
    /// Offsets of each traffic source's consumers in the token-bucket table; last: the total.
    let consumerOffsets: [Int]
    let zoneOfNode: [Int]
    let clusterOfNode: [Int]
    let wireDist: [Distribution] // same node, same zone, cross zone, external, cross cluster
    let zeroWire: [Bool]
    // Per-service and per-source values the hot path reads, kept apart from the
    // scenario's structs so that reading one does not retain strings and arrays.
    let serviceTime: [Distribution]
    let serviceErrors: [Double]
    /// The call graph, flattened: service s has steps firstStep[s]..<firstStep[s+1];
    /// step g has calls firstCall[g]..<firstCall[g+1] (no array per step at run time).
    let firstStep: [Int]
    let firstCall: [Int]
    let callTarget: [Int]
    let callProbability: [Double]
    let sourceExternal: [Bool]
    let sourceConsumers: [Int]
    let sourceTarget: [Int]

    public init(scenario: Scenario, topology: TopologySpec, seed: UInt64) throws {
        let model = try CompiledTopology(scenario: scenario, topology: topology)
        self.model = model
        self.scenario = scenario
        self.seed = seed
        serviceTime = scenario.services.map(\.serviceTime)
        serviceErrors = scenario.services.map(\.errors)
        var fs = [0], fc = [0], ct: [Int] = [], cp: [Double] = []
        for svc in scenario.services {
            for step in svc.calls {
                for call in step.calls { ct.append(call.service); cp.append(call.probability) }
                fc.append(ct.count)
            }
            fs.append(fc.count - 1)
        }
        firstStep = fs; firstCall = fc; callTarget = ct; callProbability = cp
        sourceExternal = scenario.traffic.map { $0.from == .external }
        sourceConsumers = scenario.traffic.map { max(1, $0.consumers) }
        sourceTarget = scenario.traffic.map(\.to)
        measureStart = scenario.warmup
        measureEnd = scenario.warmup + scenario.duration
        metrics = TopologyMetrics(model: model, scenario: scenario)
        instances = Array(repeating: InstanceState(), count: model.instances.count)
        apps = model.instances.map { i in
            let s = scenario.services[i.service]
            return Station(workers: s.workers, capacity: s.queue)
        }
        proxies = model.proxies.map { p in
            ProxyState(station: Station(workers: p.profile.workers, capacity: p.profile.queue),
                       latency: p.profile.latency, hop: p.hop, cpuPerPass: p.profile.cpuPerRequest / 2)
        }
        policies = [model.meshPolicy, model.gatewayPolicy, model.defaultClientPolicy] + model.clientPolicy
        rrCounter = Array(repeating: 0, count: scenario.services.count)
        // Streams shared by every topology (common random numbers): arrivals per source.
        arrivalRngs = scenario.traffic.indices.map { RandomStream(seed: seed, stream: 1_000 + UInt64($0)) }
        arrivalCounts = Array(repeating: 0, count: scenario.traffic.count)
        wireRng = RandomStream(seed: seed, stream: 2_001)
        proxyRng = RandomStream(seed: seed, stream: 2_002)
        lbRng = RandomStream(seed: seed, stream: 2_003)
        controlRng = RandomStream(seed: seed, stream: 2_004)
        serviceFaultLatency = Array(repeating: nil, count: scenario.services.count)
        serviceFaultErrors = Array(repeating: 0, count: scenario.services.count)
        instanceFaultLatency = Array(repeating: nil, count: model.instances.count)
        instanceFaultErrors = Array(repeating: 0, count: model.instances.count)
        let zones = max(1, scenario.cluster.zones.count)
        partitioned = Array(repeating: false, count: zones * zones)
        controlPlaneUp = model.controlPlaneReplicas
        drift = Array(repeating: nil, count: scenario.services.count)
        var off = [0]
        for t in scenario.traffic { off.append(off.last! + max(1, t.consumers)) }
        consumerOffsets = off
        constantInterarrival = scenario.traffic.map { t in
            if case .constant(let r) = t.rate, r > 0 { return 1e9 / r }
            return nil
        }
        let nodes = max(1, scenario.cluster.nodes)
        zoneOfNode = (0..<nodes).map { scenario.cluster.zoneIndex(ofNode: $0) }
        clusterOfNode = (0..<nodes).map { scenario.cluster.clusterIndex(ofNode: $0) }
        let n = scenario.cluster.network
        wireDist = [n.sameNode, n.sameZone, n.crossZone, n.external, n.crossCluster]
        zeroWire = wireDist.map { $0 == .constant(0) }
        schedulePlan()
    }

    // MARK: - Set-up

    mutating func schedulePlan() {
        for (k, src) in scenario.traffic.enumerated() {
            if let clients = src.clients, clients > 0 {
                let rate = src.rate.perSecond(at: 0)
                let interval = rate > 0 ? 1e9 * Double(clients) / rate : 1e9
                for c in 0..<clients {
                    engine.schedule(at: SimTime(interval * Double(c) / Double(clients)), kind: EK.clientSend,
                                    target: Int32(k), data: Int64(c))
                }
            } else {
                scheduleNextArrival(k, from: 0)
            }
        }
        engine.schedule(at: measureStart + scenario.window, kind: EK.windowTick)
        for (i, f) in scenario.faults.enumerated() {
            engine.schedule(at: measureStart + f.at, kind: EK.faultStart, target: Int32(i))
            if f.duration != nil {
                let end = f.end(runDuration: scenario.duration)
                engine.schedule(at: measureStart + end, kind: EK.faultEnd, target: Int32(i))
            } else if f.kind == .restart {
                engine.schedule(at: measureStart + f.at, kind: EK.faultEnd, target: Int32(i))
            }
        }
        if let hc = model.healthCheck, hc.interval > 0 {
            engine.schedule(at: hc.interval, kind: EK.healthCheck)
        }
        if model.hasMesh, let cert = model.certificates, cert.ttl > 0 {
            // Workloads started at different times: spread the first rotations over the
            // rotation interval so certificates don't all expire together.
            for i in instances.indices {
                let age = controlRng.uniform() * cert.rotateAt * Double(cert.ttl)
                instances[i].certIssued = -SimTime(age)
                instances[i].certExpires = instances[i].certIssued + cert.ttl
                scheduleRotation(i, cert)
            }
        }
    }

    mutating func scheduleRotation(_ i: Int, _ cert: CertificatePolicy) {
        let jitter = 0.95 + 0.1 * controlRng.uniform()
        let at = instances[i].certIssued + SimTime(Double(cert.ttl) * cert.rotateAt * jitter)
        engine.schedule(at: max(at, engine.now), kind: EK.certRotate, target: Int32(i))
    }

    mutating func scheduleNextArrival(_ k: Int, from t: SimTime) {
        if let mean = constantInterarrival[k] {
            let gap = Distribution.exponential(mean: mean).sample(&arrivalRngs[k])
            engine.schedule(at: t + gap, kind: EK.arrival, target: Int32(k))
            return
        }
        let src = scenario.traffic[k]
        var now = t
        while true {
            let rate = src.rate.perSecond(at: now - measureStart)
            let nextChange = nextRateChange(src.rate, after: now - measureStart).map { $0 + measureStart }
            if rate <= 0 {
                guard let c = nextChange else { return }
                now = c
                continue
            }
            let gap = Distribution.exponential(mean: 1e9 / rate).sample(&arrivalRngs[k])
            if let c = nextChange, now + gap > c {
                now = c  // memoryless: redraw from the change point at the new rate
                continue
            }
            engine.schedule(at: now + gap, kind: EK.arrival, target: Int32(k))
            return
        }
    }

    func nextRateChange(_ r: TrafficRate, after t: SimTime) -> SimTime? {
        guard case .profile(let pts) = r else { return nil }
        return pts.first { $0.at > t }?.at
    }

    // MARK: - Running

    /// Runs until `limit` (engine time) or the end of the measured period.
    public mutating func run(until limit: SimTime) {
        let stop = min(limit, measureEnd)
        while let e = engine.next(until: stop) {
            switch e.kind {
            case EK.hopDone: hopDone(Int(e.target), UInt32(truncatingIfNeeded: e.data))
            case EK.serviceDone: serviceDone(Int(e.target), UInt32(truncatingIfNeeded: e.data))
            case EK.arrival: arrival(Int(e.target))
            case EK.clientSend: clientSend(Int(e.target), Int(e.data))
            case EK.timeout: timeoutFired(Int(e.target), UInt32(truncatingIfNeeded: e.data))
            case EK.retry: retryFired(Int(e.target), UInt32(truncatingIfNeeded: e.data))
            case EK.windowTick: windowTick()
            case EK.faultStart: faultStart(Int(e.target))
            case EK.faultEnd: faultEnd(Int(e.target))
            case EK.healthCheck: healthCheck()
            case EK.certRotate: certRotate(Int(e.target))
            case EK.recover: recoverNow(Int(e.target))
            default: fatalError("unknown event kind \(e.kind)")
            }
        }
        metrics.events = engine.eventsProcessed
        metrics.fingerprint = engine.fingerprint
        metrics.simulatedUntil = engine.now
    }

    public mutating func runToEnd() { run(until: measureEnd) }

    public var isFinished: Bool { engine.now >= measureEnd }

    // MARK: - Traffic

    mutating func arrival(_ k: Int) {
        scheduleNextArrival(k, from: engine.now)
        startRoot(k, client: -1)
    }

    mutating func clientSend(_ k: Int, _ c: Int) {
        startRoot(k, client: Int32(c))
    }

    mutating func startRoot(_ k: Int, client: Int32) {
        let n = arrivalCounts[k]
        arrivalCounts[k] += 1
        if n < 64 && firstArrivals.count < 64 { firstArrivals.append(engine.now) }
        // One draw per arrival whatever the topology keeps the stream aligned.
        let consumer = arrivalRngs[k].below(sourceConsumers[k])
        let external = sourceExternal[k]
        // Built locally and stored once: every store into `calls` costs a uniqueness check.
        var r = CallRec()
        r.service = Int32(sourceTarget[k])
        r.source = Int32(k)
        r.client = client
        r.consumer = Int32(consumer)
        r.start = engine.now
        r.key = SplitMix64.mix(seed ^ SplitMix64.mix(UInt64(k) << 40 | n))
        r.measured = engine.now >= measureStart
        r.external = external
        if external {
            switch model.kind {
            case .none:
                r.route = .direct; r.policy = 2 // the load generator: scenario policies
            case .gateway:
                r.route = .hub; r.policy = 1
            case .combined:
                r.route = .edge; r.policy = 1
            case .sidecar, .sidecarless:
                r.route = .ingress; r.policy = 0
            }
        } else {
            r.callerNode = Int32(model.clientNode[k])
            r.callerSidecar = Int32(model.clientSidecar[k])
            setInternalRoute(&r, callerService: -1)
        }
        rootsInFlight += 1
        activeRequests += 1
        if r.measured { metrics.started += 1 }
        let c = allocCall(r)
        calls[c].root = Int32(c)
        calls[c].rootGen = calls[c].gen
        startAttempt(c)
    }

    /// Route and enforcing policy of a service-to-service call.
    func setInternalRoute(_ r: inout CallRec, callerService: Int) {
        let clientLib: Int32 = callerService >= 0 ? Int32(3 + callerService) : 2
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
            r.route = .mesh; r.policy = 0
        case .sidecarless:
            // Without a waypoint the node proxies only do L4: timeouts and retries stay in the apps.
            r.route = .mesh; r.policy = model.meshL7 ? 0 : clientLib
        }
        if let d = drift[Int(r.service)] {
            // The caller's proxy (or library) is in the drifted share: a stable hash of who it is.
            let who = UInt64(bitPattern: Int64(r.callerSidecar >= 0 ? r.callerSidecar : r.callerInstance))
            let h = Double(SplitMix64.mix(who &+ 0x51) >> 11) * 0x1.0p-53
            if h < d.fraction { r.policy = d.policy }
        }
    }

    mutating func allocCall(_ rec: CallRec) -> Int {
        var r = rec
        r.live = true
        if let s = freeCalls.popLast() {
            let i = Int(s)
            r.gen = calls[i].gen
            calls[i] = r
            return i
        }
        calls.append(r)
        return calls.count - 1
    }

    mutating func freeCall(_ c: Int) {
        calls[c].gen &+= 1
        calls[c].live = false
        freeCalls.append(Int32(c))
    }

    mutating func allocAttempt(_ t: Attempt) -> Int {
        var t = t
        if let s = freeAttempts.popLast() {
            let i = Int(s)
            t.gen = attempts[i].gen
            attempts[i] = t
            return i
        }
        attempts.append(t)
        segs.append(contentsOf: repeatElement(Seg(), count: Self.maxSeg))
        return attempts.count - 1
    }

    mutating func freeAttempt(_ a: Int) {
        attempts[a].gen &+= 1
        attempts[a].phase = .free
        freeAttempts.append(Int32(a))
    }

    // MARK: - Attempts

    mutating func startAttempt(_ c: Int) {
        let now = engine.now
        calls[c].tries += 1
        // The caller's own sidecar is not up yet (startup race) or has crashed.
        let ci = Int(calls[c].callerInstance)
        if ci >= 0 {
            if instances[ci].outboundBlockedUntil > now && model.kind != .sidecarless && model.hasMesh {
                callFinished(c, .connectFailure, retryable: false)
                return
            }
        }
        let cs = Int(calls[c].callerSidecar)
        if cs >= 0 && !proxies[cs].up {
            callFinished(c, .connectFailure, retryable: false)
            return
        }
        let call = calls[c]
        var t = Attempt()
        t.phase = .forward
        t.call = Int32(c)
        t.callGen = call.gen
        t.policy = call.policy
        t.key = call.key &+ UInt64(call.tries) &* 0x9E37_79B9_7F4A_7C15
        t.root = call.root
        t.rootGen = call.rootGen
        let a = allocAttempt(t)
        var timeout = policies[Int(calls[c].policy)].timeout
        if let cap = model.maxTimeout, calls[c].route == .hub || calls[c].route == .edge { timeout = min(timeout, cap) }
        if timeout != .max {
            engine.schedule(after: timeout, kind: EK.timeout, target: Int32(a), data: Int64(attempts[a].gen))
        }
        if let f = buildPath(a, c) {
            failAttempt(a, f)
            return
        }
        advance(a)
    }

    /// Picks the instance and the proxies and writes the path; returns a failure when there is none.
    mutating func buildPath(_ a: Int, _ c: Int) -> Failure? {
        let service = Int(calls[c].service)
        let route = calls[c].route
        let lb = policies[Int(calls[c].policy)].loadBalancing
        // Whose view of the endpoints: gateways health-check, mesh proxies eject outliers.
        let gatewayView = route == .hub || route == .edge
        // Proxies (mesh or gateway) eject outliers passively; client libraries (direct) do not.
        guard let inst = pickInstance(service, lb, gatewayView: gatewayView, meshView: route != .direct,
                                      avoid: route != .direct ? Int(calls[c].lastInstance) : -1) else {
            return .noHealthyUpstream
        }
        let base = a * Self.maxSeg
        var n = 0
        let instNode = model.instances[inst].node
        let callerNode = Int(calls[c].callerNode)
        func add(_ s: Seg) { segs[base + n] = s; n += 1 }
        func wire(_ from: Int, _ to: Int) {
            if from >= 0 && to >= 0 && clusterOfNode[from] != clusterOfNode[to], !model.eastWest.isEmpty {
                let ews = model.eastWest[clusterOfNode[to]]
                let ew = ews[eastWestRR % ews.count]
                eastWestRR &+= 1
                let ewNode = model.proxies[ew].node
                add(Seg(proxy: -1, from: Int16(from), to: Int16(ewNode)))
                add(Seg(proxy: Int32(ew), from: -1, to: -1))
                add(Seg(proxy: -1, from: Int16(ewNode), to: Int16(to)))
            } else {
                add(Seg(proxy: -1, from: Int16(from), to: Int16(to)))
            }
        }
        func proxy(_ p: Int) { add(Seg(proxy: Int32(p), from: -1, to: -1)) }
        /// Sidecar-less: from a node through the waypoint (if any) to the callee's node proxy.
        func toCalleeNodeProxy(from: Int) -> Bool {
            if !model.waypointReplicas.isEmpty {
                guard let w = pickShared(model.waypointReplicas, &waypointRR) else { return false }
                let wNode = model.proxies[w].node
                wire(from, wNode); proxy(w); wire(wNode, instNode)
            } else {
                wire(from, instNode)
            }
            proxy(model.nodeProxy[instNode])
            return true
        }
        func pickShared(_ list: [Int], _ rr: inout Int) -> Int? {
            for k in 0..<list.count {
                let p = list[(rr + k) % list.count]
                if proxies[p].up { rr = (rr + k + 1) % list.count; return p }
            }
            return nil
        }
        let sidecar = model.instances[inst].sidecar
        switch route {
        case .direct:
            wire(callerNode, instNode)
        case .hub, .edge:
            guard let g = pickShared(model.gatewayReplicas, &gatewayRR) else { return .noHealthyUpstream }
            let gNode = model.proxies[g].node
            wire(callerNode, gNode)
            proxy(g)
            wire(gNode, instNode)
            if route == .edge && sidecar >= 0 { proxy(sidecar) }
        case .ingress:
            guard let g = pickShared(model.ingressReplicas, &ingressReplicas) else { return .noHealthyUpstream }
            let gNode = model.proxies[g].node
            wire(-1, gNode)
            proxy(g)
            if model.kind == .sidecarless {
                guard toCalleeNodeProxy(from: gNode) else { return .noHealthyUpstream }
            } else {
                wire(gNode, instNode)
                if sidecar >= 0 { proxy(sidecar) }
            }
        case .mesh:
            if model.kind == .sidecarless {
                let from = max(0, callerNode)
                proxy(model.nodeProxy[from])
                guard toCalleeNodeProxy(from: from) else { return .noHealthyUpstream }
            } else {
                let cs = Int(calls[c].callerSidecar)
                if cs >= 0 { proxy(cs) }
                wire(callerNode, instNode)
                if sidecar >= 0 { proxy(sidecar) }
            }
        }
        attempts[a].instance = Int32(inst)
        calls[c].lastInstance = Int32(inst)
        attempts[a].nseg = Int8(n)
        attempts[a].pos = 0
        attempts[a].segStart = engine.now
        instances[inst].inFlight += 1
        return nil
    }

    var ingressReplicas = 0 // round-robin cursor for the mesh ingress

    /// `avoid`: the host of the previous try; proxies retry on another host when there is
    /// one (Istio's default retry host predicate, previous_hosts). Client libraries don't.
    mutating func pickInstance(_ s: Int, _ lb: LoadBalancing, gatewayView: Bool, meshView: Bool,
                               avoid: Int = -1) -> Int? {
        let first = model.serviceFirstInstance[s], end = model.serviceFirstInstance[s + 1]
        let n = end - first
        let now = engine.now
        @inline(__always) func eligible(_ i: Int) -> Bool {
            let st = instances[i]
            if st.knownAt > now { return false }
            if gatewayView && st.hcDown { return false }
            if meshView && st.ejectedUntil > now { return false }
            return true
        }
        var healthy = 0
        for i in first..<end where eligible(i) { healthy += 1 }
        // Envoy's panic threshold: below 50% healthy, balance over every known host.
        let panic = meshView && healthy * 2 < n
        if healthy == 0 && !panic { return nil }
        let avoidable = avoid >= first && avoid < end && healthy > (eligible(avoid) ? 1 : 0)
        func ok(_ i: Int) -> Bool {
            if avoidable && i == avoid { return false }
            return panic ? instances[i].knownAt <= now : eligible(i)
        }
        switch lb {
        case .roundRobin:
            for k in 0..<n {
                let i = first + (rrCounter[s] + k) % n
                if ok(i) { rrCounter[s] = (rrCounter[s] + k + 1) % n; return i }
            }
            return nil
        case .random:
            for _ in 0..<(2 * n) {
                let i = first + lbRng.below(n)
                if ok(i) { return i }
            }
            return (first..<end).first(where: ok)
        case .leastRequest, .powerOfTwo:
            // Envoy's least request is power-of-two-choices for equal weights.
            var best = -1
            for _ in 0..<2 {
                var i = first + lbRng.below(n)
                var tries = 0
                while !ok(i) && tries < n { i = first + (i - first + 1) % n; tries += 1 }
                if ok(i) && (best < 0 || instances[i].inFlight < instances[best].inFlight) { best = i }
            }
            return best >= 0 ? best : nil
        }
    }

    /// Moves an attempt along its path until it has to wait for an event.
    mutating func advance(_ a: Int) {
        while true {
            let att = attempts[a]
            let base = a * Self.maxSeg
            if att.phase == .forward {
                if att.pos >= att.nseg { arriveAtApp(a); return }
                if !enterSegment(a, segs[base + Int(att.pos)]) { return }
                attempts[a].pos += 1
            } else if att.phase == .backward {
                if att.pos < 0 { attemptReturned(a); return }
                if !enterSegment(a, segs[base + Int(att.pos)]) { return }
                attempts[a].pos -= 1
            } else {
                return
            }
        }
    }

    /// Starts one segment; returns true when it took no time (continue at once).
    mutating func enterSegment(_ a: Int, _ s: Seg) -> Bool {
        let now = engine.now
        attempts[a].segStart = now
        if s.proxy < 0 {
            let cls: Int
            if s.from < 0 || s.to < 0 {
                cls = 3
            } else if s.from == s.to {
                cls = 0
            } else if clusterOfNode[Int(s.from)] != clusterOfNode[Int(s.to)] {
                cls = 4
            } else {
                let zf = zoneOfNode[Int(s.from)], zt = zoneOfNode[Int(s.to)]
                if zf != zt && partitioned[zf * zoneCount + zt] {
                    failAttempt(a, .connectFailure)
                    return false
                }
                cls = zf == zt ? 1 : 2
            }
            if zeroWire[cls] {
                if now >= measureStart { metrics.hops[HopKind.wire.rawValue].zeroTraversals += 1 }
                return true
            }
            let d = wireDist[cls].sample(&wireRng)
            engine.schedule(after: d, kind: EK.hopDone, target: Int32(a), data: Int64(attempts[a].gen))
            return false
        }
        let p = Int(s.proxy)
        if !proxies[p].up {
            failAttempt(a, attempts[a].phase == .forward ? .connectFailure : .reset)
            return false
        }
        if proxies[p].hop == .gateway, attempts[a].phase == .forward, !admitAtGateway(a, p) {
            failAttempt(a, .rateLimited)
            return false
        }
        switch proxies[p].station.arrive(Int64(a), at: now) {
        case .serve:
            attempts[a].atProxy = Int32(p)
            let d = proxies[p].latency.sample(&proxyRng)
            engine.schedule(after: d, kind: EK.hopDone, target: Int32(a), data: Int64(attempts[a].gen))
        case .queued:
            attempts[a].atProxy = Int32(p)
            attempts[a].queuedAtProxy = true
        case .rejected:
            failAttempt(a, .overflow)
        }
        return false
    }

    var zoneCount: Int { max(1, scenario.cluster.zones.count) }

    mutating func hopDone(_ a: Int, _ gen: UInt32) {
        guard attempts[a].gen == gen else { return }
        let now = engine.now
        let att = attempts[a]
        let s = segs[a * Self.maxSeg + Int(att.pos)]
        let measuring = now >= measureStart
        if s.proxy >= 0 {
            let p = Int(s.proxy)
            attempts[a].atProxy = -1
            let hop = proxies[p].hop
            metrics.hop(hop, now - att.segStart, measuring: measuring)
            if measuring { metrics.proxyCPUSeconds += proxies[p].cpuPerPass }
            let root = Int(att.root)
            if root >= 0 && calls[root].gen == att.rootGen { calls[root].hops += 1 }
            startNextAtProxy(p)
        } else {
            metrics.hop(.wire, now - att.segStart, measuring: measuring)
        }
        if att.phase == .forward { attempts[a].pos += 1 } else { attempts[a].pos -= 1 }
        advance(a)
    }

    /// A proxy worker is free: the next waiting attempt starts its traversal.
    mutating func startNextAtProxy(_ p: Int) {
        let now = engine.now
        if let next = proxies[p].station.depart(at: now) {
            let n = Int(next)
            if now >= measureStart { metrics.hop(.queue, now - attempts[n].segStart, measuring: true) }
            attempts[n].segStart = now
            attempts[n].queuedAtProxy = false
            let d = proxies[p].latency.sample(&proxyRng)
            engine.schedule(after: d, kind: EK.hopDone, target: Int32(n), data: Int64(attempts[n].gen))
        }
    }

    mutating func arriveAtApp(_ a: Int) {
        let i = Int(attempts[a].instance)
        let now = engine.now
        if !instances[i].up {
            failAttempt(a, .connectFailure)
            return
        }
        if model.mtls == .strict, model.hasMesh, instances[i].certExpires <= now || callerCertExpired(a) {
            failAttempt(a, .tls)
            return
        }
        attempts[a].segStart = now
        switch apps[i].arrive(Int64(a), at: now) {
        case .serve:
            startService(a)
        case .queued:
            attempts[a].phase = .appQueue
        case .rejected:
            failAttempt(a, .overflow)
        }
    }

    func callerCertExpired(_ a: Int) -> Bool {
        let c = Int(attempts[a].call)
        let ci = Int(calls[c].callerInstance)
        return ci >= 0 && instances[ci].certExpires <= engine.now
    }

    mutating func startService(_ a: Int) {
        let now = engine.now
        let i = Int(attempts[a].instance)
        let s = model.instances[i].service
        if now >= measureStart, attempts[a].phase == .appQueue {
            metrics.hop(.queue, now - attempts[a].segStart, measuring: true)
        }
        attempts[a].phase = .appService
        attempts[a].segStart = now
        // The request's own stream: the same draw in every topology (common random numbers).
        var rng = RandomStream(seed: attempts[a].key, stream: UInt64(s))
        var d = serviceTime[s].sample(&rng)
        if let extra = instanceFaultLatency[i] ?? serviceFaultLatency[s] { d += extra.sample(&rng) }
        let errorRate = max(serviceErrors[s], max(instanceFaultErrors[i], serviceFaultErrors[s]))
        if errorRate > 0 && rng.uniform() < errorRate {
            attempts[a].failure = .appError
            attempts[a].origin = .appError
        }
        engine.schedule(after: d, kind: EK.serviceDone, target: Int32(a), data: Int64(attempts[a].gen))
    }

    mutating func serviceDone(_ a: Int, _ gen: UInt32) {
        guard attempts[a].gen == gen else { return }
        metrics.hop(.app, engine.now - attempts[a].segStart, measuring: engine.now >= measureStart)
        attempts[a].phase = .calling
        attempts[a].step = 0
        if attempts[a].failure != .none { respond(a); return }
        nextStep(a)
    }

    /// Runs the call graph's next step (one call, or a parallel group); responds after the last.
    mutating func nextStep(_ a: Int) {
        let i = Int(attempts[a].instance)
        let s = model.instances[i].service
        let steps = firstStep[s + 1] - firstStep[s]
        while Int(attempts[a].step) < steps {
            let k = Int(attempts[a].step)
            let g = firstStep[s] + k
            attempts[a].step += 1
            var rng = RandomStream(seed: attempts[a].key, stream: 10_000 + UInt64(k))
            let gen = attempts[a].gen
            // A sentinel holds the step open while its calls start: a call that fails
            // at once must not run the next step from inside this loop.
            attempts[a].outstanding += 1
            for j in 0..<(firstCall[g + 1] - firstCall[g]) {
                let call = firstCall[g] + j
                let probability = callProbability[call]
                if probability < 1 && rng.uniform() >= probability { continue }
                attempts[a].outstanding += 1
                startChild(a, service: callTarget[call], slot: k * 64 + j)
                if attempts[a].gen != gen { return }
            }
            attempts[a].outstanding -= 1
            if attempts[a].outstanding > 0 { return }
            if attempts[a].failure != .none { break }
        }
        if attempts[a].outstanding == 0 { respond(a) }
    }

    mutating func startChild(_ a: Int, service: Int, slot: Int) {
        let i = Int(attempts[a].instance)
        var r = CallRec()
        r.root = attempts[a].root
        r.rootGen = attempts[a].rootGen
        r.parent = Int32(a)
        r.parentGen = attempts[a].gen
        r.service = Int32(service)
        r.callerInstance = Int32(i)
        r.callerNode = Int32(model.instances[i].node)
        r.callerSidecar = Int32(model.instances[i].sidecar)
        r.start = engine.now
        r.key = SplitMix64.mix(attempts[a].key &+ UInt64(slot + 1) &* 0xD1B5_4A32_D192_ED03)
        setInternalRoute(&r, callerService: model.instances[i].service)
        activeRequests += 1
        startAttempt(allocCall(r))
    }

    /// The app has its answer (or its error): free the worker, send the response back.
    mutating func respond(_ a: Int) {
        let i = Int(attempts[a].instance)
        releaseApp(i)
        attempts[a].phase = .backward
        attempts[a].pos = attempts[a].nseg - 1
        advance(a)
    }

    mutating func releaseApp(_ i: Int) {
        guard instances[i].up else { return } // a crashed instance's station was emptied
        if let next = apps[i].depart(at: engine.now) {
            let n = Int(next)
            startService(n)
        }
    }

    /// Back at the caller: the try is over.
    mutating func attemptReturned(_ a: Int) {
        let i = Int(attempts[a].instance)
        instances[i].inFlight -= 1
        let f = attempts[a].failure
        let origin = attempts[a].origin == .none ? f : attempts[a].origin
        let c = Int(attempts[a].call)
        let orphan = attempts[a].orphan
        let callGen = attempts[a].callGen
        if !orphan { observeOutcome(i, f, attempts[a].policy) }
        freeAttempt(a)
        if orphan || calls[c].gen != callGen { return }
        callFinished(c, f, origin: origin, retryable: true)
    }

    /// Fails an attempt where it stands: resources it holds are released, its
    /// answer goes straight back to the caller.
    mutating func failAttempt(_ a: Int, _ f: Failure) {
        let att = attempts[a]
        let now = engine.now
        if att.instance >= 0 {
            let i = Int(att.instance)
            switch att.phase {
            case .appQueue: if instances[i].up { _ = apps[i].withdraw(Int64(a), at: now) }
            case .appService, .calling: releaseApp(i)
            default: break
            }
            instances[i].inFlight -= 1
        }
        if att.atProxy >= 0, proxies[Int(att.atProxy)].up {
            let p = Int(att.atProxy)
            if att.queuedAtProxy {
                _ = proxies[p].station.withdraw(Int64(a), at: now)
            } else {
                startNextAtProxy(p) // its worker is free again
            }
        }
        // Outlier detection blames the host for what happened at or on the way to it.
        let atHost = att.phase != .forward || att.pos >= att.nseg
        if att.instance >= 0, !att.orphan, atHost || f == .connectFailure || f == .reset || f == .tls {
            observeOutcome(Int(att.instance), f, att.policy)
        }
        let c = Int(att.call)
        let orphan = att.orphan
        let callGen = att.callGen
        freeAttempt(a)
        if orphan || calls[c].gen != callGen { return }
        callFinished(c, f, retryable: true)
    }

    /// Outlier detection: consecutive 5xx eject a host (Envoy's consecutive_5xx).
    mutating func observeOutcome(_ i: Int, _ f: Failure, _ policy: Int32) {
        guard let od = policies[Int(policy)].outlier else { return }
        if f == .none || !f.isServerError {
            if f == .none { instances[i].consecutiveErrors = 0 }
            return
        }
        instances[i].consecutiveErrors += 1
        guard instances[i].consecutiveErrors >= od.consecutiveErrors else { return }
        let now = engine.now
        let s = model.instances[i].service
        let first = model.serviceFirstInstance[s], end = model.serviceFirstInstance[s + 1]
        var ejected = 0
        for j in first..<end where instances[j].ejectedUntil > now { ejected += 1 }
        // At most maxEjectionPercent of hosts, but always at least one (Envoy).
        let allowed = max(1, Int(od.maxEjectionPercent * Double(end - first)))
        guard ejected < allowed, instances[i].ejectedUntil <= now else { return }
        instances[i].ejections += 1
        let base = od.ejection * SimTime(instances[i].ejections)
        instances[i].ejectedUntil = now + min(base, max(od.ejection, 300 * Nanos.perSecond))
        instances[i].consecutiveErrors = 0
        if now >= measureStart { metrics.ejections += 1 }
    }

    mutating func timeoutFired(_ a: Int, _ gen: UInt32) {
        guard attempts[a].gen == gen, !attempts[a].orphan else { return }
        // The caller gives up; the callee keeps working (its answer will be dropped).
        attempts[a].orphan = true
        let c = Int(attempts[a].call)
        if calls[c].gen == attempts[a].callGen {
            let i = Int(attempts[a].instance)
            if i >= 0 { observeOutcome(i, .timeout, attempts[a].policy) }
            callFinished(c, .timeout, retryable: true)
        }
    }

    /// A try ended: retry it, or finish the call and tell whoever made it.
    mutating func callFinished(_ c: Int, _ f: Failure, origin: Failure? = nil, retryable: Bool) {
        let origin = origin ?? f
        let pi = Int(calls[c].policy)
        if f != .none && retryable && Int(calls[c].tries) <= policies[pi].retries && (policies[pi].retryMask & f.bit) != 0 {
            let budgetOK: Bool
            if let b = policies[pi].budget {
                budgetOK = Double(activeRetries) < max(3, b * Double(activeRequests))
            } else { budgetOK = true }
            if budgetOK {
                activeRetries += 1
                let backoff = policies[pi].backoff.sample(&controlRng)
                if engine.now >= measureStart { metrics.hop(.backoff, backoff, measuring: true) }
                engine.schedule(after: backoff, kind: EK.retry, target: Int32(c), data: Int64(calls[c].gen))
                return
            }
        }
        activeRequests -= 1
        if f != .none && engine.now >= measureStart { metrics.callFailed(at: engine.now) }
        let parent = Int(calls[c].parent)
        if parent < 0 {
            finishRoot(c, origin)
            return
        }
        let parentGen = calls[c].parentGen
        freeCall(c)
        guard attempts[parent].gen == parentGen, attempts[parent].phase == .calling else { return }
        if f != .none && attempts[parent].failure == .none {
            // The app answers its caller with a 503 of its own; the report keeps the first cause.
            attempts[parent].failure = .appError
            attempts[parent].origin = origin
        }
        attempts[parent].outstanding -= 1
        if attempts[parent].outstanding == 0 { nextStep(parent) }
    }

    mutating func retryFired(_ c: Int, _ gen: UInt32) {
        guard calls[c].gen == gen, calls[c].live else { return }
        activeRetries -= 1
        let parent = Int(calls[c].parent)
        if parent >= 0 && (attempts[parent].gen != calls[c].parentGen || attempts[parent].phase != .calling) {
            activeRequests -= 1
            freeCall(c)
            return
        }
        startAttempt(c)
    }

    mutating func finishRoot(_ c: Int, _ f: Failure) {
        let now = engine.now
        rootsInFlight -= 1
        if calls[c].measured {
            metrics.record(start: calls[c].start, end: now, failure: f, source: Int(calls[c].source),
                           measureStart: measureStart)
            metrics.rootHops += Int(calls[c].hops)
        }
        let k = Int(calls[c].source), client = calls[c].client
        let start = calls[c].start
        freeCall(c)
        if client >= 0 {
            // Closed loop: this connection sends again at its pace, or at once if late.
            let src = scenario.traffic[k]
            let rate = src.rate.perSecond(at: now - measureStart)
            let interval = rate > 0 ? SimTime(1e9 * Double(src.clients ?? 1) / rate) : Nanos.perSecond
            engine.schedule(at: max(now, start + interval), kind: EK.clientSend, target: Int32(k), data: Int64(client))
        }
    }

    // MARK: - Periodic work

    mutating func windowTick() {
        metrics.closeWindow(at: engine.now, inFlight: rootsInFlight, measureStart: measureStart)
        let next = engine.now + scenario.window
        if next <= measureEnd { engine.schedule(at: next, kind: EK.windowTick) }
    }

    mutating func healthCheck() {
        guard let hc = model.healthCheck else { return }
        for i in instances.indices {
            if instances[i].up {
                instances[i].hcFailures = 0
                instances[i].hcDown = false
            } else {
                instances[i].hcFailures += 1
                if instances[i].hcFailures >= Int32(hc.unhealthyThreshold) { instances[i].hcDown = true }
            }
        }
        engine.schedule(after: hc.interval, kind: EK.healthCheck)
    }

    mutating func certRotate(_ i: Int) {
        guard let cert = model.certificates else { return }
        if controlPlaneUp > 0 {
            instances[i].certIssued = engine.now
            instances[i].certExpires = engine.now + cert.ttl
            instances[i].rotationPending = false
            scheduleRotation(i, cert)
        } else {
            // Nothing rotates while the control plane is down; retried when it is back.
            instances[i].rotationPending = true
        }
    }
}

import Calibration
import DequeModule
import Scenario
import SimCore

/// One topology of a scenario, simulated. Owns its engine; `run(until:)` can be
/// called repeatedly (the dashboard steps it), `metrics` is readable in between.
///
/// Hot-path state is structs in arrays addressed by integer slots; a request's
/// journey is a small state machine advanced by integer-kinded events. Where each
/// concern lives:
/// - Routing.swift: which proxies a call passes and who enforces its policies;
/// - Lifecycle.swift: the call/try state machine (forward, app, calls, backward);
/// - Upstreams.swift: state per calling proxy and upstream service (circuit breakers,
///   retries in progress, each host as that proxy sees it);
/// - Retries.swift, Timeouts.swift, OutlierDetection.swift, LoadBalancer.swift: the
///   policies as each product documents them;
/// - Admission.swift (rate limits), ControlPlane.swift (discovery, certificates,
///   health checks), Faults.swift (the fault timeline).
public struct TopologySimulation: Sendable {
    public let model: CompiledTopology
    let scenario: Scenario
    let seed: UInt64
    public internal(set) var engine = Engine()
    public internal(set) var metrics: TopologyMetrics
    /// Each call's critical path so far (CriticalPath.swift).
    var critical: CriticalPathState
    /// Spans and access-log records, when enabled (Tracing.swift).
    var traces = TraceState()
    /// The first arrival instants, kept to check common random numbers across topologies.
    public internal(set) var firstArrivals: [SimTime] = []
    /// Start and end of the measured period in engine time (the warm-up runs first).
    public let measureStart: SimTime
    public let measureEnd: SimTime

    // Event kinds.
    enum EK {
        static let arrival: Int32 = 0, clientSend: Int32 = 1, hopDone: Int32 = 2, serviceDone: Int32 = 3
        static let tryTimeout: Int32 = 4, retry: Int32 = 5, windowTick: Int32 = 6
        static let faultStart: Int32 = 7, faultEnd: Int32 = 8, healthCheck: Int32 = 9, certRotate: Int32 = 10
        static let recover: Int32 = 11, routeTimeout: Int32 = 12, measureStart: Int32 = 13, resume: Int32 = 14
        static let connectTimeout: Int32 = 15
        /// A step of an instance's termination or of a rollout (Termination.swift).
        static let lifecycle: Int32 = 16
        /// A new mesh connection's TCP and TLS handshakes are over (MeshConnections.swift).
        static let handshakeDone: Int32 = 17
        /// A proxy pass's CPU work is done: its worker takes the next waiting try
        /// (ProxyWork.swift). Target: the proxy; data: its epoch.
        static let proxyFree: Int32 = 18
    }

    enum Phase: UInt8 {
        case free
        /// Travelling towards the app (the prefix up to the enforcing proxy, then upstream).
        case forward
        /// Waiting at the enforcing proxy for a circuit-breaker slot (Envoy's pending requests).
        case pending
        case appQueue, appService, calling
        /// The response travelling back to the caller.
        case backward
        /// Waiting for a connection to a host that does not answer (fails after the
        /// connect timeout).
        case connecting
        /// Lost with a node that went down or behind a partition: nothing will answer; only
        /// the caller's timeouts end it.
        case hung
    }

    /// How a call's path is built.
    enum Route: UInt8 { case direct, hub, mesh, ingress, edge }

    /// One logical call (a root request or a service-to-service call): what its
    /// caller sees, over every try.
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
        /// Who applies the call's policies: a proxy id, or a client library id (Routing.swift).
        var enforcer: Int32 = -1
        /// State of (enforcer, callee service), or -1 when the enforcer keeps none.
        var upstream: Int32 = -1
        /// The shared proxy replica (gateway, ingress, waypoint) the call goes through, or -1.
        var shared: Int32 = -1
        /// Segments of the path up to and including the enforcing proxy (in `prefixSegs`),
        /// walked once per call.
        var prefixCount: Int8 = 0
        /// The try in progress (-1: none, e.g. waiting out a back-off).
        var attempt: Int32 = -1
        var attemptGen: UInt32 = 0
        /// The enforcer has made its final decision: the answer is on its way back.
        var decided = false
        /// A retry slot (max_retries or budget) is held for this call's current retry.
        var holdsRetry = false
        /// When the current back-off started (for accounting the time actually waited).
        var backoffStart: SimTime = 0
        /// The route timeout is running (it starts when the enforcer first sends upstream).
        var routeTimerArmed = false
    }

    /// One try of a call.
    struct Attempt {
        var gen: UInt32 = 0
        var phase = Phase.free
        var call: Int32 = 0
        var callGen: UInt32 = 0
        var instance: Int32 = -1
        var nseg: Int8 = 0
        var pos: Int8 = 0
        /// Segments [0, split) are the call's prefix; the enforcer decides at split − 1 on the way back.
        var split: Int8 = 0
        var step: Int16 = 0
        var outstanding: Int16 = 0
        /// How the try failed, as its caller sees it (drives retries and outlier detection).
        var failure = Failure.none
        /// Where the failure started (a dependency's timeout, an expired certificate...):
        /// what the end-to-end error is counted as.
        var origin = Failure.none
        /// The caller gave up on it (timeout); it finishes its journey unobserved.
        var orphan = false
        /// It passed the enforcer towards the upstream (holds an active-request slot while `slotHeld`).
        var dispatched = false
        var slotHeld = false
        /// The enforcer decided: this try carries the call's final answer back through the prefix.
        var carriesAnswer = false
        var key: UInt64 = 0
        var segStart: SimTime = 0
        /// When the enforcer sent it to its host (peak-EWMA measures from here).
        var sentAt: SimTime = 0
        /// The pooled L4 client connection it travels on (-1: none).
        var connection: Int32 = -1
        /// It holds a pooled mesh connection (MeshConnections.swift) to give back.
        var meshConn = false
        var policy: Int32 = 0
        var enforcer: Int32 = -1
        var upstream: Int32 = -1
        /// Next attempt in its upstream's pending queue (-1: last).
        var nextPending: Int32 = -1
        /// The proxy it waits at or is served by (-1: none), and whether it waits.
        var atProxy: Int32 = -1
        var queuedAtProxy = false
        var root: Int32 = -1
        var rootGen: UInt32 = 0
        /// The incarnation of its instance that accepted it (Termination.swift).
        var epoch: UInt32 = 0
    }

    /// One segment of a path: a proxy station, or a wire between two nodes (-1: outside).
    struct Seg {
        var proxy: Int32 = -1
        var from: Int16 = -1
        var to: Int16 = -1
    }

    static let maxSeg = 12
    /// A call's prefix: at most a node proxy, a wire through an east-west gateway (three
    /// segments) and a waypoint.
    static let maxPrefix = 6

    /// What every caller agrees on about an instance (its process, its certificate, discovery).
    /// What a caller *thinks* of it (ejected, failed) lives per caller in `hostViews`.
    struct InstanceState {
        var up = true
        var hcFailures: Int32 = 0
        var hcDown = false
        /// Proxies learn of a new or recovered instance only after the config push.
        var knownAt: SimTime = 0
        /// Sidecar startup race: outbound calls are refused until then.
        var outboundBlockedUntil: SimTime = 0
        var certIssued: SimTime = 0
        var certExpires: SimTime = .max
        var rotationPending = false
        /// Endpoint membership beyond `knownAt` (Endpoints.swift): callers stop listing the
        /// instance at `listedUntil` (its removal propagated) and list it again from `relistedAt`.
        var listedUntil: SimTime = .max
        var relistedAt: SimTime = .max
        /// The pending removal comes from Kubernetes noticing a failure (crash, readiness,
        /// node loss), not from a termination: a gateway's own upstream list ignores it.
        var removalDetected = false
        /// Stopped listening but still finishing the requests it accepted (Termination.swift).
        var draining = false
        /// Bumped at each termination: lifecycle events of an earlier one are stale.
        var life: UInt32 = 0
        /// The incarnation now accepting requests (bumped when a replacement takes over), and
        /// the one a pending kill ends.
        var epoch: UInt32 = 0
        var dyingEpoch: UInt32 = 0
        /// Bumped when the pod's process dies or is replaced: callers' pooled connections to
        /// an earlier generation are gone (MeshConnections.swift).
        var connGen: UInt32 = 0
        /// A `hang` fault: it accepts connections and answers nothing (Faults.swift).
        var hung = false
    }

    struct ProxyState {
        var station: Station
        var latency: Distribution
        var hop: HopKind
        var up = true
        var cpuPerPass: Double
        /// Worker time one pass holds (ProxyWork.swift), ns.
        var workerHold: SimTime
        /// Bumped when the proxy crashes: a release event scheduled before it is void.
        var epoch: UInt32 = 0
        /// When each busy worker's CPU work ends, in start order (ProxyWork.swift).
        var releases = Deque<SimTime>()
        /// An event is scheduled for the earliest release (a try waits for it).
        var releaseEventPending = false
        /// The load balancer in front of a shared replica has marked it down (Endpoints.swift).
        var lbDown = false
        var lbFailures: Int32 = 0
        /// A `latency` or `errors` fault on this gateway replica (Faults.swift): added to each
        /// request's traversal, and the share it answers 503 itself.
        var faultLatency: Distribution? = nil
        var faultErrors = 0.0
    }

    // Runtime state.
    var instances: SlotArray<InstanceState>
    var apps: SlotArray<Station>
    var proxies: SlotArray<ProxyState>
    // The pools a request's life writes dozens of times: slot arrays, written in place with
    // no copy-on-write check (SimCore/SlotArray.swift). The simulation is never copied
    // while it runs, which is what they ask.
    var calls = SlotArray<CallRec>()
    var freeCalls = SlotArray<Int32>()
    var attempts = SlotArray<Attempt>()
    var freeAttempts = SlotArray<Int32>()
    var segs = SlotArray<Seg>()
    /// Each call's prefix, `maxPrefix` per call slot (kept apart so the call record stays small).
    var prefixSegs = SlotArray<Seg>()
    var policies: [CompiledPolicy]
    /// Per (enforcer, service): the slot in `upstreams`, or -1 before first use.
    var upstreamSlot: SlotArray<Int32>
    var upstreams = SlotArray<UpstreamState>()
    /// Each upstream's hosts as its enforcer sees them, contiguous per upstream.
    var hostViews = SlotArray<HostView>()
    /// Pooled L4 client connections, in runs per (client, upstream) (Connections.swift).
    var connections = SlotArray<ClientConnection>()
    /// Linkerd-style retry budgets: `ratioBuckets` counters per upstream that uses one.
    var budgetBuckets: [BudgetBucket] = []
    /// Requests in progress per enforcer (its upstream connections under HTTP/1.1).
    var enforcerActive: SlotArray<Int32>
    var gatewayRR = 0, ingressRR = 0, waypointRR = 0, eastWestRR = 0
    var arrivalRngs: [RandomStream]
    var arrivalCounts: SlotArray<UInt64>
    var wireRng: RandomStream
    var proxyRng: RandomStream
    var lbRng: RandomStream
    var controlRng: RandomStream
    var serviceFaultLatency: [Distribution?]
    var serviceFaultErrors: [Double]
    var instanceFaultLatency: [Distribution?]
    var instanceFaultErrors: [Double]
    var partitioned: [Bool]   // zones x zones
    /// Nodes that are down: nothing on them answers (fail-slow, unlike a crashed process).
    var nodeDown: [Bool]
    var controlPlaneUp: Int
    /// Rate-limit counters per (replica or shared) and consumer: bucket tokens, or the current
    /// window's count; `tokenTime` the last refill, or the current window's index;
    /// `previousCount` the previous window's count (sliding windows).
    var tokens: [Double] = [], tokenTime: [SimTime] = [], previousCount: [Double] = []
    /// A `rate-limit-store-down` fault is in progress.
    var rateLimitStoreDown = false
    var throttleTokens = 0.0, throttleTime: SimTime = 0
    var activeRequests = 0
    var rootsInFlight = 0
    /// Per callee service: drifted policy index and the share of callers running it.
    var drift: [(policy: Int32, fraction: Double)?]
    /// Which pods are meshed and each service's mTLS mode now (Adoption.swift).
    var adoption: AdoptionState
    /// Mean gap of constant-rate open-loop sources (nil: a profile).
    let constantInterarrival: [Double?]
    /// Every source's rate as flat numbers (RateTable.swift): no copy of a source per arrival.
    let rates: RateTable
    /// A closed-loop source's connections (1 for an open one).
    let sourceClients: [Int]
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
    /// The scenario's number of services (a stride of per-(enforcer, service) tables).
    let serviceCount: Int

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
        serviceCount = scenario.services.count
        measureStart = scenario.warmup
        measureEnd = scenario.warmup + scenario.duration
        metrics = TopologyMetrics(model: model, scenario: scenario)
        critical = CriticalPathState()
        instances = SlotArray(repeating: InstanceState(), count: model.instances.count)
        apps = SlotArray(model.instances.lazy.map { i in
            let s = scenario.services[i.service]
            return Station(workers: s.workers, capacity: s.queue)
        })
        proxies = SlotArray(model.proxies.lazy.map { p in
            ProxyState(station: Station(workers: p.profile.workers, capacity: p.profile.queue),
                       latency: p.profile.latency, hop: p.hop, cpuPerPass: p.profile.cpuPerRequest / 2,
                       // Unlimited workers: nothing ever waits for one, so no release is scheduled.
                       workerHold: p.profile.workers == unlimited ? 0
                           : SimTime((p.profile.workerSecondsPerPass * 1e9).rounded()))
        })
        policies = [model.meshPolicy, model.gatewayPolicy, model.defaultClientPolicy] + model.clientPolicy
        upstreamSlot = SlotArray(repeating: -1, count: model.enforcerCount * scenario.services.count)
        enforcerActive = SlotArray(repeating: 0, count: model.enforcerCount)
        // Streams shared by every topology (common random numbers): arrivals per source.
        arrivalRngs = scenario.traffic.indices.map { RandomStream(seed: seed, stream: 1_000 + UInt64($0)) }
        arrivalCounts = SlotArray(repeating: 0, count: scenario.traffic.count)
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
        nodeDown = Array(repeating: false, count: max(1, scenario.cluster.nodes))
        controlPlaneUp = model.controlPlaneReplicas
        drift = Array(repeating: nil, count: scenario.services.count)
        adoption = AdoptionState(model: model, services: scenario.services.count)
        var off = [0]
        for t in scenario.traffic { off.append(off.last! + max(1, t.consumers)) }
        consumerOffsets = off
        rates = RateTable(scenario.traffic)
        sourceClients = scenario.traffic.map { $0.clients ?? 1 }
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
                // Each connection sends its first request one pace into the run, at the
                // pace its profile has then; a 0/s point sends nothing until the rate rises.
                for c in 0..<clients {
                    scheduleClientSend(k, client: c, after: 0, offset: Double(c) / Double(clients))
                }
            } else {
                scheduleNextArrival(k, from: 0)
            }
        }
        if measureStart > 0 { engine.schedule(at: measureStart, kind: EK.measureStart) }
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
        // Health checks: a gateway's own, and the load balancer's in front of shared replicas,
        // which only matter when a fault can stop one (every check of a replica that is up
        // changes nothing; a run of years would otherwise spend its events on them).
        let sharedCanStop = (!model.gatewayReplicas.isEmpty || !model.ingressReplicas.isEmpty)
            && scenario.faults.contains { $0.kind == .gatewayDown || $0.kind == .nodeDown || $0.kind == .proxyCrash }
        if model.healthCheck != nil || sharedCanStop, loadBalancerCheck.interval > 0 {
            engine.schedule(at: loadBalancerCheck.interval, kind: EK.healthCheck)
        }
        if model.hasMesh, let cert = model.certificates, cert.ttl > 0 {
            // Workloads started at different times: spread the first rotations over the
            // rotation interval so certificates don't all expire together.
            for i in instances.indices where adoption.meshed[i] { // a plain pod has no certificate
                let age = controlRng.uniform() * cert.rotateAt * Double(cert.ttl)
                instances[i].certIssued = -SimTime(age)
                instances[i].certExpires = instances[i].certIssued + cert.ttl
                scheduleRotation(i, cert)
            }
        }
    }

    mutating func scheduleNextArrival(_ k: Int, from t: SimTime) {
        if let mean = constantInterarrival[k] {
            let gap = Distribution.exponential(mean: mean).sample(&arrivalRngs[k])
            engine.schedule(at: t + gap, kind: EK.arrival, target: Int32(k))
            return
        }
        var now = t
        while true {
            let rate = rates.perSecond(k, at: now - measureStart)
            let nextChange = rates.nextChange(k, after: now - measureStart).map { $0 + measureStart }
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

    /// A closed-loop connection's next send: one pace (clients / rate) after `from`, at the
    /// rate in force; while the profile's rate is 0 it waits for the next point instead of
    /// sending (every profile point is honoured by every traffic kind).
    mutating func scheduleClientSend(_ k: Int, client c: Int, after from: SimTime, offset: Double = 1) {
        var t = from
        while true {
            let rate = rates.perSecond(k, at: t - measureStart)
            if rate > 0 {
                let pace = 1e9 * Double(sourceClients[k]) / rate
                var at = t + SimTime(pace * offset)
                // A send that would fall at or past a drop to 0/s waits for the rate to rise again.
                if let change = rates.nextChange(k, after: t - measureStart).map({ $0 + measureStart }),
                   at >= change, rates.perSecond(k, at: change - measureStart) == 0 {
                    at = change
                    t = change
                    continue
                }
                engine.schedule(at: max(at, engine.now), kind: EK.clientSend, target: Int32(k), data: Int64(c))
                return
            }
            guard let change = rates.nextChange(k, after: t - measureStart) else { return }
            t = change + measureStart
        }
    }

    // MARK: - Running

    /// Runs until `limit` (engine time) or the end of the measured period.
    public mutating func run(until limit: SimTime) {
        let stop = min(limit, measureEnd)
        while let e = engine.next(until: stop) {
            recordTrajectory(e)
            switch e.kind {
            case EK.hopDone: hopDone(Int(e.target), UInt32(truncatingIfNeeded: e.data))
            case EK.serviceDone: serviceDone(Int(e.target), UInt32(truncatingIfNeeded: e.data))
            case EK.arrival: arrival(Int(e.target))
            case EK.clientSend: clientSend(Int(e.target), Int(e.data))
            case EK.tryTimeout: perTryTimeoutFired(Int(e.target), UInt32(truncatingIfNeeded: e.data))
            case EK.routeTimeout: routeTimeoutFired(Int(e.target), UInt32(truncatingIfNeeded: e.data))
            case EK.retry: retryFired(Int(e.target), UInt32(truncatingIfNeeded: e.data))
            case EK.windowTick: windowTick()
            case EK.faultStart: faultStart(Int(e.target))
            case EK.faultEnd: faultEnd(Int(e.target))
            case EK.healthCheck: healthCheck()
            case EK.certRotate: certRotate(Int(e.target))
            case EK.recover: recoverNow(Int(e.target))
            case EK.measureStart: startMeasuring()
            case EK.resume: resume(Int(e.target), UInt32(truncatingIfNeeded: e.data))
            case EK.connectTimeout: connectTimedOut(Int(e.target), UInt32(truncatingIfNeeded: e.data))
            case EK.lifecycle: lifecycleStep(Int(e.target), e.data)
            case EK.handshakeDone: handshakeDone(Int(e.target), UInt32(truncatingIfNeeded: e.data))
            case EK.proxyFree: proxyFree(Int(e.target), UInt32(truncatingIfNeeded: e.data))
            default: fatalError("unknown event kind \(e.kind)")
            }
        }
        metrics.drainServiceLatency()
        metrics.events = engine.eventsProcessed
        metrics.fingerprint = engine.fingerprint
        metrics.simulatedUntil = engine.now
        collectStationFigures()
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
            setExternalRoute(&r)
        } else {
            r.callerNode = Int32(model.clientNode[k])
            r.callerSidecar = Int32(model.clientSidecar[k])
            setInternalRoute(&r, callerService: -1, callerLibrary: model.sourceLibrary(k))
        }
        rootsInFlight += 1
        activeRequests += 1
        if r.measured { metrics.started += 1 }
        let c = allocCall(r)
        calls[c].root = Int32(c)
        calls[c].rootGen = calls[c].gen
        startCall(c)
    }

    /// Stores a new call in a free slot: one copy of the record, then the slot's own fields.
    mutating func allocCall(_ rec: consuming CallRec) -> Int {
        if let s = freeCalls.popLast() {
            let i = Int(s)
            let gen = calls[i].gen
            calls[i] = rec
            calls[i].gen = gen
            calls[i].live = true
            return i
        }
        calls.append(rec)
        calls[calls.count - 1].live = true
        prefixSegs.append(repeating: Seg(), count: Self.maxPrefix)
        return calls.count - 1
    }

    mutating func freeCall(_ c: Int) {
        calls[c].gen &+= 1
        calls[c].live = false
        freeCalls.append(Int32(c))
    }

    mutating func allocAttempt(_ t: consuming Attempt) -> Int {
        if let s = freeAttempts.popLast() {
            let i = Int(s)
            let gen = attempts[i].gen
            attempts[i] = t
            attempts[i].gen = gen
            return i
        }
        attempts.append(t)
        segs.append(repeating: Seg(), count: Self.maxSeg)
        return attempts.count - 1
    }

    mutating func freeAttempt(_ a: Int) {
        releaseConnection(a, closing: false)
        attempts[a].gen &+= 1
        attempts[a].phase = .free
        freeAttempts.append(Int32(a))
    }

    // MARK: - Periodic work

    /// The warm-up is over: stations' utilisation counts from here.
    mutating func startMeasuring() {
        let now = engine.now
        for i in apps.indices { apps[i].resetStatistics(at: now) }
        for p in proxies.indices {
            // The busy time up to now belongs to the warm-up. Only without waiters: with one,
            // the earliest release is due no sooner than now and has its own event, which
            // must start the waiting try in its turn (a read never changes the run).
            if proxies[p].station.queueLength == 0 { settleReleases(p) }
            proxies[p].station.resetStatistics(at: now)
        }
    }

    mutating func windowTick() {
        metrics.closeWindow(at: engine.now, inFlight: rootsInFlight, measureStart: measureStart)
        let next = engine.now + scenario.window
        if next <= measureEnd { engine.schedule(at: next, kind: EK.windowTick) }
    }

    /// Utilisation of apps and proxies over the measured period so far, and requests
    /// still in flight, into `metrics` (cheap: once per `run` call, not per event).
    mutating func collectStationFigures() {
        // Once, at the end: the fold walks a whole histogram, too much for every progress step.
        if engine.now >= measureEnd { metrics.foldRootLatency() }
        let now = engine.now
        for p in proxies.indices where proxies[p].station.queueLength == 0 { settleReleases(p) }
        guard now > measureStart else { return }
        var busy = Array(repeating: 0.0, count: scenario.services.count)
        var capacity = Array(repeating: 0.0, count: scenario.services.count)
        for (i, inst) in model.instances.enumerated() {
            busy[inst.service] += apps[i].utilisation(from: measureStart, to: now).busy
            let w = apps[i].workers
            capacity[inst.service] = w == unlimited ? .infinity : capacity[inst.service] + Double(w)
        }
        for s in busy.indices {
            metrics.services[s].utilization = capacity[s].isFinite && capacity[s] > 0 ? busy[s] / capacity[s] : nil
        }
        var roleBusy = Array(repeating: 0.0, count: HopKind.allCases.count)
        var roleCapacity = Array(repeating: 0.0, count: HopKind.allCases.count)
        // Figures over the whole measured period so far: recomputed, not accumulated, per call.
        for h in metrics.roles.indices { metrics.roles[h].utilizationMax = nil }
        for (p, info) in model.proxies.enumerated() {
            let h = info.hop.rawValue
            let busyHere = proxies[p].station.utilisation(from: measureStart, to: now).busy
            roleBusy[h] += busyHere
            let w = proxies[p].station.workers
            if w != unlimited && w > 0 {
                metrics.roles[h].utilizationMax = max(metrics.roles[h].utilizationMax ?? 0, busyHere / Double(w))
            }
            roleCapacity[h] = w == unlimited ? .infinity : roleCapacity[h] + Double(w)
        }
        for h in HopKind.allCases.indices {
            metrics.roles[h].utilization = roleCapacity[h].isFinite && roleCapacity[h] > 0
                ? roleBusy[h] / roleCapacity[h] : nil
        }
        metrics.incomplete = metrics.started - metrics.requests
    }
}

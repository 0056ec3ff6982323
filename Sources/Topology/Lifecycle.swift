import Calibration
import Scenario
import SimCore

// The life of a call and of each of its tries, as one explicit state machine:
//
//   startCall ─ prefix (once) ─▶ enforcer: admit (circuit breakers) ─▶ dispatch: pick a host
//      ─▶ upstream path ─▶ app (queue, service, its own calls) ─▶ back to the enforcer
//      ─▶ decide: retry (back-off, then a new try from the enforcer) or answer
//      ─▶ the answer walks back through the prefix ─▶ finishCall (the caller has it).
//
// Failures where a try stands (a crash, a partition, a full queue) reach the
// enforcer at once; a failure in the prefix (the caller's own sidecar is down, the
// gateway refuses) reaches the caller at once and is not retried by the enforcer,
// which never saw it. Answers the enforcer makes up itself (timeouts, overflow, no
// healthy upstream) reach the caller at once too: the prefix's way back is a
// fraction of a millisecond and is not charged to them.

extension TopologySimulation {
    // MARK: - Calls

    /// A new call: checks the caller's side, builds the prefix, starts the first try.
    mutating func startCall(_ c: Int) {
        let now = engine.now
        calls[c].measured = now >= measureStart
        cpBegin(c); if traces.on { traceCallStarted(c) }
        if calls[c].measured { metrics.services[Int(calls[c].service)].calls += 1 }
        // The caller's own sidecar is not up yet (startup race) or has crashed.
        let ci = Int(calls[c].callerInstance)
        if ci >= 0, instances[ci].outboundBlockedUntil > now, model.kind != .sidecarless, model.hasMesh {
            finishCall(c, .connectFailure, origin: .connectFailure)
            return
        }
        let cs = Int(calls[c].callerSidecar)
        if cs >= 0 && !proxies[cs].up {
            finishCall(c, .connectFailure, origin: .connectFailure)
            return
        }
        guard buildPrefix(c) else {
            finishCall(c, .noHealthyUpstream, origin: .noHealthyUpstream)
            return
        }
        depositRequest(c)
        startTry(c, first: true)
    }

    /// A try: the first walks the prefix, a retry starts at the enforcer.
    mutating func startTry(_ c: Int, first: Bool) {
        calls[c].tries += 1
        // Field by field: copying the whole record (prefix included) costs more than the try.
        let split = calls[c].prefixCount
        var t = Attempt()
        t.phase = .forward
        t.call = Int32(c)
        t.callGen = calls[c].gen
        t.policy = calls[c].policy
        t.enforcer = calls[c].enforcer
        t.upstream = calls[c].upstream
        t.key = calls[c].key &+ UInt64(calls[c].tries) &* 0x9E37_79B9_7F4A_7C15
        t.root = calls[c].root
        t.rootGen = calls[c].rootGen
        t.split = split
        t.nseg = split
        t.pos = first ? 0 : split
        t.segStart = engine.now
        let a = allocAttempt(t)
        let base = a * Self.maxSeg
        let pre = c * Self.maxPrefix
        for k in 0..<Int(split) { segs[base + k] = prefixSegs[pre + k] }
        calls[c].attempt = Int32(a)
        calls[c].attemptGen = attempts[a].gen
        advance(a)
    }

    /// Moves a try along its path until it has to wait for an event.
    mutating func advance(_ a: Int) {
        let base = a * Self.maxSeg
        while true {
            let phase = attempts[a].phase, pos = attempts[a].pos
            if phase == .forward {
                if pos == attempts[a].split && !attempts[a].dispatched {
                    if !enforcerSends(a) { return }
                    continue
                }
                if pos >= attempts[a].nseg { arriveAtApp(a); return }
                if !enterSegment(a, segs[base + Int(pos)]) { return }
                attempts[a].pos += 1
            } else if phase == .backward {
                if pos == attempts[a].split - 1 && !attempts[a].carriesAnswer { tryReturned(a); return }
                if pos < 0 { answerDelivered(a); return }
                if !enterSegment(a, segs[base + Int(pos)]) { return }
                attempts[a].pos -= 1
            } else {
                return
            }
        }
    }

    /// The try reached its enforcer on the way out: the route timeout starts with the first,
    /// then the circuit breakers admit it, queue it or overflow. True: go on at once.
    mutating func enforcerSends(_ a: Int) -> Bool {
        let c = Int(attempts[a].call)
        if !calls[c].routeTimerArmed {
            calls[c].routeTimerArmed = true
            var timeout = policies[Int(attempts[a].policy)].routeTimeout
            if let cap = model.maxTimeout, calls[c].route == .hub || calls[c].route == .edge { timeout = min(timeout, cap) }
            if timeout != .max {
                engine.scheduleTimer(after: timeout, kind: EK.routeTimeout, target: Int32(c), data: Int64(calls[c].gen))
            }
        }
        switch admitUpstream(a) {
        case .go:
            return dispatch(a)
        case .wait:
            attempts[a].phase = .pending
            attempts[a].segStart = engine.now
            return false
        case .overflow:
            countOverflow(a)
            tryFailed(a, .overflow)
            return false
        }
    }

    /// The enforcer picks a host and sends the try upstream. False when there is no host.
    mutating func dispatch(_ a: Int) -> Bool {
        let c = Int(attempts[a].call)
        let service = Int(calls[c].service)
        let avoid = calls[c].route != .direct ? Int(calls[c].lastInstance) : -1
        guard let inst = pickInstance(service, a, avoid: avoid) else {
            tryFailed(a, .noHealthyUpstream)
            return false
        }
        attempts[a].phase = .forward
        attempts[a].instance = Int32(inst)
        attempts[a].dispatched = true
        calls[c].lastInstance = Int32(inst)
        holdSlot(a, host: inst)
        buildUpstreamPath(a, c, instance: inst)
        let pi = Int(attempts[a].policy)
        let perTry = policies[pi].perTryTimeout
        if perTry != .max {
            engine.scheduleTimer(after: perTry, kind: EK.tryTimeout, target: Int32(a), data: Int64(attempts[a].gen))
        }
        if unreachable(a, c, instance: inst) {
            // The SYN goes unanswered: the try fails when the connect timeout gives up.
            attempts[a].phase = .connecting
            attempts[a].segStart = engine.now
            engine.scheduleTimer(after: policies[pi].connectTimeout, kind: EK.connectTimeout, target: Int32(a),
                            data: Int64(attempts[a].gen))
            return false
        }
        if usesMeshConnection(a) && !takeMeshConnection(a, host: inst) {
            startHandshake(a, host: inst)
            return false
        }
        return true
    }

    /// Whether nothing will answer a connection from the enforcer to `inst`: its node is
    /// down, or a partition lies between the enforcer's node and it. (A crashed process on a
    /// live node refuses at once instead: the kernel answers with a reset.)
    mutating func unreachable(_ a: Int, _ c: Int, instance inst: Int) -> Bool { // mutating: no copy of self per try
        let node = model.instances[inst].node
        if nodeDown[node] { return true }
        let from = calls[c].shared >= 0 ? model.proxies[Int(calls[c].shared)].node : Int(calls[c].callerNode)
        guard from >= 0, from != node else { return false }
        let zf = zoneOfNode[from], zt = zoneOfNode[node]
        return zf != zt && partitioned[zf * zoneCount + zt]
    }

    mutating func connectTimedOut(_ a: Int, _ gen: UInt32) {
        guard attempts[a].gen == gen, attempts[a].phase == .connecting else { return }
        failAttempt(a, .connectFailure)
    }

    /// A try that waited for a circuit-breaker slot got one (from another try's release).
    mutating func dispatchPending(_ a: Int) {
        if engine.now >= measureStart { metrics.hop(.queue, engine.now - attempts[a].segStart, measuring: true) }
        cpAdd(a, .queue)
        if dispatch(a) {
            // Resume by event: the release that freed the slot is still in progress.
            engine.schedule(after: 0, kind: EK.resume, target: Int32(a), data: Int64(attempts[a].gen))
        }
    }

    mutating func resume(_ a: Int, _ gen: UInt32) {
        guard attempts[a].gen == gen, attempts[a].phase == .forward else { return }
        advance(a)
    }

    // MARK: - Segments

    /// Starts one segment; returns true when it took no time (continue at once).
    mutating func enterSegment(_ a: Int, _ s: Seg) -> Bool {
        let now = engine.now
        attempts[a].segStart = now
        if s.proxy < 0 {
            let cls = wireClass(from: Int(s.from), to: Int(s.to))
            if cls == 2 {
                let zf = zoneOfNode[Int(s.from)], zt = zoneOfNode[Int(s.to)]
                if partitioned[zf * zoneCount + zt] {
                    // Packets are dropped, not refused: a request is lost on the way (the
                    // caller's timeouts end it); a response likewise.
                    hang(a)
                    return false
                }
                if attempts[a].phase == .forward && now >= measureStart {
                    metrics.services[Int(calls[Int(attempts[a].call)].service)].crossZone += 1
                }
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
        if proxies[p].faultErrors > 0, attempts[a].phase == .forward, proxyRng.uniform() < proxies[p].faultErrors {
            failAttempt(a, .appError) // an `errors` fault on a gateway replica: it answers 503 itself
            return false
        }
        if proxies[p].hop == .gateway, attempts[a].phase == .forward {
            let refused = admitAtGateway(a, p)
            if refused != .none {
                failAttempt(a, refused)
                return false
            }
        }
        settleReleases(p) // workers whose CPU work ended by now are free (ProxyWork.swift)
        switch proxies[p].station.arrive(Int64(a), at: now) {
        case .serve:
            attempts[a].atProxy = Int32(p)
            if !beginProxyWork(a, p) { freeWorkerNow(p) }
        case .queued:
            attempts[a].atProxy = Int32(p)
            attempts[a].queuedAtProxy = true
            ensureReleaseEvent(p)
        case .rejected:
            if now >= measureStart { metrics.roles[proxies[p].hop.rawValue].overflows += 1 }
            failAttempt(a, .queueFull)
        }
        return false
    }

    var zoneCount: Int { max(1, scenario.cluster.zones.count) }

    mutating func hopDone(_ a: Int, _ gen: UInt32) {
        guard attempts[a].gen == gen, attempts[a].phase != .hung else { return }
        let now = engine.now
        let s = segs[a * Self.maxSeg + Int(attempts[a].pos)]
        let segStart = attempts[a].segStart
        let measuring = now >= measureStart
        if s.proxy >= 0 {
            let p = Int(s.proxy)
            attempts[a].atProxy = -1
            let hop = proxies[p].hop
            metrics.hop(hop, now - segStart, measuring: measuring)
            cpAdd(a, hop); if traces.on { traceHop(a, hop, proxy: p, start: segStart) }
            if measuring { metrics.proxyCPUSeconds += proxies[p].cpuPerPass; metrics.proxyPasses[p] += 1 }
            let root = Int(attempts[a].root)
            if root >= 0 && calls[root].gen == attempts[a].rootGen { calls[root].hops += 1 }
            // Its worker is freed by the pass's own `proxyFree` (ProxyWork.swift), not here.
        } else {
            metrics.hop(.wire, now - segStart, measuring: measuring)
            cpAdd(a, .wire); if traces.on { traceHop(a, .wire, proxy: -1, start: segStart) }
        }
        if attempts[a].phase == .forward { attempts[a].pos += 1 } else { attempts[a].pos -= 1 }
        advance(a)
    }

    // MARK: - At the app

    mutating func arriveAtApp(_ a: Int) {
        let i = Int(attempts[a].instance)
        let now = engine.now
        if !instances[i].up {
            failAttempt(a, .connectFailure)
            return
        }
        // Over a pooled mesh connection the certificates were checked at its handshake.
        if !attempts[a].meshConn && handshakeCertificateFails(a, instance: i) {
            failAttempt(a, .tls)
            return
        }
        if plaintextRejected(a, instance: i) { failAttempt(a, .tls); return }
        let c = Int(attempts[a].call)
        if calls[c].measured { metrics.services[model.instances[i].service].attempts += 1 }
        if instances[i].hung {
            hang(a) // a `hang` fault: accepted, never answered; the caller's timeouts end it
            return
        }
        attempts[a].segStart = now
        attempts[a].epoch = instances[i].epoch
        switch apps[i].arrive(Int64(a), at: now) {
        case .serve:
            startService(a)
        case .queued:
            attempts[a].phase = .appQueue
        case .rejected:
            failAttempt(a, .queueFull)
        }
    }

    // `mutating` so that `self` is not copied per arrival (a non-mutating call from the hot path did).
    mutating func callerCertExpired(_ a: Int) -> Bool {
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
        cpAdd(a, .queue)
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
        guard attempts[a].gen == gen, attempts[a].phase != .hung else { return }
        metrics.hop(.app, engine.now - attempts[a].segStart, measuring: engine.now >= measureStart)
        let service = model.instances[Int(attempts[a].instance)].service
        cpAdd(a, .app, service: service)
        if traces.on { traceHop(a, .app, proxy: -1, start: attempts[a].segStart) }
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
        r.callerSidecar = adoption.meshed[i] ? Int32(model.instances[i].sidecar) : -1
        r.start = engine.now
        r.key = SplitMix64.mix(attempts[a].key &+ UInt64(slot + 1) &* 0xD1B5_4A32_D192_ED03)
        setInternalRoute(&r, callerService: model.instances[i].service, callerLibrary: model.instanceLibrary(i))
        activeRequests += 1
        startCall(allocCall(r))
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
        guard stationLive(i) else { return } // a crashed instance's station was emptied
        if let next = apps[i].depart(at: engine.now) {
            let n = Int(next)
            startService(n)
        }
    }

    // MARK: - Back at the enforcer

    /// The response reached the enforcer: it observes the host, then retries or answers.
    mutating func tryReturned(_ a: Int) {
        let f = attempts[a].failure
        let origin = attempts[a].origin == .none ? f : attempts[a].origin
        releaseConnection(a, closing: false) // the answer is in: the connection is free again
        releaseSlot(a)
        if attempts[a].orphan { freeAttempt(a); return }
        observeOutcome(a, f)
        decide(Int(attempts[a].call), attempts[a].callGen, f, origin: origin, carrier: a)
    }

    /// A try failed where it stands and the enforcer learns of it at once.
    mutating func tryFailed(_ a: Int, _ f: Failure) {
        let c = Int(attempts[a].call), callGen = attempts[a].callGen
        let orphan = attempts[a].orphan
        releaseSlot(a)
        freeAttempt(a)
        if orphan { return }
        decide(c, callGen, f, origin: f, carrier: nil)
    }

    /// The enforcer's decision on a try's outcome: a retry after back-off, or the answer.
    /// `carrier`: the try that brought the response back, which then carries the answer
    /// through the prefix (nil: the answer reaches the caller at once).
    mutating func decide(_ c: Int, _ callGen: UInt32, _ f: Failure, origin: Failure, carrier: Int?) {
        guard calls[c].gen == callGen, !calls[c].decided else {
            if let a = carrier { freeAttempt(a) }
            return
        }
        releaseRetrySlot(c)
        calls[c].attempt = -1
        if f != .none && scheduleRetry(c, f) {
            if let a = carrier { freeAttempt(a) }
            return
        }
        calls[c].decided = true
        if let a = carrier {
            attempts[a].carriesAnswer = true
            attempts[a].failure = f
            attempts[a].origin = origin
            advance(a)
        } else {
            finishCall(c, f, origin: origin)
        }
    }

    /// The answer reached the caller.
    mutating func answerDelivered(_ a: Int) {
        let c = Int(attempts[a].call), callGen = attempts[a].callGen
        let f = attempts[a].failure, origin = attempts[a].origin
        freeAttempt(a)
        guard calls[c].gen == callGen else { return }
        finishCall(c, f, origin: origin == .none ? f : origin)
    }

    /// Fails a try where it stands: resources it holds are released, and whoever is
    /// responsible for it learns at once (the enforcer if it passed it, else the caller).
    mutating func failAttempt(_ a: Int, _ f: Failure) {
        cpCut(a)
        releaseConnection(a, closing: f == .reset || f == .connectFailure || f == .timeout)
        let att = attempts[a]
        let now = engine.now
        if att.instance >= 0 && att.dispatched && !att.carriesAnswer {
            let i = Int(att.instance)
            switch att.phase {
            case .appQueue: if stationLive(i) { _ = apps[i].withdraw(Int64(a), at: now) }
            case .appService, .calling: releaseApp(i)
            default: break
            }
        }
        if att.atProxy >= 0, proxies[Int(att.atProxy)].up {
            let p = Int(att.atProxy)
            // A try that waited for a worker leaves the queue; one in its pass leaves its
            // worker to finish the CPU work already under way (ProxyWork.swift).
            if att.queuedAtProxy { _ = proxies[p].station.withdraw(Int64(a), at: now) }
            attempts[a].atProxy = -1
        }
        if att.phase == .pending { unlinkPending(a) }
        if att.dispatched && !att.carriesAnswer {
            // Outlier detection blames the host for what happened at or on the way to it.
            let atHost = att.phase != .forward || att.pos >= att.nseg
            if !att.orphan, atHost || f == .connectFailure || f == .reset || f == .tls {
                observeOutcome(a, f)
            }
            tryFailed(a, f)
            return
        }
        // In the prefix: the enforcer never had it (or had already answered).
        let c = Int(att.call), callGen = att.callGen
        releaseSlot(a)
        freeAttempt(a)
        if att.orphan || calls[c].gen != callGen { return }
        calls[c].decided = true
        releaseRetrySlot(c)
        finishCall(c, f, origin: f)
    }

    // MARK: - The caller has its answer

    /// The call is over: counted, and its caller (a parent try, or the traffic source) told.
    mutating func finishCall(_ c: Int, _ f: Failure, origin: Failure) {
        let now = engine.now
        releaseRetrySlot(c)
        activeRequests -= 1
        let s = Int(calls[c].service)
        if calls[c].measured {
            // A root's success counts in the requests' latency (`finishRoot`) when its first
            // cause is none too: then that record stands for this one.
            metrics.finishedCall(service: s, failure: origin == .none ? f : origin, ok: f == .none,
                                 latency: now - calls[c].start,
                                 inRequestLatency: calls[c].parent < 0 && f == .none && origin == .none)
        }
        if f != .none && now >= measureStart { metrics.callFailed(at: now) }
        cpFinished(c, ok: f == .none); if traces.on { traceCallFinished(c, f, origin: origin == .none ? f : origin) }
        let parent = Int(calls[c].parent)
        if parent < 0 {
            finishRoot(c, origin == .none ? f : origin)
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
            scheduleClientSend(k, client: Int(client), after: start)
        }
    }
}

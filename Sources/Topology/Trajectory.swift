import SimCore

// What the event-trajectory fingerprint sees of each event besides its time and kind:
// the entity it acts on and its outcome (docs/ci.md, "Fingerprints").
//
// Entities are what a reader of the model can name: an app instance, a proxy, a wire
// between two nodes, a traffic source, a fault. Attempt and call slots are not: which
// pool slot a request occupies is bookkeeping nobody observes, so hashing `target`
// (a slot) would flag a change of free-list order as a change of behaviour and still
// miss a request routed to another instance through the same slot.
//
// The outcome is read when the event fires, before its handler runs: whether the event
// is still current (its slot's generation unchanged) or superseded and ignored, and for
// an app's service completion whether the app failed it.

extension TopologySimulation {
    /// Entity namespaces in the top byte, so that instance 3 and proxy 3 differ.
    enum TrajectoryEntity {
        static let none: Int32 = 0
        static func instance(_ i: Int32) -> Int32 { 1 << 24 | (i & 0xFF_FFFF) }
        static func proxy(_ p: Int32) -> Int32 { 2 << 24 | (p & 0xFF_FFFF) }
        /// A wire from node to node (-1: outside the cluster).
        static func wire(_ from: Int16, _ to: Int16) -> Int32 { 3 << 24 | (Int32(from) + 1) << 12 | (Int32(to) + 1) & 0xFFF }
        static func source(_ k: Int32) -> Int32 { 4 << 24 | (k & 0xFF_FFFF) }
        static func fault(_ i: Int32) -> Int32 { 5 << 24 | (i & 0xFF_FFFF) }
    }

    /// Outcome codes: a superseded event, or a current one (+ the app's failure, if any).
    enum TrajectoryOutcome {
        static let superseded: Int32 = -1
        static let current: Int32 = 0
    }

    /// Records the event `next` just returned into the engine's fingerprint.
    @inline(__always)
    mutating func recordTrajectory(_ e: Event) {
        let p = trajectoryPoint(e)
        engine.record(entity: p.entity, outcome: p.outcome)
    }

    /// The entity an event acts on and its outcome, read before its handler runs.
    // `mutating` only so that `self` is passed in place: a non-mutating call from the event
    // loop copied the whole simulation (~3 KB) per event.
    // Inlined into the event loop: the handler reads the same records right after.
    @inline(__always) mutating func trajectoryPoint(_ e: Event) -> (entity: Int32, outcome: Int32) {
        typealias E = TrajectoryEntity
        let gen = UInt32(truncatingIfNeeded: e.data)
        switch e.kind {
        case EK.hopDone:
            let a = Int(e.target)
            guard attempts[a].gen == gen else { return (E.none, TrajectoryOutcome.superseded) }
            let s = segs[a * Self.maxSeg + Int(attempts[a].pos)]
            return (s.proxy >= 0 ? E.proxy(s.proxy) : E.wire(s.from, s.to), TrajectoryOutcome.current)
        case EK.serviceDone:
            let a = Int(e.target)
            guard attempts[a].gen == gen else { return (E.none, TrajectoryOutcome.superseded) }
            return (E.instance(attempts[a].instance), Int32(attempts[a].failure.rawValue))
        case EK.tryTimeout, EK.resume:
            let a = Int(e.target)
            guard attempts[a].gen == gen else { return (E.none, TrajectoryOutcome.superseded) }
            return (E.instance(attempts[a].instance), TrajectoryOutcome.current)
        case EK.routeTimeout, EK.retry:
            // The host the call last went to: a retry or timeout of a call routed elsewhere differs.
            let c = Int(e.target)
            guard calls[c].gen == gen, calls[c].live, !calls[c].decided else { return (E.none, TrajectoryOutcome.superseded) }
            return (E.instance(calls[c].lastInstance), TrajectoryOutcome.current)
        case EK.arrival, EK.clientSend:
            return (E.source(e.target), TrajectoryOutcome.current)
        case EK.proxyFree:
            let p = Int(e.target)
            guard proxies[p].epoch == gen else { return (E.none, TrajectoryOutcome.superseded) }
            return (E.proxy(e.target), TrajectoryOutcome.current)
        case EK.faultStart, EK.faultEnd:
            return (E.fault(e.target), TrajectoryOutcome.current)
        case EK.certRotate, EK.recover:
            return (E.instance(e.target), TrajectoryOutcome.current)
        default:
            // Window ticks, health-check sweeps, the end of warm-up: time and kind say it all.
            return (E.none, TrajectoryOutcome.current)
        }
    }
}

import DequeModule

/// The discrete-event kernel: a clock, an event queue and a trajectory fingerprint.
///
/// A model owns an `Engine` and runs `while let e = engine.next(until:) { switch e.kind ... }`:
/// dispatch is a switch over integer kinds, so there is no closure, allocation
/// or reference counting per event. After `next` the model says where the event
/// happened and what came of it with `record(entity:outcome:)`, so that the
/// fingerprint sees routing as well as timing.
///
/// Timeouts go to `scheduleTimer(after:...)`: timers of one duration are set in time order
/// (now + d, with now never going back), so each duration keeps a FIFO lane and only the
/// lanes' heads compete with the heap (TimerLanes below). A timeout costs an append and a
/// pop at the front instead of a heap push and pop, and the many timeouts that are dead by
/// the time they fire (the try answered long before) no longer deepen the heap. Events
/// still come out in exactly (time, seq) order, the order they would have had in the heap:
/// trajectories and fingerprints are unchanged.
public struct Engine: Sendable {
    @usableFromInline var _now: SimTime = 0
    @usableFromInline var queue = EventQueue()
    @usableFromInline var timers = TimerLanes()
    @usableFromInline var nextSeq: UInt64 = 0
    @usableFromInline var _events: UInt64 = 0
    @usableFromInline var _fingerprint = Fingerprint()

    @inlinable public var now: SimTime { _now }
    @inlinable public var eventsProcessed: UInt64 { _events }
    @inlinable public var fingerprint: Fingerprint { _fingerprint }

    public init() {}

    /// Events scheduled and not yet returned by `next`, timers included.
    @inlinable public var pending: Int { queue.count + timers.count }

    /// Schedules at an absolute time; times in the past are clamped to now.
    @inlinable
    public mutating func schedule(at time: SimTime, kind: Int32, target: Int32 = 0, data: Int64 = 0) {
        queue.push(Event(time: Swift.max(time, now), seq: nextSeq, kind: kind, target: target, data: data))
        nextSeq &+= 1
    }

    @inlinable
    public mutating func schedule(after delay: SimTime, kind: Int32, target: Int32 = 0, data: Int64 = 0) {
        schedule(at: now &+ delay, kind: kind, target: target, data: data)
    }

    /// A timer: the event `delay` from now, like `schedule(after:)` (same order among
    /// events, same sequence number), kept in its duration's FIFO lane. For delays the
    /// model reuses (a policy's timeouts). A delay of 0 or less, or one that would run past
    /// the end of time (now + delay overflows), goes to the heap exactly as
    /// `schedule(after:)` would take it.
    @inlinable
    public mutating func scheduleTimer(after delay: SimTime, kind: Int32, target: Int32 = 0, data: Int64 = 0) {
        let time = now &+ delay
        guard delay > 0, time > now, let lane = timers.lane(for: delay) else {
            schedule(after: delay, kind: kind, target: target, data: data)
            return
        }
        timers.push(Event(time: time, seq: nextSeq, kind: kind, target: target, data: data), lane: lane)
        nextSeq &+= 1
    }

    /// Pops the earliest event at or before `limit`, advancing the clock to it.
    /// Returns nil (clock set to `limit`) when none is due by then.
    // Inlined into the model's event loop (as the heap-only version was): the lane check
    // is one comparison while no timer is pending, and the lane work is out of line.
    @inlinable @inline(__always)
    public mutating func next(until limit: SimTime = .max) -> Event? {
        let e: Event
        if timers.earliest >= 0 && timers.firstPrecedes(queue.min) {
            guard let t = timers.popFirst(ifNotAfter: limit) else { return idle(until: limit) }
            e = t
        } else {
            guard let h = queue.pop(ifNotAfter: limit) else { return idle(until: limit) }
            e = h
        }
        _now = e.time
        _events &+= 1
        _fingerprint.add(time: e.time, kind: e.kind)
        return e
    }

    @usableFromInline @inline(never)
    mutating func idle(until limit: SimTime) -> Event? {
        if limit != .max, limit > _now { _now = limit }
        return nil
    }

    /// Folds where the event just returned by `next` happened and what came of it
    /// into the fingerprint. Both numbers are opaque to the engine: a model passes
    /// the id of the entity the event acts on (a station, a host, a proxy; not a
    /// pool slot, whose number nobody observes) and a code for its outcome (for
    /// instance whether it was still current or had been superseded). Events a
    /// model does not record count by (time, kind) alone.
    @inlinable @inline(__always)
    public mutating func record(entity: Int32, outcome: Int32) {
        _fingerprint.add(entity: entity, outcome: outcome)
    }
}

/// A running hash of every event's (time, kind) and, where the model records them,
/// the entity it happened at and its outcome, as OMNeT++ fingerprints hash time
/// and module: a change in timing or in where events happen (a request routed to
/// another host at the same instants) changes it, even when averages do not move.
public struct Fingerprint: Sendable, Equatable, CustomStringConvertible {
    @usableFromInline var _value: UInt64 = 0xCBF2_9CE4_8422_2325
    @inlinable public var value: UInt64 { _value }

    public init() {}

    @inlinable @inline(__always)
    public mutating func add(time: SimTime, kind: Int32) {
        var h = _value ^ UInt64(bitPattern: time)
        h = (h ^ (h >> 32)) &* 0x9E37_79B9_7F4A_7C15
        h ^= UInt64(UInt32(bitPattern: kind))
        _value = (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9
    }

    /// Mixes an event's entity and outcome (two 32-bit values, one 64-bit word).
    @inlinable @inline(__always)
    public mutating func add(entity: Int32, outcome: Int32) {
        var h = _value ^ (UInt64(UInt32(bitPattern: entity)) << 32 | UInt64(UInt32(bitPattern: outcome)))
        h = (h ^ (h >> 31)) &* 0x94D0_49BB_1331_11EB
        _value = h ^ (h >> 29)
    }

    public var description: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

/// FIFO lanes of timers, one per duration: events scheduled at now + d for a fixed d arrive
/// in (time, seq) order, so a lane is sorted by construction and its head is its earliest.
/// `first` is the earliest head over all lanes (kept up to date on each push and pop: a
/// scan of the few lanes' heads when the earliest lane moves).
///
/// The number of lanes is bounded (`maxLanes`): a model with more distinct timeout
/// durations sends the rest to the heap, which orders them just as well.
public struct TimerLanes: Sendable {
    /// The most lanes kept; a model's distinct timeout durations (route, per-try and
    /// connect timeouts per policy) are a handful.
    public static let maxLanes = 16
    @usableFromInline var durations: [SimTime] = []
    @usableFromInline var lanes: [Deque<Event>] = []
    /// The lane whose head is earliest (-1: every lane is empty).
    @usableFromInline var earliest = -1
    @usableFromInline var _count = 0

    public init() {}

    @inlinable public var count: Int { _count }

    /// The earliest timer, if any.
    @inlinable public var first: Event? { earliest >= 0 ? lanes[earliest].first : nil }

    /// The lane of timers of duration `d`, made on first use; nil when `maxLanes` are taken.
    @inlinable
    mutating func lane(for d: SimTime) -> Int? {
        // Linear: a handful of lanes, and the same one asked for again and again.
        for i in durations.indices where durations[i] == d { return i }
        guard durations.count < Self.maxLanes else { return nil }
        durations.append(d)
        lanes.append(Deque(minimumCapacity: 256))
        return durations.count - 1
    }

    /// Appends to lane `i`; `e` must not precede the lane's last event (now + d, now monotone).
    @inlinable
    mutating func push(_ e: Event, lane i: Int) {
        let wasEmpty = lanes[i].isEmpty
        lanes[i].append(e)
        _count += 1
        if wasEmpty, earliest < 0 || Event.precedes(e, lanes[earliest].first!) { earliest = i }
    }

    /// Whether the earliest timer (which must exist) comes before the heap's earliest event.
    @inlinable @inline(__always)
    func firstPrecedes(_ other: Event?) -> Bool {
        guard let o = other else { return true }
        return Event.precedes(lanes[earliest].first!, o)
    }

    /// Removes and returns `first` (which must exist) if it is due at or before `limit`.
    @usableFromInline @inline(never)
    mutating func popFirst(ifNotAfter limit: SimTime) -> Event? {
        guard lanes[earliest].first!.time <= limit else { return nil }
        let e = lanes[earliest].removeFirst()
        _count -= 1
        var best = -1
        var bestEvent = Event(time: .max, seq: .max, kind: 0, target: 0, data: 0)
        for i in lanes.indices {
            if let h = lanes[i].first, best < 0 || Event.precedes(h, bestEvent) { best = i; bestEvent = h }
        }
        earliest = best
        return e
    }
}

/// The discrete-event kernel: a clock, an event queue and a trajectory fingerprint.
///
/// A model owns an `Engine` and runs `while let e = engine.next(until:) { switch e.kind ... }`:
/// dispatch is a switch over integer kinds, so there is no closure, allocation
/// or reference counting per event. After `next` the model says where the event
/// happened and what came of it with `record(entity:outcome:)`, so that the
/// fingerprint sees routing as well as timing.
public struct Engine: Sendable {
    @usableFromInline var _now: SimTime = 0
    @usableFromInline var queue = EventQueue()
    @usableFromInline var nextSeq: UInt64 = 0
    @usableFromInline var _events: UInt64 = 0
    @usableFromInline var _fingerprint = Fingerprint()

    @inlinable public var now: SimTime { _now }
    @inlinable public var eventsProcessed: UInt64 { _events }
    @inlinable public var fingerprint: Fingerprint { _fingerprint }

    public init() {}

    @inlinable public var pending: Int { queue.count }

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

    /// Pops the earliest event at or before `limit`, advancing the clock to it.
    /// Returns nil (clock set to `limit`) when none is due by then.
    @inlinable
    public mutating func next(until limit: SimTime = .max) -> Event? {
        guard let e = queue.pop(ifNotAfter: limit) else {
            if limit != .max, limit > _now { _now = limit }
            return nil
        }
        _now = e.time
        _events &+= 1
        _fingerprint.add(time: e.time, kind: e.kind)
        return e
    }

    /// Folds where the event just returned by `next` happened and what came of it
    /// into the fingerprint. Both numbers are opaque to the engine: a model passes
    /// the id of the entity the event acts on (a station, a host, a proxy; not a
    /// pool slot, whose number nobody observes) and a code for its outcome (for
    /// instance whether it was still current or had been superseded). Events a
    /// model does not record count by (time, kind) alone.
    @inlinable
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

/// The discrete-event kernel: a clock, an event queue and a trajectory fingerprint.
///
/// A model owns an `Engine` and runs `while let e = engine.next(until:) { switch e.kind ... }`:
/// dispatch is a switch over integer kinds, so there is no closure, allocation
/// or reference counting per event.
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
}

/// A running hash of every event's (time, kind), as OMNeT++ fingerprints do:
/// any change in the event trajectory changes it, even when averages barely move.
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

    public var description: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

import DequeModule

/// A queueing station: `workers` servers in parallel and a FIFO waiting room
/// of `capacity` places. An arrival that finds every worker busy and the room
/// full is rejected (the caller decides what a rejection means).
///
/// The station holds customer ids only; service times are drawn by the model
/// from its own random stream so that streams stay aligned across models.
public struct Station: Sendable {
    public let workers: Int
    public let capacity: Int
    public private(set) var busy: Int = 0
    @usableFromInline var waiting = Deque<Int64>()
    public private(set) var arrivals: UInt64 = 0
    public private(set) var rejections: UInt64 = 0
    public private(set) var busyArea = TimeWeighted()
    public private(set) var queueArea = TimeWeighted()

    /// `workers` or `capacity` of `Int.max` means unlimited.
    public init(workers: Int, capacity: Int) {
        precondition(workers > 0 && capacity >= 0)
        self.workers = workers
        self.capacity = capacity
    }

    public enum Admission: Sendable, Equatable { case serve, queued, rejected }

    public var queueLength: Int { waiting.count }
    public var isSaturated: Bool { busy >= workers }

    /// A customer arrives: start service now, wait, or be turned away.
    public mutating func arrive(_ customer: Int64, at now: SimTime) -> Admission {
        arrivals &+= 1
        if busy < workers {
            busyArea.update(value: Double(busy), at: now)
            busy += 1
            return .serve
        }
        if waiting.count < capacity {
            queueArea.update(value: Double(waiting.count), at: now)
            waiting.append(customer)
            return .queued
        }
        rejections &+= 1
        return .rejected
    }

    /// A customer finishes service. Returns the next customer to start (it
    /// keeps the freed worker) or nil when the queue is empty.
    public mutating func depart(at now: SimTime) -> Int64? {
        if let next = waiting.popFirst() {
            queueArea.update(value: Double(waiting.count + 1), at: now)
            return next
        }
        busyArea.update(value: Double(busy), at: now)
        busy -= 1
        return nil
    }

    /// Removes a waiting customer (it gave up, e.g. a timeout); O(queue length).
    public mutating func withdraw(_ customer: Int64, at now: SimTime) -> Bool {
        guard let i = waiting.firstIndex(of: customer) else { return false }
        queueArea.update(value: Double(waiting.count), at: now)
        waiting.remove(at: i)
        return true
    }

    /// Drops every waiting customer and returns them (the station failed).
    public mutating func drainQueue(at now: SimTime) -> [Int64] {
        queueArea.update(value: Double(waiting.count), at: now)
        let all = Array(waiting)
        waiting.removeAll()
        return all
    }

    /// Empties the station (it failed): every worker freed, every waiting customer dropped.
    public mutating func clear(at now: SimTime) {
        busyArea.update(value: Double(busy), at: now)
        queueArea.update(value: Double(waiting.count), at: now)
        busy = 0
        waiting.removeAll()
    }

    /// Mean busy workers and mean queue length since `start`.
    public func utilisation(from start: SimTime, to now: SimTime) -> (busy: Double, queue: Double) {
        (busyArea.mean(from: start, to: now, current: Double(busy)),
         queueArea.mean(from: start, to: now, current: Double(waiting.count)))
    }

    /// Forgets accumulated areas (end of warm-up).
    public mutating func resetStatistics(at now: SimTime) {
        busyArea = TimeWeighted(start: now)
        queueArea = TimeWeighted(start: now)
        arrivals = 0
        rejections = 0
    }
}

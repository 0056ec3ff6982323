/// An open tandem network of stations fed by Poisson arrivals: the textbook
/// models (M/M/1, M/M/c, M/D/1, M/G/1, Jackson tandems) the engine is
/// validated against, and the path `make bench` times.
public struct TandemNetwork: Sendable {
    public struct StationSpec: Sendable {
        public var workers: Int
        public var capacity: Int
        public var service: Distribution
        public init(workers: Int, capacity: Int = .max, service: Distribution) {
            self.workers = workers; self.capacity = capacity; self.service = service
        }
    }

    public struct Result: Sendable {
        /// Time in system of the measured customers.
        public var sojourn: LatencyStats
        public var completed: Int
        public var rejected: Int
        public var events: UInt64
        public var fingerprint: Fingerprint
        public var endTime: SimTime
        /// Mean busy workers per station over the whole run.
        public var busy: [Double]
    }

    /// Mean interarrival time in nanoseconds.
    public var interarrival: Double
    public var stations: [StationSpec]

    public init(arrivalsPerSecond: Double, stations: [StationSpec]) {
        precondition(arrivalsPerSecond > 0 && !stations.isEmpty)
        interarrival = 1e9 / arrivalsPerSecond
        self.stations = stations
    }

    enum Kind: Int32 { case arrival = 0, completion = 1 }

    /// Runs `customers` arrivals; the first `warmup` are simulated but not measured.
    public func run(customers: Int, warmup: Int = 0, seed: UInt64) -> Result {
        var engine = Engine()
        var arrivalStream = RandomStream(seed: seed, stream: 0)
        var serviceStreams = (0..<stations.count).map { RandomStream(seed: seed, stream: UInt64($0 + 1)) }
        var queues = stations.map { Station(workers: $0.workers, capacity: $0.capacity) }
        let services = stations.map(\.service)
        let interarrival = Distribution.exponential(mean: interarrival)

        // Customers in the system live in reusable slots: memory follows the
        // number in system, not the number served.
        var arrivedAt: [SimTime] = []
        var number: [Int] = []
        var free: [Int] = []
        var sojourn = LatencyStats()
        var generated = 0, completed = 0, rejected = 0

        func allocate(_ t: SimTime, _ n: Int) -> Int {
            if let s = free.popLast() { arrivedAt[s] = t; number[s] = n; return s }
            arrivedAt.append(t); number.append(n)
            return arrivedAt.count - 1
        }

        engine.schedule(at: interarrival.sample(&arrivalStream), kind: Kind.arrival.rawValue)
        while let e = engine.next() {
            let now = engine.now
            var customer: Int
            var station: Int
            if e.kind == Kind.arrival.rawValue {
                customer = allocate(now, generated)
                generated += 1
                if generated < customers {
                    engine.schedule(after: interarrival.sample(&arrivalStream), kind: Kind.arrival.rawValue)
                }
                station = 0
            } else {
                let s = Int(e.target)
                // The station is the entity; the customer's slot number is nobody's business.
                engine.record(entity: e.target, outcome: 0)
                customer = Int(e.data)
                if let next = queues[s].depart(at: now) {
                    engine.schedule(after: services[s].sample(&serviceStreams[s]), kind: Kind.completion.rawValue,
                                    target: Int32(s), data: next)
                }
                station = s + 1
                if station == queues.count {
                    if number[customer] >= warmup { sojourn.record(now - arrivedAt[customer]) }
                    completed += 1
                    free.append(customer)
                    continue
                }
            }
            switch queues[station].arrive(Int64(customer), at: now) {
            case .serve:
                engine.schedule(after: services[station].sample(&serviceStreams[station]),
                                kind: Kind.completion.rawValue, target: Int32(station), data: Int64(customer))
            case .queued:
                break
            case .rejected:
                rejected += 1
                free.append(customer)
            }
        }
        let end = engine.now
        return Result(sojourn: sojourn, completed: completed, rejected: rejected, events: engine.eventsProcessed,
                      fingerprint: engine.fingerprint, endTime: end,
                      busy: queues.map { $0.utilisation(from: 0, to: end).busy })
    }
}

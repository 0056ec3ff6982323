import Calibration
import Foundation
import SimCore

// One method per section of the file. Sections are parsed in dependency
// order (cluster and service names first) so later sections can resolve names.

extension ScenarioParser {
    func parseDocument() -> Scenario? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            error(.start, "the file is empty; a scenario needs at least scenario:, duration:, services:, traffic: and topologies:")
            return nil
        }
        let root: YNode
        switch YAMLComposer.compose(text) {
        case .failure(let e):
            error(e.pos, e.message)
            return nil
        case .success(nil):
            error(.start, "the file holds only comments; a scenario needs at least scenario:, duration:, services:, traffic: and topologies:")
            return nil
        case .success(let r?):
            let before = diagnostics.count
            root = sets.isEmpty ? r : applyOverrides(r)
            if diagnostics.count > before { return nil }
        }
        guard case .mapping = root else {
            error(root.pos, "a scenario must be a mapping of keys (scenario:, duration:, services:, ...), not \(root.kindName)")
            return nil
        }
        guard let f = fields(root, "the scenario", allowed: Self.topKeys) else { return nil }

        func required(_ k: String, _ hint: String) -> YNode? {
            if let n = f[k] { return n }
            error(f.pos, "missing required key '\(k)' (\(hint))")
            return nil
        }

        let name = required("scenario", "the scenario's name").flatMap { string($0, "'scenario'") }
        let description = f["description"].flatMap { string($0, "'description'", lineBreaks: true) } ?? ""
        var seed: UInt64 = 1
        if let n = f["seed"], let s = scalar(n, "'seed'") {
            if let v = UInt64(s.value.trimmingCharacters(in: .whitespaces)) { seed = v } else {
                error(s.pos, "'seed' must be a whole number from 0 to \(UInt64.max), not '\(s.value)'")
            }
        }
        let duration = durationOverride(required("duration", "the measured simulated time, e.g. duration: 10m")
            .flatMap { self.duration($0, "'duration'", positive: true) })
        let warmup = f["warmup"].map { self.duration($0, "'warmup'") } ?? 0
        if let d = duration, let w = warmup, w >= d {
            error(f["warmup"]!.pos, "'warmup' (\(String.duration(w))) must be shorter than 'duration' (\(String.duration(d))\(durationSource))"
                  + (overrides.duration == nil ? "" : "; give a --duration longer than \(String.duration(w))"))
        }
        let replications = replicationsOverride(
            f["replications"].map { int($0, "'replications'", min: 1, max: Limits.maxReplications) } ?? 1)
        // Default: 1s, or the whole run when it is shorter.
        let window = f["window"].map { self.duration($0, "'window'", positive: true) }
            ?? min(Nanos.perSecond, duration ?? Nanos.perSecond)
        if let d = duration, let w = window, w > d {
            error(f["window"]!.pos, "'window' (\(String.duration(w))) is longer than 'duration' (\(String.duration(d)))")
        }

        let cluster = f["cluster"].map { parseCluster($0) } ?? Cluster()

        // Service names first, so calls and targets resolve whatever the order.
        var serviceNodes: [(name: String, key: Pos, value: YNode)] = []
        if let n = required("services", "the applications and their call graph") {
            if let ps = pairs(n, "'services'") {
                serviceNodes = ps
                if ps.isEmpty { error(n.pos, "'services' needs at least one service") }
            }
        }
        let names = serviceNodes.map(\.name)
        var services: [Service] = []
        var edges: [[(to: Int, pos: Pos)]] = []
        for s in serviceNodes {
            checkServiceName(s.name, s.key)
            let (svc, es) = parseService(s.name, s.key, s.value, names: names, cluster: cluster)
            services.append(svc ?? Service(name: s.name, serviceTime: .constant(0)))
            edges.append(es)
        }
        checkCycles(names: names, edges: edges)

        var traffic: [TrafficSource] = []
        if let n = required("traffic", "the load, e.g. a list of { to: frontend, rate: 100/s }"),
           let items = list(n, "'traffic'") {
            if items.isEmpty { error(n.pos, "'traffic' needs at least one source") }
            var seen: [String: Pos] = [:]
            for (i, item) in items.enumerated() {
                guard let t = parseTraffic(item, index: i, names: names, duration: duration) else { continue }
                if let p = seen[t.name] {
                    error(item.pos, "traffic source name '\(t.name)' is used twice (first at \(p.line):\(p.column))")
                }
                seen[t.name] = item.pos
                traffic.append(t)
            }
        }

        let policies = f["policies"].flatMap { parsePolicies($0, "'policies'") } ?? Policies()
        let controlPlane = f["control_plane"].flatMap { parseControlPlane($0) } ?? ControlPlane()
        let cost = f["cost"].flatMap { parseCost($0) } ?? CostPrices()

        var topologies: [TopologySpec] = []
        if let n = required("topologies", "what is compared, e.g. - { name: direct, kind: none }"),
           let items = list(n, "'topologies'") {
            if items.isEmpty { error(n.pos, "'topologies' needs at least one topology") }
            var seen: [String: Pos] = [:]
            for item in items {
                guard let t = parseTopology(item) else { continue }
                if let p = seen[t.name] {
                    error(item.pos, "topology name '\(t.name)' is used twice (first at \(p.line):\(p.column))")
                    continue
                }
                seen[t.name] = item.pos
                topologies.append(t)
            }
        }

        var faults: [Fault] = []
        if let n = f["faults"], let items = list(n, "'faults'") {
            for item in items {
                if let ft = parseFault(item, names: names, services: services, cluster: cluster,
                                       topologies: topologies, duration: duration) {
                    faults.append(ft)
                }
            }
        }

        var expectations: [Expectation] = []
        if let n = f["expect"], let items = list(n, "'expect'") {
            // Names of invalid topologies count too: one mistake, one message.
            var topoNames = topologies.map(\.name)
            if let tn = f["topologies"], case .sequence(let items, _) = tn {
                for case .mapping(let ps, _) in items {
                    for p in ps {
                        if case .scalar(let k) = p.key, k.value == "name", case .scalar(let v) = p.value,
                           !topoNames.contains(v.value) {
                            topoNames.append(v.value)
                        }
                    }
                }
            }
            for item in items {
                guard case .scalar(let s) = item, !s.isNull else {
                    error(item.pos, "an expectation is one line of text, e.g. \"mesh.p99 < 60ms\", not \(item.kindName)")
                    continue
                }
                switch ExpectationParser.parse(s.value, topologies: topoNames, services: names, duration: duration) {
                case .success(var e):
                    e.line = s.pos.line; e.column = s.pos.column
                    expectations.append(e)
                case .failure(let e):
                    var pos = s.pos
                    if s.singleLine { pos.column += e.offset + (s.quoted ? 1 : 0) }
                    error(pos, e.message, suggestion: e.suggestion)
                }
            }
        }

        guard diagnostics.isEmpty, let name, let duration, let warmup, let replications, let window else {
            return nil
        }
        var scenario = Scenario(name: name, description: description, seed: seed, duration: duration, warmup: warmup,
                                replications: replications, window: window, cluster: cluster, services: services,
                                traffic: traffic, policies: policies, controlPlane: controlPlane, topologies: topologies,
                                faults: faults, expectations: expectations, sourcePath: nil, sourceText: text)
        scenario.cost = cost
        scenario.parseNotes = notes
        checkLimits(scenario, top: f)
        return diagnostics.isEmpty ? scenario : nil
    }

    // MARK: Cluster

    func parseCluster(_ n: YNode) -> Cluster {
        var c = Cluster()
        guard let f = fields(n, "'cluster'", allowed: Self.clusterKeys) else { return c }
        if let v = f["nodes"], let i = int(v, "'nodes'", min: 1, max: 10_000) { c.nodes = i }
        if let v = f["zones"], let items = list(v, "'zones'") {
            zonesWritten = true
            var zones: [String] = []
            for item in items {
                guard let z = string(item, "a zone name") else { continue }
                if zones.contains(z) { error(item.pos, "zone '\(z)' is listed twice"); continue }
                if z.contains("/") || z.contains(where: \.isWhitespace) {
                    error(item.pos, "zone name '\(z)' may not contain '/' or spaces"); continue
                }
                if z.hasPrefix("node-") { error(item.pos, "zone name '\(z)' looks like a node name (node-N)"); continue }
                zones.append(z)
            }
            if items.isEmpty { error(v.pos, "'zones' needs at least one zone") }
            if !zones.isEmpty { c.zones = zones }
            if zones.count > c.nodes, f.has("nodes") || zones.count > 1 {
                error(v.pos, "\(zones.count) zones but only \(c.nodes) node\(c.nodes == 1 ? "" : "s"): "
                    + "nodes are dealt over zones, so some zones would be empty")
            }
        }
        if let v = f["clusters"], let i = int(v, "'clusters'", min: 1, max: 100) {
            c.clusters = i
            if i > c.nodes { error(v.pos, "\(i) clusters but only \(c.nodes) nodes: every cluster needs a node") }
        }
        if let v = f["network"], let nf = fields(v, "'network'", allowed: Self.networkKeys) {
            if let x = nf["same_node"], let d = distribution(x, "'same_node'") { c.network.sameNode = d }
            if let x = nf["same_zone"], let d = distribution(x, "'same_zone'") { c.network.sameZone = d }
            if let x = nf["cross_zone"], let d = distribution(x, "'cross_zone'") { c.network.crossZone = d }
            if let x = nf["external"], let d = distribution(x, "'external'") { c.network.external = d }
            if let x = nf["cross_cluster"], let d = distribution(x, "'cross_cluster'") { c.network.crossCluster = d }
        }
        if let v = f["east_west"] { c.eastWest = parseProxy(v, "'east_west'") }
        return c
    }

    // MARK: Services

    func checkServiceName(_ name: String, _ pos: Pos) {
        if let bad = name.unicodeScalars.first(where: ControlCharacters.isControl) {
            error(pos, "service name '\(name)' contains the control character \(ControlCharacters.name(bad)); "
                + "names may hold printable characters only")
        } else if name.contains("/") || name.contains(where: \.isWhitespace) || name.contains(",") {
            error(pos, "service name '\(name)' may not contain '/', ',' or spaces")
        } else if ["gateway", "control-plane", "*"].contains(name) {
            error(pos, "'\(name)' is reserved (it names a fault target); rename the service")
        } else if name.hasPrefix("node-") {
            error(pos, "service name '\(name)' looks like a node name (node-N); rename the service")
        }
    }

    func resolveService(_ n: YNode, _ what: String, names: [String]) -> Int? {
        guard let v = string(n, what) else { return nil }
        if let i = names.firstIndex(of: v) { return i }
        error(n.pos, "\(what): unknown service '\(v)'", suggestion: Suggest.closest(to: v, in: names))
        return nil
    }

    func parseService(_ name: String, _ keyPos: Pos, _ n: YNode, names: [String],
                      cluster: Cluster) -> (Service?, [(to: Int, pos: Pos)]) {
        guard let f = fields(n, "service '\(name)'", allowed: Self.serviceKeys) else { return (nil, []) }
        var ok = true
        var s = Service(name: name, serviceTime: .constant(0), line: keyPos.line, column: keyPos.column)
        if let v = f["replicas"] { if let i = int(v, "'replicas'", min: 1, max: 10_000) { s.replicas = i } else { ok = false } }
        if let v = f["workers"] {
            if let i = int(v, "'workers'", min: 1, max: 1_000_000, unlimitedOK: true) { s.workers = i } else { ok = false }
        }
        if let v = f["queue"] {
            if let i = int(v, "'queue'", min: 0, max: 10_000_000, unlimitedOK: true) { s.queue = i } else { ok = false }
        }
        if let v = f["service_time"] {
            if let d = distribution(v, "'service_time'") { s.serviceTime = d } else { ok = false }
        } else {
            error(f.pos, "service '\(name)' needs 'service_time' (e.g. service_time: exp(5ms))")
            ok = false
        }
        if let v = f["errors"] { if let x = fraction(v, "'errors'") { s.errors = x } else { ok = false } }
        if let v = f["client_policies"] { s.policies = parsePolicies(v, "'client_policies'") }
        if let v = f["protocol"] { if let pr = choice(v, "'protocol'", AppProtocol.self) { s.protocol = pr } else { ok = false } }
        if let v = f["cluster"] {
            if let i = int(v, "'cluster'", min: 0, max: 99) {
                if i >= cluster.clusters {
                    error(v.pos, "'cluster' \(i) does not exist (clusters are numbered 0..\(cluster.clusters - 1))")
                } else { s.cluster = i }
            }
        }
        func at(_ k: String) -> SourcePosition { SourcePosition(line: f.keyPos(k).line, column: f.keyPos(k).column) }
        if let v = f["termination_grace"] {
            s.terminationGraceAt = at("termination_grace")
            if let d = duration(v, "'termination_grace'") { s.terminationGrace = d } else { ok = false }
        }
        if let v = f["prestop"] {
            s.preStopAt = at("prestop")
            if let d = duration(v, "'prestop'") { s.preStop = d } else { ok = false }
        }
        if let v = f["readiness"] {
            s.readinessAt = at("readiness")
            if let r = fields(v, "'readiness'", allowed: Self.readinessKeys) {
                if let x = r["period"] {
                    if let d = duration(x, "'period'", positive: true) { s.readiness.period = d } else { ok = false }
                }
                if let x = r["failure_threshold"] {
                    if let i = int(x, "'failure_threshold'", min: 1, max: 1000) { s.readiness.failureThreshold = i } else { ok = false }
                }
            } else { ok = false }
        }
        if let v = f["mesh"] { if let b = bool(v, "'mesh'") { s.mesh = b } else { ok = false } }
        var edges: [(to: Int, pos: Pos)] = []
        if let v = f["calls"], let items = list(v, "'calls'") {
            for item in items {
                if case .sequence(let group, let gpos) = item {
                    if group.isEmpty { error(gpos, "a parallel group needs at least one call"); continue }
                    var calls: [Call] = []
                    for g in group {
                        if case .sequence = g {
                            error(g.pos, "parallel groups do not nest; list the calls of one group side by side")
                            continue
                        }
                        if let c = parseCall(g, names: names) { calls.append(c); edges.append((c.service, g.pos)) }
                    }
                    if calls.count == group.count { s.calls.append(.parallel(calls)) }
                } else if let c = parseCall(item, names: names) {
                    s.calls.append(.sequential(c)); edges.append((c.service, item.pos))
                }
            }
        }
        return (ok ? s : nil, edges)
    }

    func parseCall(_ n: YNode, names: [String]) -> Call? {
        if case .mapping = n {
            guard let f = fields(n, "a call", allowed: Self.callKeys) else { return nil }
            guard let sv = f["service"] else {
                error(f.pos, "a call needs 'service' (e.g. { service: cart, probability: 30% })")
                return nil
            }
            guard let i = resolveService(sv, "'service'", names: names) else { return nil }
            var c = Call(service: i)
            if let p = f["probability"] {
                guard let x = fraction(p, "'probability'") else { return nil }
                c.probability = x
            }
            return c
        }
        guard let i = resolveService(n, "a call", names: names) else { return nil }
        return Call(service: i)
    }

    /// Reports each cycle once, at the call that closes it.
    func checkCycles(names: [String], edges: [[(to: Int, pos: Pos)]]) {
        var state = Array(repeating: 0, count: names.count)   // 0 new, 1 on stack, 2 done
        var stack: [Int] = []
        var reported = Set<[Int]>()
        func visit(_ u: Int) {
            state[u] = 1; stack.append(u)
            for e in edges[u] {
                if state[e.to] == 1 {
                    let start = stack.lastIndex(of: e.to)!
                    let cycle = Array(stack[start...])
                    let key = cycle.sorted()
                    if reported.insert(key).inserted {
                        let path = (cycle + [e.to]).map { names[$0] }.joined(separator: " -> ")
                        error(e.pos, "the call graph has a cycle: \(path)")
                    }
                } else if state[e.to] == 0 {
                    visit(e.to)
                }
            }
            stack.removeLast(); state[u] = 2
        }
        for u in names.indices where state[u] == 0 { visit(u) }
    }

    // MARK: Traffic

    func parseTraffic(_ n: YNode, index: Int, names: [String], duration: SimTime?) -> TrafficSource? {
        guard let f = fields(n, "a traffic source", allowed: Self.trafficKeys) else { return nil }
        let before = diagnostics.count
        var name = "traffic-\(index)"
        if let v = f["name"], let s = string(v, "'name'") { name = s }
        var from = TrafficOrigin.external
        if let v = f["from"], let o = choice(v, "'from'", TrafficOrigin.self) { from = o }
        var to: Int?
        if let v = f["to"] { to = resolveService(v, "'to'", names: names) } else {
            error(f.pos, "traffic source '\(name)' needs 'to' (the service it calls)")
        }
        var rate: TrafficRate?
        switch (f["rate"], f["profile"]) {
        case (nil, nil):
            error(f.pos, "traffic source '\(name)' needs 'rate' (e.g. 800/s) or 'profile'")
        case (_?, _?):
            error(f.keyPos("profile"), "traffic source '\(name)' has both 'rate' and 'profile'; keep one")
        case (let r?, nil):
            if let x = self.rate(r, "'rate'") { rate = .constant(perSecond: x) }
        case (nil, let p?):
            rate = parseProfile(p, duration: duration)
        }
        var clients: Int?
        if let v = f["clients"] { clients = int(v, "'clients'", min: 1, max: 1_000_000) }
        var consumers = 1
        if let v = f["consumers"], let i = int(v, "'consumers'", min: 1, max: 10_000_000) { consumers = i }
        var connections: Int?
        if let v = f["connections"] { connections = int(v, "'connections'", min: 1, max: 1_000_000) }
        guard diagnostics.count == before, let to, let rate else { return nil }
        var t = TrafficSource(name: name, from: from, to: to, rate: rate, clients: clients, consumers: consumers,
                              line: n.pos.line, column: n.pos.column)
        t.connections = connections
        return t
    }

    func parseProfile(_ n: YNode, duration: SimTime?) -> TrafficRate? {
        guard let items = list(n, "'profile'") else { return nil }
        if items.isEmpty { error(n.pos, "'profile' needs at least one { at: 0s, rate: 10/s } point"); return nil }
        var points: [RatePoint] = []
        var ok = true
        for item in items {
            guard let f = fields(item, "a profile point", allowed: Self.profileKeys) else { ok = false; continue }
            guard let a = f["at"], let r = f["rate"] else {
                error(f.pos, "a profile point needs 'at' and 'rate' (e.g. { at: 5m, rate: 200/s })")
                ok = false; continue
            }
            guard let at = self.duration(a, "'at'"), let x = rate(r, "'rate'", allowZero: true) else { ok = false; continue }
            if let last = points.last, at <= last.at {
                error(a.pos, "profile points must be in increasing order of 'at' (\(String.duration(at)) follows \(String.duration(last.at)))")
                ok = false; continue
            }
            if let d = duration, at >= d {
                error(a.pos, "profile point at \(String.duration(at)) is at or after the end of the run (\(String.duration(d))\(durationSource))")
                ok = false; continue
            }
            points.append(RatePoint(at: at, perSecond: x))
        }
        if ok, points.allSatisfy({ $0.perSecond == 0 }) {
            error(n.pos, "every point of 'profile' has rate 0: this source sends nothing")
            return nil
        }
        return ok ? .profile(points) : nil
    }

    // MARK: Policies and control plane

    func parsePolicies(_ n: YNode, _ what: String) -> Policies? {
        guard let f = fields(n, what, allowed: Self.policyKeys) else { return nil }
        var p = Policies()
        if let v = f["timeout"] { p.timeout = timeoutValue(v, "'timeout'") }
        if let v = f["per_try_timeout"] { p.perTryTimeout = timeoutValue(v, "'per_try_timeout'") }
        if let v = f["connect_timeout"] { p.connectTimeout = duration(v, "'connect_timeout'", positive: true) }
        if let v = f["retries"] { p.retries = parseRetries(v) }
        if let v = f["circuit_breakers"], let c = fields(v, "'circuit_breakers'", allowed: Self.breakerKeys) {
            // Keys left out keep Envoy's defaults (1024, 1024, 1024, 3).
            var cb = CircuitBreakers.envoy
            if let x = c["max_connections"], let i = int(x, "'max_connections'", min: 1, max: Int(UInt32.max), unlimitedOK: true) { cb.maxConnections = i }
            if let x = c["max_pending_requests"], let i = int(x, "'max_pending_requests'", min: 0, max: Int(UInt32.max), unlimitedOK: true) { cb.maxPendingRequests = i }
            if let x = c["max_requests"], let i = int(x, "'max_requests'", min: 1, max: Int(UInt32.max), unlimitedOK: true) { cb.maxRequests = i }
            if let x = c["max_retries"], let i = int(x, "'max_retries'", min: 0, max: Int(UInt32.max), unlimitedOK: true) { cb.maxRetries = i }
            p.circuitBreakers = cb
        }
        if let v = f["outlier_detection"], let o = fields(v, "'outlier_detection'", allowed: Self.outlierKeys) {
            // Keys left out keep Envoy's defaults (outlier_detection.proto).
            var od = OutlierDetection(consecutiveErrors: 5, interval: 10 * Nanos.perSecond, ejection: 30 * Nanos.perSecond)
            if let x = o["consecutive_errors"], let i = int(x, "'consecutive_errors'", min: 1, max: 1_000_000) { od.consecutiveErrors = i }
            if let x = o["interval"], let d = duration(x, "'interval'", positive: true) { od.interval = d }
            if let x = o["ejection"], let d = duration(x, "'ejection'", positive: true) { od.ejection = d }
            if let x = o["max_ejection"], let fr = fraction(x, "'max_ejection'") { od.maxEjectionPercent = fr }
            if let x = o["max_ejection_time"], let d = duration(x, "'max_ejection_time'", positive: true) { od.maxEjectionTime = d }
            if let x = o["panic_threshold"], let fr = fraction(x, "'panic_threshold'") { od.panicThreshold = fr }
            // Envoy: max_ejection_time defaults to 300 s or the base ejection time, whichever is larger.
            if o["max_ejection_time"] == nil { od.maxEjectionTime = max(od.maxEjectionTime, od.ejection) }
            p.outlierDetection = od
        }
        if let v = f["passive_health"], let h = fields(v, "'passive_health'", allowed: Self.passiveHealthKeys) {
            var ph = PassiveHealth()
            if let x = h["max_fails"], let i = int(x, "'max_fails'", min: 0, max: 1_000_000) { ph.maxFails = i }
            if let x = h["fail_timeout"], let d = duration(x, "'fail_timeout'", positive: true) { ph.failTimeout = d }
            if let x = h["on"], let items = list(x, "'on'") {
                var on = Set<PassiveFailure>()
                for item in items {
                    if let c = choice(item, "passive health failure", PassiveFailure.self,
                                      aliases: ["503": .http503, "502": .http502, "504": .http504, "500": .http500]) {
                        on.insert(c)
                    }
                }
                ph.on = on
            }
            p.passiveHealth = ph
        }
        if let v = f["rate_limit"], let r = fields(v, "'rate_limit'", allowed: Self.rateLimitKeys) {
            if let x = r["per_consumer"] {
                if let pc = rate(x, "'per_consumer'") {
                    var rl = RateLimit(perConsumer: pc)
                    if let b = r["burst"] { rl.burst = number(b, "'burst'", min: 1) }
                    if let x = r["algorithm"] { rl.algorithm = choice(x, "'algorithm'", RateLimitAlgorithm.self) }
                    if let x = r["window"] { rl.window = duration(x, "'window'", positive: true) }
                    if let x = r["policy"] { rl.scope = choice(x, "'policy'", RateLimitScope.self) }
                    if let x = r["fail_open"] { rl.failOpen = bool(x, "'fail_open'") }
                    if rl.burst != nil && rl.algorithm != nil && rl.algorithm != .tokenBucket, let b = r["burst"] {
                        error(b.pos, "'burst' belongs to a token bucket; a \(rl.algorithm!.rawValue) limit admits 'per_consumer' x 'window' per window")
                    }
                    rateLimitNotes(rl, r)
                    p.rateLimit = rl
                }
            } else {
                error(r.pos, "'rate_limit' needs 'per_consumer' (e.g. per_consumer: 20/s)")
            }
        }
        if let v = f["health_check"], let h = fields(v, "'health_check'", allowed: Self.healthKeys) {
            if let x = h["interval"] {
                if let d = duration(x, "'interval'", positive: true) {
                    var hc = HealthCheck(interval: d)
                    if let t = h["unhealthy_threshold"], let i = int(t, "'unhealthy_threshold'", min: 1, max: 1000) {
                        hc.unhealthyThreshold = i
                    }
                    p.healthCheck = hc
                }
            } else {
                error(h.pos, "'health_check' needs 'interval' (e.g. interval: 5s)")
            }
        }
        if let v = f["load_balancing"] { p.loadBalancing = choice(v, "'load_balancing'", LoadBalancing.self) }
        if let v = f["locality"] { p.locality = choice(v, "'locality'", Locality.self) }
        return p
    }

    /// A timeout: a positive duration, or `none` for none at all.
    func timeoutValue(_ v: YNode, _ what: String) -> SimTime? {
        guard let s = scalar(v, what) else { return nil }
        if ["none", "off", "infinite", "unlimited", "0s"].contains(s.value) { return Policies.noTimeout }
        return duration(v, what, positive: true)
    }

    func parseRetries(_ n: YNode) -> RetryPolicy? {
        if case .scalar(let s) = n, !s.isNull {
            if ["off", "none", "false", "no", "0"].contains(s.value) { return RetryPolicy(attempts: 0, on: []) }
            error(n.pos, "'retries' must be a mapping (e.g. { attempts: 2, on: [unavailable] }) or 'off'")
            return nil
        }
        guard let f = fields(n, "'retries'", allowed: Self.retryKeys) else { return nil }
        var r = RetryPolicy(attempts: 2, on: [.connectFailure, .refusedStream, .unavailable])
        if let v = f["attempts"] {
            guard let i = int(v, "'attempts'", min: 0, max: 100) else { return nil }
            r.attempts = i
        } else {
            error(f.pos, "'retries' needs 'attempts' (retries after the first try; 0 turns them off)")
            return nil
        }
        if let v = f["on"], let items = list(v, "'on'") {
            var on = Set<RetryOn>()
            for item in items {
                if let c = choice(item, "retry condition", RetryOn.self, aliases: ["503": .unavailable]) { on.insert(c) }
            }
            r.on = on
        }
        if let v = f["backoff"] { r.backoff = parseBackoff(v) }
        if let v = f["budget"] { r.budget = parseBudget(v) }
        return r
    }

    /// `{ base: 25ms, max: 250ms }` (Envoy's jittered exponential back-off), `none`
    /// (the next upstream at once, as NGINX and Kong retry), or a distribution.
    func parseBackoff(_ v: YNode) -> RetryBackoff? {
        if case .scalar(let s) = v, ["none", "off", "immediate"].contains(s.value) { return .immediate }
        if case .mapping = v {
            guard let b = fields(v, "'backoff'", allowed: Self.backoffKeys) else { return nil }
            guard let bv = b["base"] else {
                error(b.pos, "'backoff' needs 'base' (e.g. { base: 25ms, max: 250ms })")
                return nil
            }
            guard let base = duration(bv, "'base'", positive: true) else { return nil }
            var cap = base.multipliedReportingOverflow(by: 10).overflow ? SimTime.max : base * 10
            if let mv = b["max"] {
                guard let m = duration(mv, "'max'", positive: true) else { return nil }
                if m < base { error(mv.pos, "'max' must be at least 'base'"); return nil }
                cap = m
            }
            return .jittered(base: base, max: cap)
        }
        return distribution(v, "'backoff'").map { .distribution($0) }
    }

    /// `20%` (Envoy's concurrent budget with its default minimum of 3),
    /// `{ percent: 20%, min_concurrent: 3 }`, or Linkerd's `{ ratio: 20%, min_per_second: 10, ttl: 10s }`.
    func parseBudget(_ v: YNode) -> RetryBudget? {
        if case .scalar = v { return fraction(v, "'budget'").map { .concurrent(percent: $0, minConcurrent: 3) } }
        guard let b = fields(v, "'budget'", allowed: Self.budgetKeys) else { return nil }
        let envoyKeys = b["percent"] != nil || b["min_concurrent"] != nil
        let linkerdKeys = b["ratio"] != nil || b["min_per_second"] != nil || b["ttl"] != nil
        if envoyKeys && linkerdKeys {
            error(b.pos, "'budget' takes either Envoy's form (percent, min_concurrent) or Linkerd's (ratio, min_per_second, ttl), not both")
            return nil
        }
        if linkerdKeys {
            var ratio = 0.2, minPerSecond = 10.0, ttl: SimTime = 10 * Nanos.perSecond
            if let x = b["ratio"] { guard let r = fraction(x, "'ratio'") else { return nil }; ratio = r }
            if let x = b["min_per_second"] { guard let m = number(x, "'min_per_second'", min: 0) else { return nil }; minPerSecond = m }
            if let x = b["ttl"] { guard let t = duration(x, "'ttl'", positive: true) else { return nil }; ttl = t }
            return .ratio(ratio: ratio, minPerSecond: minPerSecond, ttl: ttl)
        }
        var percent = 0.2, minConcurrent = 3
        if let x = b["percent"] { guard let p = fraction(x, "'percent'") else { return nil }; percent = p }
        if let x = b["min_concurrent"] { guard let m = int(x, "'min_concurrent'", min: 0, max: 1_000_000) else { return nil }; minConcurrent = m }
        return .concurrent(percent: percent, minConcurrent: minConcurrent)
    }

    func parseControlPlane(_ n: YNode) -> ControlPlane? {
        guard let f = fields(n, "'control_plane'", allowed: Self.controlPlaneKeys) else { return nil }
        var c = ControlPlane()
        if let v = f["replicas"] { c.replicas = int(v, "'replicas'", min: 1, max: 100) }
        if let v = f["push_delay"] { c.pushDelay = distribution(v, "'push_delay'") }
        if let v = f["certificates"], let cf = fields(v, "'certificates'", allowed: Self.certificateKeys) {
            if let t = cf["ttl"] {
                if let ttl = duration(t, "'ttl'", positive: true) {
                    var cp = CertificatePolicy(ttl: ttl, rotateAt: 0.5)
                    if let r = cf["rotate_at"], let x = fraction(r, "'rotate_at'") {
                        if x <= 0 || x >= 1 {
                            error(r.pos, "'rotate_at' must be strictly between 0% and 100% of the lifetime")
                        } else { cp.rotateAt = x }
                    }
                    checkRotationPeriod(cp, at: cf["rotate_at"]?.pos ?? t.pos)
                    c.certificates = cp
                }
            } else {
                error(cf.pos, "'certificates' needs 'ttl' (e.g. ttl: 24h)")
            }
        }
        return c
    }

    func parseProxy(_ n: YNode, _ what: String, extraKeys: [String] = []) -> ProxyOverrides? {
        guard let f = fields(n, what, allowed: Self.proxyKeys + extraKeys) else { return nil }
        return proxyOverrides(f)
    }

    func proxyOverrides(_ f: Fields) -> ProxyOverrides {
        var o = ProxyOverrides()
        if let v = f["latency"] { o.latency = distribution(v, "'latency'") }
        if let v = f["workers"] { o.workers = int(v, "'workers'", min: 1, max: 1_000_000, unlimitedOK: true) }
        if let v = f["queue"] { o.queue = int(v, "'queue'", min: 0, max: 10_000_000, unlimitedOK: true) }
        if let v = f["replicas"] { o.replicas = int(v, "'replicas'", min: 1, max: 10_000) }
        if let v = f["cpu_per_request"] {
            // CPU seconds; a duration (`200us`) reads naturally too.
            if case .scalar(let s) = v, let (_, u) = Units.splitNumber(s.value), !u.isEmpty {
                o.cpuPerRequest = duration(v, "'cpu_per_request'").map { Nanos.toSeconds($0) }
            } else {
                o.cpuPerRequest = number(v, "'cpu_per_request'", min: 0)
            }
        }
        if let v = f["worker_share"] {
            // Its own messages: the generic fraction hints speak of error rates.
            if case .scalar(let sc) = v, let x = try? Units.fraction(sc.value) {
                if x <= 0 || x > 1 {
                    error(v.pos, "'worker_share' must be more than 0% and at most 100% of cpu_per_request, not '\(sc.value)'",
                          suggestion: "for a proxy no request waits for, write workers: unlimited")
                } else { o.workerShare = x }
            } else {
                error(v.pos, "'worker_share' takes the share of cpu_per_request that holds a worker, e.g. 75% or 0.75")
            }
        }
        if let v = f["memory_mb"] { o.memoryMB = number(v, "'memory_mb'", min: 0) }
        return o
    }
}

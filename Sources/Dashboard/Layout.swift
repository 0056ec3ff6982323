// Layout: a pure function from (snapshot, UI state, size) to a cell grid. No terminal here.

public let minimumSize = Size(width: 80, height: 24)

/// Draws one frame. Same inputs, same grid: goldens and the ncurses backend both use this.
public func layout(_ snap: DashboardSnapshot, _ ui: UIState, size: Size, glyphs: Glyphs = .utf8) -> CellGrid {
    var grid = CellGrid(width: size.width, height: size.height)
    if size.width < minimumSize.width || size.height < minimumSize.height {
        drawTooSmall(&grid, glyphs)
        return grid
    }
    var p = Painter(grid: grid, glyphs: glyphs, snap: snap, ui: ui)
    p.drawFrame()
    return p.grid
}

private func drawTooSmall(_ grid: inout CellGrid, _ g: Glyphs) {
    let lines = [
        "topsim needs at least \(minimumSize.width)x\(minimumSize.height)",
        "this terminal is \(grid.width)x\(grid.height)",
        "enlarge it, or press q to quit",
    ]
    let top = max(0, grid.height / 2 - 1)
    for (i, line) in lines.enumerated() {
        let text = Fmt.clip(line, grid.width, unicode: g.unicode)
        let x = max(0, (grid.width - text.unicodeScalars.count) / 2)
        grid.put(text, x: x, y: top + i, role: i == 0 ? .failing : .normal, attrs: i == 0 ? .bold : [])
    }
}

/// Holds the frame being drawn; each panel is a method that owns a rectangle.
struct Painter {
    var grid: CellGrid
    let g: Glyphs
    let snap: DashboardSnapshot
    let ui: UIState
    var W: Int { grid.width }
    var H: Int { grid.height }

    init(grid: CellGrid, glyphs: Glyphs, snap: DashboardSnapshot, ui: UIState) {
        self.grid = grid
        self.g = glyphs
        self.snap = snap
        self.ui = ui
    }

    var selectedIndex: Int {
        snap.topologies.isEmpty ? -1 : min(max(0, ui.selected), snap.topologies.count - 1)
    }
    var selectedTopology: TopologyView? {
        selectedIndex >= 0 ? snap.topologies[selectedIndex] : nil
    }

    mutating func drawFrame() {
        drawHeader()
        drawStatusBar()
        let body = H - 2
        let tall = H >= 34
        let sparkRows = H >= 55 ? 3 : (H >= 38 ? 2 : 1)
        // Tall terminals also get an error-rate trend under the latency one.
        let errorTrend = H >= 50
        let tableContent = 1 + 4 + (tall ? ErrorCause.allCases.count : 1) + 3 + sparkRows * (errorTrend ? 2 : 1)
        let tableRows = 1 + tableContent
        let faultContent = min(max(1, snap.faults.count), H < 28 ? 2 : 2 + (H - 26) / 2)
        let faultRows = 1 + faultContent
        let middleRows = body - tableRows - faultRows
        var y = 1
        drawTable(y: y, rows: tableRows, expandedErrors: tall, sparkRows: sparkRows, errorTrend: errorTrend)
        y += tableRows
        let hopsWidth = W >= 160 ? W * 2 / 5 : (W >= 110 ? W * 9 / 20 : W / 2)
        drawHops(x: 0, y: y, width: hopsWidth, rows: middleRows)
        drawProcessLayout(x: hopsWidth, y: y, width: W - hopsWidth, rows: middleRows)
        y += middleRows
        drawFaults(y: y, rows: faultRows)
        switch ui.overlay {
        case .none: break
        case .help: drawHelp()
        case .details: drawDetails()
        case .services: drawServices()
        }
    }

    // MARK: - Chrome

    /// A titled horizontal rule: "── Title ─────── right ──".
    mutating func rule(x: Int, y: Int, width: Int, title: String, right: String = "", leftCorner: Unicode.Scalar? = nil) {
        var line = String.UnicodeScalarView()
        for _ in 0..<width { line.append(g.h) }
        grid.put(String(line), x: x, y: y, role: .border)
        if let c = leftCorner { grid[x, y] = Cell(c, role: .border) }
        let t = Fmt.clip(" \(title) ", width - 3, unicode: g.unicode)
        grid.put(t, x: x + 2, y: y, role: .title, attrs: .bold, maxX: x + width)
        if !right.isEmpty {
            let r = " \(right) "
            let rx = x + width - r.unicodeScalars.count - 1
            if rx > x + 2 + t.unicodeScalars.count { grid.put(r, x: rx, y: y, role: .muted, maxX: x + width) }
        }
    }

    mutating func drawHeader() {
        grid.fill(x: 0, y: 0, width: W, height: 1, cell: Cell(" ", role: .statusBar))
        var x = grid.put(" topsim ", x: 0, y: 0, role: .statusKey, attrs: .bold)
        x = grid.put(" \(snap.scenario)", x: x, y: 0, role: .statusBar, attrs: .bold)
        grid.put("  seed \(snap.seed)", x: x, y: 0, role: .statusBar)
        // Progress through the run on the right.
        let fraction = snap.durationSeconds > 0 ? min(1, max(0, snap.simSeconds / snap.durationSeconds)) : 0
        let barWidth = W >= 120 ? 30 : 16
        let pct = Fmt.padLeft(Fmt.fixed(fraction * 100, 0) + "%", 4)
        let start = W - barWidth - pct.unicodeScalars.count - 3
        let filled = Int((fraction * Double(barWidth)).rounded(.down))
        var bx = start
        for i in 0..<barWidth {
            let filledCell = i < filled
            grid[bx, 0] = Cell(Unicode.Scalar(filledCell ? g.bar : g.barEmpty)!,
                               role: filledCell ? .accent : .statusBar, attrs: filledCell ? [] : .dim)
            bx += 1
        }
        grid.put(" " + pct, x: bx, y: 0, role: .statusBar)
    }

    mutating func drawStatusBar() {
        let y = H - 1
        grid.fill(x: 0, y: y, width: W, height: 1, cell: Cell(" ", role: .statusBar))
        let state = ui.paused && snap.runState != .finished ? RunState.paused : snap.runState
        let badge: String
        let badgeRole: ColorRole
        switch state {
        case .running: badge = g.unicode ? " ▶ RUNNING " : " > RUNNING "; badgeRole = .statusKey
        case .paused: badge = g.unicode ? " ⏸ PAUSED " : " || PAUSED "; badgeRole = .degraded
        case .finished: badge = g.unicode ? " ■ FINISHED " : " # FINISHED "; badgeRole = .accent
        }
        var x = grid.put(badge, x: 0, y: y, role: badgeRole, attrs: [.bold, .reverse])
        var speedText = Fmt.speed(ui.speed)
        // What the machine keeps up with, when it falls short of what was asked (or exceeds it).
        if state == .running, snap.achievedSpeed.isFinite, Fmt.speed(snap.achievedSpeed) != speedText {
            speedText += " (real " + Fmt.speed(snap.achievedSpeed) + ")"
        }
        x = grid.put(" t \(Fmt.seconds(snap.simSeconds)) / \(Fmt.seconds(snap.durationSeconds))  \(speedText) ",
                     x: x, y: y, role: .statusBar, attrs: .bold)
        var keys: [(String, String)] = [
            ("space", ui.paused ? "resume" : "pause"), ("+/-", "speed"), ("n", "next fault"), (".", "step"),
            ("tab", "select"), ("enter", "details"), ("s", "services"), ("r", "replay"), ("?", "help"), ("q", "quit"),
        ]
        // In the service panel its own keys come first: the sort column and how to close it.
        if ui.overlay == .services {
            let own: [(String, String)] = [("o", "sort: " + ui.serviceSort.header), ("s", "close"), ("tab", "topology")]
            keys = own + Array(keys.prefix(2)) + Array(keys.suffix(2))
        }
        // Keys that do not fit are dropped from the right, except help and quit which always show.
        let always = keys.suffix(2)
        let alwaysWidth = always.reduce(0) { $0 + $1.0.count + $1.1.count + 3 }
        var budget = W - x - alwaysWidth
        var shown: [(String, String)] = []
        for k in keys.dropLast(2) {
            let w = k.0.count + k.1.count + 3
            if w > budget { break }
            budget -= w
            shown.append(k)
        }
        shown += always
        for (key, what) in shown {
            x = grid.put(" " + key, x: x, y: y, role: .statusBar, attrs: .bold)
            x = grid.put(" " + what + " ", x: x, y: y, role: .statusBar)
        }
    }

    // MARK: - Comparison table

    enum Better { case lower, higher }

    mutating func drawTable(y: Int, rows: Int, expandedErrors: Bool, sparkRows: Int, errorTrend: Bool) {
        let tops = snap.topologies
        rule(x: 0, y: y, width: W, title: "Comparison", right: "\(g.bestMark) best per row")
        guard !tops.isEmpty else {
            grid.put("no topologies in this scenario", x: 2, y: y + 2, role: .muted)
            return
        }
        let labelW = W >= 120 ? 17 : 13
        let cw = max(8, (W - labelW - 1) / tops.count)
        var row = y + 1
        // Column headers: the selected topology is highlighted.
        let names = Fmt.clipDistinct(tops.map(\.name), cw - 4, unicode: g.unicode)
        for (i, t) in tops.enumerated() {
            let x = labelW + i * cw
            let name = names[i]
            let text = Fmt.padLeft(name, cw - 3) + "  "
            grid.put(text, x: x, y: row, role: i == selectedIndex ? .selected : .header,
                     attrs: i == selectedIndex ? [.bold, .reverse] : .bold)
            grid[x + cw - 2, row] = Cell(Unicode.Scalar(g.health(t.health))!, role: t.health.role)
        }
        grid.put(expandedErrors ? "metric" : "", x: 1, y: row, role: .muted)
        row += 1

        func metric(_ label: String, _ values: [Double], _ better: Better?, _ text: (Int, Double) -> String,
                    role: (Int, Double) -> ColorRole = { _, _ in .normal }) {
            grid.put(Fmt.clip(label, labelW - 1, unicode: g.unicode), x: 1, y: row, role: .muted)
            // The best is judged on what is shown: values that display the same are equal
            // (100.00% and 100.00% are both best, or, when every column reads the same, none is).
            let texts = values.enumerated().map { i, v in Fmt.clip(text(i, v), cw - 3, unicode: g.unicode) }
            var bestText: String?
            let known = values.enumerated().filter { $0.element.isFinite }
            if let better, Set(known.map { texts[$0.offset] }).count > 1,
               let best = better == .lower ? known.min(by: { $0.element < $1.element }) : known.max(by: { $0.element < $1.element }) {
                bestText = texts[best.offset]
            }
            for (i, v) in values.enumerated() {
                let x = labelW + i * cw
                let isBest = v.isFinite && bestText == texts[i]
                let s = Fmt.padLeft(texts[i], cw - 3)
                grid.put(s, x: x, y: row, role: isBest ? .best : role(i, v), attrs: isBest ? .bold : [])
                if isBest { grid.put(g.bestMark, x: x + cw - 2, y: row, role: .best, attrs: .bold) }
            }
            row += 1
        }

        // The recent windows' latency and success (the health glyphs' span); the whole run's are in the details.
        let span = snap.recentSeconds > 0 ? " " + Fmt.fixed(snap.recentSeconds, 0) + "s" : ""
        metric("p50 ms" + span, tops.map(\.currentP50Ms), .lower, { Fmt.ms($1) })
        metric("p99 ms" + span, tops.map(\.currentP99Ms), .lower, { Fmt.ms($1) })
        let successLabel = "success" + span
        metric(successLabel, tops.map(\.currentSuccessRate), .higher, { Fmt.percent($1) },
               role: { _, v in Health.classify(errorRate: 1 - v).role })
        metric(expandedErrors ? "throughput rps" : "rps", tops.map(\.throughputRps), .higher, { Fmt.fixed($1, 0) })
        if expandedErrors {
            for cause in ErrorCause.allCases {
                metric("err " + cause.label, tops.map { Double($0.errors[cause] ?? 0) }, .lower,
                       { Fmt.count(Int($1)) }, role: { _, v in v > 0 ? .degraded : .muted })
            }
        } else {
            metric("errors", tops.map { Double($0.totalErrors) }, .lower, { i, v in
                guard v > 0 else { return "0" }
                let top = tops[i].errors.max { a, b in a.value < b.value || (a.value == b.value && a.key.order > b.key.order) }
                return Fmt.count(Int(v)) + " " + (top?.key.tiny ?? "")
            }, role: { _, v in v > 0 ? .degraded : .muted })
        }
        metric("proxies", tops.map { Double($0.proxies) }, .lower, { Fmt.count(Int($1)) })
        metric(expandedErrors ? "proxy memory MB" : "mem MB", tops.map(\.proxyMemoryMB), .lower, { Fmt.fixed($1, 0) })
        metric(expandedErrors ? "proxy vCPU" : "vCPU", tops.map(\.proxyVCPU), .lower, { Fmt.fixed($1, 2) })

        // Sparklines share one min..max scale so heights compare across columns.
        // Windows without a success (NaN) are gaps, not part of the scale.
        // The scale (and the label) is of the windows drawn, the newest that fit, not of the
        // whole history: after a long run the label matches what the lines show.
        let drawn = (cw - 3) * (g.sparkline == .braille ? 2 : 1)
        let all = tops.flatMap { $0.history.suffix(drawn).map(\.p99Ms) }.filter(\.isFinite)
        let hi = all.max() ?? 0
        let lo = min((all.min() ?? 0) * 0.9, hi * 0.9)
        grid.put("p99 trend", x: 1, y: row, role: .muted)
        if sparkRows > 1 {
            grid.put(Fmt.ms(lo) + "-" + Fmt.ms(hi) + " ms", x: 1, y: row + 1, role: .muted)
        }
        for (i, t) in tops.enumerated() {
            let x = labelW + i * cw
            Sparkline.draw(t.history.map { $0.p99Ms - lo }, into: &grid, x: x + 1, y: row, width: cw - 3, height: sparkRows,
                           maxValue: hi - lo, style: g.sparkline, role: t.health.role)
        }
        guard errorTrend else { return }
        row += sparkRows
        let worst = tops.flatMap { $0.history.suffix(drawn).map { 1 - $0.successRate } }.max() ?? 0
        grid.put("error trend", x: 1, y: row, role: .muted)
        if sparkRows > 1 { grid.put("0-" + Fmt.percent(worst), x: 1, y: row + 1, role: .muted) }
        for (i, t) in tops.enumerated() {
            Sparkline.draw(t.history.map { 1 - $0.successRate }, into: &grid, x: labelW + i * cw + 1, y: row,
                           width: cw - 3, height: sparkRows, maxValue: worst, style: g.sparkline, role: .degraded)
        }
    }

    // MARK: - Where the time goes

    mutating func drawHops(x: Int, y: Int, width: Int, rows: Int) {
        guard rows > 1 else { return }
        let t = selectedTopology
        rule(x: x, y: y, width: width, title: "Where the time goes" + (t.map { ": " + $0.name } ?? ""))
        guard let t else { return }
        let traversalW = 6
        let msW = 9
        let pctW = 5
        // Hop names whole ("retry-backoff") where the panel leaves a bar of 6 beside them.
        let longest = t.hops.map { $0.name.unicodeScalars.count + 1 }.max() ?? 11
        let nameW = max(11, min(longest, width - 1 - traversalW - msW - pctW - 2 - 6))
        let barW = max(4, width - 1 - nameW - traversalW - msW - pctW - 2)
        var row = y + 1
        let last = y + rows - 1
        if rows > 4 {
            // ms/req is the hop's time on the critical path per request, so the column sums to
            // the `sum` line and each share is its ms/req over that sum (the per-pass mean, which
            // counts passes off the critical path too, is in the detail overlay).
            grid.put(Fmt.padRight("hop", nameW) + Fmt.padLeft("x/req", traversalW) + Fmt.padLeft("ms/req", msW),
                     x: x + 1, y: row, role: .muted)
            grid.put("share", x: x + 1 + nameW + traversalW + msW + 1, y: row, role: .muted)
            row += 1
        }
        let maxShare = t.hops.map(\.share).max() ?? 1
        for hop in t.hops {
            if row > last { break }
            if row == last && t.hops.count > 1 && hop != t.hops.last! && rows > 3 {
                grid.put((g.unicode ? "… " : "+ ") + "\(t.hops.count - (row - y - 1)) more (enter)", x: x + 1, y: row, role: .muted)
                break
            }
            var cx = grid.put(Fmt.padRight(Fmt.clip(hop.name, nameW - 1, unicode: g.unicode), nameW), x: x + 1, y: row, role: .header)
            cx = grid.put(Fmt.padLeft(Fmt.fixed(hop.traversalsPerRequest, 1), traversalW), x: cx, y: row)
            let perRequest = hop.criticalMs.isFinite ? hop.criticalMs : hop.traversalsPerRequest * hop.meanMs
            cx = grid.put(Fmt.padLeft(Fmt.ms(perRequest), msW), x: cx, y: row)
            cx += 1
            let n = maxShare > 0 ? Int((hop.share / maxShare * Double(barW)).rounded()) : 0
            let isTop = hop.share == maxShare
            for i in 0..<barW {
                let on = i < n
                grid.put(on ? g.bar : g.barEmpty, x: cx + i, y: row, role: on ? (isTop ? .degraded : .accent) : .muted,
                         attrs: on ? [] : .dim)
            }
            grid.put(Fmt.padLeft(Fmt.fixed(hop.share * 100, 0) + "%", pctW), x: cx + barW, y: row, role: isTop ? .degraded : .normal)
            row += 1
        }
        if row <= last && rows > 6 {
            row += 1
            if row <= last {
                // The critical path's sum is the mean latency; without it, time summed over hops.
                let critical = t.hops.map(\.criticalMs).filter(\.isFinite)
                let total = critical.isEmpty ? t.hops.reduce(0) { $0 + $1.traversalsPerRequest * $1.meanMs } : critical.reduce(0, +)
                grid.put("sum \(Fmt.ms(total)) ms/req   p50 \(Fmt.ms(t.p50Ms))   p99 \(Fmt.ms(t.p99Ms))",
                         x: x + 1, y: row, role: .muted, maxX: x + width)
            }
        }
    }

    // MARK: - Process layout

    mutating func drawProcessLayout(x: Int, y: Int, width: Int, rows: Int) {
        guard rows > 1, let t = selectedTopology else { return }
        let l = t.layout
        let wide = width >= 60
        let lock = g.unicode ? g.lock + " " : ""
        let mtls: String
        switch l.mtls {
        case .off: mtls = "no mTLS"
        case .permissive: mtls = lock + (wide ? "[mTLS permissive]" : "[mTLS perm]")
        case .strict: mtls = lock + (wide ? "[mTLS strict]" : "[mTLS]")
        }
        rule(x: x, y: y, width: width, title: "Layout: \(t.name)" + (wide ? " (\(t.kind.rawValue))" : ""), right: mtls)
        // The vertical separator between the hops and this panel.
        if g.unicode { grid[x, y] = Cell("┬", role: .border) } else { grid[x, y] = Cell("+", role: .border) }
        for r in (y + 1)..<(y + rows) { grid[x, r] = Cell(g.v, role: .border) }
        let left = x + 2
        let right = x + width - 1
        var row = y + 1
        let last = y + rows - 1
        func health(_ h: Health, at cx: Int, _ r: Int) -> Int {
            grid.put(g.health(h), x: cx, y: r, role: h.role, attrs: h == .failing || h == .down ? .bold : [])
        }
        // Line 1: traffic entry and the control plane.
        var cx = grid.put("clients " + g.arrow + " ", x: left, y: row, role: .muted, maxX: right)
        if let gw = l.gateway {
            let label = gw.role == .hub ? "gateway hub" : (gw.role == .edge ? "edge gateway" : "ingress gw")
            cx = grid.put("[" + label + " ", x: cx, y: row, role: .header, maxX: right)
            for h in gw.replicas where cx < right - 1 { cx = health(h, at: cx, row) }
            cx = grid.put("] " + g.arrow + " ", x: cx, y: row, role: .header, maxX: right)
            if gw.role == .hub { cx = grid.put("every call", x: cx, y: row, role: .muted, maxX: right) }
        } else {
            cx = grid.put("services (no gateway)", x: cx, y: row, role: .muted, maxX: right)
        }
        if let cp = l.controlPlane {
            let upHealth: Health = cp.up == 0 ? .down : (cp.up < cp.replicas ? .degraded : .healthy)
            let text = "control plane \(cp.name) \(cp.up)/\(cp.replicas) "
            let cpx = right - text.unicodeScalars.count - 1
            if cpx > cx + 1 {
                grid.put(text, x: cpx, y: row, role: .muted)
                _ = health(upHealth, at: cpx + text.unicodeScalars.count, row)
            } else if row + 1 <= last {
                row += 1
                let ex = grid.put(text, x: left, y: row, role: .muted, maxX: right)
                _ = health(upHealth, at: ex, row)
            }
        }
        row += 1
        if !l.waypoints.isEmpty && row <= last {
            var wx = grid.put("waypoints ", x: left, y: row, role: .muted, maxX: right)
            for w in l.waypoints {
                let token = "[" + w.name + " "
                if wx + token.unicodeScalars.count + 3 > right { break }
                wx = grid.put(token, x: wx, y: row, role: .header)
                wx = health(w.health, at: wx, row)
                wx = grid.put("] ", x: wx, y: row, role: .header)
            }
            row += 1
        }
        // Nodes: boxed pods when there is room for every node, one line per node otherwise.
        let podW = 12
        let podsPerRow = max(1, (right - left - 1) / (podW + 1))
        let boxedRows = l.nodes.reduce(0) { $0 + 1 + 3 * max(1, ($1.pods.count + podsPerRow - 1) / podsPerRow) }
        let legendRows = 1
        if boxedRows + legendRows <= last - row + 1 {
            for node in l.nodes {
                row = nodeHeader(node, left: left, right: right, row: row)
                var col = 0
                for pod in node.pods {
                    let px = left + 1 + col * (podW + 1)
                    podBox(pod, x: px, y: row, width: podW)
                    col += 1
                    if col == podsPerRow { col = 0; row += 3 }
                }
                if col != 0 || node.pods.isEmpty { row += 3 }
            }
        } else {
            // One line per node (pods wrap onto indented lines); the legend keeps the last row.
            // Nodes that do not fit, whole or in part, are counted at the end: "… 2 more nodes".
            let lastNodeRow = last > y + 2 ? last - 1 : last
            var whole = 0
            var cut = false
            // Where things drawn on the last node row end: the count clears from the last that
            // ends before it, so no pod is left half-hidden under it.
            var lastRowEnds = [left]
            for node in l.nodes {
                if row > lastNodeRow { cut = true; break }
                var nx = grid.put(Fmt.clip(node.name, 10, unicode: g.unicode), x: left, y: row, role: .header, attrs: .bold)
                if let np = node.nodeProxy {
                    nx = grid.put(" " + (t.kind == .sidecarless ? "np" : "proxy"), x: nx, y: row, role: .muted)
                    nx = health(np, at: nx, row)
                }
                nx += 1
                if row == lastNodeRow { lastRowEnds.append(nx) }
                for pod in node.pods {
                    let name = "\(pod.service)-\(pod.index)"
                    let need = name.unicodeScalars.count + (pod.sidecar == nil ? 3 : 5) + (pod.enrolled ? 0 : 6)
                    if nx + need > right {
                        if row + 1 > lastNodeRow { cut = true; break }
                        row += 1
                        nx = left + 2
                    }
                    nx = grid.put(" " + name + "[", x: nx, y: row, role: .normal)
                    nx = health(pod.app, at: nx, row)
                    if let sc = pod.sidecar {
                        nx = grid.put(g.unicode ? "│" : "|", x: nx, y: row, role: .muted)
                        nx = health(sc, at: nx, row)
                    }
                    nx = grid.put("]", x: nx, y: row, role: .normal)
                    // Not enrolled in the sidecar-less mesh: its node proxy lets it by.
                    if !pod.enrolled { nx = grid.put(" plain", x: nx, y: row, role: .muted) }
                    if row == lastNodeRow { lastRowEnds.append(nx) }
                }
                row += 1
                if cut { break }
                whole += 1
            }
            if cut {
                let more = (g.unicode ? " … " : " + ") + Fmt.plural(l.nodes.count - whole, "more node", "more nodes")
                let mx = max(left, right - more.unicodeScalars.count)
                let clearFrom = lastRowEnds.filter { $0 <= mx }.max() ?? mx
                grid.fill(x: clearFrom, y: lastNodeRow, width: right - clearFrom, height: 1, cell: Cell(" "))
                grid.put(more, x: mx, y: lastNodeRow, role: .muted, maxX: right)
            }
        }
        // Legend on the panel's last line.
        if last > y + 2 {
            var lx = left
            let pod = t.kind == .sidecar || t.kind == .combined ? "[app" + (g.unicode ? "│" : "|") + "sidecar] " : ""
            lx = grid.put(pod, x: lx, y: last, role: .muted, maxX: right)
            for h in Health.allCases {
                let w = h.rawValue.count + 3
                if lx + w > right { break }
                lx = health(h, at: lx, last)
                lx = grid.put(" " + h.rawValue + " ", x: lx, y: last, role: .muted)
            }
        }
    }

    mutating func nodeHeader(_ node: NodeView, left: Int, right: Int, row: Int) -> Int {
        var nx = grid.put(node.name, x: left, y: row, role: .header, attrs: .bold, maxX: right)
        nx = grid.put((g.unicode ? " · " : " - ") + node.zone, x: nx, y: row, role: .muted, maxX: right)
        if let np = node.nodeProxy {
            nx = grid.put("  node proxy ", x: nx, y: row, role: .muted, maxX: right)
            grid.put(g.health(np), x: nx, y: row, role: np.role)
        }
        return row + 1
    }

    /// ┌cart-0────┐
    /// │app● sc●  │
    /// └──────────┘
    mutating func podBox(_ pod: PodView, x: Int, y: Int, width: Int) {
        let worst = [pod.app, pod.sidecar ?? .healthy].max { $0.severity < $1.severity }!
        let role: ColorRole = worst == .healthy ? .border : worst.role
        var top = String.UnicodeScalarView()
        var bottom = String.UnicodeScalarView()
        for _ in 0..<(width - 2) { top.append(g.h); bottom.append(g.h) }
        grid.put(String(g.tl) + String(top) + String(g.tr), x: x, y: y, role: role)
        grid.put(Fmt.clip("\(pod.service)-\(pod.index)", width - 2, unicode: g.unicode), x: x + 1, y: y, role: .header)
        grid.put(String(g.v), x: x, y: y + 1, role: role)
        var cx = grid.put("app", x: x + 1, y: y + 1, role: .muted)
        cx = grid.put(g.health(pod.app), x: cx, y: y + 1, role: pod.app.role)
        if let sc = pod.sidecar {
            cx = grid.put(" sc", x: cx, y: y + 1, role: .muted)
            grid.put(g.health(sc), x: cx, y: y + 1, role: sc.role)
        } else if !pod.enrolled {
            grid.put(" plain", x: cx, y: y + 1, role: .muted, maxX: x + width - 1)
        }
        grid.put(String(g.v), x: x + width - 1, y: y + 1, role: role)
        grid.put(String(g.bl) + String(bottom) + String(g.br), x: x, y: y + 2, role: role)
    }

    // MARK: - Fault timeline

    mutating func drawFaults(y: Int, rows: Int) {
        let active = snap.faults.filter(\.active).count
        let labelW = W >= 120 ? 30 : 22
        let x0 = labelW
        let tw = W - x0 - 2
        let duration = max(snap.durationSeconds, 0.001)
        func col(_ t: Double) -> Int { x0 + Int((min(max(t, 0), duration) / duration * Double(tw - 1)).rounded()) }
        rule(x: 0, y: y, width: W, title: "Faults" + (active > 0 ? ": \(active) active" : ""))
        // Axis labels and the cursor live in the rule line; the labels are drawn last so the
        // cursor never overwrites them (near either end it shows in the fault rows only).
        let cursorX = col(snap.simSeconds)
        grid.put(g.cursor, x: cursorX, y: y, role: .cursor, attrs: .bold)
        grid.put(" 0s ", x: x0 - 1, y: y, role: .muted)
        let endLabel = " " + Fmt.fixed(snap.durationSeconds, 0) + "s "
        grid.put(endLabel, x: W - endLabel.count - 1, y: y, role: .muted)
        let content = rows - 1
        guard content > 0 else { return }
        if snap.faults.isEmpty {
            grid.put("no faults scheduled", x: 1, y: y + 1, role: .muted)
            return
        }
        if snap.faults.count > content && content <= 2 {
            drawFaultsCompact(y: y, x0: x0, tw: tw, cursorX: cursorX, labelW: labelW, col: col)
            return
        }
        // Active faults first, then by start time; the last row notes what did not fit.
        let ordered = snap.faults.enumerated().sorted { a, b in
            if a.element.active != b.element.active { return a.element.active }
            if a.element.startSeconds != b.element.startSeconds { return a.element.startSeconds < b.element.startSeconds }
            return a.offset < b.offset
        }.map(\.element)
        let fit = ordered.count > content ? content - 1 : ordered.count
        for (i, f) in ordered.prefix(fit).enumerated() {
            let r = y + 1 + i
            let mark = f.active ? "!" : " "
            grid.put(mark, x: 0, y: r, role: .faultActive, attrs: .bold)
            // The target once: a label that already names it ("pod crash checkout-0") stands alone.
            let name = f.label.contains(f.target) ? f.label : f.label + " " + f.target
            grid.put(Fmt.clip(name, labelW - 2, unicode: g.unicode), x: 1, y: r,
                     role: f.active ? .faultActive : .normal, attrs: f.active ? .bold : [])
            for c in x0..<(x0 + tw) { grid.put(g.unicode ? "·" : ".", x: c, y: r, role: .muted, attrs: .dim) }
            let s = col(f.startSeconds)
            let e = max(s, col(f.endSeconds ?? duration))
            for c in s...e {
                let past = f.endSeconds.map { $0 <= snap.simSeconds } ?? false
                grid.put(g.unicode ? "━" : "=", x: c, y: r, role: f.active ? .faultActive : (past ? .muted : .faultIdle))
            }
            if grid[cursorX, r].char == "·" || grid[cursorX, r].char == "." {
                grid.put(String(g.v), x: cursorX, y: r, role: .cursor)
            }
        }
        if fit < ordered.count {
            grid.put("+" + Fmt.plural(ordered.count - fit, "more fault", "more faults") + " (enter for details)",
                     x: 1, y: y + 1 + fit, role: .muted)
        }
    }

    /// Short screens: every fault on one timeline row, then what is active (or next) in words.
    mutating func drawFaultsCompact(y: Int, x0: Int, tw: Int, cursorX: Int, labelW: Int, col: (Double) -> Int) {
        let r = y + 1
        grid.put(Fmt.plural(snap.faults.count, "fault", "faults"), x: 1, y: r, role: .normal)
        for c in x0..<(x0 + tw) { grid.put(g.unicode ? "·" : ".", x: c, y: r, role: .muted, attrs: .dim) }
        for f in snap.faults.sorted(by: { !$0.active && $1.active }) {
            let s = col(f.startSeconds)
            let e = max(s, col(f.endSeconds ?? snap.durationSeconds))
            for c in s...e {
                grid.put(g.unicode ? "━" : "=", x: c, y: r, role: f.active ? .faultActive : .faultIdle)
            }
        }
        if grid[cursorX, r].char == "·" || grid[cursorX, r].char == "." {
            grid.put(String(g.v), x: cursorX, y: r, role: .cursor)
        }
        let active = snap.faults.filter(\.active)
        var text: String
        if !active.isEmpty {
            text = "active: " + active.map { f in f.label.contains(f.target) ? f.label : "\(f.label) on \(f.target)" }
                .joined(separator: ", ")
        } else if let next = snap.faults.filter({ $0.startSeconds > snap.simSeconds }).min(by: { $0.startSeconds < $1.startSeconds }) {
            let what = next.label.contains(next.target) ? next.label : "\(next.label) on \(next.target)"
            text = "next: \(what) at \(Fmt.seconds(next.startSeconds))"
        } else {
            text = "no fault active"
        }
        grid.put(Fmt.clip(text, W - 2, unicode: g.unicode), x: 1, y: r + 1,
                 role: active.isEmpty ? .muted : .faultActive, attrs: active.isEmpty ? [] : .bold)
    }

    // MARK: - Overlays

    /// A bordered box centred on the screen; `fullRows` blanks its rows from edge to edge
    /// (boxes nearly as wide as the screen would otherwise leave slivers of the panels beside them).
    mutating func box(width: Int, height: Int, title: String, fullRows: Bool = false) -> (x: Int, y: Int) {
        let w = min(width, W - 2)
        let h = min(height, H - 2)
        let x = (W - w) / 2
        let y = max(1, (H - h) / 2)
        if fullRows { grid.fill(x: 0, y: y, width: W, height: h, cell: Cell(" ", role: .overlay)) }
        grid.fill(x: x, y: y, width: w, height: h, cell: Cell(" ", role: .overlay))
        var line = String.UnicodeScalarView()
        for _ in 0..<(w - 2) { line.append(g.h) }
        grid.put(String(g.tl) + String(line) + String(g.tr), x: x, y: y, role: .border)
        grid.put(String(g.bl) + String(line) + String(g.br), x: x, y: y + h - 1, role: .border)
        for r in (y + 1)..<(y + h - 1) {
            grid[x, r] = Cell(g.v, role: .border)
            grid[x + w - 1, r] = Cell(g.v, role: .border)
        }
        grid.put(" " + title + " ", x: x + 2, y: y, role: .title, attrs: .bold)
        grid.put(" esc closes ", x: x + w - 14, y: y + h - 1, role: .muted)
        return (x, y)
    }

    mutating func drawHelp() {
        let (x, y) = box(width: 72, height: keyHelp.count + 9, title: "Keys")
        var r = y + 2
        for k in keyHelp {
            grid.put(Fmt.padRight(k.key, 14), x: x + 3, y: r, role: .header, attrs: .bold)
            grid.put(k.action, x: x + 17, y: r, role: .overlay, maxX: x + 70)
            r += 1
        }
        r += 1
        var lx = grid.put("health  ", x: x + 3, y: r, role: .muted)
        for h in Health.allCases {
            lx = grid.put(g.health(h), x: lx, y: r, role: h.role)
            lx = grid.put(" " + h.rawValue + "  ", x: lx, y: r, role: .overlay)
        }
        grid.put("degraded from 0.1% errors, failing above 10% (Kiali)", x: x + 3, y: r + 1, role: .muted)
        grid.put("\(g.bestMark) best value per row; NO_COLOR turns colour off", x: x + 3, y: r + 2, role: .muted)
    }

    mutating func drawDetails() {
        guard let t = selectedTopology else { return }
        // The terminal's width less a margin of two each side; values longer than their
        // column wrap at spaces onto the next lines instead of being cut.
        let boxW = W - 4
        let right = (W - boxW) / 2 + boxW - 2
        let valueW = right - ((W - boxW) / 2 + 20)
        let wrapped = detailLines(t).map { (label: $0.label, parts: wrap($0.value, valueW), role: $0.role, gap: $0.gap) }
        let h = min(H - 2, 2 + wrapped.reduce(0) { $0 + $1.parts.count + ($1.gap ? 1 : 0) })
        let (x, y) = box(width: boxW, height: h, title: "\(t.name) (\(t.kind.rawValue)) details", fullRows: true)
        var r = y + 1
        for item in wrapped {
            if item.gap { r += 1 }
            for (k, part) in item.parts.enumerated() {
                guard r < y + h - 1 else { return }
                if k == 0 { grid.put(Fmt.padRight(item.label, 18), x: x + 2, y: r, role: .muted) }
                grid.put(part, x: x + 20, y: r, role: item.role, maxX: right)
                r += 1
            }
        }
    }

    /// `text` in lines of at most `width` columns, cut at spaces (a word longer than a line
    /// is cut where it must be).
    func wrap(_ text: String, _ width: Int) -> [String] {
        guard width > 0 else { return [text] }
        var lines: [String] = []
        var rest = Array(text.unicodeScalars)
        while rest.count > width {
            var cut = width
            while cut > 0 && rest[cut] != " " { cut -= 1 }
            if cut == 0 { cut = width }
            lines.append(String(String.UnicodeScalarView(rest[..<cut])))
            rest = Array(rest[cut...].drop { $0 == " " })
        }
        lines.append(String(String.UnicodeScalarView(rest)))
        return lines
    }

    /// The details overlay's lines: label, value, colour, and whether a blank line comes first.
    func detailLines(_ t: TopologyView) -> [(label: String, value: String, role: ColorRole, gap: Bool)] {
        var out: [(label: String, value: String, role: ColorRole, gap: Bool)] = []
        var gap = false
        func line(_ label: String, _ value: String, role: ColorRole = .overlay) {
            out.append((label, value, role, gap))
            gap = false
        }
        line("health", t.health.rawValue + " " + g.health(t.health), role: t.health.role)
        line("requests", String(t.requests) + "   throughput " + Fmt.fixed(t.throughputRps, 1) + " rps")
        if snap.recentSeconds > 0 {
            line("latency", "last " + Fmt.fixed(snap.recentSeconds, 0) + "s p50 " + Fmt.ms(t.currentP50Ms) + " p99 "
                 + Fmt.ms(t.currentP99Ms) + " ms   whole run p50 " + Fmt.ms(t.p50Ms) + " p99 " + Fmt.ms(t.p99Ms) + " ms")
        } else {
            line("latency", "p50 " + Fmt.ms(t.p50Ms) + " ms   p99 " + Fmt.ms(t.p99Ms) + " ms")
        }
        line("failures took", t.failedP99Ms.isFinite
             ? "p50 " + Fmt.ms(t.failedP50Ms) + " ms   p99 " + Fmt.ms(t.failedP99Ms) + " ms" : "- (none failed)")
        if snap.recentSeconds > 0 {
            line("success", "last " + Fmt.fixed(snap.recentSeconds, 0) + "s " + Fmt.percent(t.currentSuccessRate)
                 + "   whole run " + Fmt.percent(t.successRate) + "   incomplete \(t.incomplete)", role: t.health.role)
        } else {
            line("success", Fmt.percent(t.successRate) + "   incomplete \(t.incomplete)", role: t.health.role)
        }
        line("errors", ErrorCause.allCases.map { "\($0.short) \(t.errors[$0] ?? 0)" }.joined(separator: "  ")
             + "  (total \(t.totalErrors))")
        line("proxies", "\(t.proxies)   memory \(Fmt.fixed(t.proxyMemoryMB, 0)) MB   vCPU \(Fmt.fixed(t.proxyVCPU, 2))")
        line("proxy cost", t.proxyCostPerMonth.isFinite
             ? "$" + Fmt.fixed(t.proxyCostPerMonth, 0) + " a month (vCPU and memory at the cost: prices)" : "-")
        let pods = t.layout.nodes.reduce(0) { $0 + $1.pods.count }
        line("layout", Fmt.plural(t.layout.nodes.count, "node", "nodes") + ", " + Fmt.plural(pods, "pod", "pods") + ", "
             + Fmt.plural(t.layout.waypoints.count, "waypoint", "waypoints") + ", mTLS \(t.layout.mtls.rawValue)")
        gap = true
        line("hop", "x/req   ms/pass   share of critical path")
        for hop in t.hops {
            line("  " + hop.name, Fmt.padLeft(Fmt.fixed(hop.traversalsPerRequest, 1), 5) + "   "
                 + Fmt.padLeft(Fmt.ms(hop.meanMs), 7) + "   " + Fmt.padLeft(Fmt.fixed(hop.share * 100, 1) + "%", 6))
        }
        if !t.services.isEmpty {
            // Each service's own work on the critical path, largest first: what a slow service costs here.
            let ranked = t.services.filter { $0.share.isFinite }.sorted { $0.share > $1.share || ($0.share == $1.share && $0.name < $1.name) }
            line("services' own", ranked.isEmpty ? "-" : ranked.map { "\($0.name) \(Fmt.fixed($0.share * 100, 0))%" }.joined(separator: "  "))
        }
        if !snap.faults.isEmpty {
            gap = true
            for f in snap.faults {
                let end = f.endSeconds.map { Fmt.seconds($0) } ?? "end"
                line((f.active ? "! " : "  ") + "fault", Self.faultText(f) + ", \(Fmt.seconds(f.startSeconds))-\(end)",
                     role: f.active ? .faultActive : .overlay)
            }
        }
        return out
    }

    /// "crash on api/0": the label, its kind only when the label does not already say it,
    /// and the target only when the label does not already name it.
    static func faultText(_ f: FaultView) -> String {
        var text = f.label
        if !f.kind.isEmpty && !f.label.contains(f.kind) { text += " (\(f.kind))" }
        if !f.target.isEmpty && !f.label.contains(f.target) { text += " on " + f.target }
        return text
    }
}

extension Health {
    var severity: Int {
        switch self {
        case .healthy: return 0
        case .starting: return 1
        case .degraded: return 2
        case .failing: return 3
        case .down: return 4
        }
    }
}

extension ErrorCause {
    var short: String {
        switch self {
        case .timeout: return "timeout"
        case .unavailable: return "unavail"
        case .refused: return "refused"
        case .tls: return "tls"
        case .rateLimited: return "ratelim"
        case .overflow: return "overflow"
        }
    }
    var order: Int { ErrorCause.allCases.firstIndex(of: self)! }
    /// For the narrow table's "errors" row, which names the main cause.
    var tiny: String {
        switch self {
        case .timeout: return "tmo"
        case .unavailable: return "unav"
        case .refused: return "refu"
        case .tls: return "tls"
        case .rateLimited: return "rlim"
        case .overflow: return "ovfl"
        }
    }
    var label: String { self == .rateLimited ? "rate-limited" : rawValue }
}

// The service panel (`s`): the selected topology's services, one row each, sortable (`o`).
// Its figures are services.csv's (Report/ServicesAndProxies.swift), handed over in
// `TopologyView.services`; this file only orders and draws them.

extension ServiceSort {
    /// `services` in this column's order: numbers largest first with unknown (NaN) values
    /// last, names alphabetically; equal values keep their given (scenario) order.
    public func order(_ services: [ServiceView]) -> [ServiceView] {
        func key(_ s: ServiceView) -> Double {
            switch self {
            case .share: return s.share
            case .p99: return s.p99Ms
            case .p50: return s.p50Ms
            case .errors: return Double(s.totalErrors)
            case .attempts: return s.attemptsPerCall
            case .name: return 0
            }
        }
        return services.enumerated().sorted { a, b in
            if self == .name {
                return a.element.name != b.element.name ? a.element.name < b.element.name : a.offset < b.offset
            }
            let ka = key(a.element), kb = key(b.element)
            if ka.isFinite != kb.isFinite { return ka.isFinite }
            if ka.isFinite && ka != kb { return ka > kb }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// The column header the panel marks as sorted.
    var header: String {
        switch self {
        case .share: return "share"
        case .p99: return "p99 ms"
        case .p50: return "p50 ms"
        case .errors: return "errors"
        case .attempts: return "att/call"
        case .name: return "service"
        }
    }
}

/// One column of the service panel: a right-aligned figure (the name column is apart).
private struct ServiceColumn {
    var header: String
    var width: Int
    /// The column `o` sorts by when it is this one (nil: not sortable).
    var sort: ServiceSort?
    var text: (ServiceView) -> String
    var role: (ServiceView) -> ColorRole = { _ in .overlay }
}

extension Painter {
    /// The columns for an inner width: every error cause apart when they fit with a name
    /// column of at least 12, else one errors column naming the main cause (80x24).
    private func serviceColumns(innerWidth: Int) -> [ServiceColumn] {
        let calls = ServiceColumn(header: "calls", width: 8, sort: nil) { Fmt.count($0.calls) }
        let p50 = ServiceColumn(header: "p50 ms", width: 8, sort: .p50) { Fmt.ms($0.p50Ms) }
        let p99 = ServiceColumn(header: "p99 ms", width: 8, sort: .p99) { Fmt.ms($0.p99Ms) }
        let attempts = ServiceColumn(header: "att/call", width: 9, sort: .attempts) { Fmt.fixed($0.attemptsPerCall, 2) }
        let critical = ServiceColumn(header: "crit ms", width: 9, sort: nil) { Fmt.ms($0.criticalMs) }
        let share = ServiceColumn(header: "share", width: 7, sort: .share) {
            $0.share.isFinite ? Fmt.fixed($0.share * 100, 1) + "%" : "-"
        }
        let errorRole: (ServiceView) -> ColorRole = { $0.totalErrors > 0 ? .degraded : .overlay }
        var wide = [calls, p50, p99]
        wide += ErrorCause.allCases.map { cause in
            ServiceColumn(header: cause.short, width: 9, sort: nil, text: { Fmt.count($0.errors[cause] ?? 0) },
                          role: { ($0.errors[cause] ?? 0) > 0 ? .degraded : .overlay })
        }
        wide += [ServiceColumn(header: "errors", width: 8, sort: .errors, text: { Fmt.count($0.totalErrors) }, role: errorRole),
                 attempts, critical, share]
        if wide.reduce(0, { $0 + $1.width }) + 12 <= innerWidth { return wide }
        let errors = ServiceColumn(header: "errors", width: 12, sort: .errors, text: { s in
            guard s.totalErrors > 0 else { return "0" }
            let top = s.errors.max { a, b in a.value < b.value || (a.value == b.value && a.key.order > b.key.order) }
            return Fmt.count(s.totalErrors) + " " + (top?.key.tiny ?? "")
        }, role: errorRole)
        return [calls, p50, p99, errors, attempts, share]
    }

    /// A box over the whole body (header and status bar stay visible), one row per service
    /// in the sort order, the sorted column's header marked; rows that do not fit are
    /// counted on the last line.
    mutating func drawServices() {
        guard let t = selectedTopology else { return }
        let sortMark = g.unicode ? "▼" : "v"
        let (x, y) = box(width: W - 2, height: H - 2,
                         title: "Services: \(t.name) (\(t.kind.rawValue)), sorted by \(ui.serviceSort.header) \(sortMark) (o)",
                         fullRows: true)
        // box() clamps to the terminal less a column and a row each side: these are its size.
        let w = W - 2
        let h = H - 2
        let left = x + 2
        let right = x + w - 2
        let columns = serviceColumns(innerWidth: right - left)
        let figures = columns.reduce(0) { $0 + $1.width }
        let longest = t.services.map { $0.name.unicodeScalars.count }.max() ?? 7
        let nameW = max(8, min(right - left - figures, max(longest, 7) + 2))
        var row = y + 1
        // Header: the sorted column in reverse video with the mark.
        var cx = grid.put(Fmt.padRight("service", nameW), x: left, y: row, role: .header,
                          attrs: ui.serviceSort == .name ? [.bold, .reverse] : .bold)
        for c in columns {
            let sorted = c.sort == ui.serviceSort
            let label = Fmt.padLeft(sorted ? sortMark + c.header : c.header, c.width)
            grid.put(label, x: cx, y: row, role: sorted ? .selected : .header, attrs: sorted ? [.bold, .reverse] : .bold)
            cx += c.width
        }
        row += 1
        guard !t.services.isEmpty else {
            grid.put("no per-service figures yet", x: left, y: row, role: .muted)
            return
        }
        // The last inner row explains the columns; the rows above it hold services.
        let legendRow = y + h - 2
        let lastServiceRow = legendRow - 1
        let ordered = ui.serviceSort.order(t.services)
        for (i, s) in ordered.enumerated() {
            if row > lastServiceRow { break }
            if row == lastServiceRow && i < ordered.count - 1 {
                let rest = ordered.count - i
                grid.put((g.unicode ? "… " : "+ ") + Fmt.plural(rest, "more service", "more services")
                         + " (o sorts another column to the top)", x: left, y: row, role: .muted, maxX: right)
                break
            }
            var cx = grid.put(Fmt.padRight(Fmt.clip(s.name, nameW - 1, unicode: g.unicode), nameW),
                              x: left, y: row, role: .header)
            for c in columns {
                grid.put(Fmt.padLeft(Fmt.clip(c.text(s), c.width - 1, unicode: g.unicode), c.width),
                         x: cx, y: row, role: c.role(s))
                cx += c.width
            }
            row += 1
        }
        // 73 characters: whole at 80 columns (74 inside the box).
        let legend = "att/call: tries per call (retries); share: own work on the critical path"
        if legendRow > y + 2 { grid.put(Fmt.clip(legend, right - left, unicode: g.unicode), x: left, y: legendRow, role: .muted) }
    }
}

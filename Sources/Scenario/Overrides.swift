// `topsim sweep --set PATH=VALUE`: a value of the file replaced before it is
// parsed. Editing the composed YAML tree (not the Scenario value) means every
// swept point goes through the one parser, with the same checks and the same
// FILE:LINE:COLUMN errors as the file itself; an edited value keeps the
// position of the value it replaces, so an error points at that spot in the file.

/// One value of a scenario file replaced: `services.payment.replicas` = `4`.
public struct ScenarioOverride: Sendable, Equatable, Hashable {
    /// Dot-separated keys from the top of the file. A list entry is addressed by its
    /// `name:` (`traffic.shoppers.rate`, `topologies.mesh.preset`) or by its 0-based
    /// position (`faults.0.at`). Keys that are missing are added (and then checked
    /// like any written key), except a service name: `services.X` must name a service.
    public var path: String
    /// YAML text for the value, usually one scalar (`800/s`, `exp(10ms)`, `linkerd`);
    /// a flow list or mapping (`[a, b]`) is allowed.
    public var value: String

    public init(path: String, value: String) { self.path = path; self.value = value }
}

extension ScenarioParser {
    /// The tree with every override applied in order; problems go to `diagnostics`
    /// at the position of the nearest node the path reached.
    func applyOverrides(_ root: YNode) -> YNode {
        var tree = root
        for o in sets {
            let segments = o.path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if o.path.isEmpty || segments.contains(where: \.isEmpty) {
                error(root.pos, "--set '\(o.path)': a path is keys separated by single dots, e.g. services.payment.replicas")
                continue
            }
            if let edited = set(tree, segments[...], to: o, walked: []) { tree = edited }
        }
        return tree
    }

    /// The node with `path` set, or nil after recording why it cannot be.
    private func set(_ node: YNode, _ path: ArraySlice<String>, to o: ScenarioOverride, walked: [String]) -> YNode? {
        guard let first = path.first else { return valueNode(o, at: node.pos) }
        let here = walked.isEmpty ? "the top of the file" : "'\(walked.joined(separator: "."))'"
        switch node {
        case .mapping(var pairs, let pos):
            // Longest match first, so a name that contains a dot still resolves.
            for n in stride(from: path.count, through: 1, by: -1) {
                let key = path.prefix(n).joined(separator: ".")
                guard let i = pairs.firstIndex(where: { if case .scalar(let k) = $0.key { return k.value == key }; return false })
                else { continue }
                guard let v = set(pairs[i].value, path.dropFirst(n), to: o, walked: walked + [key]) else { return nil }
                pairs[i].value = v
                return .mapping(pairs, pos)
            }
            if walked == ["services"] {
                let names = pairs.compactMap { p -> String? in if case .scalar(let k) = p.key { return k.value }; return nil }
                error(pos, "--set '\(o.path)': no service named '\(first)' (services: \(names.joined(separator: ", ")))",
                      suggestion: Suggest.closest(to: first, in: names))
                return nil
            }
            let key = YNode.scalar(YScalar(value: first, pos: pos, plain: true, quoted: false, singleLine: false))
            guard let v = build(path.dropFirst(), o, at: pos) else { return nil }
            pairs.append(YPair(key: key, value: v))
            return .mapping(pairs, pos)
        case .sequence(var items, let pos):
            var names: [String] = []
            for n in stride(from: path.count, through: 1, by: -1) {
                let key = path.prefix(n).joined(separator: ".")
                for (i, item) in items.enumerated() {
                    guard case .mapping(let ps, _) = item else { continue }
                    for p in ps {
                        if case .scalar(let k) = p.key, k.value == "name", case .scalar(let v) = p.value {
                            if n == 1 { names.append(v.value) }
                            if v.value == key {
                                guard let e = set(item, path.dropFirst(n), to: o, walked: walked + [key]) else { return nil }
                                items[i] = e
                                return .sequence(items, pos)
                            }
                        }
                    }
                }
            }
            if let i = Int(first), i >= 0, i < items.count {
                guard let e = set(items[i], path.dropFirst(), to: o, walked: walked + [first]) else { return nil }
                items[i] = e
                return .sequence(items, pos)
            }
            let known = names.isEmpty ? "entries 0 to \(items.count - 1)" : "names: \(names.joined(separator: ", "))"
            error(pos, "--set '\(o.path)': \(here) has no entry named '\(first)' (\(items.isEmpty ? "it is empty" : known))",
                  suggestion: Suggest.closest(to: first, in: names))
            return nil
        case .scalar(let s):
            if s.isNull { return build(path, o, at: s.pos) }
            error(s.pos, "--set '\(o.path)': \(here) is a single value ('\(s.value)'), it has no key '\(first)'")
            return nil
        }
    }

    /// Mappings nested along `path`, ending in the value.
    private func build(_ path: ArraySlice<String>, _ o: ScenarioOverride, at pos: Pos) -> YNode? {
        guard let first = path.first else { return valueNode(o, at: pos) }
        guard let inner = build(path.dropFirst(), o, at: pos) else { return nil }
        let key = YNode.scalar(YScalar(value: first, pos: pos, plain: true, quoted: false, singleLine: false))
        return .mapping([YPair(key: key, value: inner)], pos)
    }

    /// The value's YAML, every position moved to `pos` (the replaced value's place in the file).
    private func valueNode(_ o: ScenarioOverride, at pos: Pos) -> YNode? {
        switch YAMLComposer.compose(o.value) {
        case .failure(let e):
            error(pos, "--set '\(o.path)': the value '\(o.value)' is not valid YAML: \(e.message)")
            return nil
        case .success(nil):
            return .scalar(YScalar(value: "", pos: pos, plain: true, quoted: false, singleLine: false))
        case .success(let n?):
            return moved(n, to: pos)
        }
    }

    private func moved(_ n: YNode, to pos: Pos) -> YNode {
        switch n {
        case .scalar(var s):
            // Not single-line: a unit error's offset is into the new text, not the file's line.
            s.pos = pos; s.singleLine = false
            return .scalar(s)
        case .mapping(let ps, _):
            return .mapping(ps.map { YPair(key: moved($0.key, to: pos), value: moved($0.value, to: pos)) }, pos)
        case .sequence(let items, _):
            return .sequence(items.map { moved($0, to: pos) }, pos)
        }
    }
}

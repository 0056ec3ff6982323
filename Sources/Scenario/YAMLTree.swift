import CYaml

// A small composer over libyaml's event stream (the C library Yams wraps).
// Yams' own composer throws on the first duplicate key and keeps only start
// marks; composing here lets one pass report every duplicate where it is,
// explain an unquoted `*`, and bound aliases and nesting so no input can make
// validation explode.

/// 1-based line and column (columns count Unicode scalars, as libyaml does).
struct Pos: Sendable, Equatable {
    var line: Int
    var column: Int
    static let start = Pos(line: 1, column: 1)
}

struct YScalar {
    var value: String
    var pos: Pos
    /// Plain (unquoted) style: only plain scalars can mean null.
    var plain: Bool
    /// Quoted or block style: the text starts after an indicator character.
    var quoted: Bool
    var singleLine: Bool

    /// An empty plain scalar, `~` or `null`: a key written with no value.
    var isNull: Bool { plain && (value.isEmpty || value == "~" || value == "null" || value == "Null" || value == "NULL") }
}

struct YPair {
    var key: YNode
    var value: YNode
}

indirect enum YNode {
    case scalar(YScalar)
    case mapping([YPair], Pos)
    case sequence([YNode], Pos)

    var pos: Pos {
        switch self {
        case .scalar(let s): return s.pos
        case .mapping(_, let p), .sequence(_, let p): return p
        }
    }

    var kindName: String {
        switch self {
        case .scalar: return "a single value"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }
}

struct YAMLSyntaxError: Error {
    var pos: Pos
    var message: String
}

enum YAMLComposer {
    /// Nesting deeper than this is refused (a scenario needs about 6).
    static let maxDepth = 64
    /// Nodes after alias expansion; bounds "billion laughs" documents.
    static let maxNodes = 200_000
    /// Bytes of scalar text after alias expansion: a few aliases of a long string would
    /// otherwise make every later step (and every message quoting it) quadratic.
    static let maxBytes = 16 << 20

    /// Stand-ins for ':' and ',' inside parentheses (one scalar each, so columns stay right).
    static let colonStandIn: Unicode.Scalar = "\u{E000}"
    static let commaStandIn: Unicode.Scalar = "\u{E001}"

    /// The spec writes distributions unquoted, e.g. `service_time: lognormal(mean: 4ms, p99: 20ms)`
    /// and `{ service_time: lognormal(mean: 15ms, cv: 1.2), errors: 0.1% }`, which strict YAML
    /// reads as nested mappings. Inside parentheses on one line, outside quotes, ':' and ','
    /// are swapped for stand-ins before parsing and swapped back in every scalar.
    static func protectParentheses(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var depth = 0
        var quote: Unicode.Scalar?
        var prev: Unicode.Scalar = "\n"
        var inComment = false
        for u in text.unicodeScalars {
            var emit = u
            if u == "\n" || u == "\r" {
                depth = 0; quote = nil; inComment = false
            } else if inComment {
                // leave comments alone
            } else if let q = quote {
                if u == q, !(q == "\"" && prev == "\\") { quote = nil }
            } else if u == "#", prev == " " || prev == "\t" || prev == "\n" {
                inComment = true
            } else if u == "'" || u == "\"", depth == 0, " \t\n[{,:-".unicodeScalars.contains(prev) {
                quote = u
            } else if u == "(" {
                depth += 1
            } else if u == ")" {
                depth = max(0, depth - 1)
            } else if depth > 0, u == ":" {
                emit = colonStandIn
            } else if depth > 0, u == "," {
                emit = commaStandIn
            }
            out.append(emit)
            prev = u
        }
        return String(out)
    }

    static func restore(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0 == colonStandIn || $0 == commaStandIn }) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            out.append(u == colonStandIn ? ":" : u == commaStandIn ? "," : u)
        }
        return String(out)
    }

    /// The single document's root, nil for a stream with no document.
    static func compose(_ text: String) -> Result<YNode?, YAMLSyntaxError> {
        let protected = protectParentheses(text)
        var bytes = Array(protected.utf8)
        if bytes.isEmpty { return .success(nil) }
        bytes.append(0)   // keeps baseAddress non-nil and readers in bounds
        return bytes.withUnsafeBufferPointer { buf in
            let c = Composer(text: protected)
            return c.run(buf.baseAddress!, count: buf.count - 1)
        }
    }
}

private final class Composer {
    let text: String
    var parser = yaml_parser_t()
    var anchors: [String: (YNode, Int, Int)] = [:]
    var nodeCount = 0
    var byteCount = 0

    init(text: String) { self.text = text }

    struct Event {
        var type: yaml_event_type_t
        var pos: Pos
        var value = ""
        var style = YAML_ANY_SCALAR_STYLE
        var anchor: String?
        var singleLine = true
    }

    func run(_ base: UnsafePointer<UInt8>, count: Int) -> Result<YNode?, YAMLSyntaxError> {
        guard yaml_parser_initialize(&parser) == 1 else {
            return .failure(YAMLSyntaxError(pos: .start, message: "the YAML parser could not start"))
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, base, count)
        do {
            _ = try next()                    // stream start
            let first = try next()
            if first.type == YAML_STREAM_END_EVENT { return .success(nil) }
            let root = try node(from: try next(), depth: 0)
            _ = try next()                    // document end
            let after = try next()
            if after.type == YAML_DOCUMENT_START_EVENT {
                throw YAMLSyntaxError(pos: after.pos,
                                      message: "a scenario file holds one YAML document; found a second one ('---')")
            }
            return .success(root)
        } catch let e as YAMLSyntaxError {
            return .failure(e)
        } catch {
            return .failure(YAMLSyntaxError(pos: .start, message: "\(error)"))
        }
    }

    func next() throws -> Event {
        var ev = yaml_event_t()
        guard yaml_parser_parse(&parser, &ev) == 1 else { throw syntaxError() }
        defer { yaml_event_delete(&ev) }
        let pos = Pos(line: Int(ev.start_mark.line) + 1, column: Int(ev.start_mark.column) + 1)
        var e = Event(type: ev.type, pos: pos)
        switch ev.type {
        case YAML_SCALAR_EVENT:
            let s = ev.data.scalar
            if let v = s.value {
                e.value = YAMLComposer.restore(
                    String(decoding: UnsafeBufferPointer(start: v, count: Int(s.length)), as: UTF8.self))
            }
            e.style = s.style
            e.anchor = s.anchor.map { String(cString: $0) }
            e.singleLine = ev.start_mark.line == ev.end_mark.line
        case YAML_ALIAS_EVENT:
            e.anchor = ev.data.alias.anchor.map { String(cString: $0) }
        case YAML_SEQUENCE_START_EVENT:
            e.anchor = ev.data.sequence_start.anchor.map { String(cString: $0) }
        case YAML_MAPPING_START_EVENT:
            e.anchor = ev.data.mapping_start.anchor.map { String(cString: $0) }
        default:
            break
        }
        return e
    }

    func count(_ n: Int, bytes: Int = 0, at pos: Pos) throws {
        nodeCount += n
        byteCount += bytes
        if nodeCount > YAMLComposer.maxNodes {
            throw YAMLSyntaxError(pos: pos, message: "the document expands to more than \(YAMLComposer.maxNodes) values (aliases?)")
        }
        if byteCount > YAMLComposer.maxBytes {
            throw YAMLSyntaxError(pos: pos, message: "the document expands to more than \(YAMLComposer.maxBytes >> 20) MB of text (aliases?)")
        }
    }

    /// Returns the node (aliases count their whole target).
    func node(from e: Event, depth: Int) throws -> YNode {
        try sizedNode(from: e, depth: depth).0
    }

    /// The node, its size in nodes and its bytes of scalar text.
    func sizedNode(from e: Event, depth: Int) throws -> (YNode, Int, Int) {
        if depth > YAMLComposer.maxDepth {
            throw YAMLSyntaxError(pos: e.pos, message: "values are nested more than \(YAMLComposer.maxDepth) levels deep")
        }
        var result: (YNode, Int, Int)
        switch e.type {
        case YAML_SCALAR_EVENT:
            let plain = e.style == YAML_PLAIN_SCALAR_STYLE
            let bytes = e.value.utf8.count
            result = (.scalar(YScalar(value: e.value, pos: e.pos, plain: plain, quoted: !plain,
                                      singleLine: e.singleLine)), 1, bytes)
            try count(1, bytes: bytes, at: e.pos)
        case YAML_ALIAS_EVENT:
            guard let name = e.anchor, let target = anchors[name] else {
                throw YAMLSyntaxError(pos: e.pos, message: "undefined alias '*\(e.anchor ?? "")'")
            }
            try count(target.1, bytes: target.2, at: e.pos)
            return target
        case YAML_SEQUENCE_START_EVENT:
            var items: [YNode] = []
            var size = 1, bytes = 0
            try count(1, at: e.pos)
            while true {
                let ev = try next()
                if ev.type == YAML_SEQUENCE_END_EVENT { break }
                let (n, s, b) = try sizedNode(from: ev, depth: depth + 1)
                items.append(n); size += s; bytes += b
            }
            result = (.sequence(items, e.pos), size, bytes)
        case YAML_MAPPING_START_EVENT:
            var pairs: [YPair] = []
            var size = 1, bytes = 0
            try count(1, at: e.pos)
            while true {
                let ev = try next()
                if ev.type == YAML_MAPPING_END_EVENT { break }
                let (k, ks, kb) = try sizedNode(from: ev, depth: depth + 1)
                let (v, vs, vb) = try sizedNode(from: try next(), depth: depth + 1)
                pairs.append(YPair(key: k, value: v)); size += ks + vs; bytes += kb + vb
            }
            result = (.mapping(pairs, e.pos), size, bytes)
        default:
            throw YAMLSyntaxError(pos: e.pos, message: "unexpected YAML structure")
        }
        if let a = e.anchor { anchors[a] = result }
        return result
    }

    func syntaxError() -> YAMLSyntaxError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        let context = parser.context.map { String(cString: $0) }
        var pos: Pos
        if parser.error == YAML_READER_ERROR {
            pos = position(ofByte: Int(parser.problem_offset))
        } else {
            pos = Pos(line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1)
        }
        var msg = "YAML syntax error: \(problem)"
        if let ctx = context {
            let cpos = Pos(line: Int(parser.context_mark.line) + 1, column: Int(parser.context_mark.column) + 1)
            msg += " (\(ctx) at \(cpos.line):\(cpos.column))"
            if ctx.contains("alias") {
                // `- *.success_rate >= 99%` reads as an alias; the spec asks for quotes.
                msg += "; a value starting with '*' must be quoted, e.g. \"*.success_rate >= 99%\""
                pos = cpos
            }
        }
        return YAMLSyntaxError(pos: pos, message: msg)
    }

    func position(ofByte offset: Int) -> Pos {
        var line = 1, col = 1, i = 0
        for u in text.unicodeScalars {
            if i >= offset { break }
            i += String(u).utf8.count
            if u == "\n" { line += 1; col = 1 } else { col += 1 }
        }
        return Pos(line: line, column: col)
    }
}

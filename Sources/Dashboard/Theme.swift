// Colour themes and glyph sets, chosen from the terminal's capabilities and the environment.

/// A terminal colour: -1 is the terminal's default, 0...255 the palette.
public struct Style: Sendable, Equatable {
    public var fg: Int
    public var bg: Int
    public var attrs: CellAttributes
    public init(fg: Int = -1, bg: Int = -1, attrs: CellAttributes = []) {
        self.fg = fg
        self.bg = bg
        self.attrs = attrs
    }
    public var hasColor: Bool { fg != -1 || bg != -1 }
}

public enum ThemeKind: String, Sendable, Equatable, CaseIterable {
    case color256 = "256", color16 = "16", mono
}

public struct Theme: Sendable, Equatable {
    public let kind: ThemeKind
    private let styles: [Style]

    public func style(_ role: ColorRole) -> Style { styles[Int(role.rawValue)] }

    public static func make(_ kind: ThemeKind) -> Theme {
        let table: [ColorRole: Style]
        switch kind {
        case .color256:
            table = [
                .muted: Style(fg: 244), .title: Style(fg: 75, attrs: .bold), .border: Style(fg: 240),
                .header: Style(fg: 252, attrs: .bold), .selected: Style(fg: 16, bg: 75, attrs: .bold),
                .best: Style(fg: 114, attrs: .bold),
                .healthy: Style(fg: 71), .degraded: Style(fg: 214), .failing: Style(fg: 196, attrs: .bold),
                .down: Style(fg: 160, attrs: .reverse), .starting: Style(fg: 110),
                .accent: Style(fg: 141), .statusBar: Style(fg: 252, bg: 236), .statusKey: Style(fg: 16, bg: 75, attrs: .bold),
                .cursor: Style(fg: 231, attrs: .bold), .faultActive: Style(fg: 203, attrs: .bold),
                .faultIdle: Style(fg: 245), .overlay: Style(fg: 252, bg: 235),
            ]
        case .color16:
            table = [
                .muted: Style(fg: 8 /* bright black */), .title: Style(fg: 6, attrs: .bold), .border: Style(fg: 4),
                .header: Style(attrs: .bold), .selected: Style(fg: 0, bg: 6),
                .best: Style(fg: 2, attrs: .bold),
                .healthy: Style(fg: 2), .degraded: Style(fg: 3), .failing: Style(fg: 1, attrs: .bold),
                .down: Style(fg: 1, attrs: .reverse), .starting: Style(fg: 6),
                .accent: Style(fg: 5), .statusBar: Style(fg: 7, bg: 4), .statusKey: Style(fg: 0, bg: 6),
                .cursor: Style(attrs: .bold), .faultActive: Style(fg: 1, attrs: .bold),
                .faultIdle: Style(fg: 7), .overlay: Style(fg: 7, bg: 0),
            ]
        case .mono:
            // No colour at all (NO_COLOR): roles survive as attributes, glyphs carry health.
            table = [
                .muted: Style(attrs: .dim), .title: Style(attrs: .bold), .header: Style(attrs: .bold),
                .selected: Style(attrs: .reverse), .best: Style(attrs: .bold),
                .failing: Style(attrs: .bold), .down: Style(attrs: .reverse), .starting: Style(attrs: .dim),
                .statusBar: Style(attrs: .reverse), .statusKey: Style(attrs: [.reverse, .bold]),
                .cursor: Style(attrs: .bold), .faultActive: Style(attrs: .bold), .faultIdle: Style(attrs: .dim),
            ]
        }
        return Theme(kind: kind, styles: ColorRole.allCases.map { table[$0] ?? Style() })
    }

    /// NO_COLOR (any value, per no-color.org) wins; then what the terminal can show.
    public static func select(environment: [String: String], hasColors: Bool, colors: Int) -> Theme {
        if let v = environment["NO_COLOR"], !v.isEmpty { return make(.mono) }
        if !hasColors || colors < 8 { return make(.mono) }
        return make(colors >= 256 ? .color256 : .color16)
    }
}

/// Glyphs for the locale: Unicode (box drawing, braille) or plain ASCII.
public struct Glyphs: Sendable, Equatable {
    public let unicode: Bool
    public let sparkline: SparkStyle
    public let h, v, tl, tr, bl, br: Unicode.Scalar
    public let bar, barEmpty, bestMark, cursor, arrow, lock: String

    public static let utf8 = Glyphs(unicode: true, sparkline: .braille, h: "─", v: "│", tl: "┌", tr: "┐", bl: "└", br: "┘",
                                    bar: "█", barEmpty: "░", bestMark: "★", cursor: "▼", arrow: "→", lock: "⚿")
    public static let ascii = Glyphs(unicode: false, sparkline: .ascii, h: "-", v: "|", tl: "+", tr: "+", bl: "+", br: "+",
                                     bar: "#", barEmpty: ".", bestMark: "*", cursor: "v", arrow: ">", lock: "")

    /// UTF-8 when LC_ALL, else LC_CTYPE, else LANG names a UTF-8 codeset (the order setlocale uses).
    public static func detect(environment: [String: String]) -> Glyphs {
        let value = [environment["LC_ALL"], environment["LC_CTYPE"], environment["LANG"]]
            .compactMap { $0 }.first { !$0.isEmpty } ?? ""
        let v = value.lowercased()
        return v.contains("utf-8") || v.contains("utf8") ? .utf8 : .ascii
    }

    public func health(_ h: Health) -> String {
        if unicode {
            switch h {
            case .healthy: return "●"
            case .degraded: return "◐"
            case .failing: return "✖"
            case .down: return "○"
            case .starting: return "◌"
            }
        }
        switch h {
        case .healthy: return "o"
        case .degraded: return "~"
        case .failing: return "!"
        case .down: return "x"
        case .starting: return "."
        }
    }
}

public enum SparkStyle: String, Sendable, Equatable {
    case braille, blocks, ascii
}

extension Health {
    var role: ColorRole {
        switch self {
        case .healthy: return .healthy
        case .degraded: return .degraded
        case .failing: return .failing
        case .down: return .down
        case .starting: return .starting
        }
    }
}

// An in-memory screen: layout draws here, the backend flushes the difference, tests dump it as text.

/// What a cell means; a Theme turns it into colours.
public enum ColorRole: UInt8, Sendable, CaseIterable, Equatable {
    case normal, muted, title, border, header, selected, best
    case healthy, degraded, failing, down, starting
    case accent, statusBar, statusKey, cursor, faultActive, faultIdle, overlay
}

public struct CellAttributes: OptionSet, Sendable, Equatable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = CellAttributes(rawValue: 1)
    public static let dim = CellAttributes(rawValue: 2)
    public static let reverse = CellAttributes(rawValue: 4)
    public static let underline = CellAttributes(rawValue: 8)
}

public struct Cell: Sendable, Equatable {
    public var char: Unicode.Scalar
    public var role: ColorRole
    public var attrs: CellAttributes

    public init(_ char: Unicode.Scalar = " ", role: ColorRole = .normal, attrs: CellAttributes = []) {
        self.char = char
        self.role = role
        self.attrs = attrs
    }
    public static let blank = Cell()
}

public struct Size: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }
    /// Parses "120x40".
    public init?(_ text: String) {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), w > 0, h > 0 else { return nil }
        self.init(width: w, height: h)
    }
}

/// Row-major cells. Every glyph used is one column wide, so a scalar is a cell.
public struct CellGrid: Sendable, Equatable, CustomStringConvertible {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            cells[y * width + x] = newValue
        }
    }

    /// Writes text from (x, y), clipped at `maxX` (exclusive, defaults to the right edge). Returns the x after the text.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, role: ColorRole = .normal,
                             attrs: CellAttributes = [], maxX: Int? = nil) -> Int {
        guard y >= 0, y < height else { return x }
        let limit = min(maxX ?? width, width)
        var cx = x
        for scalar in text.unicodeScalars {
            if cx >= limit { break }
            if cx >= 0 { cells[y * width + cx] = Cell(scalar, role: role, attrs: attrs) }
            cx += 1
        }
        return cx
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, cell: Cell = .blank) {
        for row in max(0, y)..<min(height, y + h) {
            for col in max(0, x)..<min(width, x + w) { cells[row * width + col] = cell }
        }
    }

    public mutating func setRole(x: Int, y: Int, width w: Int, role: ColorRole, attrs: CellAttributes? = nil) {
        guard y >= 0, y < height else { return }
        for col in max(0, x)..<min(width, x + w) {
            cells[y * width + col].role = role
            if let attrs { cells[y * width + col].attrs = attrs }
        }
    }

    /// One text line per row, trailing spaces trimmed: what goldens compare.
    public var description: String {
        var lines: [String] = []
        lines.reserveCapacity(height)
        for y in 0..<height {
            var s = String.UnicodeScalarView()
            for x in 0..<width { s.append(cells[y * width + x].char) }
            var line = String(s)
            while line.last == " " { line.removeLast() }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    public func row(_ y: Int) -> String {
        var s = String.UnicodeScalarView()
        for x in 0..<width { s.append(cells[y * width + x].char) }
        return String(s)
    }
}

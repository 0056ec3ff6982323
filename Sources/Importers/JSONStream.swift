import Foundation

// A streaming reader for large JSON files: it finds the objects at chosen paths and hands over
// each one's bytes (to be decoded by Foundation's JSONDecoder), walking the rest of the file
// without building it. It only tracks what it must to find object boundaries: whether it is in
// a string (and after a backslash), the containers it walked into with their keys and indices,
// and the nesting depth inside a value it skips or captures. Memory: the chunk read, plus the
// largest captured value.

/// One step of a path into a JSON document.
enum JSONPathItem: Equatable, Sendable {
    case key(String), index(Int)
    var key: String? { if case let .key(k) = self { return k }; return nil }
}

/// What the reader does with a container (object or array) at a path.
enum JSONInterest { case skip, descend, capture }

/// Reads one JSON document, or several one after another (JSON Lines), in chunks.
final class JSONStreamReader {
    /// For a container starting at `path` (`true`: an object, `false`: an array): skip it,
    /// walk into it, or capture it whole for `onValue`.
    var interest: (_ path: [JSONPathItem], _ isObject: Bool) -> JSONInterest = { _, _ in .skip }
    /// A captured container: its path, its bytes, and the line and column where it starts.
    var onValue: (_ path: [JSONPathItem], _ bytes: [UInt8], _ line: Int, _ column: Int) throws -> Void = { _, _, _, _ in }
    /// A container walked into has ended (its path).
    var onEnd: (_ path: [JSONPathItem]) throws -> Void = { _ in }

    /// Named in errors.
    let file: String
    /// The largest value captured (bytes); a larger one is an error rather than unbounded memory.
    let maxCapture: Int

    init(file: String, maxCapture: Int = 256 << 20) {
        self.file = file
        self.maxCapture = maxCapture
    }

    private enum Expect { case value, valueOrEnd, keyOrEnd, key, colon, commaOrEnd }
    /// Containers walked into: true for an object.
    private var objects: [Bool] = []
    /// The position inside each container walked into (its current key or index).
    private var path: [JSONPathItem] = []
    private var expect = Expect.value
    private var inString = false, escaped = false, stringIsKey = false, inScalar = false
    private var keyBytes: [UInt8] = []
    /// Depth inside a container being skipped or captured (0: none).
    private var rawDepth = 0
    private var capturing = false
    private var capture: [UInt8] = []
    private var captureFrom = 0
    private var captureLine = 0, captureColumn = 0
    private var line = 1, column = 0

    private func fail(_ message: String) -> ImportError {
        ImportError(file: file, line: line, column: max(1, column), "not valid JSON: \(message)")
    }

    /// Reads the file at `path` in chunks of `chunk` bytes.
    func read(path: String, chunk: Int = 1 << 20) throws {
        guard let fh = FileHandle(forReadingAtPath: path) else { throw ImportError(file: file, "cannot read the file") }
        defer { try? fh.close() }
        while true {
            let data: Data
            do { data = try fh.read(upToCount: chunk) ?? Data() } catch { throw ImportError(file: file, "cannot read the file: \(error.localizedDescription)") }
            if data.isEmpty { break }
            try data.withUnsafeBytes { try feed($0.bindMemory(to: UInt8.self)) }
        }
        try finish()
    }

    /// The next bytes of the stream.
    func feed(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        var i = 0
        let n = bytes.count
        captureFrom = 0
        while i < n {
            let c = bytes[i]
            if c == 0x0A { line += 1; column = 0 } else { column += 1 }
            if inString {
                if escaped { escaped = false } else if c == 0x5C { escaped = true } else if c == 0x22 {
                    inString = false
                    if rawDepth == 0 {
                        if stringIsKey {
                            path[path.count - 1] = .key(decodeKey())
                            expect = .colon
                        } else { valueDone() }
                    }
                    i += 1; continue
                }
                if stringIsKey && rawDepth == 0 { keyBytes.append(c) }
                i += 1; continue
            }
            if rawDepth > 0 {
                switch c {
                case 0x22: inString = true
                case 0x7B, 0x5B: rawDepth += 1
                case 0x7D, 0x5D:
                    rawDepth -= 1
                    if rawDepth == 0 {
                        if capturing {
                            capture.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[captureFrom...i]))
                            capturing = false
                            try onValue(path, capture, captureLine, captureColumn)
                            capture.removeAll(keepingCapacity: capture.count <= 1 << 20)
                        }
                        valueDone()
                    }
                default: break
                }
                i += 1; continue
            }
            if inScalar {
                if c == 0x2C || c == 0x7D || c == 0x5D || c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                    inScalar = false
                    valueDone()
                } else { i += 1; continue }
            }
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1; continue }
            switch expect {
            case .value, .valueOrEnd:
                if c == 0x7B || c == 0x5B {
                    let isObject = c == 0x7B
                    switch interest(path, isObject) {
                    case .skip: rawDepth = 1
                    case .capture:
                        rawDepth = 1
                        capturing = true
                        captureFrom = i
                        captureLine = line; captureColumn = column
                    case .descend:
                        objects.append(isObject)
                        if isObject { path.append(.key("")); expect = .keyOrEnd } else { path.append(.index(0)); expect = .valueOrEnd }
                    }
                } else if c == 0x22 {
                    inString = true; stringIsKey = false
                } else if c == 0x5D && expect == .valueOrEnd {
                    try close()
                } else if c == 0x2D || (0x30...0x39).contains(c) || c == 0x74 || c == 0x66 || c == 0x6E {
                    inScalar = true
                } else { throw fail("expected a value, found '\(Character(Unicode.Scalar(c)))'") }
            case .keyOrEnd, .key:
                if c == 0x22 { inString = true; stringIsKey = true; keyBytes.removeAll(keepingCapacity: true) }
                else if c == 0x7D && expect == .keyOrEnd { try close() }
                else { throw fail("expected a key in quotes") }
            case .colon:
                guard c == 0x3A else { throw fail("expected ':' after a key") }
                expect = .value
            case .commaOrEnd:
                guard let isObject = objects.last else { throw fail("expected the end of the file or another document") }
                if c == 0x2C {
                    if isObject { expect = .key } else {
                        if case let .index(k) = path[path.count - 1] { path[path.count - 1] = .index(k + 1) }
                        expect = .value
                    }
                } else if c == 0x7D && isObject { try close() }
                else if c == 0x5D && !isObject { try close() }
                else { throw fail(isObject ? "expected ',' or '}'" : "expected ',' or ']'") }
            }
            i += 1
        }
        if capturing {
            capture.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[captureFrom..<n]))
            if capture.count > maxCapture {
                throw ImportError(file: file, line: captureLine, column: captureColumn,
                                  "one object is larger than \(maxCapture >> 20) MB; split the export")
            }
        }
    }

    /// The stream has ended: it must not end inside a value.
    func finish() throws {
        if inScalar { inScalar = false; valueDone() }
        if inString || rawDepth > 0 || !objects.isEmpty || expect == .colon {
            throw fail("the file ends inside a value (is it cut short?)")
        }
    }

    private func close() throws {
        objects.removeLast()
        path.removeLast()
        try onEnd(path)
        valueDone()
    }

    private func valueDone() { expect = objects.isEmpty ? .value : .commaOrEnd }

    private func decodeKey() -> String {
        if !keyBytes.contains(0x5C) { return String(decoding: keyBytes, as: UTF8.self) }
        let quoted = Data([0x22] + keyBytes + [0x22])
        return (try? JSONDecoder().decode(String.self, from: quoted)) ?? String(decoding: keyBytes, as: UTF8.self)
    }
}

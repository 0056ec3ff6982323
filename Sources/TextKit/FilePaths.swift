/// The folder part of a path, as `NSString.deletingLastPathComponent` gives it ("a/b" → "a",
/// "/a" → "/", "a" → "", "a/b/" → "a"). Ours because swift-corelibs-foundation's crashes
/// (an illegal instruction in `String._startOfLastPathComponent`) on a one-character path
/// such as `--out o` (seen with Swift 6.3.1 on Linux).
public func parentFolder(of path: String) -> String {
    var p = Substring(path)
    while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
    guard let slash = p.lastIndex(of: "/") else { return "" }
    if slash == p.startIndex { return "/" }
    var head = p[..<slash]
    while head.count > 1 && head.hasSuffix("/") { head = head.dropLast() }
    return String(head)
}

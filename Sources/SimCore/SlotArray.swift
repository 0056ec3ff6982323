/// A growable array for a model's hot pools (records reused through a free list), written
/// in place without copy-on-write.
///
/// Why: every write into a Swift `Array` held in a struct checks that its buffer is
/// uniquely referenced (`swift_isUniquelyReferenced_nonNull_native`, a runtime call), and a
/// request's life writes its call and try records dozens of times: about 7% of an M/M/1
/// run's time went to those checks (issue 18). A `SlotArray` writes through a pointer; it
/// still checks every index (a compare, no call).
///
/// The price is reference semantics: copies share the elements, and a copy made before the
/// original grows would point at storage that growth has freed. It is for state that one
/// owner keeps and mutates in place (a simulation's pools), never copied while in use.
/// `@unchecked Sendable` on that ground: the owner moves between threads whole.
public struct SlotArray<Element>: @unchecked Sendable {
    /// Owns the allocation; frees it (and the elements) when the last copy goes.
    @usableFromInline final class Storage {
        // Unchecked: only the owning array writes them (on append, pop and growth), and a
        // checked access costs a runtime call per write (swift_beginAccess), which made a
        // free list's push and pop slower than the Array it replaced.
        @exclusivity(unchecked) @usableFromInline var base: UnsafeMutablePointer<Element>
        @exclusivity(unchecked) @usableFromInline var count = 0
        @exclusivity(unchecked) @usableFromInline var capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
            base = .allocate(capacity: capacity)
        }

        deinit {
            base.deinitialize(count: count)
            base.deallocate()
        }
    }

    @usableFromInline let storage: Storage
    /// `storage.base` and `storage.count`, kept here so that an element access reads no
    /// class property.
    @usableFromInline var base: UnsafeMutablePointer<Element>
    @usableFromInline var _count = 0

    public init() {
        storage = Storage(capacity: 16)
        base = storage.base
    }

    /// The elements of `elements`, in order.
    public init(_ elements: some Sequence<Element>) {
        self.init()
        for e in elements { append(e) }
    }

    /// `count` copies of `e`.
    public init(repeating e: Element, count: Int) {
        self.init()
        append(repeating: e, count: count)
    }

    @inlinable public var count: Int { _count }
    @inlinable public var isEmpty: Bool { _count == 0 }
    @inlinable public var indices: Range<Int> { 0..<_count }
    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { _count }

    /// The element at `i` (0 ≤ i < count; traps otherwise, as an array does).
    @inlinable
    public subscript(i: Int) -> Element {
        @inline(__always) get {
            precondition(UInt(bitPattern: i) < UInt(bitPattern: _count), "SlotArray index out of range")
            return base[i]
        }
        @inline(__always) nonmutating _modify {
            precondition(UInt(bitPattern: i) < UInt(bitPattern: _count), "SlotArray index out of range")
            yield &base[i]
        }
    }

    @inlinable
    public mutating func append(_ e: consuming Element) {
        if _count == storage.capacity { grow(to: _count + 1) }
        (base + _count).initialize(to: e)
        _count += 1
        storage.count = _count
    }

    /// Appends `n` copies of `e`.
    @inlinable
    public mutating func append(repeating e: Element, count n: Int) {
        guard n > 0 else { return }
        if _count + n > storage.capacity { grow(to: _count + n) }
        (base + _count).initialize(repeating: e, count: n)
        _count += n
        storage.count = _count
    }

    /// Removes and returns the last element (nil when empty): a free list's pop.
    @inlinable
    public mutating func popLast() -> Element? {
        guard _count > 0 else { return nil }
        _count -= 1
        storage.count = _count
        return (base + _count).move()
    }

    /// Appends the elements of `elements`, in order.
    public mutating func append(contentsOf elements: some Sequence<Element>) {
        for e in elements { append(e) }
    }

    /// Moves the elements to an allocation of at least `needed` (doubling).
    @usableFromInline @inline(never)
    mutating func grow(to needed: Int) {
        let capacity = Swift.max(needed, 2 * storage.capacity)
        let fresh = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
        fresh.moveInitialize(from: storage.base, count: _count)
        storage.base.deallocate()
        storage.base = fresh
        storage.capacity = capacity
        base = fresh
    }
}

/// Read as a collection (`map`, `allSatisfy`, `enumerated`...); writes go through the
/// subscript's in-place `_modify`.
extension SlotArray: RandomAccessCollection {
    public typealias Index = Int
    public typealias Indices = Range<Int>
}

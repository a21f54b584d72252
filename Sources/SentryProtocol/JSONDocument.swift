#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A parsed JSON text, kept as the original bytes plus a flat index (a "tape") of its values.
///
/// Parsing validates the whole text in one pass (structure, numbers, escapes, UTF-8) and records where
/// each value starts and ends, without building strings or dictionaries. Readers then look up only the
/// fields they need: on the ingest path that is a handful, where `JSONSerialization` would have built
/// every one (80–360 µs per event against ~10 µs here; see Docs/performance.md).
public struct JSONDocument: Sendable {
    public enum Kind: UInt8, Sendable {
        case object, array, string, number, `true`, `false`, null
    }

    public struct Node: Sendable {
        public internal(set) var kind: Kind
        /// For strings: whether it contains escapes (then decoding must unescape).
        public internal(set) var escaped: Bool
        /// Byte range of the value in `bytes`; for strings, the contents without quotes.
        public internal(set) var start: UInt32
        public internal(set) var end: UInt32
        /// For containers: the tape index just past the whole subtree.
        public internal(set) var next: UInt32
        /// For containers: members (objects) or elements (arrays).
        public internal(set) var count: UInt32

        @inlinable public var isContainer: Bool { kind == .object || kind == .array }
    }

    public let bytes: [UInt8]
    let tape: [Node]

    /// The maximum nesting depth accepted. Deeper documents are rejected rather than risking the stack
    /// of whatever reads them next.
    public static let maxDepth = 128

    public init(bytes: [UInt8]) throws(JSONError) {
        try self.init(bytes: bytes, range: 0..<bytes.count)
    }

    /// Parses `bytes[range]`; offsets stay relative to the whole array, so an envelope item is parsed in place.
    public init(bytes: [UInt8], range: Range<Int>) throws(JSONError) {
        self.bytes = bytes
        var parser = JSONTapeParser(end: range.upperBound)
        self.tape = try bytes.withUnsafeBufferPointer { buffer throws(JSONError) in
            try parser.parse(buffer, from: range.lowerBound)
        }
    }

    public var root: JSONRef { JSONRef(document: self, index: 0) }

    /// The raw byte ranges of an object's keys (escapes left as written).
    func keyRanges(of object: JSONRef) -> [Range<Int>] {
        let node = tape[object.index]
        guard node.kind == .object else { return [] }
        var result: [Range<Int>] = []
        var i = object.index + 1
        while i < Int(node.next) {
            result.append(Int(tape[i].start)..<Int(tape[i].end))
            i = tape[i + 1].subtreeEnd(at: i + 1)
        }
        return result
    }
}

public struct JSONError: Error, Equatable, CustomStringConvertible, Sendable {
    public let message: FixedText
    public let offset: Int

    public var description: String { "\(message) at byte \(offset)" }
}

/// A value inside a `JSONDocument`.
public struct JSONRef: Sendable {
    let document: JSONDocument
    let index: Int

    private var node: JSONDocument.Node { document.tape[index] }

    public var kind: JSONDocument.Kind { node.kind }
    public var isNull: Bool { node.kind == .null }

    /// The raw JSON text of this value (with quotes for strings).
    public var rawBytes: ArraySlice<UInt8> {
        let n = node
        if n.kind == .string { return document.bytes[Int(n.start - 1)..<Int(n.end + 1)] }
        return document.bytes[Int(n.start)..<Int(n.end)]
    }

    /// Looks up `key` in an object (first match); nil for a missing key or a non-object.
    public subscript(key: String) -> JSONRef? {
        let n = node
        guard n.kind == .object else { return nil }
        var i = index + 1
        let end = Int(n.next)
        var key = key
        return key.withUTF8 { wanted in
            while i < end {
                let keyNode = document.tape[i]
                let valueIndex = i + 1
                if keyNode.matches(wanted, in: document.bytes) {
                    return JSONRef(document: document, index: valueIndex)
                }
                i = document.tape[valueIndex].subtreeEnd(at: valueIndex)
            }
            return nil
        }
    }

    /// Follows a path of object keys.
    public subscript(path: String...) -> JSONRef? {
        var current: JSONRef? = self
        for key in path { current = current?[key] }
        return current
    }

    public var string: String? {
        let n = node
        guard n.kind == .string else { return nil }
        return JSONStrings.decode(document.bytes, Int(n.start)..<Int(n.end), escaped: n.escaped)
    }

    public var bool: Bool? {
        switch node.kind {
        case .true: true
        case .false: false
        default: nil
        }
    }

    public var double: Double? {
        let n = node
        guard n.kind == .number else { return nil }
        return Double(String(decoding: document.bytes[Int(n.start)..<Int(n.end)], as: UTF8.self))
    }

    public var int: Int? {
        let n = node
        guard n.kind == .number else { return nil }
        let text = String(decoding: document.bytes[Int(n.start)..<Int(n.end)], as: UTF8.self)
        if let v = Int(text) { return v }
        if let d = Double(text), d.isFinite, d.rounded() == d, abs(d) < 9.0e18 { return Int(d) }
        return nil
    }

    public var count: Int {
        let n = node
        return n.kind == .object || n.kind == .array ? Int(n.count) : 0
    }

    /// Elements of an array (empty for anything else).
    public var elements: [JSONRef] {
        let n = node
        guard n.kind == .array else { return [] }
        var result: [JSONRef] = []
        result.reserveCapacity(Int(n.count))
        var i = index + 1
        while i < Int(n.next) {
            result.append(JSONRef(document: document, index: i))
            i = document.tape[i].subtreeEnd(at: i)
        }
        return result
    }

    /// Members of an object in document order (empty for anything else).
    public var members: [(key: String, value: JSONRef)] {
        let n = node
        guard n.kind == .object else { return [] }
        var result: [(String, JSONRef)] = []
        result.reserveCapacity(Int(n.count))
        var i = index + 1
        while i < Int(n.next) {
            let k = document.tape[i]
            let key = JSONStrings.decode(document.bytes, Int(k.start)..<Int(k.end), escaped: k.escaped)
            result.append((key, JSONRef(document: document, index: i + 1)))
            i = document.tape[i + 1].subtreeEnd(at: i + 1)
        }
        return result
    }
}

extension JSONDocument.Node {
    @inline(__always)
    func subtreeEnd(at index: Int) -> Int {
        kind == .object || kind == .array ? Int(next) : index + 1
    }

    @inline(__always)
    func matches(_ wanted: UnsafeBufferPointer<UInt8>, in bytes: [UInt8]) -> Bool {
        if escaped {
            return JSONStrings.decode(bytes, Int(start)..<Int(end), escaped: true).utf8.elementsEqual(wanted)
        }
        guard Int(end - start) == wanted.count else { return false }
        return bytes.withUnsafeBufferPointer { all in
            var i = 0
            var j = Int(start)
            while i < wanted.count {
                if all[j] != wanted[i] { return false }
                i += 1
                j += 1
            }
            return true
        }
    }
}

extension JSONRef {
    /// The byte range of this value's JSON text in `document.bytes` (with quotes for strings).
    public var byteRange: Range<Int> {
        let n = document.tape[index]
        if n.kind == .string { return Int(n.start - 1)..<Int(n.end + 1) }
        return Int(n.start)..<Int(n.end)
    }

    /// For strings: the byte range of the contents, without quotes, and whether it holds escapes.
    public var stringContents: (range: Range<Int>, escaped: Bool)? {
        let n = document.tape[index]
        guard n.kind == .string else { return nil }
        return (Int(n.start)..<Int(n.end), n.escaped)
    }

    public var documentBytes: [UInt8] { document.bytes }

    /// Calls `body` with each member's raw key bytes (escapes decoded only when present) and value, in
    /// document order, without building a `String` per key: scanning every key of an event is on the ingest path.
    public func forEachMember(_ body: (UnsafeBufferPointer<UInt8>, JSONRef) -> Void) {
        let n = document.tape[index]
        guard n.kind == .object else { return }
        var i = index + 1
        document.bytes.withUnsafeBufferPointer { all in
            while i < Int(n.next) {
                let k = document.tape[i]
                let value = JSONRef(document: document, index: i + 1)
                if k.escaped {
                    var decoded = JSONStrings.decode(document.bytes, Int(k.start)..<Int(k.end), escaped: true)
                    decoded.withUTF8 { body($0, value) }
                } else {
                    body(UnsafeBufferPointer(rebasing: all[Int(k.start)..<Int(k.end)]), value)
                }
                i = document.tape[i + 1].subtreeEnd(at: i + 1)
            }
        }
    }

    /// Like `forEachMember`, but each value is a `JSONBorrowedValue` read straight from the document's storage:
    /// no `JSONRef` (two reference counts) per member. Stack frames, a dozen members each, are read this way.
    public func forEachMemberValue(_ body: (UnsafeBufferPointer<UInt8>, JSONBorrowedValue) -> Void) {
        guard document.tape[index].kind == .object else { return }
        document.tape.withUnsafeBufferPointer { tape in
            document.bytes.withUnsafeBufferPointer { all in
                let end = Int(tape[index].next)
                var i = index + 1
                while i < end {
                    let k = tape[i]
                    let v = tape[i + 1]
                    let value = JSONBorrowedValue(node: v, bytes: all)
                    if k.escaped {
                        var decoded = JSONStrings.decode(all, Int(k.start)..<Int(k.end))
                        decoded.withUTF8 { body($0, value) }
                    } else {
                        body(UnsafeBufferPointer(rebasing: all[Int(k.start)..<Int(k.end)]), value)
                    }
                    i = v.subtreeEnd(at: i + 1)
                }
            }
        }
    }

    /// Object keys to look up together (`members(named:)`), grouped by length so each member is compared only
    /// with the keys as long as its own. Build once and keep.
    public struct KeySet: Sendable {
        let keys: [StaticString]
        let byLength: [[Int]]

        public init(_ keys: [StaticString]) {
            self.keys = keys
            var byLength = [[Int]](repeating: [], count: (keys.map(\.utf8CodeUnitCount).max() ?? 0) + 1)
            for (i, k) in keys.enumerated() { byLength[k.utf8CodeUnitCount].append(i) }
            self.byLength = byLength
        }
    }

    /// Looks up several keys of an object in one pass over its members: `result[i]` is the first member named
    /// `keys.keys[i]` (nil when absent, or when this is not an object). An event's top level is read this way
    /// instead of one member scan per field.
    public func members(named keys: KeySet) -> [JSONRef?] {
        var found = [JSONRef?](repeating: nil, count: keys.keys.count)
        forEachMember { key, value in
            guard key.count < keys.byLength.count else { return }
            for k in keys.byLength[key.count] where found[k] == nil {
                if key.count == 0 || memcmp(key.baseAddress!, keys.keys[k].utf8Start, key.count) == 0 {
                    found[k] = value
                    break
                }
            }
        }
        return found
    }

    /// A time as SDKs send it: seconds since the epoch (a number or numeric text) or RFC 3339 text. RFC 3339 is
    /// read from the bytes in place, without building a `String` (every event and envelope carries one).
    /// Times outside `Timestamp.validRange` (negative, past the year 5000, not finite) are nil: every later
    /// computation (durations, clock drift, hour buckets) can then trust its inputs.
    public var timestampValue: Double? {
        let time: Double?
        if let seconds = double {
            time = seconds
        } else if let (range, escaped) = stringContents, !escaped,
                  let parsed = document.bytes.withUnsafeBufferPointer({ Timestamp.parse(bytes: UnsafeBufferPointer(rebasing: $0[range])) }) {
            time = parsed
        } else {
            time = string.flatMap { Double($0) ?? Timestamp.parse($0) }
        }
        guard let time, Timestamp.validRange.contains(time) else { return nil }
        return time
    }

    /// A scalar rendered as text (strings as they are, numbers as written, booleans as true/false); nil for
    /// null, objects and arrays.
    public var scalarText: String? {
        switch kind {
        case .string: string
        case .number: String(decoding: rawBytes, as: UTF8.self)
        case .true: "true"
        case .false: "false"
        default: nil
        }
    }
}

extension JSONDocument {
    /// The tape and the bytes, for scanners that walk a whole document in order (the scrubber) and must
    /// not pay for a `JSONRef` per value. A container's members follow it (for objects as key, value, key,
    /// value…), each subtree contiguous; for a scalar, the next node is at index + 1.
    public func withTape<R>(_ body: (UnsafeBufferPointer<Node>, UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try tape.withUnsafeBufferPointer { t in
            try bytes.withUnsafeBufferPointer { b in try body(t, b) }
        }
    }
}

/// A scalar read in place during `JSONRef.forEachMemberValue`; valid only inside that call.
public struct JSONBorrowedValue {
    let node: JSONDocument.Node
    let bytes: UnsafeBufferPointer<UInt8>

    public var kind: JSONDocument.Kind { node.kind }

    public var string: String? {
        guard node.kind == .string else { return nil }
        let range = Int(node.start)..<Int(node.end)
        if node.escaped { return JSONStrings.decode(bytes, range) }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    public var bool: Bool? {
        switch node.kind {
        case .true: true
        case .false: false
        default: nil
        }
    }

    /// As `JSONRef.int`: an integer, or a number with an integral value; read digit by digit when it is plain.
    public var int: Int? {
        guard node.kind == .number else { return nil }
        let digits = UnsafeBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)])
        var i = 0
        let negative = digits.first == UInt8(ascii: "-")
        if negative { i = 1 }
        if digits.count - i <= 18, i < digits.count {
            var value = 0
            while i < digits.count, digits[i] >= 48, digits[i] <= 57 {
                value = value * 10 + Int(digits[i] - 48)
                i += 1
            }
            if i == digits.count { return negative ? -value : value }
        }
        let text = String(decoding: digits, as: UTF8.self)
        if let v = Int(text) { return v }
        if let d = Double(text), d.isFinite, d.rounded() == d, abs(d) < 9.0e18 { return Int(d) }
        return nil
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Substring search over UTF-8 bytes. The standard library's `firstRange(of:)` and `contains(_:)` for
/// strings go through _StringProcessing, which builds a searcher (with a dictionary) per call: on the
/// ingest path that cost more than the whole rest of grouping.
extension StringProtocol {
    func range(ofText needle: String) -> Range<Index>? {
        let hay = utf8
        let n = needle.utf8
        guard let first = n.first else { return startIndex..<startIndex }
        var i = hay.startIndex
        while i != hay.endIndex {
            if hay[i] == first {
                var a = i
                var b = n.startIndex
                while b != n.endIndex, a != hay.endIndex, hay[a] == n[b] {
                    a = hay.index(after: a)
                    b = n.index(after: b)
                }
                if b == n.endIndex { return i..<a }
            }
            i = hay.index(after: i)
        }
        return nil
    }

    func lastRange(ofText needle: String) -> Range<Index>? {
        var found: Range<Index>?
        var rest = self[...]
        while let r = rest.range(ofText: needle) {
            found = r
            rest = rest[r.upperBound...]
        }
        return found
    }

    func containsText(_ needle: String) -> Bool {
        range(ofText: needle) != nil
    }
}

extension String {
    /// Whether any UTF-8 byte satisfies `predicate`, over the contiguous bytes: `utf8.contains(where:)` was not
    /// specialized and paid a witness call per byte on the ingest path.
    @inline(__always)
    func anyByte(_ predicate: (UInt8) -> Bool) -> Bool {
        var s = self
        return s.withUTF8 { $0.contains(where: predicate) }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Byte equality with a literal, as one `memcmp`: a generic `elementsEqual` against `String.UTF8View`
    /// was not specialized and cost a witness call per byte, for every key of every frame and event.
    @inline(__always)
    func equals(_ literal: StaticString) -> Bool {
        count == literal.utf8CodeUnitCount && (count == 0 || memcmp(baseAddress!, literal.utf8Start, count) == 0)
    }
}

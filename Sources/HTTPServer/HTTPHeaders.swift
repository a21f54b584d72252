/// Request or response headers, in the order received, with case-insensitive lookup.
/// Kept as a list, not a dictionary, so a repeated `Content-Length` is seen (RFC 9112 §6.3).
public struct HTTPHeaders: Sendable, Sequence {
    public private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(name: String, value: String)] = []) {
        self.fields = fields
    }

    public var count: Int { fields.count }

    /// The first value for `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        for field in fields where field.name.equalsIgnoringASCIICase(name) { return field.value }
        return nil
    }

    public func values(for name: String) -> [String] {
        fields.filter { $0.name.equalsIgnoringASCIICase(name) }.map(\.value)
    }

    public mutating func reserveCapacity(_ count: Int) {
        fields.reserveCapacity(count)
    }

    public mutating func add(_ name: String, _ value: String) {
        fields.append((name, value))
    }

    /// Replaces every field named `name` with one field.
    public mutating func set(_ name: String, _ value: String) {
        fields.removeAll { $0.name.equalsIgnoringASCIICase(name) }
        fields.append((name, value))
    }

    public mutating func remove(_ name: String) {
        // Checked first: `removeAll` copies a shared array even when nothing matches, and responses often share
        // a prebuilt header list.
        guard contains(name) else { return }
        fields.removeAll { $0.name.equalsIgnoringASCIICase(name) }
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// A field name is an RFC 9110 token: visible ASCII without separators.
    public static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty else { return false }
        return name.utf8.allSatisfy(isTokenByte)
    }

    /// A field value may hold visible bytes, spaces, tabs and UTF-8 (obs-text), never CR, LF, NUL or another
    /// control byte (RFC 9110 §5.5): those are how a value would end its line and start another.
    public static func isValidValue(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            for b in bytes where (b < 0x20 && b != 0x09) || b == 0x7F { return false }
            return true
        }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }
}

extension String {
    /// ASCII case-insensitive equality, without allocating lowercased copies.
    public func equalsIgnoringASCIICase(_ other: String) -> Bool {
        // Most names differ in length: every header lookup compares against each field.
        guard utf8.count == other.utf8.count else { return false }
        var a = self
        var b = other
        return a.withUTF8 { x in
            b.withUTF8 { y in
                for i in 0..<x.count where x[i] != y[i] {
                    let lx = (x[i] >= 65 && x[i] <= 90) ? x[i] | 0x20 : x[i]
                    let ly = (y[i] >= 65 && y[i] <= 90) ? y[i] | 0x20 : y[i]
                    if lx != ly { return false }
                }
                return true
            }
        }
    }
}

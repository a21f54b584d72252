/// Writes compact JSON into a byte array. Used for API responses; strings are always escaped, so
/// event data can never break out of its string.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public mutating func raw<C: Collection>(_ json: C) where C.Element == UInt8 {
        bytes.append(contentsOf: json)
    }

    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            // `<`, `>` and `&` are escaped too so JSON embedded in HTML can never close a tag.
            case UInt8(ascii: "<"): raw("\\u003c")
            case UInt8(ascii: ">"): raw("\\u003e")
            case UInt8(ascii: "&"): raw("\\u0026")
            case 0..<0x20:
                raw("\\u00")
                let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func number(_ value: Int) {
        bytes.append(contentsOf: Array(String(value).utf8))
    }

    public mutating func number(_ value: Double) {
        if value.isFinite {
            if value.rounded() == value && abs(value) < 1e15 {
                bytes.append(contentsOf: Array(String(Int(value)).utf8))
            } else {
                bytes.append(contentsOf: Array(String(value).utf8))
            }
        } else {
            raw("null")
        }
    }

    public mutating func bool(_ value: Bool) {
        value ? raw("true") : raw("false")
    }

    public mutating func null() { raw("null") }

    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .int(let i): number(i)
        case .double(let d): number(d)
        case .string(let s): string(s)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                self.value(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (i, member) in members.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                string(member.key)
                bytes.append(UInt8(ascii: ":"))
                self.value(member.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }
}

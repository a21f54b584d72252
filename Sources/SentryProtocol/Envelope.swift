/// A parsed envelope: its header and items, each item's payload a range of the (decompressed) bytes.
///
/// ```
/// {"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","sent_at":"2026-11-22T10:00:00Z"}\n
/// {"type":"event","length":41}\n
/// {"message":"hello","level":"error"}     \n
/// {"type":"attachment","length":3,"filename":"a.txt"}\n
/// abc
/// ```
public struct Envelope: Sendable {
    public let bytes: [UInt8]
    public let header: JSONDocument
    public let items: [EnvelopeItem]

    /// The header's `event_id`, when present and valid.
    public var eventID: EventID? {
        header.root["event_id"]?.string.flatMap { EventID($0) }
    }

    public var dsn: String? { header.root["dsn"]?.string }
    public var sentAt: String? { header.root["sent_at"]?.string }
    /// `sent_at` as seconds since the epoch, when it is a valid time.
    public var sentAtTime: Double? { header.root["sent_at"]?.timestampValue }

    public func payload(of item: EnvelopeItem) -> ArraySlice<UInt8> { bytes[item.payload] }
}

public struct EnvelopeItem: Sendable {
    public let type: ItemType
    public let header: JSONDocument
    /// Byte range of the payload within `Envelope.bytes`.
    public let payload: Range<Int>

    /// The item count of a container item (`item_count`), or 1; checked against `maxItemCount` by the parser.
    public let quantity: Int

    /// The most items one container item may say it holds. SDKs batch at most a few thousand spans or logs; the
    /// bound keeps every sum of counts over a request, an hour or a year far from overflowing.
    public static let maxItemCount = 100_000
}

/// Parses envelope framing exactly as the spec gives it (develop.sentry.dev/sdk/envelopes):
/// `Envelope = Headers { "\n" Item } [ "\n" ]`, `Item = Headers "\n" Payload`, `\n` only as separator.
public enum EnvelopeParser {
    public static func parse(_ bytes: [UInt8]) throws(ProtocolError) -> Envelope {
        guard !bytes.isEmpty else { throw .emptyBody }
        let headerEnd = firstLF(bytes, from: 0) ?? bytes.count
        let header = try object(bytes, 0..<headerEnd, isItem: false)
        if let id = header.root["event_id"], !id.isNull {
            guard let text = id.string, EventID(text) != nil else { throw .invalidEventID }
        }
        try rejectDuplicateKeys(header)
        var items: [EnvelopeItem] = []
        var position = headerEnd + 1
        while position < bytes.count {
            // Tolerate blank lines between items: some hand-written envelopes have them.
            if bytes[position] == UInt8(ascii: "\n") {
                position += 1
                continue
            }
            let itemHeaderEnd = firstLF(bytes, from: position) ?? bytes.count
            let itemHeader = try object(bytes, position..<itemHeaderEnd, isItem: true)
            guard let typeName = itemHeader.root["type"]?.string, !typeName.isEmpty else {
                throw .invalidEnvelope("item header without a type")
            }
            let type = ItemType(typeName)
            let payloadStart = min(itemHeaderEnd + 1, bytes.count)
            let payload: Range<Int>
            if let lengthRef = itemHeader.root["length"], !lengthRef.isNull {
                guard let length = lengthRef.int, length >= 0 else { throw .invalidEnvelope("invalid item length") }
                guard length <= bytes.count - payloadStart else {
                    throw .invalidEnvelope("an item is shorter than its length")
                }
                payload = payloadStart..<(payloadStart + length)
                // After a length-delimited payload comes a newline or the end (anything else is malformed).
                if payload.upperBound < bytes.count && bytes[payload.upperBound] != UInt8(ascii: "\n") {
                    throw .invalidEnvelope("an item is longer than its length")
                }
            } else {
                payload = payloadStart..<(firstLF(bytes, from: payloadStart) ?? bytes.count)
            }
            guard payload.count <= type.maxPayloadBytes else {
                throw .itemTooLarge(type: type, limit: type.maxPayloadBytes)
            }
            var quantity = 1
            if let count = itemHeader.root["item_count"], !count.isNull {
                guard let n = count.int, (0...EnvelopeItem.maxItemCount).contains(n) else {
                    throw .invalidEnvelope("item_count must be a whole number from 0 to 100000")
                }
                quantity = max(1, n)
            }
            items.append(EnvelopeItem(type: type, header: itemHeader, payload: payload, quantity: quantity))
            position = payload.upperBound + 1
        }
        try checkConstraints(items)
        return Envelope(bytes: bytes, header: header, items: items)
    }

    /// At most one event-like item: Relay refuses envelopes that carry two.
    private static func checkConstraints(_ items: [EnvelopeItem]) throws(ProtocolError) {
        let eventLike = items.filter { $0.type == .event || $0.type == .transaction }.count
        guard eventLike <= 1 else { throw .invalidEnvelope("more than one event or transaction item") }
    }

    private static func object(_ bytes: [UInt8], _ range: Range<Int>, isItem: Bool) throws(ProtocolError) -> JSONDocument {
        var range = range
        // A CR before the LF belongs to the header line only in broken clients; JSON treats it as whitespace.
        if range.count == 0 { throw .invalidEnvelope(isItem ? "empty item header" : "empty envelope header") }
        if bytes[range.upperBound - 1] == UInt8(ascii: "\r") { range = range.lowerBound..<(range.upperBound - 1) }
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: bytes, range: range)
        } catch {
            throw .invalidEnvelope(isItem ? "item header is not valid JSON" : "envelope header is not valid JSON", error)
        }
        guard document.root.kind == .object else {
            throw .invalidEnvelope(isItem ? "item header is not a JSON object" : "envelope header is not a JSON object")
        }
        return document
    }

    private static func rejectDuplicateKeys(_ header: JSONDocument) throws(ProtocolError) {
        // Headers hold a handful of keys: compare their raw bytes pairwise rather than decoding strings.
        let keys = header.keyRanges(of: header.root)
        for i in keys.indices {
            for j in keys.indices where j > i && header.bytes[keys[i]].elementsEqual(header.bytes[keys[j]]) {
                throw .invalidEnvelope("duplicate key in envelope header")
            }
        }
    }

    static func firstLF(_ bytes: [UInt8], from: Int) -> Int? {
        bytes.withUnsafeBufferPointer { buffer in
            guard from < buffer.count, let base = buffer.baseAddress else { return nil }
            let found = memchrLF(base + from, buffer.count - from)
            return found.map { from + $0 }
        }
    }
}

@inline(__always)
private func memchrLF(_ pointer: UnsafePointer<UInt8>, _ count: Int) -> Int? {
    var i = 0
    while i < count {
        if pointer[i] == 0x0A { return i }
        i += 1
    }
    return nil
}

extension Envelope {
    /// The envelope re-framed with some items' payloads replaced (by item index); the replaced items'
    /// headers get the new `length`, everything else is copied byte for byte.
    public func replacingPayloads(_ replacements: [Int: [UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        let headerEnd = EnvelopeParser.firstLF(bytes, from: 0) ?? bytes.count
        out.append(contentsOf: bytes[0..<headerEnd])
        for (i, item) in items.enumerated() {
            out.append(0x0A)
            guard let payload = replacements[i] else {
                let headerRange = item.header.root.byteRange
                out.append(contentsOf: bytes[headerRange])
                out.append(0x0A)
                out.append(contentsOf: bytes[item.payload])
                continue
            }
            out.append(UInt8(ascii: "{"))
            var first = true
            item.header.root.forEachMember { key, value in
                guard !key.elementsEqual("length".utf8) else { return }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                var writer = JSONWriter()
                writer.string(String(decoding: key, as: UTF8.self))
                out.append(contentsOf: writer.bytes)
                out.append(UInt8(ascii: ":"))
                out.append(contentsOf: value.rawBytes)
            }
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: Array("\"length\":\(payload.count)}".utf8))
            out.append(0x0A)
            out.append(contentsOf: payload)
        }
        out.append(0x0A)
        return out
    }
}

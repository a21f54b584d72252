/// A transaction's (or a streamed container's) spans in one compact binary value, stored as one row: a table of the
/// distinct texts (ops, parameterized descriptions, statuses, database systems) and a fixed-size record per span that
/// points into it. An N+1's repeated query is stored once, and a transaction costs one insert instead of one per span
/// (measured: per-span rows doubled the writer's time per event in a 30 % transaction mix).
///
/// Layout (little-endian): `u8 version` · `u16 n` · n × (`u16 length`, bytes) · `u32 count` · count × record, where a
/// record is `u64 span_id, u64 parent (0: none), u64 segment (0: none), f64 start, f32 duration_ms, f32 self_ms,
/// u16 op, u16 description, u16 status, u16 db_system (0xFFFF: none), u16 http_status (0: none),
/// u32 response_length (0xFFFFFFFF: none), u8 flags (1: truncated)`.
public enum SpanBlock {
    static let version: UInt8 = 1
    static let none: UInt16 = 0xFFFF
    static let recordSize = 8 + 8 + 8 + 8 + 4 + 4 + 2 + 2 + 2 + 2 + 2 + 4 + 1

    public static func encode(_ spans: [SpanRecord]) -> [UInt8] {
        var strings: [String] = []
        var index: [String: UInt16] = [:]
        func id(_ text: String?) -> UInt16 {
            guard let text else { return none }
            if let known = index[text] { return known }
            // At most 0xFFFE distinct texts: spans are capped far below that.
            let i = UInt16(min(strings.count, Int(none) - 1))
            strings.append(text)
            index[text] = i
            return i
        }
        var records: [UInt8] = []
        records.reserveCapacity(spans.count * recordSize)
        for s in spans {
            append(&records, s.spanID)
            append(&records, s.parentSpanID ?? 0)
            append(&records, s.segmentID ?? 0)
            append(&records, s.start.bitPattern)
            append(&records, Float(s.durationMS).bitPattern)
            append(&records, Float(s.selfTimeMS).bitPattern)
            append(&records, id(s.op))
            append(&records, id(s.description))
            append(&records, id(s.status))
            append(&records, id(s.dbSystem))
            append(&records, UInt16(s.httpStatusCode ?? 0))
            append(&records, s.httpResponseContentLength.map { UInt32(min($0, Int(UInt32.max - 1))) } ?? UInt32.max)
            records.append(s.truncated ? 1 : 0)
        }
        var out: [UInt8] = [version]
        out.reserveCapacity(records.count + strings.reduce(0) { $0 + $1.utf8.count + 2 } + 8)
        append(&out, UInt16(strings.count))
        for s in strings {
            let bytes = Array(s.utf8.prefix(Int(UInt16.max)))
            append(&out, UInt16(bytes.count))
            out += bytes
        }
        append(&out, UInt32(spans.count))
        out += records
        return out
    }

    /// The spans of a block; nil when it is not one this version wrote (never a trap, whatever the bytes).
    public static func decode(_ bytes: [UInt8]) -> [SpanRecord]? {
        var reader = Reader(bytes: bytes)
        guard reader.u8() == version, let n = reader.u16() else { return nil }
        var strings: [String] = []
        strings.reserveCapacity(Int(n))
        for _ in 0..<n {
            guard let length = reader.u16(), let text = reader.bytes(Int(length)) else { return nil }
            strings.append(String(decoding: text, as: UTF8.self))
        }
        guard let count = reader.u32(), Int(count) <= (bytes.count - reader.position) / recordSize else { return nil }
        func text(_ i: UInt16) -> String? { i == none || Int(i) >= strings.count ? nil : strings[Int(i)] }
        var spans: [SpanRecord] = []
        spans.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let id = reader.u64(), let parent = reader.u64(), let segment = reader.u64(), let start = reader.u64(),
                  let duration = reader.u32(), let selfTime = reader.u32(), let op = reader.u16(),
                  let description = reader.u16(), let status = reader.u16(), let db = reader.u16(),
                  let http = reader.u16(), let length = reader.u32(), let flags = reader.u8() else { return nil }
            let opText = text(op) ?? "default"
            let descriptionText = text(description) ?? ""
            spans.append(SpanRecord(
                spanID: id, parentSpanID: parent == 0 ? nil : parent, segmentID: segment == 0 ? nil : segment,
                op: opText, description: descriptionText, group: TraceRecords.group(op: opText, description: descriptionText),
                truncated: flags & 1 != 0, start: Double(bitPattern: start), durationMS: Double(Float(bitPattern: duration)),
                selfTimeMS: Double(Float(bitPattern: selfTime)), status: text(status), dbSystem: text(db),
                httpStatusCode: http == 0 ? nil : Int(http), httpResponseContentLength: length == UInt32.max ? nil : Int(length)))
        }
        return spans
    }

    private static func append<T: FixedWidthInteger>(_ out: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    struct Reader {
        let bytes: [UInt8]
        var position = 0

        mutating func bytes(_ n: Int) -> ArraySlice<UInt8>? {
            guard n >= 0, n <= bytes.count - position else { return nil }
            defer { position += n }
            return bytes[position..<(position + n)]
        }

        mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard let slice = bytes(MemoryLayout<T>.size) else { return nil }
            var value: T = 0
            for (i, b) in slice.enumerated() { value |= T(b) << (8 * i) }
            return value
        }

        mutating func u8() -> UInt8? { integer(UInt8.self) }
        mutating func u16() -> UInt16? { integer(UInt16.self) }
        mutating func u32() -> UInt32? { integer(UInt32.self) }
        mutating func u64() -> UInt64? { integer(UInt64.self) }
    }
}

import SentryProtocol

/// The queryable part of a transaction (or of a streamed segment span): what the performance pages group, filter and
/// measure. The raw JSON stays in the stored payload for the trace view.
public struct TransactionRecord: Sendable, Equatable {
    public var traceID: EventID?
    public var spanID: UInt64?
    public var parentSpanID: UInt64?
    public var name: String
    public var op: String?
    public var status: String?
    public var start: Double
    public var end: Double
    /// Milliseconds, never negative.
    public var durationMS: Double
    /// The root span's own time: its duration less the union of its direct children.
    public var selfTimeMS: Double
    public var httpMethod: String?
    /// Web vitals and app-start measurements, `name → value` (at most `TraceRecords.maxMeasurements`).
    public var measurements: [(name: String, value: Double)]
    /// Streamed segments only (a transaction event's come from the event): `sentry.environment`, `sentry.release`.
    public var environment: String? = nil
    public var release: String? = nil
    /// Streamed segments only: who it was for (`id:…`, `email:…`, `username:…`, `ip:…`, from the `user.*` attributes).
    public var userKey: String? = nil

    public static func == (a: TransactionRecord, b: TransactionRecord) -> Bool {
        a.traceID == b.traceID && a.spanID == b.spanID && a.parentSpanID == b.parentSpanID && a.name == b.name
            && a.op == b.op && a.status == b.status && a.start == b.start && a.end == b.end && a.durationMS == b.durationMS
            && a.selfTimeMS == b.selfTimeMS && a.httpMethod == b.httpMethod
            && a.measurements.map(\.name) == b.measurements.map(\.name) && a.measurements.map(\.value) == b.measurements.map(\.value)
    }
}

/// One span, as queried: its normalized description and group, its timing, and the attributes detectors read.
public struct SpanRecord: Sendable, Equatable {
    public var spanID: UInt64
    public var parentSpanID: UInt64?
    /// The span id of the transaction (segment) it belongs to.
    public var segmentID: UInt64?
    public var op: String
    /// Parameterized (`SpanDescription`).
    public var description: String
    /// 16 hex digits naming `op` + `description`: spans of one group share it.
    public var group: String
    /// The description as sent was cut short by the SDK (ends in `...`): detectors leave such spans alone.
    public var truncated: Bool
    public var start: Double
    public var durationMS: Double
    public var selfTimeMS: Double
    public var status: String?
    public var dbSystem: String?
    public var httpStatusCode: Int?
    /// The body's size as sent (encoded), in bytes; for browser resources also its decoded size and the bytes that
    /// crossed the network (read by the uncompressed-asset detector at ingest, not stored).
    public var httpResponseContentLength: Int?
    public var httpDecodedContentLength: Int?
    public var httpTransferSize: Int?

    public init(spanID: UInt64, parentSpanID: UInt64?, segmentID: UInt64?, op: String, description: String, group: String,
                truncated: Bool, start: Double, durationMS: Double, selfTimeMS: Double, status: String?, dbSystem: String?,
                httpStatusCode: Int?, httpResponseContentLength: Int?, httpDecodedContentLength: Int? = nil,
                httpTransferSize: Int? = nil) {
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.segmentID = segmentID
        self.op = op
        self.description = description
        self.group = group
        self.truncated = truncated
        self.start = start
        self.durationMS = durationMS
        self.selfTimeMS = selfTimeMS
        self.status = status
        self.dbSystem = dbSystem
        self.httpStatusCode = httpStatusCode
        self.httpResponseContentLength = httpResponseContentLength
        self.httpDecodedContentLength = httpDecodedContentLength
        self.httpTransferSize = httpTransferSize
    }
}

/// Spans and transactions read from what SDKs send: a transaction event with its `spans`, or a streamed span
/// container (`application/vnd.sentry.items.span.v2+json`). Every number is range-checked, timestamps out of order
/// give a zero duration, parent ids are only compared (never followed), and the count is capped.
public enum TraceRecords {
    /// Spans kept per transaction or container (SDKs send at most 1,000; the rest are dropped and counted).
    public static let maxSpans = 2000
    public static let maxMeasurements = 20
    public static let maxNameLength = 200

    public struct Extracted: Sendable {
        public var transactions: [TransactionRecord] = []
        public var spans: [SpanRecord] = []
        public var droppedSpans = 0
        /// Streamed containers: the trace their spans belong to (SDKs batch spans per trace).
        public var traceID: EventID?
        /// `spans` encoded for storage (`SpanBlock`); empty until `seal()`.
        public var block: [UInt8] = []
        public init() {}

        /// Some spans belong to a segment that is not among `transactions`: the SDK sent them before (or after) their
        /// segment span, in another container. Those are found by trace id, not through a transaction row.
        public var hasSpansOfOtherSegments: Bool {
            let segments = Set(transactions.compactMap(\.spanID))
            return spans.contains { span in span.segmentID.map { !segments.contains($0) } ?? false }
        }

        /// Encodes the spans for storage: done where the event is processed, so the single writer only inserts it.
        public mutating func seal() {
            block = spans.isEmpty ? [] : SpanBlock.encode(spans)
        }
    }

    /// A transaction event's root and spans.
    public static func transaction(_ root: JSONRef, name: String?) -> Extracted {
        let trace = root["contexts"]?["trace"]
        let start = root["start_timestamp"]?.timestampValue
        let end = root["timestamp"]?.timestampValue
        let (s, e) = ordered(start, end)
        var record = TransactionRecord(
            traceID: trace?["trace_id"]?.string.flatMap { EventID($0) },
            spanID: trace?["span_id"]?.string.flatMap(spanID), parentSpanID: trace?["parent_span_id"]?.string.flatMap(spanID),
            name: String((name ?? root["transaction"]?.string ?? "").prefix(maxNameLength)),
            op: trace?["op"]?.string.map { String($0.prefix(64)) }, status: trace?["status"]?.string.map { String($0.prefix(64)) },
            start: s, end: e, durationMS: (e - s) * 1000, selfTimeMS: 0,
            httpMethod: httpMethod(root), measurements: measurements(root["measurements"]))
        var out = Extracted()
        let elements = root["spans"]?.elements ?? []
        out.spans.reserveCapacity(min(elements.count, maxSpans))
        var memo = DescriptionMemo()
        for element in elements.prefix(maxSpans) {
            if let span = span(element, segment: record.spanID, memo: &memo) { out.spans.append(span) }
        }
        out.droppedSpans = max(0, elements.count - maxSpans)
        assignSelfTimes(&out.spans)
        if let root = record.spanID {
            record.selfTimeMS = selfTime(start: s, end: e, intervals: intervals(of: out.spans, under: root))
        } else {
            record.selfTimeMS = record.durationMS
        }
        out.transactions = [record]
        return out
    }

    /// A streamed span container: `{"version": 2, "items": [span, …]}`. Segment spans (`is_segment`) are also
    /// transactions.
    public static func streamed(_ root: JSONRef) -> Extracted {
        var out = Extracted()
        var memo = DescriptionMemo()
        let items = root["items"]?.elements ?? []
        for item in items.prefix(maxSpans) {
            guard let id = item["span_id"]?.string.flatMap(spanID) else { continue }
            if out.traceID == nil { out.traceID = item["trace_id"]?.string.flatMap { EventID($0) } }
            let attributes = item["attributes"]
            func attribute(_ key: String) -> JSONRef? { attributes?[key]?["value"] }
            let op = attribute("sentry.op")?.string ?? "default"
            let (s, e) = ordered(item["start_timestamp"]?.timestampValue, item["end_timestamp"]?.timestampValue)
            let name = item["name"]?.string ?? ""
            let segment = attribute("sentry.segment.id")?.string.flatMap(spanID)
            let isSegment = item["is_segment"]?.bool ?? (segment == id)
            let status = item["status"]?.string.map { String($0.prefix(64)) }
            if isSegment {
                let method = attribute("http.request.method")?.string ?? attribute("http.method")?.string
                out.transactions.append(TransactionRecord(
                    traceID: item["trace_id"]?.string.flatMap { EventID($0) }, spanID: id,
                    parentSpanID: item["parent_span_id"]?.string.flatMap(spanID),
                    name: String((attribute("sentry.segment.name")?.string ?? name).prefix(maxNameLength)),
                    op: String(op.prefix(64)), status: status, start: s, end: e, durationMS: (e - s) * 1000, selfTimeMS: 0,
                    httpMethod: method.map { String($0.prefix(16)).uppercased() }, measurements: [],
                    environment: attribute("sentry.environment")?.string.map { String($0.prefix(64)) },
                    release: attribute("sentry.release")?.string.map { String($0.prefix(200)) },
                    userKey: streamedUserKey(attribute)))
                continue
            }
            let spanOp = String(op.prefix(64))
            let (description, group) = memo.normalized(op: spanOp, raw: name)
            out.spans.append(SpanRecord(
                spanID: id, parentSpanID: item["parent_span_id"]?.string.flatMap(spanID), segmentID: segment,
                op: spanOp, description: description, group: group,
                truncated: name.hasSuffix("..."), start: s, durationMS: (e - s) * 1000, selfTimeMS: 0, status: status,
                dbSystem: attribute("db.system")?.string.map { String($0.prefix(32)) },
                httpStatusCode: attribute("http.response.status_code")?.int.flatMap(statusCode),
                httpResponseContentLength: attribute("http.response_content_length")?.int.flatMap(length),
                httpDecodedContentLength: attribute("http.decoded_response_content_length")?.int.flatMap(length),
                httpTransferSize: attribute("http.response_transfer_size")?.int.flatMap(length)))
        }
        out.droppedSpans = max(0, items.count - maxSpans)
        assignSegments(&out.spans, segments: Set(out.transactions.compactMap(\.spanID)))
        assignSelfTimes(&out.spans)
        for i in out.transactions.indices {
            let root = out.transactions[i]
            out.transactions[i].selfTimeMS = selfTime(start: root.start, end: root.end,
                                                      intervals: intervals(of: out.spans, under: root.spanID))
        }
        return out
    }

    /// The user a streamed segment was for, from the attributes the SDK sets on every span (as `user` is chosen for
    /// events: id, else email, else username, else IP address).
    static func streamedUserKey(_ attribute: (String) -> JSONRef?) -> String? {
        for (key, prefix) in [("user.id", "id"), ("user.email", "email"), ("user.name", "username"),
                              ("user.ip_address", "ip"), ("client.address", "ip")] {
            if let value = attribute(key)?.scalarText, !value.isEmpty, value != "{{auto}}", value != "[Filtered]" {
                return "\(prefix):\(value.prefix(200))"
            }
        }
        return nil
    }

    /// Spans sent without `sentry.segment.id` belong to the segment their parents lead to, when it is in the same
    /// container. Each span's answer is remembered for the walks that pass through it, so the whole pass is linear in
    /// the spans (a chain of 2,000 is not walked 2,000 times), and a cycle in parent ids ends at a span already seen.
    static func assignSegments(_ spans: inout [SpanRecord], segments: Set<UInt64>) {
        guard !segments.isEmpty, spans.contains(where: { $0.segmentID == nil }) else { return }
        var parents: [UInt64: UInt64] = [:]
        for span in spans { if let parent = span.parentSpanID { parents[span.spanID] = parent } }
        var resolved: [UInt64: UInt64?] = [:]
        for i in spans.indices where spans[i].segmentID == nil {
            var path: [UInt64] = []
            var current = spans[i].parentSpanID
            var found: UInt64?
            while let id = current {
                if segments.contains(id) {
                    found = id
                    break
                }
                if let known = resolved[id] {
                    found = known
                    break
                }
                // Marked before going on: meeting it again means a cycle.
                resolved[id] = .some(nil)
                path.append(id)
                current = parents[id]
            }
            for id in path { resolved[id] = found }
            spans[i].segmentID = found
        }
    }

    /// One pass over the span's members (a dozen each, and a transaction has up to a thousand spans): no lookup per
    /// field, ids read from their bytes.
    static func span(_ element: JSONRef, segment: UInt64?, memo: inout DescriptionMemo) -> SpanRecord? {
        guard element.kind == .object else { return nil }
        var id: UInt64?
        var parent: UInt64?
        var op: String?
        var raw = ""
        var start: Double?
        var end: Double?
        var status: String?
        var data: JSONRef?
        element.forEachMember { key, value in
            switch key.count {
            case 2 where key.equals("op"): op = value.string
            case 4 where key.equals("data"): data = value
            case 6 where key.equals("status"): status = value.string.map { String($0.prefix(64)) }
            case 7 where key.equals("span_id"): id = hexID(value)
            case 9 where key.equals("timestamp"): end = value.timestampValue
            case 11 where key.equals("description"): raw = value.string ?? ""
            case 14 where key.equals("parent_span_id"): parent = hexID(value)
            case 15 where key.equals("start_timestamp"): start = value.timestampValue
            default: break
            }
        }
        guard let id else { return nil }
        let spanOp = String((op ?? "default").prefix(64))
        let (description, group) = memo.normalized(op: spanOp, raw: raw)
        let (s, e) = ordered(start, end)
        var dbSystem: String?
        var code: Int?
        var contentLength: Int?
        var decodedLength: Int?
        var transferSize: Int?
        data?.forEachMember { key, value in
            if key.equals("db.system") {
                dbSystem = value.string.map { String($0.prefix(32)) }
            } else if key.equals("http.response.status_code") || key.equals("status_code") {
                code = value.int.flatMap(Self.statusCode)
            } else if key.equals("http.response_content_length") || key.equals("Encoded Body Size") {
                contentLength = value.int.flatMap(length)
            } else if key.equals("http.decoded_response_content_length") || key.equals("Decoded Body Size") {
                decodedLength = value.int.flatMap(length)
            } else if key.equals("http.response_transfer_size") || key.equals("Transfer Size") {
                transferSize = value.int.flatMap(length)
            }
        }
        return SpanRecord(
            spanID: id, parentSpanID: parent, segmentID: segment, op: spanOp, description: description,
            group: group, truncated: raw.hasSuffix("..."), start: s,
            durationMS: (e - s) * 1000, selfTimeMS: 0, status: status, dbSystem: dbSystem, httpStatusCode: code,
            httpResponseContentLength: contentLength, httpDecodedContentLength: decodedLength, httpTransferSize: transferSize)
    }

    /// Normalized descriptions and groups of one transaction's spans by the text as sent: a transaction repeats its
    /// queries (an N+1 sends one statement dozens of times), and parameterizing SQL is the costliest step per span.
    struct DescriptionMemo {
        private var entries: [String: (op: String, description: String, group: String)] = [:]

        mutating func normalized(op: String, raw: String) -> (String, String) {
            if let known = entries[raw], known.op == op { return (known.description, known.group) }
            let description = SpanDescription.normalize(op: op, description: raw)
            let group = TraceRecords.group(op: op, description: description)
            // Bounded by the span cap; long texts are not worth hashing twice.
            if raw.utf8.count <= SpanDescription.maxInputLength { entries[raw] = (op, description, group) }
            return (description, group)
        }
    }

    /// A 16-hex-digit span id straight from the string's bytes.
    /// A span id as the protocol writes it: 16 lower-case hex digits.
    public static func hexString(_ id: UInt64) -> String {
        let hex = String(id, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func hexID(_ value: JSONRef) -> UInt64? {
        guard let (range, escaped) = value.stringContents, !escaped, range.count == 16 else {
            return value.string.flatMap(spanID)
        }
        var id: UInt64 = 0
        for b in value.documentBytes[range] {
            let digit: UInt8
            switch b {
            case 48...57: digit = b - 48
            case 97...102: digit = b - 87
            case 65...70: digit = b - 55
            default: return nil
            }
            id = id << 4 | UInt64(digit)
        }
        return id
    }

    /// 16 hex digits of FNV-1a over `op` and the normalized description.
    public static func group(op: String, description: String) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        for byte in op.utf8 { mix(byte) }
        mix(0)
        for byte in description.utf8 { mix(byte) }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// 16 hex digits as a number (span ids are 8 bytes).
    public static func spanID(_ text: String) -> UInt64? {
        guard text.utf8.count == 16 else { return nil }
        return UInt64(text, radix: 16)
    }

    /// Start and end in order; a missing or reversed end gives a zero-length span at the start.
    static func ordered(_ start: Double?, _ end: Double?) -> (Double, Double) {
        switch (start, end) {
        case let (s?, e?): e >= s ? (s, e) : (s, s)
        case let (s?, nil): (s, s)
        case let (nil, e?): (e, e)
        default: (0, 0)
        }
    }

    static func statusCode(_ n: Int) -> Int? { (100...599).contains(n) ? n : nil }
    static func length(_ n: Int) -> Int? { n >= 0 && n <= (1 << 50) ? n : nil }

    static func httpMethod(_ root: JSONRef) -> String? {
        let method = root["request"]?["method"]?.string ?? root["contexts"]?["trace"]?["data"]?["http.request.method"]?.string
        return method.map { String($0.prefix(16)).uppercased() }
    }

    static func measurements(_ ref: JSONRef?) -> [(name: String, value: Double)] {
        guard let ref, ref.kind == .object else { return [] }
        var out: [(name: String, value: Double)] = []
        ref.forEachMember { key, value in
            guard out.count < maxMeasurements, let v = value["value"]?.double, v.isFinite, abs(v) < 1e15 else { return }
            let name = String(decoding: key.prefix(64), as: UTF8.self)
            out.append((name, v))
        }
        return out
    }

    /// Each span's own time: its duration less the union of its direct children's intervals within it.
    static func assignSelfTimes(_ spans: inout [SpanRecord]) {
        var children: [UInt64: [(Double, Double)]] = [:]
        for span in spans {
            guard let parent = span.parentSpanID, parent != span.spanID else { continue }
            children[parent, default: []].append((span.start, span.start + span.durationMS / 1000))
        }
        for i in spans.indices {
            let start = spans[i].start
            let end = start + spans[i].durationMS / 1000
            guard let intervals = children[spans[i].spanID] else {
                spans[i].selfTimeMS = spans[i].durationMS  // a leaf: all of its time is its own
                continue
            }
            spans[i].selfTimeMS = selfTime(start: start, end: end, intervals: intervals)
        }
    }

    /// The time intervals of the spans directly under `parent` (no copies of the records).
    static func intervals(of spans: [SpanRecord], under parent: UInt64?) -> [(Double, Double)] {
        var out: [(Double, Double)] = []
        for span in spans where span.parentSpanID == parent { out.append((span.start, span.start + span.durationMS / 1000)) }
        return out
    }

    static func selfTime(start: Double, end: Double, intervals: [(Double, Double)]) -> Double {
        let clipped = intervals.map { (max($0.0, start), min($0.1, end)) }.filter { $0.0 < $0.1 }.sorted { $0.0 < $1.0 }
        var covered = 0.0
        var reach = start
        for (s, e) in clipped where e > reach {
            covered += e - max(s, reach)
            reach = e
        }
        return max(0, (end - start) - covered) * 1000
    }
}

/// Where an event sits in a trace: the trace, and the span it happened in (or that a performance problem points at).
public struct TraceLink: Sendable, Equatable {
    public var traceID: EventID
    public var spanID: UInt64?

    public init(traceID: EventID, spanID: UInt64?) {
        self.traceID = traceID
        self.spanID = spanID
    }
}

import SentryProtocol

/// A streamed segment shown as the transaction event Sentry would have received for it: the segment span becomes
/// the event (name, times, trace context, release, environment, user), its spans the event's `spans`. For the
/// event page of a performance problem found in streamed spans, whose stored item is the span container.
public enum StreamedSegmentEvent {
    /// The event for segment `segmentID` (hex) of `container`, or its first segment; nil when it has none.
    public static func event(container: JSONValue, segmentID: String?) -> JSONValue? {
        let items = container["items"]?.arrayValue ?? []
        func attribute(_ item: JSONValue, _ key: String) -> JSONValue? { item["attributes"]?[key]?["value"] }
        func isSegment(_ item: JSONValue) -> Bool {
            if case .bool(let b)? = item["is_segment"] { return b }
            return item["span_id"] != nil && attribute(item, "sentry.segment.id") == item["span_id"]
        }
        guard let segment = items.first(where: { isSegment($0) && (segmentID == nil || $0["span_id"]?.stringValue == segmentID) })
            ?? items.first(where: isSegment) else { return nil }
        let id = segment["span_id"]
        let spans: [JSONValue] = items.filter { item in
            !isSegment(item) && (attribute(item, "sentry.segment.id") == nil || attribute(item, "sentry.segment.id") == id)
        }.prefix(TraceRecords.maxSpans).map { item in
            var data: [(key: String, value: JSONValue)] = []
            if case .object(let attributes)? = item["attributes"] {
                for (key, wrapped) in attributes.prefix(64) { data.append((key, wrapped["value"] ?? .null)) }
            }
            return .object([
                ("span_id", item["span_id"] ?? .null), ("parent_span_id", item["parent_span_id"] ?? .null),
                ("trace_id", item["trace_id"] ?? .null), ("op", attribute(item, "sentry.op") ?? .null),
                ("description", item["name"] ?? .null), ("start_timestamp", item["start_timestamp"] ?? .null),
                ("timestamp", item["end_timestamp"] ?? .null), ("status", item["status"] ?? .null), ("data", .object(data)),
            ])
        }
        var user: [(key: String, value: JSONValue)] = []
        for (attributeKey, field) in [("user.id", "id"), ("user.email", "email"), ("user.name", "username"), ("user.ip_address", "ip_address")] {
            if let v = attribute(segment, attributeKey) { user.append((field, v)) }
        }
        var fields: [(key: String, value: JSONValue)] = [
            ("type", .string("transaction")),
            ("transaction", attribute(segment, "sentry.segment.name") ?? segment["name"] ?? .null),
            ("start_timestamp", segment["start_timestamp"] ?? .null), ("timestamp", segment["end_timestamp"] ?? .null),
            ("contexts", .object([("trace", .object([
                ("trace_id", segment["trace_id"] ?? .null), ("span_id", id ?? .null),
                ("parent_span_id", segment["parent_span_id"] ?? .null), ("op", attribute(segment, "sentry.op") ?? .null),
                ("status", segment["status"] ?? .null),
            ]))])),
            ("spans", .array(spans)),
        ]
        if let release = attribute(segment, "sentry.release") { fields.append(("release", release)) }
        if let environment = attribute(segment, "sentry.environment") { fields.append(("environment", environment)) }
        if !user.isEmpty { fields.append(("user", .object(user))) }
        if let sdk = attribute(segment, "sentry.sdk.name") {
            fields.append(("sdk", .object([("name", sdk), ("version", attribute(segment, "sentry.sdk.version") ?? .null)])))
        }
        return .object(fields)
    }
}

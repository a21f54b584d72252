import EventProcessing
import FaultlineCore
import SentryProtocol

/// Renders a stored event in the shape of Sentry's event-detail API (`GET …/events/{event_id}/`):
/// `entries` for the interfaces, plus `contexts`, `tags`, `user`, `sdk`, `title`, `message`.
enum EventSerializer {
    /// `segment`: for a performance problem found in streamed spans (stored as their container), the segment it was
    /// found in, shown as a transaction event.
    static func detail(_ event: StoredEvent, projectID: Int, segment: UInt64? = nil) throws -> JSONValue {
        var document = try JSONDocument(bytes: event.json)
        if event.type == "transaction", document.root["items"]?.kind == .array,
           let view = StreamedSegmentEvent.event(container: document.root.value, segmentID: segment.map(TraceRecords.hexString)) {
            document = try JSONDocument(bytes: view.serialized)
        }
        let root = document.root
        // Whatever protocol version the SDK spoke, the API answers in today's shape (legacy names, bare interfaces,
        // numeric levels, derived filenames, culprit and contexts normalized as Relay would have stored them).
        let facts = EventFacts(root)
        let value = EventShape.normalized(root.value, facts: facts)
        let exceptions = values(value["exception"])
        let logentry = value["logentry"]
        let message = messageText(value)
        let isTransaction = event.type == "transaction"
        let type = isTransaction ? "transaction" : (exceptions.isEmpty ? "default" : "error")

        var entries: [JSONValue] = []
        let platform = value["platform"]?.stringValue
        if !exceptions.isEmpty {
            let shown = exceptions.map { FrameSerializer.withFrames($0, platform: platform) }
            entries.append(entry("exception", .object([("values", .array(shown)),
                                                       ("hasSystemFrames", .bool(hasSystemFrames(shown)))])))
        }
        if let logentry { entries.append(entry("message", logentry)) }
        if let crumbs = value["breadcrumbs"] {
            entries.append(entry("breadcrumbs", .object([("values", .array(values(crumbs)))])))
        }
        if let request = value["request"] { entries.append(entry("request", request)) }
        if let template = value["template"] { entries.append(entry("template", template)) }
        if let threads = value["threads"] {
            entries.append(entry("threads", .object([("values", .array(values(threads).map {
                FrameSerializer.withFrames($0, platform: platform)
            }))])))
        }
        if isTransaction, let spans = value["spans"] { entries.append(entry("spans", spans)) }

        // The tags the issue counted for this event: its own and those Sentry derives (level, url, browser, os…).
        let normalized = EventNormalizer.normalize(facts, receivedAt: event.receivedAt, sentAt: nil,
                                                   defaultLevel: isTransaction ? "info" : "error")
        let tags: [JSONValue] = normalized.tags.map { .object([("key", .string($0.key)), ("value", .string($0.value))]) }

        let title: String
        if isTransaction {
            title = value["transaction"]?.stringValue ?? "<unlabeled transaction>"
        } else {
            title = IssueDescriptor(facts, title: nil).title
        }

        let missing = JSONValue.null
        let release: JSONValue = value["release"].map { JSONValue.object([("version", $0)]) } ?? missing
        var fields: [(key: String, value: JSONValue)] = []
        fields.append(("id", .string(event.eventID.hex)))
        fields.append(("eventID", .string(event.eventID.hex)))
        fields.append(("groupID", event.issueID.map { JSONValue.string(String($0)) } ?? missing))
        fields.append(("projectID", .string(String(projectID))))
        fields.append(("type", .string(type)))
        fields.append(("title", .string(title)))
        fields.append(("message", .string(message ?? "")))
        fields.append(("culprit", value["culprit"] ?? .string("")))
        fields.append(("platform", value["platform"] ?? .string("other")))
        fields.append(("dateCreated", .string(Timestamp.format(event.timestamp))))
        fields.append(("dateReceived", .string(Timestamp.format(event.receivedAt))))
        fields.append(("level", .string(normalized.level)))
        fields.append(("logger", value["logger"] ?? missing))
        fields.append(("release", release))
        fields.append(("dist", value["dist"] ?? missing))
        fields.append(("environment", value["environment"] ?? missing))
        fields.append(("tags", .array(tags)))
        fields.append(("entries", .array(entries)))
        fields.append(("contexts", value["contexts"] ?? .object([])))
        fields.append(("context", value["extra"] ?? .object([])))
        fields.append(("user", value["user"] ?? missing))
        fields.append(("sdk", value["sdk"] ?? missing))
        fields.append(("fingerprints", value["fingerprint"] ?? .array([])))
        fields.append(("errors", .array(notes(event))))
        fields.append(("size", .int(event.json.count)))
        return .object(fields)
    }

    /// The short form of an issue's event list (`GET /api/0/issues/{id}/events/`).
    static func summary(_ event: StoredEvent, projectID: Int) throws -> JSONValue {
        let full = try detail(event, projectID: projectID)
        let keep: Set<String> = ["id", "eventID", "groupID", "projectID", "type", "title", "message", "culprit", "platform",
                                 "dateCreated", "dateReceived", "level", "tags", "user"]
        guard case .object(let fields) = full else { return full }
        var kept = fields.filter { keep.contains($0.key) }
        kept.append(("event.type", full["type"] ?? .null))
        return .object(kept)
    }

    /// Normalization notes, as Sentry's event `errors` (`{type, message, data}`).
    static func notes(_ event: StoredEvent) -> [JSONValue] {
        guard let text = event.notes, let doc = try? JSONDocument(bytes: Array(text.utf8)) else { return [] }
        return doc.root.elements.compactMap(\.string).map { note in
            let field = note.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            return .object([("type", .string("invalid_data")), ("message", .string(note)),
                            ("data", .object([("name", .string(field))]))])
        }
    }

    /// Whether any frame is not in-app (Sentry's UI offers the "full" stack trace toggle then); over frames as
    /// `FrameSerializer` shaped them.
    static func hasSystemFrames(_ exceptions: [JSONValue]) -> Bool {
        exceptions.contains { exception in
            (exception["stacktrace"]?["frames"]?.arrayValue ?? []).contains { $0["inApp"] != .bool(true) }
        }
    }

    /// An interface's items, in any of its forms (`EventShape` has already put them in `{values}`).
    static func values(_ v: JSONValue?) -> [JSONValue] {
        v.map(EventShape.interfaceItems) ?? []
    }

    /// Over a normalized event, where any message is in `logentry`.
    static func messageText(_ value: JSONValue) -> String? {
        guard let entry = value["logentry"] else { return nil }
        return entry["formatted"]?.stringValue ?? entry["message"]?.stringValue
    }

    private static func entry(_ type: String, _ data: JSONValue) -> JSONValue {
        .object([("type", .string(type)), ("data", data)])
    }
}

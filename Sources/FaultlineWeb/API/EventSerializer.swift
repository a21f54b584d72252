import FaultlineCore
import SentryProtocol

/// Renders a stored event in the shape of Sentry's event-detail API (`GET …/events/{event_id}/`):
/// `entries` for the interfaces, plus `contexts`, `tags`, `user`, `sdk`, `title`, `message`.
enum EventSerializer {
    static func detail(_ event: StoredEvent, projectID: Int) throws -> JSONValue {
        let document = try JSONDocument(bytes: event.json)
        let root = document.root
        let value = root.value
        let exceptions = values(value["exception"])
        let logentry = value["logentry"] ?? value["sentry.interfaces.Message"]
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
        if let logentry {
            entries.append(entry("message", logentry))
        } else if let m = value["message"], case .string(let text) = m {
            entries.append(entry("message", .object([("formatted", .string(text))])))
        }
        if let crumbs = value["breadcrumbs"] {
            entries.append(entry("breadcrumbs", .object([("values", .array(values(crumbs)))])))
        }
        if let request = value["request"] { entries.append(entry("request", request)) }
        if isTransaction, let spans = value["spans"], case .array = spans { entries.append(entry("spans", spans)) }
        if let threads = value["threads"] {
            entries.append(entry("threads", .object([("values", .array(values(threads).map {
                FrameSerializer.withFrames($0, platform: platform)
            }))])))
        }
        if isTransaction, let spans = value["spans"] { entries.append(entry("spans", spans)) }

        var tags: [JSONValue] = []
        for (key, v) in tagPairs(value["tags"]) {
            tags.append(.object([("key", .string(key)), ("value", .string(v))]))
        }
        for key in ["level", "environment", "release"] where !tags.contains(where: { $0["key"]?.stringValue == key }) {
            if let v = value[key]?.stringValue { tags.append(.object([("key", .string(key)), ("value", .string(v))])) }
        }

        let title: String
        if isTransaction {
            title = value["transaction"]?.stringValue ?? "<unlabeled transaction>"
        } else if let last = exceptions.last {
            let t = last["type"]?.stringValue ?? "Error"
            let v = last["value"]?.stringValue ?? ""
            title = v.isEmpty ? t : "\(t): \(firstLine(v))"
        } else {
            title = message.map(firstLine) ?? "<unlabeled event>"
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
        fields.append(("culprit", value["culprit"] ?? value["transaction"] ?? missing))
        fields.append(("platform", value["platform"] ?? .string("other")))
        fields.append(("dateCreated", .string(Timestamp.format(event.timestamp))))
        fields.append(("dateReceived", .string(Timestamp.format(event.receivedAt))))
        fields.append(("level", value["level"] ?? .string(isTransaction ? "info" : "error")))
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

    /// Accepts the list form and the `{values: [...]}` form of an interface.
    static func values(_ v: JSONValue?) -> [JSONValue] {
        guard let v else { return [] }
        if case .array(let a) = v { return a }
        return v["values"]?.arrayValue ?? []
    }

    static func tagPairs(_ v: JSONValue?) -> [(String, String)] {
        switch v {
        case .object(let members)?:
            return members.compactMap { m in scalarText(m.value).map { (m.key, $0) } }
        case .array(let pairs)?:
            return pairs.compactMap { pair in
                guard let a = pair.arrayValue, a.count == 2, let k = a[0].stringValue, let val = scalarText(a[1]) else { return nil }
                return (k, val)
            }
        default:
            return []
        }
    }

    static func scalarText(_ v: JSONValue) -> String? {
        switch v {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): String(b)
        default: nil
        }
    }

    static func messageText(_ value: JSONValue) -> String? {
        if let entry = value["logentry"] ?? value["sentry.interfaces.Message"] {
            return entry["formatted"]?.stringValue ?? entry["message"]?.stringValue
        }
        switch value["message"] {
        case .string(let s)?: return s
        case .object?: return value["message"]?["formatted"]?.stringValue ?? value["message"]?["message"]?.stringValue
        default: return nil
        }
    }

    static func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: true).first ?? "")
    }

    private static func entry(_ type: String, _ data: JSONValue) -> JSONValue {
        .object([("type", .string(type)), ("data", data)])
    }
}

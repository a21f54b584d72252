import SentryProtocol

/// An event in the shape Sentry stores and its API returns, whatever protocol version the SDK spoke (Relay's
/// normalization of the payload's form): legacy interface names renamed, interfaces in `{values: […]}` form, the
/// message as `logentry` with its `formatted` text, the level by name, timestamps as numbers, frames with a
/// `filename`, mechanism metadata named, the culprit and the contexts Sentry derives. Applied when an event is
/// read, so the stored bytes stay what the client sent (the raw-event route returns those); ingest reads the same
/// forms through `EventFacts`.
public enum EventShape {
    /// Relay's legacy aliases (`sentry_version` ≤ 6 clients used the interface class paths as keys).
    static let legacyNames: [(legacy: String, current: String)] = [
        ("sentry.interfaces.Exception", "exception"), ("sentry.interfaces.Stacktrace", "stacktrace"),
        ("sentry.interfaces.Message", "logentry"), ("sentry.interfaces.Http", "request"),
        ("sentry.interfaces.User", "user"), ("sentry.interfaces.Template", "template"),
        ("sentry.interfaces.Breadcrumbs", "breadcrumbs"), ("sentry.interfaces.Csp", "csp"),
    ]

    /// Interfaces that are lists of values.
    static let listInterfaces: Set<String> = ["exception", "threads", "breadcrumbs"]

    public static func normalized(_ event: JSONValue, facts: EventFacts? = nil) -> JSONValue {
        guard case .object(var members) = event else { return event }
        for (legacy, current) in legacyNames {
            guard let index = members.firstIndex(where: { $0.key == legacy }) else { continue }
            if members.contains(where: { $0.key == current }) {
                members.remove(at: index)
            } else {
                members[index].key = current
            }
        }
        let platform = (members.first { $0.key == "platform" }?.value.stringValue).map { $0.lowercased() } ?? "other"
        let os = osName(members.first { $0.key == "contexts" }?.value)
        for index in members.indices {
            let key = members[index].key
            let value = members[index].value
            if listInterfaces.contains(key) {
                var items = interfaceItems(value)
                if key == "exception" {
                    items = items.map { normalizedException($0, os: os) }
                } else if key == "threads" {
                    items = items.map { withFrames($0) }
                }
                members[index].value = .object([("values", .array(items))])
            } else if key == "stacktrace" {
                members[index].value = normalizedStacktrace(value)
            } else if key == "level" {
                if let name = EventNormalizer.level(scalarText(value)) { members[index].value = .string(name) }
            } else if key == "timestamp" || key == "start_timestamp" {
                if case .string(let text) = value, let seconds = Double(text) ?? Timestamp.parse(text) {
                    members[index].value = .double(seconds)
                }
            }
        }
        normalizeMessage(&members)
        if let facts {
            if !members.contains(where: { $0.key == "culprit" }), case let culprit = facts.culprit, !culprit.isEmpty {
                members.append(("culprit", .string(culprit)))
            }
        }
        addUserAgentContexts(&members, platform: platform)
        return .object(members)
    }

    /// A list interface's items: `[…]`, `{values: […]}`, or one bare object (Relay's `Values<T>`).
    public static func interfaceItems(_ value: JSONValue) -> [JSONValue] {
        switch value {
        case .array(let items): return items
        case .object(let members):
            if members.isEmpty { return [] }
            if let values = members.first(where: { $0.key == "values" })?.value { return values.arrayValue ?? [] }
            return [value]
        default: return []
        }
    }

    /// `message` (a string, or the old object form) becomes `logentry`; a template with params gets its
    /// `formatted` text.
    static func normalizeMessage(_ members: inout [(key: String, value: JSONValue)]) {
        let logIndex = members.firstIndex { $0.key == "logentry" }
        let messageIndex = members.firstIndex { $0.key == "message" }
        var entry: [(key: String, value: JSONValue)]
        if let logIndex, case .object(let fields) = members[logIndex].value {
            entry = fields
        } else if let logIndex, case .string(let text) = members[logIndex].value {
            entry = [("formatted", .string(text))]
        } else if let messageIndex {
            switch members[messageIndex].value {
            case .string(let text): entry = [("formatted", .string(text))]
            case .object(let fields): entry = fields
            default: return
            }
        } else {
            return
        }
        let template = entry.first { $0.key == "message" }?.value.stringValue
        if entry.first(where: { $0.key == "formatted" })?.value.stringValue == nil, let template {
            let params = entry.first { $0.key == "params" }?.value ?? .null
            let values = params.arrayValue?.map { scalarText($0) ?? String(decoding: $0.serialized, as: UTF8.self) } ?? []
            let formatted = MessageFormatter.format(template, values: values)
            entry.removeAll { $0.key == "formatted" }
            entry.append(("formatted", .string(formatted)))
        }
        if let logIndex {
            members[logIndex].value = .object(entry)
        } else {
            members.append(("logentry", .object(entry)))
        }
    }

    static func normalizedException(_ exception: JSONValue, os: String?) -> JSONValue {
        guard case .object(var fields) = withFrames(exception) else { return exception }
        if let m = fields.firstIndex(where: { $0.key == "mechanism" }) {
            fields[m].value = MechanismMeta.normalized(fields[m].value, os: os)
        }
        return .object(fields)
    }

    /// An exception or thread with its stack trace's frames completed.
    static func withFrames(_ value: JSONValue) -> JSONValue {
        guard case .object(var fields) = value else { return value }
        // An exception's stack trace under its legacy name too (Relay's alias on the exception's `stacktrace`).
        if !fields.contains(where: { $0.key == "stacktrace" }),
           let legacy = fields.firstIndex(where: { $0.key == "sentry.interfaces.Stacktrace" }) {
            fields[legacy].key = "stacktrace"
        }
        guard let index = fields.firstIndex(where: { $0.key == "stacktrace" }) else { return value }
        fields[index].value = normalizedStacktrace(fields[index].value)
        return .object(fields)
    }

    static func normalizedStacktrace(_ value: JSONValue) -> JSONValue {
        guard case .object(var fields) = value, let index = fields.firstIndex(where: { $0.key == "frames" }),
              case .array(let frames) = fields[index].value else { return value }
        fields[index].value = .array(frames.map(normalizedFrame))
        return .object(fields)
    }

    /// Relay's `process_non_raw_frame`: a frame without `abs_path` has its `filename` moved there, and a frame
    /// without `filename` gets one from `abs_path` (a URL's path); `?` for an unknown function becomes no function.
    static func normalizedFrame(_ frame: JSONValue) -> JSONValue {
        guard case .object(var fields) = frame else { return frame }
        func text(_ key: String) -> String? {
            guard let s = fields.first(where: { $0.key == key })?.value.stringValue, !s.isEmpty else { return nil }
            return s
        }
        let probe = StackFrame(filename: text("filename"), absPath: text("abs_path"))
        if let filename = probe.resolvedFilename {
            let absPath = probe.absPath ?? probe.filename
            fields.removeAll { $0.key == "filename" || $0.key == "abs_path" }
            fields.append(("filename", .string(filename)))
            if let absPath { fields.append(("abs_path", .string(absPath))) }
        }
        for key in ["function", "symbol"] {
            if let i = fields.firstIndex(where: { $0.key == key }), fields[i].value.stringValue == "?" { fields[i].value = .null }
        }
        return .object(fields)
    }

    /// Browser and OS contexts from the request's `User-Agent`, when the SDK sent none (Relay does this for every
    /// event with a request).
    static func addUserAgentContexts(_ members: inout [(key: String, value: JSONValue)], platform: String) {
        guard let request = members.first(where: { $0.key == "request" })?.value,
              let agent = UserAgent.header(in: request) else { return }
        let parsed = UserAgent.parse(agent)
        var contexts: [(key: String, value: JSONValue)] = []
        let contextsIndex = members.firstIndex { $0.key == "contexts" }
        if let contextsIndex, case .object(let existing) = members[contextsIndex].value { contexts = existing }
        func add(_ key: String, _ part: UserAgent.Part?) {
            guard let part, !contexts.contains(where: { $0.key == key }) else { return }
            var fields: [(key: String, value: JSONValue)] = [("name", .string(part.name))]
            if let version = part.version { fields.append(("version", .string(version))) }
            fields.append(("type", .string(key == "client_os" ? "os" : key)))
            contexts.append((key, .object(fields)))
        }
        add("browser", parsed.browser)
        // For a page's event the agent's OS is the event's `os`; for a server's, the server has its own: `client_os`.
        add(UserAgent.isBrowserPlatform(platform) ? "os" : "client_os", parsed.os)
        if let contextsIndex {
            members[contextsIndex].value = .object(contexts)
        } else if !contexts.isEmpty {
            members.append(("contexts", .object(contexts)))
        }
    }

    static func osName(_ contexts: JSONValue?) -> String? {
        contexts?["os"]?["name"]?.stringValue ?? contexts?["client_os"]?["name"]?.stringValue
    }

    static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): d.rounded() == d && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .bool(let b): String(b)
        default: nil
        }
    }
}

import SentryProtocol

/// The normalized values ingest stores and indexes for an event, read from the tape. Bad values are
/// dropped or trimmed with a note rather than failing the event (Relay's normalization does the same).
public struct NormalizedFields: Sendable {
    public var timestamp: Double
    public var level: String
    public var platform: String
    public var logger: String?
    public var release: String?
    public var environment: String?
    public var dist: String?
    public var serverName: String?
    public var transaction: String?
    /// Who was affected, for unique-user counts: `id:…`, else `email:…`, `username:…`, `ip:…`.
    public var userKey: String?
    /// Every tag the issue keeps counts for: the event's own tags plus the ones derived from its fields.
    public var tags: [(key: String, value: String)]
    /// What was changed or dropped, and why (shown with the event).
    public var notes: [String]
}

public enum EventNormalizer {
    /// Relay corrects a sender's clock only when it is off by more than this (its MINIMUM_CLOCK_DRIFT).
    public static let minimumClockDrift = 55.0 * 60
    /// Relay's `max_secs_in_future`: later timestamps are clamped to the time received.
    public static let maxSecondsInFuture = 60.0
    /// Relay's `max_secs_in_past` (30 days).
    public static let maxSecondsInPast = 30.0 * 86_400
    public static let maxTagKeyLength = 200
    public static let maxTagValueLength = 200
    /// Tags kept per event (its own and derived ones). Each is stored, indexed and counted on the issue: an event
    /// with thousands took seconds of the single writer's time and made its issue's tag list megabytes long.
    public static let maxTags = 100
    /// Processing notes kept per event: one line each, and a hostile event could earn thousands.
    public static let maxNotes = 20

    public static let platforms: Set<String> = [
        "as3", "c", "cfml", "cocoa", "csharp", "elixir", "go", "groovy", "haskell", "java", "javascript", "native",
        "node", "objc", "other", "perl", "php", "python", "ruby", "dart", "swift", "rust", "kotlin", "unity", "unreal",
    ]

    /// The event's top-level members are read through `facts`, which found them in one pass.
    /// `defaultLevel`: an error event without a level is an error; a transaction is `info` (as Sentry shows them).
    public static func normalize(_ facts: EventFacts, receivedAt: Double, sentAt: Double?,
                                 defaultLevel: String = "error") -> NormalizedFields {
        var notes: [String] = []
        let timestamp = Self.timestamp(facts.top(.timestamp), receivedAt: receivedAt, sentAt: sentAt, notes: &notes)

        let rawLevel = facts.level
        var level = Self.level(rawLevel) ?? defaultLevel
        if let rawLevel, Self.level(rawLevel) == nil {
            notes.append("level: invalid value '\(rawLevel.prefix(32))', using \(defaultLevel)")
            level = defaultLevel
        }
        var platform = facts.platform
        if !platforms.contains(platform) {
            notes.append("platform: unknown value '\(platform.prefix(32))', using other")
            platform = "other"
        }
        let release = text(facts.top(.release), "release", max: 200, notes: &notes) {
            // Sentry's rule: no newline, tab or slash, and not ".", ".." or "latest".
            !$0.anyByte { $0 == 0x0A || $0 == 0x09 || $0 == 0x2F || $0 == 0x5C } && $0 != "." && $0 != ".."
                && $0 != "latest"
        }
        let environment = text(facts.top(.environment), "environment", max: 64, notes: &notes) { !$0.containsText("/") && !$0.containsText("\n") }
        let dist = text(facts.top(.dist), "dist", max: 64, notes: &notes) { !$0.containsText("\n") }
        let serverName = text(facts.top(.serverName), "server_name", max: 200, notes: &notes) { _ in true }
        let transaction = text(facts.top(.transaction), "transaction", max: 200, notes: &notes) { _ in true }
        let logger = text(facts.top(.logger), "logger", max: 64, notes: &notes) { _ in true }

        var tags: [(key: String, value: String)] = []
        tags.reserveCapacity(16)
        func add(_ key: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            guard key.utf8.count <= maxTagKeyLength, !key.isEmpty else {
                notes.append("tags: key too long, dropped")
                return
            }
            // A dozen or two keys: a scan is cheaper than hashing each.
            guard !tags.contains(where: { $0.key == key }) else { return }
            var v = value
            if v.utf8.count > maxTagValueLength {
                v = String(v.prefix(maxTagValueLength))
                notes.append("tags.\(key): value trimmed to \(maxTagValueLength) characters")
            }
            tags.append((key, v.containsText("\n") ? v.replacingNewlines() : v))
        }
        add("level", level)
        add("environment", environment)
        add("release", release)
        add("server_name", serverName)
        add("transaction", transaction)
        add("logger", logger)
        // Sentry's context tags: `browser` ("Chrome 120.0.6099") and `browser.name`, the same for `os`, `client_os`
        // and `runtime`; `device` is the model.
        var hasBrowser = false
        var hasOS = false
        if let contexts = facts.top(.contexts), contexts.kind == .object {
            for key in ["browser", "os", "client_os", "runtime", "device"] {
                guard let context = contexts[key], context.kind == .object else { continue }
                let n = context["name"]?.string ?? (key == "device" ? context["model"]?.string : nil)
                let version = context["version"]?.scalarText
                add(key, n.map { name in version.map { "\(name) \($0)" } ?? name })
                if key != "device" { add(key + ".name", n) }
                if key == "browser" { hasBrowser = true }
                if key == "os" || key == "client_os" { hasOS = true }
            }
        }
        // No browser context: the request's User-Agent names it, as Relay derives it.
        if !hasBrowser || !hasOS, let agent = UserAgent.header(in: facts.top(.request)) {
            let parsed = UserAgent.parse(agent)
            let osKey = UserAgent.isBrowserPlatform(platform) ? "os" : "client_os"
            for (key, part) in [("browser", hasBrowser ? nil : parsed.browser), (osKey, hasOS ? nil : parsed.os)] {
                guard let part else { continue }
                add(key, part.version.map { "\(part.name) \($0)" } ?? part.name)
                add(key + ".name", part.name)
            }
        }
        if let url = facts.top(.request)?["url"]?.string {
            let stripped = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
            add("url", stripped)
        }
        if let main = facts.exceptions.last {
            if let handled = main.handled { add("handled", handled ? "yes" : "no") }
            add("mechanism", main.mechanismType)
            add("error.class", ErrorClassifier.classify(type: main.type, value: main.value, mechanism: main.mechanismType))
        }
        // Sentry's `user` tag (`sentry:user`): the unique users are the distinct values of this tag.
        let userObject = facts.top(.user)
        let key = userKey(userObject)
        add("user", key)
        // As stored in the tag (trimmed like any tag value), so counts and tag values agree.
        let user = tags.last.flatMap { $0.key == "user" ? $0.value : nil }
        // An email the `user` tag does not carry (it holds the id), so `user.email:` searches find the issue too.
        if let key, !key.hasPrefix("email:"), let email = userObject?["email"]?.scalarText, !email.isEmpty,
           email != "[Filtered]" {
            add("user.email", String(email.prefix(200)))
        }
        var dropped = 0
        for (key, value) in facts.tags {
            guard tags.count < maxTags else {
                dropped += 1
                continue
            }
            add(key, value)
        }
        if dropped > 0 { notes.append("tags: \(dropped) over the limit of \(maxTags) dropped") }
        if notes.count > maxNotes {
            let extra = notes.count - maxNotes
            notes.removeLast(extra + 1)
            notes.append("and \(extra + 1) more notes")
        }
        return NormalizedFields(timestamp: timestamp, level: level, platform: platform, logger: logger, release: release,
                                environment: environment, dist: dist, serverName: serverName, transaction: transaction,
                                userKey: user, tags: tags, notes: notes)
    }

    /// Sentry's levels; the common spellings SDKs and loggers use map onto them.
    public static func level(_ raw: String?) -> String? {
        guard let raw else { return nil }
        // SDKs send the lower-case names; lower-casing allocates, so only do it for the rest.
        switch raw.anyByte({ $0 >= 65 && $0 <= 90 }) ? raw.lowercased() : raw {
        case "debug", "trace": return "debug"
        case "info", "log", "notice": return "info"
        case "warning", "warn": return "warning"
        case "error", "err": return "error"
        case "fatal", "critical", "crit", "emerg", "alert": return "fatal"
        // Python's logging levels, which raven-python and logging handlers sent as numbers (Relay reads them too).
        case "10": return "debug"
        case "20": return "info"
        case "30": return "warning"
        case "40": return "error"
        case "50": return "fatal"
        default: return nil
        }
    }

    static func timestamp(_ ref: JSONRef?, receivedAt: Double, sentAt: Double?, notes: inout [String]) -> Double {
        var value: Double?
        if let ref, !ref.isNull {
            value = ref.timestampValue
            if value == nil || !(value ?? 0).isFinite || (value ?? 0) < 0 {
                notes.append("timestamp: invalid value, using the time received")
                value = nil
            }
        }
        guard var t = value else { return receivedAt }
        // A sender whose clock is off by an hour or more: shift its timestamps by the drift seen on sent_at.
        if let sentAt {
            let drift = receivedAt - sentAt
            if abs(drift) >= minimumClockDrift {
                t += drift
                notes.append("timestamp: corrected by \(Int(drift)) s of client clock drift")
            }
        }
        if t > receivedAt + maxSecondsInFuture {
            notes.append("timestamp: in the future, using the time received")
            return receivedAt
        }
        if t < receivedAt - maxSecondsInPast {
            notes.append("timestamp: older than 30 days, using the time received")
            return receivedAt
        }
        return t
    }

    private static func text(_ ref: JSONRef?, _ name: String, max: Int, notes: inout [String],
                             valid: (String) -> Bool) -> String? {
        guard let ref, !ref.isNull else { return nil }
        guard var s = ref.scalarText else {
            notes.append("\(name): not a string, dropped")
            return nil
        }
        if s.utf8.first == 0x20 || s.utf8.last == 0x20 { s = s.trimmingCharacters(in: " ") }
        guard !s.isEmpty else { return nil }
        guard valid(s) else {
            notes.append("\(name): invalid value, dropped")
            return nil
        }
        if s.utf8.count > max {
            notes.append("\(name): trimmed to \(max) characters")
            s = String(s.prefix(max))
        }
        return s
    }

    /// The user an event counts for: `user.id`, else email, else username, else IP address.
    static func userKey(_ user: JSONRef?) -> String? {
        guard let user, user.kind == .object else { return nil }
        for (field, prefix) in [("id", "id"), ("email", "email"), ("username", "username"), ("ip_address", "ip")] {
            if let v = user[field]?.scalarText, !v.isEmpty, v != "{{auto}}", v != "[Filtered]" {
                return "\(prefix):\(v.prefix(200))"
            }
        }
        return nil
    }
}

extension String {
    func replacingNewlines() -> String {
        String(map { $0.isNewline ? " " : $0 })
    }
}

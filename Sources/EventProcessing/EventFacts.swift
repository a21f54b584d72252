import SentryProtocol

/// The parts of an event that grouping, fingerprint rules and issue titles read, decoded once from the
/// JSON tape. Accepts each interface in every shape SDKs send (list or `{values}`, message as string or
/// object, tags as object or pairs).
public struct EventFacts: Sendable {
    public struct ExceptionFacts: Sendable {
        public var type: String?
        public var value: String?
        public var module: String?
        public var mechanismType: String?
        public var handled: Bool?
        public var synthetic: Bool
        public var isExceptionGroup: Bool
        public var exceptionID: Int?
        public var parentID: Int?
        public var frames: [StackFrame]
        /// `mechanism.meta.ns_error` (Apple's NSError domain and code), grouped on by strategy v3.
        public var nsError: NSErrorFacts?
        /// What stack-trace rules set for this stack (`max-frames`, `min-frames`).
        public var limits = StackLimits()
    }

    public struct NSErrorFacts: Sendable, Equatable {
        public var domain: String?
        public var code: String?
    }

    public var platform: String
    /// As sent: the cause first, the raised exception last.
    public var exceptions: [ExceptionFacts]
    /// The stack of the only thread, or the event's top-level `stacktrace` (used when there is no exception).
    public var threadFrames: [StackFrame]
    /// With several threads, the crashed one's stack (else the current one's): what strategy v3 groups on.
    public var selectedThreadFrames: [StackFrame]?
    /// What stack-trace rules set for the thread stack.
    public var threadLimits = StackLimits()
    /// The `template` interface's file and line (a template error): strategy v3 groups on them when there is no stack.
    public var templateFile: String?
    public var templateLine: String?
    public var messageTemplate: String?
    public var messageFormatted: String?
    public var logger: String?
    public var level: String?
    public var transaction: String?
    public var tags: [(key: String, value: String)]
    public var fingerprint: [String]?

    /// The top-level members that grouping and normalization read.
    enum TopKey: Int, CaseIterable {
        case platform, exception, threads, stacktrace, logentry, legacyMessage, message, logger, level, transaction, tags,
             fingerprint, timestamp, release, environment, dist, serverName, contexts, request, user, eventID, type,
             startTimestamp, template, culprit,
             // Protocol v4–v6 names of the same interfaces (Relay's legacy aliases): read when the new name is absent.
             legacyException, legacyStacktrace, legacyRequest, legacyUser, legacyTemplate
    }

    static let topKeyNames = JSONRef.KeySet([
        "platform", "exception", "threads", "stacktrace", "logentry", "sentry.interfaces.Message", "message", "logger",
        "level", "transaction", "tags", "fingerprint", "timestamp", "release", "environment", "dist", "server_name",
        "contexts", "request", "user", "event_id", "type", "start_timestamp", "template", "culprit",
        "sentry.interfaces.Exception", "sentry.interfaces.Stacktrace", "sentry.interfaces.Http", "sentry.interfaces.User",
        "sentry.interfaces.Template",
    ])

    /// Those members, found in one pass over the event's top level (one scan per field cost more).
    let top: [JSONRef?]

    func top(_ key: TopKey) -> JSONRef? { Self.member(key, in: top) }

    static func member(_ key: TopKey, in top: [JSONRef?]) -> JSONRef? {
        if let found = top[key.rawValue] { return found }
        switch key {
        case .exception: return top[TopKey.legacyException.rawValue]
        case .stacktrace: return top[TopKey.legacyStacktrace.rawValue]
        case .request: return top[TopKey.legacyRequest.rawValue]
        case .user: return top[TopKey.legacyUser.rawValue]
        case .template: return top[TopKey.legacyTemplate.rawValue]
        case .logentry: return top[TopKey.legacyMessage.rawValue]
        default: return nil
        }
    }

    /// The payload's `event_id` member as sent (ingest validates it).
    public var eventIDMember: JSONRef? { top(.eventID) }
    /// The payload's `type` (`transaction` for transactions sent as events).
    public var payloadType: String? { top(.type)?.string }

    /// A transaction's duration in milliseconds (`timestamp` − `start_timestamp`, as sent), its trace's `op` and
    /// `status`; nil duration when either time is missing or they are out of order.
    public var transactionTiming: (durationMS: Double?, op: String?, status: String?) {
        let trace = top(.contexts)?["trace"]
        var duration: Double?
        if let end = top(.timestamp)?.timestampValue, let start = top(.startTimestamp)?.timestampValue,
           end.isFinite, start.isFinite, end >= start {
            duration = (end - start) * 1000
        }
        return (duration, trace?["op"]?.string, trace?["status"]?.string)
    }

    /// The trace an event happened in (`contexts.trace`), and the span that was active: how an error is shown in its
    /// trace. SDKs send a trace context on errors even outside a transaction (their propagation context).
    public var traceLink: TraceLink? {
        guard let trace = top(.contexts)?["trace"], let id = trace["trace_id"]?.string.flatMap({ EventID($0) }) else { return nil }
        return TraceLink(traceID: id, spanID: trace["span_id"].flatMap(TraceRecords.hexID))
    }

    /// `contexts.browser.name`: which browser a page's transaction was measured in.
    public var browserName: String? {
        top(.contexts)?["browser"]?["name"]?.string.map { String($0.prefix(64)) }
    }

    public init(_ root: JSONRef) {
        let top = root.members(named: Self.topKeyNames)
        self.top = top
        func field(_ key: TopKey) -> JSONRef? { Self.member(key, in: top) }
        let platform = (field(.platform)?.string).map { $0.lowercased() } ?? "other"
        self.platform = platform
        exceptions = Self.interfaceValues(field(.exception)).map { e in
            let mechanism = e["mechanism"]
            return ExceptionFacts(type: e["type"]?.string, value: e["value"]?.scalarText, module: e["module"]?.string,
                                  mechanismType: mechanism?["type"]?.string, handled: mechanism?["handled"]?.bool,
                                  synthetic: mechanism?["synthetic"]?.bool ?? false,
                                  isExceptionGroup: mechanism?["is_exception_group"]?.bool ?? false,
                                  exceptionID: mechanism?["exception_id"]?.int, parentID: mechanism?["parent_id"]?.int,
                                  frames: StackFrame.frames(of: e["stacktrace"] ?? e["sentry.interfaces.Stacktrace"], platform: platform),
                                  nsError: Self.nsError(mechanism?["meta"]?["ns_error"]))
        }
        let threads = Self.interfaceValues(field(.threads)).filter { $0["stacktrace"]?["frames"] != nil }
        if threads.count == 1 {
            threadFrames = StackFrame.frames(of: threads[0]["stacktrace"], platform: platform)
        } else {
            threadFrames = StackFrame.frames(of: field(.stacktrace), platform: platform)
            if let chosen = threads.first(where: { $0["crashed"]?.bool == true }) ?? threads.first(where: { $0["current"]?.bool == true }) {
                selectedThreadFrames = StackFrame.frames(of: chosen["stacktrace"], platform: platform)
            }
        }
        if let template = field(.template), template.kind == .object {
            templateFile = template["filename"]?.string ?? template["abs_path"]?.string
            templateLine = template["context_line"]?.string
        }
        let logentry = field(.logentry)
        let message = field(.message)
        switch message?.kind {
        case .string?: messageFormatted = message?.string
        case .object?:
            messageTemplate = message?["message"]?.string
            messageFormatted = message?["formatted"]?.string
        default: break
        }
        if let logentry {
            // `logentry` wins over a top-level `message` (raven sends both, the template in each); with no
            // `formatted`, the template is formatted with its params (Relay's logentry normalization).
            messageTemplate = logentry["message"]?.string ?? messageTemplate
            if let formatted = logentry["formatted"]?.string {
                messageFormatted = formatted
            } else if let template = logentry["message"]?.string {
                messageFormatted = MessageFormatter.format(template, params: logentry["params"])
            }
        }
        if messageFormatted == nil { messageFormatted = messageTemplate }
        logger = field(.logger)?.string
        // Python's logging numbers (40) are levels too.
        level = field(.level)?.scalarText
        transaction = field(.transaction)?.string
        tags = Self.tagPairs(field(.tags))
        if let fp = field(.fingerprint), fp.kind == .array {
            let values = fp.elements.compactMap(\.scalarText)
            fingerprint = values.isEmpty ? nil : values
        }
    }

    static func nsError(_ ref: JSONRef?) -> NSErrorFacts? {
        guard let ref, ref.kind == .object else { return nil }
        let facts = NSErrorFacts(domain: ref["domain"]?.string, code: ref["code"]?.scalarText)
        return facts.domain == nil && facts.code == nil ? nil : facts
    }

    /// An interface in list form, `{values: [...]}` form, or a bare object standing for a list of one (as Relay
    /// reads `Values<T>`: an object without `values` is the single item).
    public static func interfaceValues(_ ref: JSONRef?) -> [JSONRef] {
        guard let ref else { return [] }
        if ref.kind == .object {
            guard let list = ref["values"] else { return ref.count == 0 ? [] : [ref] }
            return list.elements.filter { $0.kind == .object }
        }
        return ref.elements.filter { $0.kind == .object }
    }

    /// `tags` as an object or a list of `[key, value]` pairs; non-scalar values are dropped.
    public static func tagPairs(_ ref: JSONRef?) -> [(key: String, value: String)] {
        guard let ref else { return [] }
        switch ref.kind {
        case .object:
            return ref.members.compactMap { m in m.value.scalarText.map { (m.key, $0) } }
        case .array:
            return ref.elements.compactMap { pair in
                let parts = pair.elements
                guard parts.count == 2, let k = parts[0].string, let v = parts[1].scalarText else { return nil }
                return (k, v)
            }
        default:
            return []
        }
    }

    /// The exception the issue is named after: the one raised last (for exception groups, the group).
    public var mainException: ExceptionFacts? { exceptions.last }

    /// The frame where it happened: the innermost in-app frame of the main exception (or of the thread).
    public var culpritFrame: StackFrame? {
        let frames = mainException?.frames ?? threadFrames
        return frames.last(where: \.inApp) ?? frames.last
    }

    /// Sentry's culprit (`get_culprit`): the one the SDK sent, else the transaction, else the innermost in-app frame
    /// of the last exception that has frames (`module in function`; `function(file)` for JavaScript; the function
    /// alone for native code), else the innermost frame, else the request's URL. None for a synthetic exception.
    public var culprit: String {
        if let sent = top(.culprit)?.string, !sent.isEmpty { return sent }
        if let transaction, !transaction.isEmpty { return transaction }
        let frames: [StackFrame]
        if let main = mainException {
            if main.synthetic { return "" }
            frames = exceptions.last(where: { !$0.frames.isEmpty })?.frames ?? []
        } else {
            frames = topLevelFrames
        }
        var fallback: String?
        for frame in frames.reversed() {
            if frame.inApp {
                if let text = frame.culprit(platform: platform), !text.isEmpty { return text }
            } else if fallback == nil {
                fallback = frame.culprit(platform: platform)
            }
        }
        if let fallback, !fallback.isEmpty { return fallback }
        return top(.request)?["url"]?.string ?? ""
    }

    /// The event's own `stacktrace` (Sentry's culprit does not read threads).
    var topLevelFrames: [StackFrame] {
        StackFrame.frames(of: top(.stacktrace), platform: platform)
    }

    public var isUnhandled: Bool { exceptions.contains { $0.handled == false } }
}

/// Formats a logging template with its params (`%s`, `%d`, `%r`, `{}` and `{0}` styles), for events that
/// sent only the template.
enum MessageFormatter {
    static func format(_ template: String, params: JSONRef?) -> String {
        format(template, values: (params?.elements ?? []).map { $0.scalarText ?? String(decoding: $0.rawBytes, as: UTF8.self) })
    }

    static func format(_ template: String, values: [String]) -> String {
        guard !values.isEmpty else { return template }
        var out = ""
        var next = 0
        var chars = template[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            if c == "%", let spec = chars.first {
                if spec == "%" {
                    out.append("%")
                    chars = chars.dropFirst()
                    continue
                }
                var rest = chars
                while let f = rest.first, "0123456789.-+ #".contains(f) { rest = rest.dropFirst() }
                if let conv = rest.first, "sdifrxXeEgGcoau".contains(conv), next < values.count {
                    out += values[next]
                    next += 1
                    chars = rest.dropFirst()
                    continue
                }
            } else if c == "{", let close = chars.firstIndex(of: "}"), chars[chars.startIndex..<close].allSatisfy(\.isNumber) {
                let inner = chars[chars.startIndex..<close]
                let index = Int(inner) ?? next
                if index < values.count {
                    out += values[index]
                    next = max(next, index + 1)
                    chars = chars[chars.index(after: close)...]
                    continue
                }
            }
            out.append(c)
        }
        return out
    }
}

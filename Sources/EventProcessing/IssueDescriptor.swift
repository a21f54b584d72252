/// How an issue presents itself: title, culprit and Sentry's `metadata`, from its first event (and
/// refreshed by later ones).
public struct IssueDescriptor: Sendable, Equatable {
    public var title: String
    public var culprit: String
    /// `error` (has an exception) or `default` (a message).
    public var type: String
    public var exceptionType: String?
    public var exceptionValue: String?
    public var filename: String?
    public var function: String?
    public var level: String
    public var isUnhandled: Bool

    public static let maxTitleLength = 200

    /// A performance issue: Sentry's title for its type, the transaction as culprit, the offending query or call as
    /// the value; `type` is the issue type's slug (`performance_n_plus_one_db_queries`, …).
    public init(_ problem: PerformanceProblem, transaction: String) {
        title = problem.kind.title
        culprit = Self.truncate(transaction, Self.maxTitleLength)
        type = problem.kind.rawValue
        exceptionType = nil
        exceptionValue = Self.truncate(problem.description, 1024)
        filename = nil
        function = nil
        level = "info"
        isUnhandled = false
    }

    public init(_ facts: EventFacts, grouping: GroupingResult? = nil) {
        self.init(facts, title: grouping?.title)
    }

    /// `customTitle`: one a fingerprint rule set.
    public init(_ facts: EventFacts, title customTitle: String?) {
        let main = facts.mainException
        if let main {
            type = "error"
            let t = main.type ?? "Error"
            let v = main.value.map(Self.firstLine) ?? ""
            title = v.isEmpty ? t : "\(t): \(v)"
            exceptionType = t
            exceptionValue = main.value
        } else {
            type = "default"
            title = (facts.messageFormatted ?? facts.messageTemplate).map(Self.firstLine).flatMap { $0.isEmpty ? nil : $0 }
                ?? "<unlabeled event>"
        }
        if let custom = customTitle, !custom.isEmpty { title = custom }
        title = Self.truncate(title, Self.maxTitleLength)
        let frame = facts.culpritFrame
        filename = frame?.filename ?? frame?.absPath
        function = frame?.function
        culprit = Self.truncate(facts.culprit, Self.maxTitleLength)
        level = EventNormalizer.level(facts.level) ?? "error"
        isUnhandled = facts.isUnhandled
    }

    static func firstLine(_ text: String) -> String {
        // Most values are one line of ASCII: answer that without splitting into Characters.
        if !text.anyByte({ ($0 >= 0x0A && $0 <= 0x0D) || $0 >= 0x80 }),
           text.anyByte({ $0 != 0x20 && $0 != 0x09 }) {
            return text
        }
        return String(text.split(whereSeparator: \.isNewline).first(where: { !$0.allSatisfy(\.isWhitespace) }) ?? "")
    }

    static func truncate(_ s: String, _ max: Int) -> String {
        // No more bytes than `max` means no more Characters either; counting Characters is the slow path.
        s.utf8.count <= max || s.count <= max ? s : String(s.prefix(max - 1)) + "…"
    }
}

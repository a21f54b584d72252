/// A Discover query over error events (`GET /organizations/{org}/events/?query=event.type:error`): the same request
/// shape as the transaction table (`DiscoverQuery`) with the columns and functions errors have — grouped by `title`,
/// `issue`, `release`, `level`…, counted with `count()`, `count_unique(user)`, `count_unique(issue)`, `epm()`,
/// `last_seen()`. Pure parsing; each problem a `DiscoverQueryError`.
public struct ErrorQuery: Sendable {
    public enum Column: String, Sendable, CaseIterable {
        case title, issue, issueID = "issue.id", project, release, environment, level, platform, user, id, timestamp
    }

    public enum Function: String, Sendable {
        case count, countUnique = "count_unique", epm, eps, lastSeen = "last_seen", firstSeen = "first_seen"
    }

    public enum Field: Sendable, Equatable {
        case column(Column)
        /// The function, the column it counts (`count_unique(user)`), and the text as asked (the row key).
        case aggregate(Function, of: Column?, key: String)

        public var key: String {
            switch self {
            case .column(let c): c.rawValue
            case .aggregate(_, _, let key): key
            }
        }
    }

    public struct Filter: Sendable, Equatable {
        public var column: Column
        public var matches: [TextMatch]
        public var negated: Bool
    }

    public var fields: [Field]
    public var filters: [Filter] = []
    /// Free text: a title containing it.
    public var text: TextMatch?
    public var sort: [(key: String, descending: Bool)]

    /// Columns that follow from an event's issue alone.
    public static let issueColumns: Set<Column> = [.title, .issue, .issueID]

    /// Whether answering needs the issues' titles and short ids: grouped, filtered or searched by them.
    public var needsIssueLabels: Bool {
        text != nil || filters.contains { $0.column == .title || $0.column == .issue }
            || fields.contains { $0 == .column(.title) || $0 == .column(.issue) }
    }

    /// The stored columns answering this query needs (project, time and issue are always read): what it groups by,
    /// filters on, and counts.
    public var readColumns: Set<Column> {
        var columns = Set(groupColumns)
        for filter in filters { columns.insert(filter.column) }
        for case .aggregate(_, let of?, _) in fields { columns.insert(of) }
        return columns
    }

    public var isAggregate: Bool { fields.contains { if case .aggregate = $0 { true } else { false } } }
    public var groupColumns: [Column] { fields.compactMap { if case .column(let c) = $0 { c } else { nil } } }

    /// Whether a Discover request asks for errors: `event.type:error` (or `event.type:default`, message events) in its
    /// query, or the `errors` dataset.
    public static func asksForErrors(query: String, dataset: String?) -> Bool {
        if dataset == "errors" { return true }
        guard let terms = try? SearchTerms.parse(query) else { return false }
        return terms.contains { $0.key == "event.type" && !$0.negated && $0.values.allSatisfy { $0 == "error" || $0 == "default" } }
    }

    public init(fields texts: [String], query: String, sort: [String]) throws(DiscoverQueryError) {
        guard !texts.isEmpty else { throw DiscoverQueryError("'field' is required: name columns or functions, like title and count().") }
        guard texts.count <= DiscoverQuery.maxFields else { throw DiscoverQueryError("At most 20 fields.") }
        var fields: [Field] = []
        for text in texts where !fields.contains(where: { $0.key == text }) {
            fields.append(try Self.field(text))
        }
        self.fields = fields
        let firstAggregate = fields.first(where: { if case .aggregate = $0 { true } else { false } })?.key
        self.sort = try DiscoverQuery.order(sort, keys: fields.map(\.key), firstAggregate: firstAggregate)
        try parse(query: query)
    }

    static func field(_ text: String) throws(DiscoverQueryError) -> Field {
        if let column = Column(rawValue: text) { return .column(column) }
        guard text.hasSuffix(")"), let open = text.firstIndex(of: "(") else {
            throw DiscoverQueryError("Unknown field for errors: use title, issue, issue.id, project, release, environment, level, platform, user, id, timestamp, or a function like count().")
        }
        guard let function = Function(rawValue: String(text[..<open])) else {
            throw DiscoverQueryError("Unknown function for errors: use count(), count_unique(user), count_unique(issue), epm(), eps(), last_seen(), first_seen().")
        }
        let argument = text[text.index(after: open)..<text.index(before: text.endIndex)].trimmingCharacters(in: .whitespaces)
        switch function {
        case .countUnique:
            guard argument == "user" || argument == "issue" || argument == "release" else {
                throw DiscoverQueryError("count_unique() counts user, issue or release.")
            }
            return .aggregate(function, of: Column(rawValue: argument), key: text)
        case .count, .epm, .eps, .lastSeen, .firstSeen:
            guard argument.isEmpty || (function == .count && argument == "id") else {
                throw DiscoverQueryError("Invalid function arguments.")
            }
            return .aggregate(function, of: nil, key: text)
        }
    }

    private mutating func parse(query: String) throws(DiscoverQueryError) {
        let terms: [SearchTerm]
        do {
            terms = try SearchTerms.parse(query)
        } catch {
            throw DiscoverQueryError(error.description)
        }
        var words: [String] = []
        for term in terms {
            guard let key = term.key else {
                words += term.values
                continue
            }
            if key == "event.type" { continue }  // what brought the request here
            guard let column = Column(rawValue: key), column != .timestamp, column != .id else {
                throw DiscoverQueryError("Unknown search key for errors: use event.type, title, issue, release, environment, level, platform or user.")
            }
            filters.append(Filter(column: column, matches: term.values.map(TextMatch.init), negated: term.negated))
        }
        if !words.isEmpty { text = .pattern("*" + words.joined(separator: " ") + "*") }
    }
}

/// A Discover query over transactions (`GET /organizations/{org}/events/`): the fields asked for — columns to group
/// by and aggregate functions — the order, and the filters of the search language. Pure parsing: values in, values
/// out, each problem a `DiscoverQueryError` naming the parameter.
public struct DiscoverQuery: Sendable, Equatable {
    public enum Column: String, Sendable, CaseIterable {
        case transaction, op = "transaction.op", status = "transaction.status", project, release, environment
        case httpMethod = "http.method", user, trace, id, timestamp, duration = "transaction.duration"
    }

    public enum Function: String, Sendable, CaseIterable {
        case count, epm, tpm, eps, tps, p50, p75, p90, p95, p99, p100, avg, min, max, sum
        case failureRate = "failure_rate", apdex, countUnique = "count_unique", countMiserable = "count_miserable"
        case userMisery = "user_misery", percentile
    }

    public enum Field: Sendable, Equatable {
        case column(Column)
        /// The function, its threshold or quantile when it takes one, and the text as asked (the row key).
        case aggregate(Function, parameter: Double?, key: String)

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
    /// Free text: a transaction name containing it (`*` patterns).
    public var text: TextMatch?
    /// The field keys to sort by, descending when `-`-prefixed.
    public var sort: [(key: String, descending: Bool)]

    /// The stored columns answering this query needs (duration, time and project are always read): what it groups by,
    /// filters on, searches (names) and aggregates (status for failure rates, users for the user functions).
    public var readColumns: Set<Column> {
        var columns = Set(groupColumns)
        for filter in filters { columns.insert(filter.column) }
        if text != nil { columns.insert(.transaction) }
        for case .aggregate(let f, _, _) in fields {
            switch f {
            case .failureRate: columns.insert(.status)
            case .countUnique, .countMiserable, .userMisery: columns.insert(.user)
            default: break
            }
        }
        return columns
    }

    public var isAggregate: Bool { fields.contains { if case .aggregate = $0 { true } else { false } } }
    public var groupColumns: [Column] { fields.compactMap { if case .column(let c) = $0 { c } else { nil } } }

    public static func == (a: DiscoverQuery, b: DiscoverQuery) -> Bool {
        a.fields == b.fields && a.filters == b.filters && a.text == b.text
            && a.sort.map(\.key) == b.sort.map(\.key) && a.sort.map(\.descending) == b.sort.map(\.descending)
    }

    public static let maxFields = 20

    /// `fields` as sent (`transaction`, `p95()`, `apdex(300)`, `percentile(transaction.duration,0.95)`, …), `query` in
    /// the search language, `sort` keys (a requested field, `-` for descending).
    public init(fields texts: [String], query: String, sort: [String]) throws(DiscoverQueryError) {
        guard !texts.isEmpty else { throw DiscoverQueryError("'field' is required: name columns or functions, like transaction and p95().") }
        guard texts.count <= Self.maxFields else { throw DiscoverQueryError("At most 20 fields.") }
        var fields: [Field] = []
        for text in texts where !fields.contains(where: { $0.key == text }) {
            fields.append(try Self.field(text))
        }
        self.fields = fields
        let firstAggregate = fields.first(where: { if case .aggregate = $0 { true } else { false } })?.key
        self.sort = try Self.order(sort, keys: fields.map(\.key), firstAggregate: firstAggregate)
        try parse(query: query)
    }

    /// `sort` keys as sent (a requested field, `-` for descending); none: Sentry's pages sort by the first requested
    /// aggregate, descending, and without one newest first (when `timestamp` is requested). Shared by `ErrorQuery`.
    static func order(_ sort: [String], keys: [String], firstAggregate: String?) throws(DiscoverQueryError)
        -> [(key: String, descending: Bool)] {
        var order: [(key: String, descending: Bool)] = []
        for text in sort where !text.isEmpty {
            let descending = text.hasPrefix("-")
            let key = descending ? String(text.dropFirst()) : text
            guard keys.contains(key) else { throw DiscoverQueryError("'sort' must name one of the requested fields.") }
            order.append((key, descending))
        }
        if order.isEmpty {
            if let firstAggregate {
                order = [(firstAggregate, true)]
            } else if keys.contains("timestamp") {
                order = [("timestamp", true)]
            }
        }
        return order
    }

    static func field(_ text: String) throws(DiscoverQueryError) -> Field {
        if let column = Column(rawValue: text) { return .column(column) }
        guard text.hasSuffix(")"), let open = text.firstIndex(of: "(") else {
            throw DiscoverQueryError("Unknown field: use transaction, transaction.op, release, environment, http.method, user, or a function like p95().")
        }
        guard let function = Function(rawValue: String(text[..<open])) else {
            throw DiscoverQueryError("Unknown function: use count(), epm(), p50()…p100(), avg(), failure_rate(), apdex(), count_unique(user), user_misery().")
        }
        let args = text[text.index(after: open)..<text.index(before: text.endIndex)]
            .split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        func number(_ s: String, _ range: ClosedRange<Double>) throws(DiscoverQueryError) -> Double {
            guard let v = Double(s), range.contains(v) else { throw DiscoverQueryError("Invalid function argument: out of range.") }
            return v
        }
        func requireArguments(_ allowed: [[String]]) throws(DiscoverQueryError) {
            guard allowed.contains(where: { $0.count == args.count && zip($0, args).allSatisfy { $0 == "*" || $0 == $1 } }) else {
                throw DiscoverQueryError("Invalid function arguments.")
            }
        }
        switch function {
        case .count, .epm, .tpm, .eps, .tps, .failureRate:
            try requireArguments([[], ["transaction.duration"], ["id"]])
            return .aggregate(function, parameter: nil, key: text)
        case .p50, .p75, .p90, .p95, .p99, .p100, .avg, .min, .max, .sum:
            try requireArguments([[], ["transaction.duration"]])
            return .aggregate(function, parameter: nil, key: text)
        case .percentile:
            try requireArguments([["transaction.duration", "*"]])
            return .aggregate(function, parameter: try number(args[1], 0...1), key: text)
        case .apdex, .userMisery:
            try requireArguments([[], ["*"]])
            return .aggregate(function, parameter: try args.first.map { a throws(DiscoverQueryError) in try number(a, 1...3_600_000) },
                              key: text)
        case .countUnique:
            try requireArguments([["user"]])
            return .aggregate(function, parameter: nil, key: text)
        case .countMiserable:
            try requireArguments([["user"], ["user", "*"]])
            return .aggregate(function, parameter: try args.count == 2 ? number(args[1], 1...3_600_000) : nil, key: text)
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
            if key == "event.type" {
                guard term.values == ["transaction"], !term.negated else {
                    throw DiscoverQueryError("event.type must be transaction, or error alone (the errors table).")
                }
                continue
            }
            let column: Column
            switch key {
            case "transaction", "transaction.op", "transaction.status", "release", "environment", "http.method", "user", "trace":
                column = Column(rawValue: key) ?? .transaction
            default:
                throw DiscoverQueryError("Unknown search key: use event.type, transaction, transaction.op, transaction.status, release, environment, http.method, user or trace.")
            }
            filters.append(Filter(column: column, matches: term.values.map(TextMatch.init), negated: term.negated))
        }
        if !words.isEmpty { text = .pattern("*" + words.joined(separator: " ") + "*") }
    }
}

public struct DiscoverQueryError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

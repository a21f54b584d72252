/// A Discover query over transactions (`GET /organizations/{org}/events/`): the fields asked for — columns to group
/// by and aggregate functions — the order, and the filters of the search language. Pure parsing: values in, values
/// out, each problem a `DiscoverQueryError` naming the parameter.
public struct DiscoverQuery: Sendable, Equatable {
    public enum Column: String, Sendable, CaseIterable {
        case transaction, op = "transaction.op", status = "transaction.status", project, release, environment
        case httpMethod = "http.method", user, trace, id, timestamp, duration = "transaction.duration"
        /// Read when a function or filter names `measurements.<name>` (not a field of its own).
        case measurements
    }

    /// `transaction.duration:>1s`, `measurements.lcp:<=2500`: a number compared, in milliseconds for durations.
    public struct Comparison: Sendable, Equatable {
        public enum Operator: String, Sendable { case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "=" }
        /// nil: the transaction's duration.
        public var measurement: String?
        public var op: Operator
        public var value: Double

        public func holds(_ x: Double) -> Bool {
            switch op {
            case .less: x < value
            case .lessOrEqual: x <= value
            case .greater: x > value
            case .greaterOrEqual: x >= value
            case .equal: x == value
            }
        }

        /// `>1s`, `<=250ms`, `>=2.5m`, `1500` (ms, or a unitless measurement such as `cls`).
        static func parse(_ text: String, measurement: String?) throws(DiscoverQueryError) -> Comparison {
            var rest = Substring(text)
            var op = Operator.equal
            for candidate in [Operator.lessOrEqual, .greaterOrEqual, .less, .greater, .equal] where rest.hasPrefix(candidate.rawValue) {
                op = candidate
                rest = rest.dropFirst(candidate.rawValue.count)
                break
            }
            var scale = 1.0
            for (unit, factor) in [("ms", 1.0), ("s", 1000.0), ("m", 60_000.0), ("h", 3_600_000.0), ("d", 86_400_000.0),
                                   ("w", 604_800_000.0)] where rest.hasSuffix(unit) {
                scale = factor
                rest = rest.dropLast(unit.count)
                break
            }
            guard let number = Double(rest), number.isFinite, abs(number) <= 1e12 else {
                throw DiscoverQueryError("Invalid value for a number or duration filter: use a comparison like >1s, <=250ms or >0.1.")
            }
            return Comparison(measurement: measurement, op: op, value: number * scale)
        }
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
    /// Number filters on the duration or a measurement.
    public var comparisons: [Comparison] = []
    /// `has:user` (true) and `!has:user` (false).
    public var presence: [(column: Column, present: Bool)] = []
    /// Functions over a measurement, by field key: `p75(measurements.lcp)` → `lcp`.
    public var measured: [String: String] = [:]
    /// Free text: a transaction name containing it (`*` patterns).
    public var text: TextMatch?
    /// The field keys to sort by, descending when `-`-prefixed.
    public var sort: [(key: String, descending: Bool)]

    /// The stored columns answering this query needs (duration, time and project are always read): what it groups by,
    /// filters on, searches (names) and aggregates (status for failure rates, users for the user functions).
    public var readColumns: Set<Column> {
        var columns = Set(groupColumns)
        for filter in filters { columns.insert(filter.column) }
        for (column, _) in presence { columns.insert(column) }
        if !measured.isEmpty || comparisons.contains(where: { $0.measurement != nil }) { columns.insert(.measurements) }
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
        a.fields == b.fields && a.filters == b.filters && a.text == b.text && a.comparisons == b.comparisons
            && a.measured == b.measured && a.presence.map(\.column) == b.presence.map(\.column)
            && a.presence.map(\.present) == b.presence.map(\.present)
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
        for case .aggregate(_, _, let key) in fields {
            if let name = Self.measurementArgument(key) { measured[key] = name }
        }
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

    /// The measurement a function is over (`p75(measurements.lcp)` → `lcp`), if any.
    static func measurementArgument(_ key: String) -> String? {
        guard let r = key.range(of: "(measurements.") else { return nil }
        let name = key[r.upperBound...].prefix { $0 != "," && $0 != ")" }
        return name.isEmpty ? nil : String(name)
    }

    /// `measurements.<name>`: lower-case letters, digits, `_` and `.`, as SDKs name them.
    static func isMeasurement(_ text: String) -> Bool {
        guard text.hasPrefix("measurements.") else { return false }
        let name = text.dropFirst("measurements.".count)
        return !name.isEmpty && name.count <= 64
            && name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" || $0 == "." }
    }

    static func field(_ text: String) throws(DiscoverQueryError) -> Field {
        if let column = Column(rawValue: text), column != .measurements { return .column(column) }
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
            // `measurements` in a pattern stands for any `measurements.<name>`.
            func fits(_ pattern: String, _ arg: String) -> Bool {
                pattern == "*" || pattern == arg || (pattern == "measurements" && isMeasurement(arg))
            }
            guard allowed.contains(where: { $0.count == args.count && zip($0, args).allSatisfy(fits) }) else {
                throw DiscoverQueryError("Invalid function arguments.")
            }
        }
        switch function {
        case .count:
            // count(measurements.lcp): the transactions that have the measurement.
            try requireArguments([[], ["transaction.duration"], ["id"], ["measurements"]])
            return .aggregate(function, parameter: nil, key: text)
        case .epm, .tpm, .eps, .tps, .failureRate:
            try requireArguments([[], ["transaction.duration"], ["id"]])
            return .aggregate(function, parameter: nil, key: text)
        case .p50, .p75, .p90, .p95, .p99, .p100, .avg, .min, .max, .sum:
            try requireArguments([[], ["transaction.duration"], ["measurements"]])
            return .aggregate(function, parameter: nil, key: text)
        case .percentile:
            try requireArguments([["transaction.duration", "*"], ["measurements", "*"]])
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
            if key == "has" {
                for value in term.values {
                    guard let column = Column(rawValue: value), column != .measurements, column != .duration else {
                        throw DiscoverQueryError("has: takes transaction, transaction.op, transaction.status, release, environment, http.method, user or trace.")
                    }
                    presence.append((column, !term.negated))
                }
                continue
            }
            if key == "transaction.duration" || Self.isMeasurement(key) {
                let measurement = key == "transaction.duration" ? nil : String(key.dropFirst("measurements.".count))
                guard !term.negated, term.values.count == 1 else {
                    throw DiscoverQueryError("A number filter takes one comparison, like transaction.duration:>1s.")
                }
                comparisons.append(try Comparison.parse(term.values[0], measurement: measurement))
                continue
            }
            let column: Column
            switch key {
            case "transaction", "transaction.op", "transaction.status", "release", "environment", "http.method", "user", "trace":
                column = Column(rawValue: key) ?? .transaction
            default:
                throw DiscoverQueryError("Unknown search key: use event.type, transaction, transaction.op, transaction.status, release, environment, http.method, user, trace, transaction.duration, measurements.<name> or has:.")
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

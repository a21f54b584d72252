import EventProcessing
import SentryProtocol

/// One stored transaction as Discover reads it.
/// Which stored transactions a query reads: these projects, ended in `[since, until)`, in these environments and with
/// these names when given (the filters SQL can apply through an index; the rest are applied to the samples), at most
/// `limit`, newest first. Event ids cost a lookup per row, so they are read only when asked for.
public struct TransactionSelection: Sendable, Equatable {
    public var projectIDs: [Int]
    public var since: Double
    public var until: Double
    public var environments: [String] = []
    public var names: [String] = []
    public var limit: Int
    public var withEventIDs = false
    /// The columns to read (nil: all); the others are left nil in the samples — each string read costs.
    public var columns: Set<DiscoverQuery.Column>?

    public init(projectIDs: [Int], since: Double, until: Double, limit: Int) {
        self.projectIDs = projectIDs
        self.since = since
        self.until = until
        self.limit = limit
    }

    /// The names a query's `transaction:` filter allows exactly (no pattern, not negated), or none to read every name.
    public static func exactNames(_ query: DiscoverQuery) -> [String] {
        for filter in query.filters where filter.column == .transaction && !filter.negated {
            var names: [String] = []
            for match in filter.matches {
                guard case .exact(let name) = match else { return [] }
                names.append(name)
            }
            return names
        }
        return []
    }
}

public struct TransactionSample: Sendable, Equatable {
    public var projectID: Int
    public var eventID: EventID?
    public var traceID: EventID?
    public var name: String
    public var op: String?
    public var status: String?
    public var environment: String?
    public var release: String?
    public var httpMethod: String?
    public var userKey: String?
    public var timestamp: Double
    public var durationMS: Double
    /// The transaction's own span id and the block its spans are stored in (for the span views).
    public var spanID: UInt64?
    public var spanBlock: Int?
    /// Web vitals and app-start measurements (`lcp`, `app_start_cold`, …), read only when a query uses them.
    public var measurements: [String: Double]?

    /// The stored `{"lcp": 1234.5, …}` text; nil when it is not an object of numbers.
    static func measurements(json text: String) -> [String: Double]? {
        guard let document = try? JSONDocument(bytes: Array(text.utf8)), document.root.kind == .object else { return nil }
        var out: [String: Double] = [:]
        for (name, value) in document.root.members { if let v = value.double, v.isFinite { out[name] = v } }
        return out
    }

    public init(projectID: Int, eventID: EventID? = nil, traceID: EventID? = nil, name: String, op: String? = nil,
                status: String? = nil, environment: String? = nil, release: String? = nil, httpMethod: String? = nil,
                userKey: String? = nil, timestamp: Double, durationMS: Double) {
        self.projectID = projectID
        self.eventID = eventID
        self.traceID = traceID
        self.name = name
        self.op = op
        self.status = status
        self.environment = environment
        self.release = release
        self.httpMethod = httpMethod
        self.userKey = userKey
        self.timestamp = timestamp
        self.durationMS = durationMS
    }
}

/// Discover's table for transactions: filters, groups by the requested columns, computes the aggregates the way
/// Sentry defines them, sorts and pages. Pure code over samples; percentiles are exact (sorted durations, linear
/// interpolation between the two nearest ranks, as ClickHouse's `quantileExact`-style `quantile` Sentry reads).
public enum TransactionTable {
    public enum Value: Sendable, Equatable {
        case string(String?)
        case number(Double?)
        case integer(Int)
    }

    public struct Row: Sendable, Equatable {
        public var values: [String: Value]
    }

    /// Sentry's default apdex / misery threshold (`DEFAULT_PROJECT_THRESHOLD`), in milliseconds.
    public static let defaultThreshold = 300.0
    /// Statuses that are not failures (`NON_FAILURE_STATUS`): ok, cancelled and unknown (and none at all).
    static let nonFailure: Set<String> = ["ok", "cancelled", "unknown"]

    /// `window`: the query's range in seconds (for the per-minute and per-second rates). `threshold`: the apdex
    /// and misery threshold of each project, in ms.
    public static func rows(_ samples: [TransactionSample], query: DiscoverQuery, window: Double,
                            threshold: (Int) -> Double = { _ in defaultThreshold },
                            projectSlug: (Int) -> String = { String($0) }) -> [Row] {
        let kept = query.filters.isEmpty && query.text == nil && query.comparisons.isEmpty && query.presence.isEmpty
            ? samples : samples.filter { matches($0, query) }
        var rows: [Row]
        if query.isAggregate {
            // Groups hold positions, not copies: a sample holds several strings, and copying it retains each.
            var groups: [[String]: [Int]] = [:]
            var order: [[String]] = []
            let groupColumns = query.groupColumns
            let columns = Columns(kept)
            if groupColumns == [.transaction] {
                // The usual table (per endpoint): keyed by the name alone, not an array per sample.
                var byName: [String: Int] = [:]
                var positions: [[Int]] = []
                kept.withUnsafeBufferPointer { buffer in
                    for i in buffer.indices {
                        let name = buffer[i].name
                        if let g = byName[name] {
                            positions[g].append(i)
                        } else {
                            byName[name] = positions.count
                            positions.append([i])
                            order.append([name])
                        }
                    }
                }
                for (key, g) in zip(order, positions) { groups[key] = g }
            } else {
                for i in kept.indices {
                    let key = groupColumns.map { text(of: $0, kept[i], projectSlug) ?? "\u{0}" }
                    if groups[key] == nil { order.append(key) }
                    groups[key, default: []].append(i)
                }
            }
            if groups.isEmpty && query.groupColumns.isEmpty {
                groups[[]] = []
                order = [[]]
            }
            rows = order.map { key in
                let members = Members(columns, indices: groups[key] ?? [])
                let first = members.indices.first.map { kept[$0] }
                var values: [String: Value] = [:]
                for field in query.fields {
                    switch field {
                    case .column(let c): values[c.rawValue] = columnValue(c, first, projectSlug)
                    case .aggregate(let f, let p, let k):
                        if let name = query.measured[k] {
                            values[k] = measurementAggregate(f, parameter: p, members.indices.compactMap { kept[$0].measurements?[name] })
                        } else {
                            values[k] = aggregate(f, parameter: p, members, window: window,
                                                  threshold: first.map { threshold($0.projectID) } ?? defaultThreshold)
                        }
                    }
                }
                return Row(values: values)
            }
        } else {
            rows = kept.map { sample in
                var values: [String: Value] = [:]
                for field in query.fields {
                    if case .column(let c) = field { values[c.rawValue] = columnValue(c, sample, projectSlug) }
                }
                return Row(values: values)
            }
        }
        return sorted(rows, by: query.sort)
    }

    public static func matches(_ s: TransactionSample, _ query: DiscoverQuery) -> Bool {
        for filter in query.filters {
            let value = text(of: filter.column, s, { String($0) })
            let hit = filter.matches.contains { m in value.map { EventQuery.match(m, $0) } ?? false }
            if hit == filter.negated { return false }
        }
        for c in query.comparisons {
            let value = c.measurement.map { s.measurements?[$0] } ?? s.durationMS
            guard let value, c.holds(value) else { return false }
        }
        for (column, present) in query.presence where (text(of: column, s, { String($0) }) != nil) != present { return false }
        if let text = query.text, !EventQuery.match(text, s.name) { return false }
        return true
    }

    static func text(of column: DiscoverQuery.Column, _ s: TransactionSample, _ projectSlug: (Int) -> String) -> String? {
        switch column {
        case .transaction: s.name
        case .op: s.op
        case .status: s.status
        case .project: projectSlug(s.projectID)
        case .release: s.release
        case .environment: s.environment
        case .httpMethod: s.httpMethod
        case .user: s.userKey
        case .trace: s.traceID?.hex
        case .id: s.eventID?.hex
        case .timestamp: Timestamp.format(s.timestamp)
        case .duration: String(s.durationMS)
        case .measurements: nil
        }
    }

    static func columnValue(_ c: DiscoverQuery.Column, _ s: TransactionSample?, _ projectSlug: (Int) -> String) -> Value {
        guard let s else { return .string(nil) }
        if c == .duration { return .number(s.durationMS) }
        return .string(text(of: c, s, projectSlug))
    }

    /// What the functions read of each sample, as flat arrays built once (a sample holds several strings; copying one
    /// into a closure retains each), and lazily: users only when a function counts them.
    final class Columns {
        let samples: [TransactionSample]
        let durations: [Double]
        // Read through the buffer: fields are read in place, never a whole sample copied out.
        private(set) lazy var failed: [Bool] = samples.withUnsafeBufferPointer { buffer in
            buffer.indices.map { i in buffer[i].status.map { !nonFailure.contains($0) } ?? false }
        }
        private(set) lazy var users: [String?] = samples.withUnsafeBufferPointer { buffer in buffer.indices.map { buffer[$0].userKey } }

        init(_ samples: [TransactionSample]) {
            self.samples = samples
            durations = samples.withUnsafeBufferPointer { buffer in buffer.indices.map { buffer[$0].durationMS } }
        }
    }

    /// Some of the samples (by position), with what several functions read computed once.
    final class Members {
        let columns: Columns
        let indices: [Int]
        private(set) lazy var sortedDurations: [Double] = indices.map { columns.durations[$0] }.sorted()

        init(_ columns: Columns, indices: [Int]) {
            self.columns = columns
            self.indices = indices
        }

        convenience init(_ samples: [TransactionSample]) { self.init(Columns(samples), indices: Array(samples.indices)) }

        var count: Int { indices.count }

        func count(durationAbove low: Double, upTo high: Double) -> Int {
            var n = 0
            for i in indices where columns.durations[i] > low && columns.durations[i] <= high { n += 1 }
            return n
        }

        var failures: Int {
            let failed = columns.failed
            var n = 0
            for i in indices where failed[i] { n += 1 }
            return n
        }

        func users(slowerThan floor: Double = -.infinity) -> Set<String> {
            let users = columns.users
            var out = Set<String>()
            for i in indices where columns.durations[i] > floor { if let user = users[i] { out.insert(user) } }
            return out
        }
    }

    static func aggregate(_ f: DiscoverQuery.Function, parameter: Double?, _ members: Members, window: Double,
                          threshold: Double) -> Value {
        let n = members.count
        func quantile(_ q: Double) -> Value { .number(percentile(sorted: members.sortedDurations, q)) }
        switch f {
        case .count: return .integer(n)
        case .epm, .tpm: return .number(window > 0 ? Double(n) / (window / 60) : nil)
        case .eps, .tps: return .number(window > 0 ? Double(n) / window : nil)
        case .p50: return quantile(0.5)
        case .p75: return quantile(0.75)
        case .p90: return quantile(0.9)
        case .p95: return quantile(0.95)
        case .p99: return quantile(0.99)
        case .p100, .max: return .number(members.sortedDurations.last)
        case .min: return .number(members.sortedDurations.first)
        case .percentile: return quantile(parameter ?? 0.5)
        case .avg: return .number(n == 0 ? nil : members.sortedDurations.reduce(0, +) / Double(n))
        case .sum: return .number(members.sortedDurations.reduce(0, +))
        case .failureRate:
            return .number(n == 0 ? nil : Double(members.failures) / Double(n))
        case .apdex:
            let t = parameter ?? threshold
            guard n > 0 else { return .number(nil) }
            let satisfied = members.count(durationAbove: -.infinity, upTo: t)
            let tolerated = members.count(durationAbove: t, upTo: 4 * t)
            return .number((Double(satisfied) + Double(tolerated) / 2) / Double(n))
        case .countUnique:
            return .integer(members.users().count)
        case .countMiserable:
            let t = parameter ?? threshold
            return .integer(members.users(slowerThan: 4 * t).count)
        case .userMisery:
            // Sentry's Bayesian form with its priors (α 5.8875, β 111.8625).
            let t = parameter ?? threshold
            let users = Double(members.users().count)
            let miserable = Double(members.users(slowerThan: 4 * t).count)
            return .number((miserable + 5.8875) / (users + 5.8875 + 111.8625))
        }
    }

    /// A function over one measurement's values (the transactions that have it): count, quantiles, avg, min, max, sum.
    static func measurementAggregate(_ f: DiscoverQuery.Function, parameter: Double?, _ values: [Double]) -> Value {
        let sorted = values.sorted()
        switch f {
        case .count: return .integer(values.count)
        case .p50: return .number(percentile(sorted: sorted, 0.5))
        case .p75: return .number(percentile(sorted: sorted, 0.75))
        case .p90: return .number(percentile(sorted: sorted, 0.9))
        case .p95: return .number(percentile(sorted: sorted, 0.95))
        case .p99: return .number(percentile(sorted: sorted, 0.99))
        case .percentile: return .number(percentile(sorted: sorted, parameter ?? 0.5))
        case .p100, .max: return .number(sorted.last)
        case .min: return .number(sorted.first)
        case .avg: return .number(sorted.isEmpty ? nil : sorted.reduce(0, +) / Double(sorted.count))
        case .sum: return .number(sorted.reduce(0, +))
        default: return .number(nil)
        }
    }

    /// Exact quantile with linear interpolation between closest ranks (nil for no values).
    public static func percentile(_ values: [Double], _ q: Double) -> Double? {
        percentile(sorted: values.sorted(), q)
    }

    static func percentile(sorted: [Double], _ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }

    static func sorted(_ rows: [Row], by order: [(key: String, descending: Bool)]) -> [Row] {
        guard !order.isEmpty else { return rows }
        return rows.sorted { a, b in
            for (key, descending) in order {
                let c = compare(a.values[key], b.values[key])
                if c != 0 { return descending ? c > 0 : c < 0 }
            }
            return false
        }
    }

    /// Numbers by value, strings by text; a missing value sorts lowest.
    static func compare(_ a: Value?, _ b: Value?) -> Int {
        func number(_ v: Value?) -> Double? {
            switch v {
            case .number(let d)?: d
            case .integer(let i)?: Double(i)
            default: nil
            }
        }
        if let x = number(a), let y = number(b) { return x < y ? -1 : (x > y ? 1 : 0) }
        if case .string(let x)? = a, case .string(let y)? = b {
            switch (x, y) {
            case let (x?, y?): return x < y ? -1 : (x > y ? 1 : 0)
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            }
        }
        return 0
    }
}

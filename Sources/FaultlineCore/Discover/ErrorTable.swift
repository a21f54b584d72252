import Foundation
import SentryProtocol

/// One error event as Discover reads it: what it can be grouped, filtered and counted by.
public struct ErrorSample: Sendable {
    public var projectID: Int
    public var timestamp: Double
    public var issueID: Int?
    public var level: String?
    public var platform: String?
    public var release: String?
    public var environment: String?
    public var userKey: String?
    public var eventID: EventID?

    public init(projectID: Int, timestamp: Double, issueID: Int?, level: String?, platform: String?, release: String?,
                environment: String?, userKey: String?, eventID: EventID?) {
        self.projectID = projectID
        self.timestamp = timestamp
        self.issueID = issueID
        self.level = level
        self.platform = platform
        self.release = release
        self.environment = environment
        self.userKey = userKey
        self.eventID = eventID
    }
}

/// What an error's `title` and `issue` columns show: its issue's title and short id.
public struct ErrorIssueLabel: Sendable, Equatable {
    public var title: String
    public var shortID: String

    public init(title: String, shortID: String) {
        self.title = title
        self.shortID = shortID
    }
}

/// Discover's table over error events: filtered, grouped by the requested columns, the functions computed per group,
/// sorted — the rows in the shape the transaction table answers (`TransactionTable.Row`). Pure code over samples.
public enum ErrorTable {
    public typealias Row = TransactionTable.Row
    public typealias Value = TransactionTable.Value

    static func text(_ c: ErrorQuery.Column, _ s: ErrorSample, _ projectSlug: (Int) -> String,
                     _ issue: (Int) -> ErrorIssueLabel?) -> String? {
        switch c {
        case .title: s.issueID.flatMap(issue)?.title
        case .issue: s.issueID.flatMap(issue)?.shortID
        case .issueID: s.issueID.map(String.init)
        case .project: projectSlug(s.projectID)
        case .release: s.release
        case .environment: s.environment
        case .level: s.level
        case .platform: s.platform
        case .user: s.userKey
        case .id: s.eventID?.hex
        case .timestamp: Timestamp.format(s.timestamp)
        }
    }

    /// The samples the query's filters and free text keep.
    static func kept(_ samples: [ErrorSample], _ query: ErrorQuery, _ projectSlug: (Int) -> String,
                     _ issue: (Int) -> ErrorIssueLabel?) -> [ErrorSample] {
        guard !query.filters.isEmpty || query.text != nil else { return samples }
        return samples.filter { s in
            for filter in query.filters {
                let value = text(filter.column, s, projectSlug, issue)
                let hit = filter.matches.contains { m in value.map { EventQuery.match(m, $0) } ?? false }
                if hit == filter.negated { return false }
            }
            if let t = query.text { return text(.title, s, projectSlug, issue).map { EventQuery.match(t, $0) } ?? false }
            return true
        }
    }

    public static func rows(_ samples: [ErrorSample], query: ErrorQuery, window: Double, projectSlug: (Int) -> String,
                            issue: (Int) -> ErrorIssueLabel?) -> [Row] {
        func text(_ c: ErrorQuery.Column, _ s: ErrorSample) -> String? { Self.text(c, s, projectSlug, issue) }
        let kept = Self.kept(samples, query, projectSlug, issue)
        guard query.isAggregate else {
            let rows = kept.map { s in
                Row(values: Dictionary(uniqueKeysWithValues: query.groupColumns.map { ($0.rawValue, Value.string(text($0, s))) }))
            }
            return TransactionTable.sorted(rows, by: query.sort)
        }
        var groups: [[String]: [Int]] = [:]
        var order: [[String]] = []
        let columns = query.groupColumns
        if columns.allSatisfy(ErrorQuery.issueColumns.contains) {
            // Grouped by what the issue decides (`title`, `issue`): gather by issue id first, an integer key, then
            // merge issues whose texts agree (two issues may share a title).
            var byIssue: [Int: [Int]] = [:]
            var issueOrder: [Int] = []
            for i in kept.indices {
                let id = kept[i].issueID ?? -1
                if byIssue[id] == nil { issueOrder.append(id) }
                byIssue[id, default: []].append(i)
            }
            for id in issueOrder {
                let members = byIssue[id] ?? []
                guard let first = members.first else { continue }
                let key = columns.map { text($0, kept[first]) ?? "\u{0}" }
                if groups[key] == nil { order.append(key) }
                groups[key, default: []] += members
            }
        } else {
            for i in kept.indices {
                let key = columns.map { text($0, kept[i]) ?? "\u{0}" }
                if groups[key] == nil { order.append(key) }
                groups[key, default: []].append(i)
            }
        }
        if groups.isEmpty && columns.isEmpty {
            groups[[]] = []
            order = [[]]
        }
        let minutes = max(window / 60, 1 / 60)
        let rows = order.map { key -> Row in
            let members = groups[key] ?? []
            let first = members.first.map { kept[$0] }
            var values: [String: Value] = [:]
            for field in query.fields {
                switch field {
                case .column(let c):
                    values[c.rawValue] = .string(first.flatMap { text(c, $0) })
                case .aggregate(let f, let of, let k):
                    switch f {
                    case .count: values[k] = .integer(members.count)
                    case .epm: values[k] = .number(Double(members.count) / minutes)
                    case .eps: values[k] = .number(Double(members.count) / max(window, 1))
                    case .countUnique:
                        let column = of ?? .user
                        values[k] = .integer(Set(members.compactMap { text(column, kept[$0]) }).count)
                    case .lastSeen:
                        values[k] = .string(members.map { kept[$0].timestamp }.max().map(Timestamp.format))
                    case .firstSeen:
                        values[k] = .string(members.map { kept[$0].timestamp }.min().map(Timestamp.format))
                    }
                }
            }
            return Row(values: values)
        }
        return TransactionTable.sorted(rows, by: query.sort)
    }

    /// The query's functions (`yAxis`) per bucket of `interval` seconds, zero-filled; a rate is per minute (or
    /// second) of the bucket. Only the numeric functions chart: `count()`, `count_unique(…)`, `epm()`, `eps()`.
    public static func series(_ samples: [ErrorSample], query: ErrorQuery, buckets: [Double], interval: Double,
                              projectSlug: (Int) -> String, issue: (Int) -> ErrorIssueLabel?) -> TransactionSeries.Series {
        bucketed(kept(samples, query, projectSlug, issue), query: query, buckets: buckets, interval: interval,
                 projectSlug: projectSlug, issue: issue)
    }

    /// The top `limit` groups by the query's columns (ranked as the table ranks them), each with its series, and the
    /// rest as `Other` unless `excludeOther`.
    public static func top(_ samples: [ErrorSample], query: ErrorQuery, limit: Int, excludeOther: Bool, buckets: [Double],
                           interval: Double, window: Double, projectSlug: (Int) -> String,
                           issue: (Int) -> ErrorIssueLabel?) -> [TransactionSeries.Group] {
        let kept = kept(samples, query, projectSlug, issue)
        let columns = query.groupColumns
        let ranked = rows(kept, query: query, window: window, projectSlug: projectSlug, issue: issue).prefix(limit)
        let keys = ranked.map { row in columns.map { c -> String in
            if case .string(let s)? = row.values[c.rawValue] { return s ?? "\u{0}" }
            return "\u{0}"
        } }
        let wanted = Set(keys)
        var members: [[String]: [ErrorSample]] = [:]
        var rest: [ErrorSample] = []
        for sample in kept {
            let key = columns.map { text($0, sample, projectSlug, issue) ?? "\u{0}" }
            if wanted.contains(key) { members[key, default: []].append(sample) } else { rest.append(sample) }
        }
        var groups = keys.map { key in
            TransactionSeries.Group(key: key.map { $0 == "\u{0}" ? "" : $0 }.joined(separator: ","),
                                    series: bucketed(members[key] ?? [], query: query, buckets: buckets, interval: interval,
                                                     projectSlug: projectSlug, issue: issue))
        }
        if !excludeOther && !rest.isEmpty {
            groups.append(TransactionSeries.Group(key: "Other", series: bucketed(rest, query: query, buckets: buckets,
                                                                                interval: interval, projectSlug: projectSlug,
                                                                                issue: issue)))
        }
        return groups
    }

    static func bucketed(_ samples: [ErrorSample], query: ErrorQuery, buckets: [Double], interval: Double,
                         projectSlug: (Int) -> String, issue: (Int) -> ErrorIssueLabel?) -> TransactionSeries.Series {
        var perBucket = [[ErrorSample]](repeating: [], count: buckets.count)
        if let first = buckets.first, interval > 0 {
            for s in samples {
                let i = Int(((s.timestamp - first) / interval).rounded(.down))
                if i >= 0 && i < perBucket.count { perBucket[i].append(s) }
            }
        }
        var axes = query
        axes.fields = query.fields.filter { if case .aggregate = $0 { true } else { false } }
        axes.filters = []
        axes.text = nil
        axes.sort = []
        var values: [String: [Double]] = [:]
        for members in perBucket {
            let row = rows(members, query: axes, window: interval, projectSlug: projectSlug, issue: issue).first
            for field in axes.fields {
                let v: Double = switch row?.values[field.key] {
                case .integer(let i)?: Double(i)
                case .number(let d)?: d ?? 0
                default: 0
                }
                values[field.key, default: []].append(v)
            }
        }
        return TransactionSeries.Series(buckets: buckets, values: values)
    }
}

import SentryProtocol

/// Discover's time series over transactions (`events-stats`): each requested aggregate per time bucket, for all
/// matching transactions or for the top groups by a column set. Pure code over samples; a bucket's value is the
/// aggregate of the transactions that ended in it (rates per minute or second of the bucket), zero when it has none.
public enum TransactionSeries {
    public struct Series: Sendable, Equatable {
        /// Bucket starts (seconds) and, per aggregate key, one value per bucket.
        public var buckets: [Double]
        public var values: [String: [Double]]
    }

    public struct Group: Sendable, Equatable {
        /// The group's column values joined by `,` (Sentry's result key), or `Other`.
        public var key: String
        public var series: Series
    }

    public static let maxBuckets = 10_000

    /// The bucket starts of `[start, end)` every `interval` seconds, aligned to the interval.
    public static func buckets(start: Double, end: Double, interval: Double) -> [Double] {
        guard interval > 0, end > start else { return [] }
        let first = (start / interval).rounded(.down) * interval
        let count = min(maxBuckets, Int(((end - first) / interval).rounded(.up)))
        return (0..<max(count, 1)).map { first + Double($0) * interval }
    }

    /// Every aggregate of `query` per bucket, over the samples that match its filters.
    public static func series(_ samples: [TransactionSample], query: DiscoverQuery, buckets: [Double], interval: Double,
                              threshold: (Int) -> Double = { _ in TransactionTable.defaultThreshold }) -> Series {
        let kept = samples.filter { TransactionTable.matches($0, query) }
        return bucketed(kept, query: query, buckets: buckets, interval: interval, threshold: threshold)
    }

    /// The top `limit` groups by `query.groupColumns` (ordered by `query.sort`), each with its series, and `Other` for
    /// the rest unless `excludeOther`.
    public static func top(_ samples: [TransactionSample], query: DiscoverQuery, limit: Int, excludeOther: Bool,
                           buckets: [Double], interval: Double, window: Double,
                           threshold: @escaping (Int) -> Double = { _ in TransactionTable.defaultThreshold },
                           projectSlug: @escaping (Int) -> String = { String($0) }) -> [Group] {
        let kept = samples.filter { TransactionTable.matches($0, query) }
        let columns = query.groupColumns
        let ranked = TransactionTable.rows(kept, query: query, window: window, threshold: threshold,
                                           projectSlug: projectSlug).prefix(limit)
        let keys = ranked.map { row in columns.map { c -> String in
            if case .string(let s)? = row.values[c.rawValue] { return s ?? "\u{0}" }
            return "\u{0}"
        } }
        var members: [[String]: [TransactionSample]] = [:]
        var rest: [TransactionSample] = []
        let wanted = Set(keys)
        for sample in kept {
            let key = columns.map { TransactionTable.text(of: $0, sample, projectSlug) ?? "\u{0}" }
            if wanted.contains(key) { members[key, default: []].append(sample) } else { rest.append(sample) }
        }
        var groups = keys.map { key in
            Group(key: key.map { $0 == "\u{0}" ? "" : $0 }.joined(separator: ","),
                  series: bucketed(members[key] ?? [], query: query, buckets: buckets, interval: interval,
                                   threshold: threshold))
        }
        if !excludeOther && !rest.isEmpty {
            groups.append(Group(key: "Other", series: bucketed(rest, query: query, buckets: buckets, interval: interval,
                                                               threshold: threshold)))
        }
        return groups
    }

    static func bucketed(_ samples: [TransactionSample], query: DiscoverQuery, buckets: [Double], interval: Double,
                         threshold: (Int) -> Double) -> Series {
        var perBucket = Array(repeating: [Int](), count: buckets.count)
        if let first = buckets.first {
            for (position, sample) in samples.enumerated() {
                let i = Int(clamping: ((sample.timestamp - first) / interval).rounded(.down))
                if i >= 0 && i < buckets.count { perBucket[i].append(position) }
            }
        }
        let columns = TransactionTable.Columns(samples)
        let members = perBucket.map { TransactionTable.Members(columns, indices: $0) }
        var values: [String: [Double]] = [:]
        for field in query.fields {
            guard case .aggregate(let f, let p, let key) = field else { continue }
            if let name = query.measured[key] {
                values[key] = members.map { m in
                    switch TransactionTable.measurementAggregate(f, parameter: p, m.indices.compactMap { samples[$0].measurements?[name] }) {
                    case .number(let d): d ?? 0
                    case .integer(let n): Double(n)
                    case .string: 0
                    }
                }
                continue
            }
            values[key] = members.map { m -> Double in
                let t = m.indices.first.map { threshold(samples[$0].projectID) } ?? TransactionTable.defaultThreshold
                switch TransactionTable.aggregate(f, parameter: p, m, window: interval, threshold: t) {
                case .number(let d): return d ?? 0
                case .integer(let n): return Double(n)
                case .string: return 0
                }
            }
        }
        return Series(buckets: buckets, values: values)
    }
}

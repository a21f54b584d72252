import Foundation

/// One metric alert's aggregate over its sliding window, kept up to date per sample in amortized constant time
/// (a rule is asked for its value after every commit that touched it, at thousands of events a second).
struct MetricWindow {
    let span: Int
    let aggregate: MetricAlertRule.Aggregate
    private var matched: WindowCounter
    private var failures: WindowCounter
    private var transactions: WindowCounter
    private var users: DistinctCounter
    private var durations: WindowHistogram

    init(span: Int, aggregate: MetricAlertRule.Aggregate) {
        self.span = span
        self.aggregate = aggregate
        matched = WindowCounter(span: span)
        failures = WindowCounter(span: span)
        transactions = WindowCounter(span: span)
        users = DistinctCounter(span: span)
        durations = WindowHistogram(span: span)
    }

    /// Counts a sample that matched the rule's query at `second`.
    mutating func add(_ s: MetricSample, at second: Int) {
        switch aggregate {
        case .count:
            matched.add(at: second)
        case .uniqueUsers:
            if let user = s.userKey { users.add(user, at: second) }
        case .errorRate:
            if s.kind == .error { matched.add(at: second) } else { transactions.add(at: second) }
        case .failureRate:
            guard s.kind == .transaction else { return }
            transactions.add(at: second)
            if s.failed { failures.add(at: second) }
        case .percentile, .averageDuration:
            if s.kind == .transaction, let d = s.durationMS { durations.add(d, at: second) }
        }
    }

    /// The aggregate at `second`; nil when there is nothing to measure (no transactions for a rate or percentile).
    mutating func value(at second: Int) -> Double? {
        switch aggregate {
        case .count:
            matched.prune(now: second)
            return Double(matched.total)
        case .uniqueUsers:
            users.prune(now: second)
            return Double(users.count)
        case .errorRate:
            matched.prune(now: second)
            transactions.prune(now: second)
            return transactions.total == 0 ? nil : Double(matched.total) / Double(transactions.total)
        case .failureRate:
            transactions.prune(now: second)
            failures.prune(now: second)
            return transactions.total == 0 ? nil : Double(failures.total) / Double(transactions.total)
        case .percentile(let q):
            durations.prune(now: second)
            return durations.quantile(q)
        case .averageDuration:
            durations.prune(now: second)
            return durations.count == 0 ? nil : durations.sum / Double(durations.count)
        }
    }
}

/// Durations over a sliding window as a log-bucketed histogram (2 % relative accuracy, 1 µs to a day), kept per
/// sixtieth of the window so that old samples leave it in order.
struct WindowHistogram {
    static let gamma = 1.02
    static let logGamma = log(gamma)
    static let bucketCount = 1_300

    let span: Int
    let slotSeconds: Int
    private var counts = [Int32](repeating: 0, count: WindowHistogram.bucketCount)
    private var slots: [(slot: Int, buckets: [Int: Int32], sum: Double)] = []
    private var head = 0
    private(set) var count = 0
    private(set) var sum = 0.0

    init(span: Int) {
        self.span = span
        slotSeconds = max(1, span / 60)
    }

    static func bucket(_ ms: Double) -> Int {
        let micros = ms * 1000
        guard micros > 1, micros.isFinite else { return 0 }
        return min(bucketCount - 1, Int((log(micros) / logGamma).rounded(.up)))
    }

    /// The middle of a bucket, in milliseconds (within 1 % of every value in it).
    static func value(_ bucket: Int) -> Double {
        bucket == 0 ? 0.001 : 2 * pow(gamma, Double(bucket)) / (gamma + 1) / 1000
    }

    mutating func add(_ ms: Double, at second: Int) {
        guard ms.isFinite, ms >= 0 else { return }
        let slot = second / slotSeconds
        let b = Self.bucket(ms)
        if head < slots.count, slots[slots.count - 1].slot == slot {
            slots[slots.count - 1].buckets[b, default: 0] += 1
            slots[slots.count - 1].sum += ms
        } else {
            slots.append((slot, [b: 1], ms))
        }
        counts[b] += 1
        count += 1
        sum += ms
        prune(now: second)
    }

    mutating func prune(now second: Int) {
        let oldest = (second - span) / slotSeconds
        while head < slots.count, slots[head].slot <= oldest {
            for (b, n) in slots[head].buckets { counts[b] -= n }
            count -= slots[head].buckets.values.reduce(0) { $0 + Int($1) }
            sum -= slots[head].sum
            head += 1
        }
        if count == 0 { sum = 0 }
        if head > 64, head * 2 > slots.count {
            slots.removeFirst(head)
            head = 0
        }
    }

    /// The smallest value with at least `q` of the samples at or below it (nearest rank); nil when empty.
    func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = max(1, Int((q * Double(count)).rounded(.up)))
        var seen = 0
        for (b, n) in counts.enumerated() where n > 0 {
            seen += Int(n)
            if seen >= rank { return Self.value(b) }
        }
        return nil
    }
}

import EventProcessing
import SentryProtocol

/// Which spans take a transaction's time: the spans of a set of its events grouped by op and normalized description
/// (Sentry's "suspect spans", `events-spans-performance`), with their exclusive (self) time summed and in percentiles.
public struct SuspectSpan: Sendable, Equatable {
    public var op: String
    public var group: String
    public var description: String
    /// Occurrences in all the transactions looked at.
    public var count: Int
    /// The share of the transactions that hold the span at least once.
    public var frequency: Double
    /// Occurrences per transaction that holds it.
    public var avgOccurrences: Double
    public var sumExclusiveTime: Double
    public var p50ExclusiveTime: Double
    public var p75ExclusiveTime: Double
    public var p95ExclusiveTime: Double
    public var p99ExclusiveTime: Double
    /// Events holding the span, the ones where it took the most time first (at most 3).
    public var examples: [(eventID: EventID, exclusiveTime: Double)]

    public static func == (a: SuspectSpan, b: SuspectSpan) -> Bool {
        a.op == b.op && a.group == b.group && a.count == b.count && a.sumExclusiveTime == b.sumExclusiveTime
    }
}

public enum SuspectSpans {
    /// `transactions`: each with its event id and own spans. Ordered by summed exclusive time, most first.
    public static func rank(_ transactions: [(eventID: EventID?, spans: [SpanRecord])]) -> [SuspectSpan] {
        struct Tally {
            var op: String
            var description: String
            var times: [Double] = []
            var transactions = 0
            var perEvent: [(EventID, Double)] = []
        }
        var tallies: [String: Tally] = [:]
        var withSpans = 0
        for t in transactions where !t.spans.isEmpty {
            withSpans += 1
            var inThis: [String: Double] = [:]
            for span in t.spans {
                let key = span.op + "\u{0}" + span.group
                tallies[key, default: Tally(op: span.op, description: span.description)].times.append(span.selfTimeMS)
                inThis[key, default: 0] += span.selfTimeMS
            }
            for (key, time) in inThis {
                tallies[key]?.transactions += 1
                if let id = t.eventID { tallies[key]?.perEvent.append((id, time)) }
            }
        }
        let total = Double(Swift.max(1, withSpans))
        var out: [SuspectSpan] = []
        for (key, t) in tallies {
            let p = { (q: Double) -> Double in TransactionTable.percentile(t.times, q) ?? 0 }
            let group = String(key.split(separator: "\u{0}", omittingEmptySubsequences: false).last ?? "")
            let examples: [(eventID: EventID, exclusiveTime: Double)] =
                t.perEvent.sorted { $0.1 > $1.1 }.prefix(3).map { (eventID: $0.0, exclusiveTime: $0.1) }
            out.append(SuspectSpan(op: t.op, group: group, description: t.description, count: t.times.count,
                               frequency: Double(t.transactions) / total,
                               avgOccurrences: Double(t.times.count) / Double(Swift.max(1, t.transactions)),
                               sumExclusiveTime: t.times.reduce(0, +), p50ExclusiveTime: p(0.5), p75ExclusiveTime: p(0.75),
                               p95ExclusiveTime: p(0.95), p99ExclusiveTime: p(0.99),
                               examples: examples))
        }
        return out.sorted { a, b in
            a.sumExclusiveTime != b.sumExclusiveTime ? a.sumExclusiveTime > b.sumExclusiveTime : (a.op, a.group) < (b.op, b.group)
        }
    }
}

import EventProcessing
import Foundation
import SQLite
import SentryProtocol

extension BenchSeeder {
    public struct TransactionSummary: Sendable {
        public var transactions: Int
        /// The busiest endpoint's name (what a transaction summary is timed on).
        public var busiestName: String
        /// Traces whose transactions were given spans (one in a hundred), for the trace read.
        public var tracesWithSpans: [EventID]
        public var seconds: Double
    }

    /// Endpoints the seeded transactions are spread over.
    static let endpointCount = 500

    /// Seeds `count` transactions into `projectID` as ingest would store them: spread evenly over 14 days in time order,
    /// over 500 endpoints whose traffic falls off by rank, each with its own typical duration (20 ms to 2 s, a long
    /// tail), 3 % failures, two environments, ten releases, 5,000 users; one in a hundred carries a block of 20 spans.
    public static func seedTransactions(path: String, projectID: Int, count: Int, now: Double) throws -> TransactionSummary {
        let started = Date()
        let db = try SQLiteDatabase(path: path)
        var generator = SplitMix(seed: 7)
        let names = (0..<endpointCount).map { i in "/api/\(["shop", "cart", "users", "search", "orders"][i % 5])/endpoint-\(i)" }
        // Traffic ∝ 1/(rank + 5), drawn through the cumulative weights.
        let weights = (0..<endpointCount).map { 1.0 / Double($0 + 5) }
        let total = weights.reduce(0, +)
        var cumulative: [Double] = []
        var running = 0.0
        for w in weights { running += w / total; cumulative.append(running) }
        let typical = (0..<endpointCount).map { i in 20.0 * pow(100.0, Double(i % 37) / 36.0) }
        let span = 14 * 86_400.0
        var traces: [EventID] = []
        try db.transaction {
            for i in 0..<count {
                let time = now - span + span * (Double(i) + generator.unit()) / Double(count)
                let u = generator.unit()
                var lo = 0, hi = endpointCount - 1
                while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] < u { lo = mid + 1 } else { hi = mid } }
                let name = names[lo]
                // A log-normal-ish spread around the endpoint's typical duration.
                let noise = exp((generator.unit() + generator.unit() + generator.unit() - 1.5) * 1.2)
                let duration = typical[lo] * noise
                let traceID = EventID(high: generator.next(), low: generator.next())
                let rootSpan = generator.next() | 1
                var block: Int?
                if i % 100 == 0 {
                    let spans = (0..<20).map { k in
                        let description = k % 4 == 0 ? "GET https://api.example.com/items/*" : "SELECT * FROM items WHERE id = %s"
                        let op = k % 4 == 0 ? "http.client" : "db"
                        return SpanRecord(spanID: rootSpan &+ UInt64(k + 1), parentSpanID: rootSpan, segmentID: rootSpan, op: op,
                                          description: description, group: TraceRecords.group(op: op, description: description),
                                          truncated: false, start: time - duration / 1000 + Double(k) * duration / 20_000,
                                          durationMS: duration / 25, selfTimeMS: duration / 25, status: "ok",
                                          dbSystem: op == "db" ? "postgresql" : nil, httpStatusCode: op == "db" ? nil : 200,
                                          httpResponseContentLength: nil)
                    }
                    try db.run("INSERT INTO span_blocks (project_id, trace_id, span_count, spans) VALUES (?, ?, ?, ?)",
                               [projectID, traceID.bytes, spans.count, SpanBlock.encode(spans)])
                    block = Int(db.lastInsertRowID)
                    if traces.count < 100 { traces.append(traceID) }
                }
                let failed = generator.unit() < 0.03
                try db.run("""
                    INSERT INTO transactions (project_id, event_row, trace_id, span_id, parent_span_id, name, op, status,
                                              environment, release, user_key, http_method, start, timestamp, duration, self_time,
                                              measurements, span_block)
                    VALUES (?, NULL, ?, ?, NULL, ?, 'http.server', ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
                    """, [projectID, traceID.bytes, Int64(bitPattern: rootSpan), name, failed ? "internal_error" : "ok",
                          i % 5 == 0 ? "staging" : "production", "shop@1.\(i * 10 / count)", "id:\(generator.next() % 5000)",
                          lo % 3 == 0 ? "POST" : "GET", time - duration / 1000, time, duration, duration * 0.3, block])
            }
        }
        try db.execute("ANALYZE")
        return TransactionSummary(transactions: count, busiestName: names[0], tracesWithSpans: traces,
                                  seconds: Date().timeIntervalSince(started))
    }
}

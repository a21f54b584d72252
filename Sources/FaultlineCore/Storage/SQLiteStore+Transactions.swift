import EventProcessing
import Foundation
import SQLite
import SentryProtocol

extension SQLiteStore {
    /// Transactions of the selection, newest first: read by the `(project_id, timestamp, name, duration, status)`
    /// index, one range per project (names filtered in the index when given).
    public func transactionSamples(_ selection: TransactionSelection) throws -> [TransactionSample] {
        guard !selection.projectIDs.isEmpty else { return [] }
        let (sql, values) = Self.samplesSQL(selection)
        let withIDs = selection.withEventIDs
        return try readers.read { db in
            try db.rows(sql, values) { r in
                var sample = TransactionSample(projectID: r.int(0), eventID: withIDs ? r.blob(14).flatMap { EventID(bytes: $0) } : nil,
                                               traceID: r.blob(1).flatMap { EventID(bytes: $0) }, name: r.string(2) ?? "",
                                               op: r.string(3), status: r.string(4), environment: r.string(5),
                                               release: r.string(6), httpMethod: r.string(7), userKey: r.string(8),
                                               timestamp: r.double(9), durationMS: r.double(10))
                sample.spanID = r.isNull(11) ? nil : UInt64(bitPattern: Int64(r.int(11)))
                sample.spanBlock = r.isNull(12) ? nil : r.int(12)
                if let text = r.string(13) { sample.measurements = TransactionSample.measurements(json: text) }
                return sample
            }
        }
    }

    static func samplesSQL(_ selection: TransactionSelection) -> (String, [any SQLiteBindable]) {
        func marks(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ", ") }
        func column(_ c: DiscoverQuery.Column, _ name: String) -> String {
            selection.columns.map { $0.contains(c) } ?? true ? "t." + name : "NULL"
        }
        let spans = selection.columns == nil ? "t.span_id, t.span_block" : "NULL, NULL"
        var sql = """
            SELECT t.project_id, \(column(.trace, "trace_id")), \(column(.transaction, "name")), \(column(.op, "op")),
                   \(column(.status, "status")), \(column(.environment, "environment")), \(column(.release, "release")),
                   \(column(.httpMethod, "http_method")), \(column(.user, "user_key")), t.timestamp, t.duration,
                   \(spans), \(column(.measurements, "measurements"))\(selection.withEventIDs ? ", e.event_id" : "")
            FROM transactions t\(selection.withEventIDs ? " LEFT JOIN events e ON e.id = t.event_row" : "")
            WHERE t.project_id IN (\(marks(selection.projectIDs.count))) AND t.timestamp >= ? AND t.timestamp < ?
            """
        var values: [any SQLiteBindable] = selection.projectIDs + [selection.since, selection.until]
        if !selection.names.isEmpty {
            sql += " AND t.name IN (\(marks(selection.names.count)))"
            values += selection.names as [any SQLiteBindable]
        }
        if !selection.environments.isEmpty {
            sql += " AND t.environment IN (\(marks(selection.environments.count)))"
            values += selection.environments as [any SQLiteBindable]
        }
        sql += " ORDER BY t.timestamp DESC LIMIT ?"
        values.append(selection.limit)
        return (sql, values)
    }

    /// How SQLite runs the performance reads (for `bench-api`).
    public func explainTransactionReads(projectID: Int, name: String, traceID: EventID) throws -> [(read: String, plan: [String])] {
        var all = TransactionSelection(projectIDs: [projectID], since: 0, until: 1, limit: 10)
        var named = all
        named.names = [name]
        named.columns = [.transaction, .status]
        all.withEventIDs = true
        let reads: [(String, (String, [any SQLiteBindable]))] = [
            ("transactions", Self.samplesSQL(all)), ("one transaction", Self.samplesSQL(named)),
            ("trace", ("SELECT id FROM transactions WHERE trace_id = ? AND project_id IN (?) ORDER BY start LIMIT ?", [traceID.bytes, projectID, 10])),
            ("trace errors", ("SELECT event_row FROM trace_events WHERE trace_id = ?", [traceID.bytes])),
        ]
        return try readers.read { db in
            try reads.map { name, query in (name, try db.rows("EXPLAIN QUERY PLAN " + query.0, query.1) { $0.string(3) ?? "" }) }
        }
    }

    /// The transactions of one trace in these projects, and the spans of its blocks (by the trace-id indexes).
    public func trace(projectIDs: [Int], traceID: EventID, limit: Int) throws -> (transactions: [TraceTransaction], spans: [SpanRecord]) {
        guard !projectIDs.isEmpty else { return ([], []) }
        let projects = projectIDs.map { _ in "?" }.joined(separator: ", ")
        return try readers.read { db in
            var blockIDs: [Int] = []
            let transactions = try db.rows("""
                SELECT t.project_id, e.event_id, t.span_id, t.parent_span_id, t.name, t.op, t.status, t.start, t.timestamp,
                       t.duration, t.span_block
                FROM transactions t LEFT JOIN events e ON e.id = t.event_row
                WHERE t.trace_id = ? AND t.project_id IN (\(projects)) ORDER BY t.start LIMIT ?
                """, [traceID.bytes] + projectIDs + [limit]) { r in
                if !r.isNull(10), !blockIDs.contains(r.int(10)) { blockIDs.append(r.int(10)) }
                return TraceTransaction(projectID: r.int(0), eventID: r.blob(1).flatMap { EventID(bytes: $0) },
                                        spanID: r.isNull(2) ? nil : UInt64(bitPattern: Int64(r.int(2))),
                                        parentSpanID: r.isNull(3) ? nil : UInt64(bitPattern: Int64(r.int(3))), name: r.string(4) ?? "",
                                        op: r.string(5), status: r.string(6), start: r.double(7), end: r.double(8),
                                        durationMS: r.double(9))
            }
            // Blocks of spans that came apart from their segment (a streamed trace flushed mid-request).
            for id in try db.rows("SELECT block_id FROM trace_span_blocks WHERE trace_id = ? AND project_id IN (\(projects))",
                                  [traceID.bytes] + projectIDs, { $0.int(0) }) where !blockIDs.contains(id) {
                blockIDs.append(id)
            }
            var spans: [SpanRecord] = []
            for id in blockIDs {
                let block = try db.first("SELECT spans FROM span_blocks WHERE id = ?", [id]) { $0.blob(0) ?? [] }
                spans += block.flatMap { SpanBlock.decode($0) } ?? []
            }
            return (transactions, spans)
        }
    }

    public func traceIssueEvents(projectIDs: [Int], traceID: EventID, limit: Int) throws -> [TraceIssueEvent] {
        guard !projectIDs.isEmpty else { return [] }
        // Trace rows are written with the issue aggregates: settle them, so every acknowledged error shows.
        try settleIssues()
        let projects = projectIDs.map { _ in "?" }.joined(separator: ", ")
        return try readers.read { db in
            try db.rows("""
                SELECT e.project_id, e.event_id, e.issue_id, i.short_number, te.span_id, i.title, i.culprit, e.level,
                       e.timestamp, i.type
                FROM trace_events te JOIN events e ON e.id = te.event_row LEFT JOIN issues i ON i.id = e.issue_id
                WHERE te.trace_id = ? AND e.project_id IN (\(projects)) ORDER BY e.timestamp, e.id LIMIT ?
                """, [traceID.bytes] + projectIDs + [limit]) { r in
                guard let id = r.blob(1).flatMap({ EventID(bytes: $0) }) else { return nil }
                return TraceIssueEvent(projectID: r.int(0), eventID: id, issueID: r.isNull(2) ? nil : r.int(2),
                                       shortNumber: r.isNull(3) ? nil : r.int(3),
                                       spanID: r.isNull(4) ? nil : UInt64(bitPattern: Int64(r.int(4))),
                                       title: r.string(5) ?? "", culprit: r.string(6) ?? "", level: r.string(7) ?? "error",
                                       timestamp: r.double(8), issueType: r.string(9) ?? "error")
            }.compactMap { $0 }
        }
    }

    public func spanBlocks(ids: [Int]) throws -> [Int: [SpanRecord]] {
        guard !ids.isEmpty else { return [:] }
        return try readers.read { db in
            var out: [Int: [SpanRecord]] = [:]
            for id in Set(ids) {
                let block = try db.first("SELECT spans FROM span_blocks WHERE id = ?", [id]) { $0.blob(0) ?? [] }
                out[id] = block.flatMap { SpanBlock.decode($0) } ?? []
            }
            return out
        }
    }
}

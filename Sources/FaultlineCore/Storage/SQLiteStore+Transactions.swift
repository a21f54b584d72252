import EventProcessing
import Foundation
import SQLite
import SentryProtocol

extension SQLiteStore {
    /// Transactions of the projects that ended in `[since, until)`, optionally in some environments, newest first,
    /// `limit` at most: read by the `(project_id, timestamp)` index, one range per project.
    public func transactionSamples(projectIDs: [Int], since: Double, until: Double, environments: [String],
                                   limit: Int) throws -> [TransactionSample] {
        guard !projectIDs.isEmpty else { return [] }
        let projects = projectIDs.map { _ in "?" }.joined(separator: ", ")
        var sql = """
            SELECT t.project_id, e.event_id, t.trace_id, t.name, t.op, t.status, t.environment, t.release, t.http_method,
                   t.user_key, t.timestamp, t.duration, t.span_id, t.span_block
            FROM transactions t LEFT JOIN events e ON e.id = t.event_row
            WHERE t.project_id IN (\(projects)) AND t.timestamp >= ? AND t.timestamp < ?
            """
        var values: [any SQLiteBindable] = projectIDs + [since, until]
        if !environments.isEmpty {
            sql += " AND t.environment IN (\(environments.map { _ in "?" }.joined(separator: ", ")))"
            values += environments as [any SQLiteBindable]
        }
        sql += " ORDER BY t.timestamp DESC LIMIT ?"
        values.append(limit)
        return try readers.read { db in
            try db.rows(sql, values) { r in
                var sample = TransactionSample(projectID: r.int(0), eventID: r.blob(1).flatMap { EventID(bytes: $0) },
                                  traceID: r.blob(2).flatMap { EventID(bytes: $0) }, name: r.string(3) ?? "", op: r.string(4),
                                  status: r.string(5), environment: r.string(6), release: r.string(7),
                                  httpMethod: r.string(8), userKey: r.string(9), timestamp: r.double(10), durationMS: r.double(11))
                sample.spanID = r.isNull(12) ? nil : UInt64(bitPattern: Int64(r.int(12)))
                sample.spanBlock = r.isNull(13) ? nil : r.int(13)
                return sample
            }
        }
    }
}

extension SQLiteStore {
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

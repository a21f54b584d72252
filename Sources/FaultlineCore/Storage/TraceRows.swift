import EventProcessing
import SQLite
import SentryProtocol

/// Writes the queryable part of transactions and spans, inside the ingest transaction that stores their event, so a
/// trace is queryable exactly when its event is acknowledged: a row per transaction, and its spans as one block.
enum TraceRows {
    /// Stores spans already encoded as one block (`SpanBlock`, encoded on the ingest thread, not the writer's); its
    /// id, or nil when there are none.
    static func insertBlock(_ block: [UInt8], count: Int, projectID: Int, traceID: EventID?, _ db: SQLiteDatabase) throws -> Int? {
        guard count > 0 else { return nil }
        try db.run("INSERT INTO span_blocks (project_id, trace_id, span_count, spans) VALUES (?, ?, ?, ?)",
                   [projectID, traceID?.bytes, count, block])
        return Int(db.lastInsertRowID)
    }

    /// Makes a block found by its trace id: it holds spans whose segment (transaction row) came, or will come, in
    /// another request.
    static func linkBlock(_ block: Int, traceID: EventID, projectID: Int, _ db: SQLiteDatabase) throws {
        try db.run("INSERT OR IGNORE INTO trace_span_blocks (trace_id, block_id, project_id) VALUES (?, ?, ?)",
                   [traceID.bytes, block, projectID])
    }

    static func insert(_ t: TransactionRecord, projectID: Int, eventRow: Int?, spanBlock: Int?, environment: String?,
                       release: String?, userKey: String?, _ db: SQLiteDatabase) throws {
        try db.run("""
            INSERT INTO transactions (project_id, event_row, trace_id, span_id, parent_span_id, name, op, status, environment,
                                      release, user_key, http_method, start, timestamp, duration, self_time, measurements,
                                      span_block)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [projectID, eventRow, t.traceID?.bytes, t.spanID.map { Int64(bitPattern: $0) },
                  t.parentSpanID.map { Int64(bitPattern: $0) }, t.name, t.op, t.status, environment ?? t.environment,
                  release ?? t.release, userKey ?? t.userKey, t.httpMethod, t.start, t.end, t.durationMS, t.selfTimeMS,
                  measurementsJSON(t.measurements), spanBlock])
    }

    static func measurementsJSON(_ m: [(name: String, value: Double)]) -> String? {
        guard !m.isEmpty else { return nil }
        return String(decoding: JSONValue.object(m.map { ($0.name, .double($0.value)) }).serialized, as: UTF8.self)
    }
}

import EventProcessing
import Foundation
import SentryProtocol
import SQLite

extension SQLiteStore {
    /// The calls between these projects' services in the time range (`ServiceMap.calls`): the newest `limit`
    /// transactions with a parent span, each trace's transactions read by the trace index and the parents found in
    /// their span blocks.
    public func serviceCalls(projectIDs: [Int], since: Double, until: Double, limit: Int) throws -> [ServiceCall] {
        guard !projectIDs.isEmpty, limit > 0 else { return [] }
        let marks = Array(repeating: "?", count: projectIDs.count).joined(separator: ", ")
        let projects = projectIDs.map { $0 as any SQLiteBindable }
        return try readers.read { db in
            let children = try db.rows("""
                SELECT trace_id, project_id, parent_span_id, duration, status FROM transactions
                WHERE project_id IN (\(marks)) AND timestamp >= ? AND timestamp < ?
                  AND parent_span_id IS NOT NULL AND trace_id IS NOT NULL
                ORDER BY timestamp DESC LIMIT ?
                """, projects + [since, until, limit]) { r -> ServiceMap.Child? in
                guard let trace = r.blob(0).flatMap({ EventID(bytes: $0) }) else { return nil }
                return ServiceMap.Child(traceID: trace, projectID: r.int(1), parentSpanID: UInt64(bitPattern: Int64(r.int(2))),
                                        durationMS: r.double(3), status: r.string(4))
            }.compactMap { $0 }
            var byTrace: [EventID: [ServiceMap.Child]] = [:]
            for child in children { byTrace[child.traceID, default: []].append(child) }
            var calls: [ServiceCall] = []
            for (trace, members) in byTrace {
                let wanted = Set(members.map(\.parentSpanID))
                var owners: [UInt64: (projectID: Int, span: SpanRecord?)] = [:]
                let rows = try db.rows("""
                    SELECT project_id, span_id, span_block FROM transactions WHERE trace_id = ? AND project_id IN (\(marks))
                    LIMIT 2000
                    """, [trace.bytes] + projects) { r in
                    (r.int(0), r.isNull(1) ? nil : UInt64(bitPattern: Int64(r.int(1))), r.isNull(2) ? nil : r.int(2))
                }
                var blocks: [Int: Int] = [:]  // block → project
                for (project, spanID, block) in rows {
                    if let spanID, wanted.contains(spanID) { owners[spanID] = (project, nil) }
                    if let block { blocks[block] = project }
                }
                for (block, project) in blocks {
                    guard let bytes = try db.first("SELECT spans FROM span_blocks WHERE id = ?", [block], { $0.blob(0) }) ?? nil,
                          let spans = SpanBlock.decode(bytes) else { continue }
                    for span in spans where wanted.contains(span.spanID) { owners[span.spanID] = (project, span) }
                }
                calls += ServiceMap.calls(children: members, owners: owners)
            }
            return calls
        }
    }
}

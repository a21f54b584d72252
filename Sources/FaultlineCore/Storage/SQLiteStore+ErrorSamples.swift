import Foundation
import SentryProtocol
import SQLite

extension SQLiteStore {
    /// Error events of the projects with a timestamp in `[since, until)`, newest first, at most `limit`. `events` has
    /// no time index (ingest would pay for it on every event), but its row ids grow with the time of receipt: the first
    /// row received at or after `since` (less an hour for clock drift) is found by binary search over the row ids, and
    /// the read walks that row-id range backwards.
    public func errorSamples(projectIDs: [Int], since: Double, until: Double, environments: [String] = [],
                             columns: Set<ErrorQuery.Column>? = nil, limit: Int) throws -> [ErrorSample] {
        guard !projectIDs.isEmpty, limit > 0 else { return [] }
        return try readers.read { db in
            let first = try Self.firstRow(receivedAtOrAfter: since - 3600, db)
            let (sql, values) = Self.errorSamplesSQL(firstRow: first, projectIDs: projectIDs, since: since, until: until,
                                                     environments: environments, columns: columns, limit: limit)
            return try db.rows(sql, values) { r in
                ErrorSample(projectID: r.int(0), timestamp: r.double(1), issueID: r.isNull(2) ? nil : r.int(2), level: r.string(3),
                            platform: r.string(4), release: r.string(5), environment: r.string(6), userKey: r.string(7),
                            eventID: r.blob(8).flatMap { EventID(bytes: $0) })
            }
        }
    }

    static func errorSamplesSQL(firstRow: Int, projectIDs: [Int], since: Double, until: Double, environments: [String],
                                columns: Set<ErrorQuery.Column>? = nil, limit: Int) -> (String, [any SQLiteBindable]) {
        func marks(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ", ") }
        // Only the columns the query reads (the others NULL): a quarter of a million rows is a million strings less.
        func column(_ c: ErrorQuery.Column, _ name: String) -> String { columns.map { $0.contains(c) } ?? true ? name : "NULL" }
        var sql = """
            SELECT project_id, timestamp, issue_id, \(column(.level, "level")), \(column(.platform, "platform")),
                   \(column(.release, "release")), \(column(.environment, "environment")), \(column(.user, "user_key")),
                   \(column(.id, "event_id")) FROM events
            WHERE id >= ? AND project_id IN (\(marks(projectIDs.count))) AND type != 'transaction'
              AND timestamp >= ? AND timestamp < ?
            """
        var values: [any SQLiteBindable] = [firstRow] + projectIDs.map { $0 as any SQLiteBindable } + [since, until]
        if !environments.isEmpty {
            sql += " AND environment IN (\(marks(environments.count)))"
            values += environments.map { $0 as any SQLiteBindable }
        }
        sql += " ORDER BY id DESC LIMIT ?"
        values.append(limit)
        return (sql, values)
    }

    /// How SQLite runs Discover's error read and the row search before it (`bench-api` prints and checks it).
    public func explainErrorReads(projectID: Int) throws -> [(read: String, plan: [String])] {
        let (sql, values) = Self.errorSamplesSQL(firstRow: 1, projectIDs: [projectID], since: 0, until: 1, environments: [],
                                                 columns: [.title], limit: 10)
        let reads: [(String, (String, [any SQLiteBindable]))] = [
            ("errors in a range", (sql, values)),
            ("first row received", ("SELECT id, received_at FROM events WHERE id >= ? ORDER BY id LIMIT 1", [1])),
        ]
        return try readers.read { db in
            try reads.map { name, query in (name, try db.rows("EXPLAIN QUERY PLAN " + query.0, query.1) { $0.string(3) ?? "" }) }
        }
    }

    /// The smallest row id of an event received at or after `time` (one past the last row when none is).
    static func firstRow(receivedAtOrAfter time: Double, _ db: SQLiteDatabase) throws -> Int {
        guard let (low, high) = try db.first("SELECT min(id), max(id) FROM events", [], { r in
            r.isNull(0) ? nil : (r.int(0), r.int(1))
        }) ?? nil else { return 0 }
        var lo = low
        var hi = high + 1
        // Invariant: rows below `lo` were received before `time`; the row at or after `hi` (if any) was not.
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            guard let (id, received) = try db.first("SELECT id, received_at FROM events WHERE id >= ? ORDER BY id LIMIT 1", [mid],
                                                     { ($0.int(0), $0.double(1)) }) else {
                hi = mid
                continue
            }
            if received < time { lo = id + 1 } else { hi = mid }
        }
        return lo
    }

    /// Titles and short ids of the issues named, for Discover's `title` and `issue` columns.
    public func issueLabels(ids: [Int]) throws -> [Int: ErrorIssueLabel] {
        var labels: [Int: ErrorIssueLabel] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            try readers.read { db in
                try db.rows("""
                    SELECT i.id, i.title, i.short_number, p.slug FROM issues i JOIN projects p ON p.id = i.project_id
                    WHERE i.id IN (\(marks))
                    """, chunk.map { $0 as any SQLiteBindable }) { r in
                    (r.int(0), ErrorIssueLabel(title: r.string(1) ?? "",
                                               shortID: Issue.shortID(projectSlug: r.string(3) ?? "", number: r.int(2))))
                }
            }.forEach { labels[$0.0] = $0.1 }
        }
        return labels
    }
}

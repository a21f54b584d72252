import Foundation
import SentryProtocol
import SQLite

extension SQLiteStore {
    // MARK: Triage

    public func issueTriage(issueIDs: [Int], userID: Int?) throws -> [Int: IssueTriage] {
        guard !issueIDs.isEmpty else { return [:] }
        return try readers.read { db in
            var result: [Int: IssueTriage] = [:]
            for chunk in stride(from: 0, to: issueIDs.count, by: 500) {
                let ids = Array(issueIDs[chunk..<min(chunk + 500, issueIDs.count)])
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
                let values = ids.map { $0 as any SQLiteBindable }
                for (issue, user) in try db.rows("""
                    SELECT i.id, u.id, u.email, u.name, u.created_at FROM issues i JOIN users u ON u.id = i.assigned_to
                    WHERE i.id IN (\(marks))
                    """, values, { ($0.int(0), User(id: $0.int(1), email: $0.string(2) ?? "", name: $0.string(3) ?? "",
                                                     createdAt: $0.double(4))) }) {
                    result[issue, default: IssueTriage()].assignee = user
                }
                guard let userID else { continue }
                for issue in try db.rows("SELECT issue_id FROM issue_bookmarks WHERE user_id = ? AND issue_id IN (\(marks))",
                                         [userID] + values, { $0.int(0) }) {
                    result[issue, default: IssueTriage()].isBookmarked = true
                }
                for (issue, time) in try db.rows("SELECT issue_id, seen_at FROM issue_seen WHERE user_id = ? AND issue_id IN (\(marks))",
                                                 [userID] + values, { ($0.int(0), $0.double(1)) }) {
                    result[issue, default: IssueTriage()].seenAt = time
                }
            }
            return result
        }
    }

    public func changeIssueTriage(issueID: Int, userID: Int?, _ change: IssueTriageChange, at now: Double) throws {
        try writer.sync { db in try Self.applyTriage(db, issueID: issueID, userID: userID, change, at: now) }
    }

    /// Many issues' status and triage changed as one operation: one writer transaction for all of them (a bulk
    /// update of 1,000 issues used to take 1,000). Returns the last issue whose status changed.
    public func updateIssues(_ issueIDs: [Int], status: IssueStatusChange?, triage: IssueTriageChange, userID: Int?,
                             at now: Double) throws -> Issue? {
        try writer.sync { [issueWriter] db in
            var last: Issue?
            for id in issueIDs {
                if let status { last = try issueWriter.change(issueID: id, to: status, at: now, db) ?? last }
                if !triage.isEmpty { try Self.applyTriage(db, issueID: id, userID: userID, triage, at: now) }
            }
            return last
        }
    }

    static func applyTriage(_ db: SQLiteDatabase, issueID: Int, userID: Int?, _ change: IssueTriageChange, at now: Double) throws {
        if let bookmarked = change.bookmarked, let userID {
            try db.run(bookmarked
                       ? "INSERT OR IGNORE INTO issue_bookmarks (user_id, issue_id, created_at) VALUES (?, ?, ?)"
                       : "DELETE FROM issue_bookmarks WHERE user_id = ? AND issue_id = ? AND ? IS NOT NULL",
                       [userID, issueID, now])
        }
        if let seen = change.seen, let userID {
            try db.run(seen
                       ? """
                         INSERT INTO issue_seen (user_id, issue_id, seen_at) VALUES (?, ?, ?)
                         ON CONFLICT (user_id, issue_id) DO UPDATE SET seen_at = excluded.seen_at
                         """
                       : "DELETE FROM issue_seen WHERE user_id = ? AND issue_id = ? AND ? IS NOT NULL",
                       [userID, issueID, now])
        }
        guard let assignment = change.assignment else { return }
        let before = try db.first("SELECT assigned_to FROM issues WHERE id = ?", [issueID]) { $0.isNull(0) ? nil : $0.int(0) } ?? nil
        switch assignment {
        case .nobody:
            guard before != nil else { return }
            try db.run("UPDATE issues SET assigned_to = NULL WHERE id = ?", [issueID])
            try IssueRows.addActivity(db, issueID: issueID, type: "unassigned", actor: change.actor, at: now)
        case .user(let assignee):
            guard before != assignee else { return }
            try db.run("UPDATE issues SET assigned_to = ? WHERE id = ?", [assignee, issueID])
            let email = try db.first("SELECT email FROM users WHERE id = ?", [assignee]) { $0.string(0) } ?? nil
            let data = JSONValue.object([("assignee", .string(String(assignee))),
                                         ("assigneeEmail", email.map(JSONValue.string) ?? .null),
                                         ("assigneeType", .string("user"))])
            try IssueRows.addActivity(db, issueID: issueID, type: "assigned",
                                      data: String(decoding: data.serialized, as: UTF8.self), actor: change.actor, at: now)
        }
    }

    // MARK: Deletion

    public func deleteIssues(projectID: Int, issueIDs: [Int]) throws -> Int {
        // First each issue is detached (no new event can reach it) and emptied of everything but its events; then
        // its events go a chunk per transaction, so a large issue does not hold up ingest's commits for long.
        let detached = try writer.sync(exclusive: true) { [issueWriter] db -> [Int] in
            try issueWriter.flushNow(db)
            var detached: [Int] = []
            for id in Set(issueIDs) {
                guard try db.first("SELECT 1 FROM issues WHERE id = ? AND project_id = ?", [id, projectID], { _ in true }) != nil
                else { continue }
                try db.run("DELETE FROM grouphashes WHERE project_id = ? AND issue_id = ?", [projectID, id])
                for table in ["issue_tags", "issue_hours", "issue_activity", "issue_bookmarks", "issue_seen"] {
                    try db.run("DELETE FROM \(table) WHERE issue_id = ?", [id])
                }
                // A row stays as a tombstone, outside every project, so the id is never given to another issue.
                try db.run("""
                    UPDATE issues SET project_id = 0, short_number = -id, title = '', culprit = '', exception_type = NULL,
                        exception_value = NULL, filename = NULL, function = NULL, times_seen = 0, user_count = 0,
                        first_release = NULL, last_release = NULL, status = 'deleted', substatus = NULL,
                        status_details = '{}', assigned_to = NULL
                    WHERE id = ?
                    """, [id])
                detached.append(id)
            }
            issueWriter.forget(issueIDs: Set(detached))
            return detached
        }
        for id in detached {
            while try deleteEventChunk(issueID: id, projectID: projectID) {}
        }
        return detached.count
    }

    /// Deletes up to `eventChunk` events of a detached issue; false when none were left.
    private func deleteEventChunk(issueID: Int, projectID: Int) throws -> Bool {
        try writer.sync(exclusive: true) { [issueWriter] db -> Bool in
            // Nothing may stay in memory above the watermark rewritten below.
            try issueWriter.flushNow(db)
            let rows = try db.rows("SELECT event_row FROM issue_events WHERE issue_id = ? LIMIT ?", [issueID, Self.eventChunk]) { $0.int(0) }
            guard !rows.isEmpty else { return false }
            var payloads: [Int: Int] = [:]
            for part in stride(from: 0, to: rows.count, by: 500) {
                let ids = Array(rows[part..<min(part + 500, rows.count)])
                let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
                let deleted = try db.rows("DELETE FROM events WHERE id IN (\(marks)) RETURNING event_id, payload_id",
                                          ids.map { $0 as any SQLiteBindable }) { ($0.blob(0) ?? [], $0.int(1)) }
                for (_, payload) in deleted { payloads[payload, default: 0] += 1 }
                let eventIDs = deleted.map { $0.0 as any SQLiteBindable }
                guard !eventIDs.isEmpty else { continue }
                let idMarks = Array(repeating: "?", count: eventIDs.count).joined(separator: ", ")
                try db.run("DELETE FROM event_ids WHERE project_id = ? AND event_id IN (\(idMarks))", [projectID] + eventIDs)
                // Items sent with these events (attachments, feedback) go with them.
                for payload in try db.rows("""
                    DELETE FROM envelope_items WHERE project_id = ? AND event_id IN (\(idMarks)) RETURNING payload_id
                    """, [projectID] + eventIDs, { $0.int(0) }) {
                    payloads[payload, default: 0] += 1
                }
            }
            try db.run("DELETE FROM issue_events WHERE issue_id = ? AND event_row IN (\(Array(repeating: "?", count: rows.count).joined(separator: ", ")))",
                       [issueID] + rows.map { $0 as any SQLiteBindable })
            try Self.unlink(payloads, db)
            // Deleting the newest rows lets SQLite give their ids out again: the mark must not cover the next ones.
            try IssueAggregates.writeWatermark(db)
            return true
        }
    }

    static let eventChunk = 2000
}

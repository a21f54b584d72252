import EventProcessing
import Foundation
import SentryProtocol
import SQLite

extension SQLiteStore {
    public func updateProject(id: Int, name: String?, slug: String?, platform: String??) throws -> Bool {
        do {
            return try changeProject(id: id, name: name, slug: slug, platform: platform)
        } catch let error as SQLiteError where error.isConstraintViolation {
            // Another request took the slug between the caller's check and this write.
            throw ProjectCreation.Failure.slugTaken(slug: slug ?? "", organization: "")
        }
    }

    private func changeProject(id: Int, name: String?, slug: String?, platform: String??) throws -> Bool {
        try writer.sync { db in
            if let name { try db.run("UPDATE projects SET name = ? WHERE id = ?", [name, id]) }
            if let slug { try db.run("UPDATE projects SET slug = ? WHERE id = ?", [slug, id]) }
            if let platform { try db.run("UPDATE projects SET platform = ? WHERE id = ?", [platform, id]) }
            return try db.first("SELECT 1 FROM projects WHERE id = ?", [id]) { _ in true } ?? false
        }
    }

    /// The grouping strategy the project's new events are grouped with. Issues keep the hashes they were created
    /// under; events grouped by the new strategy open or join issues by its hashes.
    public func setGroupingStrategy(projectID: Int, _ strategy: GroupingStrategy) throws {
        try setGroupingStrategy(projectID: projectID, strategy, now: Date().timeIntervalSince1970)
    }

    public func setGroupingStrategy(projectID: Int, _ strategy: GroupingStrategy, now: Double) throws {
        try writer.sync { db in
            let old = try db.first("SELECT grouping_strategy FROM projects WHERE id = ?", [projectID]) { $0.string(0) } ?? nil
            try db.run("UPDATE projects SET grouping_strategy = ? WHERE id = ?", [strategy.rawValue, projectID])
            guard let old, old != strategy.rawValue else { return }
            // Nothing to keep together in a project without issues (a new one): no transition, no double grouping.
            guard try db.first("SELECT 1 FROM issues WHERE project_id = ? LIMIT 1", [projectID], { _ in true }) != nil else {
                try db.run("DELETE FROM project_options WHERE project_id = ? AND key IN (?, ?)",
                           [projectID, ProjectConfig.Option.secondaryGroupingConfig, ProjectConfig.Option.secondaryGroupingExpiry])
                return
            }
            // A switch starts a transition: events whose new hash is unknown are grouped by the old strategy too.
            let expiry = (now + ProjectConfig.Option.transitionSeconds).rounded()
            let options = [
                (ProjectConfig.Option.secondaryGroupingConfig, String(decoding: JSONValue.string(old).serialized, as: UTF8.self)),
                (ProjectConfig.Option.secondaryGroupingExpiry, String(decoding: JSONValue.int(Int(expiry)).serialized, as: UTF8.self)),
            ]
            for (key, value) in options {
                try db.run("INSERT INTO project_options (project_id, key, value) VALUES (?, ?, ?) "
                           + "ON CONFLICT (project_id, key) DO UPDATE SET value = excluded.value", [projectID, key, value])
            }
        }
    }

    /// Removes the project at once (it leaves every list, its keys stop working, its slug is free again) and its data
    /// in the background, a chunk per transaction; a restart resumes what was left.
    public func deleteProject(id: Int) throws -> Bool {
        let now = Date().timeIntervalSince1970
        let deleted = try writer.sync(exclusive: true) { [issueWriter] db -> Bool in
            guard try db.first("SELECT 1 FROM projects WHERE id = ?", [id], { _ in true }) != nil
            else { return false }
            try issueWriter.flushNow(db)
            let issues = try db.rows("SELECT id FROM issues WHERE project_id = ?", [id]) { $0.int(0) }
            // Without its hashes no new event finds the project's issues; a new issue fails with the project gone, and
            // transactions a cached key still lets in are removed with the rest once the cache has let go.
            for table in ["project_keys", "project_options", "grouphashes", "performance_sightings"] {
                try db.run("DELETE FROM \(table) WHERE project_id = ?", [id])
            }
            try db.run("DELETE FROM projects WHERE id = ?", [id])
            // SQLite would give the highest row id out again: `createProject` starts above this mark instead, so no
            // new project takes the id of one whose rows are (or were) being removed.
            try db.run("""
                INSERT INTO settings (key, value) VALUES (?, ?)
                ON CONFLICT (key) DO UPDATE SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))
                """, [Self.projectIDMark, String(id)])
            try db.run("INSERT OR IGNORE INTO project_deletions (project_id, requested_at) VALUES (?, ?)", [id, now])
            issueWriter.forget(issueIDs: Set(issues))
            return true
        }
        if deleted { resumeProjectDeletions() }
        return deleted
    }

    /// The settings key holding the highest id a deleted project had.
    static let projectIDMark = "deleted_project_id_mark"

    private static let purges = DispatchQueue(label: "faultline.project-purges", qos: .utility)

    /// Starts removing the rows of deleted projects, off the caller's thread.
    func resumeProjectDeletions() {
        // One at a time: a second deletion's call then finds the first's rows gone instead of racing it for them.
        Self.purges.async { [self] in
            do {
                let pending = try readers.read { db in
                    try db.rows("SELECT project_id, requested_at FROM project_deletions ORDER BY project_id") { ($0.int(0), $0.double(1)) }
                }
                for (projectID, requestedAt) in pending { try purgeProject(projectID, requestedAt: requestedAt) }
            } catch {
                // Left for the next start: the rows are outside every project meanwhile.
            }
        }
    }

    /// Deletes a deleted project's rows, chunk by chunk.
    private func purgeProject(_ projectID: Int, requestedAt: Double) throws {
        // First the few seconds a DSN key stays cached by ingest: events may still come in until then.
        let settle = requestedAt + 6 - Date().timeIntervalSince1970
        if settle > 0 { Thread.sleep(forTimeInterval: settle) }
        let issues = try readers.read { db in try db.rows("SELECT id FROM issues WHERE project_id = ?", [projectID]) { $0.int(0) } }
        for chunk in stride(from: 0, to: issues.count, by: 100) {
            _ = try deleteIssues(projectID: projectID, issueIDs: Array(issues[chunk..<min(chunk + 100, issues.count)]))
        }
        var after = 0
        while let next = try purgeEventChunk(projectID: projectID, after: after) { after = next }
        // Trace rows have no payload to unlink; walked in row order like events (one pass over each table).
        for table in ["transactions", "span_blocks"] {
            var afterRow = 0
            while let next = try purgeRowChunk(table, projectID: projectID, after: afterRow) { afterRow = next }
        }
        while try purgeChunk(projectID: projectID, """
            DELETE FROM envelope_items WHERE id IN (SELECT id FROM envelope_items WHERE project_id = ? LIMIT 2000) RETURNING payload_id
            """) {}
        while try purgeChunk(projectID: projectID, """
            DELETE FROM event_ids WHERE project_id = ?1 AND event_id IN (SELECT event_id FROM event_ids WHERE project_id = ?1 LIMIT 5000)
            RETURNING NULL
            """) {}
        try writer.sync(exclusive: true) { db in
            for table in ["outcomes", "releases", "trace_span_blocks", "project_deletions"] {
                try db.run("DELETE FROM \(table) WHERE project_id = ?", [projectID])
            }
        }
    }

    /// Runs one chunked DELETE that returns the payload ids it unlinked (or NULLs); false when it deleted nothing.
    private func purgeChunk(projectID: Int, _ sql: String) throws -> Bool {
        try writer.sync(exclusive: true) { db -> Bool in
            let payloads = try db.rows(sql, [projectID]) { $0.isNull(0) ? nil : $0.int(0) }
            var counts: [Int: Int] = [:]
            for case let payload? in payloads { counts[payload, default: 0] += 1 }
            try Self.unlink(counts, db)
            return !payloads.isEmpty
        }
    }

    /// Deletes up to 2,000 of the project's rows of `table` after row `after`; the last row looked at, or nil at the end.
    /// (`trace_events` rows of deleted events are left: every read joins them to `events`.)
    private func purgeRowChunk(_ table: String, projectID: Int, after: Int) throws -> Int? {
        try writer.sync(exclusive: true) { db -> Int? in
            let rows = try db.rows("SELECT id FROM \(table) WHERE project_id = ? AND id > ? ORDER BY id LIMIT 2000",
                                   [projectID, after]) { $0.int(0) }
            guard let last = rows.last else { return nil }
            try db.run("DELETE FROM \(table) WHERE project_id = ? AND id > ? AND id <= ?", [projectID, after, last])
            return last
        }
    }

    /// Takes `count` rows off each payload's reference count and deletes the bodies nothing points into any more
    /// (those stored before the count existed are kept).
    static func unlink(_ payloads: [Int: Int], _ db: SQLiteDatabase) throws {
        for (payload, count) in payloads {
            try db.run("UPDATE payloads SET row_count = row_count - ? WHERE id = ? AND row_count IS NOT NULL", [count, payload])
            try db.run("DELETE FROM payloads WHERE id = ? AND row_count <= 0", [payload])
        }
    }

    /// Deletes up to 2,000 of the project's remaining events (transactions, events without an issue) after row
    /// `after`, walking the table once in row order; the last row looked at, or nil at the end.
    private func purgeEventChunk(projectID: Int, after: Int) throws -> Int? {
        try writer.sync(exclusive: true) { [issueWriter] db -> Int? in
            try issueWriter.flushNow(db)
            let rows = try db.rows("SELECT id, payload_id FROM events WHERE project_id = ? AND id > ? ORDER BY id LIMIT 2000",
                                   [projectID, after]) { ($0.int(0), $0.int(1)) }
            guard let last = rows.last?.0 else { return nil }
            try db.run("DELETE FROM events WHERE project_id = ? AND id > ? AND id <= ?", [projectID, after, last])
            var payloads: [Int: Int] = [:]
            for (_, payload) in rows { payloads[payload, default: 0] += 1 }
            try Self.unlink(payloads, db)
            try IssueAggregates.writeWatermark(db)
            return last
        }
    }
}

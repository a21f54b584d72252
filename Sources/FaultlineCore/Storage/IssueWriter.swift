import Glibc
import Foundation
import SentryProtocol
import SQLite

/// The issue side of the group commit. Jobs find (or create) each event's issue; before COMMIT the batch's
/// events are applied in order to the issues' counters, users, tags and status, so the API never shows an
/// event its counts leave out. Issue state is cached here: only this writer changes it.
final class IssueWriter: @unchecked Sendable {
    // Invariant: used only on the writer thread (jobs, the batch flush and the rollback hook).
    private struct HashKey: Hashable {
        var projectID: Int
        var hash: String
    }

    private var issueByHash: [HashKey: Int] = [:]
    private var issues: [Int: Issue] = [:]
    private var releaseIDs: [HashKey: Int] = [:]
    private static let cacheLimit = 100_000

    /// Drops everything cached: the transaction that produced it rolled back.
    func clear() {
        issueByHash.removeAll()
        issues.removeAll()
        releaseIDs.removeAll()
    }

    // MARK: In a job

    /// The issue an event's hash belongs to, if it exists.
    func existingIssue(projectID: Int, hash: String, _ db: SQLiteDatabase) throws -> Int? {
        let key = HashKey(projectID: projectID, hash: hash)
        if let id = issueByHash[key] { return id }
        guard let id = try db.first("SELECT issue_id FROM grouphashes WHERE project_id = ? AND hash = ?",
                                    [projectID, hash], { $0.int(0) }) else { return nil }
        // Rows read inside the transaction may vanish if it rolls back; `clear()` runs then.
        if issueByHash.count >= Self.cacheLimit { issueByHash.removeAll() }
        issueByHash[key] = id
        return id
    }

    /// Creates the issue for a hash seen for the first time (counters start at zero: the flush counts the event).
    func createIssue(projectID: Int, input: IssueInput, at time: Double, _ db: SQLiteDatabase) throws -> Int {
        guard let number = try db.first("UPDATE projects SET issue_counter = issue_counter + 1 WHERE id = ? RETURNING issue_counter",
                                        [projectID], { $0.int(0) }) else {
            throw SQLiteError(message: "project \(projectID) does not exist")
        }
        let d = input.descriptor
        try db.run("""
            INSERT INTO issues (project_id, short_number, type, title, culprit, exception_type, exception_value, filename,
                                function, level, platform, first_seen, last_seen, times_seen, user_count, first_release,
                                last_release, is_unhandled, status, status_details)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, 'unresolved', '{}')
            """, [projectID, number, d.type, d.title, d.culprit, d.exceptionType, d.exceptionValue, d.filename, d.function,
                  d.level, input.platform, time, time, input.release, input.release, d.isUnhandled ? 1 : 0])
        let id = Int(db.lastInsertRowID)
        try db.run("""
            INSERT INTO grouphashes (project_id, hash, issue_id, strategy, variant, components, first_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [projectID, input.hash, id, input.strategy, input.variant, String(decoding: input.components, as: UTF8.self), time])
        try IssueRows.addActivity(db, issueID: id, type: "first_seen", at: time)
        return id
    }

    // MARK: Before COMMIT

    func apply(_ events: [IssueEvent], _ db: SQLiteDatabase) throws {
        guard !events.isEmpty else { return }
        struct TagKey: Hashable {
            var issueID: Int
            var key: String
            var value: String
        }
        var tagCounts: [TagKey: (count: Int, first: Double, last: Double)] = [:]
        var dirty: Set<Int> = []
        // Issues whose text or status changed get every column written; the rest only their counters.
        var fullSave: Set<Int> = []
        var newUsers = (getenv("FL_EXP").map { String(cString: $0).contains("nousers") } ?? false) ? [] : try insertUsers(events, db)
        for event in events {
            guard var issue = try state(event.issueID, db) else { continue }
            let input = event.input
            let release = input.release
            let regressedBefore = issue.status
            try reopenIfRegressed(&issue, release: release, event: event, db)
            if regressedBefore != issue.status { fullSave.insert(issue.id) }
            issue.timesSeen += 1
            issue.firstSeen = min(issue.firstSeen, event.timestamp)
            issue.lastSeen = max(issue.lastSeen, event.timestamp)
            if let release {
                if issue.firstRelease == nil { issue.firstRelease = release }
                issue.lastRelease = release
                try noteRelease(projectID: event.projectID, version: release, at: event.receivedAt, db)
            }
            let d = input.descriptor
            let statusBefore = (issue.status, issue.substatus)
            if issue.title != d.title || issue.culprit != d.culprit || issue.exceptionType != d.exceptionType
                || issue.exceptionValue != d.exceptionValue || issue.filename != d.filename || issue.function != d.function {
                issue.title = d.title
                issue.culprit = d.culprit
                issue.exceptionType = d.exceptionType
                issue.exceptionValue = d.exceptionValue
                issue.filename = d.filename
                issue.function = d.function
                fullSave.insert(issue.id)
            }
            issue.level = d.level
            issue.isUnhandled = issue.isUnhandled || d.isUnhandled
            // A user counts at the first of its events in this batch that is new to the issue.
            if let user = input.userKey, newUsers.remove(UserKey(issueID: issue.id, user: user)) != nil {
                issue.userCount += 1
            }
            try reopenIfIgnoreEnded(&issue, event: event, db)
            if statusBefore != (issue.status, issue.substatus) { fullSave.insert(issue.id) }
            for tag in input.tags {
                let key = TagKey(issueID: issue.id, key: tag.key, value: tag.value)
                if let c = tagCounts[key] {
                    tagCounts[key] = (c.count + 1, min(c.first, event.timestamp), max(c.last, event.timestamp))
                } else {
                    tagCounts[key] = (1, event.timestamp, event.timestamp)
                }
            }
            issues[issue.id] = issue
            dirty.insert(issue.id)
        }
        for id in dirty {
            guard let issue = issues[id] else { continue }
            if fullSave.contains(id) {
                try IssueRows.save(db, issue)
            } else {
                try IssueRows.saveCounters(db, issue)
            }
        }
        // Many rows per statement: the per-statement cost, not the B-tree work, dominated one upsert per tag.
        let rows = (getenv("FL_EXP").map { String(cString: $0).contains("notags") } ?? false) ? [] : Array(tagCounts)
        for chunk in stride(from: 0, to: rows.count, by: Self.rowsPerStatement) {
            let part = rows[chunk..<min(chunk + Self.rowsPerStatement, rows.count)]
            var values: [any SQLiteBindable] = []
            values.reserveCapacity(part.count * 6)
            for (key, c) in part { values += [key.issueID, key.key, key.value, c.count, c.first, c.last] }
            try db.run("""
                INSERT INTO issue_tags (issue_id, key, value, times_seen, first_seen, last_seen) VALUES
                \(Self.placeholders(rows: part.count, columns: 6))
                ON CONFLICT (issue_id, key, value) DO UPDATE SET times_seen = times_seen + excluded.times_seen,
                    first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)
                """, values)
        }
    }

    private struct UserKey: Hashable {
        var issueID: Int
        var user: String
    }

    static let rowsPerStatement = 64

    static func placeholders(rows: Int, columns: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return Array(repeating: row, count: rows).joined(separator: ", ")
    }

    /// Inserts the batch's (issue, user) pairs; returns those that were new (SQLite's RETURNING skips ignored rows).
    private func insertUsers(_ events: [IssueEvent], _ db: SQLiteDatabase) throws -> Set<UserKey> {
        var pairs: [UserKey: Double] = [:]
        for event in events {
            guard let user = event.input.userKey else { continue }
            let key = UserKey(issueID: event.issueID, user: user)
            pairs[key] = min(pairs[key] ?? event.timestamp, event.timestamp)
        }
        var inserted: Set<UserKey> = []
        let rows = Array(pairs)
        for chunk in stride(from: 0, to: rows.count, by: Self.rowsPerStatement) {
            let part = rows[chunk..<min(chunk + Self.rowsPerStatement, rows.count)]
            var values: [any SQLiteBindable] = []
            for (key, first) in part { values += [key.issueID, key.user, first] }
            let returned = try db.rows("""
                INSERT OR IGNORE INTO issue_users (issue_id, user_key, first_seen) VALUES \(Self.placeholders(rows: part.count, columns: 3))
                RETURNING issue_id, user_key
                """, values) { UserKey(issueID: $0.int(0), user: $0.string(1) ?? "") }
            inserted.formUnion(returned)
        }
        return inserted
    }

    private func state(_ id: Int, _ db: SQLiteDatabase) throws -> Issue? {
        if let issue = issues[id] { return issue }
        guard let issue = try IssueRows.load(db, id: id) else { return nil }
        if issues.count >= Self.cacheLimit { issues.removeAll() }
        issues[id] = issue
        return issue
    }

    /// A resolved issue that sees a new event is regressed, unless it was resolved in a release and the
    /// event comes from an older one (or, for "next release", from no newer one).
    private func reopenIfRegressed(_ issue: inout Issue, release: String?, event: IssueEvent, _ db: SQLiteDatabase) throws {
        guard issue.status == .resolved else { return }
        let details = issue.statusDetails
        if details.inNextRelease || details.inRelease != nil {
            guard let release else { return }
            if let fixed = details.inRelease {
                guard try isRelease(release, atLeast: fixed, projectID: event.projectID, db) else { return }
            } else if let after = details.afterRelease {
                guard try isRelease(release, newerThan: after, projectID: event.projectID, db) else { return }
            } else {
                // Resolved in the next release before any release was known: any release is newer.
            }
        }
        issue.status = .unresolved
        issue.substatus = "regressed"
        issue.statusDetails = StatusDetails()
        issue.resolvedAt = nil
        var data = JSONWriter()
        data.raw("{\"version\":")
        if let release { data.string(release) } else { data.null() }
        data.raw("}")
        try IssueRows.addActivity(db, issueID: issue.id, type: "set_regression", data: String(decoding: data.bytes, as: UTF8.self),
                                  at: event.receivedAt)
    }

    /// An ignored issue whose condition is met (time passed, N more events, N more users) reopens.
    private func reopenIfIgnoreEnded(_ issue: inout Issue, event: IssueEvent, _ db: SQLiteDatabase) throws {
        guard issue.status == .ignored else { return }
        let d = issue.statusDetails
        let ended = (d.ignoreUntil.map { event.receivedAt >= $0 } ?? false)
            || (d.ignoreUntilCount.map { issue.timesSeen >= $0 } ?? false)
            || (d.ignoreUntilUserCount.map { issue.userCount >= $0 } ?? false)
        guard ended else { return }
        issue.status = .unresolved
        issue.substatus = "escalating"
        issue.statusDetails = StatusDetails()
        try IssueRows.addActivity(db, issueID: issue.id, type: "set_escalating", data: "{}", at: event.receivedAt)
    }

    // MARK: Releases

    private func releaseID(projectID: Int, version: String, _ db: SQLiteDatabase) throws -> Int? {
        let key = HashKey(projectID: projectID, hash: version)
        if let id = releaseIDs[key] { return id }
        let id = try db.first("SELECT id FROM releases WHERE project_id = ? AND version = ?", [projectID, version]) { $0.int(0) }
        if let id { releaseIDs[key] = id }
        return id
    }

    /// Records a release the first time an event names it (its order of appearance is its age).
    func noteRelease(projectID: Int, version: String, at time: Double, _ db: SQLiteDatabase) throws {
        if try releaseID(projectID: projectID, version: version, db) != nil { return }
        try db.run("INSERT OR IGNORE INTO releases (project_id, version, first_seen) VALUES (?, ?, ?)", [projectID, version, time])
        releaseIDs[HashKey(projectID: projectID, hash: version)] = Int(db.lastInsertRowID)
    }

    /// The newest release of a project (by first appearance), if any.
    func latestRelease(projectID: Int, _ db: SQLiteDatabase) throws -> String? {
        try db.first("SELECT version FROM releases WHERE project_id = ? ORDER BY id DESC LIMIT 1", [projectID]) { $0.string(0) } ?? nil
    }

    private func isRelease(_ release: String, atLeast fixed: String, projectID: Int, _ db: SQLiteDatabase) throws -> Bool {
        if release == fixed { return true }
        return try isRelease(release, newerThan: fixed, projectID: projectID, db)
    }

    private func isRelease(_ release: String, newerThan other: String, projectID: Int, _ db: SQLiteDatabase) throws -> Bool {
        if release == other { return false }
        if let order = ReleaseOrder.compareVersions(release, other) { return order > 0 }
        // A release never seen before is newer than any known one.
        guard let mine = try releaseID(projectID: projectID, version: release, db) else { return true }
        guard let theirs = try releaseID(projectID: projectID, version: other, db) else { return false }
        return mine > theirs
    }

    // MARK: Status changes (API)

    func change(issueID: Int, to change: IssueStatusChange, at now: Double, _ db: SQLiteDatabase) throws -> Issue? {
        guard var issue = try state(issueID, db) else { return nil }
        var details = StatusDetails()
        var activity = ""
        var data: [(key: String, value: JSONValue)] = []
        switch change.status {
        case .unresolved:
            issue.substatus = nil
            issue.resolvedAt = nil
            activity = "set_unresolved"
        case .resolved:
            issue.resolvedAt = now
            issue.substatus = nil
            if let release = change.inRelease {
                details.inRelease = release
                try noteRelease(projectID: issue.projectID, version: release, at: now, db)
                activity = "set_resolved_in_release"
                data.append(("version", .string(release)))
            } else if change.inNextRelease {
                details.inNextRelease = true
                details.afterRelease = try latestRelease(projectID: issue.projectID, db)
                activity = "set_resolved_in_release"
                data.append(("inNextRelease", .bool(true)))
            } else {
                activity = "set_resolved"
            }
        case .ignored:
            activity = "set_ignored"
            if let minutes = change.ignoreDuration, minutes > 0 {
                details.ignoreDuration = minutes
                details.ignoreUntil = now + Double(minutes) * 60
                data.append(("ignoreDuration", .int(minutes)))
            }
            if let count = change.ignoreCount, count > 0 {
                details.ignoreCount = count
                details.ignoreUntilCount = issue.timesSeen + count
                data.append(("ignoreCount", .int(count)))
            }
            if let users = change.ignoreUserCount, users > 0 {
                details.ignoreUserCount = users
                details.ignoreUntilUserCount = issue.userCount + users
                data.append(("ignoreUserCount", .int(users)))
            }
            let conditional = details.ignoreUntil != nil || details.ignoreUntilCount != nil || details.ignoreUntilUserCount != nil
            issue.substatus = conditional ? "archived_until_condition_met" : "archived_forever"
        }
        issue.status = change.status
        issue.statusDetails = details
        try IssueRows.save(db, issue)
        try IssueRows.addActivity(db, issueID: issue.id, type: activity,
                                  data: String(decoding: JSONValue.object(data).serialized, as: UTF8.self),
                                  actor: change.actor, at: now)
        issues[issue.id] = issue
        return issue
    }
}

import Foundation
import SentryProtocol
import SQLite

/// The issue side of the group commit. Jobs find (or create) each event's issue; before COMMIT the batch's
/// events are applied in order to the issues' state in memory: status changes (regressions, reopened
/// ignores) and new text are written at once, counters and tag counts are summed in `IssueAggregates` and
/// written every `flushInterval` or when a reader asks (`requestFlush`). Issue state is cached here: only
/// this writer changes it, and a cached issue with unwritten counters is the only true copy of them.
final class IssueWriter: @unchecked Sendable {
    // Invariant: used only on the writer thread (jobs, the batch flush and the commit hooks), except
    // `hasUnwritten`, which is guarded by `flag`.
    private struct HashKey: Hashable {
        var projectID: Int
        var hash: String
    }

    /// What the running transaction changed: published by `committed()`, dropped by `clear()`.
    private struct Staged {
        var issues: [Int: Issue] = [:]
        var issueIDs: Set<Int> = []
        /// Each event's tags, summed into `pending` at COMMIT (a list here, so each is hashed once).
        var tags: [(key: IssueAggregates.TagKey, time: Double)] = []
        /// Users new to their issue in this transaction.
        var users: Set<IssueAggregates.TagKey> = []
        var events: [IssueAggregates.EventEntry] = []
        var eventIDs: [IssueAggregates.StoredEventID] = []
        var traceEvents: [IssueAggregates.TraceEventRow] = []
        /// The aggregates (pending and staged) were written in this transaction.
        var flushed: IssueAggregates?
        /// The index rows still to write, as this transaction leaves them.
        var backlog: IndexBacklog?
        /// Events for the alert engine, handed over once the transaction commits.
        var signals: [AlertSignal] = []
        var transactions: [MetricSample] = []
    }

    /// Receives committed events of projects with alert rules (set on the writer thread).
    var alertSink: (any AlertSink)?

    private var issueByHash: [HashKey: Int] = [:]
    private var issues: [Int: Issue] = [:]
    private var releaseIDs: [HashKey: Int] = [:]
    /// Counts committed in memory but not yet in the database.
    private var pending = IssueAggregates()
    /// The ids in `pending.eventIDs`, for the duplicate check.
    private var pendingEventKeys: Set<IssueAggregates.EventKey> = []
    /// Index rows of flushed aggregates, written a piece per commit.
    private var backlog = IndexBacklog()
    private var staged = Staged()
    /// Pending issues whose non-counter columns must be read again (a rollback may have undone a change).
    private var stale: Set<Int> = []
    /// (issue, user) pairs known to be in `issue_tags`.
    private var knownUsers: Set<IssueAggregates.TagKey> = []
    private var lastFlush = ContinuousClock.now
    private var flushRequested = false
    private let flushInterval: Duration
    private let flag = NSLock()
    private var unwritten = false
    private static let cacheLimit = 100_000

    init(flushInterval: Duration, pieceRows: Int) {
        self.flushInterval = flushInterval
        self.pieceRows = max(1, pieceRows)
    }

    /// Index rows written per commit while a backlog lasts (`IndexBacklog`).
    private let pieceRows: Int

    /// Whether committed events have counts not yet in the database (any thread).
    var hasUnwritten: Bool {
        flag.lock()
        defer { flag.unlock() }
        return unwritten
    }

    /// The transaction rolled back: drops what it changed and what was cached from it.
    func clear() {
        staged = Staged()
        issueByHash.removeAll()
        releaseIDs.removeAll()
        knownUsers.removeAll()
        // Issues with unwritten counters stay cached (the database lacks those counts); their other columns are
        // read again, since the rolled-back statements may have changed them.
        issues = issues.filter { pending.issueIDs.contains($0.key) }
        stale = Set(issues.keys)
    }

    /// The transaction committed: its changes become the cached state.
    func committed() {
        if let flushed = staged.flushed {
            pending = IssueAggregates()
            pendingEventKeys.removeAll(keepingCapacity: true)
            if knownUsers.count >= Self.cacheLimit { knownUsers.removeAll() }
            for key in flushed.tags.keys where key.key == Self.userTag { knownUsers.insert(key) }
        } else {
            pending.issueIDs.formUnion(staged.issueIDs)
            for tag in staged.tags { pending.add(tag.key, at: tag.time) }
            pending.events += staged.events
            pending.eventIDs += staged.eventIDs
            pending.traceEvents += staged.traceEvents
            for entry in staged.eventIDs { pendingEventKeys.insert(entry.key) }
        }
        if let written = staged.backlog { backlog = written }
        for (id, issue) in staged.issues { issues[id] = issue }
        if !staged.signals.isEmpty || !staged.transactions.isEmpty {
            alertSink?.receive(staged.signals, transactions: staged.transactions)
        }
        staged = Staged()
        if issues.count >= Self.cacheLimit { issues = issues.filter { pending.issueIDs.contains($0.key) } }
        flag.lock()
        unwritten = !pending.isEmpty || !backlog.isEmpty
        flag.unlock()
    }

    /// Makes the current batch write the aggregates (a reader wants them settled).
    func requestFlush() {
        flushRequested = true
    }

    // MARK: In a job

    /// Whether a committed event already has this id: its `event_ids` row is written or still pending.
    func isStored(_ key: IssueAggregates.EventKey, _ db: SQLiteDatabase) throws -> Bool {
        if pendingEventKeys.contains(key) || backlog.contains(key) { return true }
        return try db.first("SELECT 1 FROM event_ids WHERE project_id = ? AND event_id = ?",
                            [key.projectID, key.eventID.bytes]) { _ in true } ?? false
    }

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

    /// Records a new hash for an existing issue (a strategy switch's transition found the issue by the old hash).
    func linkHash(projectID: Int, input: IssueInput, to issueID: Int, at time: Double, _ db: SQLiteDatabase) throws {
        try db.run("""
            INSERT INTO grouphashes (project_id, hash, issue_id, strategy, variant, components, first_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """, [projectID, input.hash, issueID, input.strategy, input.variant, String(decoding: input.components, as: UTF8.self), time])
        if issueByHash.count >= Self.cacheLimit { issueByHash.removeAll() }
        issueByHash[HashKey(projectID: projectID, hash: input.hash)] = issueID
    }

    /// Creates the issue for a hash seen for the first time (counters start at zero: the flush counts the event).
    func createIssue(projectID: Int, input: IssueInput, at time: Double, _ db: SQLiteDatabase) throws -> Int {
        guard let number = try db.first("UPDATE projects SET issue_counter = issue_counter + 1 WHERE id = ? RETURNING issue_counter",
                                        [projectID], { $0.int(0) }) else {
            throw StoreError.missing("project \(projectID)")
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
        if let release = input.release { try countNewIssue(projectID: projectID, release: release, at: time, db) }
        return id
    }

    // MARK: Before COMMIT

    /// The batch's stored events, whose `event_ids` and `trace_events` rows are written with the next aggregate flush.
    func stage(_ events: [IssueAggregates.StoredEventID], traceEvents: [IssueAggregates.TraceEventRow] = [],
               transactions: [MetricSample] = []) {
        staged.eventIDs += events
        staged.traceEvents += traceEvents
        staged.transactions += transactions
    }

    /// Applies the batch's events to their issues, in commit order.
    func apply(_ events: [IssueEvent], _ db: SQLiteDatabase) throws {
        // Issues whose text or status changed; their counters wait for the aggregate flush like any other.
        var changed: Set<Int> = []
        for event in events {
            guard var issue = try state(event.issueID, db) else { continue }
            let input = event.input
            let release = input.release
            let statusBefore = (issue.status, issue.substatus)
            let isNewIssue = issue.timesSeen == 0
            let newUser = try input.userKey.map {
                try isNewUser(IssueAggregates.TagKey(issueID: issue.id, key: Self.userTag, value: $0), db)
            } ?? false
            let outcome = try IssueLifecycle.receive(
                issue, .init(release: release, timestamp: event.timestamp, receivedAt: event.receivedAt, isNewUser: newUser),
                order: StoredReleaseOrder(writer: self, projectID: event.projectID, db: db), recent: StoredSightings(db: db))
            issue = outcome.issue
            for activity in outcome.activities {
                try IssueRows.addActivity(db, issueID: issue.id, type: activity.type, data: activity.dataJSON, at: event.receivedAt)
            }
            if let release {
                try noteRelease(projectID: event.projectID, version: release, at: event.receivedAt, db)
                if let first = outcome.firstRelease {
                    try countNewIssue(projectID: event.projectID, release: first, at: event.receivedAt, db)
                }
            }
            let d = input.descriptor
            if issue.title != d.title || issue.culprit != d.culprit || issue.exceptionType != d.exceptionType
                || issue.exceptionValue != d.exceptionValue || issue.filename != d.filename || issue.function != d.function {
                issue.title = d.title
                issue.culprit = d.culprit
                issue.exceptionType = d.exceptionType
                issue.exceptionValue = d.exceptionValue
                issue.filename = d.filename
                issue.function = d.function
                changed.insert(issue.id)
            }
            issue.level = d.level
            // Written at once, not counted: a crash's recovery recounts only the counters.
            if d.isUnhandled && !issue.isUnhandled {
                issue.isUnhandled = true
                changed.insert(issue.id)
            }
            if statusBefore != (issue.status, issue.substatus) { changed.insert(issue.id) }
            if let alertSink, alertSink.wants(projectID: event.projectID) {
                staged.signals.append(AlertSignal(projectID: event.projectID, eventID: event.eventID, timestamp: event.timestamp,
                                                  issue: issue, isNewIssue: isNewIssue,
                                                  regressed: outcome.regressed,
                                                  reappeared: outcome.reappeared,
                                                  userKey: input.userKey, environment: event.environment, input: input))
            }
            for tag in input.tags {
                staged.tags.append((IssueAggregates.TagKey(issueID: issue.id, key: tag.key, value: tag.value),
                                    event.timestamp))
            }
            staged.events.append(.init(issueID: issue.id, timestamp: event.timestamp, row: event.eventRow))
            staged.issueIDs.insert(issue.id)
            staged.issues[issue.id] = issue
        }
        for id in changed {
            if let issue = staged.issues[id] { try IssueRows.saveState(db, issue) }
        }
    }

    /// Writes the aggregates when they are due (every `flushInterval`) or a reader asked, and a piece of the index
    /// rows of earlier flushes; last before COMMIT.
    func flushIfDue(_ db: SQLiteDatabase) throws {
        var backlog = staged.backlog ?? self.backlog
        defer { staged.backlog = backlog }
        guard flushRequested || ContinuousClock.now - lastFlush >= flushInterval else {
            if !backlog.isEmpty { try backlog.write(db, limit: pieceRows) }
            return
        }
        var all = pending
        all.issueIDs.formUnion(staged.issueIDs)
        for tag in staged.tags { all.add(tag.key, at: tag.time) }
        all.events += staged.events
        all.eventIDs += staged.eventIDs
        all.traceEvents += staged.traceEvents
        guard !all.isEmpty else {
            if flushRequested { try backlog.write(db, limit: .max) }
            flushRequested = false
            return
        }
        for id in all.issueIDs {
            if let issue = staged.issues[id] ?? issues[id] { try IssueRows.saveCounters(db, issue) }
        }
        _ = try all.writeTags(db)
        try all.writeReleaseCounts(db) { [staged, issues] id in (staged.issues[id] ?? issues[id])?.projectID }
        try all.writeHours(db)
        let through = try IssueAggregates.writeCountsWatermark(db)
        try backlog.add(events: all.events, eventIDs: all.eventIDs, traceEvents: all.traceEvents, through: through, db)
        try backlog.write(db, limit: flushRequested ? .max : pieceRows)
        staged.flushed = all
        flushRequested = false
        lastFlush = ContinuousClock.now
    }

    /// Writes everything held in memory now, in this transaction (a deletion needs every count and index row in
    /// the database before it removes them, and no event left above the watermark it rewrites).
    func flushNow(_ db: SQLiteDatabase) throws {
        flushRequested = true
        try flushIfDue(db)
    }

    /// Deleted issues: nothing cached may bring them back or count into their ids.
    func forget(issueIDs: Set<Int>) {
        for id in issueIDs {
            issues[id] = nil
            staged.issues[id] = nil
            stale.remove(id)
        }
        issueByHash = issueByHash.filter { !issueIDs.contains($0.value) }
        knownUsers = knownUsers.filter { !issueIDs.contains($0.issueID) }
        if var flushed = staged.flushed {
            flushed.tags = flushed.tags.filter { !issueIDs.contains($0.key.issueID) }
            staged.flushed = flushed
        }
    }

    /// The tag whose distinct values are an issue's users (Sentry's `sentry:user`, shown as `user`).
    static let userTag = "user"

    private func isNewUser(_ key: IssueAggregates.TagKey, _ db: SQLiteDatabase) throws -> Bool {
        if staged.users.contains(key) || pending.tags[key] != nil || knownUsers.contains(key) { return false }
        let known = try db.first("SELECT 1 FROM issue_tags WHERE issue_id = ? AND key = ? AND value = ?",
                                 [key.issueID, key.key, key.value]) { _ in true } ?? false
        if known {
            if knownUsers.count >= Self.cacheLimit { knownUsers.removeAll() }
            knownUsers.insert(key)
        } else {
            staged.users.insert(key)
        }
        return !known
    }

    private func state(_ id: Int, _ db: SQLiteDatabase) throws -> Issue? {
        if let issue = staged.issues[id] { return issue }
        if var issue = issues[id] {
            if stale.remove(id) != nil, let stored = try IssueRows.load(db, id: id) {
                issue = stored.withCounters(of: issue)
                issues[id] = issue
            }
            return issue
        }
        guard let issue = try IssueRows.load(db, id: id) else { return nil }
        if issues.count >= Self.cacheLimit { issues = issues.filter { pending.issueIDs.contains($0.key) } }
        // Rows read inside the transaction may vanish if it rolls back; `clear()` runs then.
        issues[id] = issue
        return issue
    }

    // MARK: Releases

    fileprivate func releaseID(projectID: Int, version: String, _ db: SQLiteDatabase) throws -> Int? {
        let key = HashKey(projectID: projectID, hash: version)
        if let id = releaseIDs[key] { return id }
        let id = try db.first("SELECT id FROM releases WHERE project_id = ? AND version = ?", [projectID, version]) { $0.int(0) }
        if let id { releaseIDs[key] = id }
        return id
    }

    /// Records a release the first time an event names it (its order of appearance is its age), in its project and
    /// in the organization's release list.
    func noteRelease(projectID: Int, version: String, at time: Double, _ db: SQLiteDatabase) throws {
        if try releaseID(projectID: projectID, version: version, db) != nil { return }
        try db.run("INSERT OR IGNORE INTO releases (project_id, version, first_seen) VALUES (?, ?, ?)", [projectID, version, time])
        releaseIDs[HashKey(projectID: projectID, hash: version)] = Int(db.lastInsertRowID)
        try db.run("""
            INSERT OR IGNORE INTO org_releases (organization_id, version, date_created)
            SELECT organization_id, ?, ? FROM projects WHERE id = ?
            """, [version, time, projectID])
    }

    /// An issue's first release is this one (Sentry's `newGroups`); written at once, as new issues are.
    private func countNewIssue(projectID: Int, release: String, at time: Double, _ db: SQLiteDatabase) throws {
        try noteRelease(projectID: projectID, version: release, at: time, db)
        try db.run("UPDATE releases SET new_issues = new_issues + 1 WHERE project_id = ? AND version = ?", [projectID, release])
    }

    /// Release rows were deleted (the API): ids cached from them must not be trusted.
    func forgetReleases() {
        releaseIDs.removeAll()
    }

    /// The newest release of a project (by first appearance), if any.
    func latestRelease(projectID: Int, _ db: SQLiteDatabase) throws -> String? {
        try db.first("SELECT version FROM releases WHERE project_id = ? ORDER BY id DESC LIMIT 1", [projectID]) { $0.string(0) } ?? nil
    }

    // MARK: Status changes (API)

    /// Issues ignored until a time that has come reopen (escalating), with their activity.
    func expireIgnores(at now: Double, _ db: SQLiteDatabase) throws -> Int {
        let ids = try db.rows("""
            SELECT id FROM issues WHERE status = 'ignored' AND json_extract(status_details, '$.ignoreUntil') <= ?
            """, [now]) { $0.int(0) }
        var reopened = 0
        for id in ids {
            guard let issue = try state(id, db), let outcome = IssueLifecycle.expire(issue, at: now) else { continue }
            try IssueRows.saveState(db, outcome.issue)
            for activity in outcome.activities {
                try IssueRows.addActivity(db, issueID: id, type: activity.type, data: activity.dataJSON, at: now)
            }
            staged.issues[id] = outcome.issue
            reopened += 1
        }
        return reopened
    }

    func change(issueID: Int, to change: IssueStatusChange, at now: Double, _ db: SQLiteDatabase) throws -> Issue? {
        guard let current = try state(issueID, db) else { return nil }
        let latest = change.status == .resolved && change.inNextRelease && change.inRelease == nil
            ? try latestRelease(projectID: current.projectID, db) : nil
        if change.status == .resolved, let release = change.inRelease {
            try noteRelease(projectID: current.projectID, version: release, at: now, db)
        }
        let (issue, activity) = IssueLifecycle.change(current, to: change, at: now, latestRelease: latest)
        try IssueRows.saveState(db, issue)
        try IssueRows.addActivity(db, issueID: issue.id, type: activity.type, data: activity.dataJSON, actor: activity.actor, at: now)
        staged.issues[issue.id] = issue
        return issue
    }
}

/// Recent events and users of an issue, from the events table (`events_issue` index); the batch's own events were
/// inserted before issues are updated, so they count.
private struct StoredSightings: RecentSightings {
    let db: SQLiteDatabase

    func events(issueID: Int, since: Double) throws -> Int {
        try db.first("SELECT count(*) FROM events WHERE issue_id = ? AND timestamp >= ?", [issueID, since]) { $0.int(0) } ?? 0
    }

    func users(issueID: Int, since: Double) throws -> Int {
        try db.first("SELECT count(DISTINCT user_key) FROM events WHERE issue_id = ? AND timestamp >= ?", [issueID, since]) {
            $0.int(0)
        } ?? 0
    }
}

/// Release order from the writer's release table: versions compare as versions, anything else by first appearance
/// (the row id), and a release never seen is newer than every known one.
private struct StoredReleaseOrder: ReleaseOrdering {
    let writer: IssueWriter
    let projectID: Int
    let db: SQLiteDatabase

    func isRelease(_ release: String, newerThan other: String) throws -> Bool {
        if release == other { return false }
        if let order = ReleaseOrder.compareVersions(release, other) { return order > 0 }
        guard let mine = try writer.releaseID(projectID: projectID, version: release, db) else { return true }
        guard let theirs = try writer.releaseID(projectID: projectID, version: other, db) else { return false }
        return mine > theirs
    }
}

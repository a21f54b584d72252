import Glibc
import ContentCoding
import Foundation
import SentryProtocol
import SQLite

/// The embedded store: one SQLite file in WAL mode, one writer thread with group commit, a pool of
/// readers, and a checkpointer so the writer does not stall on checkpoint I/O.
public final class SQLiteStore: FaultlineStore, @unchecked Sendable {
    // Invariant: every field is immutable after init; connections are confined to WriteQueue's thread,
    // the reader pool, or the checkpointer's queue.
    public let path: String
    let writer: WriteQueue
    let readers: ReaderPool
    let issueWriter: IssueWriter
    private let checkpointer: Checkpointer?
    let textCandidateLimit: Int
    /// Issues per project, for the count estimate past `X-Max-Hits` (a few seconds stale is fine for an estimate).
    let issueTotals = ExpiringCache<Int, Int>(ttl: 10)
    /// Events whose issue counts were written at this start, not before the last stop (a crash).
    public let recountedEvents: Int

    public struct Options: Sendable {
        public var readers = 4
        /// Run WAL checkpoints on a background connection rather than inside the writer's commits.
        public var backgroundCheckpoints = true
        public var synchronousFull = false
        /// Go on removing the rows of projects deleted before this start.
        public var resumeDeletions = true
        /// Free-text matches up to which an issue list reads its candidates by id (see `IssueFilterSQL`).
        public var textCandidateLimit = IssueFilterSQL.candidateLimit
        /// How often issue counts are written (`IssueWriter`). Every 250 ms, the fixed part of a flush (the touched
        /// issues' counters and tag counts) came so often that at 32 connections it reached the p99 (12–14 ms
        /// against 8 at 500 ms); the part that grows with the events, the index rows, is written after in pieces.
        var flushInterval = Duration.milliseconds(500)
        /// Index rows written per commit while a flush's backlog lasts (`IndexBacklog`): a piece costs well under a
        /// millisecond, and at a commit every millisecond or two the rows of half a second (two or so per event)
        /// are written in a fraction of the interval.
        var indexPieceRows = 256

        public init() {}
    }

    /// Outcome rows whose impossible quantities were clamped when this store opened (logged by the server).
    public let repairedValues: Int

    /// Opens (creating if needed) `directory/faultline.sqlite`, applies migrations and repairs impossible values.
    public init(directory: String, options: Options = Options()) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        textCandidateLimit = max(1, options.textCandidateLimit)
        path = (directory as NSString).appendingPathComponent("faultline.sqlite")
        var writeOptions = SQLiteDatabase.OpenOptions()
        writeOptions.synchronousFull = options.synchronousFull
        // With a background checkpointer the writer's own checkpoints are only a backstop for a WAL that
        // outgrows it (about 80 MB).
        writeOptions.walAutoCheckpointPages = options.backgroundCheckpoints ? 20_000 : 1000
        // The checkpointer's RESTART holds the write lock for a few milliseconds: wait for it at that grain.
        writeOptions.busyPollMicroseconds = 100
        let db = try SQLiteDatabase(path: path, options: writeOptions)
        try Schema.migrator.migrate(db)
        repairedValues = try StoredValueRepair.repair(db)
        let issueWriter = IssueWriter(flushInterval: options.flushInterval, pieceRows: options.indexPieceRows)
        self.issueWriter = issueWriter
        writer = WriteQueue(db: db, flush: { db, tally in try Self.flush(db, tally, issueWriter) },
                            committed: { issueWriter.committed() }, rolledBack: { issueWriter.clear() })
        recountedEvents = try writer.sync { db in try IssueAggregates.recover(db) }
        readers = try ReaderPool(path: path, size: options.readers)
        checkpointer = options.backgroundCheckpoints ? try Checkpointer(path: path) : nil
        // A project deleted before the last stop may still have rows to remove (a server's job, not a command's).
        if options.resumeDeletions, try readers.read({ try $0.scalarInt("SELECT count(*) FROM project_deletions") }) ?? 0 > 0 {
            resumeProjectDeletions()
        }
    }

    /// Where committed events of projects with alert rules go (the alert engine), from now on.
    public func setAlertSink(_ sink: any AlertSink) throws {
        try writer.sync { [issueWriter] _ in issueWriter.alertSink = sink }
    }

    /// Writes issue counts still held in memory, so a read that follows sees every committed event counted.
    func settleIssues() throws {
        guard issueWriter.hasUnwritten else { return }
        try writer.sync { [issueWriter] _ in issueWriter.requestFlush() }
    }

    public var batchSizeHistogram: Histogram { writer.batchSizes }
    public var commitSecondsHistogram: Histogram { writer.commitSeconds }
    public var writeQueueDepth: Int { writer.depth }


    public func isHealthy() -> Bool {
        (try? readers.read { try $0.scalarInt("SELECT 1") }) == 1
    }

    public func close() {
        // Counts still in memory are written now; were the process killed instead, the next start counts them.
        try? settleIssues()
        writer.stop()
        checkpointer?.stop()
    }

    // MARK: Ingest

    public func expectCommit() {
        writer.expect()
    }

    public func cancelExpectedCommit() {
        writer.withdraw()
    }

    public func commit(_ batch: IngestBatch, completion: @escaping @Sendable (Result<IngestReceipt, any Error>) -> Void) {
        nonisolated(unsafe) var receipt = IngestReceipt(duplicates: [], outcomes: [])
        writer.submit({ [issueWriter] db, tally in receipt = try Self.write(batch, db, &tally, issueWriter) },
                      expected: true) { error in
            completion(error.map { .failure($0) } ?? .success(receipt))
        }
    }

    public func record(_ outcomes: [Outcome]) {
        guard !outcomes.isEmpty else { return }
        writer.submit({ _, tally in outcomes.forEach { tally.add($0) } }, completion: nil)
    }

    static func notesJSON(_ notes: [String]) -> String? {
        guard !notes.isEmpty else { return nil }
        return String(decoding: JSONValue.array(notes.map { .string($0) }).serialized, as: UTF8.self)
    }

    /// One more sighting of a performance problem whose issue is not open yet; returns the count so far.
    private static func countSighting(projectID: Int, hash: String, _ db: SQLiteDatabase) throws -> Int {
        try db.first("""
            INSERT INTO performance_sightings (project_id, grouping_hash, seen) VALUES (?, ?, 1)
            ON CONFLICT (project_id, grouping_hash) DO UPDATE SET seen = seen + 1
            RETURNING seen
            """, [projectID, hash]) { $0.int(0) } ?? 1
    }

    private static func write(_ batch: IngestBatch, _ db: SQLiteDatabase, _ tally: inout BatchTally, _ issueWriter: IssueWriter) throws -> IngestReceipt {
        var duplicates: [EventID] = []
        var skipped = 0
        if let payload = batch.payload, !(batch.events.isEmpty && batch.items.isEmpty) {
            let rowCount = batch.events.count + batch.items.count
            try db.run("INSERT INTO payloads (encoding, format, bytes, row_count) VALUES (?, ?, ?, ?)",
                       [payload.encoding, payload.format, payload.bytes, rowCount])
            let payloadID = db.lastInsertRowID
            for event in batch.events {
                let key = IssueAggregates.EventKey(projectID: batch.projectID, eventID: event.eventID)
                let isResend = try tally.storedEventKeys.contains(key) || issueWriter.isStored(key, db)
                if isResend {
                    skipped += 1
                    // A performance occurrence comes back with its transaction: only the transaction counts as resent.
                    if !event.isOccurrence { duplicates.append(event.eventID) }
                    continue
                }
                var existing = try event.issue.map { try issueWriter.existingIssue(projectID: batch.projectID, hash: $0.hash, db) } ?? nil
                if existing == nil, let input = event.issue, let old = input.secondaryHash,
                   let found = try issueWriter.existingIssue(projectID: batch.projectID, hash: old, db) {
                    // A strategy switch's transition: the old strategy's hash names a known issue; the new hash joins it.
                    try issueWriter.linkHash(projectID: batch.projectID, input: input, to: found, at: event.timestamp, db)
                    existing = found
                }
                if existing == nil, event.sightingsBeforeIssue > 1, let hash = event.issue?.hash,
                   try Self.countSighting(projectID: batch.projectID, hash: hash, db) < event.sightingsBeforeIssue {
                    skipped += 1
                    continue
                }
                try db.run("""
                    INSERT INTO events (project_id, event_id, type, received_at, timestamp, level, platform,
                                                  release, environment, payload_id, item_index, issue_id, grouping_hash,
                                                  user_key, notes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [batch.projectID, event.eventID.bytes, event.type, batch.receivedAt, event.timestamp,
                          event.level, event.platform, event.release, event.environment, payloadID, event.itemIndex,
                          existing, event.issue?.hash, event.issue?.userKey, Self.notesJSON(event.notes)])
                let eventRow = Int(db.lastInsertRowID)
                tally.storedEvents.append(.init(key: key, row: eventRow))
                tally.storedEventKeys.insert(key)
                if let link = event.traceLink {
                    tally.traceEvents.append(.init(traceID: link.traceID, row: eventRow, spanID: link.spanID))
                }
                if let trace = event.trace {
                    let block = try TraceRows.insertBlock(trace.block, count: trace.spans.count, projectID: batch.projectID,
                                                          traceID: trace.transactions.first?.traceID, db)
                    for t in trace.transactions {
                        try TraceRows.insert(t, projectID: batch.projectID, eventRow: eventRow, spanBlock: block,
                                             environment: event.environment, release: event.release,
                                             userKey: event.transaction?.userKey, db)
                    }
                }
                if let t = event.transaction, let sink = issueWriter.alertSink, sink.wantsTransactions(projectID: batch.projectID) {
                    tally.transactions.append(MetricSample(kind: .transaction, projectID: batch.projectID,
                                                           environment: event.environment, release: event.release,
                                                           level: event.level, platform: event.platform, transaction: t.name,
                                                           op: t.op, status: t.status, durationMS: t.durationMS,
                                                           userKey: t.userKey, tags: t.tags))
                }
                guard let input = event.issue else { continue }
                var issueID = existing
                if issueID == nil {
                    let created = try issueWriter.createIssue(projectID: batch.projectID, input: input, at: event.timestamp, db)
                    try db.run("UPDATE events SET issue_id = ? WHERE id = ?", [created, eventRow])
                    issueID = created
                }
                if let issueID {
                    tally.issueEvents.append(IssueEvent(issueID: issueID, eventRow: eventRow, eventID: event.eventID,
                                                        environment: event.environment, projectID: batch.projectID, timestamp: event.timestamp,
                                                        receivedAt: batch.receivedAt, input: input))
                }
            }
            // A streamed container holds one trace's spans (the SDK batches per trace).
            let streamedBlock = try TraceRows.insertBlock(batch.streamed.block, count: batch.streamed.spans.count,
                                                          projectID: batch.projectID, traceID: batch.streamed.traceID, db)
            for t in batch.streamed.transactions {
                try TraceRows.insert(t, projectID: batch.projectID, eventRow: nil, spanBlock: streamedBlock, environment: nil,
                                     release: nil, userKey: nil, db)
            }
            if let streamedBlock, let traceID = batch.streamed.traceID, batch.streamed.hasSpansOfOtherSegments {
                try TraceRows.linkBlock(streamedBlock, traceID: traceID, projectID: batch.projectID, db)
            }
            let duplicateSet = Set(duplicates)
            let items = batch.items.filter { $0.eventID.map { !duplicateSet.contains($0) } ?? true }
            for item in items {
                try db.run("""
                    INSERT INTO envelope_items (project_id, type, event_id, received_at, quantity, payload_id, item_index)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, [batch.projectID, item.type, item.eventID?.bytes, batch.receivedAt, item.quantity,
                          payloadID, item.itemIndex])
            }
            let stored = batch.events.count - skipped + items.count
            if stored == 0 {
                // A pure resend: nothing points at the body, so do not keep it twice.
                try db.run("DELETE FROM payloads WHERE id = ?", [payloadID])
            } else if stored != rowCount {
                try db.run("UPDATE payloads SET row_count = ? WHERE id = ?", [stored, payloadID])
            }
        }
        var outcomes = batch.outcomes
        if !duplicates.isEmpty {
            // A resent event is answered 200 but stored once; count it as Relay counts duplicates.
            outcomes = outcomes.map { outcome in
                var o = outcome
                if o.outcome == "accepted" && (o.category == "error" || o.category == "transaction") {
                    o.quantity -= duplicates.count
                }
                return o
            }.filter { $0.quantity > 0 }
            outcomes.append(Outcome(projectID: batch.projectID, timestamp: batch.receivedAt, category: "error",
                                    outcome: "filtered", reason: "duplicate", quantity: duplicates.count))
        }
        outcomes.forEach { tally.add($0) }
        return IngestReceipt(duplicates: duplicates, outcomes: outcomes)
    }

    private static func flush(_ db: SQLiteDatabase, _ tally: BatchTally, _ issueWriter: IssueWriter) throws {
        issueWriter.stage(tally.storedEvents, traceEvents: tally.traceEvents, transactions: tally.transactions)
        try issueWriter.apply(tally.issueEvents, db)
        try issueWriter.flushIfDue(db)
        for (k, quantity) in tally.outcomes.counts {
            try db.run("""
                INSERT INTO outcomes (project_id, hour, category, outcome, reason, quantity) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (project_id, hour, category, outcome, reason) DO UPDATE SET \(StoredValueRepair.addQuantity)
                """, [k.projectID, k.hour, k.category, k.outcome, k.reason, min(max(quantity, 0), StoredValueRepair.maxQuantity)])
        }
    }

    // MARK: Events

    public func event(projectID: Int, eventID: EventID) throws -> StoredEvent? {
        // Ids of the last second's events may still be in memory (`event_ids` is written with the aggregates).
        try settleIssues()
        return try readers.read { db in
            try db.first(Self.eventSelect + " JOIN event_ids x ON x.event_row = e.id WHERE x.project_id = ? AND x.event_id = ?",
                         [projectID, eventID.bytes], Self.eventRow)
        }.map(Self.storedEvent)
    }

    public func projectEvents(projectID: Int, limit: Int, beforeRowID: Int?) throws -> [StoredEvent] {
        try settleIssues()
        // Newest first by row id (rows grow with time): the scan walks back from the newest row and stops after
        // `limit` matches, with no index on `events` for ingest to keep up to date.
        var sql = Self.eventSelect + " WHERE e.project_id = ? AND e.type != 'transaction'"
        var values: [any SQLiteBindable] = [projectID]
        if let beforeRowID {
            sql += " AND e.id < ?"
            values.append(beforeRowID)
        }
        sql += " ORDER BY e.id DESC LIMIT ?"
        values.append(limit)
        let rows = try readers.read { db in try db.rows(sql, values, Self.eventRow) }
        return try rows.map(Self.storedEvent)
    }

    public func outcomes(projectIDs: [Int], since: Double, until: Double) throws -> [Outcome] {
        guard !projectIDs.isEmpty else { return [] }
        let marks = projectIDs.map { _ in "?" }.joined(separator: ", ")
        return try readers.read { db in
            try db.rows("""
                SELECT project_id, hour, category, outcome, reason, quantity FROM outcomes
                WHERE project_id IN (\(marks)) AND hour >= ? AND hour < ? ORDER BY hour
                """, projectIDs.map { $0 as any SQLiteBindable } + [Int((since / 3600).rounded(.down)) * 3600, until]) { r in
                Outcome(projectID: r.int(0), timestamp: r.double(1), category: r.string(2) ?? "", outcome: r.string(3) ?? "",
                        reason: r.string(4) ?? "", quantity: r.int(5))
            }
        }
    }

    static let eventSelect = """
        SELECT e.id, e.project_id, e.event_id, e.type, e.received_at, e.timestamp, e.level, e.platform, e.item_index,
               e.issue_id, e.grouping_hash, e.notes, p.encoding, p.format, p.bytes
        FROM events e JOIN payloads p ON p.id = e.payload_id
        """

    struct EventRowData {
        var event: StoredEvent
        var itemIndex: Int
        var encoding: String
        var format: String
        var bytes: [UInt8]
    }

    static func eventRow(_ r: SQLiteRow) -> EventRowData {
        let id = EventID(bytes: r.blob(2) ?? []) ?? EventID.random()
        let event = StoredEvent(rowID: r.int(0), projectID: r.int(1), eventID: id, type: r.string(3) ?? "event",
                                receivedAt: r.double(4), timestamp: r.double(5), level: r.string(6), platform: r.string(7),
                                json: [], issueID: r.isNull(9) ? nil : r.int(9), groupingHash: r.string(10), notes: r.string(11))
        return EventRowData(event: event, itemIndex: r.int(8), encoding: r.string(12) ?? "identity",
                            format: r.string(13) ?? "json", bytes: r.blob(14) ?? [])
    }

    /// Decodes the event's item out of its stored payload (off the reader connection).
    static func storedEvent(_ row: EventRowData) throws -> StoredEvent {
        var event = row.event
        event.json = try PayloadReader.item(bytes: row.bytes, encoding: row.encoding, format: row.format, index: row.itemIndex)
        return event
    }

    public func eventCount() throws -> Int {
        try readers.read { try $0.scalarInt("SELECT count(*) FROM events") } ?? 0
    }

    /// The events in a data directory, read without opening a store: no migrations run, so the benchmark can
    /// count what a running server of another schema version (an older build) wrote.
    public static func eventCount(directory: String) throws -> Int {
        var options = SQLiteDatabase.OpenOptions()
        options.readOnly = true
        let db = try SQLiteDatabase(path: (directory as NSString).appendingPathComponent("faultline.sqlite"), options: options)
        return try db.scalarInt("SELECT count(*) FROM events") ?? 0
    }
}

/// Reads an item back out of a stored payload.
enum PayloadReader {
    static func item(bytes: [UInt8], encoding: String, format: String, index: Int) throws -> [UInt8] {
        let decoded = try ContentDecoder.decode(bytes, encoding: ContentEncoding(token: encoding[...]),
                                                limit: IngestLimits.maxEnvelopeBytes)
        guard format == "envelope" else { return decoded }
        let envelope = try EnvelopeParser.parse(decoded)
        guard index < envelope.items.count else { throw StoreError.inconsistent("stored item \(index) is missing") }
        return Array(envelope.payload(of: envelope.items[index]))
    }
}

/// Runs PASSIVE checkpoints every 100 ms on its own connection, so the WAL is copied back into the
/// database file off the writer's thread (perf-notes: inline checkpoints stall commits 5–15 ms).
///
/// A PASSIVE checkpoint never makes the WAL start over: SQLite restarts it from its beginning only when a write
/// begins with every frame copied, which under steady load (a commit every millisecond or two) almost never
/// happens. The WAL then grew to the writer's backstop (20,000 pages) and the writer checkpointed itself,
/// with two `fdatasync`s in one commit: 30–90 ms that every request waiting on it saw, every second or two, at
/// 3,000 events/s. So once the WAL passes `restartPages`, a PASSIVE pass is followed by a RESTART one, which
/// waits for the running commit, copies the few pages committed since and lets the next write start the WAL
/// over; what it holds the writer for is that small copy, not the whole WAL's.
final class Checkpointer: @unchecked Sendable {
    // Invariant: `db` is used only on `queue`.
    private let db: SQLiteDatabase
    private let queue = DispatchQueue(label: "faultline.checkpointer")
    private let timer: any DispatchSourceTimer
    private let restartPages: Int

    init(path: String, restartPages: Int = 10_000) throws {
        var options = SQLiteDatabase.OpenOptions()
        options.journalModeWAL = false
        // A RESTART checkpoint waits this long for the writer's running commit and then for readers still on old
        // frames; past it, the checkpoint is done without the restart, and the next pass tries again.
        options.busyTimeoutMilliseconds = 20
        options.busyPollMicroseconds = 100
        db = try SQLiteDatabase(path: path, options: options)
        self.restartPages = restartPages
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler { [db, restartPages] in
            guard let (log, _) = try? db.checkpoint(.passive), log >= restartPages else { return }
            _ = try? db.checkpoint(.restart)
        }
        timer.resume()
    }

    func stop() {
        timer.cancel()
        queue.sync { _ = try? db.checkpoint(.truncate) }
    }
}

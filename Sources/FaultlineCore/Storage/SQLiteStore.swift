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
    private let checkpointer: Checkpointer?

    public struct Options: Sendable {
        public var readers = 4
        /// Run WAL checkpoints on a background connection rather than inside the writer's commits.
        public var backgroundCheckpoints = true
        public var synchronousFull = false

        public init() {}
    }

    /// Opens (creating if needed) `directory/faultline.sqlite` and applies migrations.
    public init(directory: String, options: Options = Options()) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = (directory as NSString).appendingPathComponent("faultline.sqlite")
        var writeOptions = SQLiteDatabase.OpenOptions()
        writeOptions.synchronousFull = options.synchronousFull
        // With a background checkpointer the writer's own checkpoints are only a backstop for a WAL that
        // outgrows it (about 80 MB).
        writeOptions.walAutoCheckpointPages = options.backgroundCheckpoints ? 20_000 : 1000
        let db = try SQLiteDatabase(path: path, options: writeOptions)
        try Schema.migrator.migrate(db)
        writer = WriteQueue(db: db, flushOutcomes: Self.write)
        readers = try ReaderPool(path: path, size: options.readers)
        checkpointer = options.backgroundCheckpoints ? try Checkpointer(path: path) : nil
    }

    public var batchSizeHistogram: Histogram { writer.batchSizes }
    public var commitSecondsHistogram: Histogram { writer.commitSeconds }
    public var writeQueueDepth: Int { writer.depth }


    public func isHealthy() -> Bool {
        (try? readers.read { try $0.scalarInt("SELECT 1") }) == 1
    }

    public func close() {
        writer.stop()
        checkpointer?.stop()
    }

    // MARK: Ingest

    public func commit(_ batch: IngestBatch, completion: @escaping @Sendable (Result<IngestReceipt, any Error>) -> Void) {
        nonisolated(unsafe) var receipt = IngestReceipt(duplicates: [], outcomes: [])
        writer.submit({ db, tally in receipt = try Self.write(batch, db, &tally) }) { error in
            completion(error.map { .failure($0) } ?? .success(receipt))
        }
    }

    public func record(_ outcomes: [Outcome]) {
        guard !outcomes.isEmpty else { return }
        writer.submit({ _, tally in outcomes.forEach { tally.add($0) } }, completion: nil)
    }

    private static func write(_ batch: IngestBatch, _ db: SQLiteDatabase, _ tally: inout OutcomeTally) throws -> IngestReceipt {
        var duplicates: [EventID] = []
        if let payload = batch.payload, !(batch.events.isEmpty && batch.items.isEmpty) {
            try db.run("INSERT INTO payloads (encoding, format, bytes) VALUES (?, ?, ?)",
                       [payload.encoding, payload.format, payload.bytes])
            let payloadID = db.lastInsertRowID
            for event in batch.events {
                // The unique index does the duplicate check; no separate lookup on the hot path.
                try db.run("""
                    INSERT OR IGNORE INTO events (project_id, event_id, type, received_at, timestamp, level, platform,
                                                  release, environment, payload_id, item_index)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [batch.projectID, event.eventID.bytes, event.type, batch.receivedAt, event.timestamp,
                          event.level, event.platform, event.release, event.environment, payloadID, event.itemIndex])
                if db.changes == 0 { duplicates.append(event.eventID) }
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
            if duplicates.count == batch.events.count && items.isEmpty {
                // A pure resend: nothing points at the body, so do not keep it twice.
                try db.run("DELETE FROM payloads WHERE id = ?", [payloadID])
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

    private static func write(_ db: SQLiteDatabase, _ tally: OutcomeTally) throws {
        for (k, quantity) in tally.counts {
            try db.run("""
                INSERT INTO outcomes (project_id, hour, category, outcome, reason, quantity) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (project_id, hour, category, outcome, reason) DO UPDATE SET quantity = quantity + excluded.quantity
                """, [k.projectID, k.hour, k.category, k.outcome, k.reason, quantity])
        }
    }

    // MARK: Events

    public func event(projectID: Int, eventID: EventID) throws -> StoredEvent? {
        let row = try readers.read { db in
            try db.first("""
                SELECT e.id, e.type, e.received_at, e.timestamp, e.level, e.platform, e.item_index,
                       p.encoding, p.format, p.bytes
                FROM events e JOIN payloads p ON p.id = e.payload_id
                WHERE e.project_id = ? AND e.event_id = ?
                """, [projectID, eventID.bytes]) { r in
                (rowID: r.int(0), type: r.string(1) ?? "event", receivedAt: r.double(2), timestamp: r.double(3),
                 level: r.string(4), platform: r.string(5), itemIndex: r.int(6),
                 encoding: r.string(7) ?? "identity", format: r.string(8) ?? "json", bytes: r.blob(9) ?? [])
            }
        }
        guard let row else { return nil }
        let json = try PayloadReader.item(bytes: row.bytes, encoding: row.encoding, format: row.format, index: row.itemIndex)
        return StoredEvent(rowID: row.rowID, projectID: projectID, eventID: eventID, type: row.type,
                           receivedAt: row.receivedAt, timestamp: row.timestamp, level: row.level,
                           platform: row.platform, json: json)
    }

    public func eventCount() throws -> Int {
        try readers.read { try $0.scalarInt("SELECT count(*) FROM events") } ?? 0
    }
}

/// Reads an item back out of a stored payload.
enum PayloadReader {
    static func item(bytes: [UInt8], encoding: String, format: String, index: Int) throws -> [UInt8] {
        let decoded = try ContentDecoder.decode(bytes, encoding: ContentEncoding(token: encoding[...]),
                                                limit: IngestLimits.maxEnvelopeBytes)
        guard format == "envelope" else { return decoded }
        let envelope = try EnvelopeParser.parse(decoded)
        guard index < envelope.items.count else { throw SQLiteError(message: "stored item \(index) is missing") }
        return Array(envelope.payload(of: envelope.items[index]))
    }
}

/// Runs PASSIVE checkpoints every 100 ms on its own connection, so the WAL is copied back into the
/// database file off the writer's thread (perf-notes: inline checkpoints stall commits 5–15 ms).
final class Checkpointer: @unchecked Sendable {
    // Invariant: `db` is used only on `queue`.
    private let db: SQLiteDatabase
    private let queue = DispatchQueue(label: "faultline.checkpointer")
    private let timer: any DispatchSourceTimer

    init(path: String) throws {
        var options = SQLiteDatabase.OpenOptions()
        options.journalModeWAL = false
        db = try SQLiteDatabase(path: path, options: options)
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler { [db] in _ = try? db.checkpoint(.passive) }
        timer.resume()
    }

    func stop() {
        timer.cancel()
        queue.sync { _ = try? db.checkpoint(.truncate) }
    }
}

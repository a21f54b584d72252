import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// One SQLite connection. Not thread-safe: each connection is used by one thread or serial queue at a
/// time (SQLITE_OPEN_NOMUTEX, as GRDB does, because the owner serializes access).
public final class SQLiteDatabase {
    let handle: OpaquePointer
    public let path: String
    private var statements: [String: SQLiteStatement] = [:]
    private var recent: [(sql: String, statement: SQLiteStatement?)] = Array(repeating: ("", nil), count: 8)
    private var nextRecent = 0

    public struct OpenOptions: Sendable {
        public var readOnly = false
        /// WAL lets readers run while the single writer commits.
        public var journalModeWAL = true
        /// NORMAL in WAL mode: a commit survives a process crash (kill -9); only power loss can undo the last
        /// commits before a checkpoint. FULL adds an fsync per commit.
        public var synchronousFull = false
        /// Pages of WAL before an automatic checkpoint; 0 disables them (a checkpointer runs them instead).
        public var walAutoCheckpointPages = 1000
        public var busyTimeoutMilliseconds: Int32 = 5000
        /// Retry a locked database every this many microseconds until the busy timeout (0: SQLite's own handler,
        /// which sleeps 1, 2, 5, 10, 15, 20… ms, so a lock held for 3 ms cost a waiter 8 and one held for 10 ms 18).
        public var busyPollMicroseconds: UInt32 = 0
        public var cacheSizeKiB = 16 * 1024
        /// Bytes of the file read through a memory map instead of `read` calls (0: none).
        public var mmapBytes = 0

        public init() {}
    }

    public init(path: String, options: OpenOptions = OpenOptions()) throws(SQLiteError) {
        var db: OpaquePointer?
        let flags = (options.readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let error = SQLiteError(code: rc, db: db)
            sqlite3_close_v2(db)
            throw error
        }
        self.handle = db
        self.path = path
        if options.busyPollMicroseconds > 0 {
            // The retry limit travels in the context pointer: the handler is a C function and captures nothing.
            let polls = max(1, Int(options.busyTimeoutMilliseconds) * 1000 / Int(options.busyPollMicroseconds))
            let context = UnsafeMutableRawPointer(bitPattern: polls << 32 | Int(options.busyPollMicroseconds))
            sqlite3_busy_handler(db, { context, count in
                let packed = Int(bitPattern: context)
                guard Int(count) < packed >> 32 else { return 0 }
                usleep(UInt32(truncatingIfNeeded: packed & 0xFFFF_FFFF))
                return 1
            }, context)
        } else {
            sqlite3_busy_timeout(db, options.busyTimeoutMilliseconds)
        }
        sqlite3_extended_result_codes(db, 1)
        if !options.readOnly {
            if options.journalModeWAL { try execute("PRAGMA journal_mode=WAL") }
            try execute("PRAGMA synchronous=\(options.synchronousFull ? "FULL" : "NORMAL")")
            try execute("PRAGMA wal_autocheckpoint=\(options.walAutoCheckpointPages)")
        }
        try execute("PRAGMA foreign_keys=ON")
        try execute("PRAGMA cache_size=-\(options.cacheSizeKiB)")
        try execute("PRAGMA temp_store=MEMORY")
        if options.mmapBytes > 0 { try execute("PRAGMA mmap_size=\(options.mmapBytes)") }
    }

    deinit {
        recent.removeAll()
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements without results.
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if let message { sqlite3_free(message) }
        guard rc == SQLITE_OK else { throw SQLiteError(code: rc, db: handle, sql: sql) }
    }

    /// A prepared statement, cached by its SQL text for the life of the connection.
    public func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        // The recent statements are found by `==` first: the SQL is nearly always a literal, and two uses of one
        // literal share storage, so the comparison ends at the pointer check. Hashing the text instead cost more
        // than the whole lookup on the ingest path, where every event runs a few long statements.
        for entry in recent where entry.sql == sql { if let statement = entry.statement { return statement } }
        let statement: SQLiteStatement
        if let cached = statements[sql] {
            statement = cached
        } else {
            statement = try SQLiteStatement(database: self, sql: sql)
            statements[sql] = statement
        }
        recent[nextRecent] = (sql, statement)
        nextRecent = (nextRecent + 1) % recent.count
        return statement
    }

    public func run(_ sql: String, _ values: [any SQLiteBindable] = []) throws(SQLiteError) {
        try statement(sql).run(values)
    }

    public func rows<T>(_ sql: String, _ values: [any SQLiteBindable] = [], _ map: (SQLiteRow) throws -> T) throws -> [T] {
        try statement(sql).rows(values, map)
    }

    public func first<T>(_ sql: String, _ values: [any SQLiteBindable] = [], _ map: (SQLiteRow) throws -> T) throws -> T? {
        try statement(sql).first(values, map)
    }

    public func scalarInt(_ sql: String, _ values: [any SQLiteBindable] = []) throws -> Int? {
        try first(sql, values) { $0.isNull(0) ? nil : $0.int(0) } ?? nil
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Runs `body` in `BEGIN IMMEDIATE … COMMIT`, rolling back if it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs a checkpoint; returns (WAL frames, frames checkpointed).
    @discardableResult
    public func checkpoint(_ mode: CheckpointMode) throws(SQLiteError) -> (log: Int, checkpointed: Int) {
        var log: Int32 = 0
        var done: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, mode.rawValue, &log, &done)
        guard rc == SQLITE_OK || rc == SQLITE_BUSY else { throw SQLiteError(code: rc, db: handle) }
        return (Int(log), Int(done))
    }

    public enum CheckpointMode: Int32, Sendable {
        case passive = 0, full = 1, restart = 2, truncate = 3
    }

    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}

import CSQLite

/// A prepared statement. Owned by one connection and used on that connection's thread only.
public final class SQLiteStatement {
    let handle: OpaquePointer
    let sql: String
    private let parameterCount: Int
    private unowned let database: SQLiteDatabase

    init(database: SQLiteDatabase, sql: String) throws(SQLiteError) {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw SQLiteError(code: rc, db: database.handle, sql: sql) }
        self.handle = statement
        self.sql = sql
        parameterCount = Int(sqlite3_bind_parameter_count(statement))
        self.database = database
    }

    /// Where text and blob parameters are copied and bound from (SQLITE_STATIC). It must outlive every binding
    /// into it: it is replaced only after the bindings are cleared, and freed after the statement is finalized.
    private var bindings: UnsafeMutableRawPointer?
    private var bindingsCapacity = 0

    deinit {
        sqlite3_finalize(handle)
        bindings?.deallocate()
    }

    /// Resets the statement and binds `values` to parameters 1...n.
    @discardableResult
    public func bind(_ values: [any SQLiteBindable]) throws(SQLiteError) -> SQLiteStatement {
        sqlite3_reset(handle)
        // Parameters left unbound must be NULL, not the previous run's values; when every parameter is
        // bound anew, clearing first would only free and reallocate them.
        if values.count < parameterCount { sqlite3_clear_bindings(handle) }
        var needed = 0
        for value in values { needed += value.bindingByteCount }
        if needed > bindingsCapacity || bindings == nil {
            // The old buffer may still be bound (values of the last run); unbind before freeing it.
            sqlite3_clear_bindings(handle)
            bindings?.deallocate()
            bindingsCapacity = max(256, needed.roundedUpToPowerOfTwo)
            bindings = UnsafeMutableRawPointer.allocate(byteCount: bindingsCapacity, alignment: 8)
        }
        guard var cursor = bindings else { return self }
        var index: Int32 = 1
        for value in values {
            let rc = value.bind(to: handle, at: index, copyingInto: &cursor)
            guard rc == SQLITE_OK else { throw SQLiteError(code: rc, db: database.handle, sql: sql) }
            index += 1
        }
        return self
    }

    /// Steps once; true when a row is available.
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = SQLiteError(code: rc, db: database.handle, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Runs to completion, ignoring rows.
    public func run(_ values: [any SQLiteBindable] = []) throws(SQLiteError) {
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Runs and maps every row.
    public func rows<T>(_ values: [any SQLiteBindable] = [], _ map: (SQLiteRow) throws -> T) throws -> [T] {
        try bind(values)
        defer { sqlite3_reset(handle) }
        var result: [T] = []
        while try step() { result.append(try map(SQLiteRow(statement: self))) }
        return result
    }

    /// The first row mapped, or nil.
    public func first<T>(_ values: [any SQLiteBindable] = [], _ map: (SQLiteRow) throws -> T) throws -> T? {
        try bind(values)
        defer { sqlite3_reset(handle) }
        guard try step() else { return nil }
        return try map(SQLiteRow(statement: self))
    }
}

/// The current row of a statement; valid only until the next step.
public struct SQLiteRow {
    let statement: SQLiteStatement

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement.handle, column) == SQLITE_NULL }
    public func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(statement.handle, column)) }
    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement.handle, column) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(statement.handle, column) }

    public func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(statement.handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(statement.handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    public func blob(_ column: Int32) -> [UInt8]? {
        guard sqlite3_column_type(statement.handle, column) != SQLITE_NULL else { return nil }
        let count = Int(sqlite3_column_bytes(statement.handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(statement.handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

extension Int {
    fileprivate var roundedUpToPowerOfTwo: Int {
        self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount)
    }
}

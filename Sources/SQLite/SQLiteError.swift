import CSQLite

/// A failed SQLite call: result code, message and the SQL, never the bound values
/// (they may hold event data; GRDB keeps arguments out of descriptions for the same reason).
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let extendedCode: Int32
    public let message: String
    public let sql: String?

    init(code: Int32, db: OpaquePointer?, sql: String? = nil) {
        self.code = code & 0xFF
        self.extendedCode = db.map { sqlite3_extended_errcode($0) } ?? code
        self.message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        self.sql = sql
    }

    public init(message: String) {
        self.code = SQLITE_ERROR
        self.extendedCode = SQLITE_ERROR
        self.message = message
        self.sql = nil
    }

    public var isConstraintViolation: Bool { code == SQLITE_CONSTRAINT }
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }

    public var description: String {
        var text = "SQLite error \(extendedCode): \(message)"
        if let sql { text += " — while executing `\(sql.prefix(200))`" }
        return text
    }
}

import Foundation
import Testing
@testable import SQLite

@Suite struct SQLiteTests {
    func temporaryPath() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("test.sqlite").path
    }

    @Test func bindAndReadEveryType() throws {
        let db = try SQLiteDatabase(path: temporaryPath())
        try db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
        try db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [42, 2.5, "héllo", [UInt8]([0, 1, 255]), Optional<String>.none])
        let row = try db.first("SELECT i, r, s, b, n FROM t") { r in (r.int(0), r.double(1), r.string(2), r.blob(3), r.isNull(4)) }
        #expect(row?.0 == 42 && row?.1 == 2.5 && row?.2 == "héllo" && row?.3 == [0, 1, 255] && row?.4 == true)
    }

    /// Text and blobs are bound from a buffer the statement owns: values must survive until the step, empty
    /// values stay empty (not NULL), and a larger binding replaces the buffer without leaving stale values.
    @Test func boundValuesOutliveTheirStringsAndTheBufferGrows() throws {
        let db = try SQLiteDatabase(path: temporaryPath())
        try db.execute("CREATE TABLE t (k INTEGER, s TEXT, b BLOB)")
        let sql = "INSERT INTO t VALUES (?, ?, ?)"
        let long = String(repeating: "é", count: 3000)
        let values: [(String, [UInt8])] = [("", []), ("short", [1]), (long, Array(repeating: 7, count: 5000)), ("x", [])]
        for (k, value) in values.enumerated() {
            // Built here and dropped after the call: SQLite must not point into them.
            try db.run(sql, [k, String(value.0.reversed()), value.1 + []])
        }
        let rows = try db.rows("SELECT s, b, s IS NULL, b IS NULL FROM t ORDER BY k") { r in
            (r.string(0) ?? "NULL", r.blob(1) ?? [], r.int(2), r.int(3))
        }
        #expect(rows.map(\.0) == values.map { String($0.0.reversed()) })
        #expect(rows.map(\.1) == values.map(\.1))
        #expect(rows.allSatisfy { $0.2 == 0 && $0.3 == 0 }, "empty text and blobs are not NULL")
    }

    @Test func migratorAppliesOnceAndRefusesUnknownMigrations() throws {
        let path = temporaryPath()
        var m = SQLiteMigrator()
        m.register("1", "CREATE TABLE a (x)")
        m.register("2", "CREATE TABLE b (x)")
        let db = try SQLiteDatabase(path: path)
        #expect(try m.migrate(db) == ["1", "2"])
        #expect(try m.migrate(db) == [])
        var older = SQLiteMigrator()
        older.register("1", "CREATE TABLE a (x)")
        #expect(throws: SQLiteError.self) { try older.migrate(db) }
    }

    @Test func failedMigrationRollsBack() throws {
        var m = SQLiteMigrator()
        m.register("bad", "CREATE TABLE c (x); THIS IS NOT SQL")
        let db = try SQLiteDatabase(path: temporaryPath())
        #expect(throws: SQLiteError.self) { try m.migrate(db) }
        #expect(try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'c'") == 0)
    }

    @Test func walModeAndConstraintErrors() throws {
        let db = try SQLiteDatabase(path: temporaryPath())
        #expect(try db.first("PRAGMA journal_mode") { $0.string(0) } == "wal")
        try db.execute("CREATE TABLE u (k TEXT UNIQUE)")
        try db.run("INSERT INTO u VALUES (?)", ["a"])
        let error = #expect(throws: SQLiteError.self) { try db.run("INSERT INTO u VALUES (?)", ["a"]) }
        #expect(error?.isConstraintViolation == true)
        #expect(error?.description.contains("INSERT INTO u") == true)
        #expect(error?.description.contains("'a'") == false)
    }
}

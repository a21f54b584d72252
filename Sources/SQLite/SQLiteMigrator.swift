/// Ordered, named migrations kept in Swift source and applied once each, in order, inside one
/// transaction per migration (GRDB's `DatabaseMigrator` shape). Applied names live in `schema_migrations`.
public struct SQLiteMigrator {
    public struct Migration {
        public let name: String
        public let sql: String

        public init(_ name: String, _ sql: String) {
            self.name = name
            self.sql = sql
        }
    }

    private var migrations: [Migration] = []

    public init() {}

    public mutating func register(_ name: String, _ sql: String) {
        precondition(!migrations.contains { $0.name == name }, "duplicate migration \(name)")
        migrations.append(Migration(name, sql))
    }

    /// Applies what is missing (up to and including `last`, when given: how a test builds an older schema to
    /// migrate data from); returns the names applied now.
    @discardableResult
    public func migrate(_ db: SQLiteDatabase, through last: String? = nil) throws -> [String] {
        try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
        let applied = Set(try db.rows("SELECT name FROM schema_migrations") { $0.string(0) ?? "" })
        let known = Set(migrations.map(\.name))
        if let unknown = applied.subtracting(known).first {
            throw SQLiteError(message: "database has migration '\(unknown)' that this version does not know; it was written by a newer Faultline")
        }
        var done: [String] = []
        for migration in migrations where !applied.contains(migration.name) {
            try db.transaction {
                try db.execute(migration.sql)
                try db.run("INSERT INTO schema_migrations (name, applied_at) VALUES (?, strftime('%s','now'))", [migration.name])
            }
            done.append(migration.name)
            if migration.name == last { break }
        }
        return done
    }
}

import SQLite

extension SQLiteStore {
    public func createSession(hash: [UInt8], userID: Int, organizationID: Int, csrfToken: String, createdAt: Double,
                              expiresAt: Double) throws -> Session {
        let id = try writer.sync { db in
            try db.run("""
                INSERT INTO sessions (hash, user_id, organization_id, csrf_token, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, [hash, userID, organizationID, csrfToken, createdAt, expiresAt])
            return Int(db.lastInsertRowID)
        }
        return Session(id: id, userID: userID, organizationID: organizationID, csrfToken: csrfToken,
                       createdAt: createdAt, expiresAt: expiresAt)
    }

    public func session(hash: [UInt8], now: Double) throws -> Session? {
        try readers.read { db in
            try db.first("""
                SELECT id, user_id, organization_id, csrf_token, created_at, expires_at FROM sessions
                WHERE hash = ? AND expires_at > ?
                """, [hash, now]) { r in
                Session(id: r.int(0), userID: r.int(1), organizationID: r.int(2), csrfToken: r.string(3) ?? "",
                        createdAt: r.double(4), expiresAt: r.double(5))
            }
        }
    }

    public func deleteSession(hash: [UInt8]) throws {
        try writer.sync { db in try db.run("DELETE FROM sessions WHERE hash = ?", [hash]) }
    }

    public func recordLogin(userID: Int, at now: Double) throws {
        try writer.sync { db in
            try db.run("UPDATE users SET last_login = ? WHERE id = ?", [now, userID])
            try db.run("DELETE FROM sessions WHERE expires_at <= ?", [now])
        }
    }
}

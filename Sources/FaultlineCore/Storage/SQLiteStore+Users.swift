import Foundation
import SQLite

extension SQLiteStore {
    public func createUser(email: String, name: String, passwordHash: String, organizationID: Int, role: MemberRole) throws -> Member? {
        let now = Date().timeIntervalSince1970
        let ids = try writer.sync { db -> (user: Int, member: Int)? in
            try db.run("INSERT OR IGNORE INTO users (email, name, password_hash, created_at) VALUES (?, ?, ?, ?)",
                       [email, name, passwordHash, now])
            guard db.changes == 1 else { return nil }
            let user = Int(db.lastInsertRowID)
            try db.run("INSERT INTO members (organization_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
                       [organizationID, user, role.rawValue, now])
            return (user, Int(db.lastInsertRowID))
        }
        guard let ids else { return nil }
        return Member(id: ids.member, organizationID: organizationID,
                      user: User(id: ids.user, email: email, name: name, createdAt: now), role: role, createdAt: now)
    }

    public func user(id: Int) throws -> User? {
        try readers.read { db in try db.first(Self.userSelect + " WHERE id = ?", [id], Self.user) }
    }

    public func user(email: String) throws -> (user: User, passwordHash: String)? {
        try readers.read { db in
            try db.first("SELECT id, email, name, created_at, last_login, password_hash FROM users WHERE email = ?", [email]) {
                (Self.user($0), $0.string(5) ?? "")
            }
        }
    }

    public func userCount() throws -> Int {
        try readers.read { try $0.scalarInt("SELECT count(*) FROM users") } ?? 0
    }

    public func members(organizationID: Int) throws -> [Member] {
        try readers.read { db in
            try db.rows("""
                SELECT u.id, u.email, u.name, u.created_at, u.last_login, m.id, m.organization_id, m.role, m.created_at
                FROM members m JOIN users u ON u.id = m.user_id WHERE m.organization_id = ? ORDER BY m.id
                """, [organizationID]) { r in
                Member(id: r.int(5), organizationID: r.int(6), user: Self.user(r),
                       role: MemberRole(rawValue: r.string(7) ?? "") ?? .member, createdAt: r.double(8))
            }
        }
    }

    public func memberships(userID: Int) throws -> [Member] {
        guard let user = try user(id: userID) else { return [] }
        return try readers.read { db in
            try db.rows("SELECT id, organization_id, role, created_at FROM members WHERE user_id = ? ORDER BY id", [userID]) { r in
                Member(id: r.int(0), organizationID: r.int(1), user: user,
                       role: MemberRole(rawValue: r.string(2) ?? "") ?? .member, createdAt: r.double(3))
            }
        }
    }

    public func assignOwnerlessTokens(organizationID: Int, to userID: Int) throws {
        try writer.sync { db in
            try db.run("UPDATE api_tokens SET user_id = ? WHERE organization_id = ? AND user_id IS NULL", [userID, organizationID])
        }
    }

    private static let userSelect = "SELECT id, email, name, created_at, last_login FROM users"

    private static func user(_ r: SQLiteRow) -> User {
        User(id: r.int(0), email: r.string(1) ?? "", name: r.string(2) ?? "", createdAt: r.double(3),
             lastLogin: r.isNull(4) ? nil : r.double(4))
    }
}

import EventProcessing
import Foundation
import SQLite

extension SQLiteStore {
    public func setting(_ key: String) throws -> String? {
        try readers.read { db in try db.first("SELECT value FROM settings WHERE key = ?", [key]) { $0.string(0) } ?? nil }
    }

    public func setSetting(_ key: String, _ value: String) throws {
        try writer.sync { db in
            try db.run("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                       [key, value])
        }
    }

    public func isEmpty() throws -> Bool {
        try readers.read { try $0.scalarInt("SELECT count(*) FROM organizations") } == 0
    }

    public func projectKey(publicKey: String) throws -> ProjectKey? {
        try readers.read { db in
            try db.first("""
                SELECT id, project_id, public_key, secret_key, label, is_active, created_at, rate_limit_window, rate_limit_count
                FROM project_keys WHERE public_key = ?
                """, [publicKey], Self.key)
        }
    }

    public func keys(projectID: Int) throws -> [ProjectKey] {
        try readers.read { db in
            try db.rows("""
                SELECT id, project_id, public_key, secret_key, label, is_active, created_at, rate_limit_window, rate_limit_count
                FROM project_keys WHERE project_id = ? ORDER BY id
                """, [projectID], Self.key)
        }
    }

    public func token(hash: [UInt8]) throws -> APIToken? {
        try readers.read { db in
            try db.first("""
                SELECT id, organization_id, name, scopes, created_at, user_id FROM api_tokens
                WHERE token_hash = ? AND revoked_at IS NULL
                """, [hash], Self.token)
        }
    }

    public func tokens(organizationID: Int) throws -> [APIToken] {
        try readers.read { db in
            try db.rows("""
                SELECT id, organization_id, name, scopes, created_at, user_id FROM api_tokens
                WHERE organization_id = ? AND revoked_at IS NULL ORDER BY id
                """, [organizationID], Self.token)
        }
    }

    public func revokeToken(id: Int, organizationID: Int) throws -> Bool {
        let now = Date().timeIntervalSince1970
        return try writer.sync { db in
            try db.run("""
                WITH RECURSIVE doomed(id) AS (
                    SELECT id FROM api_tokens WHERE id = ?2 AND organization_id = ?3 AND revoked_at IS NULL
                    UNION SELECT t.id FROM api_tokens t JOIN doomed d ON t.parent_id = d.id WHERE t.revoked_at IS NULL)
                UPDATE api_tokens SET revoked_at = ?1 WHERE id IN (SELECT id FROM doomed)
                """, [now, id, organizationID])
            return db.changes >= 1
        }
    }

    private static func token(_ r: SQLiteRow) -> APIToken {
        APIToken(id: r.int(0), organizationID: r.int(1), name: r.string(2),
                 scopes: (r.string(3) ?? "").split(separator: " ").map(String.init), createdAt: r.double(4),
                 userID: r.isNull(5) ? nil : r.int(5))
    }

    public func organization(slug: String) throws -> Organization? {
        try readers.read { db in
            try db.first("SELECT id, slug, name, created_at FROM organizations WHERE slug = ?", [slug]) { r in
                Organization(id: r.int(0), slug: r.string(1) ?? "", name: r.string(2) ?? "", createdAt: r.double(3))
            }
        }
    }

    public func organization(id: Int) throws -> Organization? {
        try readers.read { db in
            try db.first("SELECT id, slug, name, created_at FROM organizations WHERE id = ?", [id]) { r in
                Organization(id: r.int(0), slug: r.string(1) ?? "", name: r.string(2) ?? "", createdAt: r.double(3))
            }
        }
    }

    public func organizations() throws -> [Organization] {
        try readers.read { db in
            try db.rows("SELECT id, slug, name, created_at FROM organizations ORDER BY id") { r in
                Organization(id: r.int(0), slug: r.string(1) ?? "", name: r.string(2) ?? "", createdAt: r.double(3))
            }
        }
    }

    public func project(organizationSlug: String, projectSlug: String) throws -> Project? {
        try readers.read { db in
            try db.first(Self.projectSelect + " WHERE o.slug = ? AND p.slug = ?", [organizationSlug, projectSlug], Self.project)
        }
    }

    public func projects(organizationSlug: String?) throws -> [Project] {
        try readers.read { db in
            if let organizationSlug {
                return try db.rows(Self.projectSelect + " WHERE o.slug = ? ORDER BY p.id", [organizationSlug], Self.project)
            }
            return try db.rows(Self.projectSelect + " ORDER BY p.id", [], Self.project)
        }
    }

    public func createOrganization(slug: String, name: String) throws -> Organization {
        let now = Date().timeIntervalSince1970
        let id = try writer.sync { db in
            try db.run("INSERT INTO organizations (slug, name, created_at) VALUES (?, ?, ?)", [slug, name, now])
            return Int(db.lastInsertRowID)
        }
        return Organization(id: id, slug: slug, name: name, createdAt: now)
    }

    public func createProject(organizationID: Int, slug: String, name: String, platform: String?) throws -> Project {
        let now = Date().timeIntervalSince1970
        let (id, orgSlug) = try writer.sync { db in
            // Above every deleted project's id too (see `deleteProject`).
            try db.run("""
                INSERT INTO projects (id, organization_id, slug, name, platform, created_at, grouping_strategy)
                VALUES (max(coalesce((SELECT max(id) FROM projects), 0),
                            coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?), 0)) + 1, ?, ?, ?, ?, ?, ?)
                """, [Self.projectIDMark, organizationID, slug, name, platform, now, GroupingStrategy.latest.rawValue])
            let id = Int(db.lastInsertRowID)
            let orgSlug = try db.first("SELECT slug FROM organizations WHERE id = ?", [organizationID]) { $0.string(0) } ?? nil
            return (id, orgSlug ?? "")
        }
        return Project(id: id, organizationID: organizationID, organizationSlug: orgSlug, slug: slug, name: name,
                       platform: platform, createdAt: now)
    }

    public func createKey(projectID: Int, label: String) throws -> ProjectKey {
        let now = Date().timeIntervalSince1970
        let publicKey = Credentials.randomHex(bytes: 16)
        let secretKey = Credentials.randomHex(bytes: 16)
        let id = try writer.sync { db in
            try db.run("""
                INSERT INTO project_keys (project_id, public_key, secret_key, label, is_active, created_at)
                VALUES (?, ?, ?, ?, 1, ?)
                """, [projectID, publicKey, secretKey, label, now])
            return Int(db.lastInsertRowID)
        }
        return ProjectKey(id: id, projectID: projectID, publicKey: publicKey, secretKey: secretKey, label: label,
                          isActive: true, createdAt: now)
    }

    public func setKeyActive(id: Int, active: Bool) throws {
        try writer.sync { db in try db.run("UPDATE project_keys SET is_active = ? WHERE id = ?", [active, id]) }
    }

    public func setKeyRateLimit(id: Int, _ limit: ProjectKey.RateLimit?) throws {
        try writer.sync { db in
            try db.run("UPDATE project_keys SET rate_limit_window = ?, rate_limit_count = ? WHERE id = ?",
                       [limit?.window, limit?.count, id])
        }
    }

    public func renameKey(id: Int, label: String) throws {
        try writer.sync { db in try db.run("UPDATE project_keys SET label = ? WHERE id = ?", [label, id]) }
    }

    public func deleteKey(id: Int, projectID: Int) throws -> Bool {
        try writer.sync { db in
            try db.run("DELETE FROM project_keys WHERE id = ? AND project_id = ?", [id, projectID])
            return db.changes == 1
        }
    }

    public func createToken(organizationID: Int, hash: [UInt8], name: String?, scopes: [String], userID: Int?,
                            parentID: Int?) throws -> APIToken {
        let now = Date().timeIntervalSince1970
        let id = try writer.sync { db in
            try db.run("""
                INSERT INTO api_tokens (organization_id, token_hash, name, scopes, created_at, user_id, parent_id)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [organizationID, hash, name, scopes.joined(separator: " "), now, userID, parentID])
            return Int(db.lastInsertRowID)
        }
        return APIToken(id: id, organizationID: organizationID, name: name, scopes: scopes, createdAt: now, userID: userID)
    }

    private static let projectSelect = """
        SELECT p.id, p.organization_id, o.slug, p.slug, p.name, p.platform, p.created_at
        FROM projects p JOIN organizations o ON o.id = p.organization_id
        """

    private static func project(_ r: SQLiteRow) -> Project {
        Project(id: r.int(0), organizationID: r.int(1), organizationSlug: r.string(2) ?? "", slug: r.string(3) ?? "",
                name: r.string(4) ?? "", platform: r.string(5), createdAt: r.double(6))
    }

    private static func key(_ r: SQLiteRow) -> ProjectKey {
        ProjectKey(id: r.int(0), projectID: r.int(1), publicKey: r.string(2) ?? "", secretKey: r.string(3) ?? "",
                   label: r.string(4) ?? "", isActive: r.int(5) != 0, createdAt: r.double(6),
                   rateLimit: r.isNull(7) || r.isNull(8) ? nil : ProjectKey.RateLimit(window: r.int(7), count: r.int(8)))
    }
}

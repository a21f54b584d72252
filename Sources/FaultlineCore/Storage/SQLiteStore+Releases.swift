import Foundation
import SQLite

extension SQLiteStore {
    public func saveRelease(organizationID: Int, version: String, _ change: ReleaseChange) throws -> (release: Release, created: Bool) {
        let now = Date().timeIntervalSince1970
        let created = try writer.sync { db in
            try db.run("INSERT OR IGNORE INTO org_releases (organization_id, version, date_created) VALUES (?, ?, ?)",
                       [organizationID, version, now])
            let created = db.changes == 1
            try Self.apply(change, organizationID: organizationID, version: version, at: now, db)
            return created
        }
        guard let release = try release(organizationID: organizationID, version: version) else {
            throw StoreError.inconsistent("release \(version) vanished after it was saved")
        }
        return (release, created)
    }

    public func updateRelease(organizationID: Int, version: String, _ change: ReleaseChange) throws -> Release? {
        let now = Date().timeIntervalSince1970
        let found = try writer.sync { db -> Bool in
            guard try Self.releaseID(organizationID: organizationID, version: version, db) != nil else { return false }
            try Self.apply(change, organizationID: organizationID, version: version, at: now, db)
            return true
        }
        return found ? try release(organizationID: organizationID, version: version) : nil
    }

    /// Writes a change to an existing `org_releases` row, in the writer's transaction.
    private static func apply(_ change: ReleaseChange, organizationID: Int, version: String, at now: Double, _ db: SQLiteDatabase) throws {
        guard let id = try releaseID(organizationID: organizationID, version: version, db) else { return }
        try db.run("""
            UPDATE org_releases SET ref = coalesce(?, ref), url = coalesce(?, url), status = coalesce(?, status),
                date_started = coalesce(?, date_started), date_released = coalesce(?, date_released)
            WHERE id = ?
            """, [change.ref, change.url, change.status, change.dateStarted, change.dateReleased, id])
        for projectID in change.projectIDs {
            // Its place in `releases` is its age among the project's releases (regressions compare by it).
            try db.run("INSERT OR IGNORE INTO releases (project_id, version, first_seen) VALUES (?, ?, ?)",
                       [projectID, version, now])
        }
        if let heads = change.heads {
            try db.run("DELETE FROM release_heads WHERE release_id = ?", [id])
            for head in heads {
                let repository = try repositoryID(organizationID: organizationID, name: head.repository, at: now, db)
                try db.run("""
                    INSERT INTO release_heads (release_id, repository_id, commit_key, previous_commit) VALUES (?, ?, ?, ?)
                    ON CONFLICT (release_id, repository_id) DO UPDATE SET commit_key = excluded.commit_key,
                        previous_commit = excluded.previous_commit
                    """, [id, repository, head.commit, head.previousCommit])
            }
        }
        // Without a source host to ask for the commits between two heads, each head is the commit it names.
        let commits = change.commits ?? change.heads.map { $0.map { ReleaseCommit(id: $0.commit, repository: $0.repository) } }
        if let commits {
            try db.run("DELETE FROM release_commits WHERE release_id = ?", [id])
            for (position, commit) in commits.enumerated() {
                let repository = try commit.repository.map { try repositoryID(organizationID: organizationID, name: $0, at: now, db) }
                try db.run("""
                    INSERT INTO release_commits (release_id, position, commit_key, repository_id, message, author_name,
                                                 author_email, timestamp)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, [id, position, commit.id, repository, commit.message, commit.authorName, commit.authorEmail,
                          commit.timestamp])
            }
        }
    }

    private static func releaseID(organizationID: Int, version: String, _ db: SQLiteDatabase) throws -> Int? {
        try db.first("SELECT id FROM org_releases WHERE organization_id = ? AND version = ?", [organizationID, version]) { $0.int(0) }
    }

    /// The repository of that name, added when first named (Sentry adds them through integrations; here a release's
    /// refs and commits are enough).
    private static func repositoryID(organizationID: Int, name: String, at now: Double, _ db: SQLiteDatabase) throws -> Int {
        try db.run("INSERT OR IGNORE INTO repositories (organization_id, name, created_at) VALUES (?, ?, ?)",
                   [organizationID, name, now])
        guard let id = try db.first("SELECT id FROM repositories WHERE organization_id = ? AND name = ?", [organizationID, name],
                                    { $0.int(0) }) else {
            throw StoreError.inconsistent("repository \(name) vanished after it was added")
        }
        return id
    }

    // MARK: Reads

    public func release(organizationID: Int, version: String) throws -> Release? {
        try settleIssues()
        return try readers.read { db in
            guard var release = try db.first(Self.releaseSelect + " WHERE organization_id = ? AND version = ?",
                                             [organizationID, version], Self.release) else { return nil }
            try Self.complete(&release, db)
            return release
        }
    }

    public func releases(_ query: ReleaseQuery) throws -> [Release] {
        try settleIssues()
        var sql = Self.releaseSelect + " WHERE organization_id = ?"
        var values: [any SQLiteBindable] = [query.organizationID]
        if let text = query.text, !text.isEmpty {
            sql += " AND instr(version, ?) > 0"
            values.append(text)
        }
        if let projectIDs = query.projectIDs {
            let marks = Array(repeating: "?", count: projectIDs.count).joined(separator: ", ")
            sql += " AND EXISTS (SELECT 1 FROM releases r WHERE r.version = org_releases.version AND r.project_id IN (\(marks)))"
            values += projectIDs.map { $0 as any SQLiteBindable }
        }
        if let after = query.after {
            sql += " AND (date_created < ? OR (date_created = ? AND id < ?))"
            values += [after.dateCreated, after.dateCreated, after.id]
        }
        sql += " ORDER BY date_created DESC, id DESC LIMIT ?"
        values.append(query.limit)
        return try readers.read { db in
            var releases = try db.rows(sql, values, Self.release)
            for i in releases.indices { try Self.complete(&releases[i], db) }
            return releases
        }
    }

    public func releaseCommits(releaseID: Int) throws -> [ReleaseCommit] {
        try readers.read { db in
            try db.rows(Self.commitSelect + " WHERE c.release_id = ? ORDER BY c.position", [releaseID], Self.commit)
        }
    }

    public func previousReleaseWithCommits(organizationID: Int, version: String) throws -> Release? {
        try settleIssues()
        return try readers.read { db in
            guard let this = try db.first("SELECT date_created, id FROM org_releases WHERE organization_id = ? AND version = ?",
                                          [organizationID, version], { ($0.double(0), $0.int(1)) }) else { return nil }
            guard var release = try db.first(Self.releaseSelect + """
                 WHERE organization_id = ? AND (date_created < ? OR (date_created = ? AND id < ?))
                    AND EXISTS (SELECT 1 FROM release_commits c WHERE c.release_id = org_releases.id)
                ORDER BY date_created DESC, id DESC LIMIT 1
                """, [organizationID, this.0, this.0, this.1], Self.release) else { return nil }
            try Self.complete(&release, db)
            return release
        }
    }

    public func deleteRelease(organizationID: Int, version: String) throws -> ReleaseDeletion {
        try settleIssues()
        return try writer.sync { [issueWriter] db in
            guard let id = try Self.releaseID(organizationID: organizationID, version: version, db) else { return .notFound }
            let used = try db.first("""
                SELECT 1 FROM releases r JOIN projects p ON p.id = r.project_id
                WHERE p.organization_id = ? AND r.version = ? AND (r.event_count > 0 OR r.new_issues > 0)
                """, [organizationID, version]) { _ in true } ?? false
            if used { return .inUse }
            try db.run("DELETE FROM releases WHERE version = ? AND project_id IN (SELECT id FROM projects WHERE organization_id = ?)",
                       [version, organizationID])
            for table in ["release_commits", "release_heads", "deploys"] {
                try db.run("DELETE FROM \(table) WHERE release_id = ?", [id])
            }
            try db.run("DELETE FROM org_releases WHERE id = ?", [id])
            issueWriter.forgetReleases()
            return .deleted
        }
    }

    // MARK: Deploys and repositories

    public func createDeploy(releaseID: Int, _ deploy: Deploy) throws -> Deploy {
        let id = try writer.sync { db in
            try db.run("""
                INSERT INTO deploys (release_id, environment, name, url, date_started, date_finished) VALUES (?, ?, ?, ?, ?, ?)
                """, [releaseID, deploy.environment, deploy.name, deploy.url, deploy.dateStarted, deploy.dateFinished])
            return Int(db.lastInsertRowID)
        }
        var stored = deploy
        stored.id = id
        return stored
    }

    public func deploys(releaseID: Int) throws -> [Deploy] {
        try readers.read { db in
            try db.rows(Self.deploySelect + " WHERE release_id = ? ORDER BY id DESC", [releaseID], Self.deploy)
        }
    }

    public func repositories(organizationID: Int) throws -> [Repository] {
        try readers.read { db in
            try db.rows("SELECT id, name, url, provider, created_at FROM repositories WHERE organization_id = ? ORDER BY name",
                        [organizationID], Self.repository)
        }
    }

    public func createRepository(organizationID: Int, name: String, url: String?, provider: String?) throws -> Repository? {
        let now = Date().timeIntervalSince1970
        let id = try writer.sync { db -> Int? in
            try db.run("INSERT OR IGNORE INTO repositories (organization_id, name, url, provider, created_at) VALUES (?, ?, ?, ?, ?)",
                       [organizationID, name, url, provider, now])
            return db.changes == 1 ? Int(db.lastInsertRowID) : nil
        }
        return id.map { Repository(id: $0, name: name, url: url, provider: provider, createdAt: now) }
    }

    // MARK: Rows

    /// Fills in what a release's row does not hold: its projects, commits, heads and deploys.
    private static func complete(_ release: inout Release, _ db: SQLiteDatabase) throws {
        release.projects = try db.rows("""
            SELECT r.project_id, r.new_issues, r.event_count, r.first_event, r.last_event
            FROM releases r JOIN projects p ON p.id = r.project_id
            WHERE p.organization_id = ? AND r.version = ? ORDER BY r.project_id
            """, [release.organizationID, release.version]) { r in
            ReleaseProject(projectID: r.int(0), newIssues: r.int(1), eventCount: r.int(2), firstEvent: optionalDouble(r, 3),
                           lastEvent: optionalDouble(r, 4))
        }
        release.commitCount = try db.scalarInt("SELECT count(*) FROM release_commits WHERE release_id = ?", [release.id]) ?? 0
        release.lastCommit = try db.first(commitSelect + " WHERE c.release_id = ? ORDER BY c.position LIMIT 1", [release.id], commit)
        release.deployCount = try db.scalarInt("SELECT count(*) FROM deploys WHERE release_id = ?", [release.id]) ?? 0
        release.lastDeploy = try db.first(deploySelect + " WHERE release_id = ? ORDER BY id DESC LIMIT 1", [release.id], deploy)
        release.heads = try db.rows("""
            SELECT r.name, h.commit_key, h.previous_commit FROM release_heads h JOIN repositories r ON r.id = h.repository_id
            WHERE h.release_id = ? ORDER BY r.name
            """, [release.id]) { ReleaseHead(repository: $0.string(0) ?? "", commit: $0.string(1) ?? "", previousCommit: $0.string(2)) }
    }

    private static let releaseSelect = """
        SELECT id, organization_id, version, ref, url, status, date_created, date_started, date_released FROM org_releases
        """

    private static func release(_ r: SQLiteRow) -> Release {
        Release(id: r.int(0), organizationID: r.int(1), version: r.string(2) ?? "", ref: r.string(3), url: r.string(4),
                status: r.string(5) ?? "open", dateCreated: r.double(6), dateStarted: optionalDouble(r, 7),
                dateReleased: optionalDouble(r, 8))
    }

    private static let commitSelect = """
        SELECT c.commit_key, r.name, c.message, c.author_name, c.author_email, c.timestamp
        FROM release_commits c LEFT JOIN repositories r ON r.id = c.repository_id
        """

    private static func commit(_ r: SQLiteRow) -> ReleaseCommit {
        ReleaseCommit(id: r.string(0) ?? "", repository: r.string(1), message: r.string(2), authorName: r.string(3),
                      authorEmail: r.string(4), timestamp: optionalDouble(r, 5))
    }

    private static let deploySelect = "SELECT id, environment, name, url, date_started, date_finished FROM deploys"

    private static func deploy(_ r: SQLiteRow) -> Deploy {
        Deploy(id: r.int(0), environment: r.string(1) ?? "", name: r.string(2), url: r.string(3),
               dateStarted: optionalDouble(r, 4), dateFinished: r.double(5))
    }

    private static func repository(_ r: SQLiteRow) -> Repository {
        Repository(id: r.int(0), name: r.string(1) ?? "", url: r.string(2), provider: r.string(3), createdAt: r.double(4))
    }

    private static func optionalDouble(_ r: SQLiteRow, _ column: Int32) -> Double? {
        r.isNull(column) ? nil : r.double(column)
    }
}

/// What the release API asks of storage (SQLite implements it in `SQLiteStore+Releases`).
public protocol ReleaseStore: Sendable {
    /// Creates the release, or changes it when the version exists; `created` says which.
    func saveRelease(organizationID: Int, version: String, _ change: ReleaseChange) throws -> (release: Release, created: Bool)
    /// Changes an existing release; nil when there is none.
    func updateRelease(organizationID: Int, version: String, _ change: ReleaseChange) throws -> Release?
    func release(organizationID: Int, version: String) throws -> Release?
    /// Newest first.
    func releases(_ query: ReleaseQuery) throws -> [Release]
    func deleteRelease(organizationID: Int, version: String) throws -> ReleaseDeletion
    func releaseCommits(releaseID: Int) throws -> [ReleaseCommit]
    /// The newest release created before this one that has commits.
    func previousReleaseWithCommits(organizationID: Int, version: String) throws -> Release?
    func createDeploy(releaseID: Int, _ deploy: Deploy) throws -> Deploy
    /// Newest first.
    func deploys(releaseID: Int) throws -> [Deploy]
    func repositories(organizationID: Int) throws -> [Repository]
    /// Adds a repository; nil when the name is taken.
    func createRepository(organizationID: Int, name: String, url: String?, provider: String?) throws -> Repository?
}

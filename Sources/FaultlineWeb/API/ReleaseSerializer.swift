import FaultlineCore
import SentryProtocol

/// Releases, commits, deploys and repositories in Sentry's shapes. Faultline adds `eventCount` (error events naming
/// the release) beside Sentry's `newGroups`, and the heads it was given as `refs`.
enum ReleaseSerializer {
    static func release(_ r: Release, projects byID: [Int: Project]) -> JSONValue {
        .object([
            ("id", .int(r.id)),
            ("version", .string(r.version)),
            ("shortVersion", .string(shortVersion(r.version))),
            ("status", .string(r.status)),
            ("ref", r.ref.map(JSONValue.string) ?? .null),
            ("url", r.url.map(JSONValue.string) ?? .null),
            ("dateCreated", .string(Timestamp.format(r.dateCreated))),
            ("dateStarted", date(r.dateStarted)),
            ("dateReleased", date(r.dateReleased)),
            ("data", .object([])),
            ("owner", .null),
            ("newGroups", .int(r.newIssues)),
            ("eventCount", .int(r.eventCount)),
            ("firstEvent", date(r.firstEvent)),
            ("lastEvent", date(r.lastEvent)),
            ("commitCount", .int(r.commitCount)),
            ("lastCommit", r.lastCommit.map(commit) ?? .null),
            ("deployCount", .int(r.deployCount)),
            ("lastDeploy", r.lastDeploy.map(deploy) ?? .null),
            ("authors", .array(authors(r.lastCommit))),
            ("refs", .array(r.heads.map { h in
                .object([("repository", .string(h.repository)), ("commit", .string(h.commit)),
                         ("previousCommit", h.previousCommit.map(JSONValue.string) ?? .null)])
            })),
            ("versionInfo", versionInfo(r.version)),
            ("projects", .array(r.projects.compactMap { rp in
                byID[rp.projectID].map { p in
                    .object([
                        ("id", .int(p.id)),
                        ("slug", .string(p.slug)),
                        ("name", .string(p.name)),
                        ("platform", p.platform.map(JSONValue.string) ?? .null),
                        ("platforms", .array(p.platform.map { [.string($0)] } ?? [])),
                        ("newGroups", .int(rp.newIssues)),
                        ("eventCount", .int(rp.eventCount)),
                        ("hasHealthData", .bool(false)),
                    ])
                }
            })),
        ])
    }

    static func commit(_ c: ReleaseCommit) -> JSONValue {
        var author: JSONValue = .null
        if c.authorName != nil || c.authorEmail != nil {
            author = .object([("name", c.authorName.map(JSONValue.string) ?? .null),
                              ("email", c.authorEmail.map(JSONValue.string) ?? .null)])
        }
        return .object([
            ("id", .string(c.id)),
            ("message", c.message.map(JSONValue.string) ?? .null),
            ("dateCreated", date(c.timestamp)),
            ("author", author),
            ("repository", c.repository.map { .object([("name", .string($0))]) } ?? .null),
        ])
    }

    static func deploy(_ d: Deploy) -> JSONValue {
        .object([
            ("id", .string(String(d.id))),
            ("environment", .string(d.environment)),
            ("name", d.name.map(JSONValue.string) ?? .null),
            ("url", d.url.map(JSONValue.string) ?? .null),
            ("dateStarted", date(d.dateStarted)),
            ("dateFinished", .string(Timestamp.format(d.dateFinished))),
        ])
    }

    /// Repositories have no integration behind them here: the provider is the one given, else `manual`.
    static func repository(_ r: Repository) -> JSONValue {
        let provider = r.provider ?? "manual"
        return .object([
            ("id", .string(String(r.id))),
            ("name", .string(r.name)),
            ("url", r.url.map(JSONValue.string) ?? .null),
            ("provider", .object([("id", .string(provider)), ("name", .string(provider == "manual" ? "Manual" : provider))])),
            ("status", .string("active")),
            ("dateCreated", .string(Timestamp.format(r.createdAt))),
            ("integrationId", .null),
            ("externalSlug", .null),
        ])
    }

    private static func authors(_ commit: ReleaseCommit?) -> [JSONValue] {
        guard let commit, commit.authorName != nil || commit.authorEmail != nil else { return [] }
        return [.object([("name", commit.authorName.map(JSONValue.string) ?? .null),
                         ("email", commit.authorEmail.map(JSONValue.string) ?? .null)])]
    }

    private static func date(_ t: Double?) -> JSONValue {
        t.map { .string(Timestamp.format($0)) } ?? .null
    }

    /// `package@version+build` split as Sentry does for display; a bare version is its own description.
    static func versionInfo(_ version: String) -> JSONValue {
        var package: String?
        var rest = Substring(version)
        if let at = version.firstIndex(of: "@"), at != version.startIndex, version.index(after: at) != version.endIndex {
            package = String(version[..<at])
            rest = version[version.index(after: at)...]
        }
        var build: String?
        if let plus = rest.firstIndex(of: "+") {
            build = String(rest[rest.index(after: plus)...])
            rest = rest[..<plus]
        }
        return .object([
            ("package", package.map(JSONValue.string) ?? .null),
            ("version", .object([("raw", .string(String(rest)))])),
            ("description", .string(shortVersion(version))),
            ("buildHash", build.map(JSONValue.string) ?? (isSHA(rest) ? .string(String(rest)) : .null)),
        ])
    }

    /// The version without its package, and a 40-digit SHA cut to 12 (Sentry's short form).
    static func shortVersion(_ version: String) -> String {
        var rest = Substring(version)
        if let at = version.firstIndex(of: "@"), at != version.startIndex, version.index(after: at) != version.endIndex {
            rest = version[version.index(after: at)...]
        }
        return isSHA(rest) ? String(rest.prefix(12)) : String(rest)
    }

    private static func isSHA(_ s: Substring) -> Bool {
        s.utf8.count == 40 && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }
}

import FaultlineCore
import SentryProtocol

/// The bodies of the release routes as Sentry accepts them (and `sentry-cli` sends them), checked field by field:
/// a bad field is a 400 that names it.
struct ReleaseBody {
    var version: String?
    /// Project slugs or ids, as given.
    var projects: [String]?
    var change = ReleaseChange()

    static let maxVersionBytes = 200

    static func parse(_ root: JSONRef) throws -> ReleaseBody {
        var body = ReleaseBody()
        body.version = try text(root, "version", max: maxVersionBytes)
        if let version = body.version { try checkVersion(version) }
        if let value = root["projects"], !value.isNull {
            guard value.kind == .array else { throw APIError.badRequest("'projects' must be a list of project slugs or ids.") }
            body.projects = try value.elements.map { element in
                if let slug = element.string, !slug.isEmpty, slug.utf8.count <= 100 { return slug }
                if let id = element.int { return String(id) }
                throw APIError.badRequest("'projects' must be a list of project slugs or ids.")
            }
        }
        body.change.ref = try text(root, "ref", max: 200)
        body.change.url = try text(root, "url", max: 2000)
        body.change.dateStarted = try date(root, "dateStarted")
        body.change.dateReleased = try date(root, "dateReleased")
        if let status = try text(root, "status", max: 20) {
            guard ["open", "archived"].contains(status) else { throw APIError.badRequest("'status' must be open or archived.") }
            body.change.status = status
        }
        if let refs = root["refs"], !refs.isNull {
            guard refs.kind == .array, refs.count <= maxCommits else {
                throw APIError.badRequest("'refs' must be a list of at most \(maxCommits) {repository, commit} objects.")
            }
            body.change.heads = try refs.elements.enumerated().map { i, ref in
                guard ref.kind == .object, let repository = try text(ref, "repository", max: 200),
                      let commit = try text(ref, "commit", max: 64) else {
                    throw APIError.badRequest("refs[\(i)] needs 'repository' and 'commit'.")
                }
                return ReleaseHead(repository: repository, commit: commit, previousCommit: try text(ref, "previousCommit", max: 64))
            }
        }
        if let commits = root["commits"], !commits.isNull {
            guard commits.kind == .array, commits.count <= maxCommits else {
                throw APIError.badRequest("'commits' must be a list of at most \(maxCommits) commits.")
            }
            body.change.commits = try commits.elements.enumerated().map { i, c in
                guard c.kind == .object, let id = try text(c, "id", max: 64) else {
                    throw APIError.badRequest("commits[\(i)] needs an 'id'.")
                }
                return ReleaseCommit(id: id, repository: try text(c, "repository", max: 200), message: try text(c, "message", max: 10_000),
                                     authorName: try text(c, "author_name", max: 200), authorEmail: try text(c, "author_email", max: 200),
                                     timestamp: try date(c, "timestamp"))
            }
        }
        return body
    }

    /// Sentry's limit on commits per release request.
    static let maxCommits = 10_000

    /// Sentry's rules for a version: not empty, not `.`/`..`/`latest`, no slashes or control whitespace (it goes in
    /// URLs and `release:` searches).
    static func checkVersion(_ version: String) throws {
        guard !["", ".", "..", "latest"].contains(version), !version.unicodeScalars.contains(where: badVersionScalars.contains)
        else {
            throw APIError.badRequest("Invalid version: it may not be empty, '.', '..' or 'latest', nor hold slashes, tabs or line breaks.")
        }
    }

    private static let badVersionScalars: Set<Unicode.Scalar> = ["/", "\\", "\n", "\r", "\t", "\u{0C}"]

    static func text(_ object: JSONRef, _ key: String, max: Int) throws -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let s = value.string, s.utf8.count <= max else {
            throw APIError.badRequest("'\(key)' must be a string of at most \(max) bytes.")
        }
        return s.isEmpty ? nil : s
    }

    static func date(_ object: JSONRef, _ key: String) throws -> Double? {
        guard let value = object[key], !value.isNull else { return nil }
        if let s = value.string, let t = Timestamp.parse(s), Timestamp.validRange.contains(t) { return t }
        if let n = value.double, Timestamp.validRange.contains(n) { return n }
        throw APIError.badRequest("'\(key)' must be an RFC 3339 date.")
    }
}

/// `POST …/releases/{version}/deploys/`: `{"environment", "name"?, "url"?, "dateStarted"?, "dateFinished"?}`.
enum DeployBody {
    static func parse(_ root: JSONRef, now: Double) throws -> Deploy {
        guard let environment = try ReleaseBody.text(root, "environment", max: 64) else {
            throw APIError.badRequest("'environment' is required.")
        }
        guard !environment.contains(where: { $0 == "/" || $0 == "\n" || $0 == "\r" }) else {
            throw APIError.badRequest("'environment' may not hold '/' or line breaks.")
        }
        let finished = try ReleaseBody.date(root, "dateFinished") ?? now
        let started = try ReleaseBody.date(root, "dateStarted")
        if let started, started > finished { throw APIError.badRequest("'dateStarted' must not be after 'dateFinished'.") }
        return Deploy(environment: environment, name: try ReleaseBody.text(root, "name", max: 200),
                      url: try ReleaseBody.text(root, "url", max: 2000), dateStarted: started, dateFinished: finished)
    }
}

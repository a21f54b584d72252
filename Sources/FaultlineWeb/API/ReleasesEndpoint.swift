import FaultlineCore
import Foundation
import HTTPServer
import SentryProtocol

/// Releases, their commits and deploys, and the organization's repositories: what `sentry-cli releases …` and
/// `deploys …` call. Reads take any of Sentry's release-reading scopes, writes `project:releases` (or a project
/// write scope), as Sentry's release permission does.
struct ReleasesEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator

    private static let readScopes = ["project:read", "project:write", "project:admin", "project:releases"]
    private static let writeScopes = ["project:write", "project:admin", "project:releases"]

    // MARK: Releases

    /// `GET /api/0/organizations/{org}/releases/` (and a project's): newest first, `query=` a substring of the
    /// version, `project=ID` (repeated) to keep some projects' releases.
    func list(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (organization, projects) = try context(request, p, scopes: Self.readScopes)
        var query = ReleaseQuery(organizationID: organization.id)
        query.text = request.queryValue("query")
        let wanted = request.queryValues("project").filter { $0 != "-1" && !$0.isEmpty }
        if p["project"] != nil {
            query.projectIDs = projects.map(\.id)
        } else if !wanted.isEmpty {
            query.projectIDs = try wanted.map { text in
                guard let id = Int(text), projects.contains(where: { $0.id == id }) else {
                    throw APIError.forbidden("You do not have access to one of the projects named.")
                }
                return id
            }
        }
        query.limit = try Pagination.limit(request, default: 25)
        let cursor = try Pagination.cursor(request)
        if let cursor { query.after = ReleaseCursor(dateCreated: cursor.value, id: cursor.id) }
        var probe = query
        probe.limit += 1
        let found = try store.releases(probe)
        let page = Array(found.prefix(query.limit))
        let byID = try projectsByID(organization)
        var response = HTTPResponse.json(.array(page.map { ReleaseSerializer.release($0, projects: byID) }))
        let next = found.count > query.limit ? page.last.map { PageCursor(value: $0.dateCreated, id: $0.id) } : nil
        response.headers.add("Link", Pagination.link(request, next: next, current: cursor))
        return response
    }

    /// `POST /api/0/organizations/{org}/releases/` (or a project's): creates the release, 201; one that exists is
    /// changed and answered 208 as Sentry does, so `sentry-cli releases new` can run twice.
    func create(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (organization, routeProjects) = try context(request, p, scopes: Self.writeScopes)
        let body = try ReleaseBody.parse(request.jsonObjectBody())
        guard let version = body.version else { throw APIError.badRequest("'version' is required.") }
        var change = body.change
        if p["project"] != nil {
            change.projectIDs = routeProjects.map(\.id)
        } else {
            guard let names = body.projects, !names.isEmpty else { throw APIError.badRequest("'projects' is required.") }
            change.projectIDs = try projectIDs(names, in: routeProjects)
        }
        let (release, created) = try store.saveRelease(organizationID: organization.id, version: version, change)
        return HTTPResponse.json(ReleaseSerializer.release(release, projects: try projectsByID(organization)),
                                 status: created ? .created : .alreadyReported)
    }

    func detail(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (organization, projects) = try context(request, p, scopes: Self.readScopes)
        let release = try self.release(organization, p)
        if p["project"] != nil, !release.projects.contains(where: { $0.projectID == projects.first?.id }) {
            throw APIError.notFound("Release not found.")
        }
        return HTTPResponse.json(ReleaseSerializer.release(release, projects: try projectsByID(organization)))
    }

    /// `PUT …/releases/{version}/`: `ref`, `url`, `dateStarted`, `dateReleased` (finalize), `status`, `projects` (added),
    /// `refs` and `commits` (each replaces what the release had).
    func update(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (organization, projects) = try context(request, p, scopes: Self.writeScopes)
        let body = try ReleaseBody.parse(request.jsonObjectBody())
        var change = body.change
        if let names = body.projects { change.projectIDs = try projectIDs(names, in: projects) }
        guard let release = try store.updateRelease(organizationID: organization.id, version: p["version"] ?? "", change) else {
            throw APIError.notFound("Release not found.")
        }
        return HTTPResponse.json(ReleaseSerializer.release(release, projects: try projectsByID(organization)))
    }

    func delete(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (organization, _) = try context(request, p, scopes: ["project:admin", "project:releases"])
        switch try store.deleteRelease(organizationID: organization.id, version: p["version"] ?? "") {
        case .deleted: return HTTPResponse(status: .noContent)
        case .notFound: throw APIError.notFound("Release not found.")
        case .inUse: throw APIError.badRequest("This release is referenced by events or issues and cannot be removed.")
        }
    }

    func commits(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (organization, _) = try context(request, p, scopes: Self.readScopes)
        let release = try self.release(organization, p)
        return HTTPResponse.json(.array(try store.releaseCommits(releaseID: release.id).map(ReleaseSerializer.commit)))
    }

    /// The newest earlier release with commits, or `{}` (where `set-commits --local` starts its commit range).
    func previousWithCommits(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (organization, _) = try context(request, p, scopes: Self.readScopes)
        _ = try release(organization, p)
        guard let previous = try store.previousReleaseWithCommits(organizationID: organization.id, version: p["version"] ?? "")
        else { return HTTPResponse.json(.object([])) }
        return HTTPResponse.json(ReleaseSerializer.release(previous, projects: try projectsByID(organization)))
    }

    // MARK: Deploys

    func deploys(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (organization, _) = try context(request, p, scopes: Self.readScopes)
        let release = try self.release(organization, p)
        return HTTPResponse.json(.array(try store.deploys(releaseID: release.id).map(ReleaseSerializer.deploy)))
    }

    func createDeploy(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (organization, _) = try context(request, p, scopes: Self.writeScopes)
        let release = try self.release(organization, p)
        let deploy = try DeployBody.parse(request.jsonObjectBody(), now: Date().timeIntervalSince1970)
        return HTTPResponse.json(ReleaseSerializer.deploy(try store.createDeploy(releaseID: release.id, deploy)), status: .created)
    }

    // MARK: Repositories

    func repositories(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (organization, _) = try context(request, p, scopes: ["org:read"])
        return HTTPResponse.json(.array(try store.repositories(organizationID: organization.id).map(ReleaseSerializer.repository)))
    }

    /// `POST /api/0/organizations/{org}/repos/` `{"name", "url"?, "provider"?}`. A repository here is only a name that
    /// releases' commits point at (no integration, no credentials), so a release-writing token may add one.
    func createRepository(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (organization, _) = try context(request, p, scopes: ["org:write", "org:admin", "org:integrations", "project:releases"])
        let root = try request.jsonObjectBody()
        guard let name = try ReleaseBody.text(root, "name", max: 200) else { throw APIError.badRequest("'name' is required.") }
        let url = try ReleaseBody.text(root, "url", max: 2000)
        let provider = try ReleaseBody.text(root, "provider", max: 64)
        guard let repository = try store.createRepository(organizationID: organization.id, name: name, url: url, provider: provider)
        else { throw APIError.conflict("A repository with this name already exists.") }
        return HTTPResponse.json(ReleaseSerializer.repository(repository), status: .created)
    }

    // MARK: Helpers

    /// The organization (and, on project routes, the project) the path names, for a token holding one of `scopes`.
    private func context(_ request: HTTPRequest, _ p: [String: String], scopes: [String]) throws -> (Organization, [Project]) {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        var projects = try store.projects(organizationSlug: organization.slug)
        if let slug = p["project"] {
            guard let project = projects.first(where: { $0.slug == slug }) else {
                throw APIError.notFound("The requested resource does not exist.")
            }
            projects = [project]
        }
        try auth.requireAny(scopes, of: token)
        return (organization, projects)
    }

    private func release(_ organization: Organization, _ p: [String: String]) throws -> Release {
        guard let release = try store.release(organizationID: organization.id, version: p["version"] ?? "") else {
            throw APIError.notFound("Release not found.")
        }
        return release
    }

    /// Slugs or ids of the organization's projects → ids; another organization's project is not found.
    private func projectIDs(_ names: [String], in projects: [Project]) throws -> [Int] {
        try names.map { name in
            guard let project = projects.first(where: { $0.slug == name || String($0.id) == name }) else {
                throw APIError.badRequest("Invalid project: one of the projects named is not a project of this organization.")
            }
            return project.id
        }
    }

    private func projectsByID(_ organization: Organization) throws -> [Int: Project] {
        Dictionary(uniqueKeysWithValues: try store.projects(organizationSlug: organization.slug).map { ($0.id, $0) })
    }
}

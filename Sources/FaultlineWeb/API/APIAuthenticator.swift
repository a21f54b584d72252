import FaultlineCore
import Foundation
import HTTPServer

/// Bearer-token authentication for `/api/0/`. DSN keys never work here, and tokens never work on ingest.
struct APIAuthenticator: Sendable {
    let store: any FaultlineStore

    func authenticate(_ request: HTTPRequest) throws -> APIToken {
        guard let header = request.headers["Authorization"] else {
            throw APIError.unauthorized("Authentication credentials were not provided.")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("Invalid authorization header: expected 'Bearer <token>'.")
        }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty, let record = try store.token(hash: Credentials.hash(token: token)) else {
            throw APIError.unauthorized("Invalid token.")
        }
        return record
    }

    /// The organization the path names, if the token belongs to it; otherwise 404, so other
    /// organizations' slugs are not even confirmed to exist.
    func organization(_ slug: String, for token: APIToken) throws -> Organization {
        guard let organization = try store.organization(slug: slug), organization.id == token.organizationID else {
            throw APIError.notFound("The requested resource does not exist.")
        }
        return organization
    }

    func project(organization: String, project: String, for token: APIToken, scope: String) throws -> Project {
        let org = try self.organization(organization, for: token)
        guard let project = try store.project(organizationSlug: org.slug, projectSlug: project) else {
            throw APIError.notFound("The requested resource does not exist.")
        }
        try require(scope, of: token)
        return project
    }

    /// 403 unless the token has `scope`.
    func require(_ scope: String, of token: APIToken) throws {
        guard token.scopes.contains(scope) else {
            throw APIError.forbidden("You do not have permission to perform this action (needs \(scope)).")
        }
    }

    /// 403 unless the token has one of `scopes` (Sentry's permissions accept any of several).
    func requireAny(_ scopes: [String], of token: APIToken) throws {
        guard scopes.contains(where: token.scopes.contains) else {
            throw APIError.forbidden("You do not have permission to perform this action (needs one of \(scopes.joined(separator: ", "))).")
        }
    }

    /// The project a `/projects/{org}/{project}/…` route names, for the request's token with `scope`.
    func project(_ request: HTTPRequest, _ p: [String: String], scope: String) throws -> Project {
        try project(organization: p["org"] ?? "", project: p["project"] ?? "", for: authenticate(request), scope: scope)
    }
}

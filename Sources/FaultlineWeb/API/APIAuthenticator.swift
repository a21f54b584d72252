import FaultlineCore
import Foundation
import HTTPServer

/// Bearer-token authentication for `/api/0/`. DSN keys never work here, and tokens never work on ingest.
struct APIAuthenticator: Sendable {
    let store: any FaultlineStore

    /// The caller: a Bearer token, or else a dashboard session cookie (whose unsafe requests must carry the CSRF
    /// token). A request with both is taken as the token's.
    func authenticate(_ request: HTTPRequest) throws -> APIToken {
        if let header = request.headers["Authorization"] { return try bearer(header) }
        if let secret = request.cookie(SessionCookies.session) { return try session(secret, request) }
        throw APIError.unauthorized("Authentication credentials were not provided.")
    }

    private func bearer(_ header: String) throws -> APIToken {
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

    private func session(_ secret: String, _ request: HTTPRequest) throws -> APIToken {
        guard !secret.isEmpty,
              let session = try store.session(hash: Credentials.hash(token: secret), now: Date().timeIntervalSince1970),
              let member = try store.memberships(userID: session.userID).first(where: { $0.organizationID == session.organizationID })
        else {
            throw APIError.unauthorized("Your session has expired. Log in again.")
        }
        if !request.isSafeMethod {
            // SameSite=Strict already keeps the cookie off cross-site requests; the token and the origin check
            // cover browsers that do not honour it.
            guard let sent = request.headers[SessionCookies.csrfHeader],
                  Self.constantTimeEqual(Array(sent.utf8), Array(session.csrfToken.utf8)) else {
                throw APIError.forbidden("CSRF Failed: CSRF token missing or incorrect.")
            }
            guard Self.isSameOrigin(request) else { throw APIError.forbidden("CSRF Failed: Origin checking failed.") }
        }
        return session.token(role: member.role)
    }

    /// A browser's `Origin`, when sent, must name the host the request came to.
    static func isSameOrigin(_ request: HTTPRequest) -> Bool {
        guard let origin = request.headers["Origin"] else { return true }
        guard let host = request.headers["Host"], let schemeEnd = origin.firstRange(of: "://") else { return false }
        return origin[schemeEnd.upperBound...].lowercased() == host.lowercased()
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
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

extension APIToken {
    /// Who an activity entry names: the user of a session, else the token.
    var actor: String {
        if isSession, let userID { return "user:\(userID)" }
        return name.map { "token:\($0)" } ?? "token:\(id)"
    }
}

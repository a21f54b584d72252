import FaultlineCore
import HTTPServer
import SentryProtocol

/// Finding an issue by its short id and an event by its id across an organization's projects, in Sentry's
/// shapes (`GET /api/0/organizations/{org}/shortids/{short_id}/` and `…/eventids/{event_id}/`).
struct LookupsEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator

    func shortID(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.require("event:read", of: token)
        let text = p["short_id"] ?? ""
        // `PROJECT-N`: the project's slug upper-cased, then the issue's number in base 36. Slugs may hold dashes.
        guard let dash = text.lastIndex(of: "-"), let number = Int(text[text.index(after: dash)...], radix: 36), number > 0,
              let project = try store.project(organizationSlug: organization.slug, projectSlug: text[..<dash].lowercased()),
              let issue = try store.issue(projectID: project.id, shortNumber: number) else {
            throw APIError.notFound("The requested resource does not exist.")
        }
        let body = JSONValue.object([
            ("organizationSlug", .string(organization.slug)),
            ("projectSlug", .string(project.slug)),
            ("groupId", .string(String(issue.id))),
            ("shortId", .string(IssueSerializer.shortID(issue, project: project))),
            ("group", .object(IssueSerializer.summary(issue, project: project, baseURL: request.baseURL))),
        ])
        return HTTPResponse.json(body)
    }

    func eventID(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.require("event:read", of: token)
        guard let id = EventID(p["event_id"] ?? "") else { throw APIError.notFound("The requested resource does not exist.") }
        for project in try store.projects(organizationSlug: organization.slug) {
            guard let event = try store.event(projectID: project.id, eventID: id) else { continue }
            let body = JSONValue.object([
                ("organizationSlug", .string(organization.slug)),
                ("projectSlug", .string(project.slug)),
                ("groupId", event.issueID.map { .string(String($0)) } ?? .null),
                ("eventId", .string(id.hex)),
                ("event", try EventSerializer.detail(event, projectID: project.id)),
            ])
            return HTTPResponse.json(body)
        }
        throw APIError.notFound("The requested resource does not exist.")
    }
}

import FaultlineCore
import HTTPServer
import SentryProtocol

/// A project's events: the list (`GET /api/0/projects/{org}/{project}/events/`), one event, and its `json/` raw form.
struct EventsEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator

    /// Newest first, `full=true` for the whole event shape, cursor pagination (what `sentry-cli events list` reads).
    func list(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "event:read")
        let limit = try Pagination.limit(request, default: 50)
        let cursor = try Pagination.cursor(request)
        var before: Int?
        if let cursor {
            guard let row = cursor.rowID else {
                throw APIError.badRequest("Invalid cursor parameter.")
            }
            before = row
        }
        let full = ["1", "true"].contains(request.queryValue("full") ?? "")
        let events = try store.projectEvents(projectID: project.id, limit: limit + 1, beforeRowID: before)
        let page = Array(events.prefix(limit))
        let body = JSONValue.array(try page.map { event in
            full ? try EventSerializer.detail(event, projectID: project.id) : try EventSerializer.summary(event, projectID: project.id)
        })
        var response = HTTPResponse.json(body)
        let next = events.count > limit ? page.last.map { PageCursor(value: Double($0.rowID)) } : nil
        response.headers.add("Link", Pagination.link(request, next: next, current: cursor))
        return response
    }

    func detail(_ request: HTTPRequest, _ p: [String: String], raw: Bool) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "event:read")
        guard let id = EventID(p["event_id"] ?? "") else { throw APIError.notFound("Event not found.") }
        guard let event = try store.event(projectID: project.id, eventID: id) else {
            throw APIError.notFound("Event not found.")
        }
        if raw {
            return HTTPResponse(status: .ok, contentType: "application/json", body: event.json)
        }
        let body = try EventSerializer.detail(event, projectID: project.id).serialized
        return HTTPResponse(status: .ok, contentType: "application/json", body: body)
    }
}

import FaultlineCore
import HTTPServer
import SentryProtocol

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/` and its `json/` raw form.
struct EventsEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator

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

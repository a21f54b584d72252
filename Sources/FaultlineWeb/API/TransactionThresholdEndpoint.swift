import FaultlineCore
import Foundation
import HTTPServer
import SentryProtocol

/// `GET`/`POST`/`DELETE /api/0/projects/{org}/{project}/transaction-threshold/configure/`: the project's apdex and
/// user-misery threshold, in Sentry's shape (`{"id", "threshold": "300", "metric": "duration", "projectId", …}`).
/// GET answers the default (id `""`) when none is set; POST sets the fields it names (201 the first time); DELETE
/// goes back to the default. `apdex()`, `user_misery()` and `count_miserable(user)` without an argument use it.
struct TransactionThresholdEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator

    func detail(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "project:read")
        return Self.response(try stored(project.id), projectID: project.id, status: .ok)
    }

    func update(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let project = try auth.project(organization: p["org"] ?? "", project: p["project"] ?? "", for: token, scope: "project:write")
        let body = try request.jsonObjectBody()
        let before = try stored(project.id)
        let threshold: TransactionThreshold
        do {
            threshold = try TransactionThreshold.updated(before, body: body, editor: token.userID.map(String.init),
                                                          now: Date().timeIntervalSince1970)
        } catch {
            throw APIError.badRequest(error.message)
        }
        try store.setProjectOptions(projectID: project.id, [ProjectConfig.Option.transactionThreshold: threshold.stored])
        return Self.response(threshold, projectID: project.id, status: before == nil ? .created : .ok)
    }

    func reset(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "project:write")
        try store.setProjectOptions(projectID: project.id, [ProjectConfig.Option.transactionThreshold: "{}"])
        return HTTPResponse(status: .noContent)
    }

    private func stored(_ projectID: Int) throws -> TransactionThreshold? {
        TransactionThreshold(stored: try store.projectOptions(projectID: projectID)[ProjectConfig.Option.transactionThreshold])
    }

    private static func response(_ t: TransactionThreshold?, projectID: Int, status: HTTPStatus) -> HTTPResponse {
        var fields: [(key: String, value: JSONValue)] = [
            ("id", .string(t == nil ? "" : String(projectID))),
            ("threshold", .string(String(t?.threshold ?? TransactionThreshold.defaultThreshold))),
            ("metric", .string(t?.metric ?? "duration")),
            ("projectId", .string(String(projectID))),
        ]
        if let t {
            fields.append(("editedBy", t.editedBy.map(JSONValue.string) ?? .null))
            fields.append(("dateAdded", .string(Timestamp.format(t.dateAdded))))
            fields.append(("dateUpdated", .string(Timestamp.format(t.dateUpdated))))
        }
        var response = HTTPResponse.json(.object(fields))
        response.status = status
        return response
    }
}

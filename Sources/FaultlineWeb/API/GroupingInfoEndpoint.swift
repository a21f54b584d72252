import EventProcessing
import FaultlineCore
import HTTPServer
import SentryProtocol

/// `GET /api/0/projects/{org}/{project}/events/{event_id}/grouping-info/`: why an event is in its issue.
/// Shows the record kept for its hash (the contributing components when it was grouped) and the full
/// component tree recomputed from the stored event, with a hint for every part that did not count
/// (`GroupingExplanation` computes it; this serializes).
struct GroupingInfoEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator

    /// `GET /api/0/grouping-configs/`: the strategies a project can be grouped with, newest last, as Sentry lists its
    /// grouping configs (`latest` marks the one new projects start on).
    func configs(_ request: HTTPRequest) throws -> HTTPResponse {
        _ = try auth.authenticate(request)
        let body = JSONValue.array(GroupingStrategy.allCases.map { strategy in
            .object([
                ("id", .string(strategy.rawValue)),
                ("latest", .bool(strategy == .latest)),
                ("hidden", .bool(false)),
                ("changelog", .string(strategy.changelog)),
            ])
        })
        return HTTPResponse(status: .ok, contentType: "application/json", body: body.serialized)
    }

    func info(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "event:read")
        guard let id = EventID(p["event_id"] ?? "") else { throw APIError.notFound("Event not found.") }
        let explanation: GroupingExplanation
        do {
            explanation = try GroupingExplanation.explain(store, projectID: project.id, eventID: id)
        } catch GroupingExplanation.Failure.eventNotFound {
            throw APIError.notFound("Event not found.")
        } catch GroupingExplanation.Failure.notGrouped {
            throw APIError.notFound("This event is not grouped (transactions are not).")
        }
        let now = explanation.current
        let hash = explanation.hash
        var fields: [(key: String, value: JSONValue)] = [
            ("eventID", .string(explanation.event.eventID.hex)),
            ("groupID", explanation.event.issueID.map { .string(String($0)) } ?? .null),
            ("hash", .string(hash)),
            ("strategy", .string(explanation.recorded?.strategy ?? explanation.strategy.rawValue)),
        ]
        if let record = explanation.recorded, let stored = try? JSONDocument(bytes: Array(record.components.utf8)) {
            fields.append(("recorded", stored.root.value))
        }
        var recomputed: [(key: String, value: JSONValue)] = [
            ("hash", .string(now.hash)),
            ("variant", .string(now.variant)),
            ("variantReason", .string(explanation.variantReason)),
            ("matchesRecordedHash", .bool(now.hash == hash)),
        ]
        if let rule = now.matchedRule { recomputed.append(("rule", .string(rule))) }
        if let fp = now.fingerprint { recomputed.append(("fingerprint", .array(fp.map { .string($0) }))) }
        recomputed.append(("component", now.root.json()))
        fields.append(("current", .object(recomputed)))
        return HTTPResponse(status: .ok, contentType: "application/json", body: JSONValue.object(fields).serialized)
    }
}

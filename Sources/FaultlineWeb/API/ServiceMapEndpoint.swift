import FaultlineCore
import Foundation
import HTTPServer
import SentryProtocol

/// `GET /api/0/organizations/{org}/service-map/`: which service (project) calls which, from the traces of the range
/// (`statsPeriod` or `start`/`end`, default 24 h; `project`, repeated): per edge the calls, their p95 and error rate
/// and the caller's busiest operations; per node the calls it makes and receives. Read from the newest 20,000
/// transactions started by another transaction's span.
struct ServiceMapEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator
    let events: OrganizationEventsEndpoint

    static let maxCalls = 20_000

    func map(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.requireAny(["event:read", "org:read"], of: token)
        let range = try TimeRange.parse(request, defaultPeriod: 86_400)
        let projects = try events.projects(request, organization)
        let calls = try store.serviceCalls(projectIDs: projects.map(\.id), since: range.start, until: range.end,
                                           limit: Self.maxCalls)
        let edges = ServiceMap.edges(calls)
        let byID = Dictionary(uniqueKeysWithValues: projects.map { ($0.id, $0) })
        var outgoing: [Int: Int] = [:]
        var incoming: [Int: Int] = [:]
        for edge in edges {
            outgoing[edge.callerProjectID, default: 0] += edge.calls
            incoming[edge.calleeProjectID, default: 0] += edge.calls
        }
        let nodeIDs = Set(outgoing.keys).union(incoming.keys).sorted()
        let nodes: [JSONValue] = nodeIDs.compactMap { id in
            guard let project = byID[id] else { return nil }
            return .object([("id", .string(String(id))), ("slug", .string(project.slug)), ("name", .string(project.name)),
                            ("callsOut", .int(outgoing[id] ?? 0)), ("callsIn", .int(incoming[id] ?? 0))])
        }
        let edgeJSON: [JSONValue] = edges.compactMap { edge in
            guard let caller = byID[edge.callerProjectID], let callee = byID[edge.calleeProjectID] else { return nil }
            return .object([
                ("source", .string(caller.slug)), ("target", .string(callee.slug)), ("calls", .int(edge.calls)),
                ("p95", .double(edge.p95MS)), ("errorRate", .double(edge.errorRate)),
                ("operations", .array(edge.operations.map(JSONValue.string))),
            ])
        }
        return HTTPResponse.json(.object([
            ("nodes", .array(nodes)), ("edges", .array(edgeJSON)),
            ("start", .string(Timestamp.format(range.start))), ("end", .string(Timestamp.format(range.end))),
        ]))
    }
}

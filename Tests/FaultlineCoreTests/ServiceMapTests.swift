import EventProcessing
import SentryProtocol
import Testing
@testable import FaultlineCore

/// Calls between services from one trace's transactions, and the edges they add up to.
struct ServiceMapTests {
    static let trace = EventID(bytes: [UInt8](repeating: 7, count: 16))!

    static func span(_ id: UInt64, _ description: String, ms: Double, status: Int? = nil) -> SpanRecord {
        SpanRecord(spanID: id, parentSpanID: 1, segmentID: 1, op: "http.client", description: description, group: "g",
                   truncated: false, start: 0, durationMS: ms, selfTimeMS: ms, status: nil, dbSystem: nil,
                   httpStatusCode: status, httpResponseContentLength: nil)
    }

    @Test func childrenUnderAnotherProjectsSpansAreCalls() {
        // Project 1 (web) calls project 2 (api) twice through its HTTP spans; api calls itself (not a service call);
        // one child's parent is unknown.
        let owners: [UInt64: (projectID: Int, span: SpanRecord?)] = [
            10: (1, Self.span(10, "GET https://api.example.com/users/*", ms: 120)),
            11: (1, Self.span(11, "GET https://api.example.com/users/*", ms: 80, status: 503)),
            20: (2, Self.span(20, "GET https://api.internal/x", ms: 5)),
            2: (1, nil),
        ]
        let children = [
            ServiceMap.Child(traceID: Self.trace, projectID: 2, parentSpanID: 10, durationMS: 100, status: "ok"),
            ServiceMap.Child(traceID: Self.trace, projectID: 2, parentSpanID: 11, durationMS: 70, status: "ok"),
            ServiceMap.Child(traceID: Self.trace, projectID: 2, parentSpanID: 20, durationMS: 3, status: "ok"),
            ServiceMap.Child(traceID: Self.trace, projectID: 3, parentSpanID: 2, durationMS: 40, status: "internal_error"),
            ServiceMap.Child(traceID: Self.trace, projectID: 3, parentSpanID: 99, durationMS: 40, status: "ok"),
        ]
        let calls = ServiceMap.calls(children: children, owners: owners)
        #expect(calls.count == 3)
        #expect(calls[0] == ServiceCall(callerProjectID: 1, calleeProjectID: 2, operation: "GET https://api.example.com/users/*",
                                        durationMS: 120, failed: false), "the caller's view of the call")
        #expect(calls[1].failed, "a 5xx seen by the caller")
        #expect(calls[2] == ServiceCall(callerProjectID: 1, calleeProjectID: 3, operation: nil, durationMS: 40, failed: true),
                "under the caller's root span: the callee's duration and status")

        let edges = ServiceMap.edges(calls)
        #expect(edges.map { [$0.callerProjectID, $0.calleeProjectID, $0.calls] } == [[1, 2, 2], [1, 3, 1]])
        #expect(edges[0].errorRate == 0.5 && edges[0].operations == ["GET https://api.example.com/users/*"])
        #expect(abs(edges[0].p95MS - 118) < 1e-9, "\(edges[0].p95MS)")
        #expect(ServiceMap.edges([]).isEmpty)
    }
}

import EventProcessing
import SentryProtocol

/// One call between services seen in a trace: a transaction (the callee) whose parent span belongs to a transaction
/// of another project (the caller) — an outgoing HTTP span of one service that started a transaction in another.
public struct ServiceCall: Sendable, Equatable {
    public var callerProjectID: Int
    public var calleeProjectID: Int
    /// The caller's span, parameterized (`GET https://api.example.com/users/*`), when it was stored.
    public var operation: String?
    /// The call as the caller saw it (its span's duration), else the callee's transaction duration, in ms.
    public var durationMS: Double
    /// The callee's transaction failed (status not ok, cancelled or unknown) or the caller's span saw a 5xx.
    public var failed: Bool

    public init(callerProjectID: Int, calleeProjectID: Int, operation: String?, durationMS: Double, failed: Bool) {
        self.callerProjectID = callerProjectID
        self.calleeProjectID = calleeProjectID
        self.operation = operation
        self.durationMS = durationMS
        self.failed = failed
    }
}

/// Which service calls which, from the traces' cross-project transactions: per edge the number of calls, their p95
/// and error rate, and the operations seen most. Pure code over the calls a store found.
public enum ServiceMap {
    public struct Edge: Sendable, Equatable {
        public var callerProjectID: Int
        public var calleeProjectID: Int
        public var calls: Int
        public var p95MS: Double
        public var errorRate: Double
        /// The caller's operations on this edge, most frequent first (at most five).
        public var operations: [String]
    }

    /// A child transaction as stored: its trace, project, the span it hangs under, duration and status.
    public struct Child: Sendable {
        public var traceID: EventID
        public var projectID: Int
        public var parentSpanID: UInt64
        public var durationMS: Double
        public var status: String?

        public init(traceID: EventID, projectID: Int, parentSpanID: UInt64, durationMS: Double, status: String?) {
            self.traceID = traceID
            self.projectID = projectID
            self.parentSpanID = parentSpanID
            self.durationMS = durationMS
            self.status = status
        }
    }

    /// The calls among one trace's transactions: a child whose parent span is the root span or a span of a
    /// transaction of another project. Children under their own project's spans are not service calls.
    public static func calls(children: [Child], owners: [UInt64: (projectID: Int, span: SpanRecord?)]) -> [ServiceCall] {
        children.compactMap { child in
            guard let owner = owners[child.parentSpanID], owner.projectID != child.projectID else { return nil }
            let failedStatus = child.status.map { !TransactionTable.nonFailure.contains($0) } ?? false
            let serverError = (owner.span?.httpStatusCode ?? 0) >= 500
            let duration = owner.span.map(\.durationMS).flatMap { $0 > 0 ? $0 : nil } ?? child.durationMS
            return ServiceCall(callerProjectID: owner.projectID, calleeProjectID: child.projectID,
                               operation: owner.span.map(\.description).flatMap { $0.isEmpty ? nil : $0 },
                               durationMS: duration, failed: failedStatus || serverError)
        }
    }

    /// The edges, busiest first.
    public static func edges(_ calls: [ServiceCall]) -> [Edge] {
        struct Key: Hashable { var caller: Int; var callee: Int }
        var groups: [Key: [Int]] = [:]
        for (i, call) in calls.enumerated() {
            groups[Key(caller: call.callerProjectID, callee: call.calleeProjectID), default: []].append(i)
        }
        return groups.map { key, members in
            var operations: [String: Int] = [:]
            for i in members { if let op = calls[i].operation { operations[op, default: 0] += 1 } }
            let failures = members.filter { calls[$0].failed }.count
            return Edge(callerProjectID: key.caller, calleeProjectID: key.callee, calls: members.count,
                        p95MS: TransactionTable.percentile(members.map { calls[$0].durationMS }, 0.95) ?? 0,
                        errorRate: Double(failures) / Double(max(1, members.count)),
                        operations: operations.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                            .prefix(5).map(\.key))
        }.sorted {
            ($0.calls, $1.callerProjectID, $1.calleeProjectID) > ($1.calls, $0.callerProjectID, $0.calleeProjectID)
        }
    }
}

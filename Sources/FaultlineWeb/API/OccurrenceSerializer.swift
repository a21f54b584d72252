import FaultlineCore
import SentryProtocol

/// A performance issue's event carries Sentry's `occurrence`: what the detector found, as data (`evidenceData`) and as
/// the rows the issue page shows (`evidenceDisplay`), built from the evidence kept with the issue's hash.
enum OccurrenceSerializer {
    static func occurrence(evidence text: String, issue: Issue) -> JSONValue? {
        guard let document = try? JSONDocument(bytes: Array(text.utf8)), document.root.kind == .object else { return nil }
        let evidence = document.root
        let description = evidence["description"]?.string ?? ""
        let transaction = evidence["transaction"]?.string ?? ""
        let count = evidence["count"]?.int ?? 0
        let total = evidence["totalDurationMS"]?.double ?? 0
        let parentOp = evidence["parent"]?["op"]?.string
        let parentDescription = evidence["parent"]?["description"]?.string ?? ""
        let spans = evidence["offendingSpanIDs"]?.value ?? .array([])
        var display: [JSONValue] = [row("Transaction", transaction, important: false)]
        if let parentOp { display.append(row("Parent Span", "\(parentOp) - \(parentDescription)", important: false)) }
        let repeated = issue.type == "performance_n_plus_one_db_queries" || issue.type == "performance_n_plus_one_api_calls"
        let consecutive = issue.type == "performance_consecutive_db_queries"
        let before = evidence["baselineP95MS"]?.double
        let after = evidence["recentP95MS"]?.double
        // A regression is about the endpoint as a whole: it has no offending span and no span duration to show.
        if before == nil || after == nil {
            display.append(row(repeated ? "Repeating Spans (\(count))" : consecutive ? "Consecutive Spans (\(count))" : "Offending Span",
                               description, important: true))
            display.append(row("Total Duration", String(format: "%.1f ms", total), important: false))
        }
        let saved = evidence["timeSavedMS"]?.double
        if let saved { display.append(row("Time Saved in Parallel", String(format: "%.1f ms", saved), important: true)) }
        if let before, let after {
            display.append(row("p95 Before (7 days)", String(format: "%.1f ms over %d transactions", before,
                                                             evidence["baselineCount"]?.int ?? 0), important: false))
            display.append(row("p95 Now (last day)", String(format: "%.1f ms over %d transactions", after,
                                                            evidence["recentCount"]?.int ?? 0), important: true))
            let change = before > 0 ? (after / before - 1) * 100 : 0
            display.append(row("Change", String(format: "+%.0f %%", change), important: true))
        }
        var data: [(key: String, value: JSONValue)] = [
            ("transactionName", .string(transaction)),
            ("offenderSpanIds", spans),
            ("numRepeatingSpans", .int(count)),
            ("repeatingSpansCompact", .array([.string(description)])),
            ("totalDurationMS", .double(total)),
        ]
        if let saved { data.append(("timeSavedMS", .double(saved))) }
        if let before, let after {
            data.append(("breakpoint", .object([
                ("aggregateBefore", .double(before)), ("aggregateAfter", .double(after)),
                ("countBefore", .int(evidence["baselineCount"]?.int ?? 0)), ("countAfter", .int(evidence["recentCount"]?.int ?? 0)),
            ])))
        }
        if let parentOp {
            data.append(("parentSpan", .string("\(parentOp) - \(parentDescription)")))
        }
        return .object([
            ("type", .string(issue.type)),
            ("issueTitle", .string(issue.title)),
            ("subtitle", .string(description)),
            ("culprit", .string(transaction)),
            ("fingerprint", .array([evidence["fingerprint"]?.value ?? .null])),
            ("evidenceData", .object(data)),
            ("evidenceDisplay", .array(display)),
        ])
    }

    private static func row(_ name: String, _ value: String, important: Bool) -> JSONValue {
        .object([("name", .string(name)), ("value", .string(value)), ("important", .bool(important))])
    }
}

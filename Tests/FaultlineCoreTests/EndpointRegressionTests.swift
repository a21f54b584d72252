import EventProcessing
import SentryProtocol
import Testing
@testable import FaultlineCore

/// An endpoint's p95 over the last day against the week before: when it counts as a regression, and what is filed.
struct EndpointRegressionTests {
    static func durations(_ count: Int, around ms: Double) -> [Double] {
        (0..<count).map { ms + Double($0 % 10) }  // ms … ms + 9
    }

    @Test func aSlowerEndpointIsFoundWithItsFigures() throws {
        let baseline = ["/checkout": Self.durations(40, around: 100), "/search": Self.durations(40, around: 100)]
        let recent = ["/checkout": Self.durations(40, around: 300), "/search": Self.durations(40, around: 105)]
        let found = EndpointRegression.find(baseline: baseline, recent: recent)
        let regression = try #require(found.first)
        #expect(found.count == 1 && regression.description == "/checkout" && regression.kind == .endpointRegression)
        #expect(regression.fingerprint == EndpointRegression.fingerprint("/checkout") && regression.fingerprint.hasPrefix("1-1018-"))
        #expect(abs((regression.baselineP95MS ?? 0) - 109) < 1e-9 && abs((regression.recentP95MS ?? 0) - 309) < 1e-9)
        #expect(regression.baselineCount == 40 && regression.recentCount == 40)
        let evidence = String(decoding: regression.evidenceJSON(transaction: "/checkout"), as: UTF8.self)
        #expect(evidence.contains(#""baselineP95MS":109"#) && evidence.contains(#""recentP95MS":309"#), "\(evidence)")
    }

    @Test func notARegression() {
        // Too few transactions in either window; slower by less than 20 %; slower by less than 50 ms; faster.
        #expect(EndpointRegression.find(baseline: ["/a": Self.durations(29, around: 100)], recent: ["/a": Self.durations(40, around: 500)]).isEmpty)
        #expect(EndpointRegression.find(baseline: ["/a": Self.durations(40, around: 100)], recent: ["/a": Self.durations(29, around: 500)]).isEmpty)
        #expect(EndpointRegression.find(baseline: ["/a": Self.durations(40, around: 1000)], recent: ["/a": Self.durations(40, around: 1150)]).isEmpty)
        #expect(EndpointRegression.find(baseline: ["/a": Self.durations(40, around: 100)], recent: ["/a": Self.durations(40, around: 140)]).isEmpty)
        #expect(EndpointRegression.find(baseline: ["/a": Self.durations(40, around: 300)], recent: ["/a": Self.durations(40, around: 100)]).isEmpty)
        #expect(EndpointRegression.find(baseline: [:], recent: ["/new": Self.durations(40, around: 900)]).isEmpty, "no baseline: new")
        // Worst first.
        let both = EndpointRegression.find(baseline: ["/a": Self.durations(40, around: 100), "/b": Self.durations(40, around: 100)],
                                           recent: ["/a": Self.durations(40, around: 200), "/b": Self.durations(40, around: 400)])
        #expect(both.map(\.description) == ["/b", "/a"])
    }

    @Test func theBatchFilesOneOccurrencePerEndpointAndDay() throws {
        let problems = EndpointRegression.find(baseline: ["/checkout": Self.durations(40, around: 100)],
                                               recent: ["/checkout": Self.durations(40, around: 300)])
        let now = 1_800_000_000.0
        let batch = try RegressionMonitor.batch(projectID: 3, problems: problems, strategy: .latest, now: now)
        let again = try RegressionMonitor.batch(projectID: 3, problems: problems, strategy: .latest, now: now + 3600)
        let tomorrow = try RegressionMonitor.batch(projectID: 3, problems: problems, strategy: .latest, now: now + 86_400)
        #expect(batch.events.count == 1 && batch.events[0].isOccurrence && batch.events[0].issue?.descriptor.type == "performance_p95_endpoint_regression")
        #expect(batch.events[0].eventID == again.events[0].eventID, "within the day: the same occurrence, deduplicated")
        #expect(batch.events[0].eventID != tomorrow.events[0].eventID)
        // The stored body reads back as an envelope item.
        let envelope = try EnvelopeParser.parse(batch.payload?.bytes ?? [])
        let item = try JSONDocument(bytes: Array(envelope.payload(of: envelope.items[0])))
        #expect(item.root["transaction"]?.string == "/checkout")
        #expect(item.root["contexts"]?["regression"]?["recent_p95_ms"]?.double == 309)
    }
}

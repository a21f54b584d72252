import Foundation
import Testing
@testable import SentryProtocol

@Suite struct EnvelopeParserTests {
    @Test func parsesEveryCorpusEnvelope() throws {
        let envelopes = try Fixtures.envelopes()
        #expect(envelopes.count > 40)
        var seen = Set<String>()
        for (name, envelope) in envelopes {
            #expect(!envelope.items.isEmpty, "\(name)")
            for item in envelope.items {
                seen.insert(item.type.name)
                // Python's SDK always writes length: the framing must agree with it.
                #expect(item.header.root["length"]?.int == item.payload.count, "\(name)")
            }
        }
        for type in ["event", "transaction", "attachment", "session", "sessions", "check_in", "log", "client_report",
                     "profile", "feedback", "user_report", "trace_metric"] {
            #expect(seen.contains(type), "corpus covers \(type)")
        }
    }

    @Test func sentryCLIHyphenatedEventID() throws {
        let envelope = try EnvelopeParser.parse(try Fixtures.bytes("082_cli_send_event_message_1.body"))
        #expect(envelope.eventID != nil)
        #expect(envelope.eventID?.hex.count == 32)
    }

    @Test func itemsWithAndWithoutLengthAndNoFinalNewline() throws {
        let text = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"unknown\":1}\n"
            + "{\"type\":\"attachment\",\"length\":3}\nabc\n"
            + "{\"type\":\"event\"}\n{\"message\":\"hi\"}\n"
            + "{\"type\":\"attachment\",\"length\":0}\n\n"
            + "{\"type\":\"client_report\"}\n{}"
        let envelope = try EnvelopeParser.parse(Array(text.utf8))
        #expect(envelope.items.map(\.type) == [.attachment, .event, .attachment, .clientReport])
        #expect(String(decoding: envelope.payload(of: envelope.items[0]), as: UTF8.self) == "abc")
        #expect(String(decoding: envelope.payload(of: envelope.items[1]), as: UTF8.self) == "{\"message\":\"hi\"}")
        #expect(envelope.payload(of: envelope.items[2]).isEmpty)
        #expect(String(decoding: envelope.payload(of: envelope.items[3]), as: UTF8.self) == "{}")
        #expect(envelope.header.root["unknown"]?.int == 1)
    }

    @Test func headerOnlyEnvelopes() throws {
        #expect(try EnvelopeParser.parse(Array("{}".utf8)).items.isEmpty)
        #expect(try EnvelopeParser.parse(Array("{}\n".utf8)).items.isEmpty)
    }

    @Test func binaryPayloadWithNewlines() throws {
        let payload: [UInt8] = [0, 10, 10, 255, 10]
        let bytes = Array("{}\n{\"type\":\"attachment\",\"length\":5}\n".utf8) + payload
        let envelope = try EnvelopeParser.parse(bytes)
        #expect(Array(envelope.payload(of: envelope.items[0])) == payload)
    }

    @Test(arguments: [
        ("", ProtocolError.emptyBody),
        ("[]", .invalidEnvelope("envelope header is not a JSON object")),
        ("{\"event_id\":\"nope\"}", .invalidEventID),
        ("{}\n{\"type\":\"event\",\"length\":10}\nabc", .invalidEnvelope("an item is shorter than its length")),
        ("{}\n{\"type\":\"event\",\"length\":1}\nabc", .invalidEnvelope("an item is longer than its length")),
        ("{}\n{\"type\":\"event\",\"length\":-1}\nabc", .invalidEnvelope("invalid item length")),
        ("{}\n{\"length\":1}\na", .invalidEnvelope("item header without a type")),
        ("{\"a\":1,\"a\":2}", .invalidEnvelope("duplicate key in envelope header")),
        ("{}\n{\"type\":\"log\",\"item_count\":9223372036854775807}\n{}", .invalidEnvelope("item_count must be a whole number from 0 to 100000")),
        ("{}\n{\"type\":\"log\",\"item_count\":-1}\n{}", .invalidEnvelope("item_count must be a whole number from 0 to 100000")),
        ("{}\n{\"type\":\"log\",\"item_count\":\"5\"}\n{}", .invalidEnvelope("item_count must be a whole number from 0 to 100000")),
    ])
    func rejects(text: String, error: ProtocolError) {
        #expect(throws: error) { try EnvelopeParser.parse(Array(text.utf8)) }
    }

    @Test func eventItemSizeLimit() {
        let big = "{}\n{\"type\":\"event\"}\n{\"m\":\"" + String(repeating: "x", count: 1024 * 1024) + "\"}"
        #expect(throws: ProtocolError.itemTooLarge(type: .event, limit: 1024 * 1024)) {
            try EnvelopeParser.parse(Array(big.utf8))
        }
    }
}

@Suite struct SentryAuthTests {
    @Test func headerForms() throws {
        let python = try SentryAuth.parseHeader("Sentry sentry_key=abc, sentry_version=7, sentry_client=sentry.python/2.75.0")
        #expect(python == SentryAuth(publicKey: "abc", version: "7", client: "sentry.python/2.75.0"))
        let cli = try SentryAuth.parseHeader("Sentry sentry_key=k,sentry_secret=s,sentry_timestamp=1732.5,sentry_version=7")
        #expect(cli.publicKey == "k" && cli.secretKey == "s")
        #expect(throws: ProtocolError.self) { try SentryAuth.parseHeader("Sentry sentry_version=7") }
        #expect(throws: ProtocolError.self) { try SentryAuth.parseHeader("Sentry sentry_key=k, sentry_version=99") }
    }

    @Test func sources() throws {
        let q: [(name: String, value: String)] = [("sentry_key", "abc"), ("sentry_version", "7")]
        #expect(try SentryAuth.fromRequest(xSentryAuth: nil, authorization: nil, query: q)?.publicKey == "abc")
        #expect(try SentryAuth.fromRequest(xSentryAuth: nil, authorization: "Basic YWJjOnNlY3JldA==", query: [])?.secretKey == "secret")
        #expect(try SentryAuth.fromRequest(xSentryAuth: nil, authorization: "Bearer xyz", query: []) == nil)
        #expect(try SentryAuth.fromRequest(xSentryAuth: "Sentry sentry_key=abc", authorization: nil, query: q)?.publicKey == "abc")
        #expect(throws: ProtocolError.multipleAuth) {
            try SentryAuth.fromRequest(xSentryAuth: "Sentry sentry_key=other", authorization: nil, query: q)
        }
    }

    @Test func dsn() {
        let dsn = DSN("https://abc:def@o1.example.com:9000/sub/path/42")
        #expect(dsn?.publicKey == "abc" && dsn?.secretKey == "def" && dsn?.projectID == "42")
        #expect(DSN("http://abc@127.0.0.1:9000/1")?.projectID == "1")
        #expect(DSN("not a dsn") == nil)
    }
}

@Suite struct EventIDAndTimestampTests {
    @Test func eventIDForms() {
        let plain = EventID("9ec79c33ec9942ab8353589fcb2e04dc")
        #expect(plain == EventID("9EC79C33-EC99-42AB-8353-589FCB2E04DC"))
        #expect(plain?.hex == "9ec79c33ec9942ab8353589fcb2e04dc")
        #expect(EventID(bytes: plain!.bytes) == plain)
        #expect(EventID("9ec79c33ec9942ab8353589fcb2e04d") == nil)
        #expect(EventID("9ec79c33-ec99-42ab-8353589fcb2e04dc") == nil)
        #expect(EventID("zzc79c33ec9942ab8353589fcb2e04dc") == nil)
        #expect(EventID.random() != EventID.random())
    }

    @Test func timestamps() {
        #expect(Timestamp.parse("1970-01-01T00:00:00Z") == 0)
        #expect(Timestamp.parse("2026-11-22T10:00:00.5Z") == 1795341600.5)
        #expect(Timestamp.parse("2026-11-22T10:00:00+01:00") == 1795338000)
        #expect(Timestamp.parse("2026-11-22T10:00:00") == 1795341600)
        #expect(Timestamp.parse("2026-13-22T10:00:00Z") == nil)
        #expect(Timestamp.parse("yesterday") == nil)
        #expect(Timestamp.format(1795341600.25) == "2026-11-22T10:00:00.250000Z")
        #expect(Timestamp.format(0) == "1970-01-01T00:00:00Z")
    }
}

@Suite struct SentryAuthHeaderEdgeTests {
    @Test func caseQuotesAndSpacing() throws {
        let a = try SentryAuth.parseHeader("SENTRY Sentry_Key=\"abc\" ,  sentry_version = 7,sentry_client=x/1")
        #expect(a.publicKey == "abc" && a.version == "7" && a.client == "x/1")
        let bare = try SentryAuth.parseHeader("sentry_key=k")
        #expect(bare.publicKey == "k")
        #expect(throws: ProtocolError.self) { try SentryAuth.parseHeader("Sentry sentry_keyX=abc") }
    }
}

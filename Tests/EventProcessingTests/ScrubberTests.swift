import EventProcessing
import Foundation
import SentryProtocol
import Testing

@Suite struct ScrubberTests {
    func scrubbed(_ object: [String: Any], config: ScrubbingConfig = .default) throws -> [String: Any]? {
        let doc = try eventJSON(object)
        guard let bytes = Scrubber.scrub(doc, config: config) else { return nil }
        _ = try JSONDocument(bytes: bytes)  // still valid JSON
        return try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
    }

    @Test func sensitiveKeysAndHeaders() throws {
        let out = try #require(try scrubbed([
            "request": [
                "headers": ["Authorization": "Bearer abc123", "Cookie": "sid=xyz", "X-Api-Key": "k-999", "Accept": "text/html"],
                "data": ["password": "hunter2", "username": "jane", "nested": ["api_key": 12345]],
                "query_string": "page=2&access_token=tok-777",
            ],
            "extra": ["db_passwd": "pw", "MySecretThing": ["a": "b"], "count": 3],
        ]))
        let request = out["request"] as? [String: Any]
        let headers = request?["headers"] as? [String: Any]
        #expect(headers?["Authorization"] as? String == "[Filtered]")
        #expect(headers?["Cookie"] as? String == "[Filtered]")
        #expect(headers?["X-Api-Key"] as? String == "[Filtered]")
        #expect(headers?["Accept"] as? String == "text/html")
        let data = request?["data"] as? [String: Any]
        #expect(data?["password"] as? String == "[Filtered]")
        #expect(data?["username"] as? String == "jane")
        #expect((data?["nested"] as? [String: Any])?["api_key"] as? String == "[Filtered]")
        #expect(request?["query_string"] as? String == "page=2&access_token=[Filtered]")
        let extra = out["extra"] as? [String: Any]
        #expect(extra?["db_passwd"] as? String == "[Filtered]")
        #expect((extra?["MySecretThing"] as? [String: Any])?["a"] as? String == "[Filtered]")
        #expect(extra?["count"] as? Int == 3)
    }

    /// The review found `request.url` and breadcrumb URLs keeping `?password=…&token=…&api_key=…`.
    @Test func queryStringsInsideURLValues() throws {
        let out = try #require(try scrubbed([
            "request": ["url": "https://shop.example/login?user=jane&password=hunter2&next=%2Fhome#top"],
            "breadcrumbs": ["values": [
                ["category": "http", "data": ["url": "https://api.example/v1?token=t-1&api_key=k-2&page=3", "method": "GET"]],
                ["category": "navigation", "data": ["from": "/a?session=s-9", "to": "/b?q=shoes"]],
                ["category": "http", "data": ["url": "https://api.example/plain"]],
            ]],
            "spans": [["op": "http.client", "data": ["http.url": "https://x/y?secret=s", "http.query": "auth=a&x=1"]]],
        ]))
        let request = out["request"] as? [String: Any]
        #expect(request?["url"] as? String == "https://shop.example/login?user=jane&password=[Filtered]&next=%2Fhome#top")
        let crumbs = ((out["breadcrumbs"] as? [String: Any])?["values"] as? [[String: Any]])?.map { $0["data"] as? [String: Any] }
        #expect(crumbs?[0]?["url"] as? String == "https://api.example/v1?token=[Filtered]&api_key=[Filtered]&page=3")
        #expect(crumbs?[1]?["from"] as? String == "/a?session=[Filtered]")
        #expect(crumbs?[1]?["to"] as? String == "/b?q=shoes")
        #expect(crumbs?[2]?["url"] as? String == "https://api.example/plain")
        let span = ((out["spans"] as? [[String: Any]])?.first?["data"]) as? [String: Any]
        #expect(span?["http.url"] as? String == "https://x/y?secret=[Filtered]")
        #expect(span?["http.query"] as? String == "auth=[Filtered]&x=1")
    }

    /// The key matcher's table-driven fast path against the rule as stated: a key is sensitive when, lower-cased
    /// with `-` read as `_`, it contains a default pattern. Patterns at the start, the end, overlapping, and near misses.
    @Test func defaultKeyMatchingAgreesWithTheRule() throws {
        let patterns = ["password", "passwd", "secret", "api_key", "apikey", "access_token", "auth", "credentials",
                        "mysql_pwd", "privatekey", "private_key", "token", "session", "cookie", "card[number]"]
        var keys = ["a", "au", "aut", "auth", "Auth", "AUTH_", "xauth", "authx", "autH-z", "sessio", "essions", "tokens",
                    "tok", "toke", "pass", "passw", "passwo", "pa_sswd", "api-key", "API-KEY", "apik", "api_ke", "X-Api-Key",
                    "secre", "db_secret", "ssecret", "private-key", "privatekeys", "mysql-pwd", "card[numbe]", "card[number]",
                    "credential", "access-token", "accesstoken", "cooki", "Set-Cookie", "filename", "function", "lineno"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let alphabet = Array("abcdeiknoprstuwy_-AKPST[]".utf8)
        for _ in 0..<400 {
            var key = (0..<next(6)).map { _ in alphabet[next(alphabet.count)] }
            if next(2) == 0 {
                var p = Array(patterns[next(patterns.count)].utf8)
                if next(3) == 0 { p.remove(at: next(p.count)) }  // a near miss
                if next(2) == 0 { p = p.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : ($0 == 95 ? 45 : $0) } }
                key += p
            }
            key += (0..<next(4)).map { _ in alphabet[next(alphabet.count)] }
            if !key.isEmpty { keys.append(String(decoding: key, as: UTF8.self)) }
        }
        func expected(_ key: String) -> Bool {
            let folded = String(key.lowercased().map { $0 == "-" ? "_" : $0 })
            return patterns.contains { folded.contains($0) }
        }
        let unique = Array(Set(keys)).sorted()
        let object = Dictionary(uniqueKeysWithValues: unique.map { ($0, "plain") })
        let out = try #require(try scrubbed(["extra": object]))
        let extra = try #require(out["extra"] as? [String: Any])
        var sensitive = 0
        for key in unique {
            let filtered = extra[key] as? String == "[Filtered]"
            #expect(filtered == expected(key), "key \(key)")
            if filtered { sensitive += 1 }
        }
        #expect(sensitive > 50 && sensitive < unique.count - 50, "both kinds of key were tried")
    }

    @Test func headersAsPairs() throws {
        let out = try #require(try scrubbed(["request": ["headers": [["Cookie", "sid=1"], ["Host", "example.com"]]]]))
        let headers = (out["request"] as? [String: Any])?["headers"] as? [[String]]
        #expect(headers == [["Cookie", "[Filtered]"], ["Host", "example.com"]])
    }

    @Test func creditCardsAnywhereInStrings() throws {
        let out = try #require(try scrubbed([
            "message": "charge 4111 1111 1111 1111 failed; order 1732269600123 ok",
            "extra": ["note": "card 5500-0000-0000-0004", "ts": "1732269600123456"],
        ]))
        #expect(out["message"] as? String == "charge [Filtered] failed; order 1732269600123 ok")
        let extra = out["extra"] as? [String: Any]
        #expect(extra?["note"] as? String == "card [Filtered]")
        #expect(extra?["ts"] as? String == "1732269600123456")
    }

    @Test func nothingToScrubMeansNoCopy() throws {
        #expect(try scrubbed(["message": "hello", "extra": ["a": "[Filtered]", "password": "[Filtered]"]]) == nil)
        // Real SDK events arrive already scrubbed by the SDK.
        for prefix in ["001", "002", "005", "014"] {
            #expect(Scrubber.scrub(try Corpus.event(prefix)) == nil)
        }
    }

    @Test func projectSettings() throws {
        let event: [String: Any] = [
            "user": ["id": "7", "ip_address": "203.0.113.9"],
            "extra": ["ssn": "078-05-1120", "password": "p", "comment": "my ssn is secret-ish"],
        ]
        let config = ScrubbingConfig(sensitiveFields: ["ssn"], safeFields: ["password"], scrubIPAddresses: true)
        let out = try #require(try scrubbed(event, config: config))
        let extra = out["extra"] as? [String: Any]
        #expect(extra?["ssn"] as? String == "[Filtered]")
        #expect(extra?["password"] as? String == "p")
        #expect(extra?["comment"] as? String == "[Filtered]")  // the value contains a sensitive field name
        #expect((out["user"] as? [String: Any])?["ip_address"] is NSNull)
        #expect(try scrubbed(event, config: ScrubbingConfig(enabled: false)) == nil)
    }

    @Test func shortSensitiveFieldsAndEscapedKeys() throws {
        let out = try #require(try scrubbed(["x": "1", "ax": "2", "y": "3", "pass\u{77}ord": "p"],
                                            config: ScrubbingConfig(sensitiveFields: ["x"])))
        #expect(out["x"] as? String == "[Filtered]")
        #expect(out["ax"] as? String == "[Filtered]")
        #expect(out["y"] as? String == "3")
        #expect(out["password"] as? String == "[Filtered]")
        // An escaped key is matched on its decoded text.
        let doc = try JSONDocument(bytes: Array(#"{"p\u0061ssword":"hunter2","ok":"v"}"#.utf8))
        let bytes = try #require(Scrubber.scrub(doc))
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"p\u0061ssword":"[Filtered]","ok":"v"}"#)
    }

    @Test func envelopeReframedWithNewLength() throws {
        let event = "{\"extra\":{\"password\":\"hunter2\"}}"
        let body = Array(("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\",\"length\":\(event.utf8.count)}\n"
            + event + "\n{\"type\":\"attachment\",\"length\":3}\nabc\n").utf8)
        let envelope = try EnvelopeParser.parse(body)
        let doc = try JSONDocument(bytes: envelope.bytes, range: envelope.items[0].payload)
        let replacement = try #require(Scrubber.scrub(doc))
        let rebuilt = envelope.replacingPayloads([0: replacement])
        let reparsed = try EnvelopeParser.parse(rebuilt)
        #expect(reparsed.items.count == 2)
        #expect(String(decoding: reparsed.payload(of: reparsed.items[0]), as: UTF8.self) == "{\"extra\":{\"password\":\"[Filtered]\"}}")
        #expect(String(decoding: reparsed.payload(of: reparsed.items[1]), as: UTF8.self) == "abc")
        #expect(!rebuilt.contains(subsequence: Array("hunter2".utf8)))
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: [UInt8]) -> Bool {
        guard subsequence.count <= count else { return false }
        return (0...(count - subsequence.count)).contains { self[$0..<($0 + subsequence.count)].elementsEqual(subsequence) }
    }
}

import EventProcessing
import Testing

@Suite struct ParameterizerTests {
    @Test(arguments: [
        ("user 42 not found", "user <int> not found"),
        ("user u404 not found", "user u404 not found"),
        ("mail to jane.doe+x@example.co.uk bounced", "mail to <email> bounced"),
        ("GET https://api.example.com/v1/items?id=3 failed", "GET <url> failed"),
        ("cannot reach db-1.internal.example.com", "cannot reach <hostname>"),
        ("connect to 10.0.12.7:5432 refused", "connect to <ip>:<int> refused"),
        ("peer 2001:db8::ff00:42:8329 reset", "peer <ip> reset"),
        ("order 9f1c2e4a-5b6d-4e8f-9a0b-1c2d3e4f5a6b missing", "order <uuid> missing"),
        ("commit da39a3ee5e6b4b0d3255bfef95601890afd80709 bad", "commit <sha1> bad"),
        ("etag d41d8cd98f00b204e9800998ecf8427e stale", "etag <md5> stale"),
        ("at 2026-11-22T10:00:00.123Z and 2026-11-22", "at <date> and <date>"),
        ("started 10:20:30 ended 3:04PM", "started <date> ended <date>"),
        ("Mon, 02 Jan 2006 15:04:05 MST was the date", "<date> was the date"),
        ("took 350ms then 1.5s", "took <duration> then <duration>"),
        ("segfault at 0x7ffee3b1", "segfault at <hex>"),
        ("ratio 0.93 over -1.5", "ratio <float> over <float>"),
        ("balance -20 left", "balance <int> left"),
        ("where name='bob' and ok=true", "where name=<quoted_str> and ok=<bool>"),
        ("datetime.datetime(2026, 11, 22, 10, 0) expired", "<date> expired"),
        ("no variables here", "no variables here"),
        ("", ""),
        ("naïve café 12", "naïve café <int>"),
    ])
    func replaces(_ input: String, _ expected: String) {
        #expect(Parameterizer.parameterize(input) == expected)
    }

    @Test func hostileInputTerminates() {
        let long = String(repeating: "1.", count: 20_000) + String(repeating: "a@", count: 5000) + String(repeating: ":", count: 3000)
        #expect(!Parameterizer.parameterize(long).isEmpty)
    }
}

import Testing
@testable import FaultlineCore

struct DiscoverQueryTests {
    @Test func fieldsSortAndFilters() throws {
        let q = try DiscoverQuery(fields: ["transaction", "count()", "p95()", "apdex(500)", "percentile(transaction.duration,0.9)"],
                                  query: "event.type:transaction transaction:/checkout* !environment:staging http.method:[GET, POST] slow",
                                  sort: ["-p95()"])
        #expect(q.groupColumns == [.transaction])
        #expect(q.fields[3] == .aggregate(.apdex, parameter: 500, key: "apdex(500)"))
        #expect(q.fields[4] == .aggregate(.percentile, parameter: 0.9, key: "percentile(transaction.duration,0.9)"))
        #expect(q.sort.map(\.key) == ["p95()"] && q.sort.map(\.descending) == [true])
        #expect(q.filters.map(\.column) == [.transaction, .environment, .httpMethod])
        #expect(q.filters[1].negated && q.text == .pattern("*slow*"))
        #expect(try DiscoverQuery(fields: ["transaction", "count()"], query: "", sort: []).sort.map(\.key) == ["count()"])
    }

    @Test(arguments: [
        (["bogus"], "", [String]()), (["nope()"], "", []), (["p95(user)"], "", []), (["apdex(-1)"], "", []),
        (["percentile(transaction.duration,2)"], "", []), ([String](), "", []), (["count()"], "", ["p95()"]),
        (["count()"], "event.type:error", []), (["count()"], "weird.key:1", []), (["count()"], "transaction:\"open", []),
    ])
    func badInput(fields: [String], query: String, sort: [String]) {
        #expect(throws: DiscoverQueryError.self) { try DiscoverQuery(fields: fields, query: query, sort: sort) }
    }
}

struct TransactionTableTests {
    static func sample(_ name: String, _ ms: Double, status: String? = "ok", user: String? = nil, env: String = "prod",
                       method: String = "GET") -> TransactionSample {
        TransactionSample(projectID: 1, name: name, op: "http.server", status: status, environment: env, httpMethod: method,
                          userKey: user, timestamp: 1000, durationMS: ms)
    }

    @Test func aggregatesAsSentryDefinesThem() throws {
        // /checkout: 1..100 ms plus one 2000 ms; /cart: two.
        var samples = (1...100).map { Self.sample("/checkout", Double($0), user: "u\($0 % 10)") }
        samples.append(Self.sample("/checkout", 2000, status: "internal_error", user: "u1"))
        samples += [Self.sample("/cart", 100, status: "cancelled"), Self.sample("/cart", 1300, status: "unknown", user: "v")]
        let q = try DiscoverQuery(fields: ["transaction", "count()", "p50()", "p95()", "p100()", "avg()", "failure_rate()",
                                           "epm()", "apdex()", "count_unique(user)", "count_miserable(user)", "user_misery()"],
                                  query: "", sort: ["-count()"])
        let rows = TransactionTable.rows(samples, query: q, window: 3600)
        #expect(rows.count == 2)
        let checkout = rows[0].values
        #expect(checkout["transaction"] == .string("/checkout") && checkout["count()"] == .integer(101))
        // Exact with interpolation: the 101 values sorted, rank 50 is 51 ms; rank 95 is 96 ms.
        #expect(checkout["p50()"] == .number(51) && checkout["p95()"] == .number(96) && checkout["p100()"] == .number(2000))
        if case .number(let avg?)? = checkout["avg()"] { #expect(abs(avg - (5050.0 + 2000) / 101) < 1e-9) }
        #expect(checkout["failure_rate()"] == .number(1.0 / 101))
        if case .number(let epm?)? = checkout["epm()"] { #expect(abs(epm - 101.0 / 60) < 1e-9) }
        // apdex(300): 100 satisfied, 2000 > 4·300 frustrated.
        #expect(checkout["apdex()"] == .number(100.0 / 101))
        #expect(checkout["count_unique(user)"] == .integer(10) && checkout["count_miserable(user)"] == .integer(1))
        if case .number(let misery?)? = checkout["user_misery()"] { #expect(abs(misery - (1 + 5.8875) / (10 + 5.8875 + 111.8625)) < 1e-12) }
        let cart = rows[1].values
        #expect(cart["failure_rate()"] == .number(0), "cancelled and unknown are not failures")
        #expect(cart["apdex()"] == .number(0.5 + 0 / 2), "100 ms satisfied, 1300 ms frustrated: (1 + 0/2) / 2")
    }

    @Test func filtersTextAndRowsWithoutAggregates() throws {
        let samples = [Self.sample("/checkout/pay", 10, env: "prod"), Self.sample("/checkout/pay", 900, env: "staging"),
                       Self.sample("/search", 50, env: "prod", method: "POST")]
        let filtered = try DiscoverQuery(fields: ["transaction", "count()"], query: "transaction:/checkout* !environment:staging",
                                         sort: [])
        let rows = TransactionTable.rows(samples, query: filtered, window: 60)
        #expect(rows.map { $0.values["count()"] } == [.integer(1)])
        let text = try DiscoverQuery(fields: ["transaction", "count()"], query: "SEARCH http.method:POST", sort: [])
        #expect(TransactionTable.rows(samples, query: text, window: 60).map { $0.values["transaction"] } == [.string("/search")])
        let slowest = try DiscoverQuery(fields: ["transaction", "transaction.duration", "environment"], query: "",
                                        sort: ["-transaction.duration"])
        #expect(TransactionTable.rows(samples, query: slowest, window: 60).map { $0.values["transaction.duration"] }
                == [.number(900), .number(50), .number(10)])
        let empty = try DiscoverQuery(fields: ["count()", "p95()"], query: "transaction:none", sort: [])
        #expect(TransactionTable.rows(samples, query: empty, window: 60).map { $0.values } == [["count()": .integer(0), "p95()": .number(nil)]])
    }

    @Test func percentilesAreExactOnKnownData() {
        let values = (0..<1000).map { Double($0) }.shuffled()
        #expect(TransactionTable.percentile(values, 0.5) == 499.5)
        #expect(TransactionTable.percentile(values, 0.99) == 989.01)
        #expect(TransactionTable.percentile([7], 0.95) == 7 && TransactionTable.percentile([], 0.5) == nil)
    }
}

struct TransactionSeriesTests {
    static func sample(_ name: String, _ ms: Double, at t: Double) -> TransactionSample {
        TransactionSample(projectID: 1, name: name, status: "ok", timestamp: t, durationMS: ms)
    }

    @Test func bucketsAreAlignedAndCapped() {
        #expect(TransactionSeries.buckets(start: 125, end: 400, interval: 100) == [100, 200, 300])
        #expect(TransactionSeries.buckets(start: 0, end: 1e12, interval: 1).count == TransactionSeries.maxBuckets)
        #expect(TransactionSeries.buckets(start: 5, end: 5, interval: 60) == [])
    }

    @Test func aggregatesPerBucketWithZeroFill() throws {
        let samples = [Self.sample("/a", 10, at: 100), Self.sample("/a", 30, at: 150), Self.sample("/b", 500, at: 210),
                       Self.sample("/a", 70, at: 390)]
        let q = try DiscoverQuery(fields: ["count()", "p50()", "epm()"], query: "", sort: [])
        let buckets = TransactionSeries.buckets(start: 100, end: 500, interval: 100)
        let s = TransactionSeries.series(samples, query: q, buckets: buckets, interval: 100)
        #expect(s.buckets == [100, 200, 300, 400])
        #expect(s.values["count()"] == [2, 1, 1, 0])
        #expect(s.values["p50()"] == [20, 500, 70, 0])
        #expect(s.values["epm()"] == [1.2, 0.6, 0.6, 0])
    }

    @Test func topGroupsAndOther() throws {
        var samples = (0..<5).map { Self.sample("/a", 10, at: 100 + Double($0)) }
        samples += (0..<3).map { Self.sample("/b", 10, at: 100 + Double($0)) }
        samples += [Self.sample("/c", 10, at: 100), Self.sample("/d", 10, at: 200)]
        let q = try DiscoverQuery(fields: ["transaction", "count()"], query: "", sort: ["-count()"])
        let buckets = TransactionSeries.buckets(start: 100, end: 300, interval: 100)
        let groups = TransactionSeries.top(samples, query: q, limit: 2, excludeOther: false, buckets: buckets, interval: 100,
                                           window: 200)
        #expect(groups.map(\.key) == ["/a", "/b", "Other"])
        #expect(groups.map { $0.series.values["count()"] ?? [] } == [[5, 0], [3, 0], [1, 1]])
        let without = TransactionSeries.top(samples, query: q, limit: 2, excludeOther: true, buckets: buckets, interval: 100,
                                            window: 200)
        #expect(without.map(\.key) == ["/a", "/b"])
    }
}

/// Measurements (web vitals) as function arguments and filters, duration comparisons and `has:`.
struct DiscoverMeasurementTests {
    static func sample(_ ms: Double, lcp: Double?, user: String?) -> TransactionSample {
        var s = TransactionSample(projectID: 1, name: "/home", op: "pageload", userKey: user, timestamp: 1000, durationMS: ms)
        s.measurements = lcp.map { ["lcp": $0, "cls": 0.05] } ?? [:]
        return s
    }

    @Test func measurementsDurationsAndPresence() throws {
        // LCP 100…1000 on ten page loads, one without LCP.
        var samples = (1...10).map { Self.sample(Double($0) * 50, lcp: Double($0) * 100, user: $0 % 2 == 0 ? "u\($0)" : nil) }
        samples.append(Self.sample(5000, lcp: nil, user: "late"))
        let q = try DiscoverQuery(fields: ["transaction", "p75(measurements.lcp)", "count(measurements.lcp)", "avg(measurements.lcp)",
                                           "percentile(measurements.lcp,0.5)", "count()"], query: "", sort: [])
        #expect(q.measured == ["p75(measurements.lcp)": "lcp", "count(measurements.lcp)": "lcp", "avg(measurements.lcp)": "lcp",
                               "percentile(measurements.lcp,0.5)": "lcp"])
        #expect(try #require(TransactionTable.rows(samples, query: q, window: 3600).first).values["count(measurements.lcp)"] == .integer(10))
        #expect(q.readColumns.contains(.measurements))
        let row = try #require(TransactionTable.rows(samples, query: q, window: 3600).first)
        #expect(row.values["p75(measurements.lcp)"] == .number(775))
        #expect(row.values["avg(measurements.lcp)"] == .number(550))
        #expect(row.values["percentile(measurements.lcp,0.5)"] == .number(550))
        #expect(row.values["count()"] == .integer(11))

        func count(_ query: String) throws -> TransactionTable.Value? {
            try TransactionTable.rows(samples, query: DiscoverQuery(fields: ["count()"], query: query, sort: []), window: 3600).first?.values["count()"]
        }
        #expect(try count("transaction.duration:>1s") == .integer(1))
        #expect(try count("transaction.duration:<=250ms") == .integer(5))
        #expect(try count("measurements.lcp:>=800") == .integer(3))
        #expect(try count("measurements.cls:<0.1") == .integer(10))
        #expect(try count("has:user") == .integer(6))
        #expect(try count("!has:user") == .integer(5))
        for bad in ["transaction.duration:>fast", "measurements.LCP:>1", "has:transaction.duration", "!transaction.duration:>1s"] {
            #expect(throws: DiscoverQueryError.self) { try DiscoverQuery(fields: ["count()"], query: bad, sort: []) }
        }
        #expect(throws: DiscoverQueryError.self) { try DiscoverQuery(fields: ["p75(measurements.LCP!)"], query: "", sort: []) }
        #expect(throws: DiscoverQueryError.self) { try DiscoverQuery(fields: ["measurements"], query: "", sort: []) }
    }
}

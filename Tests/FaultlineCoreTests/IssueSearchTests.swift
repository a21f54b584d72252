import Testing
@testable import FaultlineCore

@Suite struct IssueSearchTests {
    private func query(_ text: String, userID: Int? = 7) throws -> IssueQuery {
        var q = IssueQuery(projectID: 1)
        var context = IssueSearch.Context(now: 1_000_000)
        context.userID = userID
        context.member = { $0 == "dev@example.com" ? 9 : nil }
        try IssueSearch.apply(text, to: &q, context: context)
        return q
    }

    private func detail(_ text: String) -> String? {
        do {
            _ = try query(text)
            return nil
        } catch let invalid as IssueSearch.Invalid {
            let detail = invalid.detail
            return detail
        } catch {
            return "\(error)"
        }
    }

    @Test func termsHandleQuotesListsAndNegation() throws {
        let terms = try IssueSearch.terms(#"is:unresolved !browser:"Chrome 1" key:[a, "b c",d] tags[x:y]:1 free "two words""#)
        #expect(terms.map(\.key) == ["is", "browser", "key", "tags[x:y]", nil, nil])
        #expect(terms.last?.values == ["two words"])
        #expect(terms[1] == IssueSearch.Term(negated: true, key: "browser", values: ["Chrome 1"], position: 14))
        #expect(terms[2].values == ["a", "b c", "d"])
    }

    @Test func keysBecomeFilters() throws {
        let q = try query(#"is:unresolved is:unhandled level:[error,fatal] release:latest firstRelease:1.* has:url !env:dev environment:prod user.email:a@b.c timesSeen:>10 userCount:<=3 firstSeen:-24h lastSeen:+7d assigned:me bookmarks:me tags[a:b]:c server:web-* checkout failed"#)
        #expect(q.statuses == [.unresolved])
        let expected: [IssueFilter] = [
            .unhandled(true),
            .level(values: [.exact("error"), .exact("fatal")], negated: false),
            .tag(key: "release", values: [.latestRelease], negated: false),
            .firstRelease(values: [.pattern("1.*")], negated: false),
            .has(key: "url", negated: false),
            .tag(key: "env", values: [.exact("dev")], negated: true),
            .tag(key: "environment", values: [.exact("prod")], negated: false),
            .anyOf([.tag(key: "user", values: [.exact("email:a@b.c")], negated: false),
                    .tag(key: "user.email", values: [.exact("a@b.c")], negated: false)], negated: false),
            .count(.timesSeen, .greater, 10),
            .count(.userCount, .lessOrEqual, 3),
            .date(.firstSeen, .greaterOrEqual, 1_000_000 - 86_400),
            .date(.lastSeen, .less, 1_000_000 - 7 * 86_400),
            .assigned(userID: 7, negated: false),
            .bookmarkedBy(userID: 7),
            .tag(key: "a:b", values: [.exact("c")], negated: false),
            .tag(key: "server", values: [.pattern("web-*")], negated: false),
            .text(.exact("checkout failed")),
        ]
        #expect(q.filters == expected)
        #expect(try query("!is:resolved").statuses == [.unresolved, .ignored])
        #expect(try query("is:unassigned").filters == [.assigned(userID: nil, negated: true)])
        #expect(try query("assigned:dev@example.com").filters == [.assigned(userID: 9, negated: false)])
        #expect(try query("age:-2w").filters == [.date(.firstSeen, .greaterOrEqual, 1_000_000 - 14 * 86_400)])
        #expect(try query("firstSeen:2026-11-01").filters.count == 2)
        #expect(try query("lastSeen:>2026-11-01T10:00:00Z").filters == [.date(.lastSeen, .greater, 1_793_527_200)])
    }

    @Test func badSyntaxSaysWhere() {
        #expect(detail(#"is:unresolved browser:"Chrome"#)?.contains("position 23: unclosed quote") == true)
        #expect(detail("key:[a, b")?.contains("position 5: unclosed '['") == true)
        #expect(detail("is:bogus")?.contains("position 1: unknown value (use unresolved") == true)
        #expect(detail("x timesSeen:>many")?.contains("position 3: expected a number") == true)
        #expect(detail("firstSeen:-24x")?.contains("expected an age") == true)
        #expect(detail("firstSeen:yesterday")?.contains("expected an age") == true)
        #expect(detail("key: value")?.contains("a key has no value") == true)
        #expect(detail("key:[a,,b]")?.contains("empty value") == true)
        #expect(detail("assigned:ghost@example.com")?.contains("no member") == true)
        #expect(detail("bookmarks:them")?.contains("bookmarks:me") == true)
        #expect(detail("tags[x:1")?.contains("position 1: unbalanced '['") == true)
        #expect(detail("tags[]:1")?.contains("expected tags[key]") == true)
    }

    @Test func meNeedsAUser() throws {
        var q = IssueQuery(projectID: 1)
        #expect(throws: IssueSearch.Invalid.self) { try IssueSearch.apply("assigned:me", to: &q, context: IssueSearch.Context()) }
    }
}

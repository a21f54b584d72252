import EventProcessing
import Foundation
import SentryProtocol
import Testing

/// Every form SDKs have sent over protocol versions 4 to 7 reads the same: grouping, issue fields and the event as
/// the API returns it.
@Suite struct EventShapeTests {
    let now = 1_795_000_000.0

    func shaped(_ object: [String: Any]) throws -> JSONValue {
        let doc = try eventJSON(object)
        return EventShape.normalized(doc.root.value, facts: EventFacts(doc.root))
    }

    nonisolated(unsafe) static let frames: [[String: Any]] = [
        ["function": "main", "module": "app", "filename": "app.py", "lineno": 3, "context_line": "run()"],
        ["function": "run", "module": "app", "filename": "app.py", "lineno": 9, "context_line": "raise ValueError(x)"],
    ]

    @Test func legacyInterfaceNamesAndBareObjectsGroupLikeTheCurrentForm() throws {
        let current = try eventJSON(["platform": "python", "exception": ["values": [
            ["type": "ValueError", "value": "bad 1", "stacktrace": ["frames": Self.frames]]]]])
        let bare = try eventJSON(["platform": "python", "exception": [
            "type": "ValueError", "value": "bad 2", "stacktrace": ["frames": Self.frames]]])
        let legacy = try eventJSON(["platform": "python", "sentry.interfaces.Exception": ["values": [
            ["type": "ValueError", "value": "bad 3", "stacktrace": ["frames": Self.frames]]]]])
        let list = try eventJSON(["platform": "python", "exception": [
            ["type": "ValueError", "value": "bad 4", "stacktrace": ["frames": Self.frames]]]])
        let nestedLegacy = try eventJSON(["platform": "python", "exception": [
            ["type": "ValueError", "value": "bad 5", "sentry.interfaces.Stacktrace": ["frames": Self.frames]]]])
        #expect(try shaped(["exception": ["type": "E", "sentry.interfaces.Stacktrace": ["frames": Self.frames]]])["exception"]?["values"]?
            .arrayValue?.first?["stacktrace"]?["frames"]?.arrayValue?.count == 2)
        let hashes = Set([current, bare, legacy, list, nestedLegacy].map { grouping($0).hash })
        #expect(hashes.count == 1)
        #expect(IssueDescriptor(EventFacts(legacy.root)).title == "ValueError: bad 3")
        // And another function still splits.
        var other = Self.frames
        other[1]["function"] = "walk"
        let split = try eventJSON(["platform": "python", "exception": ["type": "ValueError", "stacktrace": ["frames": other]]])
        #expect(grouping(split).hash != grouping(current).hash)
    }

    @Test func theAPIShapeHasValuesLogentryAndNamedLevels() throws {
        let v = try shaped([
            "platform": "python", "level": 40, "timestamp": "2026-12-03T10:00:00+01:00",
            "sentry.interfaces.Message": ["message": "Invoice %s failed for %s", "params": ["A-17", "jane"]],
            "sentry.interfaces.Exception": ["type": "KeyError", "value": "'sku'"],
            "breadcrumbs": ["category": "http", "message": "GET /"],
            "sentry.interfaces.Http": ["url": "https://shop.example.com/cart?x=1", "method": "POST"],
        ])
        #expect(v["level"] == .string("error"))
        #expect(v["timestamp"] == .double(Timestamp.parse("2026-12-03T09:00:00Z") ?? 0))
        #expect(v["logentry"]?["formatted"] == .string("Invoice A-17 failed for jane"))
        #expect(v["exception"]?["values"]?.arrayValue?.count == 1)
        #expect(v["breadcrumbs"]?["values"]?.arrayValue?.first?["category"] == .string("http"))
        #expect(v["request"]?["method"] == .string("POST"))
        #expect(v["sentry.interfaces.Http"] == nil && v["sentry.interfaces.Message"] == nil)
        // No stack: the request's URL is the culprit.
        #expect(v["culprit"] == .string("https://shop.example.com/cart?x=1"))
    }

    @Test func messageFormsBecomeLogentry() throws {
        #expect(try shaped(["message": "plain text"])["logentry"] == .object([("formatted", .string("plain text"))]))
        let braces = try shaped(["logentry": ["message": "took {} ms on {}", "params": [350, "db"]]])
        #expect(braces["logentry"]?["formatted"] == .string("took 350 ms on db"))
        // A formatted text that was sent is kept.
        let both = try shaped(["logentry": ["message": "x %s", "params": ["1"], "formatted": "as sent"]])
        #expect(both["logentry"]?["formatted"] == .string("as sent"))
    }

    @Test func levelsByNumberAndSpelling() throws {
        for (sent, expected) in [(10, "debug"), (20, "info"), (30, "warning"), (40, "error"), (50, "fatal")] {
            let doc = try eventJSON(["level": sent])
            #expect(EventNormalizer.normalize(EventFacts(doc.root), receivedAt: now, sentAt: nil).level == expected)
        }
        for (sent, expected) in [("warn", "warning"), ("critical", "fatal"), ("FATAL", "fatal"), ("log", "info")] {
            #expect(EventNormalizer.level(sent) == expected)
        }
        #expect(EventNormalizer.level("35") == nil)
    }

    @Test func framesGetFilenamesFromAbsPath() throws {
        let v = try shaped(["platform": "javascript", "exception": ["values": [["type": "TypeError", "stacktrace": ["frames": [
            ["abs_path": "https://cdn.example.com/static/js/app.3f9a8b7c.js?v=2", "function": "submit", "lineno": 1, "in_app": true],
            ["abs_path": "/srv/app/server.js", "function": "?", "lineno": 5],
            // raven-js sends the URL as the filename: it becomes the abs_path.
            ["filename": "http://localhost:8080/static/js/shop.js", "function": "applyCoupon", "lineno": 3],
        ]]]]]])
        let frames = v["exception"]?["values"]?.arrayValue?.first?["stacktrace"]?["frames"]?.arrayValue ?? []
        #expect(frames[0]["filename"] == .string("/static/js/app.3f9a8b7c.js"))
        #expect(frames[1]["filename"] == .string("/srv/app/server.js"))
        #expect(frames[1]["function"] == .null)
        #expect(frames[2]["filename"] == .string("/static/js/shop.js"))
        #expect(frames[2]["abs_path"] == .string("http://localhost:8080/static/js/shop.js"))
        #expect(StackFrame.urlPath("https://example.com/") == nil)
        #expect(StackFrame.urlPath("blob:https://x") == nil)
    }

    @Test func culpritFollowsSentry() throws {
        func culprit(_ object: [String: Any]) throws -> String { EventFacts(try eventJSON(object).root).culprit }
        let exception: [String: Any] = ["values": [["type": "E", "stacktrace": ["frames": [
            ["module": "lib", "function": "inner", "in_app": false], ["module": "shop.views", "function": "checkout", "in_app": true],
            ["module": "lib.util", "function": "deep", "in_app": false],
        ]]]]]
        // The innermost in-app frame, not the innermost frame.
        #expect(try culprit(["platform": "python", "exception": exception]) == "shop.views in checkout")
        // JavaScript's form, from the derived filename.
        #expect(try culprit(["platform": "javascript", "exception": ["type": "E", "stacktrace": ["frames": [
            ["abs_path": "https://a.example/js/app.js", "function": "submit", "in_app": true]]]]]) == "submit(/js/app.js)")
        // Native code: the function alone.
        #expect(try culprit(["platform": "native", "exception": ["type": "E", "stacktrace": ["frames": [
            ["function": "crash_me", "in_app": true]]]]]) == "crash_me")
        // The transaction comes before frames; the SDK's own culprit before both.
        #expect(try culprit(["platform": "python", "transaction": "/checkout", "exception": exception]) == "/checkout")
        #expect(try culprit(["culprit": "raven says", "transaction": "/checkout", "exception": exception]) == "raven says")
        // A synthetic exception has none.
        #expect(try culprit(["exception": ["type": "SIGSEGV", "mechanism": ["synthetic": true], "stacktrace": ["frames": [
            ["function": "f", "in_app": true]]]]]) == "")
    }

    @Test func mechanismMetaIsNamedForTheOS() throws {
        let v = try shaped(["platform": "native", "contexts": ["os": ["name": "Linux"]], "exception": ["values": [[
            "type": "SIGSEGV", "mechanism": ["type": "signalhandler", "meta": [
                "signal": ["number": 11, "code": 1], "errno": ["number": 110]]]]]]])
        let meta = v["exception"]?["values"]?.arrayValue?.first?["mechanism"]?["meta"]
        #expect(meta?["signal"]?["name"] == .string("SIGSEGV"))
        #expect(meta?["signal"]?["code_name"] == .string("SEGV_MAPERR"))
        #expect(meta?["errno"]?["name"] == .string("ETIMEDOUT"))
        // Apple's numbers differ; names already sent are kept.
        #expect(MechanismMeta.errnoName(60, os: .darwin) == "ETIMEDOUT")
        #expect(MechanismMeta.errnoName(11, os: .darwin) == "EDEADLK")
        #expect(MechanismMeta.signalName(10, os: .darwin) == "SIGBUS")
        let kept = try shaped(["contexts": ["os": ["name": "iOS"]], "exception": ["type": "E", "mechanism": ["meta": [
            "signal": ["number": 6, "name": "MYABRT"], "mach_exception": ["exception": 1]]]]])
        let keptMeta = kept["exception"]?["values"]?.arrayValue?.first?["mechanism"]?["meta"]
        #expect(keptMeta?["signal"]?["name"] == .string("MYABRT"))
        #expect(keptMeta?["mach_exception"]?["name"] == .string("EXC_BAD_ACCESS"))
    }

    @Test func userAgentGivesBrowserAndOSContextsAndTags() throws {
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36"
        let parsed = UserAgent.parse(chrome)
        #expect(parsed.browser == .init(name: "Chrome", version: "120.0.6099"))
        #expect(parsed.os == .init(name: "Windows", version: "10"))
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
        #expect(UserAgent.parse(iphone).browser == .init(name: "Mobile Safari", version: "17.1"))
        #expect(UserAgent.parse(iphone).os == .init(name: "iOS", version: "17.1.2"))
        let edge = chrome + " Edg/120.0.2210.91"
        #expect(UserAgent.parse(edge).browser?.name == "Edge")
        #expect(UserAgent.parse("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0").browser
                == .init(name: "Firefox", version: "121.0"))
        #expect(UserAgent.parse("curl/8.4.0").browser == nil)
        // A hostile header is read only in its first 512 bytes; a token without a version gives a name alone.
        #expect(UserAgent.parse(String(repeating: "Chrome/", count: 100_000)).browser == .init(name: "Chrome", version: nil))
        #expect(UserAgent.parse(String(repeating: "x", count: 600) + "Firefox/121.0").browser == nil)

        // A page's event: `browser` and `os`; the SDK's own contexts win.
        let page: [String: Any] = ["platform": "javascript", "request": ["headers": ["User-Agent": chrome]]]
        let v = try shaped(page)
        #expect(v["contexts"]?["browser"]?["name"] == .string("Chrome"))
        #expect(v["contexts"]?["os"]?["name"] == .string("Windows"))
        let tags = EventNormalizer.normalize(EventFacts(try eventJSON(page).root), receivedAt: now, sentAt: nil).tags
        #expect(tags.contains { $0 == ("browser", "Chrome 120.0.6099") })
        #expect(tags.contains { $0 == ("browser.name", "Chrome") })
        #expect(tags.contains { $0 == ("os.name", "Windows") })
        // A server's event carrying its caller's request: the caller's OS is `client_os`.
        let server = try shaped(["platform": "python", "contexts": ["os": ["name": "Linux"]],
                                 "request": ["headers": [["user-agent", chrome]]]])
        #expect(server["contexts"]?["os"]?["name"] == .string("Linux"))
        #expect(server["contexts"]?["client_os"]?["name"] == .string("Windows"))
    }

    @Test func templateInterfaceIsReadUnderBothNames() throws {
        let v = try shaped(["sentry.interfaces.Template": ["filename": "cart.html", "lineno": 4, "context_line": "{{ x.y }}"]])
        #expect(v["template"]?["filename"] == .string("cart.html"))
    }
}

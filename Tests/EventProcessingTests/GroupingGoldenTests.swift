import EventProcessing
import Foundation
import SentryProtocol
import Testing

/// Which events merge and which split, over real Python SDK captures and the documented frame shapes of
/// the JavaScript, Java and Go SDKs. Docs/grouping.md lists the same cases.
@Suite struct GroupingGoldenTests {
    @Test func pythonCallSitesSplit() throws {
        let hashes = try ["001", "002", "004", "005", "006"].map { try grouping(Corpus.event($0)).hash }
        #expect(Set(hashes).count == 5)
        for prefix in ["001", "002", "005"] {
            let result = grouping(try Corpus.event(prefix))
            #expect(result.variant == "app")
            #expect(result.hash.count == 32)
        }
    }

    @Test func pythonSameSiteDifferentValueMerges() throws {
        let original = try Corpus.event("002")
        var text = String(decoding: original.bytes[original.root.byteRange], as: UTF8.self)
        // The exception values and frame variables change; the source lines (context) do not.
        text = text.replacingOccurrences(of: "'u404'", with: "'u977'").replacingOccurrences(of: "user u404", with: "user u977")
        let changed = try JSONDocument(bytes: Array(text.utf8))
        #expect(grouping(changed).hash == grouping(original).hash)
        // The stack trace contributes, so the value is shown but does not count.
        let chain = grouping(original).root
        #expect(chain.id == "chained-exception")
        #expect(chain.children.count == 2)
        let value = chain.children[0].children.first { $0.id == "value" }
        #expect(value?.contributes == false)
        #expect(value?.hint == "stack trace takes precedence")
    }

    @Test func chainedExceptionEachLinkContributes() throws {
        let original = try Corpus.event("002")
        var text = String(decoding: original.bytes[original.root.byteRange], as: UTF8.self)
        // Rename the cause's type only: a different chain is a different issue.
        text = text.replacingOccurrences(of: "\"type\":\"KeyError\"", with: "\"type\":\"LookupError\"")
        let changed = try JSONDocument(bytes: Array(text.utf8))
        #expect(text.contains("LookupError"))
        #expect(grouping(changed).hash != grouping(original).hash)
    }

    @Test func exceptionGroupGroupsByDistinctLeaves() throws {
        let result = grouping(try Corpus.event("004"))
        let children = result.root.children
        #expect(children.count == 3)
        #expect(children[2].contributes == false)  // the ExceptionGroup wrapper
        #expect(children[0].contributes && children[1].contributes)
        // The same leaves in a bigger batch (a different group message) stay one issue.
        let doc = try Corpus.event("004")
        let text = String(decoding: doc.bytes[doc.root.byteRange], as: UTF8.self)
            .replacingOccurrences(of: "batch of 3 had 2 failures", with: "batch of 30 had 2 failures")
        #expect(grouping(try JSONDocument(bytes: Array(text.utf8))).hash == result.hash)
    }

    @Test func loggingTemplateGroupsAcrossParams() throws {
        let a = try Corpus.event("014")
        let b = try Corpus.event("015")
        let facts = EventFacts(a.root)
        #expect(facts.messageTemplate == "Invoice %s failed for customer %s (attempt %d)")
        let ga = grouping(a)
        #expect(ga.variant == "message")
        #expect(ga.root.contributingValues == ["Invoice %s failed for customer %s (attempt %d)"])
        let fb = EventFacts(b.root)
        if fb.messageTemplate == facts.messageTemplate { #expect(grouping(b).hash == ga.hash) }
    }

    @Test func plainMessagesMergeAfterParameterization() throws {
        func message(_ m: String) throws -> GroupingResult {
            grouping(try eventJSON(["message": m, "platform": "python"]))
        }
        let a = try message("Payment 1234 for jane@example.com failed after 350ms at 2026-11-22T10:00:00Z")
        let b = try message("Payment 98 for bob@corp.io failed after 12ms at 2026-11-21T08:13:59Z")
        #expect(a.hash == b.hash)
        #expect(a.root.contributingValues == ["Payment <int> for <email> failed after <duration> at <date>"])
        #expect(try message("Refund 1234 failed").hash != a.hash)
    }

    @Test func typeAndValueWithoutStackTrace() throws {
        func error(_ type: String, _ value: String) throws -> GroupingResult {
            grouping(try eventJSON(["platform": "python", "exception": [["type": type, "value": value]]]))
        }
        #expect(try error("TimeoutError", "timed out after 30s").hash == error("TimeoutError", "timed out after 45s").hash)
        #expect(try error("TimeoutError", "timed out").hash != error("ConnectionError", "timed out").hash)
        #expect(try error("TimeoutError", "read timed out").hash != error("TimeoutError", "connect refused").hash)
    }

    @Test func customFingerprintFromSDK() throws {
        let a = grouping(try Corpus.event("007"))
        let b = grouping(try Corpus.event("008"))
        #expect(a.variant == "custom")
        #expect(a.fingerprint == ["amount-parse-failure"])
        #expect(a.hash == b.hash)
    }

    @Test func defaultVariableExtendsTheDefault() throws {
        let rich = try Corpus.event("006")  // fingerprint: ["payment-gateway", "{{ default }}"]
        let result = grouping(rich)
        #expect(result.variant == "custom")
        #expect(result.fingerprint?.first == "payment-gateway")
        #expect((result.fingerprint?.count ?? 0) > 1)
        var event = exceptionEvent(platform: "python", type: "E", value: "v", frames: [frame("f", module: "app")])
        event["fingerprint"] = ["{{ default }}"]
        let plain = exceptionEvent(platform: "python", type: "E", value: "v", frames: [frame("f", module: "app")])
        #expect(grouping(try eventJSON(event)).hash == grouping(try eventJSON(plain)).hash)
        event["fingerprint"] = ["{{ default }}", "{{ tags.tenant }}"]
        event["tags"] = ["tenant": "acme"]
        let acme = grouping(try eventJSON(event)).hash
        event["tags"] = ["tenant": "globex"]
        #expect(grouping(try eventJSON(event)).hash != acme)
    }

    @Test func serverRulesComeFirst() throws {
        let rules = try FingerprintRules.parse("""
            # database outages are one issue whatever the query
            error.type:OperationalError -> database-down
            message:"*timeout*" -> timeouts title="Timeouts in {{ transaction }}"
            """)
        let db1 = exceptionEvent(platform: "python", type: "OperationalError", value: "could not connect",
                                 frames: [frame("query", module: "app.db")])
        let db2 = exceptionEvent(platform: "python", type: "OperationalError", value: "server closed",
                                 frames: [frame("save", module: "app.models")])
        let r1 = grouping(try eventJSON(db1), rules: rules)
        #expect(r1.variant == "rule")
        #expect(r1.matchedRule == "error.type:OperationalError -> database-down")
        #expect(r1.hash == grouping(try eventJSON(db2), rules: rules).hash)
        let slow = grouping(try eventJSON(["message": "upstream Timeout after 30s", "transaction": "/checkout"]), rules: rules)
        #expect(slow.fingerprint == ["timeouts"])
        #expect(slow.title == "Timeouts in /checkout")
        // The SDK's fingerprint loses to a matching rule.
        var sdk = db1
        sdk["fingerprint"] = ["mine"]
        #expect(grouping(try eventJSON(sdk), rules: rules).hash == r1.hash)
    }

    @Test func javascriptFramesIgnoreColumnsHashesAndLibraries() throws {
        func event(_ bundle: String, line: Int, col: Int, anonymous: Bool = false) -> [String: Any] {
            var app = frame("handleClick", file: "https://shop.example.com/static/js/\(bundle)?v=1", line: line)
            app["colno"] = col
            app.removeValue(forKey: "in_app")
            var lib = frame("dispatchEvent", file: "webpack:///./node_modules/react-dom/cjs/react-dom.js", line: 3)
            lib.removeValue(forKey: "in_app")
            var anon = frame(anonymous ? "<anonymous>" : "Object.submit", file: "https://shop.example.com/static/js/\(bundle)", line: 9)
            anon.removeValue(forKey: "in_app")
            return exceptionEvent(platform: "javascript", type: "TypeError",
                                  value: "Cannot read properties of undefined (reading 'id')", frames: [lib, anon, app])
        }
        let a = grouping(try eventJSON(event("main.3f9a8b7c.js", line: 10, col: 5)))
        let b = grouping(try eventJSON(event("main.77aa01d2.js", line: 12, col: 44)))
        #expect(a.hash == b.hash)
        let stack = a.root.children.first { $0.id == "stacktrace" }
        #expect(stack?.children[0].hint == "not in-app")  // node_modules inferred as library code
        #expect(stack?.children[1].children.contains { $0.id == "function" && $0.value == "submit" } == true)
        #expect(stack?.children[2].children.contains { $0.id == "filename" && $0.value == "main.<hash>.js" } == true)
    }

    @Test func javaGeneratedNamesAreStable() throws {
        func event(_ n: Int) -> [String: Any] {
            exceptionEvent(platform: "java", type: "IllegalStateException", value: "order \(n) is closed", frames: [
                frame("invoke", module: "sun.reflect.GeneratedMethodAccessor\(n)", inApp: nil),
                frame("lambda$process$\(n)", module: "com.shop.OrderService", line: n),
                frame("apply", module: "com.shop.OrderService$$Lambda$\(n)/0x0000000800c2b840"),
                frame("close", module: "com.shop.Order$$EnhancerByCGLIB$$\(String(n, radix: 16))abc", line: 40 + n),
            ])
        }
        #expect(grouping(try eventJSON(event(17))).hash == grouping(try eventJSON(event(2045))).hash)
        let facts = EventFacts(try eventJSON(event(1)).root)
        #expect(facts.exceptions[0].frames[0].isInApp(platform: "java") == false)
    }

    @Test func goModulesAndFunctions() throws {
        func event(_ function: String) -> [String: Any] {
            exceptionEvent(platform: "go", type: "*errors.errorString", value: "record not found", frames: [
                frame("main", module: "main", file: "main.go", inApp: nil),
                frame("(*Server).ServeHTTP", module: "net/http", file: "/usr/local/go/src/net/http/server.go", inApp: nil),
                frame(function, module: "github.com/acme/shop/store", file: "store.go", line: 88, inApp: nil),
            ])
        }
        let a = grouping(try eventJSON(event("(*Store).Get")))
        #expect(a.hash != grouping(try eventJSON(event("(*Store).Put"))).hash)
        let stack = a.root.children.first { $0.id == "stacktrace" }
        #expect(stack?.children[1].hint == "not in-app")  // the standard library
        #expect(stack?.children[2].contributes == true)
    }

    @Test func recursionAndLineNumbersDoNotSplit() throws {
        func event(depth: Int, line: Int) -> [String: Any] {
            var frames = [frame("main", module: "app", context: "walk(tree)", line: line)]
            for _ in 0..<depth { frames.append(frame("walk", module: "app.tree", context: "return walk(node.left)", line: 7)) }
            return exceptionEvent(platform: "python", type: "RecursionError", value: "maximum recursion depth exceeded",
                                  frames: frames)
        }
        #expect(grouping(try eventJSON(event(depth: 3, line: 10))).hash == grouping(try eventJSON(event(depth: 40, line: 99))).hash)
    }

    @Test func contextLineSplitsTwoCallsInOneFunction() throws {
        func event(_ context: String) -> [String: Any] {
            exceptionEvent(platform: "python", type: "KeyError", value: "'sku'", frames: [
                frame("checkout", module: "shop.views", context: context),
            ])
        }
        #expect(grouping(try eventJSON(event("price = item['sku']"))).hash != grouping(try eventJSON(event("stock = item['sku']"))).hash)
    }

    /// Context lines count after whitespace is collapsed: re-indenting, tabs and doubled spaces keep the issue.
    @Test func contextLineWhitespaceDoesNotSplit() throws {
        func hash(_ context: String) throws -> String {
            grouping(try eventJSON(exceptionEvent(platform: "python", type: "KeyError", value: "'sku'", frames: [
                frame("checkout", module: "shop.views", context: context),
            ]))).hash
        }
        let base = try hash("price = item['sku']")
        for variant in ["    price = item['sku']", "\tprice  =\titem['sku']  ", "price = item['sku']\t", " price =  item['sku']"] {
            #expect(try hash(variant) == base, "\(variant)")
        }
        #expect(try hash("price = item['id']") != base)
        #expect(try hash("pr ice = item['sku']") != base)
    }

    @Test func fallbackWhenNothingToGroupOn() throws {
        let result = grouping(try eventJSON(["level": "error"]))
        #expect(result.variant == "fallback")
        #expect(result.root.contributingValues.isEmpty)
    }

    /// Ingest hashes without building the component tree; over every event the corpus holds (errors, messages,
    /// transactions, custom fingerprints, exception groups), with and without a project rule, both must agree.
    @Test func treeLessKeyAgreesOverTheCorpus() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Corpus.directory.path)
            .filter { $0.hasSuffix(".decompressed") }.sorted()
        let rules = try FingerprintRules.parse("error.type:ZeroDivisionError -> math-errors")
        var checked = 0
        for name in names {
            let bytes = Array(try Data(contentsOf: Corpus.directory.appendingPathComponent(name)))
            guard let envelope = try? EnvelopeParser.parse(bytes) else { continue }
            for item in envelope.items where item.type == .event || item.type == .transaction {
                let document = try JSONDocument(bytes: bytes, range: item.payload)
                _ = grouping(document)
                _ = grouping(document, rules: rules)
                checked += 1
            }
        }
        #expect(checked >= 20, "the corpus was read")
    }
}

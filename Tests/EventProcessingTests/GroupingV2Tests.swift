import EventProcessing
import Foundation
import SentryProtocol
import Testing

/// Strategy v2's additions, each with events that must group together and events that must not; every case also
/// checks that ingest's tree-less key agrees with the tree.
@Suite struct GroupingV2Tests {
    func v2(_ object: [String: Any]) throws -> GroupingResult {
        let facts = EventFacts(try eventJSON(object).root)
        let result = Fingerprinter.group(facts, strategy: .v2)
        #expect(Fingerprinter.key(facts, strategy: .v2).hash == result.hash, "ingest's key differs from the tree's")
        #expect(Fingerprinter.group(facts, strategy: .v2, explain: false).hash == result.hash)
        return result
    }

    func js(_ frames: [[String: Any]], type: String = "TypeError", value: String = "x is undefined") -> [String: Any] {
        ["platform": "javascript", "exception": ["values": [["type": type, "value": value, "stacktrace": ["frames": frames]]]]]
    }

    @Test func javascriptFramesCountByFunctionNotByURL() throws {
        let a = try v2(js([["abs_path": "https://cdn.example.com/app.3f9a.js", "function": "Cart.prototype.add", "lineno": 1, "in_app": true],
                           ["abs_path": "https://cdn.example.com/app.3f9a.js", "function": "applyCoupon", "lineno": 9, "in_app": true]]))
        // Another host, another bundle name, the method called through another object: the same bug.
        let b = try v2(js([["abs_path": "https://static.example.org/main-77aa.js", "function": "add", "lineno": 4, "in_app": true],
                           ["abs_path": "https://static.example.org/main-77aa.js", "function": "Checkout.applyCoupon", "lineno": 2, "in_app": true]]))
        #expect(a.hash == b.hash)
        let other = try v2(js([["abs_path": "https://cdn.example.com/app.3f9a.js", "function": "remove", "in_app": true],
                               ["abs_path": "https://cdn.example.com/app.3f9a.js", "function": "applyCoupon", "in_app": true]]))
        #expect(other.hash != a.hash, "another contributing function splits")
        let otherType = try v2(js([["abs_path": "https://static.example.org/main-77aa.js", "function": "add", "in_app": true],
                                   ["abs_path": "https://static.example.org/main-77aa.js", "function": "applyCoupon", "in_app": true]],
                                  type: "RangeError"))
        #expect(otherType.hash != a.hash, "another exception type splits")
        // v1 keeps them apart: the strategies differ, and v1 is frozen.
        let v1a = Fingerprinter.group(EventFacts(try eventJSON(js([["abs_path": "https://cdn.example.com/app.3f9a.js", "function": "Cart.prototype.add", "in_app": true]])).root), strategy: .v1)
        let v1b = Fingerprinter.group(EventFacts(try eventJSON(js([["abs_path": "https://cdn.example.com/app.3f9a.js", "function": "add", "in_app": true]])).root), strategy: .v1)
        #expect(v1a.hash != v1b.hash)
    }

    @Test func helpersAndPlumbingLeaveGrouping() throws {
        let app: [String: Any] = ["abs_path": "/srv/app/cart.js", "filename": "/srv/app/cart.js", "function": "addItem", "in_app": true]
        let plain = try v2(["platform": "node", "exception": ["type": "Error", "value": "boom", "stacktrace": ["frames": [app]]]])
        let wrapped = try v2(["platform": "node", "exception": ["type": "Error", "value": "boom 2", "stacktrace": ["frames": [
            ["function": "processTicksAndRejections", "abs_path": "node:internal/process/task_queues", "in_app": true],
            ["module": "regenerator-runtime/runtime", "function": "invoke", "in_app": true],
            ["abs_path": "/srv/app/node_modules/@babel/runtime/helpers/asyncToGenerator.js", "function": "step", "in_app": true],
            app,
        ]]]])
        #expect(plain.hash == wrapped.hash)
        func hints(_ c: GroupingComponent) -> [String] { (c.hint.map { [$0] } ?? []) + c.children.flatMap(hints) }
        #expect(hints(wrapped.root).filter { $0.contains("built-in rule") }.count == 3, "the explanation names the rule")
        // An eval frame in the browser does not count either.
        let withEval = try v2(["platform": "node", "exception": ["type": "Error", "value": "boom", "stacktrace": ["frames": [
            ["function": "eval", "abs_path": "<anonymous>", "in_app": true], app]]]])
        #expect(withEval.hash == plain.hash)
    }

    @Test func missingInAppIsNotTheApplication() throws {
        // No frame says in_app: v2 groups on all frames (the system variant), not on guessed application frames.
        let frames: [[String: Any]] = [["module": "app.main", "function": "run"], ["module": "app.cart", "function": "add"]]
        let result = try v2(["platform": "python", "exception": ["type": "KeyError", "value": "'a'", "stacktrace": ["frames": frames]]])
        #expect(result.variant == "system")
        let marked = try v2(["platform": "python", "exception": ["type": "KeyError", "value": "'a'", "stacktrace": ["frames": [
            frames[0], ["module": "app.cart", "function": "add", "in_app": true]]]]])
        #expect(marked.variant == "app")
    }

    @Test func chunkLoadErrorsAreOneIssue() throws {
        let a = try v2(js([["abs_path": "https://a.example/runtime.js", "function": "requireEnsure", "in_app": true]],
                          type: "ChunkLoadError", value: "Loading chunk 17 failed."))
        let b = try v2(js([["abs_path": "https://a.example/vendor.js", "function": "load", "in_app": true]],
                          type: "Error", value: "ChunkLoadError: Loading chunk 302 failed. (timeout: https://a.example/302.js)"))
        #expect(a.hash == b.hash && a.variant == "built-in" && a.fingerprint == ["chunkloaderror"])
        // The SDK's own fingerprint still wins, and other platforms are left alone.
        var sent = js([["function": "f", "in_app": true]], type: "ChunkLoadError")
        sent["fingerprint"] = ["mine"]
        #expect(try v2(sent).variant == "custom")
        var python = js([["function": "f", "in_app": true]], type: "ChunkLoadError")
        python["platform"] = "python"
        #expect(try v2(python).variant != "built-in")
    }
}

@testable import EventProcessing
import Foundation
import SentryProtocol
import Testing

/// The stack-trace rule language (Sentry's enhancement syntax) and how rules change frames.
@Suite struct StackTraceRulesTests {
    func frames(_ specs: [(function: String, inApp: Bool?)], platform: String? = nil) -> [StackFrame] {
        specs.map { StackFrame(function: $0.function, inApp: $0.inApp, platform: platform) }
    }

    func run(_ text: String, _ frames: inout [StackFrame], platform: String = "python",
             exception: EventFacts.ExceptionFacts? = nil) throws -> StackLimits {
        var limits = StackLimits()
        try StackTraceRuleParser.parse(text).apply(to: &frames, eventPlatform: platform, exception: exception.map(ExceptionContext.init),
                                                   limits: &limits, startingInApp: { $0.inApp })
        return limits
    }

    @Test func builtInRulesAllParse() throws {
        let lines = BuiltInStackTraceRules.text.split(separator: "\n").map { $0.trimmingCharacters(in: " ") }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        let parsed = try StackTraceRuleParser.parse(BuiltInStackTraceRules.text, builtIn: true)
        #expect(parsed.rules.count == lines.count)
        #expect(BuiltInStackTraceRules.v3.rules.count == lines.count, "the static set is the parsed text, not the empty fallback")
        #expect(lines.count > 150)
    }

    @Test func parseErrorsNameTheLine() {
        func error(_ text: String) -> StackTraceRuleError? {
            do { _ = try StackTraceRuleParser.parse(text); return nil } catch { return error }
        }
        #expect(error("function:foo -group\nbogus:bar -app")?.line == 2)
        #expect(error("function:foo -group\nbogus:bar -app")?.reason.contains("unknown matcher `bogus`") == true)
        #expect(error("function:foo")?.reason.contains("needs an action") == true)
        #expect(error("function:foo -frobnicate")?.reason.contains("unknown action") == true)
        #expect(error("-app")?.reason != nil)
        #expect(error("family:windows -app")?.reason.contains("unknown family") == true)
        #expect(error("function:\"unterminated -app")?.reason.contains("not closed") == true)
        #expect(error("function:[abc]* -app")?.reason.contains("character classes") == true)
        #expect(error("function:f max-frames=1000")?.reason.contains("0 to 100") == true)
        #expect(error("[ function:a | function:b -app") != nil)
        #expect(error(String(repeating: "function:f -app\n", count: 501))?.reason.contains("more than 500") == true)
        #expect(error("# only a comment\n\n") == nil)
    }

    @Test func reachUpAndDown() throws {
        // Oldest call first: main → dispatch → lib → throw → crash
        var f = frames([("main", true), ("dispatch", true), ("lib", true), ("throw", true), ("crash", true)])
        _ = try run("function:lib ^-group v+app -app", &f)
        #expect(f.map { $0.ignoredBy == nil } == [true, true, true, false, false], "^ reaches the frames it called")
        #expect(f.map(\.inApp) == [true, true, false, true, true])
        // `v` reaches the callers; the frame's own action is separate.
        var g = frames([("main", false), ("dispatch", false), ("lib", false), ("crash", false)])
        _ = try run("function:lib v+app", &g)
        #expect(g.map(\.inApp) == [true, true, false, false])
        #expect(g[0].inAppRule == "stack-trace rule function:lib v+app", "the change names its rule")
    }

    @Test func laterMatchesAndRulesOverride() throws {
        // Two matches of a rule with `v+app -app ^-app`: the last match's `v` reaches the first match itself.
        var f = frames([("a", nil), ("check", nil), ("b", nil), ("check", nil), ("c", nil)])
        _ = try run("function:check v+app -app ^-app", &f)
        #expect(f.map(\.inApp) == [true, true, true, false, false])
        // A later rule wins over an earlier one.
        var g = frames([("a", true)])
        _ = try run("function:a -app\nfunction:a +app", &g)
        #expect(g[0].inApp)
    }

    @Test func aReachingActionIsSeenByLaterMatches() throws {
        // Applied match by match: the first in-app frame is ignored and makes the frames after it not in-app, so
        // they no longer match `app:yes`.
        var f = frames([("a", true), ("b", true), ("c", true)])
        _ = try run("app:yes -group ^-app", &f)
        #expect(f.map { $0.ignoredBy != nil } == [true, false, false])
        #expect(f.map(\.inApp) == [true, false, false])
    }

    @Test func windowsLineEndingsAndZeroLimits() throws {
        let rules = try StackTraceRuleParser.parse("# ours\r\nfunction:foo -group\r\nfunction:bar -app\r")
        #expect(rules.rules.map(\.text) == ["function:foo -group", "function:bar -app"])
        do {
            _ = try StackTraceRuleParser.parse("function:ok -app\r\nbogus:x -app")
            Issue.record("a bad second line must be refused")
        } catch {
            #expect(error.line == 2)
        }
    }

    @Test func siblingsAndCategories() throws {
        var f = frames([("start", nil), ("libsys1", nil), ("libsys2", nil), ("mine", false)], platform: "native")
        _ = try run("""
            function:libsys* category=system
            [ category:system ] | category:system category=internals
            category:internals -group
            function:mine | [ function:nothing ] -app
            [ function:libsys2 ] | function:mine +app
            """, &f, platform: "native")
        #expect(f.map(\.category) == [nil, "system", "internals", nil])
        #expect(f.map { $0.ignoredBy != nil } == [false, false, true, false])
        #expect(f[3].inApp, "the caller rule matched")
    }

    @Test func matchersNegationFamilyAndErrors() throws {
        var f = [StackFrame(module: "vendor.lib", absPath: "C:\\App\\Vendor\\lib.py", function: "x", inApp: true),
                 StackFrame(module: "app.views", absPath: "/srv/app/views.py", function: "y", inApp: true)]
        _ = try run("path:**/vendor/** -app", &f)
        #expect(f.map(\.inApp) == [false, true], "paths match without letter case and with either separator")
        var g = f
        _ = try run("!module:app.* +group\nfamily:native -group\nfamily:other module:app.* -group", &g)
        #expect(g.map { $0.ignoredBy != nil } == [false, true])
        var h = f
        let exception = EventFacts.ExceptionFacts(type: "KeyError", value: "Missing", module: nil, mechanismType: "generic",
                                                  handled: true, synthetic: false, isExceptionGroup: false, exceptionID: nil,
                                                  parentID: nil, frames: [])
        _ = try run("error.type:KeyError error.value:missing function:y -group", &h, exception: exception)
        #expect(h.map { $0.ignoredBy != nil } == [false, true], "error.value matches without case")
        var i = f
        _ = try run("error.type:KeyError -group", &i)
        #expect(i.allSatisfy { $0.ignoredBy == nil }, "no exception, no error match")
        var j = f
        _ = try run("path:lib.py -app\napp:no -group", &j)
        #expect(j.map { $0.ignoredBy != nil } == [true, false], "a pattern without / names the file; app:no reads the state")
    }

    @Test func frameLimits() throws {
        var f = frames([("a", true)])
        let limits = try run("function:a max-frames=2 min-frames=3", &f)
        #expect(limits.maxFrames?.0 == 2)
        #expect(limits.minFrames?.0 == 3)
    }

    @Test func rulesReadBoundedFieldsAndTheFramesNearestTheCrash() throws {
        let long = StackFrame(absPath: String(repeating: "é", count: 5_000), function: String(repeating: "a", count: 60_000), inApp: true)
        let view = StackTraceRules.FrameView(long, eventPlatform: "python")
        #expect(view.function.utf8.count == StackTraceRules.maxFieldBytes)
        #expect(view.paths[0].utf8.count <= StackTraceRules.maxFieldBytes && view.paths[0].hasSuffix("é"), "cut on a character")
        // 300 frames: the 50 oldest do not meet the rules.
        var f = (0..<300).map { StackFrame(function: "f\($0)", inApp: true) }
        _ = try run("function:f* -group", &f)
        #expect(f.prefix(50).allSatisfy { $0.ignoredBy == nil })
        #expect(f.suffix(250).allSatisfy { $0.ignoredBy != nil })
    }

    @Test func hostileRulesAndFramesStayLinear() throws {
        // A pattern that makes backtracking matchers explode, over a long path, for many frames: it must finish.
        let text = (0..<20).map { _ in "path:*a*a*a*a*a*a*a*a*a*a*b -group" }.joined(separator: "\n")
        var f = (0..<100).map { _ in StackFrame(absPath: String(repeating: "a", count: 4_000), function: "f", inApp: true) }
        _ = try run(text, &f)
        #expect(f.allSatisfy { $0.ignoredBy == nil })
    }
}

@Suite struct FunctionNameTrimmerTests {
    @Test(arguments: [
        ("void ns::Cache<int>::put(int const&, char const*) const", "ns::Cache<T>::put"),
        ("std::vector<int, std::allocator<int> >::push_back(int const&)", "std::vector<T>::push_back"),
        ("MyApp::Handler::operator()(Request&)", "MyApp::Handler::operator()"),
        ("foo::{lambda(int)#1}::operator()(int) const", "foo::lambda::operator()"),
        ("(anonymous namespace)::helper(int)", "(anonymous namespace)::helper"),
        ("static int Widget::create(int) [clone .cold.2]", "Widget::create"),
        ("myapp::handler::process::h1a2b3c4d5e6f7a8b", "myapp::handler::process"),
        ("<myapp::Foo as core::fmt::Display>::fmt::h0123456789abcdef", "myapp::Foo::fmt"),
        ("myapp::main::{{closure}}::hdeadbeefdeadbeef", "myapp::main::{{closure}}"),
        ("memcpy@GLIBC_2.14", "memcpy"),
        ("MyApp.ViewController.buttonTapped(_:) -> ()", "MyApp.ViewController.buttonTapped"),
        ("closure #1 (Swift.Int) -> () in MyApp.Checkout.submit() -> ()", "closure in MyApp.Checkout.submit"),
        ("@objc MyApp.Checkout.submit() -> ()", "MyApp.Checkout.submit"),
        ("MyApp.load() throws -> Swift.Int", "MyApp.load"),
        ("generic specialization <Swift.Int> of MyApp.first<A>(A) -> A", "MyApp.first<T>"),
        ("-[SentryClient captureEvent:]", "-[SentryClient captureEvent:]"),
        ("<unknown>", "<unknown>"),
        ("main", "main"),
    ])
    func trimsNative(_ input: String, _ expected: String) {
        #expect(FunctionNameTrimmer.trimNative(input) == expected)
    }

    @Test func unclosedBracketsStayCheap() {
        // Each unclosed `<` would otherwise scan to the end of the name: the first failure ends bracket handling.
        let name = String(repeating: "<", count: FunctionNameTrimmer.maxLength)
        #expect(FunctionNameTrimmer.trimNative(name).count == FunctionNameTrimmer.maxLength)
        #expect(FunctionNameTrimmer.trimNative("Foo<int>::bar<(x)") == "Foo<T>::bar<")
    }

    @Test func dotNetAndHostile() {
        #expect(FunctionNameTrimmer.trimDotNet("MyApp.Orders.Place (System.Int32 id)") == "MyApp.Orders.Place")
        // Unclosed brackets and a huge template: bounded and never crashing.
        let hostile = String(repeating: "f<(", count: 20_000)
        #expect(FunctionNameTrimmer.trimNative(hostile).count <= FunctionNameTrimmer.maxLength * 2)
        #expect(!FunctionNameTrimmer.trimNative("a<b<c<d>>>(x)").isEmpty)
    }

    @Test func javaGeneratedNames() {
        #expect(JavaClassNames.stable("com.shop.CartService$$EnhancerBySpringCGLIB$$1a2b3c4d") == "com.shop.CartService$$EnhancerBySpringCGLIB$$<auto>")
        #expect(JavaClassNames.stable("com.shop.CartService$$SpringCGLIB$$0") == "com.shop.CartService$$SpringCGLIB$$<auto>")
        #expect(JavaClassNames.stable("com.sun.proxy.$Proxy42") == "com.sun.proxy.$Proxy<auto>")
        #expect(JavaClassNames.stable("jdk.proxy2.$Proxy17") == "jdk.proxy<auto>.$Proxy<auto>")
        #expect(JavaClassNames.stable("jdk.internal.reflect.GeneratedMethodAccessor311") == "jdk.internal.reflect.GeneratedMethodAccessor<auto>")
        #expect(JavaClassNames.stable("com.shop.Order$HibernateProxy$Xk2p9") == "com.shop.Order$HibernateProxy$<auto>")
        #expect(JavaClassNames.stable("com.shop.CartService") == "com.shop.CartService")
    }
}

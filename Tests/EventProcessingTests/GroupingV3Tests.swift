@testable import EventProcessing
import Foundation
import SentryProtocol
import Testing

/// Strategy v3 per platform: real-looking events that must group together (other ids, addresses, line numbers of
/// frames that do not count, messages) and events that must not (another contributing function, another type).
/// Every case also checks that ingest's tree-less key agrees with the explained tree.
@Suite struct GroupingV3Tests {
    func v3(_ object: [String: Any], rules: String = "") throws -> GroupingResult {
        let facts = EventFacts(try eventJSON(object).root)
        let stackRules = try StackTraceRuleParser.parse(rules)
        let result = Fingerprinter.group(facts, stackTraceRules: stackRules, strategy: .v3)
        #expect(Fingerprinter.key(facts, stackTraceRules: stackRules, strategy: .v3).hash == result.hash,
                "ingest's key differs from the tree's")
        #expect(Fingerprinter.group(facts, stackTraceRules: stackRules, strategy: .v3, explain: false).hash == result.hash)
        return result
    }

    func event(_ platform: String, type: String = "Error", value: String = "boom", frames: [[String: Any]],
               mechanism: [String: Any]? = nil) -> [String: Any] {
        var exception: [String: Any] = ["type": type, "value": value, "stacktrace": ["frames": frames]]
        if let mechanism { exception["mechanism"] = mechanism }
        return ["platform": platform, "exception": ["values": [exception]]]
    }

    func hints(_ c: GroupingComponent) -> [String] { (c.hint.map { [$0] } ?? []) + c.children.flatMap(hints) }

    // MARK: Native: C++ and Rust

    @Test func cppArgumentListsTemplatesAndThrowPlumbing() throws {
        func crash(_ function: String, line: Int, address: String) -> [String: Any] {
            event("native", type: "SIGABRT", value: "Abort trap at \(address)", frames: [
                ["function": "_start", "package": "/usr/lib/libc.so.6", "instruction_addr": "0x10"],
                ["function": "main", "package": "/opt/shop/bin/shop", "in_app": true, "lineno": 10],
                ["function": function, "package": "/opt/shop/bin/shop", "in_app": true, "lineno": line],
                ["function": "__cxa_throw", "package": "/usr/lib/libstdc++.so.6"],
                ["function": "abort", "package": "/usr/lib/libc.so.6"],
            ])
        }
        let a = try v3(crash("void shop::Cart<int>::add(int const&, char const*) const", line: 42, address: "0x7f00aa"))
        let b = try v3(crash("shop::Cart<long>::add(long const&, char const*)", line: 57, address: "0x7f11bb"))
        #expect(a.hash == b.hash, "template arguments, argument lists, const and line numbers do not split")
        let other = try v3(crash("shop::Cart<int>::remove(int)", line: 42, address: "0x7f00aa"))
        #expect(other.hash != a.hash, "another function splits")
        #expect(hints(a.root).contains { $0.contains("built-in rule family:native function:__cxa_throw") })
    }

    @Test func rustHashesAndPanicPlumbing() throws {
        func panic(_ hash: String, value: String) -> [String: Any] {
            event("native", type: "panic", value: value, frames: [
                ["function": "std::rt::lang_start::h\(hash)", "in_app": false],
                ["function": "shop::main::h\(hash)", "in_app": true],
                ["function": "shop::checkout::{{closure}}::h\(hash)", "in_app": true],
                ["function": "std::panicking::begin_panic::h\(hash)"],
                ["function": "std::panicking::rust_panic_with_hook::h\(hash)", "in_app": true],
            ])
        }
        let a = try v3(panic("0123456789abcdef", value: "called `Option::unwrap()` on a `None` value"))
        let b = try v3(panic("fedcba9876543210", value: "index out of bounds: the len is 3 but the index is 7"))
        #expect(a.hash == b.hash, "the symbol hash changes per build; panic machinery never counts")
        #expect(a.variant == "app")
        func values(_ r: GroupingResult) -> [String] { r.root.contributingValues }
        #expect(!values(a).contains { $0.contains("rust_panic_with_hook") }, "frames past begin_panic are out, though marked in-app")
    }

    @Test func nativeCategoriesNeedTheirLibraries() throws {
        // An application's own `start` is not where a thread starts (only dyld's is), so it and its callers count.
        let own = try v3(event("native", frames: [
            ["function": "main", "package": "/opt/shop/bin/shopd", "in_app": true],
            ["function": "start", "package": "/opt/shop/bin/shopd", "in_app": true],
            ["function": "run_jobs", "package": "/opt/shop/bin/shopd", "in_app": true],
        ]))
        #expect(own.root.contributingValues.prefix(3) == ["main", "start", "run_jobs"])
        // A lone system frame between two of the application's is indirection (a callback through libc): it does not
        // count even in the system variant.
        let sandwich = try v3(event("native", frames: [
            ["function": "dispatch_jobs", "package": "/opt/shop/bin/shopd"],
            ["function": "qsort", "package": "/usr/lib/x86_64-linux-gnu/libc.so.6"],
            ["function": "compare_orders", "package": "/opt/shop/bin/shopd"],
        ]))
        #expect(sandwich.variant == "system")
        #expect(sandwich.root.contributingValues == ["dispatch_jobs", "compare_orders", "Error"])
    }

    // MARK: Cocoa and Swift

    @Test func nsErrorDomainAndCodeGroup() throws {
        func nsError(code: Int, domain: String, message: String) -> [String: Any] {
            var e = event("cocoa", type: "NSError", value: message, frames: [
                ["function": "-[SentryClient captureError:]", "package": "/private/var/containers/Bundle/Application/X/Shop.app/Frameworks/Sentry.framework/Sentry"],
            ], mechanism: ["type": "NSError", "meta": ["ns_error": ["code": code, "domain": domain]]])
            e["sdk"] = ["name": "sentry.cocoa"]
            return e
        }
        let a = try v3(nsError(code: -1009, domain: "NSURLErrorDomain", message: "The Internet connection appears to be offline."))
        let b = try v3(nsError(code: -1009, domain: "NSURLErrorDomain", message: "Die Internetverbindung scheint offline zu sein."))
        #expect(a.hash == b.hash, "the localized message does not count when domain and code do")
        let otherCode = try v3(nsError(code: -1001, domain: "NSURLErrorDomain", message: "The request timed out."))
        #expect(otherCode.hash != a.hash)
        #expect(hints(a.root).contains("NSError domain and code take precedence"))
        // Without frames v1 groups on the message (it ignores the NSError details); v3 on domain and code.
        func frameless(_ message: String) -> [String: Any] {
            ["platform": "cocoa", "exception": ["values": [["type": "NSError", "value": message,
                "mechanism": ["type": "NSError", "meta": ["ns_error": ["code": 4, "domain": "NSCocoaErrorDomain"]]]]]]]
        }
        let v1 = Fingerprinter.group(EventFacts(try eventJSON(frameless("The file “a.txt” couldn’t be opened.")).root), strategy: .v1)
        let v1b = Fingerprinter.group(EventFacts(try eventJSON(frameless("The file “b.txt” couldn’t be opened.")).root), strategy: .v1)
        #expect(v1.hash != v1b.hash)
        #expect(try v3(frameless("The file “a.txt” couldn’t be opened.")).hash == (try v3(frameless("The file “b.txt” couldn’t be opened."))).hash)
    }

    @Test func swiftClosuresThunksAndAppPaths() throws {
        func crash(_ closureType: String, line: Int) -> [String: Any] {
            event("cocoa", type: "EXC_BAD_ACCESS", value: "KERN_INVALID_ADDRESS at 0x\(line)", frames: [
                ["function": "start", "package": "/usr/lib/system/libdyld.dylib"],
                ["function": "UIApplicationMain", "package": "/System/Library/PrivateFrameworks/UIKitCore.framework/UIKitCore"],
                ["function": "reabstraction thunk helper from @escaping @callee_guaranteed () -> () to @escaping @callee_unowned @convention(block) () -> ()",
                 "package": "/private/var/containers/Bundle/Application/AB12/Shop.app/Shop"],
                ["function": "closure #1 (\(closureType)) -> () in Shop.CheckoutViewController.submit() -> ()",
                 "package": "/private/var/containers/Bundle/Application/AB12/Shop.app/Shop", "lineno": line],
                ["function": "Shop.PaymentService.charge(amount: Swift.Int) throws -> Swift.Bool",
                 "package": "/private/var/containers/Bundle/Application/AB12/Shop.app/Shop", "lineno": line + 3],
            ])
        }
        // The SDK sent no in_app: the app bundle path makes the frames the application's.
        let a = try v3(crash("Swift.Int", line: 10))
        let b = try v3(crash("Swift.String", line: 99))
        #expect(a.hash == b.hash)
        #expect(a.variant == "app")
        let values = a.root.contributingValues
        #expect(values.contains("closure in Shop.CheckoutViewController.submit"))
        #expect(values.contains("Shop.PaymentService.charge"))
        #expect(!values.contains { $0.contains("thunk") })
    }

    // MARK: Dart and Flutter

    @Test func flutterFrameworkAndSdkFrames() throws {
        func error(line: Int, sdkLine: Int) -> [String: Any] {
            event("dart", type: "StateError", value: "Bad state: No element", frames: [
                ["function": "_drawFrame", "abs_path": "dart:ui/hooks.dart", "lineno": 120],
                ["function": "Element.rebuild", "abs_path": "package:flutter/src/widgets/framework.dart", "lineno": 4000],
                ["function": "CartPage.build", "abs_path": "package:shop/cart_page.dart", "lineno": line, "in_app": true],
                ["function": "SentryNavigatorObserver.didPush", "abs_path": "package:sentry_flutter/src/navigation.dart", "lineno": sdkLine, "in_app": true],
            ])
        }
        let a = try v3(error(line: 10, sdkLine: 1))
        let b = try v3(error(line: 10, sdkLine: 200))
        #expect(a.hash == b.hash)
        #expect(a.root.contributingValues.contains("CartPage.build"))
        #expect(!a.root.contributingValues.contains("SentryNavigatorObserver.didPush"), "the SDK's frames never count")
        let otherWidget = event("dart", type: "StateError", value: "Bad state: No element", frames: [
            ["function": "CheckoutPage.build", "abs_path": "package:shop/checkout_page.dart", "lineno": 10, "in_app": true]])
        #expect(try v3(otherWidget).hash != a.hash, "another widget splits")
    }

    // MARK: JVM and Android

    @Test func jvmProxiesAndFrameworks() throws {
        func error(proxy: Int, cglib: String, message: String) -> [String: Any] {
            event("java", type: "IllegalStateException", value: message, frames: [
                ["module": "java.lang.Thread", "function": "run", "in_app": true],
                ["module": "org.springframework.web.servlet.DispatcherServlet", "function": "doDispatch", "in_app": true],
                ["module": "com.sun.proxy.$Proxy\(proxy)", "function": "placeOrder", "in_app": true],
                ["module": "com.shop.OrderService$$EnhancerBySpringCGLIB$$\(cglib)", "function": "placeOrder", "in_app": true],
                ["module": "com.shop.OrderService", "function": "lambda$placeOrder$0", "in_app": true],
                ["module": "com.shop.Inventory", "function": "reserve", "in_app": true],
            ])
        }
        let a = try v3(error(proxy: 12, cglib: "a1b2c3", message: "sku 123 is gone"))
        let b = try v3(error(proxy: 87, cglib: "ff00ee", message: "sku 456 is gone"))
        #expect(a.hash == b.hash, "generated class names and lambdas do not split")
        let values = a.root.contributingValues
        #expect(!values.contains("doDispatch"), "framework frames are not the application's, even marked in-app")
        #expect(values.contains("com.shop.Inventory"))
        let other = try v3(["platform": "java", "exception": ["values": [["type": "IllegalStateException", "value": "x",
            "stacktrace": ["frames": [["module": "com.shop.Inventory", "function": "release", "in_app": true]]]]]]])
        #expect(other.hash != a.hash)
    }

    @Test func androidLooperIsNotTheBug() throws {
        // No frame is the app's: the system variant, where where the thread started and the message loop do not count.
        func anr(_ base: [[String: Any]]) -> [String: Any] {
            event("java", type: "ApplicationNotResponding", value: "ANR for at least 5000 ms", frames: base + [
                ["module": "okhttp3.internal.connection.RealCall", "function": "execute", "lineno": 7],
            ])
        }
        let zygote: [String: Any] = ["module": "com.android.internal.os.ZygoteInit", "function": "main", "lineno": 1]
        let activity: [String: Any] = ["module": "android.app.ActivityThread", "function": "main", "lineno": 8000]
        let looper: [String: Any] = ["module": "android.os.Looper", "function": "loop", "lineno": 200]
        let handler: [String: Any] = ["module": "android.os.Handler", "function": "dispatchMessage", "lineno": 99]
        let a = try v3(anr([zygote, activity, looper]))
        let b = try v3(anr([zygote, activity, looper, handler]))
        #expect(a.hash == b.hash)
        #expect(a.variant == "system")
        #expect(a.root.contributingValues == ["okhttp3.internal.connection.RealCall", "execute", "ApplicationNotResponding"])
        #expect(hints(b.root).contains { $0.contains("category:threadbase -group v-group") })
        let otherCall = try v3(event("java", type: "ApplicationNotResponding", value: "ANR for at least 5000 ms",
                                     frames: [zygote, activity, looper, ["module": "okhttp3.internal.connection.RealCall", "function": "enqueue"]]))
        #expect(otherCall.hash != a.hash, "another blocking call splits")
    }

    // MARK: .NET, Ruby, PHP, Go

    @Test func dotNetSignaturesAndSystemFrames() throws {
        func error(_ arg: String) -> [String: Any] {
            event("csharp", type: "System.InvalidOperationException", value: "Sequence contains no elements", frames: [
                ["module": "System.Linq.ThrowHelper", "function": "ThrowNoElementsException ()", "in_app": true],
                ["module": "Shop.Orders", "function": "Place (\(arg) id)", "in_app": true],
                ["module": "Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor", "function": "Execute ()", "in_app": true],
            ].reversed())
        }
        let a = try v3(error("System.Int32"))
        let b = try v3(error("System.Int64"))
        #expect(a.hash == b.hash)
        let otherMethod = try v3(event("csharp", type: "System.InvalidOperationException", value: "Sequence contains no elements",
                                       frames: [["module": "Shop.Orders", "function": "Cancel (System.Int32 id)", "in_app": true]]))
        #expect(otherMethod.hash != a.hash)
        #expect(a.root.contributingValues.contains("Place"))
        #expect(!a.root.contributingValues.contains("ThrowNoElementsException"))
    }

    @Test func rubyGemsPhpVendorAndGoRuntime() throws {
        let ruby = try v3(event("ruby", type: "NoMethodError", value: "undefined method `total' for nil", frames: [
            ["function": "call", "abs_path": "/usr/local/bundle/gems/rack-3.0.8/lib/rack/builder.rb", "in_app": true, "lineno": 1],
            ["function": "checkout", "abs_path": "/app/app/controllers/carts_controller.rb", "in_app": true, "lineno": 9],
        ]))
        #expect(ruby.root.contributingValues == ["carts_controller.rb", "checkout", "NoMethodError"])
        let php = try v3(event("php", type: "TypeError", value: "x", frames: [
            ["function": "handle", "abs_path": "/var/www/vendor/laravel/framework/src/Kernel.php", "in_app": true],
            ["function": "store", "abs_path": "/var/www/app/Http/OrderController.php", "in_app": true],
        ]))
        #expect(php.root.contributingValues == ["ordercontroller.php", "store", "TypeError"])
        let go = try v3(event("go", type: "*errors.errorString", value: "boom", frames: [
            ["function": "goexit", "module": "runtime", "abs_path": "/usr/local/go/src/runtime/asm_amd64.s", "in_app": true],
            ["function": "(*Server).handle", "module": "example.com/shop/api", "in_app": true],
        ]))
        #expect(go.root.contributingValues == ["example.com/shop/api", "(*Server).handle", "*errors.errorString"])
        // Merges: another gem version and line; splits: another controller action or exception type.
        func rubyError(gem: String, line: Int, action: String, type: String = "NoMethodError") throws -> String {
            try v3(event("ruby", type: type, value: "undefined method for nil", frames: [
                ["function": "call", "abs_path": "/usr/local/bundle/gems/rack-\(gem)/lib/rack/builder.rb", "in_app": true, "lineno": 1],
                ["function": action, "abs_path": "/app/app/controllers/carts_controller.rb", "in_app": true, "lineno": line],
            ])).hash
        }
        let base = try rubyError(gem: "3.0.8", line: 9, action: "checkout")
        #expect(try rubyError(gem: "3.1.0", line: 12, action: "checkout") == base)
        #expect(try rubyError(gem: "3.0.8", line: 9, action: "update") != base)
        #expect(try rubyError(gem: "3.0.8", line: 9, action: "checkout", type: "TypeError") != base)
        func phpError(vendorLine: Int, function: String) throws -> String {
            try v3(event("php", type: "TypeError", value: "x", frames: [
                ["function": "handle", "abs_path": "/var/www/vendor/laravel/framework/src/Kernel.php", "in_app": true, "lineno": vendorLine],
                ["function": function, "abs_path": "/var/www/app/Http/OrderController.php", "in_app": true],
            ])).hash
        }
        #expect(try phpError(vendorLine: 1, function: "store") == phpError(vendorLine: 400, function: "store"))
        #expect(try phpError(vendorLine: 1, function: "store") != phpError(vendorLine: 1, function: "destroy"))
    }

    // MARK: JavaScript, templates, threads, messages

    @Test func hydrationErrorsAreOnePerPage() throws {
        func hydration(_ page: String, _ frame: String) -> [String: Any] {
            var e = event("javascript", type: "Error",
                          value: "Hydration failed because the initial UI does not match what was rendered on the server.",
                          frames: [["function": frame, "abs_path": "https://shop.example/_next/static/chunks/main.js", "in_app": true]])
            e["tags"] = ["transaction": page]
            return e
        }
        let a = try v3(hydration("/cart", "a"))
        let b = try v3(hydration("/cart", "b"))
        let c = try v3(hydration("/checkout", "a"))
        #expect(a.hash == b.hash)
        #expect(a.hash != c.hash)
        #expect(a.variant == "built-in")
        // SDKs send the page as the event's `transaction` (it becomes a tag only after grouping).
        var sent = hydration("/cart", "z")
        sent["tags"] = nil
        sent["transaction"] = "/cart"
        #expect(try v3(sent).hash == a.hash)
    }

    @Test func templateErrorsGroupOnTheTemplateLine() throws {
        func template(_ value: String, line: String = "{{ cart.totl }}") -> [String: Any] {
            ["platform": "python", "message": value,
             "template": ["filename": "/srv/app/templates/cart.html", "context_line": line, "lineno": 12]]
        }
        let a = try v3(template("Invalid variable 'totl' at 12"))
        let b = try v3(template("Invalid variable 'totl' at 19"))
        #expect(a.hash == b.hash)
        #expect(a.variant == "template")
        #expect(try v3(template("x", line: "{{ cart.items }}")).hash != a.hash)
    }

    @Test func crashedThreadIsTheOneGrouped() throws {
        func threads(crashed: String) -> [String: Any] {
            ["platform": "native", "threads": ["values": [
                ["id": 1, "crashed": crashed == "render", "stacktrace": ["frames": [["function": "render", "in_app": true]]]],
                ["id": 2, "crashed": crashed == "upload", "stacktrace": ["frames": [["function": "upload", "in_app": true]]]],
            ]]]
        }
        #expect(try v3(threads(crashed: "render")).root.contributingValues == ["render"])
        #expect(try v3(threads(crashed: "upload")).root.contributingValues == ["upload"])
    }

    @Test func extendedMessagePatterns() throws {
        func message(_ text: String) throws -> String { try v3(["platform": "python", "message": text]).root.contributingValues.first ?? "" }
        #expect(try message("request 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 failed") == "request <traceparent> failed")
        #expect(try message("deploy a1b2c3d broke it") == "deploy <git_sha> broke it")
        #expect(try message("token ab12 expired, session 12345678") == "token <hex> expired, session <hex>")
        #expect(try message("waited 1234567 ticks") == "waited <int> ticks")
        // v1 keeps its classic patterns.
        let v1 = Fingerprinter.group(EventFacts(try eventJSON(["platform": "python", "message": "deploy a1b2c3d broke it"]).root), strategy: .v1)
        #expect(v1.root.contributingValues == ["deploy a1b2c3d broke it"])
    }

    @Test func appVariantWithoutAStackFallsToTheSystemStack() throws {
        // The only in-app frame is ignored by a rule: Sentry groups on the system stack, not on type and value.
        let e = event("node", type: "Error", value: "boom 42", frames: [
            ["function": "listOrders", "abs_path": "/srv/app/node_modules/pg/lib/client.js", "in_app": false],
            ["function": "step", "abs_path": "/srv/app/node_modules/@babel/runtime/helpers/asyncToGenerator.js", "in_app": true],
        ])
        let r = try v3(e)
        #expect(r.variant == "system")
        #expect(r.root.contributingValues.contains("listOrders"))
    }

    // MARK: Project rules

    @Test func projectRulesChangeFramesAndAreNamed() throws {
        let e = event("python", type: "ValueError", value: "bad", frames: [
            ["function": "view", "module": "shop.views", "in_app": true],
            ["function": "assert_valid", "module": "shop.validation", "in_app": true],
        ])
        let plain = try v3(e)
        let ruled = try v3(e, rules: "function:assert_* -group")
        #expect(plain.hash != ruled.hash)
        #expect(hints(ruled.root).contains("ignored by stack-trace rule function:assert_* -group"))
        let promoted = try v3(event("python", frames: [
            ["function": "fetch", "module": "vendorlib.core", "in_app": false],
            ["function": "view", "module": "shop.views", "in_app": true],
        ]), rules: "module:vendorlib.* +app")
        #expect(promoted.root.contributingValues.contains("vendorlib.core"))
        #expect(hints(promoted.root).contains("marked in-app by stack-trace rule module:vendorlib.* +app"))
        let vendor = try v3(e, rules: "stack.module:shop.validation -app")
        #expect(hints(vendor.root).contains("not in-app (stack-trace rule stack.module:shop.validation -app)"))
        let limited = try v3(event("python", frames: [
            ["function": "a", "module": "m", "in_app": true], ["function": "b", "module": "m", "in_app": true],
            ["function": "c", "module": "m", "in_app": true],
        ]), rules: "family:other max-frames=1")
        #expect(limited.root.contributingValues == ["m", "c", "Error"])
        let tooFew = try v3(event("python", frames: [["function": "a", "module": "m", "in_app": true]]),
                            rules: "family:other min-frames=2")
        #expect(tooFew.root.contributingValues == ["Error", "boom"], "too few frames: type and value")
        let unlimited = try v3(event("python", frames: [["function": "a", "module": "m", "in_app": true]]),
                               rules: "family:other max-frames=0")
        #expect(unlimited.root.contributingValues == ["m", "a", "Error"], "0 is no limit")
        // The same rules work under v1 as project settings.
        let v1 = Fingerprinter.group(EventFacts(try eventJSON(e).root), stackTraceRules: try StackTraceRuleParser.parse("function:assert_* -group"),
                                     strategy: .v1)
        #expect(!v1.root.contributingValues.contains("assert_valid"))
    }
}

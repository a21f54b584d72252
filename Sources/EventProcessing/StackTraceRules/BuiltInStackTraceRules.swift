/// The stack-trace rules grouping strategy v3 (`faultline:2026-12-03`) runs before a project's own rules, after
/// Sentry's built-in enhancements (`all-platforms@2023-01-11`, the base of its default grouping config): which code
/// is the application's per platform, which frames are runtime plumbing that never identifies a bug, and the
/// categories (system, thread base, indirection, throw, …) that native and JVM stacks are read with.
///
/// Frozen with the strategy: a change here is a new strategy version (the pinned hashes catch one).
public enum BuiltInStackTraceRules {
    public static let v3: StackTraceRules = {
        // The text is ours and fixed; a test checks that every line parses (`BuiltInStackTraceRulesTests`).
        (try? StackTraceRuleParser.parse(text, builtIn: true)) ?? .none
    }()

    static let text = #"""
    ## Where applications live, where libraries live (every platform)
    path:**/vendor/** -app
    path:**/site-packages/** -app
    path:**/dist-packages/** -app
    path:**/node_modules/** -app
    path:**/go/pkg/mod/** -app
    path:**/gems/** -app
    path:**/.cargo/registry/** -app
    path:/usr/local/go/src/** -app
    path:**/libexec/src/** -app
    module:unpkg/** -app
    path:**https://unpkg.com/** -app
    path:**https://cdnjs.cloudflare.com/** -app
    path:**https://cdn.jsdelivr.net/** -app
    path:**https://esm.run/** -app

    ## JavaScript: compiled-in helpers and runtime plumbing
    family:javascript function:reportError ^-app -app
    module:@babel/** -app -group
    module:core-js/** -app -group
    module:regenerator-runtime/** -app -group
    module:tslib/** -app -group
    path:**/node_modules/@babel/** -app -group
    path:**/node_modules/core-js/** -app -group
    path:**/node_modules/regenerator-runtime/** -app -group
    path:**/node_modules/tslib/** -app -group
    family:javascript function:_callSuper -app -group
    function:runMicrotasks -app -group
    function:queueMicrotask -app -group
    function:processTicksAndRejections -app -group
    function:runNextTicks -app -group
    function:nextTick -app -group
    family:javascript path:node:** -app
    family:javascript path:internal/** -app

    ## JVM, Kotlin, Scala, Clojure: frameworks and the SDK
    module:java.* -app
    module:javax.* -app
    module:jdk.* -app
    module:sun.* -app
    module:com.sun.* -app
    module:scala.* -app
    module:akka.* -app
    module:kotlin.* -app
    module:kotlinx.* -app
    module:io.ktor.* -app
    module:io.netty.* -app
    module:reactor.core.* -app
    module:com.fasterxml.* -app
    module:feign.* -app
    module:io.opentelemetry.* -app
    module:org.apache.* -app
    module:org.springframework.* -app
    module:org.glassfish.* -app
    module:org.jboss.* -app
    module:org.postgresql.* -app
    module:io.sentry.* -app -group
    module:newrelic -app -group
    path:**/*newrelic*/** -app -group
    path:**/*LogRocket*/** -app -group

    ## .NET
    module:System.* -app
    module:Microsoft.* -app
    module:Sentry.* -app -group

    ## Ruby and PHP
    path:**/vendor/bundle/** -app
    path:**/ruby/*/gems/** -app

    ## Go runtime
    family:other module:runtime -app
    family:other module:runtime/* -app

    ## Native: where the app is on Apple platforms, system libraries everywhere
    family:native package:/var/containers/Bundle/Application/** +app
    family:native package:/private/var/containers/Bundle/Application/** +app
    family:native package:**/Developer/CoreSimulator/Devices/** +app
    family:native package:**/Containers/Bundle/Application/** +app
    family:native package:**.app/Contents/** +app
    family:native package:/Users/** +app
    family:native package:/lib/** -app
    family:native package:/usr/lib/** -app
    family:native path:/usr/local/lib/** -app
    family:native path:/usr/local/Cellar/** -app
    family:native package:linux-gate.so* -app
    family:native package:linux-vdso.so* -app

    ## Rust: the standard library, panics and error-chain backtraces
    family:native function:std::* -app
    family:native function:core::* -app
    family:native function:alloc::* -app
    family:native function:__rust_* -app
    family:native function:rust_begin_unwind -app
    family:native function:std::panicking::begin_panic ^-group -group ^-app -app
    family:native function:core::panicking::begin_panic ^-group -group ^-app -app
    family:native function:std::panicking::panic_fmt ^-app -app
    family:native function:core::panicking::panic_fmt ^-app -app
    family:native function:failure::backtrace::Backtrace::new ^-group -group ^-app -app
    family:native function:error_chain::make_backtrace ^-group -group ^-app -app

    ## C++, Objective-C and crash reporters: what throws is not the bug
    family:native function:_CxxThrowException ^-group -group ^-app -app
    family:native function:__cxa_throw ^-group -group ^-app -app
    family:native function:__assert_rtn ^-group -group ^-app -app
    family:native function:_NSRaiseError ^-group -group ^-app -app
    family:native function:_mh_execute_header -group -app
    family:native function:google_breakpad::* -app -group
    family:native function:google_breakpad::ExceptionHandler::SignalHandler ^-group -group
    family:native function:google_breakpad::ExceptionHandler::WriteMinidumpWithException ^-group -group

    ## Cocoa and Swift: runtime libraries and the crash-reporting SDKs
    family:native package:**/Frameworks/libswift*.dylib -app
    family:native package:**/Frameworks/KSCrash.framework/** -app
    family:native package:**/Frameworks/SentrySwift.framework/** -app
    family:native package:**/Frameworks/Sentry.framework/** -app
    family:native function:kscm_* -app -group
    family:native function:sentrycrashcm_* -app -group
    family:native function:kscrash_* -app -group
    family:native function:*sentrycrash_* -app -group
    family:native function:?[[]KSCrash* -app -group
    family:native function:?[[]RNSentry* -app -group
    family:native function:?[[]Sentry* -app -group
    family:native function:__*[[]Sentry* -app -group
    family:native function:"reabstraction thunk*" -group
    family:native function:"thunk for *" -group
    family:native function:"partial apply for *" -group

    ## Dart and Flutter
    family:native package:/data/app/** path:**/*.dart +app
    family:javascript path:org-dartlang-sdk:///** -app -group
    family:javascript module:**/packages/flutter/** -app
    family:native path:**/packages/flutter/** -app
    family:native path:lib/ui/hooks.dart -app
    family:native path:lib/ui/platform_dispatcher.dart -app
    family:native path:**/.pub-cache/** -app
    path:package:sentry/** -app -group
    path:package:sentry_flutter/** -app -group
    path:package:sentry_logging/** -app -group
    path:package:sentry_dio/** -app -group
    path:package:sentry_file/** -app -group
    path:package:sentry_hive/** -app -group
    path:package:sentry_isar/** -app -group
    path:package:sentry_sqflite/** -app -group
    path:package:sentry_drift/** -app -group
    path:package:flutter/** -app
    path:dart:** -app

    ## Categories: system libraries
    family:native package:/System/Library/Frameworks/** category=system
    family:native package:/System/Library/PrivateFrameworks/** category=system
    family:native package:C:/Windows/** category=system
    family:native package:/usr/lib/** category=system
    family:native package:/system/** category=system
    family:native package:/vendor/** category=system
    family:native package:/apex/com.android.*/lib*/** category=system
    family:native package:CoreFoundation category=system
    family:native package:Foundation category=system
    family:native package:CFNetwork category=system
    family:native package:libobjc* category=system
    family:native package:libsystem* category=system
    family:native package:libdispatch.dylib category=system
    family:native package:**/libart.so category=system
    family:native function:memset category=system
    family:native function:memcpy category=system
    family:native function:__memcpy category=system
    family:native function:memcmp category=system
    module:dalvik.system.* category=system
    module:com.android.* category=system
    module:android.os.* category=system
    family:native function:boost::* category=std
    family:native function:std::* category=std
    module:android.* category=std
    module:androidx.* category=std
    family:native package:UIKit category=ui
    family:native package:UIKitCore category=ui
    family:native package:SwiftUI category=ui
    family:native package:AttributeGraph category=ui
    module:android.view.* category=ui
    module:android.widget.* category=ui

    ## Categories: where threads start
    family:native package:**/libdyld.dylib function:start category=threadbase
    family:native package:/usr/lib/system/** function:start category=threadbase
    family:native package:/usr/lib/dyld function:start category=threadbase
    family:native package:UIKit* function:UIApplicationMain category=threadbase
    family:native package:**/UIKit*.framework/** function:UIApplicationMain category=threadbase
    family:native function:wWinMain category=threadbase
    family:native function:invoke_main category=threadbase
    family:native function:BaseThreadInitThunk category=threadbase
    family:native function:RtlUserThreadStart category=threadbase
    family:native function:thread_start category=threadbase
    family:native function:_pthread_start category=threadbase
    family:native function:__pthread_start category=threadbase
    family:native function:_pthread_body category=threadbase
    family:native function:start_wqthread category=threadbase
    family:native function:_pthread_wqthread category=threadbase
    family:native function:_dispatch_worker_thread2 category=threadbase
    family:native function:boost::*::thread_proxy category=threadbase
    module:java.util.concurrent.ThreadPoolExecutor* function:runWorker category=threadbase
    module:java.lang.Thread function:run category=threadbase
    module:android.app.ActivityThread function:main category=threadbase
    module:android.os.Looper function:loop category=threadbase
    module:android.os.Handler function:dispatchMessage category=threadbase
    module:com.android.internal.os.* function:main category=threadbase

    ## Categories: allocators, indirection, throwing, signal handlers, telemetry
    family:native package:libsystem_malloc* category=malloc
    family:native function:malloc category=malloc
    family:native function:malloc_base category=malloc
    family:native function:RtlpAllocateHeapInternal category=malloc
    family:native function:*::operator()* category=indirection
    family:native function:*<lambda>* category=indirection
    family:native function:__dynamic_cast category=indirection
    family:native function:boost::function* category=indirection
    family:native function:*.cold.1 category=indirection
    module:java.lang.reflect.* category=indirection
    module:jdk.internal.reflect.* category=indirection
    family:native function:abort category=throw
    family:native function:raise category=throw
    family:native function:std::terminate category=throw
    family:native function:_CxxThrowException category=throw
    family:native function:RaiseException category=throw
    family:native function:objc_exception_throw category=throw
    family:native function:_CFThrowFormattedException category=throw
    family:native function:_sigtramp category=handler
    family:native function:RtlpExecuteHandlerForException category=handler
    family:native function:crashpad::* category=telemetry
    family:native function:__swift_* category=internals
    family:native function:std::_* category=internals
    family:native function:@callee_guaranteed* category=internals

    ## What categories mean for grouping
    [ !category:system ] | category:system | [ !category:system ] category=indirection
    [ category:malloc ] | category:malloc category=internals
    [ category:throw ] | category:throw category=internals
    [ category:system ] | category:system category=internals
    [ category:std ] | category:system category=internals
    [ category:std ] | category:std category=internals
    [ category:ui ] | category:ui category=internals
    [ category:ui ] | category:system category=internals
    [ category:internals ] | category:system category=internals
    category:system -app
    category:throw ^-group
    category:threadbase -group v-group
    category:handler ^-group -group
    category:telemetry -group
    category:indirection -group
    category:internals -group
    """#
}

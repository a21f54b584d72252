// swift-tools-version:6.0
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    // Lets release builds inline and specialize small accessors across our modules (JSON tape nodes, SQLite
    // bindings): the ingest path crosses five of them per event.
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

let package = Package(
    name: "Faultline",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "faultline", targets: ["faultline"]),
        .executable(name: "faultline-bench", targets: ["faultline-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    ],
    targets: [
        // System libraries, linked through module maps (Debian -dev packages).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CBrotli", pkgConfig: "libbrotlidec", providers: [.apt(["libbrotli-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // Whole-buffer DEFLATE, 2.5× faster than zlib's inflate on SDK-sized bodies (see Docs/performance.md).
        .systemLibrary(name: "CLibdeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),

        // Outbound HTTP(S) for alert deliveries (typed wrappers around curl's variadic calls).
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // epoll/eventfd wrappers (header only; Glibc's overlay does not export them).
        .systemLibrary(name: "CEventLoop"),

        // Infrastructure: knows nothing of Sentry.
        .target(name: "HTTPServer", dependencies: ["CEventLoop", .product(name: "Logging", package: "swift-log")],
                swiftSettings: strictSettings),
        .target(name: "SQLite", dependencies: ["CSQLite"], swiftSettings: strictSettings),
        .target(name: "HTTPClient", dependencies: ["CCurl"], swiftSettings: strictSettings),
        .target(name: "ContentCoding", dependencies: ["CZlib", "CBrotli", "CZstd", "CLibdeflate"], swiftSettings: strictSettings),

        // Pure protocol: bytes in, values out.
        .target(name: "SentryProtocol", swiftSettings: strictSettings),

        // Pure event processing: normalization, scrubbing, grouping. Values in, values out.
        .target(name: "EventProcessing",
                dependencies: ["SentryProtocol", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strictSettings),

        // Product core: ingest, storage, projects.
        .target(name: "FaultlineCore",
                dependencies: ["SentryProtocol", "EventProcessing", "ContentCoding", "SQLite",
                               .product(name: "Crypto", package: "swift-crypto"),
                               // scrypt for passwords (its BoringSSL is the one Crypto already builds on Linux).
                               .product(name: "CryptoExtras", package: "swift-crypto"),
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: strictSettings),

        // The dashboards' HTML, CSS and JavaScript (Resources/Dashboard), embedded at build time.
        .executableTarget(name: "AssetEmbedder", swiftSettings: strictSettings),
        .plugin(name: "DashboardAssetsPlugin", capability: .buildTool(), dependencies: ["AssetEmbedder"],
                path: "Sources/DashboardAssetsPlugin"),
        .target(name: "DashboardAssets", swiftSettings: strictSettings, plugins: ["DashboardAssetsPlugin"]),

        // Thin web layer: routes → one core call → JSON.
        .target(name: "FaultlineWeb",
                dependencies: ["HTTPServer", "FaultlineCore", "DashboardAssets", "EventProcessing", "SentryProtocol", "ContentCoding",
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: strictSettings),

        // Flags and settings both command-line programs share (`--data`, `--org`, FAULTLINE_* variables).
        .target(name: "CommandLineOptions",
                dependencies: ["FaultlineCore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: strictSettings),

        .executableTarget(name: "faultline",
                          dependencies: ["FaultlineWeb", "FaultlineCore", "EventProcessing", "HTTPServer", "HTTPClient", "ContentCoding", "SentryProtocol", "CEventLoop",
                                         "CommandLineOptions",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "Logging", package: "swift-log")],
                          swiftSettings: strictSettings),

        // Benchmarks and the seeder: a binary of their own, so the server users run carries no bench code.
        .executableTarget(name: "faultline-bench",
                          dependencies: ["FaultlineCore", "EventProcessing", "ContentCoding", "SentryProtocol", "SQLite", "HTTPServer",
                                         "CEventLoop", "CommandLineOptions",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "Logging", package: "swift-log")],
                          path: "Sources/FaultlineBench",
                          swiftSettings: strictSettings),

        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite"]),
        .testTarget(name: "ContentCodingTests", dependencies: ["ContentCoding"]),
        .testTarget(name: "SentryProtocolTests", dependencies: ["SentryProtocol"],
                    resources: [.copy("../Fixtures")]),
        .testTarget(name: "EventProcessingTests", dependencies: ["EventProcessing", "SentryProtocol"],
                    resources: [.copy("../Fixtures")]),
        .testTarget(name: "FaultlineCoreTests", dependencies: ["FaultlineCore", "SentryProtocol", "ContentCoding"],
                    resources: [.copy("../Fixtures")]),
        .testTarget(name: "FaultlineWebTests", dependencies: ["FaultlineWeb", "FaultlineCore", "HTTPServer", "DashboardAssets"]),
    ],
    swiftLanguageModes: [.v6]
)

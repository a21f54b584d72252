import FaultlineCore
import Foundation

/// Settings that come from a flag, else an environment variable, else a default (shared by `faultline` and
/// `faultline-bench`).
public enum Environment {
    public static func value(_ flag: String?, _ variable: String, default fallback: String) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let env = ProcessInfo.processInfo.environment[variable], !env.isEmpty { return env }
        return fallback
    }

    public static func dataDirectory(_ flag: String?) -> String { value(flag, "FAULTLINE_DATA", default: "./data") }

    /// Opens the store for a one-shot command (a server may be running on the same directory: WAL allows it).
    public static func openStore(_ data: String) throws -> SQLiteStore {
        var options = SQLiteStore.Options()
        options.readers = 1
        options.backgroundCheckpoints = false
        options.resumeDeletions = false
        return try SQLiteStore(directory: data, options: options)
    }

    /// The URL DSNs are built on: the flag, the variable, what the server last stored, or the default.
    public static func publicURL(_ flag: String?, store: any FaultlineStore) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let env = ProcessInfo.processInfo.environment["FAULTLINE_PUBLIC_URL"], !env.isEmpty { return env }
        return (try? store.setting("public_url")) ?? nil ?? "http://127.0.0.1:9000"
    }
}

/// A one-line error and a non-zero exit.
public struct CommandError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

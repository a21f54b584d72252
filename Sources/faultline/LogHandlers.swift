import Foundation
import Logging
import SentryProtocol

/// One JSON object per line on stderr: `{"ts":…,"level":…,"logger":…,"msg":…, …metadata}`.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?,
             source: String, file: String, function: String, line: UInt) {
        var writer = JSONWriter()
        writer.raw("{\"ts\":")
        writer.string(Timestamp.format(Date().timeIntervalSince1970))
        writer.raw(",\"level\":")
        writer.string(level.rawValue)
        writer.raw(",\"logger\":")
        writer.string(label)
        writer.raw(",\"msg\":")
        writer.string(message.description)
        for (key, value) in metadata.merging(extra ?? [:], uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) {
            writer.raw(",")
            writer.string(key)
            writer.raw(":")
            writer.string(value.description)
        }
        writer.raw("}\n")
        FileHandle.standardError.write(Data(writer.bytes))
    }
}

/// `ts=… level=… msg="…" key=value` on stderr.
struct LogfmtHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?,
             source: String, file: String, function: String, line: UInt) {
        func quote(_ s: String) -> String {
            s.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) ? "\"\(s.replacingOccurrences(of: "\"", with: "\\\""))\"" : s
        }
        var line = "ts=\(Timestamp.format(Date().timeIntervalSince1970)) level=\(level.rawValue) msg=\(quote(message.description))"
        for (key, value) in metadata.merging(extra ?? [:], uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(quote(value.description))"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

enum Logs {
    static func make(level: String, format: String) throws -> Logger {
        guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
            throw CommandError("unknown log level '\(level)' (trace, debug, info, notice, warning, error, critical)")
        }
        var logger: Logger
        switch format {
        case "json": logger = Logger(label: "faultline") { JSONLogHandler(label: $0) }
        case "logfmt": logger = Logger(label: "faultline") { LogfmtHandler(label: $0) }
        default: throw CommandError("unknown log format '\(format)' (json, logfmt)")
        }
        logger.logLevel = parsed
        return logger
    }
}

import CommandLineOptions
import Foundation
import Logging
import SentryProtocol

/// Structured logs on stderr, one line per message: JSON (`{"ts":…,"level":…,"msg":…,…}`) or logfmt
/// (`ts=… level=… msg="…" key=value`).
struct StructuredLogHandler: LogHandler {
    enum Format: String {
        case json, logfmt
    }

    let label: String
    let format: Format
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?,
             source: String, file: String, function: String, line: UInt) {
        let fields = metadata.merging(extra ?? [:], uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key })
        let ts = Timestamp.format(Date().timeIntervalSince1970)
        var out: [UInt8]
        switch format {
        case .json:
            var writer = JSONWriter()
            writer.raw("{\"ts\":")
            writer.string(ts)
            writer.raw(",\"level\":")
            writer.string(level.rawValue)
            writer.raw(",\"logger\":")
            writer.string(label)
            writer.raw(",\"msg\":")
            writer.string(message.description)
            for (key, value) in fields {
                writer.raw(",")
                writer.string(key)
                writer.raw(":")
                writer.string(value.description)
            }
            writer.raw("}\n")
            out = writer.bytes
        case .logfmt:
            func quote(_ s: String) -> String {
                guard s.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\n" }) else { return s }
                var writer = JSONWriter()
                writer.string(s)
                return String(decoding: writer.bytes, as: UTF8.self)
            }
            var text = "ts=\(ts) level=\(level.rawValue) msg=\(quote(message.description))"
            for (key, value) in fields { text += " \(key)=\(quote(value.description))" }
            out = Array((text + "\n").utf8)
        }
        FileHandle.standardError.write(Data(out))
    }
}

enum Logs {
    static func make(level: String, format: String) throws -> Logger {
        guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
            throw CommandError("unknown log level '\(level)' (trace, debug, info, notice, warning, error, critical)")
        }
        guard let format = StructuredLogHandler.Format(rawValue: format) else {
            throw CommandError("unknown log format '\(format)' (json, logfmt)")
        }
        var logger = Logger(label: "faultline") { StructuredLogHandler(label: $0, format: format) }
        logger.logLevel = parsed
        return logger
    }
}

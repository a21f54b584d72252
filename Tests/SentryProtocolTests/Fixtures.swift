import Foundation
@testable import SentryProtocol

/// The captured SDK requests in Tests/Fixtures/sdk-corpus (copied from the shared corpus).
enum Fixtures {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/sdk-corpus")
    }

    static func names(_ suffix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(suffix) }.sorted()
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// Every uncompressed envelope of the corpus (the `.decompressed` files of envelope requests).
    static func envelopes() throws -> [(String, Envelope)] {
        try names(".decompressed").compactMap { name in
            let meta = try JSONSerialization.jsonObject(with: Data(try bytes(name.replacingOccurrences(of: ".decompressed", with: ".json")))) as? [String: Any]
            guard (meta?["path"] as? String)?.hasSuffix("/envelope/") == true else { return nil }
            return (name, try EnvelopeParser.parse(try bytes(name)))
        }
    }
}

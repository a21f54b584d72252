import Foundation
import Testing
@testable import ContentCoding

/// raven-era clients post `base64(zlib(json))` to the store endpoint with no `Content-Encoding`.
@Suite struct LegacyStoreBodyTests {
    let json = Array(#"{"message":"hello from raven","level":40,"extra":{"pad":"\#(String(repeating: "x", count: 300))"}}"#.utf8)

    @Test func base64OfZlibAndOfPlainJSON() throws {
        let wrapped = Array(Data(DeflateEncoder.compress(json, format: .zlib)).base64EncodedString().utf8)
        #expect(try LegacyStoreBody.unwrap(wrapped, limit: 1 << 20) == json)
        let plain = Array(Data(json).base64EncodedString().utf8)
        #expect(try LegacyStoreBody.unwrap(plain, limit: 1 << 20) == json)
        // Line-wrapped base64 (some encoders break at 76 columns), and the URL-safe alphabet.
        let lines = Array(Data(DeflateEncoder.compress(json, format: .zlib)).base64EncodedString(options: .lineLength76Characters).utf8)
        #expect(try LegacyStoreBody.unwrap(lines, limit: 1 << 20) == json)
        let urlSafe = plain.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0 }
        #expect(try LegacyStoreBody.unwrap(urlSafe, limit: 1 << 20) == json)
    }

    @Test func jsonAndNonBase64AreLeftToTheParser() throws {
        #expect(try LegacyStoreBody.unwrap(json, limit: 1 << 20) == nil)
        #expect(try LegacyStoreBody.unwrap(Array("  \n{}".utf8), limit: 10) == nil)
        #expect(try LegacyStoreBody.unwrap([], limit: 10) == nil)
        #expect(try LegacyStoreBody.unwrap(Array("not json at all!".utf8), limit: 100) == nil)
        #expect(try LegacyStoreBody.unwrap(Array("[1,2]".utf8), limit: 100) == nil)
        #expect(LegacyStoreBody.base64Decode(Array("QQ==QQ".utf8)) == nil)
        #expect(LegacyStoreBody.base64Decode(Array("Q".utf8)) == nil)
    }

    @Test func corruptZlibAndBombsFail() throws {
        // Valid base64 of bytes that are neither JSON nor zlib.
        let junk = Array(Data([0x78, 0x9C, 1, 2, 3, 4, 5]).base64EncodedString().utf8)
        #expect(throws: ContentDecodingError.self) { try LegacyStoreBody.unwrap(junk, limit: 1 << 20) }
        let zeros = [UInt8](repeating: 0x20, count: 1 << 20)
        let bomb = Array(Data(DeflateEncoder.compress(Array("{".utf8) + zeros, format: .zlib, level: 9)).base64EncodedString().utf8)
        #expect(throws: ContentDecodingError.tooLarge(limit: 1000)) { try LegacyStoreBody.unwrap(bomb, limit: 1000) }
    }
}

import Foundation
import Testing
@testable import ContentCoding

@Suite struct ContentDecoderTests {
    let text = Array(String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 200).utf8)

    @Test func gzipZlibAndRawDeflate() throws {
        #expect(try ContentDecoder.decode(DeflateEncoder.compress(text, format: .gzip), encoding: .gzip, limit: 1 << 20) == text)
        #expect(try ContentDecoder.decode(DeflateEncoder.compress(text, format: .zlib), encoding: .deflate, limit: 1 << 20) == text)
        #expect(try ContentDecoder.decode(DeflateEncoder.compress(text, format: .raw), encoding: .deflate, limit: 1 << 20) == text)
    }

    /// Pooled compressors are reused across bodies and threads without mixing state.
    @Test func fastGzipRoundTripsFromManyThreads() throws {
        let bodies = (0..<64).map { i in Array("body \(i): ".utf8) + text + Array(repeating: UInt8(i), count: i * 37) }
        let results = ResultBox(count: bodies.count)
        DispatchQueue.concurrentPerform(iterations: bodies.count) { i in
            results.set(i, FastGzip.compress(bodies[i]))
        }
        for (i, compressed) in results.values.enumerated() {
            let gz = try #require(compressed)
            #expect(gz.count < bodies[i].count)
            #expect(try ContentDecoder.decode(gz, encoding: .gzip, limit: 1 << 20) == bodies[i])
        }
        #expect(try ContentDecoder.decode(try #require(FastGzip.compress([])), encoding: .gzip, limit: 10) == [])
    }

    @Test func headerParsing() {
        #expect(ContentEncoding.parseHeader("gzip") == [.gzip])
        #expect(ContentEncoding.parseHeader("x-gzip") == [.gzip])
        #expect(ContentEncoding.parseHeader("UTF-8") == [])
        #expect(ContentEncoding.parseHeader("") == [])
        #expect(ContentEncoding.parseHeader("deflate, br") == [.deflate, .br])
        #expect(ContentEncoding.parseHeader(nil) == [])
    }

    @Test func limitIsEnforcedWithoutInflatingEverything() throws {
        let zeros = [UInt8](repeating: 0, count: 50 * 1024 * 1024)
        let bomb = DeflateEncoder.compress(zeros, format: .gzip, level: 9)
        #expect(bomb.count < 100 * 1024)
        #expect(throws: ContentDecodingError.tooLarge(limit: 1024 * 1024)) {
            try ContentDecoder.decode(bomb, encoding: .gzip, limit: 1024 * 1024)
        }
        #expect(throws: ContentDecodingError.tooLarge(limit: 10)) {
            try ContentDecoder.decode(Array(text.prefix(11)), encoding: .identity, limit: 10)
        }
        // Exactly at the limit is fine.
        #expect(try ContentDecoder.decode(DeflateEncoder.compress(text), encoding: .gzip, limit: text.count).count == text.count)
    }

    @Test func truncatedAndCorruptStreams() {
        let gz = DeflateEncoder.compress(text)
        for cut in [1, 10, gz.count / 2, gz.count - 1] {
            #expect(throws: ContentDecodingError.self) { try ContentDecoder.decode(Array(gz.prefix(cut)), encoding: .gzip, limit: 1 << 20) }
        }
        #expect(throws: ContentDecodingError.self) { try ContentDecoder.decode(Array("plain".utf8), encoding: .gzip, limit: 1 << 20) }
        #expect(throws: ContentDecodingError.self) { try ContentDecoder.decode(Array("plain".utf8), encoding: .br, limit: 1 << 20) }
        #expect(throws: ContentDecodingError.self) { try ContentDecoder.decode(Array("plain".utf8), encoding: .zstd, limit: 1 << 20) }
        #expect(throws: ContentDecodingError.self) { try ContentDecoder.decode([], encoding: .gzip, limit: 1 << 20) }
    }

    @Test func brotliAndZstdFromRealTools() throws {
        // Produced by Python's `brotli.compress` and the `zstd` command line for "hello hello hello\n" / "hello\n".
        let br: [UInt8] = [0x8b, 0x08, 0x80] + Array("hello hello hello\n".utf8) + [0x03]
        #expect(try ContentDecoder.decode(br, encoding: .br, limit: 1 << 20) == Array("hello hello hello\n".utf8))
        let zstd: [UInt8] = [0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x31, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x0a,
                             0x53, 0x88, 0xbd, 0x91]
        #expect(try ContentDecoder.decode(zstd, encoding: .zstd, limit: 1 << 20) == Array("hello\n".utf8))
        #expect(throws: ContentDecodingError.tooLarge(limit: 3)) { try ContentDecoder.decode(zstd, encoding: .zstd, limit: 3) }
        #expect(throws: ContentDecodingError.tooLarge(limit: 3)) { try ContentDecoder.decode(br, encoding: .br, limit: 3) }
        #expect(throws: ContentDecodingError.self) { try ContentDecoder.decode(Array(zstd.prefix(12)), encoding: .zstd, limit: 1 << 20) }
        #expect(throws: ContentDecodingError.self) { try ContentDecoder.decode(Array(br.prefix(8)), encoding: .br, limit: 1 << 20) }
    }
}

@Suite struct GzipTemplateTests {
    @Test func splicesReplacementsIntoValidGzip() throws {
        let marker = Array("9ec79c33ec9942ab8353589fcb2e04dc".utf8)
        let text = Array("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\"}\n{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"m\":\"".utf8)
            + Array(String(repeating: "abc ", count: 500).utf8) + Array("\"}\n".utf8)
        let template = try #require(GzipTemplate(text: text, marker: marker))
        let replacement = Array("0123456789abcdef0123456789abcdef".utf8)
        let gz = template.render(replacement: replacement)
        let decoded = try ContentDecoder.decode(gz, encoding: .gzip, limit: 1 << 20)
        let expected = String(decoding: text, as: UTF8.self).replacingOccurrences(of: String(decoding: marker, as: UTF8.self),
                                                                                with: String(decoding: replacement, as: UTF8.self))
        #expect(String(decoding: decoded, as: UTF8.self) == expected)
        #expect(gz.count < text.count / 3, "still compressed")
        #expect(gz.count == template.renderedCount)
        #expect(GzipTemplate(text: text, marker: Array("absent".utf8)) == nil)
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [[UInt8]?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ v: [UInt8]?) {
        lock.lock()
        values[i] = v
        lock.unlock()
    }
}

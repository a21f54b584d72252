import Foundation
import Testing
@testable import SentryProtocol

@Suite struct JSONDocumentTests {
    @Test func readsFields() throws {
        let doc = try JSONDocument(bytes: Array(#"{"a":1,"b":[true,false,null,"x\"y",-1.5e3],"c":{"d":"\u00e9\ud83d\ude00"},"e":{}}"#.utf8))
        #expect(doc.root["a"]?.int == 1)
        #expect(doc.root["b"]?.count == 5)
        #expect(doc.root["b"]?.elements.map(\.kind) == [.true, .false, .null, .string, .number])
        #expect(doc.root["b"]?.elements[3].string == "x\"y")
        #expect(doc.root["b"]?.elements[4].double == -1500)
        #expect(doc.root["c", "d"]?.string == "é😀")
        #expect(doc.root["e"]?.count == 0)
        #expect(doc.root["missing"] == nil)
        #expect(doc.root.members.map(\.key) == ["a", "b", "c", "e"])
    }

    @Test func roundTripsThroughJSONValue() throws {
        let text = #"{"k":[1,2.5,"s",{"n":null}],"t":true}"#
        let value = try JSONDocument(bytes: Array(text.utf8)).root.value
        #expect(String(decoding: value.serialized, as: UTF8.self) == text)
    }

    @Test func agreesWithFoundationOnTheCorpus() throws {
        // Every JSON event in the corpus: what we read equals what JSONSerialization reads.
        for (name, envelope) in try Fixtures.envelopes() {
            for item in envelope.items where item.type.isEvent {
                let payload = Array(envelope.payload(of: item))
                let ours = try JSONDocument(bytes: payload).root
                let theirs = try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any]
                #expect(ours["event_id"]?.string == theirs?["event_id"] as? String, "\(name)")
                #expect(ours["platform"]?.string == theirs?["platform"] as? String, "\(name)")
                #expect(ours.count == theirs?.count, "\(name)")
            }
        }
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":}", "{\"a\" 1}", "{'a':1}", "01", "1.", ".5", "-", "1e", "tru", "nul",
        "\"abc", "\"\\x\"", "\"\\u12\"", "[1 2]", "{\"a\":1,}", "{} {}", "\"\u{01}\"", "NaN", "[\"\\uZZZZ\"]",
    ])
    func rejectsInvalidJSON(text: String) {
        #expect(throws: JSONError.self) { try JSONDocument(bytes: Array(text.utf8)) }
    }

    @Test func rejectsInvalidUTF8() {
        for bad: [UInt8] in [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            #expect(throws: JSONError.self) { try JSONDocument(bytes: [0x22] + bad + [0x22]) }
        }
    }

    @Test func depthIsBounded() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONError.self) { try JSONDocument(bytes: Array(deep.utf8)) }
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try JSONDocument(bytes: Array(ok.utf8)) }
    }

    @Test func everyPrefixOfAValidDocumentIsRejectedOrValid() throws {
        let text = Array(#"{"a":[1,{"b":"c\n"}],"d":-0.5e-3}"#.utf8)
        for n in 0..<text.count {
            #expect(throws: JSONError.self) { try JSONDocument(bytes: Array(text[0..<n])) }
        }
        #expect(throws: Never.self) { try JSONDocument(bytes: text) }
    }

    @Test func writerEscapesForHTMLAndJSON() {
        var w = JSONWriter()
        w.string("<script>\"\\\n\u{01}&")
        #expect(String(decoding: w.bytes, as: UTF8.self) == #""\u003cscript\u003e\"\\\n\u0001\u0026""#)
    }
}

@Suite struct JSONStringScanTests {
    @Test func everySpecialByteAtEveryOffsetOfAWord() throws {
        // The 8-byte skip must stop on each special byte wherever it falls in the word.
        for offset in 0..<17 {
            let pad = String(repeating: "a", count: offset)
            for (inner, expected) in [("\\\"", "\""), ("\\\\", "\\"), ("é", "é"), ("\\n", "\n")] {
                let doc = try JSONDocument(bytes: Array("\"\(pad)\(inner)\(pad)\"".utf8))
                #expect(doc.root.string == pad + expected + pad)
            }
            #expect(throws: JSONError.self) { try JSONDocument(bytes: Array("\"\(pad)\u{01}\(pad)\"".utf8)) }
            #expect(throws: JSONError.self) { try JSONDocument(bytes: Array("\"\(pad)".utf8)) }
            #expect(throws: JSONError.self) { try JSONDocument(bytes: Array("\"\(pad)".utf8) + [0xFF] + Array("\"".utf8)) }
        }
    }
}

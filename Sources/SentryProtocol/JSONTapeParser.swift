/// The one-pass validating parser behind `JSONDocument`. Iterative (an explicit stack), so hostile
/// nesting cannot overflow the call stack; RFC 8259 grammar, UTF-8 validated.
struct JSONTapeParser {
    let end: Int
    private var tape: [JSONDocument.Node] = []
    private var stack: [Int] = []

    init(end: Int) {
        self.end = end
    }

    private enum Expect {
        case value, valueOrArrayEnd, keyOrObjectEnd, key, commaOrEnd
    }

    mutating func parse(_ b: UnsafeBufferPointer<UInt8>, from start: Int) throws(JSONError) -> [JSONDocument.Node] {
        tape.reserveCapacity(max(16, (end - start) / 12))
        // Events nest about ten deep; growing the stack from empty cost several reallocations per document.
        stack.reserveCapacity(32)
        var i = start
        var expect = Expect.value
        while true {
            while i < end, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
            guard i < end else {
                throw JSONError(message: tape.isEmpty ? "empty JSON document" : "unexpected end of JSON", offset: i)
            }
            let c = b[i]
            switch expect {
            case .value, .valueOrArrayEnd:
                if c == UInt8(ascii: "]") && expect == .valueOrArrayEnd {
                    i += 1
                    try close(.array, at: i)
                    expect = .commaOrEnd
                } else {
                    i = try value(b, at: i, expect: &expect)
                    if expect == .commaOrEnd { noteValueDone() }
                }
            case .keyOrObjectEnd, .key:
                if c == UInt8(ascii: "}") && expect == .keyOrObjectEnd {
                    i += 1
                    try close(.object, at: i)
                    expect = .commaOrEnd
                } else {
                    guard c == UInt8(ascii: "\"") else { throw JSONError(message: "expected an object key", offset: i) }
                    i = try string(b, at: i)
                    while i < end, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
                    guard i < end, b[i] == UInt8(ascii: ":") else { throw JSONError(message: "expected ':'", offset: i) }
                    i += 1
                    expect = .value
                }
            case .commaOrEnd:
                guard let top = stack.last else { throw JSONError(message: "unexpected data", offset: i) }
                let isObject = tape[top].kind == .object
                if c == UInt8(ascii: ",") {
                    i += 1
                    expect = isObject ? .key : .value
                } else if c == UInt8(ascii: isObject ? "}" : "]") {
                    i += 1
                    try close(isObject ? .object : .array, at: i)
                    expect = .commaOrEnd
                } else {
                    throw JSONError(message: isObject ? "expected ',' or '}'" : "expected ',' or ']'", offset: i)
                }
            }
            if stack.isEmpty && expect == .commaOrEnd {
                while i < end, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
                guard i == end else { throw JSONError(message: "unexpected data after JSON value", offset: i) }
                return tape
            }
        }
    }

    private mutating func noteValueDone() {
        if let top = stack.last { tape[top].count += 1 }
    }

    private mutating func close(_ kind: JSONDocument.Kind, at i: Int) throws(JSONError) {
        guard let top = stack.popLast(), tape[top].kind == kind else {
            throw JSONError(message: "mismatched bracket", offset: i - 1)
        }
        tape[top].next = UInt32(tape.count)
        tape[top].end = UInt32(i)
        noteValueDone()
    }

    private mutating func value(_ b: UnsafeBufferPointer<UInt8>, at start: Int, expect: inout Expect) throws(JSONError) -> Int {
        let c = b[start]
        switch c {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard stack.count < JSONDocument.maxDepth else {
                throw JSONError(message: "JSON nested too deeply", offset: start)
            }
            stack.append(tape.count)
            tape.append(.init(kind: c == UInt8(ascii: "{") ? .object : .array, escaped: false,
                              start: UInt32(start), end: 0, next: 0, count: 0))
            expect = c == UInt8(ascii: "{") ? .keyOrObjectEnd : .valueOrArrayEnd
            return start + 1
        case UInt8(ascii: "\""):
            let next = try string(b, at: start)
            expect = .commaOrEnd
            return next
        case UInt8(ascii: "t"):
            try literal(b, at: start, "true")
            tape.append(.init(kind: .true, escaped: false, start: UInt32(start), end: UInt32(start + 4), next: 0, count: 0))
            expect = .commaOrEnd
            return start + 4
        case UInt8(ascii: "f"):
            try literal(b, at: start, "false")
            tape.append(.init(kind: .false, escaped: false, start: UInt32(start), end: UInt32(start + 5), next: 0, count: 0))
            expect = .commaOrEnd
            return start + 5
        case UInt8(ascii: "n"):
            try literal(b, at: start, "null")
            tape.append(.init(kind: .null, escaped: false, start: UInt32(start), end: UInt32(start + 4), next: 0, count: 0))
            expect = .commaOrEnd
            return start + 4
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let next = try number(b, at: start)
            tape.append(.init(kind: .number, escaped: false, start: UInt32(start), end: UInt32(next), next: 0, count: 0))
            expect = .commaOrEnd
            return next
        default:
            throw JSONError(message: "unexpected character", offset: start)
        }
    }

    private func literal(_ b: UnsafeBufferPointer<UInt8>, at i: Int, _ word: StaticString) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        guard i + n <= end else { throw JSONError(message: "unexpected end of JSON", offset: i) }
        let w = word.utf8Start
        for k in 0..<n where b[i + k] != w[k] {
            throw JSONError(message: "invalid literal", offset: i)
        }
    }

    private func number(_ b: UnsafeBufferPointer<UInt8>, at start: Int) throws(JSONError) -> Int {
        var i = start
        @inline(__always) func isDigit(_ i: Int) -> Bool { i < end && b[i] >= 0x30 && b[i] <= 0x39 }
        if b[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { throw JSONError(message: "invalid number", offset: start) }
        if b[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while isDigit(i) { i += 1 }
        }
        if i < end && b[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { throw JSONError(message: "invalid number", offset: start) }
            while isDigit(i) { i += 1 }
        }
        if i < end && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
            i += 1
            if i < end && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
            guard isDigit(i) else { throw JSONError(message: "invalid number", offset: start) }
            while isDigit(i) { i += 1 }
        }
        return i
    }

    /// Nonzero when any byte of `w` is `"`, `\\`, below 0x20, or 0x80 and above (the classic has-zero-byte
    /// trick); its lowest set bit is in the first such byte (bytes above it may be flagged falsely).
    @inline(__always)
    static func attention(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* 0x22)
        let backslash = w ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote & highs
        let hasBackslash = (backslash &- ones) & ~backslash & highs
        let hasControl = (w &- ones &* 0x20) & ~w & highs
        return hasQuote | hasBackslash | hasControl | (w & highs)
    }

    /// Scans a string starting at its opening quote; appends its node; returns the index after the closing quote.
    private mutating func string(_ b: UnsafeBufferPointer<UInt8>, at quote: Int) throws(JSONError) -> Int {
        var i = quote + 1
        var escaped = false
        while true {
            // Skip eight plain bytes at a time: none of them a quote, backslash, control or non-ASCII byte.
            if let base = b.baseAddress {
                while i + 8 <= end {
                    let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                    let flagged = Self.attention(w)
                    if flagged != 0 {
                        // Little-endian: the lowest flagged byte is the first one in the text.
                        i += flagged.trailingZeroBitCount >> 3
                        break
                    }
                    i += 8
                }
            }
            guard i < end else { throw JSONError(message: "unterminated string", offset: quote) }
            let c = b[i]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") {
                escaped = true
                guard i + 1 < end else { throw JSONError(message: "unterminated string", offset: quote) }
                switch b[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard i + 5 < end, (2...5).allSatisfy({ JSONStrings.hex(b[i + $0]) != nil }) else {
                        throw JSONError(message: "invalid \\u escape", offset: i)
                    }
                    i += 6
                default:
                    throw JSONError(message: "invalid escape", offset: i)
                }
            } else if c < 0x20 {
                throw JSONError(message: "control character in string", offset: i)
            } else if c < 0x80 {
                i += 1
            } else {
                i = try JSONStrings.validateUTF8Sequence(b, at: i, end: end)
            }
        }
        tape.append(.init(kind: .string, escaped: escaped, start: UInt32(quote + 1), end: UInt32(i), next: 0, count: 0))
        return i + 1
    }
}

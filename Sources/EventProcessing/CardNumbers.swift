/// Credit-card numbers in text: 13–19 digits, optionally grouped by spaces or dashes, with a card
/// network's prefix and a valid Luhn checksum (so timestamps and ids rarely match).
public enum CardNumbers {
    public static func find(_ bytes: [UInt8], in range: Range<Int>) -> [Range<Int>] {
        var found: [Range<Int>] = []
        bytes.withUnsafeBufferPointer { b in find(b, in: range) { found.append($0) } }
        return found
    }

    /// Whether `range` holds at least `minimum` ASCII digits, counted eight bytes at a time: most strings of an
    /// event (paths, code, messages) hold too few to contain a card number and skip the byte-wise scan.
    static func hasDigits(_ bytes: UnsafeBufferPointer<UInt8>, in range: Range<Int>, atLeast minimum: Int) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let ones: UInt64 = 0x0101_0101_0101_0101
        var count = 0
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            // Bit Twiddling Hacks' hasbetween(w, '/', ':'): the high bit of each byte that is a digit, exactly.
            let low = w & (ones &* 127)
            let flags = (ones &* (127 + 0x3A) &- low) & ~w & (low &+ ones &* (127 - 0x2F)) & (ones &* 128)
            count += flags.nonzeroBitCount
            if count >= minimum { return true }
            i += 8
        }
        while i < range.upperBound {
            if bytes[i] &- 48 < 10 { count += 1 }
            i += 1
        }
        return count >= minimum
    }

    static func find(_ bytes: UnsafeBufferPointer<UInt8>, in range: Range<Int>, _ found: (Range<Int>) -> Void) {
        var i = range.lowerBound
        @inline(__always) func isDigit(_ c: UInt8) -> Bool { c &- 48 < 10 }
        @inline(__always) func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20) &- 97 < 26 }
        while i < range.upperBound {
            guard isDigit(bytes[i]) else {
                i += 1
                continue
            }
            let start = i
            var count = 0
            var end = i
            var j = i
            while j < range.upperBound, count <= 19 {
                let c = bytes[j]
                if isDigit(c) {
                    count += 1
                    j += 1
                    end = j
                } else if (c == UInt8(ascii: " ") || c == UInt8(ascii: "-")), j + 1 < range.upperBound, isDigit(bytes[j + 1]) {
                    j += 1
                } else {
                    break
                }
            }
            let before = start > range.lowerBound ? bytes[start - 1] : 0x20
            let after = end < range.upperBound ? bytes[end] : 0x20
            // Digits are collected only for a candidate, so ordinary numbers in text cost no allocation.
            if (13...19).contains(count), !isAlnum(before), before != UInt8(ascii: "."), !isAlnum(after) {
                let digits = bytes[start..<end].filter(isDigit).map { $0 - 48 }
                if hasCardPrefix(digits), luhn(digits) { found(start..<end) }
            }
            i = max(end, start + 1)
            while i < range.upperBound, isDigit(bytes[i]) { i += 1 }
        }
    }

    static func hasCardPrefix(_ d: [UInt8]) -> Bool {
        let two = Int(d[0]) * 10 + Int(d[1])
        let four = two * 100 + Int(d[2]) * 10 + Int(d[3])
        switch d[0] {
        case 4: return true                                   // Visa
        case 5: return (51...55).contains(two)                // Mastercard
        case 2: return (2221...2720).contains(four)           // Mastercard 2-series
        case 3: return [34, 37, 36, 38, 35].contains(two) || (300...305).contains(four / 10)  // Amex, Diners, JCB
        case 6: return four == 6011 || two == 65 || (644...649).contains(four / 10) || two == 62  // Discover, UnionPay
        default: return false
        }
    }

    static func luhn(_ d: [UInt8]) -> Bool {
        var sum = 0
        for (index, digit) in d.reversed().enumerated() {
            var v = Int(digit)
            if index % 2 == 1 {
                v *= 2
                if v > 9 { v -= 9 }
            }
            sum += v
        }
        return sum % 10 == 0
    }
}

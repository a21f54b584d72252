/// A compiled glob pattern, matched in time linear in the text: `*` is any run of characters (within one path segment
/// for path globs, where `**` crosses segments), `?` is one character, `\x` is `x` itself.
///
/// The matcher simulates the pattern's automaton over all positions at once (shift-and on bit sets), one step per
/// character of text, so its cost is (text length × pattern words), whatever the stars: a backtracking matcher takes
/// time that grows with the square of the text (or worse) for patterns like `*a*a*a*b` on a text of `a`s, which an
/// event or a rule can supply. Texts are read up to `maxTextLength` characters, which bounds per-event work too.
public struct Glob: Sendable, Equatable {
    /// Characters of text looked at (Unicode scalars): longer texts are matched on their first 64 Ki characters.
    public static let maxTextLength = 64 * 1024

    enum Token: Equatable {
        case scalar(Unicode.Scalar)
        case any
        case star(crossesSlash: Bool)
    }

    let tokens: [Token]
    let caseInsensitive: Bool
    let path: Bool
    /// Plain text without wildcards: compared directly.
    let literal: String?
    // Bit j of a state: the first j tokens have matched the text read so far (bits 0...n, in 64-bit words).
    /// Tokens that consume any one character (`?`).
    let consumesAny: [UInt64]
    /// Tokens that consume exactly this character.
    let consumesScalar: [Unicode.Scalar: [UInt64]]
    let stars: [UInt64]
    let starsWithinSegment: [UInt64]

    /// `starsOnly`: `*` is the only wildcard and every other character is itself (the search language's patterns).
    public init(_ pattern: String, caseInsensitive: Bool = false, path: Bool = false, starsOnly: Bool = false) {
        self.caseInsensitive = caseInsensitive
        self.path = path
        let scalars = Array((caseInsensitive ? pattern.lowercased() : pattern).unicodeScalars)
        var tokens: [Token] = []
        var i = 0
        while i < scalars.count {
            let s = scalars[i]
            if s == "*" {
                // A run of stars is one star; it crosses `/` if the run holds `**` (or always, outside paths).
                var run = 0
                while i < scalars.count, scalars[i] == "*" {
                    run += 1
                    i += 1
                }
                let crosses = !path || run >= 2
                if case .star(let previous)? = tokens.last {
                    tokens[tokens.count - 1] = .star(crossesSlash: previous || crosses)
                } else {
                    tokens.append(.star(crossesSlash: crosses))
                }
                continue
            }
            if starsOnly {
                tokens.append(.scalar(s))
            } else if s == "?" {
                tokens.append(.any)
            } else if s == "\\", i + 1 < scalars.count {
                i += 1
                tokens.append(.scalar(scalars[i]))
            } else {
                tokens.append(.scalar(s))
            }
            i += 1
        }
        self.tokens = tokens
        let words = tokens.count / 64 + 1
        var consumesAny: [UInt64] = Array(repeating: 0, count: words)
        var stars: [UInt64] = Array(repeating: 0, count: words)
        var starsWithinSegment: [UInt64] = Array(repeating: 0, count: words)
        var consumesScalar: [Unicode.Scalar: [UInt64]] = [:]
        for (j, token) in tokens.enumerated() {
            let (w, bit) = (j / 64, UInt64(1) << UInt64(j % 64))
            switch token {
            case .scalar(let s): consumesScalar[s, default: Array(repeating: 0, count: words)][w] |= bit
            case .any: consumesAny[w] |= bit
            case .star(let crosses):
                stars[w] |= bit
                if !crosses { starsWithinSegment[w] |= bit }
            }
        }
        self.consumesAny = consumesAny
        self.consumesScalar = consumesScalar
        self.stars = stars
        self.starsWithinSegment = starsWithinSegment
        literal = tokens.allSatisfy { if case .scalar = $0 { true } else { false } }
            ? String(String.UnicodeScalarView(tokens.compactMap { if case .scalar(let s) = $0 { s } else { nil } }))
            : nil
    }

    /// One-off match (compiles the pattern each time; keep a `Glob` to match many texts).
    public static func match(_ pattern: String, _ text: String, caseInsensitive: Bool = false, path: Bool = false) -> Bool {
        Glob(pattern, caseInsensitive: caseInsensitive, path: path).matches(text)
    }

    public func matches(_ text: String) -> Bool {
        let text = caseInsensitive
            ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(Self.maxTextLength))).lowercased() : text
        if let literal { return text == literal }
        let n = tokens.count
        let words = n / 64 + 1
        var state: [UInt64] = Array(repeating: 0, count: words)
        state[0] = 1
        Self.closeOverStars(&state, stars)
        var next: [UInt64] = Array(repeating: 0, count: words)
        var read = 0
        for c in text.unicodeScalars {
            if read == Self.maxTextLength { break }
            read += 1
            let exact = consumesScalar[c]
            var carry: UInt64 = 0
            var alive: UInt64 = 0
            for w in 0..<words {
                var step = consumesAny[w]
                if let exact { step |= exact[w] }
                let advanced = state[w] & step
                // Tokens that stay on this character: stars, but not single-segment stars on a `/`.
                let staying = c == "/" ? stars[w] & ~starsWithinSegment[w] : stars[w]
                next[w] = (advanced << 1) | carry | (state[w] & staying)
                carry = advanced >> 63
                alive |= next[w]
            }
            if alive == 0 { return false }
            Self.closeOverStars(&next, stars)
            swap(&state, &next)
        }
        return state[n / 64] & (UInt64(1) << UInt64(n % 64)) != 0
    }

    /// A star may match nothing: wherever a star's position is reached, so is the next one. Stars are never
    /// adjacent (runs were merged), so one pass settles it.
    private static func closeOverStars(_ state: inout [UInt64], _ stars: [UInt64]) {
        var carry: UInt64 = 0
        for w in 0..<state.count {
            let through = state[w] & stars[w]
            let shifted = (through << 1) | carry
            carry = through >> 63
            state[w] |= shifted
        }
    }
}

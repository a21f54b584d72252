import Foundation

/// One term of Sentry's search language: `[!]key:value`, `key:[a, b]`, or free text (no key).
public struct SearchTerm: Equatable, Sendable {
    public var negated: Bool
    /// Nil for free text.
    public var key: String?
    public var values: [String]
    /// Where the term starts (0-based character offset), for errors.
    public var position: Int

    public init(negated: Bool, key: String?, values: [String], position: Int) {
        self.negated = negated
        self.key = key
        self.values = values
        self.position = position
    }
}

/// A search that does not parse; the message names the position.
public struct SearchSyntaxError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The tokenizer shared by issue search (API) and metric alert queries (rules read back from storage).
public enum SearchTerms {
    /// Splits a query into terms: `[!]key:value`, `key:"quoted value"`, `key:[a, "b c"]`, and free words or
    /// quoted phrases. Fails on an unclosed quote or bracket, or a key without a value.
    /// Bounds on one query: each term becomes SQL conditions (SQLite refuses expressions past 1,000 levels) or a
    /// check per event for alert rules.
    public static let maxTerms = 100
    public static let maxLength = 4096

    public static func parse(_ text: String) throws(SearchSyntaxError) -> [SearchTerm] {
        guard text.utf8.count <= maxLength else { throw SearchSyntaxError("Invalid search: longer than 4096 bytes.") }
        let chars = Array(text)
        var terms: [SearchTerm] = []
        var i = 0
        func isSpace(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\n" }
        func fail(_ at: Int, _ why: String) -> SearchSyntaxError {
            SearchSyntaxError("Invalid search at position \(at + 1): \(why)")
        }
        /// A quoted string starting at `j` (on the quote): its text and the index after the closing quote.
        func quoted(_ j: Int) throws(SearchSyntaxError) -> (String, Int) {
            var k = j + 1
            var out = ""
            while k < chars.count {
                if chars[k] == "\\", k + 1 < chars.count, chars[k + 1] == "\"" {
                    out.append("\"")
                    k += 2
                    continue
                }
                if chars[k] == "\"" { return (out, k + 1) }
                out.append(chars[k])
                k += 1
            }
            throw fail(j, "unclosed quote")
        }
        while i < chars.count {
            if isSpace(chars[i]) {
                i += 1
                continue
            }
            let start = i
            if chars[i] == "\"" {
                let (phrase, next) = try quoted(i)
                if !phrase.isEmpty { terms.append(SearchTerm(negated: false, key: nil, values: [phrase], position: start)) }
                i = next
                continue
            }
            // A word, up to a space, or a key up to its colon.
            var word = ""
            var bracketDepth = 0
            while i < chars.count, !isSpace(chars[i]) || bracketDepth > 0 {
                if chars[i] == ":" && bracketDepth == 0 { break }
                if chars[i] == "[" { bracketDepth += 1 }
                if chars[i] == "]" { bracketDepth -= 1 }
                word.append(chars[i])
                i += 1
            }
            guard bracketDepth == 0 else { throw fail(start, "unbalanced '['") }
            guard i < chars.count, chars[i] == ":", !word.isEmpty, word != "!" else {
                terms.append(SearchTerm(negated: false, key: nil, values: [word], position: start))
                continue
            }
            i += 1
            let negated = word.hasPrefix("!")
            let key = negated ? String(word.dropFirst()) : word
            guard i < chars.count, !isSpace(chars[i]) else { throw fail(start, "a key has no value") }
            var values: [String] = []
            if chars[i] == "\"" {
                let (value, next) = try quoted(i)
                values = [value]
                i = next
            } else if chars[i] == "[" {
                let open = i
                i += 1
                var current = ""
                var sawQuote = false
                while true {
                    guard i < chars.count else { throw fail(open, "unclosed '['") }
                    let c = chars[i]
                    if c == "\"" {
                        let (value, next) = try quoted(i)
                        current = current.trimmingCharacters(in: .whitespaces) + value
                        sawQuote = true
                        i = next
                        continue
                    }
                    if c == "," || c == "]" {
                        let item = sawQuote ? current : current.trimmingCharacters(in: .whitespaces)
                        guard !item.isEmpty else { throw fail(open, "empty value in a list") }
                        values.append(item)
                        current = ""
                        sawQuote = false
                        i += 1
                        if c == "]" { break }
                        continue
                    }
                    if !(sawQuote && isSpace(c)) { current.append(c) }
                    i += 1
                }
            } else {
                var value = ""
                while i < chars.count, !isSpace(chars[i]) {
                    value.append(chars[i])
                    i += 1
                }
                values = [value]
            }
            guard values.allSatisfy({ !$0.isEmpty }) else { throw fail(start, "'\(key.prefix(40))' has an empty value") }
            terms.append(SearchTerm(negated: negated, key: key, values: values, position: start))
        }
        let values = terms.reduce(0) { $0 + $1.values.count }
        guard terms.count <= maxTerms, values <= maxTerms else {
            throw SearchSyntaxError("Invalid search: more than 100 terms or values.")
        }
        return terms
    }
}

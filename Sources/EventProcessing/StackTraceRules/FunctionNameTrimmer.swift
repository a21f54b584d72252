/// Native and .NET symbol names cut to the part that identifies the function across builds, compilers and call
/// sites, as Sentry's grouping trims them before anything else reads a frame: argument lists, return types, template
/// arguments, `const` and clone suffixes, lambda numbering, Rust's symbol hash and Swift's closure and thunk
/// decorations go; the qualified name stays.
///
/// `void ns::Cache<int>::put(int const&, char const*) const` → `ns::Cache<T>::put`
/// `myapp::handler::process::h1a2b3c4d5e6f7a8b` → `myapp::handler::process`
/// `closure #1 (Swift.Int) -> () in MyApp.Checkout.submit() -> ()` → `closure in MyApp.Checkout.submit`
///
/// One pass over the name plus a few fixed-size checks: linear in its length, which is bounded by the caller.
public enum FunctionNameTrimmer {
    /// Names longer than this are cut first (a C++ template instantiation can run to kilobytes).
    static let maxLength = 2_048

    public static func trimNative(_ function: String) -> String {
        if function == "<redacted>" || function == "<unknown>" { return function }
        // Objective-C selectors are already exactly what identifies them.
        if function.hasPrefix("[") || function.hasPrefix("-[") || function.hasPrefix("+[") { return function }
        var name = Substring(function.count > maxLength ? String(function.prefix(maxLength)) : function)

        // Swift: the closure's enclosing function is what identifies it.
        if name.hasPrefix("closure #") || name.hasPrefix("implicit closure #") {
            if let r = name.range(ofText: " in ") {
                return "closure in " + trimNative(String(name[r.upperBound...]))
            }
            return "closure"
        }
        for prefix in ["@objc ", "@nonobjc ", "merged ", "static ", "dispatch thunk of ", "protocol witness for ",
                       "generic specialization ", "function signature specialization "] where name.hasPrefix(prefix) {
            name = name.dropFirst(prefix.count)
            // `generic specialization <Swift.Int> of MyApp.f<A>(A) -> ()`
            if prefix.hasSuffix("specialization "), let of = name.range(ofText: " of ") { name = name[of.upperBound...] }
        }
        // Swift's return type follows ` -> `; what precedes it may end in `throws` or `async`.
        if let arrow = topLevelArrow(name) {
            name = name[..<arrow]
            for suffix in [" throws", " async", " rethrows"] where name.hasSuffix(suffix) { name = name.dropLast(suffix.count) }
        }
        // Symbol versions and decorations: `memcpy@GLIBC_2.14`, `_foo@12`.
        if let at = name.range(ofText: "@GLIBC") { name = name[..<at.lowerBound] }
        if let at = name.lastIndex(of: "@"), at != name.startIndex, name[name.index(after: at)...].allSatisfy(\.isNumber),
           name.index(after: at) != name.endIndex {
            name = name[..<at]
        }
        // Rust's legacy mangling hash: `::h` and 16 hex digits.
        if name.utf8.count > 19, let r = name.lastRange(ofText: "::h"), name.distance(from: r.upperBound, to: name.endIndex) == 16,
           name[r.upperBound...].allSatisfy(\.isHexDigit) {
            name = name[..<r.lowerBound]
        }
        var out = structuralTrim(name)
        // Qualifiers after the argument list.
        var changed = true
        while changed {
            changed = false
            for suffix in [" const", " volatile", " &&", " &", "&&", "&", " noexcept"] where out.hasSuffix(suffix) {
                out.removeLast(suffix.count)
                changed = true
            }
        }
        return lastTopLevelToken(out)
    }

    /// .NET: `MyApp.Orders.Place (System.Int32 id)` → `MyApp.Orders.Place`.
    public static func trimDotNet(_ function: String) -> String {
        guard let r = function.range(ofText: " (") else { return function }
        return String(function[..<r.lowerBound])
    }

    /// The ` -> ` that starts a Swift return type, outside any brackets.
    static func topLevelArrow(_ name: Substring) -> Substring.Index? {
        var depth = 0
        var i = name.startIndex
        while i < name.endIndex {
            let c = name[i]
            if c == "(" || c == "<" || c == "[" { depth += 1 }
            if c == ")" || c == ">" || c == "]" { depth = max(0, depth - 1) }
            if depth == 0, c == " ", name[i...].hasPrefix(" -> ") { return i }
            i = name.index(after: i)
        }
        return nil
    }

    /// Removes argument lists (keeping `(anonymous namespace)` and `operator()`), reduces template arguments to
    /// `<T>`, and names every lambda `lambda`. A leading Rust `<Type as Trait>` becomes `Type`.
    static func structuralTrim(_ name: Substring) -> String {
        let chars = Array(name)
        var out = ""
        out.reserveCapacity(chars.count)
        var i = 0
        if chars.first == "<", let close = matching(chars, from: 0, open: "<", close: ">") {
            let inner = String(chars[1..<close])
            if let asRange = inner.range(ofText: " as ") {
                out = structuralTrim(Substring(inner[..<asRange.lowerBound]))
                i = close + 1
            }
        }
        // After a bracket found unclosed, the rest is read as text: searching again from every later bracket would
        // take time growing with the square of the name.
        var unclosed = false
        while i < chars.count {
            let c = chars[i]
            if c == "{", !unclosed, hasPrefix(chars, i, "{lambda(") {
                if let close = matching(chars, from: i, open: "{", close: "}") {
                    out += "lambda"
                    i = close + 1
                    continue
                }
                unclosed = true
            }
            if c == "`", !unclosed, hasPrefix(chars, i, "`lambda_"), let end = chars[i...].firstIndex(of: "'") {
                out += "lambda"
                i = end + 1
                continue
            }
            // clang's `$_3` for an anonymous lambda.
            if c == "$", i + 1 < chars.count, chars[i + 1] == "_", i + 2 < chars.count, chars[i + 2].isNumber {
                out += "lambda"
                i += 2
                while i < chars.count, chars[i].isNumber { i += 1 }
                continue
            }
            if c == " ", hasPrefix(chars, i, " [clone "), let close = matching(chars, from: i + 1, open: "[", close: "]") {
                i = close + 1
                continue
            }
            if c == "(" {
                if out.hasSuffix("operator") {
                    // `operator()` is a name; its own argument list follows.
                    if i + 1 < chars.count, chars[i + 1] == ")" {
                        out += "()"
                        i += 2
                        continue
                    }
                }
                guard let close = matching(chars, from: i, open: "(", close: ")") else { break }
                let inner = String(chars[(i + 1)..<close])
                if inner == "anonymous namespace" { out += "(anonymous namespace)" }
                i = close + 1
                continue
            }
            if c == "<", !unclosed, !out.hasSuffix("operator"), !out.hasSuffix("operator<") {
                if let close = matching(chars, from: i, open: "<", close: ">") {
                    out += "<T>"
                    i = close + 1
                    continue
                }
                unclosed = true
            }
            out.append(c)
            i += 1
        }
        return out
    }

    /// The qualified name after any return type or storage class: the last space-separated token outside brackets.
    static func lastTopLevelToken(_ text: String) -> String {
        var depth = 0
        var start = text.startIndex
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == "(" || c == "<" { depth += 1 }
            if c == ")" || c == ">" { depth = max(0, depth - 1) }
            if c == " ", depth == 0 { start = text.index(after: i) }
            i = text.index(after: i)
        }
        let token = text[start...]
        return token.isEmpty ? text : String(token)
    }

    static func hasPrefix(_ chars: [Character], _ i: Int, _ prefix: String) -> Bool {
        var j = i
        for p in prefix {
            guard j < chars.count, chars[j] == p else { return false }
            j += 1
        }
        return true
    }

    /// The index of the bracket closing the one at `from`, counting nesting; nil when it is never closed.
    static func matching(_ chars: [Character], from: Int, open: Character, close: Character) -> Int? {
        var depth = 0
        var i = from
        while i < chars.count {
            if chars[i] == open { depth += 1 }
            if chars[i] == close {
                depth -= 1
                if depth == 0 { return i }
            }
            i += 1
        }
        return nil
    }
}

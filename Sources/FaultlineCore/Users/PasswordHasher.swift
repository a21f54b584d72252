import Crypto
import CryptoExtras
import Foundation

/// Passwords stored as scrypt hashes: `scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>`, so the cost can grow later and
/// old hashes still verify.
public enum PasswordHasher {
    /// N = 2^15, r = 8, p = 1 (OWASP's scrypt minimum is N = 2^17 with 128 MiB; this keeps a login to 32 MiB and
    /// about 0.1 s on a 2-core server, measured with `faultline user create`).
    public static let logN = 15
    static let blockSize = 8
    static let parallelism = 1

    public static let minimumLength = 8

    /// `logN` below the default is for tests (this library's debug build takes about 1 s per default-cost hash).
    public static func hash(_ password: String, logN: Int = logN) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = generator.next() }
        let key = try derive(password, salt: salt, logN: logN, r: blockSize, p: parallelism)
        return "scrypt$\(logN)$\(blockSize)$\(parallelism)$\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())"
    }

    /// True when `password` matches `encoded` (a hash this type wrote); false for anything malformed.
    public static func verify(_ password: String, against encoded: String) -> Bool {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let logN = Int(parts[1]), (10...20).contains(logN),
              let r = Int(parts[2]), (1...32).contains(r), let p = Int(parts[3]), (1...16).contains(p),
              let salt = Data(base64Encoded: String(parts[4])), let expected = Data(base64Encoded: String(parts[5])),
              !expected.isEmpty,
              let key = try? derive(password, salt: Array(salt), logN: logN, r: r, p: p, length: expected.count)
        else { return false }
        // Constant time: every byte is compared whatever the first difference.
        var difference: UInt8 = 0
        for (a, b) in zip(key, expected) { difference |= a ^ b }
        return difference == 0 && key.count == expected.count
    }

    private static func derive(_ password: String, salt: [UInt8], logN: Int, r: Int, p: Int, length: Int = 32) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: length, rounds: 1 << logN,
                                           blockSize: r, parallelism: p)
        return key.withUnsafeBytes { Array($0) }
    }

    /// A password for an account made without one: 18 characters from an unambiguous alphabet (about 93 bits).
    public static func generate() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<18).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }
}

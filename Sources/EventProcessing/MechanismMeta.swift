import SentryProtocol

/// Names for the numbers in an exception's `mechanism.meta` (Relay's `normalize_mechanism_meta`): `errno.name`,
/// `signal.name` and `signal.code_name`, `mach_exception.name`, from the numbers and the OS the event ran on
/// (Linux and Android, or Apple's systems, whose numbers differ). Names already sent are kept.
public enum MechanismMeta {
    public enum OS: Sendable { case linux, darwin }

    public static func os(named name: String?) -> OS? {
        guard let name = name?.lowercased() else { return nil }
        if ["macos", "mac os x", "ios", "ipados", "tvos", "watchos", "visionos", "darwin"].contains(name) { return .darwin }
        if name == "linux" || name == "android" || name == "ubuntu" || name == "debian" { return .linux }
        return nil
    }

    static func normalized(_ mechanism: JSONValue, os osName: String?) -> JSONValue {
        guard case .object(var fields) = mechanism, let metaIndex = fields.firstIndex(where: { $0.key == "meta" }),
              case .object(var meta) = fields[metaIndex].value, let os = os(named: osName) else { return mechanism }
        func fill(_ key: String, _ names: (Int, Int?) -> (name: String?, codeName: String?)) {
            guard let i = meta.firstIndex(where: { $0.key == key }), case .object(var entry) = meta[i].value,
                  let number = int(entry.first { $0.key == "number" || $0.key == "exception" }?.value) else { return }
            let code = int(entry.first { $0.key == "code" }?.value)
            let (name, codeName) = names(number, code)
            if let name, !entry.contains(where: { $0.key == "name" }) { entry.append(("name", .string(name))) }
            if let codeName, !entry.contains(where: { $0.key == "code_name" }) { entry.append(("code_name", .string(codeName))) }
            meta[i].value = .object(entry)
        }
        fill("errno") { number, _ in (errnoName(number, os: os), nil) }
        fill("signal") { number, code in (signalName(number, os: os), code.flatMap { signalCodeName(number, code: $0, os: os) }) }
        if os == .darwin {
            fill("mach_exception") { number, _ in (machExceptionNames[number], nil) }
        }
        fields[metaIndex].value = .object(meta)
        return .object(fields)
    }

    static func int(_ value: JSONValue?) -> Int? {
        switch value {
        case .int(let n)?: n
        case .double(let d)? where d.rounded() == d && abs(d) < 1e9: Int(d)
        default: nil
        }
    }

    public static func errnoName(_ number: Int, os: OS) -> String? {
        if number >= 1 && number <= 34 {
            // The first 34 agree, but for 11: EAGAIN on Linux, EDEADLK on Apple's systems.
            if number == 11 { return os == .linux ? "EAGAIN" : "EDEADLK" }
            return commonErrno[number - 1]
        }
        return (os == .linux ? linuxErrno : darwinErrno)[number]
    }

    public static func signalName(_ number: Int, os: OS) -> String? {
        guard number >= 1 && number <= 31 else { return nil }
        return (os == .linux ? linuxSignals : darwinSignals)[number - 1]
    }

    /// `si_code` names for the signals a crash report usually carries (the numbers agree on both systems).
    static func signalCodeName(_ signal: Int, code: Int, os: OS) -> String? {
        let segv = 11
        let bus = os == .linux ? 7 : 10
        switch (signal, code) {
        case (segv, 1): return "SEGV_MAPERR"
        case (segv, 2): return "SEGV_ACCERR"
        case (bus, 1): return "BUS_ADRALN"
        case (bus, 2): return "BUS_ADRERR"
        case (bus, 3): return "BUS_OBJERR"
        default: return nil
        }
    }

    static let commonErrno = [
        "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD", "EAGAIN", "ENOMEM",
        "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE",
        "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE",
    ]

    static let linuxErrno: [Int: String] = [
        35: "EDEADLK", 36: "ENAMETOOLONG", 37: "ENOLCK", 38: "ENOSYS", 39: "ENOTEMPTY", 40: "ELOOP", 88: "ENOTSOCK",
        95: "EOPNOTSUPP", 97: "EAFNOSUPPORT", 98: "EADDRINUSE", 99: "EADDRNOTAVAIL", 100: "ENETDOWN",
        101: "ENETUNREACH", 103: "ECONNABORTED", 104: "ECONNRESET", 105: "ENOBUFS", 106: "EISCONN", 107: "ENOTCONN",
        110: "ETIMEDOUT", 111: "ECONNREFUSED", 112: "EHOSTDOWN", 113: "EHOSTUNREACH", 114: "EALREADY",
        115: "EINPROGRESS", 122: "EDQUOT", 125: "ECANCELED",
    ]

    static let darwinErrno: [Int: String] = [
        35: "EAGAIN", 36: "EINPROGRESS", 37: "EALREADY", 38: "ENOTSOCK", 45: "ENOTSUP", 47: "EAFNOSUPPORT",
        48: "EADDRINUSE", 49: "EADDRNOTAVAIL", 50: "ENETDOWN", 51: "ENETUNREACH", 53: "ECONNABORTED", 54: "ECONNRESET",
        55: "ENOBUFS", 56: "EISCONN", 57: "ENOTCONN", 60: "ETIMEDOUT", 61: "ECONNREFUSED", 62: "ELOOP",
        63: "ENAMETOOLONG", 64: "EHOSTDOWN", 65: "EHOSTUNREACH", 66: "ENOTEMPTY", 69: "EDQUOT", 77: "ENOLCK",
        78: "ENOSYS", 89: "ECANCELED", 102: "EOPNOTSUPP",
    ]

    static let linuxSignals = [
        "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV",
        "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN",
        "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ]

    static let darwinSignals = [
        "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGEMT", "SIGFPE", "SIGKILL", "SIGBUS", "SIGSEGV",
        "SIGSYS", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGURG", "SIGSTOP", "SIGTSTP", "SIGCONT", "SIGCHLD", "SIGTTIN",
        "SIGTTOU", "SIGIO", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGINFO", "SIGUSR1", "SIGUSR2",
    ]

    static let machExceptionNames: [Int: String] = [
        1: "EXC_BAD_ACCESS", 2: "EXC_BAD_INSTRUCTION", 3: "EXC_ARITHMETIC", 4: "EXC_EMULATION", 5: "EXC_SOFTWARE",
        6: "EXC_BREAKPOINT", 7: "EXC_SYSCALL", 8: "EXC_MACH_SYSCALL", 9: "EXC_RPC_ALERT", 10: "EXC_CRASH",
        11: "EXC_RESOURCE", 12: "EXC_GUARD", 13: "EXC_CORPSE_NOTIFY",
    ]
}

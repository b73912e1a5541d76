public import Foundation

/// Where entries go: an HTTP(S) endpoint that gets one POST per entry, or standard output (one JSON
/// line per entry) when `WD_DOWNSTREAM_URL` is `-`.
public enum DownstreamTarget: Sendable, Equatable {
    case http(URL)
    case standardOutput

    /// Parses the value of `WD_DOWNSTREAM_URL`; the error is the reason only, the caller names the setting.
    public init(parsing text: String) throws(DownstreamTargetError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "-" {
            self = .standardOutput
            return
        }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased() else {
            throw DownstreamTargetError(reason: "\"\(text)\" is not a URL (use http://host:port/path, https://..., or - for stdout)")
        }
        guard scheme == "http" || scheme == "https" else {
            throw DownstreamTargetError(reason: "\"\(text)\" must use http or https (or be - for stdout)")
        }
        guard let host = url.host, !host.isEmpty else {
            throw DownstreamTargetError(reason: "\"\(text)\" has no host")
        }
        self = .http(url)
    }
}

/// A `WD_DOWNSTREAM_URL` that cannot be used.
public struct DownstreamTargetError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

extension DownstreamTarget {
    /// For logs: the URL without user or password.
    var logDescription: String {
        switch self {
        case .standardOutput: return "stdout"
        case .http(let url):
            guard url.user != nil || url.password != nil else { return url.absoluteString }
            return "\(url.scheme ?? "http")://***@\(url.host ?? "")\(url.port.map { ":\($0)" } ?? "")\(url.path)"
        }
    }
}

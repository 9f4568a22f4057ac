import HTTPTypes

extension SourceConfig {
    /// Builds the verification strategy this source's configuration describes.
    ///
    /// Call on a validated configuration (``AdWatchConfig/validate()``); invalid settings are
    /// programming errors here.
    public func makeScheme() -> any SignatureScheme {
        let tolerance = tolerance.duration
        switch scheme {
        case .standardWebhooks:
            return StandardWebhooksScheme(keys: secrets.map { StandardWebhooksScheme.key(from: $0)! }, tolerance: tolerance)
        case .stripe:
            return StripeScheme(keys: secrets.map(\.bytes), tolerance: tolerance)
        case .github:
            return GitHubScheme(keys: secrets.map(\.bytes))
        case .hmac:
            return DeclarativeHMACScheme(
                keys: secrets.map(\.bytes),
                tolerance: tolerance,
                header: HTTPField.Name(header!)!,
                prefix: prefix ?? "",
                encoding: encoding ?? .hex,
                template: try! SignedContentTemplate(parsing: signed ?? "{body}"),
                timestampHeader: timestampHeader.flatMap { HTTPField.Name($0) },
                idHeader: idHeader.flatMap { HTTPField.Name($0) }
            )
        case .none:
            return UnsignedScheme()
        }
    }
}

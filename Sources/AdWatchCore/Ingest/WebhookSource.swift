import HTTPTypes

/// A configured source at run time: its settings and its verification strategy, built once.
struct WebhookSource: Sendable {
    let config: SourceConfig
    let scheme: any SignatureScheme
    /// Headers never stored: the scheme's signature headers and credentials.
    let strippedHeaders: Set<HTTPField.Name>
    /// Where the event's fields are, split once.
    let locator: FieldLocator

    init(config: SourceConfig) {
        self.config = config
        self.scheme = config.makeScheme()
        self.strippedHeaders = Set(scheme.signatureHeaderNames + [.authorization, .cookie, .proxyAuthorization, .setCookie])
        self.locator = FieldLocator(config.fields)
    }

    var name: String { config.name }

    /// Longest source name a configuration may use; rejection records cut unknown names to the same length.
    static var maxNameLength: Int { RejectionAuditor.maxSourceLength }
}

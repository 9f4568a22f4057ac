package import HTTPTypes

/// A configured source at run time: its settings and its verification strategy, built once.
package struct WebhookSource: Sendable {
    package let config: SourceConfig
    package let scheme: any SignatureScheme
    /// Headers never stored: the scheme's signature headers and credentials.
    package let strippedHeaders: Set<HTTPField.Name>
    /// Where the event's fields are, split once.
    package let locator: FieldLocator

    package init(config: SourceConfig) {
        self.config = config
        self.scheme = config.makeScheme()
        self.strippedHeaders = Set(scheme.signatureHeaderNames + [.authorization, .cookie, .proxyAuthorization, .setCookie])
        self.locator = FieldLocator(config.fields)
    }

    package var name: String { config.name }

    /// Longest source name a configuration may use; rejection records cut unknown names to the same length.
    package static let maxNameLength = 64
}

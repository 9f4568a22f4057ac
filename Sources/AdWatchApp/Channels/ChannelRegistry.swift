public import AsyncHTTPClient
public import AdWatchCore

/// Builds channels from config by `kind`: adding a channel is one type and one case here.
public enum ChannelRegistry {
    /// - Throws: ``ConfigError`` when a template override does not parse or a required key is missing.
    public static func make(
        _ config: ChannelConfig,
        httpClient: HTTPClient,
        clock: any WallClock = SystemWallClock(),
        write: @escaping @Sendable (String) -> Void = { print($0) }
    ) throws(ConfigError) -> any NotificationChannel {
        let renderer = try MessageRenderer(subject: config.subject, text: config.textTemplate, html: config.htmlTemplate)
        let timeout = config.timeout.duration
        func required<T>(_ value: T?, _ key: String) throws(ConfigError) -> T {
            guard let value else { throw ConfigError(path: "channels.\(config.name).\(key)", "required for a \(config.kind.rawValue) channel") }
            return value
        }
        switch config.kind {
        case .slack:
            return SlackChannel(name: config.name, webhookURL: try required(config.webhookURL, "webhook_url"), client: httpClient, timeout: timeout, renderer: renderer)
        case .email:
            let provider = try required(config.provider, "provider")
            let from = try required(config.from, "from")
            return EmailChannel(
                name: config.name, provider: provider, baseURL: config.baseURL ?? EmailChannel.defaultBaseURL(provider),
                apiKey: try required(config.apiKey, "api_key"), from: from, to: config.to, cc: config.cc,
                domain: config.domain ?? String(from.split(separator: "@").last ?? ""), client: httpClient, timeout: timeout, renderer: renderer
            )
        case .webhook:
            let secret = try required(config.secret, "secret")
            guard let key = StandardWebhooksScheme.key(from: secret) else {
                throw ConfigError(path: "channels.\(config.name).secret", "not a Standard Webhooks secret (whsec_ followed by base64)")
            }
            return WebhookChannel(
                name: config.name, url: try required(config.url, "url"), scheme: StandardWebhooksScheme(keys: [key], tolerance: .seconds(300)),
                client: httpClient, timeout: timeout, clock: clock
            )
        case .console:
            return ConsoleChannel(name: config.name, renderer: renderer, write: write)
        }
    }
}

public import Foundation

/// The whole configuration file (DESIGN §11), decoded strictly: unknown keys are errors with their path.
///
/// Load it with ``ConfigLoader``; sections that later parts of the pipeline use (advertising, rules,
/// channels, routes) are decoded and validated here too, so an operator learns of a typo at start-up.
public struct AdWatchConfig: Sendable, Decodable {
    public var server: ServerConfig
    public var store: StoreConfig
    public var sources: [SourceConfig]
    public var advertising: AdvertisingConfig?
    public var rules: [RuleConfig]
    public var channels: [ChannelConfig]
    public var routes: [RouteConfig]
    public var admin: AdminConfig?
    public var audit: AuditConfig
    public var processor: ProcessorConfig
    public var alerting: AlertingConfig
    public var delivery: DeliveryConfig
    public var logging: LoggingConfig

    public init(
        server: ServerConfig = .init(),
        store: StoreConfig = .init(),
        sources: [SourceConfig],
        advertising: AdvertisingConfig? = nil,
        rules: [RuleConfig] = [],
        channels: [ChannelConfig] = [],
        routes: [RouteConfig] = [],
        admin: AdminConfig? = nil,
        audit: AuditConfig = .init(),
        processor: ProcessorConfig = .init(),
        alerting: AlertingConfig = .init(),
        delivery: DeliveryConfig = .init(),
        logging: LoggingConfig = .init()
    ) {
        self.server = server
        self.store = store
        self.sources = sources
        self.advertising = advertising
        self.rules = rules
        self.channels = channels
        self.routes = routes
        self.admin = admin
        self.audit = audit
        self.processor = processor
        self.alerting = alerting
        self.delivery = delivery
        self.logging = logging
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case server, store, sources, advertising, rules, channels, routes, admin, audit, processor, alerting, delivery, logging
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.server = try c.decode(.server, default: ServerConfig())
        self.store = try c.decode(.store, default: StoreConfig())
        self.sources = try c.decode([SourceConfig].self, forKey: .sources)
        self.advertising = try c.decodeIfPresent(AdvertisingConfig.self, forKey: .advertising)
        self.rules = try c.decode(.rules, default: [])
        self.channels = try c.decode(.channels, default: [])
        self.routes = try c.decode(.routes, default: [])
        self.admin = try c.decodeIfPresent(AdminConfig.self, forKey: .admin)
        self.audit = try c.decode(.audit, default: AuditConfig())
        self.processor = try c.decode(.processor, default: ProcessorConfig())
        self.alerting = try c.decode(.alerting, default: AlertingConfig())
        self.delivery = try c.decode(.delivery, default: DeliveryConfig())
        self.logging = try c.decode(.logging, default: LoggingConfig())
    }
}

/// `server:` — the HTTP listener.
public struct ServerConfig: Sendable, Decodable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// Largest webhook body accepted; larger ones get 413 before more is read.
    public var maxBodyBytes: Int = 256 * 1024
    /// How long SIGTERM waits for in-flight requests, the processor and deliveries before cancelling them.
    public var shutdownGrace: ConfigDuration = "25s"
    /// Serve HTTPS directly (deployments without a proxy in front); `nil`: plain HTTP.
    public var tls: TLSConfig?
    /// The address people and senders use to reach AdWatch (`https://adwatch.example.com`), when a proxy
    /// in front changes it; an `https` one marks the admin session cookie `Secure`.
    public var publicURL: String?
    /// Proxies whose `X-Forwarded-For` is believed (CIDR blocks); empty: the peer address is the client.
    public var trustedProxies: [IPNetwork] = []

    /// Whether browsers reach the service over HTTPS (TLS here, or an `https` `public_url`).
    public var usesHTTPS: Bool {
        tls != nil || publicURL?.lowercased().hasPrefix("https://") == true
    }
    /// A connection with no request in progress is closed after this long.
    public var idleTimeout: ConfigDuration = "60s"
    /// A request must arrive in full (headers and body) within this long of its first byte.
    public var readTimeout: ConfigDuration = "30s"
    /// Open connections the listener keeps; one more is closed as soon as it is accepted.
    public var maxConnections: Int = 512

    /// `server.tls:` — PEM files for the listener.
    public struct TLSConfig: Sendable, Decodable, Equatable {
        /// The certificate chain, leaf first.
        public var certificate: String
        /// The private key of the leaf certificate.
        public var key: String

        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case certificate, key }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            certificate = try c.decode(String.self, forKey: .certificate)
            key = try c.decode(String.self, forKey: .key)
        }
    }

    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 256 * 1024, shutdownGrace: ConfigDuration = "25s", tls: TLSConfig? = nil,
        idleTimeout: ConfigDuration = "60s", readTimeout: ConfigDuration = "30s", maxConnections: Int = 512
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.shutdownGrace = shutdownGrace
        self.tls = tls
        self.idleTimeout = idleTimeout
        self.readTimeout = readTimeout
        self.maxConnections = maxConnections
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case host, port, tls
        case maxBodyBytes = "max_body_bytes"
        case shutdownGrace = "shutdown_grace"
        case publicURL = "public_url"
        case trustedProxies = "trusted_proxies"
        case idleTimeout = "idle_timeout"
        case readTimeout = "read_timeout"
        case maxConnections = "max_connections"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        host = try c.decode(.host, default: host)
        port = try c.decode(.port, default: port)
        maxBodyBytes = try c.decode(.maxBodyBytes, default: maxBodyBytes)
        shutdownGrace = try c.decode(.shutdownGrace, default: shutdownGrace)
        tls = try c.decodeIfPresent(TLSConfig.self, forKey: .tls)
        publicURL = try c.decodeIfPresent(String.self, forKey: .publicURL)
        if let publicURL {
            let url = URL(string: publicURL)
            guard let url, ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false else {
                throw ConfigError(codingPath: c.codingPath + [CodingKeys.publicURL], "must be an absolute http:// or https:// URL")
            }
        }
        trustedProxies = try c.decode(.trustedProxies, default: trustedProxies)
        idleTimeout = try c.decode(.idleTimeout, default: idleTimeout)
        readTimeout = try c.decode(.readTimeout, default: readTimeout)
        maxConnections = try c.decode(.maxConnections, default: maxConnections)
    }
}

/// `logging:` — what the service writes to standard error.
public struct LoggingConfig: Sendable, Decodable {
    /// How log lines are written.
    public enum Format: String, Sendable, Decodable, CaseIterable {
        /// JSON lines when standard error is not a terminal (journald, Docker, Kubernetes), text on a terminal.
        case auto
        /// One JSON object per line.
        case json
        /// swift-log's human-readable lines.
        case text
    }

    /// trace, debug, info, notice, warning, error or critical; `--log-level` overrides it.
    public var level: String = "info"
    public var format: Format = .auto

    public init(level: String = "info", format: Format = .auto) {
        self.level = level
        self.format = format
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case level, format }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        level = try c.decode(.level, default: level)
        format = try c.decode(.format, default: format)
    }
}

/// `store:` — where events and the audit log live.
public struct StoreConfig: Sendable, Decodable {
    /// SQLite durability level for each commit.
    public enum Synchronous: String, Sendable, Decodable, CaseIterable {
        /// fsync on every commit: an acknowledged event survives power loss (default).
        case full
        /// fsync at checkpoints only: survives a process crash, not a power loss.
        case normal
    }

    /// Path of the SQLite file (default `./adwatch.sqlite`), or `:memory:` for the in-memory store.
    public var sqlite: String?
    /// PostgreSQL URL (not yet available in this build).
    public var postgres: Secret?
    public var synchronous: Synchronous = .full

    public init(sqlite: String? = nil, postgres: Secret? = nil, synchronous: Synchronous = .full) {
        self.sqlite = sqlite
        self.postgres = postgres
        self.synchronous = synchronous
    }

    /// The SQLite path in effect.
    public var sqlitePath: String { sqlite ?? "./adwatch.sqlite" }

    enum CodingKeys: String, CodingKey, CaseIterable { case sqlite, postgres, synchronous }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sqlite = try c.decodeIfPresent(String.self, forKey: .sqlite)
        postgres = try c.decodeIfPresent(Secret.self, forKey: .postgres)
        synchronous = try c.decode(.synchronous, default: .full)
    }
}

/// One entry of `sources:` — a webhook sender, served at `POST /webhooks/<name>`.
public struct SourceConfig: Sendable, Decodable {
    /// The signature schemes a source can use.
    public enum Scheme: String, Sendable, Decodable, CaseIterable {
        case standardWebhooks = "standard-webhooks"
        case stripe
        case github
        case hmac
        case none
    }

    /// How the `hmac` scheme writes the signature.
    public enum Encoding: String, Sendable, Decodable, CaseIterable { case hex, base64 }

    public var name: String
    public var scheme: Scheme
    public var secrets: [Secret]
    /// Largest allowed distance between the signed timestamp and now, in both directions.
    public var tolerance: ConfigDuration = "5m"
    /// How long a delivery id or body hash is remembered to recognise repeats.
    public var dedupWindow: ConfigDuration = "72h"
    /// `none` only: must be `true`, as a deliberate acknowledgement.
    public var insecure: Bool = false
    // Scheme `hmac`:
    public var header: String?
    public var prefix: String?
    public var encoding: Encoding?
    public var signed: String?
    public var timestampHeader: String?
    public var idHeader: String?
    /// Where to find the campaign id, brand id, event type, event time and delivery id in the body.
    public var fields: FieldPaths = .init()

    public init(
        name: String,
        scheme: Scheme,
        secrets: [Secret],
        tolerance: ConfigDuration = "5m",
        dedupWindow: ConfigDuration = "72h",
        insecure: Bool = false,
        header: String? = nil,
        prefix: String? = nil,
        encoding: Encoding? = nil,
        signed: String? = nil,
        timestampHeader: String? = nil,
        idHeader: String? = nil,
        fields: FieldPaths = .init()
    ) {
        self.name = name
        self.scheme = scheme
        self.secrets = secrets
        self.tolerance = tolerance
        self.dedupWindow = dedupWindow
        self.insecure = insecure
        self.header = header
        self.prefix = prefix
        self.encoding = encoding
        self.signed = signed
        self.timestampHeader = timestampHeader
        self.idHeader = idHeader
        self.fields = fields
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, scheme, secrets, tolerance, insecure, header, prefix, encoding, signed, fields
        case dedupWindow = "dedup_window"
        case timestampHeader = "timestamp_header"
        case idHeader = "id_header"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        scheme = try c.decode(Scheme.self, forKey: .scheme)
        secrets = try c.decode(.secrets, default: [])
        tolerance = try c.decode(.tolerance, default: tolerance)
        dedupWindow = try c.decode(.dedupWindow, default: dedupWindow)
        insecure = try c.decode(.insecure, default: false)
        header = try c.decodeIfPresent(String.self, forKey: .header)
        prefix = try c.decodeIfPresent(String.self, forKey: .prefix)
        encoding = try c.decodeIfPresent(Encoding.self, forKey: .encoding)
        signed = try c.decodeIfPresent(String.self, forKey: .signed)
        timestampHeader = try c.decodeIfPresent(String.self, forKey: .timestampHeader)
        idHeader = try c.decodeIfPresent(String.self, forKey: .idHeader)
        fields = try c.decode(.fields, default: FieldPaths())
    }
}

/// `sources[].fields:` — JSON paths (dotted, tried in order) that locate the parts of an event.
///
/// The defaults cover both the flat Symphony campaign webhook (`{"event": …, "id": …, "brand_id": …}`)
/// and the envelope `{"event", "timestamp", "data": {…}}`.
public struct FieldPaths: Sendable, Decodable, Equatable {
    public var campaignID: [String] = ["campaign_id", "campaignId", "data.campaign_id", "data.campaignId", "data.id", "campaign.id", "id"]
    public var brandID: [String] = ["brand_id", "brandId", "data.brand_id", "data.brandId", "campaign.brand_id", "brand.id"]
    public var eventType: [String] = ["event", "type_event", "event_type", "data.event"]
    public var eventTime: [String] = ["timestamp", "occurred_at", "data.updatedAt", "updatedAt", "data.updated_at", "updated_at"]
    /// Paths of a delivery id inside the body; the id header of the scheme is preferred when present.
    public var deliveryID: [String] = ["delivery_id", "webhook_id"]

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case campaignID = "campaign_id"
        case brandID = "brand_id"
        case eventType = "event_type"
        case eventTime = "event_time"
        case deliveryID = "delivery_id"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = FieldPaths()
        campaignID = try c.decode(.campaignID, default: defaults.campaignID)
        brandID = try c.decode(.brandID, default: defaults.brandID)
        eventType = try c.decode(.eventType, default: defaults.eventType)
        eventTime = try c.decode(.eventTime, default: defaults.eventTime)
        deliveryID = try c.decode(.deliveryID, default: defaults.deliveryID)
    }
}

/// `advertising:` — the Symphony Ads API the pipeline re-fetches from.
public struct AdvertisingConfig: Sendable, Decodable {
    public var baseURL: String = "https://api.symphonyos.co/api/sym/v2"
    public var apiKey: Secret?
    /// The header carrying the key (`x-api-key`).
    public var authHeader: String = "x-api-key"
    /// The header naming the brand a request is about (`x-brand-id`).
    public var brandHeader: String = "x-brand-id"
    public var requestsPerMinute: Int = 100
    /// Requests one key may make at once before the per-minute rate applies.
    public var burst: Int = 10
    public var timeout: ConfigDuration = "10s"
    /// Tries per request, the first included.
    public var maxAttempts: Int = 4
    /// First retry delay; doubles per attempt, with full jitter, up to `retry_max`.
    public var retryBase: ConfigDuration = "500ms"
    public var retryMax: ConfigDuration = "30s"
    public var circuitBreaker: CircuitBreakerConfig = .init()
    public var paths: PathsConfig = .init()
    public var brands: [BrandKey] = []

    public init(baseURL: String, apiKey: Secret?) {
        self.baseURL = baseURL
        self.apiKey = apiKey
    }

    /// A per-brand API key (customers who connect their own ad accounts).
    public struct BrandKey: Sendable, Decodable {
        public var brandID: String
        public var apiKey: Secret

        public init(brandID: String, apiKey: Secret) {
            self.brandID = brandID
            self.apiKey = apiKey
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case brandID = "brand_id"
            case apiKey = "api_key"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            // Brand ids are numbers in the Ads API; accept either spelling in YAML.
            if let number = try? c.decode(Int.self, forKey: .brandID) {
                brandID = String(number)
            } else {
                brandID = try c.decode(String.self, forKey: .brandID)
            }
            apiKey = try c.decode(Secret.self, forKey: .apiKey)
        }
    }

    /// `advertising.circuit_breaker:` — when to stop calling an API that is down.
    public struct CircuitBreakerConfig: Sendable, Decodable {
        /// Consecutive failed attempts that open the circuit.
        public var failures: Int = 5
        /// How long it stays open before one trial request.
        public var openFor: ConfigDuration = "30s"

        public init(failures: Int = 5, openFor: ConfigDuration = "30s") {
            self.failures = failures
            self.openFor = openFor
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case failures
            case openFor = "open_for"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            failures = try c.decode(.failures, default: failures)
            openFor = try c.decode(.openFor, default: openFor)
        }
    }

    /// `advertising.paths:` — endpoint paths relative to `base_url`; `{id}` is the campaign id.
    public struct PathsConfig: Sendable, Decodable {
        public var campaign = "/v1/campaign/{id}"
        public var analytics = "/v1/analytic/campaign/{id}"
        public var creativePerformance = "/v1/analytic/creative/performance"
        public var campaigns = "/v1/campaign"

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case campaign, analytics, campaigns
            case creativePerformance = "creative_performance"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            campaign = try c.decode(.campaign, default: campaign)
            analytics = try c.decode(.analytics, default: analytics)
            creativePerformance = try c.decode(.creativePerformance, default: creativePerformance)
            campaigns = try c.decode(.campaigns, default: campaigns)
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case baseURL = "base_url"
        case apiKey = "api_key"
        case authHeader = "auth_header"
        case brandHeader = "brand_header"
        case requestsPerMinute = "requests_per_minute"
        case maxAttempts = "max_attempts"
        case retryBase = "retry_base"
        case retryMax = "retry_max"
        case circuitBreaker = "circuit_breaker"
        case burst, timeout, paths, brands
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        baseURL = try c.decode(.baseURL, default: baseURL)
        apiKey = try c.decodeIfPresent(Secret.self, forKey: .apiKey)
        authHeader = try c.decode(.authHeader, default: authHeader)
        brandHeader = try c.decode(.brandHeader, default: brandHeader)
        requestsPerMinute = try c.decode(.requestsPerMinute, default: requestsPerMinute)
        burst = try c.decode(.burst, default: burst)
        timeout = try c.decode(.timeout, default: timeout)
        maxAttempts = try c.decode(.maxAttempts, default: maxAttempts)
        retryBase = try c.decode(.retryBase, default: retryBase)
        retryMax = try c.decode(.retryMax, default: retryMax)
        circuitBreaker = try c.decode(.circuitBreaker, default: circuitBreaker)
        paths = try c.decode(.paths, default: paths)
        brands = try c.decode(.brands, default: [])
    }
}

/// `processor:` — how accepted events are turned into fresh campaign state.
public struct ProcessorConfig: Sendable, Decodable {
    /// Tries per event before it is marked failed (and kept for replay).
    public var maxAttempts: Int = 10
    /// First delay before an event whose fetch failed is tried again; doubles per attempt up to `retry_max`.
    public var retryBase: ConfigDuration = "30s"
    public var retryMax: ConfigDuration = "30m"
    /// How often the inbox is checked when nothing announced new events.
    public var pollInterval: ConfigDuration = "1s"
    /// Campaigns fetched at once.
    public var concurrency: Int = 4
    /// Events claimed per pass.
    public var batchSize: Int = 200
    /// How long a claimed event is reserved before another pass may take it (a crashed pass).
    public var lease: ConfigDuration = "5m"

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case concurrency, lease
        case maxAttempts = "max_attempts"
        case retryBase = "retry_base"
        case retryMax = "retry_max"
        case pollInterval = "poll_interval"
        case batchSize = "batch_size"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxAttempts = try c.decode(.maxAttempts, default: maxAttempts)
        retryBase = try c.decode(.retryBase, default: retryBase)
        retryMax = try c.decode(.retryMax, default: retryMax)
        pollInterval = try c.decode(.pollInterval, default: pollInterval)
        concurrency = try c.decode(.concurrency, default: concurrency)
        batchSize = try c.decode(.batchSize, default: batchSize)
        lease = try c.decode(.lease, default: lease)
    }
}

/// `alerting:` — the alert lifecycle and the scheduler for time-based rules.
public struct AlertingConfig: Sendable, Decodable {
    /// A firing alert is notified again after this long.
    public var repeatInterval: ConfigDuration = "4h"
    /// How often the scheduler looks for campaigns whose next check is due.
    public var tick: ConfigDuration = "30s"
    /// Live campaigns (in review, active, processing) are re-fetched this often even without webhooks.
    public var reconcileInterval: ConfigDuration = "15m"
    /// Alertmanager-style inhibition; when absent, a firing `ad_account_standing` alert mutes the other
    /// alerts of campaigns on the same ad account.
    public var inhibitRules: [InhibitRule]?

    public init() {}

    /// A firing alert matching `source_match` mutes alerts matching `target_match` whose `equal` labels are the same.
    public struct InhibitRule: Sendable, Decodable, Equatable {
        public var sourceMatch: [String: String]
        public var targetMatch: [String: String] = [:]
        public var equal: [String] = []

        public init(sourceMatch: [String: String], targetMatch: [String: String] = [:], equal: [String] = []) {
            self.sourceMatch = sourceMatch
            self.targetMatch = targetMatch
            self.equal = equal
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case equal
            case sourceMatch = "source_match"
            case targetMatch = "target_match"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            sourceMatch = try c.decode([String: String].self, forKey: .sourceMatch)
            targetMatch = try c.decode(.targetMatch, default: [:])
            equal = try c.decode(.equal, default: [])
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case tick
        case repeatInterval = "repeat_interval"
        case reconcileInterval = "reconcile_interval"
        case inhibitRules = "inhibit_rules"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        repeatInterval = try c.decode(.repeatInterval, default: repeatInterval)
        tick = try c.decode(.tick, default: tick)
        reconcileInterval = try c.decode(.reconcileInterval, default: reconcileInterval)
        inhibitRules = try c.decodeIfPresent([InhibitRule].self, forKey: .inhibitRules)
    }
}

extension AdWatchConfig {
    /// The inhibit rules in effect: the configured ones, or the default for every `ad_account_standing` rule.
    public var effectiveInhibitRules: [AlertingConfig.InhibitRule] {
        alerting.inhibitRules
            ?? rules.filter { $0.kind == .adAccountStanding }.map { .init(sourceMatch: ["rule": $0.name], equal: ["ad_account_id"]) }
    }
}

/// Alert severities, lowest first.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case info, warning, critical

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One entry of `rules:`. The rules engine (`Rules/`) gives the kind-specific keys their meaning.
public struct RuleConfig: Sendable, Decodable {
    /// The built-in rule kinds (DESIGN §5).
    public enum Kind: String, Sendable, Decodable, CaseIterable {
        case adAccountStanding = "ad_account_standing"
        case inReviewTooLong = "in_review_too_long"
        case spendThreshold = "spend_threshold"
        case campaignFailed = "campaign_failed"
        case adDeliveryIssue = "ad_delivery_issue"
        case pacing
        case upstreamSilent = "upstream_silent"
    }

    /// Which campaigns a rule watches; an empty list matches everything.
    public struct Scope: Sendable, Decodable, Equatable {
        public var brandIDs: [String] = []
        public var campaignTypes: [String] = []
        public var providers: [String] = []
        public var campaignIDs: [String] = []

        public init() {}

        enum CodingKeys: String, CodingKey, CaseIterable {
            case brandIDs = "brand_ids"
            case campaignTypes = "campaign_types"
            case providers
            case campaignIDs = "campaign_ids"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            brandIDs = try c.decode([ConfigText].self, forKey: .brandIDs, default: []).map(\.text)
            campaignTypes = try c.decode(.campaignTypes, default: [])
            providers = try c.decode(.providers, default: [])
            campaignIDs = try c.decode([ConfigText].self, forKey: .campaignIDs, default: []).map(\.text)
        }
    }

    /// One level of `spend_threshold`: a share of the budget or an amount in the campaign's currency.
    public struct SpendLevel: Sendable, Decodable, Equatable {
        public var percentOfBudget: Decimal?
        public var amount: Decimal?
        public var severity: Severity?

        public init(percentOfBudget: Decimal? = nil, amount: Decimal? = nil, severity: Severity? = nil) {
            self.percentOfBudget = percentOfBudget
            self.amount = amount
            self.severity = severity
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case amount, severity
            case percentOfBudget = "percent_of_budget"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            percentOfBudget = try c.decodeIfPresent(ConfigDecimal.self, forKey: .percentOfBudget)?.value
            amount = try c.decodeIfPresent(ConfigDecimal.self, forKey: .amount)?.value
            severity = try c.decodeIfPresent(Severity.self, forKey: .severity)
            if (percentOfBudget == nil) == (amount == nil) {
                throw ConfigError(codingPath: decoder.codingPath, "a level needs exactly one of percent_of_budget or amount")
            }
        }
    }

    public var name: String
    public var kind: Kind
    public var severity: Severity = .warning
    public var forDuration: ConfigDuration?
    public var labels: [String: String] = [:]
    public var scope: Scope = .init()
    /// `in_review_too_long`: how long in review before it fires (default 24h); `upstream_silent`: how long without a webhook.
    public var after: ConfigDuration?
    /// `in_review_too_long`: a second, critical level.
    public var criticalAfter: ConfigDuration?
    /// `spend_threshold`: the levels (`percent_of_budget` and `amount` at the top level are shorthands for one level).
    public var levels: [SpendLevel] = []
    /// `ad_account_standing`: account statuses that are fine (default [1]) and those that only warn (default [8, 9]).
    public var healthyStatuses: [Int] = [1]
    public var warningStatuses: [Int] = [8, 9]
    /// `ad_delivery_issue`: effective statuses that are a problem.
    public var statuses: [String] = ["DISAPPROVED", "WITH_ISSUES", "PENDING_BILLING_INFO"]
    /// `pacing`: allowed deviation from the linear plan, in percent (default 30).
    public var tolerancePercent: Decimal = 30
    /// `pacing`: share of the flight, in percent, before pacing is judged (default 20).
    public var minElapsedPercent: Decimal = 20
    /// `upstream_silent`: the source it watches (default: every source).
    public var source: String?

    public init(name: String, kind: Kind, severity: Severity = .warning) {
        self.name = name
        self.kind = kind
        self.severity = severity
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, kind, severity, labels, scope, after, amount, levels, statuses, source
        case forDuration = "for"
        case criticalAfter = "critical_after"
        case percentOfBudget = "percent_of_budget"
        case healthyStatuses = "healthy_statuses"
        case warningStatuses = "warning_statuses"
        case tolerancePercent = "tolerance_percent"
        case minElapsedPercent = "min_elapsed_percent"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        kind = try c.decode(Kind.self, forKey: .kind)
        severity = try c.decode(.severity, default: .warning)
        forDuration = try c.decodeIfPresent(ConfigDuration.self, forKey: .forDuration)
        labels = try c.decode(.labels, default: [:])
        scope = try c.decode(.scope, default: Scope())
        after = try c.decodeIfPresent(ConfigDuration.self, forKey: .after)
        criticalAfter = try c.decodeIfPresent(ConfigDuration.self, forKey: .criticalAfter)
        levels = try c.decode(.levels, default: [])
        let percent = try c.decodeIfPresent(ConfigDecimal.self, forKey: .percentOfBudget)?.value
        let amount = try c.decodeIfPresent(ConfigDecimal.self, forKey: .amount)?.value
        if let percent { levels.insert(SpendLevel(percentOfBudget: percent), at: 0) }
        if let amount { levels.append(SpendLevel(amount: amount)) }
        healthyStatuses = try c.decode(.healthyStatuses, default: healthyStatuses)
        warningStatuses = try c.decode(.warningStatuses, default: warningStatuses)
        statuses = try c.decode(.statuses, default: statuses)
        tolerancePercent = try c.decodeIfPresent(ConfigDecimal.self, forKey: .tolerancePercent)?.value ?? tolerancePercent
        minElapsedPercent = try c.decodeIfPresent(ConfigDecimal.self, forKey: .minElapsedPercent)?.value ?? minElapsedPercent
        source = try c.decodeIfPresent(String.self, forKey: .source)
    }
}

/// A number written in YAML, read exactly as a `Decimal` (money and percentages are never binary floating point).
struct ConfigDecimal: Decodable {
    let value: Decimal

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), !value.isNaN else {
            throw ConfigError(codingPath: decoder.codingPath, "'\(text)' is not a number")
        }
        self.value = value
    }
}

/// Text that YAML may have written as a number (ids such as `brand_ids: [246]`).
struct ConfigText: Decodable {
    let text: String

    init(from decoder: any Decoder) throws {
        text = try decoder.singleValueContainer().decode(String.self)
    }
}

/// One entry of `channels:` — where alerts are sent.
public struct ChannelConfig: Sendable, Decodable {
    public enum Kind: String, Sendable, Decodable, CaseIterable { case slack, email, webhook, console }
    public enum EmailProvider: String, Sendable, Decodable, CaseIterable { case sendgrid, postmark, mailgun }

    public var name: String
    public var kind: Kind
    public var webhookURL: Secret?
    public var provider: EmailProvider?
    public var baseURL: String?
    public var apiKey: Secret?
    public var from: String?
    public var to: [String] = []
    public var cc: [String] = []
    public var url: String?
    public var secret: Secret?
    /// `email`, provider `mailgun`: the sending domain (default: the domain of `from`).
    public var domain: String?
    /// `email`: the subject, a Mustache template (default: `[{{severity}}] {{rule}}: campaign {{campaign_id}}`).
    public var subject: String?
    /// Mustache templates overriding the default plain-text and HTML bodies.
    public var textTemplate: String?
    public var htmlTemplate: String?
    /// Per-request timeout.
    public var timeout: ConfigDuration = "10s"

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, kind, provider, from, to, cc, url, secret, domain, subject, timeout
        case webhookURL = "webhook_url"
        case baseURL = "base_url"
        case apiKey = "api_key"
        case textTemplate = "text_template"
        case htmlTemplate = "html_template"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        kind = try c.decode(Kind.self, forKey: .kind)
        webhookURL = try c.decodeIfPresent(Secret.self, forKey: .webhookURL)
        provider = try c.decodeIfPresent(EmailProvider.self, forKey: .provider)
        baseURL = try c.decodeIfPresent(String.self, forKey: .baseURL)
        apiKey = try c.decodeIfPresent(Secret.self, forKey: .apiKey)
        from = try c.decodeIfPresent(String.self, forKey: .from)
        to = try c.decode(.to, default: [])
        cc = try c.decode(.cc, default: [])
        url = try c.decodeIfPresent(String.self, forKey: .url)
        secret = try c.decodeIfPresent(Secret.self, forKey: .secret)
        domain = try c.decodeIfPresent(String.self, forKey: .domain)
        subject = try c.decodeIfPresent(String.self, forKey: .subject)
        textTemplate = try c.decodeIfPresent(String.self, forKey: .textTemplate)
        htmlTemplate = try c.decodeIfPresent(String.self, forKey: .htmlTemplate)
        timeout = try c.decode(.timeout, default: timeout)
    }
}

/// One entry of `routes:` — Alertmanager-style routing of alerts to channels.
public struct RouteConfig: Sendable, Decodable {
    public var match: [String: String] = [:]
    public var channels: [String]
    public var `continue`: Bool = false
    public var groupBy: [String] = []
    public var groupWait: ConfigDuration?
    public var groupInterval: ConfigDuration?
    public var repeatInterval: ConfigDuration?
    public var sendResolved: Bool = false
    /// Times when this route's notifications wait (they go out when the window ends).
    public var muteWindows: [MuteWindow] = []

    public init(match: [String: String] = [:], channels: [String]) {
        self.match = match
        self.channels = channels
    }

    /// A recurring window, e.g. weekends or nights, in an IANA time zone.
    public struct MuteWindow: Sendable, Decodable, Equatable {
        /// `monday` … `sunday`; empty means every day.
        public var weekdays: [String] = []
        /// `HH:MM`, inclusive.
        public var start: String = "00:00"
        /// `HH:MM`, exclusive; `24:00` is the end of the day.
        public var end: String = "24:00"
        public var timeZone: String = "UTC"

        public init(weekdays: [String] = [], start: String = "00:00", end: String = "24:00", timeZone: String = "UTC") {
            self.weekdays = weekdays
            self.start = start
            self.end = end
            self.timeZone = timeZone
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case weekdays, start, end
            case timeZone = "time_zone"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            weekdays = try c.decode(.weekdays, default: [])
            start = try c.decode(.start, default: start)
            end = try c.decode(.end, default: end)
            timeZone = try c.decode(.timeZone, default: timeZone)
            guard TimeZone(identifier: timeZone) != nil else { throw ConfigError(codingPath: decoder.codingPath + [CodingKeys.timeZone], "unknown time zone '\(timeZone)'") }
            guard Self.minutes(start) != nil, Self.minutes(end) != nil else {
                throw ConfigError(codingPath: decoder.codingPath, "start and end are HH:MM (end may be 24:00)")
            }
            let days = Set(Self.weekdayNumbers.keys)
            if let bad = weekdays.first(where: { !days.contains($0) }) {
                throw ConfigError(codingPath: decoder.codingPath + [CodingKeys.weekdays], "unknown weekday '\(bad)'")
            }
        }

        static let weekdayNumbers = ["sunday": 1, "monday": 2, "tuesday": 3, "wednesday": 4, "thursday": 5, "friday": 6, "saturday": 7]

        static func minutes(_ text: String) -> Int? {
            let parts = text.split(separator: ":")
            guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]), (0...24).contains(hours), (0..<60).contains(minutes),
                  hours * 60 + minutes <= 1440 else { return nil }
            return hours * 60 + minutes
        }

        /// True when `date` falls inside the window.
        public func contains(_ date: Date) -> Bool {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: timeZone) ?? .gmt
            let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
            if !weekdays.isEmpty, !weekdays.compactMap({ Self.weekdayNumbers[$0] }).contains(parts.weekday ?? 0) { return false }
            let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
            return minute >= (Self.minutes(start) ?? 0) && minute < (Self.minutes(end) ?? 1440)
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case match, channels
        case muteWindows = "mute_windows"
        case `continue`
        case groupBy = "group_by"
        case groupWait = "group_wait"
        case groupInterval = "group_interval"
        case repeatInterval = "repeat_interval"
        case sendResolved = "send_resolved"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        match = try c.decode(.match, default: [:])
        channels = try c.decode([String].self, forKey: .channels)
        `continue` = try c.decode(.continue, default: false)
        groupBy = try c.decode(.groupBy, default: [])
        groupWait = try c.decodeIfPresent(ConfigDuration.self, forKey: .groupWait)
        groupInterval = try c.decodeIfPresent(ConfigDuration.self, forKey: .groupInterval)
        repeatInterval = try c.decodeIfPresent(ConfigDuration.self, forKey: .repeatInterval)
        sendResolved = try c.decode(.sendResolved, default: false)
        muteWindows = try c.decode(.muteWindows, default: [])
    }
}

/// `delivery:` — how notifications are sent.
public struct DeliveryConfig: Sendable, Decodable {
    /// Tries per delivery before it goes to the dead letter.
    public var maxAttempts: Int = 10
    public var retryBase: ConfigDuration = "5s"
    public var retryMax: ConfigDuration = "10m"
    /// A delivery older than this goes to the dead letter, however many tries it had.
    public var maxAge: ConfigDuration = "24h"
    /// Deliveries sent at once per channel.
    public var concurrency: Int = 2
    /// How often the outbox and the due deliveries are checked.
    public var tick: ConfigDuration = "1s"
    /// A link to a campaign in messages, with `{campaign_id}` and `{brand_id}` filled in (e.g. your dashboard).
    public var campaignURL: String?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case concurrency, tick
        case campaignURL = "campaign_url"
        case maxAttempts = "max_attempts"
        case retryBase = "retry_base"
        case retryMax = "retry_max"
        case maxAge = "max_age"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxAttempts = try c.decode(.maxAttempts, default: maxAttempts)
        retryBase = try c.decode(.retryBase, default: retryBase)
        retryMax = try c.decode(.retryMax, default: retryMax)
        maxAge = try c.decode(.maxAge, default: maxAge)
        concurrency = try c.decode(.concurrency, default: concurrency)
        tick = try c.decode(.tick, default: tick)
        campaignURL = try c.decodeIfPresent(String.self, forKey: .campaignURL)
    }
}

/// `admin:` — the operator API and web page.
public struct AdminConfig: Sendable, Decodable {
    /// The bearer token; at least ``minimumTokenLength`` characters.
    public var token: Secret
    /// How long a sign-in to the `/admin` web page lasts (the session cookie's `Max-Age`).
    public var sessionLifetime: ConfigDuration = "8h"
    /// A separate listener for `/admin` and `/metrics` (an internal address); `nil`: the main listener serves them.
    public var listen: ListenAddress?

    /// Shorter tokens are a configuration error: 32 characters from `openssl rand -hex 32` cannot be guessed.
    public static let minimumTokenLength = 32

    public init(token: Secret, sessionLifetime: ConfigDuration = "8h", listen: ListenAddress? = nil) {
        self.token = token
        self.sessionLifetime = sessionLifetime
        self.listen = listen
    }

    /// `HOST:PORT` (`127.0.0.1:9090`, `[::1]:9090`; port 0 picks a free one).
    public struct ListenAddress: Sendable, Equatable, Decodable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// Parses `HOST:PORT`; `nil` when the host is missing or the port is not 0…65535.
        public init?(_ text: String) {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            var host = String(text[..<colon])
            let portText = text[text.index(after: colon)...]
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty, !host.contains(where: \.isWhitespace), !portText.isEmpty, portText.count <= 5,
                  portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText), port <= 65535
            else { return nil }
            self.init(host: host, port: port)
        }

        public init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let address = ListenAddress(text) else {
                throw ConfigError(codingPath: decoder.codingPath, "'\(text.prefix(64))' is not HOST:PORT (127.0.0.1:9090, [::1]:9090)")
            }
            self = address
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case token, listen
        case sessionLifetime = "session_lifetime"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        token = try c.decode(Secret.self, forKey: .token)
        // Counted, never shown: the message names the key and the rule, not the value.
        guard token.text.count >= Self.minimumTokenLength else {
            throw ConfigError(
                codingPath: c.codingPath + [CodingKeys.token],
                "must be at least \(Self.minimumTokenLength) characters (generate one with `openssl rand -hex 32`)"
            )
        }
        sessionLifetime = try c.decode(.sessionLifetime, default: sessionLifetime)
        listen = try c.decodeIfPresent(ListenAddress.self, forKey: .listen)
    }
}

/// `audit:` — the hash-chained audit log.
public struct AuditConfig: Sendable, Decodable {
    /// How long records are kept; older ones are pruned behind a checkpoint.
    public var retention: ConfigDuration = "90d"
    /// How often retention runs.
    public var pruneInterval: ConfigDuration = "1h"
    /// Records removed per transaction, so pruning never holds the writer for long.
    public var pruneBatch: Int = 1000
    /// Rejection records written per second at most; the rest are counted, not written.
    public var rejectionsPerSecond: Double = 20
    /// Rejection records that may be written in a burst before the rate applies.
    public var rejectionBurst: Int = 100

    public init(
        retention: ConfigDuration = "90d", pruneInterval: ConfigDuration = "1h", pruneBatch: Int = 1000, rejectionsPerSecond: Double = 20,
        rejectionBurst: Int = 100
    ) {
        self.retention = retention
        self.pruneInterval = pruneInterval
        self.pruneBatch = pruneBatch
        self.rejectionsPerSecond = rejectionsPerSecond
        self.rejectionBurst = rejectionBurst
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case retention
        case pruneInterval = "prune_interval"
        case pruneBatch = "prune_batch"
        case rejectionsPerSecond = "rejections_per_second"
        case rejectionBurst = "rejection_burst"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        retention = try c.decode(.retention, default: retention)
        pruneInterval = try c.decode(.pruneInterval, default: pruneInterval)
        pruneBatch = try c.decode(.pruneBatch, default: pruneBatch)
        rejectionsPerSecond = try c.decode(.rejectionsPerSecond, default: rejectionsPerSecond)
        rejectionBurst = try c.decode(.rejectionBurst, default: rejectionBurst)
    }
}

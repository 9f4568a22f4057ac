import Foundation
import Logging
public import ServiceLifecycle
import UnixSignals
import AdWatchCore

/// Re-reads the configuration on SIGHUP and, once it validates, puts in force what can change without
/// a restart: webhook sources and their secrets, rules and alerting settings, channels, routes and
/// delivery settings, the Ads API keys and the admin token. An invalid file is rejected with the reason and the running
/// configuration stays. Changes to sections that need a restart (server, store, the rest of
/// `advertising`, processor, audit, logging) are reported, not applied.
///
/// ```swift
/// let outcome = await reloader.reload()   // what SIGHUP does; tests call it directly too
/// ```
public struct ConfigReloader: Service {
    /// What a reload came to.
    public enum Outcome: Sendable, Equatable {
        /// In force now; `restartNeeded` names changed sections that wait for a restart.
        case applied(restartNeeded: [String])
        case rejected(reason: String)
    }

    /// The parts a reload reaches.
    struct Targets: Sendable {
        var sources: Reloadable<[String: WebhookSource]>
        /// `nil` when the application started without an `admin:` section (its routes need a restart).
        var adminToken: Reloadable<Secret>?
        var evaluator: AlertEvaluator
        var delivery: DeliveryService
        var advertising: LiveAdvertisingAPI?
        /// Builds channels for a configuration; `nil` keeps the channels the application started with.
        var makeChannels: (@Sendable (AdWatchConfig) throws -> [String: any NotificationChannel])?
    }

    let load: @Sendable () throws -> AdWatchConfig
    let running: Reloadable<AdWatchConfig>
    let targets: Targets
    let log: any AuditLog
    let clock: any WallClock
    let logger: Logger

    public func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            logger.notice("SIGHUP: reloading the configuration")
            _ = await reload()
        }
    }

    /// Loads, validates and applies the configuration file once.
    public func reload() async -> Outcome {
        let config: AdWatchConfig
        let channels: [String: any NotificationChannel]?
        do {
            config = try load()
            channels = try targets.makeChannels?(config)
        } catch {
            // ConfigError and ChannelRegistry errors name a key path and a rule, never a secret's value.
            let reason = (error as? ConfigError)?.description ?? String(describing: error)
            logger.error("configuration reload rejected; the running configuration stays", metadata: ["config.error": "\(reason)"])
            await audit(.configReloadRejected, ["reason": .string(reason)])
            return .rejected(reason: reason)
        }
        let old = running.current
        let restartNeeded = Self.restartNeeded(from: old, to: config)
        targets.sources.replace(with: WebhookSource.byName(config.sources))
        if let token = config.admin?.token { targets.adminToken?.replace(with: token) }
        targets.evaluator.reload(config)
        do {
            try await targets.delivery.reload(channels: channels, routes: config.routes, config: config.delivery)
        } catch {
            // The new routes are in force; groups filed under the old ones flush with the route now at their number.
            logger.error("could not file waiting notifications under the reloaded routes", metadata: ["store.error": "\(String(reflecting: type(of: error)))"])
        }
        if let advertising = config.advertising { targets.advertising?.rotateKeys(from: advertising) }
        running.replace(with: config)

        for warning in config.warnings { logger.warning("\(warning)") }
        if !restartNeeded.isEmpty {
            logger.warning("changed sections take effect only after a restart", metadata: ["config.restart_needed": "\(restartNeeded.joined(separator: ","))"])
        }
        logger.notice(
            "configuration reloaded",
            metadata: ["config.sources": "\(config.sources.count)", "config.rules": "\(config.rules.count)",
                       "config.channels": "\(config.channels.count)", "config.routes": "\(config.routes.count)"]
        )
        await audit(.configReloaded, [
            "sources": .int(Int64(config.sources.count)), "rules": .int(Int64(config.rules.count)),
            "channels": .int(Int64(config.channels.count)), "routes": .int(Int64(config.routes.count)),
            "restart_needed": .string(restartNeeded.joined(separator: ",")),
        ])
        return .applied(restartNeeded: restartNeeded)
    }

    /// Sections that differ but are read only at start-up. Secrets print redacted, so a rotated Ads API
    /// key (which is applied) does not count as a change here.
    static func restartNeeded(from old: AdWatchConfig, to new: AdWatchConfig) -> [String] {
        var changed: [String] = []
        if "\(old.server)" != "\(new.server)" { changed.append("server") }
        if "\(old.store)" != "\(new.store)" { changed.append("store") }
        // Keys (and the brands they belong to) are applied; everything else in the section is not.
        func withoutKeys(_ section: AdvertisingConfig?) -> String {
            guard var section else { return "none" }
            section.apiKey = nil
            section.brands = []
            return "\(section)"
        }
        if withoutKeys(old.advertising) != withoutKeys(new.advertising) { changed.append("advertising") }
        if "\(old.processor)" != "\(new.processor)" { changed.append("processor") }
        if "\(old.audit)" != "\(new.audit)" { changed.append("audit") }
        if "\(old.logging)" != "\(new.logging)" { changed.append("logging") }
        // The token is applied; adding or removing the section, or changing the session lifetime or the listener, is not.
        if old.admin.map({ "\($0.sessionLifetime) \(String(describing: $0.listen))" }) != new.admin.map({ "\($0.sessionLifetime) \(String(describing: $0.listen))" }) {
            changed.append("admin")
        }
        return changed
    }

    private func audit(_ kind: AuditKind, _ details: [String: AuditValue]) async {
        do {
            try await log.append([AuditDraft(at: clock.now(), kind: kind, details: details)])
        } catch {
            logger.error("could not audit the configuration reload", metadata: ["store.error": "\(String(reflecting: type(of: error)))"])
        }
    }
}

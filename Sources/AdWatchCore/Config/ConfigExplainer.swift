/// Turns a valid configuration into the plain-language summary `adwatch check-config` prints.
public enum ConfigExplainer {
    public static func explain(_ config: AdWatchConfig, path: String) -> String {
        var lines = ["\(path): OK"]
        let server = config.server
        lines.append(
            "server: \(server.tls == nil ? "http" : "https")://\(server.host):\(server.port), bodies up to \(server.maxBodyBytes) bytes, "
                + "at most \(server.maxConnections) connections, idle ones closed after \(server.idleTimeout), requests read within \(server.readTimeout)"
        )
        lines.append("store: SQLite \(config.store.sqlitePath) (synchronous=\(config.store.synchronous.rawValue))")
        lines.append("sources:")
        for source in config.sources {
            var line = "  POST /webhooks/\(source.name): scheme \(source.scheme.rawValue)"
            if source.scheme != .none {
                let origins = source.secrets.map(\.origin).joined(separator: ", ")
                line += ", \(source.secrets.count) secret\(source.secrets.count == 1 ? "" : "s") (\(origins))"
            }
            switch source.scheme {
            case .standardWebhooks, .stripe: line += ", timestamp tolerance ±\(source.tolerance)"
            case .hmac:
                line += ", header \(source.header ?? "?"), \((source.encoding ?? .hex).rawValue), signs \"\(source.signed ?? "{body}")\""
                if source.timestampHeader != nil { line += ", timestamp tolerance ±\(source.tolerance)" }
            case .github, .none: break
            }
            line += ", repeats ignored for \(source.dedupWindow)"
            lines.append(line)
        }
        if let advertising = config.advertising {
            let key = advertising.apiKey.map { "key \($0.origin)" } ?? "no key"
            lines.append(
                "advertising: \(advertising.baseURL) (\(key)), \(advertising.requestsPerMinute) requests/min per key (burst \(advertising.burst)), "
                    + "\(advertising.brands.count) per-brand keys, \(advertising.maxAttempts) tries per request, timeout \(advertising.timeout)"
            )
            let processor = config.processor
            lines.append(
                "processor: re-fetches each campaign once per pass, \(processor.concurrency) at a time; a failed fetch is retried from "
                    + "\(processor.retryBase) up to \(processor.retryMax) apart, \(processor.maxAttempts) tries before an event is failed (replayable)"
            )
        } else {
            lines.append("advertising: none (events are stored and audited, campaigns are not re-fetched)")
        }
        lines.append("rules: \(config.rules.isEmpty ? "none" : config.rules.map { "\($0.name) (\($0.kind.rawValue), \($0.severity.rawValue))" }.joined(separator: ", "))")
        let inhibitions = config.effectiveInhibitRules.map { rule in
            "firing \(rule.sourceMatch.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")) mutes alerts with the same \(rule.equal.joined(separator: ","))"
        }
        lines.append(
            "alerting: re-notify after \(config.alerting.repeatInterval), check deadlines every \(config.alerting.tick), re-fetch live campaigns every "
                + "\(config.alerting.reconcileInterval)\(inhibitions.isEmpty ? "" : "; " + inhibitions.joined(separator: "; "))"
        )
        lines.append("channels: \(config.channels.isEmpty ? "none" : config.channels.map { "\($0.name) (\($0.kind.rawValue))" }.joined(separator: ", "))")
        for (index, route) in config.routes.enumerated() {
            let match = route.match.isEmpty ? "every alert" : route.match.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            lines.append("route \(index + 1): \(match) → \(route.channels.joined(separator: ", "))\(route.continue ? " (continue)" : "")")
        }
        lines.append("audit: keep \(config.audit.retention), at most \(config.audit.rejectionsPerSecond)/s rejection records (burst \(config.audit.rejectionBurst))")
        lines.append("admin API: \(config.admin == nil ? "disabled (no admin.token)" : "enabled")")
        for warning in config.warnings {
            lines.append("WARNING: \(warning)")
        }
        return lines.joined(separator: "\n")
    }
}

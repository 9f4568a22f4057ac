import Foundation
import Mustache

/// Renders messages from Mustache templates: defaults that say what is wrong in plain words, and
/// per-channel overrides from config (`subject`, `text_template`, `html_template`).
///
/// Variables: `status` (`firing`/`resolved`), `STATUS`, `resolved` (bool), `severity`, `SEVERITY`, `rule`,
/// `campaign_id`, `brand_id`, `summary`, `since`, `count`, and `alerts` (each with `rule`, `severity`,
/// `summary`, `campaign_id`, `brand_id`, `since`, `fingerprint`, `link`).
public struct MessageRenderer: Sendable {
    static let defaultSubject = "{{#resolved}}[RESOLVED] {{/resolved}}{{^resolved}}[{{SEVERITY}}] {{/resolved}}{{rule}}: campaign {{campaign_id}}"
    static let defaultText = """
        {{#resolved}}RESOLVED{{/resolved}}{{^resolved}}{{SEVERITY}}{{/resolved}}: {{count}} alert(s)
        {{#alerts}}
        - [{{severity}}] {{rule}} on campaign {{campaign_id}}{{#brand_id}} (brand {{brand_id}}){{/brand_id}}: {{{summary}}}{{#since}} Since {{since}}.{{/since}}{{#link}} {{{link}}}{{/link}}
        {{/alerts}}
        {{^resolved}}Check the campaign and its ad account in the Ads platform; silence with `adwatch silence add --matcher campaign_id=…` while you work on it.{{/resolved}}
        """
    static let defaultHTML = """
        <h2>{{#resolved}}Resolved{{/resolved}}{{^resolved}}{{SEVERITY}}{{/resolved}}: {{rule}}</h2>
        <ul>{{#alerts}}<li><strong>{{rule}}</strong> on {{#link}}<a href="{{link}}">{{/link}}campaign {{campaign_id}}{{#link}}</a>{{/link}}{{#brand_id}} (brand {{brand_id}}){{/brand_id}}: {{summary}}{{#since}} <em>Since {{since}}.</em>{{/since}}</li>{{/alerts}}</ul>
        """

    let subject: MustacheTemplate
    let text: MustacheTemplate
    let html: MustacheTemplate

    /// - Throws: ``ConfigError`` when an override is not a valid template.
    public init(subject: String? = nil, text: String? = nil, html: String? = nil) throws(ConfigError) {
        func parse(_ source: String, _ key: String) throws(ConfigError) -> MustacheTemplate {
            do { return try MustacheTemplate(string: source) } catch { throw ConfigError(path: key, "not a valid Mustache template") }
        }
        // Subject and text are plain text: `{{value}}` is written as it is (HTML escaping would show
        // `&amp;` in a mail subject); only the HTML body escapes.
        self.subject = try parse(Self.plainText + (subject ?? Self.defaultSubject), "subject")
        self.text = try parse(Self.plainText + (text ?? Self.defaultText), "text_template")
        self.html = try parse(html ?? Self.defaultHTML, "html_template")
    }

    /// One line: control characters (CR, LF, tab, …) from outside text become spaces, so no value can
    /// start a header line in an email API's form or MIME message.
    package func subject(_ message: OutboundMessage) -> String {
        let line = subject.render(Self.context(message)).unicodeScalars.map { scalar in
            scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" ? " " : Character(scalar)
        }
        return String(line).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static let plainText = "{{% CONTENT_TYPE: TEXT}}"

    package func text(_ message: OutboundMessage) -> String { text.render(Self.context(message)) }

    package func html(_ message: OutboundMessage) -> String { html.render(Self.context(message)) }

    static func context(_ message: OutboundMessage) -> [String: Any] {
        let first = message.alerts.first
        let alerts: [[String: Any]] = message.alerts.map { alert in
            [
                "rule": alert.rule, "severity": alert.severity.rawValue, "summary": alert.summary, "campaign_id": alert.campaignID,
                "brand_id": alert.labels["brand_id"].flatMap { $0.isEmpty ? nil : $0 } ?? false, "fingerprint": alert.fingerprint,
                "since": alert.since.map { $0.formatted(.iso8601) } ?? false,
                "link": alert.link ?? false,
            ]
        }
        return [
            "status": message.status.rawValue, "STATUS": message.status.rawValue.uppercased(), "resolved": message.status == .resolved,
            "severity": message.severity.rawValue, "SEVERITY": message.severity.rawValue.uppercased(), "rule": first?.rule ?? "",
            "campaign_id": first?.campaignID ?? "", "brand_id": first?.labels["brand_id"] ?? "", "summary": first?.summary ?? "",
            "since": first?.since.map { $0.formatted(.iso8601) } ?? "", "count": message.alerts.count, "alerts": alerts,
        ]
    }
}

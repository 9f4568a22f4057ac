import Mustache
import AdWatchCore

/// The admin page's templates, as Swift constants so the static binary needs no resource bundle.
/// Every value goes through `{{ }}`, which HTML-escapes (`& < > " '`); the one `{{{ }}}` is the
/// layout's body, itself rendered from these templates.
enum AdminWebTemplates {
    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · AdWatch admin</title>
        <style>
        body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
        header { background: #1d2330; color: #fff; padding: 10px 24px; display: flex; gap: 24px; align-items: center; }
        header a { color: #fff; } header form { margin-left: auto; }
        main { padding: 16px 24px; max-width: 1400px; }
        section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; }
        h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 0; }
        table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eceef2; vertical-align: top; }
        th { background: #f0f2f5; } td.details { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
        .ok { color: #17803d; font-weight: 600; } .bad { color: #b42318; font-weight: 600; }
        .outcome { display: inline-block; padding: 0 6px; border-radius: 3px; background: #eceef2; font-size: 12px; }
        .notice { background: #e7f5ec; border-color: #9fd3b2; } .error { background: #fdecea; border-color: #f1aeb5; }
        input[type=text], input[type=password] { padding: 4px 6px; min-width: 16em; }
        </style>
        </head>
        <body>
        <header><strong>AdWatch admin</strong>{{#signedIn}}<a href="/admin">Overview</a>
        <form method="post" action="/admin/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Sign out</button></form>{{/signedIn}}</header>
        <main>
        {{#notice}}<section class="notice" role="status">{{notice}}</section>{{/notice}}
        {{#error}}<section class="error" role="alert">{{error}}</section>{{/error}}
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let signIn = """
        <section>
        <h1>Sign in</h1>
        <form method="post" action="/admin/login">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
        <button type="submit">Sign in</button>
        </form>
        </section>
        """

    static let overview = """
        <h1>Overview</h1>
        <section id="chain">
        <h2>Audit chain</h2>
        {{#chainIntact}}<p class="ok">Intact: {{chainChecked}} records verified{{chainLast}} (checked {{chainCheckedAt}}; at most once a minute).</p>{{/chainIntact}}
        {{^chainIntact}}<p class="bad">BROKEN at seq {{chainProblemSeq}}: {{chainReason}} ({{chainChecked}} records verified before it; checked {{chainCheckedAt}}).</p>{{/chainIntact}}
        </section>
        <section id="timeline-form">
        <h2>Timeline</h2>
        <form method="get" action="/admin/timeline">
        <label>Campaign id <input type="text" name="campaign" required></label> <button type="submit">Show campaign timeline</button>
        </form>
        </section>
        <section id="alerts">
        <h2>Recent alerts</h2>
        {{^hasAlerts}}<p>No alerts.</p>{{/hasAlerts}}
        {{#hasAlerts}}<table><tr><th>State</th><th>Severity</th><th>Rule</th><th>Campaign</th><th>Summary</th><th>Since</th><th>Held back by</th><th></th></tr>{{/hasAlerts}}
        {{#alerts}}<tr><td>{{state}}</td><td>{{severity}}</td><td>{{rule}}</td><td><a href="/admin/timeline?campaign={{campaignQuery}}">{{campaign}}</a></td><td>{{summary}}</td><td>{{since}}</td><td>{{suppressedBy}}</td><td><a href="/admin/timeline?alert={{fingerprintQuery}}">alert timeline</a></td></tr>
        {{/alerts}}
        {{#hasAlerts}}</table>{{/hasAlerts}}
        </section>
        <section id="dead-letter">
        <h2>Dead letter</h2>
        {{^hasDead}}<p>The dead letter is empty.</p>{{/hasDead}}
        {{#hasDead}}<table><tr><th>Delivery</th><th>Channel</th><th>Alerts</th><th>Attempts</th><th>Last error</th><th></th></tr>{{/hasDead}}
        {{#dead}}<tr><td>{{id}}</td><td>{{channel}}</td><td>{{alerts}}</td><td>{{attempts}}</td><td>{{lastError}}</td>
        <td><form method="post" action="/admin/ui/deliveries/{{idPath}}/replay"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Replay</button></form></td></tr>
        {{/dead}}
        {{#hasDead}}</table>{{/hasDead}}
        </section>
        <section id="silences">
        <h2>Silences</h2>
        {{^hasSilences}}<p>No active or future silences.</p>{{/hasSilences}}
        {{#hasSilences}}<table><tr><th>Id</th><th>Matchers</th><th>Starts</th><th>Ends</th><th>Author</th><th>Comment</th><th></th></tr>{{/hasSilences}}
        {{#silences}}<tr><td>{{id}}</td><td>{{matchers}}</td><td>{{startsAt}}</td><td>{{endsAt}}</td><td>{{author}}</td><td>{{comment}}</td>
        <td><form method="post" action="/admin/ui/silences/{{idPath}}/expire"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Expire now</button></form></td></tr>
        {{/silences}}
        {{#hasSilences}}</table>{{/hasSilences}}
        <h2>New silence</h2>
        <form method="post" action="/admin/ui/silences">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>Matchers (comma-separated) <input type="text" name="matchers" placeholder="campaign_id=5195" required></label>
        <label>Duration <input type="text" name="duration" value="2h" required></label>
        <label>Author <input type="text" name="author" required></label>
        <label>Comment <input type="text" name="comment"></label>
        <button type="submit">Create silence</button>
        </form>
        </section>
        """

    static let timeline = """
        <h1>{{heading}}</h1>
        <section id="timeline">
        {{^hasRecords}}<p>No audit records concern it.</p>{{/hasRecords}}
        {{#hasRecords}}<table><tr><th>Seq</th><th>Time</th><th>Step</th><th>Outcome</th><th>Kind</th><th>Alert</th><th>Details</th></tr>{{/hasRecords}}
        {{#records}}<tr><td>{{seq}}</td><td>{{at}}</td><td>{{step}}</td><td><span class="outcome">{{outcome}}</span></td><td>{{kind}}</td><td>{{alert}}</td><td class="details">{{details}}</td></tr>
        {{/records}}
        {{#hasRecords}}</table>{{/hasRecords}}
        {{#next}}<p><a href="{{next}}">Next page</a></p>{{/next}}
        </section>
        """

    static let library: [String: MustacheTemplate] = {
        var templates: [String: MustacheTemplate] = [:]
        for (name, source) in [("layout", layout), ("signIn", signIn), ("overview", overview), ("timeline", timeline)] {
            // The sources are constants checked by the tests: a parse failure is a programming error.
            templates[name] = try! MustacheTemplate(string: source)
        }
        return templates
    }()

    static func render(_ name: String, _ context: [String: Any]) -> String {
        library[name]?.render(context) ?? ""
    }
}

/// Plain words for each step of a timeline.
enum AuditStepLabel {
    static func label(_ kind: String) -> String {
        switch kind {
        case "webhook.accepted": "Webhook received: signature verified, new event stored"
        case "webhook.duplicate": "Webhook received: signature verified, duplicate dropped"
        case "webhook.rejected": "Webhook rejected"
        case "fetch.succeeded": "Ads API fetch"
        case "fetch.failed": "Ads API fetch failed"
        case "campaign.refreshed": "Campaign re-fetched"
        case "event.retry_scheduled": "Re-fetch to be retried"
        case "event.failed": "Re-fetch gave up"
        case "event.skipped": "Event skipped"
        case "event.replayed": "Operator replayed event"
        case "rule.no_data": "Rule lacked data"
        case "alert.pending": "Rule fired: alert pending"
        case "alert.firing": "Rule fired: alert firing"
        case "alert.resolved": "Rule resolved: alert resolved"
        case "alert.suppressed": "Notification suppressed"
        case "notification.queued": "Notification queued"
        case "notification.routed": "Notification routed"
        case "delivery.queued": "Delivery queued"
        case "delivery.succeeded": "Delivery attempt succeeded"
        case "delivery.failed": "Delivery attempt failed"
        case "delivery.dead": "Delivery dead-lettered"
        case "delivery.replayed": "Operator replayed delivery"
        case "silence.created": "Operator created silence"
        case "silence.expired": "Operator expired silence"
        default: kind
        }
    }
}

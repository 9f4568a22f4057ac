import HTTPTypes
import Hummingbird
import NIOCore
import AdWatchCore

/// The mock's copy of the Ads API (`/v1/...`): turns each request into an ``MockAdsAPI/APICall`` for
/// ``MockAdsAPI/State``, which decides the whole answer, and waits before sending it when a slow
/// fault asks for that.
struct MockAdsAPIController {
    let state: MockAdsAPI.State
    let access: MockAdsAPI.AccessRules

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/campaign/:id") { request, context in
            await serve(.campaign, request, campaignID: context.parameters.get("id"))
        }
        router.get("/v1/analytic/campaign/:id") { request, context in
            await serve(.analytics, request, campaignID: context.parameters.get("id"))
        }
        router.get("/v1/analytic/creative/performance") { request, _ in
            await serve(.creative, request, campaignID: request.uri.queryParameters.get("campaignId"))
        }
        router.get("/v1/campaign") { request, _ in
            await serve(.list, request, campaignID: nil)
        }
    }

    func serve(_ route: MockAdsAPI.Route, _ request: Request, campaignID: String?) async -> Response {
        let call = MockAdsAPI.APICall(
            route: route,
            path: request.uri.path,
            campaignID: campaignID,
            apiKey: request.headers[MockAdsAPI.HeaderName.apiKey],
            brandID: request.headers[MockAdsAPI.HeaderName.brandID],
            query: Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { first, _ in first })
        )
        let reply = await state.respond(to: call, access: access)
        if let delay = reply.delay {
            // A real delay on the server side: what a client's timeout test needs. Cancellation just answers early.
            try? await Task.sleep(for: delay)
        }
        return reply.response
    }
}

extension MockAdsAPI.APIReply {
    /// The reply as a Hummingbird response; every body the mock sends is JSON (or meant to look like it).
    var response: Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

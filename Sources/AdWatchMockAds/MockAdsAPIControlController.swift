import HTTPTypes
import Hummingbird
import NIOCore
import AdWatchCore

/// The mock's control API (`/_control/...`), JSON in and out, for tests and demos in another process.
///
/// | request | does |
/// |---|---|
/// | `PUT /_control/campaigns/{id}` `{"from": 5195, "brand_id": 300}` (both optional) | ``MockAdsAPI/State/cloneCampaign(_:from:brandID:)`` |
/// | `POST /_control/campaigns/{id}` `{"status": "ACTIVE", "account_status": 3, …}` | ``MockAdsAPI/State/updateCampaign(id:_:)`` |
/// | `POST /_control/faults` `{"route": "campaign", "kind": "status", "status": 500, "count": 3}` | ``MockAdsAPI/State/addFault(_:)`` |
/// | `DELETE /_control/faults` | ``MockAdsAPI/State/clearFaults()`` |
/// | `GET /_control/requests` | ``MockAdsAPI/State/requests()`` as `[{"route","path","campaign_id","api_key_present","brand_id","status","at_ms"}]` |
/// | `DELETE /_control/requests` | ``MockAdsAPI/State/clearRequests()`` |
///
/// Refusals use the Ads API's error body: 400 `BAD_REQUEST` with a message naming the problem, 404 `NOT_FOUND`.
/// It needs no API key: the mock is a test tool, listening on loopback by default.
struct MockAdsAPIControlController {
    let state: MockAdsAPI.State

    /// Control bodies are a few fields; anything larger is a mistake.
    static let maxBodyBytes = 64 * 1024

    func addRoutes(to router: Router<BasicRequestContext>) {
        let control = router.group("/_control")
        control.put("/campaigns/:id") { request, context in
            await handling {
                let id = try Self.campaignID(context)
                let body = try MockAdsAPI.ControlBody(try await Self.json(request), allowed: ["from", "brand_id"])
                let source = try await state.cloneCampaign(id, from: try body.integer("from"), brandID: try body.integer("brand_id"))
                return Self.reply(.object(["id": .int(Int64(id)), "from": .int(Int64(source))]))
            }
        }
        control.post("/campaigns/:id") { request, context in
            await handling {
                let id = try Self.campaignID(context)
                try await state.updateCampaign(id: id, MockAdsAPI.CampaignUpdate(json: try await Self.json(request)))
                return Self.reply(.object(["id": .int(Int64(id))]))
            }
        }
        control.post("/faults") { request, _ in
            await handling {
                await state.addFault(try MockAdsAPI.Fault(json: try await Self.json(request)))
                return Self.reply(.object(["queued": .int(Int64(await state.pendingFaults().count))]))
            }
        }
        control.delete("/faults") { _, _ in
            await state.clearFaults()
            return Self.reply(.object(["queued": .int(0)]))
        }
        control.get("/requests") { _, _ in
            Self.reply(.array(await state.requests().map(\.json)))
        }
        control.delete("/requests") { _, _ in
            await state.clearRequests()
            return Self.reply(.array([]))
        }
    }

    /// Runs a control operation, answering its refusals with the Ads API's error body.
    private func handling(_ operation: () async throws -> Response) async -> Response {
        do {
            return try await operation()
        } catch let error as MockAdsAPI.InvalidControlBody {
            return MockAdsAPI.APIReply.error(400, error.message, code: "BAD_REQUEST").response
        } catch is MockAdsAPI.UnknownCampaign {
            return MockAdsAPI.APIReply.notFound.response
        } catch {
            return MockAdsAPI.APIReply.error(500, "Control request failed", code: "INTERNAL").response
        }
    }

    private static func campaignID(_ context: BasicRequestContext) throws(MockAdsAPI.InvalidControlBody) -> Int {
        guard let id = context.parameters.get("id", as: Int.self) else { throw .init("the campaign id must be an integer") }
        return id
    }

    /// The request body as JSON; an empty body is an empty object.
    private static func json(_ request: Request) async throws -> JSONValue {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw MockAdsAPI.InvalidControlBody("the body is larger than \(maxBodyBytes) bytes")
        }
        if buffer.readableBytes == 0 { return .object([:]) }
        do {
            return try JSONParser.parse(Array(buffer.readableBytesView))
        } catch {
            throw MockAdsAPI.InvalidControlBody("the body is not valid JSON")
        }
    }

    private static func reply(_ value: JSONValue) -> Response {
        MockAdsAPI.APIReply.document(value).response
    }
}

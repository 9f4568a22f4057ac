public import AdWatchCore
extension MemoryStore {
    /// Counts for `/metrics`, built from the store's own queries (the memory store serves tests and demos).
    public func gaugeReadings() async throws -> StoreGauges {
        var gauges = StoreGauges()
        for state in StoreGauges.eventStates {
            gauges.events[state] = try await events(in: state, limit: .max).count
        }
        for alert in try await alerts(states: Set(StoreGauges.alertStates), limit: .max) {
            gauges.alerts[alert.rule, default: [:]][alert.state, default: 0] += 1
        }
        let unsettled = try await deliveries(in: .pending, limit: .max).count + deliveries(in: .sending, limit: .max).count
        gauges.outbox = try await outbox(limit: .max).count + unsettled
        gauges.deadLetters = try await deliveries(in: .dead, limit: .max).count
        gauges.auditSeq = try await records(from: 0, limit: .max).last?.seq ?? 0
        return gauges
    }
}

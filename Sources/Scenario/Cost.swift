// Prices that turn the proxies' vCPU and memory into money (summary.csv's proxy_cost_per_month).

/// `cost:` — what a vCPU and a GB of memory cost per hour, in US dollars.
///
/// Defaults (when the scenario has no `cost:` or leaves a field out) are derived from AWS
/// EC2 on-demand list prices, Linux, us-east-1, as published on the EC2 on-demand pricing
/// page (unchanged since the instances' launch in 2017, as we know them; not re-read for this release):
/// m5.large (2 vCPU, 8 GiB) $0.096/h and c5.large (2 vCPU, 4 GiB) $0.085/h. The two
/// differ only in 4 GiB of memory, so one GiB-hour is (0.096 - 0.085) / 4 = $0.00275 and
/// one vCPU-hour is (0.085 - 4 * 0.00275) / 2 = $0.037. Cross-zone traffic is not priced:
/// zones carry no traffic cost in the model yet.
public struct CostPrices: Sendable, Equatable {
    /// US dollars per vCPU-hour.
    public var vcpuHour: Double
    /// US dollars per GiB-hour of memory.
    public var gbHour: Double
    /// Hours in a month for `..._per_month` figures: AWS's billing convention (8760 / 12).
    public static let hoursPerMonth = 730.0
    /// m5.large and c5.large, on-demand, us-east-1 (see the type's comment for the derivation).
    public static let defaultVCPUHour = 0.037
    public static let defaultGBHour = 0.00275

    public init(vcpuHour: Double = CostPrices.defaultVCPUHour, gbHour: Double = CostPrices.defaultGBHour) {
        self.vcpuHour = vcpuHour
        self.gbHour = gbHour
    }

    /// US dollars a month for `cores` vCPUs busy on average and `memoryMB` MB resident.
    public func perMonth(cores: Double, memoryMB: Double) -> Double {
        (cores * vcpuHour + memoryMB / 1024 * gbHour) * Self.hoursPerMonth
    }
}

extension ScenarioParser {
    static let costKeys = ["vcpu_hour", "gb_hour"]

    /// `cost: { vcpu_hour: 0.04, gb_hour: 0.005 }` (US dollars; a leading `$` is allowed).
    func parseCost(_ n: YNode) -> CostPrices? {
        guard let f = fields(n, "'cost'", allowed: Self.costKeys) else { return nil }
        var c = CostPrices()
        func price(_ key: String) -> Double? {
            guard let v = f[key], let s = scalar(v, "'\(key)'") else { return nil }
            let text = s.value.hasPrefix("$") ? String(s.value.dropFirst()) : s.value
            guard let x = Double(text), x.isFinite, x >= 0 else {
                error(v.pos, "'\(key)' is a price in US dollars per hour, e.g. 0.04, not '\(s.value)'")
                return nil
            }
            return x
        }
        if let x = price("vcpu_hour") { c.vcpuHour = x }
        if let x = price("gb_hour") { c.gbHour = x }
        return c
    }
}

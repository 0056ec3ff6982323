// Prices that turn the proxies' vCPU and memory into money (summary.csv's proxy_cost_per_month).

/// `cost:` — what a vCPU and a GB of memory cost per hour, in US dollars.
///
/// Defaults (when the scenario has no `cost:` or leaves a field out) are derived from AWS
/// EC2 on-demand list prices, Linux, us-east-1, as published on the EC2 on-demand pricing
/// page (unchanged since the instances' launch in 2017, as we know them; not re-read for this release):
/// m5.large (2 vCPU, 8 GiB) $0.096/h and c5.large (2 vCPU, 4 GiB) $0.085/h. The two
/// differ only in 4 GiB of memory, so one GiB-hour is (0.096 - 0.085) / 4 = $0.00275 and
/// one vCPU-hour is (0.085 - 4 * 0.00275) / 2 = $0.037.
///
/// Cross-zone traffic: AWS EC2 data transfer pricing bills data between Availability Zones
/// of a region at $0.01/GB in each direction (out of one zone, into the other), so a byte
/// that crosses costs $0.02/GB. A call that crosses zones carries its request there and
/// its response back: `bytesPerCall` of both. assumption: 2 KiB per call (1 KiB each way,
/// the payload of Istio's published performance runs); the model has no payload sizes.
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
    /// US dollars per GB crossing zones, charged in each direction (AWS: $0.01/GB).
    public var crossZoneGB: Double
    /// Bytes a cross-zone call carries, request and response together.
    public var bytesPerCall: Double
    public static let defaultCrossZoneGB = 0.01
    public static let defaultBytesPerCall = 2048.0

    public init(vcpuHour: Double = CostPrices.defaultVCPUHour, gbHour: Double = CostPrices.defaultGBHour,
                crossZoneGB: Double = CostPrices.defaultCrossZoneGB, bytesPerCall: Double = CostPrices.defaultBytesPerCall) {
        self.vcpuHour = vcpuHour
        self.gbHour = gbHour
        self.crossZoneGB = crossZoneGB
        self.bytesPerCall = bytesPerCall
    }

    /// US dollars a month for `crossingsPerSecond` zone crossings: each carries
    /// `bytesPerCall` (GB of 2^30 bytes, as AWS bills), paid once leaving a zone and once
    /// entering the other.
    public func crossZonePerMonth(crossingsPerSecond: Double) -> Double {
        crossingsPerSecond * bytesPerCall / 1_073_741_824 * 2 * crossZoneGB * Self.hoursPerMonth * 3600
    }

    /// US dollars a month for `cores` vCPUs busy on average and `memoryMB` MB resident.
    public func perMonth(cores: Double, memoryMB: Double) -> Double {
        (cores * vcpuHour + memoryMB / 1024 * gbHour) * Self.hoursPerMonth
    }
}

extension ScenarioParser {
    static let costKeys = ["vcpu_hour", "gb_hour", "cross_zone_gb", "bytes_per_call"]

    /// `cost: { vcpu_hour: 0.04, gb_hour: 0.005, cross_zone_gb: 0.01, bytes_per_call: 2048 }`
    /// (US dollars; a leading `$` is allowed; bytes a whole number).
    func parseCost(_ n: YNode) -> CostPrices? {
        guard let f = fields(n, "'cost'", allowed: Self.costKeys) else { return nil }
        var c = CostPrices()
        func price(_ key: String) -> Double? {
            guard let v = f[key], let s = scalar(v, "'\(key)'") else { return nil }
            let text = s.value.hasPrefix("$") ? String(s.value.dropFirst()) : s.value
            guard let x = Double(text), x.isFinite, x >= 0 else {
                let unit = key == "cross_zone_gb" ? "per GB crossing zones, e.g. 0.01" : "per hour, e.g. 0.04"
                error(v.pos, "'\(key)' is a price in US dollars \(unit), not '\(s.value)'")
                return nil
            }
            return x
        }
        if let x = price("vcpu_hour") { c.vcpuHour = x }
        if let x = price("gb_hour") { c.gbHour = x }
        if let x = price("cross_zone_gb") { c.crossZoneGB = x }
        if let v = f["bytes_per_call"], let s = scalar(v, "'bytes_per_call'") {
            if let n = Int(s.value), n >= 0, n <= 1_000_000_000_000 {
                c.bytesPerCall = Double(n)
            } else {
                error(v.pos, "'bytes_per_call' is a whole number of bytes (request and response together), e.g. 2048, not '\(s.value)'")
            }
        }
        return c
    }
}

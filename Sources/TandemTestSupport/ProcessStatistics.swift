#if canImport(Glibc)
package import Glibc
#elseif canImport(Darwin)
package import Darwin
#endif

/// What the system tells of another process's resources: the soak's relay memory and CPU, the
/// wire-hardening tests' peak memory under compression bombs.
package enum ProcessStatistics {
    /// A process's resident memory now and at its peak, in KiB; nil when the system does not
    /// tell. Linux: VmRSS and VmHWM from /proc/PID/status. macOS (no /proc): proc_pid_rusage's
    /// resident size now and its lifetime peak physical footprint (the kernel keeps no peak
    /// resident size for another process; the footprint is what Activity Monitor shows).
    package static func memory(of pid: pid_t) -> (resident: Int, peak: Int)? {
        #if canImport(Darwin)
        guard let usage = Self.usage(of: pid) else { return nil }
        return (Int(usage.ri_resident_size / 1_024), Int(usage.ri_lifetime_max_phys_footprint / 1_024))
        #else
        guard let file = fopen("/proc/\(pid)/status", "r") else { return nil }
        defer { fclose(file) }
        var resident: Int?
        var peak: Int?
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let value = Int(text.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
            if text.hasPrefix("VmRSS:") { resident = value }
            if text.hasPrefix("VmHWM:") { peak = value }
        }
        guard let resident, let peak else { return nil }
        return (resident, peak)
        #endif
    }

    /// CPU time process `pid` used so far (user and system), in seconds; nil when the system does
    /// not tell. Linux: /proc/PID/stat; macOS: proc_pid_rusage (Mach time units, converted).
    package static func cpuSeconds(of pid: pid_t) -> Double? {
        #if canImport(Darwin)
        guard let usage = Self.usage(of: pid) else { return nil }
        var timebase = mach_timebase_info_data_t()
        guard mach_timebase_info(&timebase) == KERN_SUCCESS, timebase.denom > 0 else { return nil }
        let ticks = Double(usage.ri_user_time + usage.ri_system_time)
        return ticks * Double(timebase.numer) / Double(timebase.denom) / 1e9
        #else
        guard let file = fopen("/proc/\(pid)/stat", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 1_024)
        guard fgets(&line, Int32(line.count), file) != nil else { return nil }
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Fields after the command name (which may hold spaces, inside parentheses): utime and stime are 14 and 15.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
        #endif
    }

    #if canImport(Darwin)
    /// The child's resource usage from proc_pid_rusage, or nil.
    private static func usage(of pid: pid_t) -> rusage_info_v4? {
        var usage = rusage_info_v4()
        let result = withUnsafeMutablePointer(to: &usage) { pointer in
            pointer.withMemoryRebound(to: rusage_info_t?.self, capacity: 1) { proc_pid_rusage(pid, Int32(RUSAGE_INFO_V4), $0) }
        }
        return result == 0 ? usage : nil
    }
    #endif
}

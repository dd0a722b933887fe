import CKernels

/// The C kernels' persistent thread pool (kvd_pool.h), owned by one runner. Threads are made once
/// and live as long as this object.
final class CPUThreadPool: @unchecked Sendable {
    /// Immutable after init; the pool serialises its own jobs' workers, its owner serialises jobs.
    let raw: OpaquePointer?

    /// threads: total, including the caller; nil means one per online CPU.
    init(threads: Int?) {
        raw = kvd_pool_create(Int32(clamping: threads ?? 0))
    }

    var threadCount: Int { Int(kvd_pool_threads(raw)) }

    deinit { kvd_pool_destroy(raw) }
}

import CKVDeckCUDA
import Foundation

/// `ModelRunner` on an NVIDIA GPU: the library's forward step (kvd_cuda_forward) over a paged KV
/// cache in vLLM's layout that this runner owns, sized after the weights are on the GPU.
public final class CUDAModelRunner: ModelRunner, @unchecked Sendable {
    public let model: CUDAModel
    public let config: ModelConfig
    public let blockSize: Int
    public let blockCount: Int
    /// GPU bytes of the KV cache, and what the device had free once it was allocated.
    public let kvCacheBytes: Int
    public let deviceFreeBytes: Int
    public let deviceTotalBytes: Int
    /// The most tokens, and logits rows, one forward step takes (its scratch is sized for them).
    public let maxBatchTokens: Int
    public let maxLogitRows: Int

    private let handle: OpaquePointer
    private let lock = NSLock() // `forward` is serialised by the engine; this makes it certain

    /// How the cache is sized: a fraction of the GPU's memory (vLLM's --gpu-memory-utilization,
    /// minus what is already in use), or a byte count.
    public enum CacheSize: Sendable, Equatable {
        case gpuMemoryUtilization(Double)
        case bytes(Int)
    }

    public init(model: CUDAModel, blockSize: Int = 16, cacheSize: CacheSize,
                maxBatchTokens: Int = 16384, maxLogitRows: Int = 512) throws {
        var options = kvd_cuda_runner_options()
        options.block_size = Int32(clamping: blockSize)
        options.max_batch_tokens = Int32(clamping: maxBatchTokens)
        options.max_logit_rows = Int32(clamping: maxLogitRows)
        switch cacheSize {
        case .gpuMemoryUtilization(let u): options.gpu_memory_utilization = Float(u)
        case .bytes(let b): options.kv_cache_bytes = Int64(b)
        }
        let library = model.device.library
        var runner: OpaquePointer?
        try CUDALibrary.call("making the KV cache") { library.runnerCreate(model.handle, &options, &runner, $0) }
        var info = kvd_cuda_runner_info()
        do {
            try CUDALibrary.call("runner info") { library.runnerInfo(runner, &info, $0) }
        } catch {
            library.runnerDestroy(runner)
            throw error
        }
        self.model = model
        self.config = model.config
        self.handle = runner!
        self.blockSize = Int(info.block_size)
        self.blockCount = Int(info.block_count)
        self.kvCacheBytes = Int(info.kv_cache_bytes)
        self.deviceFreeBytes = Int(info.device_free_bytes)
        self.deviceTotalBytes = Int(info.device_total_bytes)
        self.maxBatchTokens = maxBatchTokens
        self.maxLogitRows = maxLogitRows
    }

    deinit { model.device.library.runnerDestroy(handle) }

    /// GPU memory in use on the device (all processes), for the console.
    public var deviceUsedBytes: Int { deviceTotalBytes - deviceFreeBytes }

    public func forward(_ batch: ForwardBatch) throws -> Logits {
        lock.lock()
        defer { lock.unlock() }
        try batch.validate(blockSize: blockSize, blockCount: blockCount, vocabSize: config.vocabSize)
        let rows = batch.logitsRowCount
        guard !batch.tokens.isEmpty else { return Logits(rowCount: 0, vocabSize: config.vocabSize, values: []) }
        // The slices as the C ABI takes them: parallel arrays, block tables concatenated.
        var start: [Int32] = [], count: [Int32] = [], context: [Int32] = [], tableStart: [Int32] = []
        var tableLength: [Int32] = [], wants: [Int32] = [], tables: [Int32] = []
        for s in batch.slices {
            start.append(Int32(s.tokenRange.lowerBound))
            count.append(Int32(s.tokenRange.count))
            context.append(Int32(s.contextLength))
            tableStart.append(Int32(tables.count))
            tableLength.append(Int32(s.blockTable.count))
            wants.append(s.wantsLogits ? 1 : 0)
            tables += s.blockTable
        }
        var values = [Float](repeating: 0, count: rows * config.vocabSize)
        let library = model.device.library
        try batch.tokens.withUnsafeBufferPointer { tok in
            try batch.positions.withUnsafeBufferPointer { pos in
                try batch.slotMapping.withUnsafeBufferPointer { slot in
                    var b = kvd_cuda_batch()
                    b.num_tokens = Int32(tok.count)
                    b.tokens = tok.baseAddress
                    b.positions = pos.baseAddress
                    b.slot_mapping = slot.baseAddress
                    b.num_slices = Int32(batch.slices.count)
                    b.table_entries = Int32(tables.count)
                    try start.withUnsafeBufferPointer { b.token_start = $0.baseAddress
                    try count.withUnsafeBufferPointer { b.token_count = $0.baseAddress
                    try context.withUnsafeBufferPointer { b.context_len = $0.baseAddress
                    try tableStart.withUnsafeBufferPointer { b.table_start = $0.baseAddress
                    try tableLength.withUnsafeBufferPointer { b.table_len = $0.baseAddress
                    try wants.withUnsafeBufferPointer { b.wants_logits = $0.baseAddress
                    try tables.withUnsafeBufferPointer { b.block_tables = $0.baseAddress
                    try values.withUnsafeMutableBufferPointer { out in
                        try CUDALibrary.call("forward step") { library.forward(handle, &b, nil, out.baseAddress, nil, $0) }
                    } } } } } } } }
                }
            }
        }
        return Logits(rowCount: rows, vocabSize: config.vocabSize, values: values)
    }
}

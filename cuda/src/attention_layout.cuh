// vLLM's paged KV cache layout (csrc/cache_kernels.cu, csrc/attention/*; engine-anchors.md §3.2):
//   K [num_blocks][num_kv_heads][head_dim / X][block_size][X], X = 16 bytes / element size,
//   V [num_blocks][num_kv_heads][head_dim][block_size].
// K is split in 16-byte vectors so the threads scoring neighbouring keys read neighbouring
// vectors; V is transposed so a block's values for one dimension are contiguous.
#pragma once
#include "common.cuh"

namespace kvd {

template <typename T> struct cache_vec { static constexpr int X = 16 / (int)sizeof(T); };

// Element offset of K[block][head][d] at position `off` in the block.
template <typename T>
__device__ __forceinline__ size_t k_index(int64_t block, int head, int d, int off, int nkv, int hd, int bs) {
    constexpr int X = cache_vec<T>::X;
    return (((size_t)block * nkv + head) * (hd / X) + d / X) * (size_t)bs * X + (size_t)off * X + d % X;
}
template <typename T>
__device__ __forceinline__ size_t v_index(int64_t block, int head, int d, int off, int nkv, int hd, int bs) {
    return (((size_t)block * nkv + head) * hd + d) * (size_t)bs + off;
}

} // namespace kvd

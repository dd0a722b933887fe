// Greedy and top-p sampling on the GPU: one CUDA block per row of logits, so only token ids, not
// vocab-sized rows, cross PCIe. Top-p without sorting: the kept set is every token whose
// probability is at least a threshold tau, with tau the largest value whose set still holds top_p
// of the mass; tau is found by bisection on the probabilities (each step one pass over the row).
// The draw then walks the kept tokens in id order with the caller's uniform number.
#include "internal.h"

namespace kvd {

constexpr int kSampleThreads = 1024;

__global__ void __launch_bounds__(kSampleThreads)
sample_kernel(const float *logits, int vocab, float temperature, float top_p, const float *uniforms, int32_t *out) {
    __shared__ float scratch[33];
    __shared__ float chunk_sums[kSampleThreads];
    __shared__ int found;
    const int r = blockIdx.x, tid = threadIdx.x;
    const float *row = logits + (size_t)r * vocab;

    // Greedy: the highest logit, the lowest id among equals (as Engine.Sampler's argmax).
    if (temperature <= 0.0f) {
        float best = -INFINITY;
        int best_i = 0x7fffffff;
        for (int i = tid; i < vocab; i += blockDim.x) {
            const float v = row[i];
            if (v > best || (v == best && i < best_i)) { best = v; best_i = i; }
        }
        __shared__ float bv[kSampleThreads];
        __shared__ int bi[kSampleThreads];
        bv[tid] = best;
        bi[tid] = best_i;
        __syncthreads();
        for (int s = blockDim.x / 2; s > 0; s >>= 1) {
            if (tid < s) {
                const float v = bv[tid + s];
                const int i = bi[tid + s];
                if (v > bv[tid] || (v == bv[tid] && i < bi[tid])) { bv[tid] = v; bi[tid] = i; }
            }
            __syncthreads();
        }
        if (tid == 0) out[r] = bi[0] == 0x7fffffff ? 0 : bi[0];
        return;
    }

    const float inv_t = 1.0f / temperature;
    float mx = -INFINITY;
    for (int i = tid; i < vocab; i += blockDim.x) mx = fmaxf(mx, row[i] * inv_t);
    mx = block_max(mx, scratch);
    float sum = 0.0f;
    for (int i = tid; i < vocab; i += blockDim.x) sum += __expf(row[i] * inv_t - mx);
    sum = block_sum(sum, scratch);
    const float inv_sum = 1.0f / sum;
    // Unnormalised weights w_i = exp(l_i/T - max) are in (0, 1]; the threshold is on them.
    float tau = 0.0f;
    if (top_p < 1.0f) {
        float lo = 0.0f, hi = 1.0f; // mass(w >= lo) >= top_p always holds
        for (int it = 0; it < 40; it++) {
            const float mid = 0.5f * (lo + hi);
            float kept = 0.0f;
            for (int i = tid; i < vocab; i += blockDim.x) {
                const float w = __expf(row[i] * inv_t - mx);
                if (w >= mid) kept += w;
            }
            kept = block_sum(kept, scratch) * inv_sum;
            if (kept >= top_p) lo = mid; else hi = mid;
        }
        tau = lo;
    }
    // Each thread owns a contiguous run of ids; a scan of the runs' kept mass finds the run the
    // draw lands in, then that thread walks its run.
    const int per = (vocab + blockDim.x - 1) / blockDim.x;
    const int i0 = tid * per, i1 = min(vocab, i0 + per);
    float mine = 0.0f;
    for (int i = i0; i < i1; i++) {
        const float w = __expf(row[i] * inv_t - mx);
        if (w >= tau) mine += w;
    }
    chunk_sums[tid] = mine;
    if (tid == 0) found = 0;
    __syncthreads();
    for (int o = 1; o < (int)blockDim.x; o <<= 1) { // inclusive Hillis-Steele scan
        const float add = tid >= o ? chunk_sums[tid - o] : 0.0f;
        __syncthreads();
        chunk_sums[tid] += add;
        __syncthreads();
    }
    const float total = chunk_sums[blockDim.x - 1];
    const float target = uniforms[r] * total;
    const float before = tid > 0 ? chunk_sums[tid - 1] : 0.0f;
    if (mine > 0.0f && target >= before && target < chunk_sums[tid]) {
        float c = before;
        int pick = -1, last = -1;
        for (int i = i0; i < i1; i++) {
            const float w = __expf(row[i] * inv_t - mx);
            if (w < tau) continue;
            last = i;
            c += w;
            if (target < c) { pick = i; break; }
        }
        if (atomicCAS(&found, 0, 1) == 0) out[r] = pick >= 0 ? pick : last;
    }
    __syncthreads();
    // Rounding left the draw past every run (target ~ total): the last kept id.
    if (tid == blockDim.x - 1 && !found) {
        for (int t = blockDim.x - 1; t >= 0; t--) {
            if ((t > 0 ? chunk_sums[t] - chunk_sums[t - 1] : chunk_sums[0]) > 0.0f) {
                const int a = t * per, b = min(vocab, a + per);
                for (int i = b - 1; i >= a; i--)
                    if (__expf(row[i] * inv_t - mx) >= tau) { out[r] = i; return; }
            }
        }
        out[r] = 0;
    }
}

} // namespace kvd

using namespace kvd;

extern "C" int32_t kvd_cuda_k_sample(const float *logits, int32_t rows, int32_t vocab, float temperature, float top_p,
                                     const float *uniforms, int32_t *out, void *stream, kvd_cuda_error *err) {
    if (rows < 0 || vocab <= 0) return fail(err, KVD_CUDA_ERR_INVALID, "sample: rows %d vocab %d", rows, vocab);
    if (temperature > 0.0f && !(top_p > 0.0f && top_p <= 1.0f))
        return fail(err, KVD_CUDA_ERR_INVALID, "sample: top_p %g is outside (0, 1]", (double)top_p);
    if (temperature > 0.0f && !uniforms) return fail(err, KVD_CUDA_ERR_INVALID, "sample: a temperature needs uniforms");
    if (rows == 0) return ok(err);
    sample_kernel<<<rows, kSampleThreads, 0, as_stream(stream)>>>(logits, vocab, temperature, top_p, uniforms, out);
    KVD_CUDA_LAUNCHED(err, "sample kernel launch");
    return ok(err);
}

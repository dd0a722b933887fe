// A runner: one paged KV cache (vLLM's layout), activation scratch, a stream and a cuBLAS handle
// over a shared model, and the forward step. The step is the only path from a batch to logits:
// the Swift engine and the GPU check script both call kvd_cuda_forward.
#include <math.h>
#include <string.h>
#include <algorithm>
#include <vector>
#include "model.h"

using namespace kvd;

struct kvd_cuda_runner {
    kvd_cuda_model *m = nullptr;
    kvd_cuda_runner_options o{};
    cudaStream_t stream = nullptr;
    kvd_cuda_blas *blas = nullptr;
    int32_t block_count = 0;
    void *kv = nullptr;
    size_t kv_layer_bytes = 0; // K (or V) of one layer
    int64_t kv_bytes = 0, scratch_bytes = 0;
    std::vector<void *> scratch;
    // Activations for max_batch_tokens tokens (N) and max_logit_rows rows (M).
    float *x = nullptr, *qkv = nullptr, *gu = nullptr, *logits = nullptr, *cs = nullptr, *sn = nullptr;
    void *xn = nullptr, *att = nullptr, *act = nullptr;
    float *uniforms = nullptr;
    int32_t *sampled = nullptr;
    // Per-step metadata: pinned on the host, copied in one transfer; grown as batches need.
    int32_t *meta_h = nullptr, *meta_d = nullptr;
    size_t meta_cap = 0;
    void *workspace = nullptr;
    size_t workspace_cap = 0;

    kvd_cuda_attn_shape shape() const {
        const kvd_cuda_model_config &c = m->config;
        return {c.head_count, c.kv_head_count, c.head_dim, o.block_size, block_count, m->dtype,
                1.0f / sqrtf((float)c.head_dim)};
    }
    void *kcache(int l) const { return static_cast<char *>(kv) + (size_t)(2 * l) * kv_layer_bytes; }
    void *vcache(int l) const { return static_cast<char *>(kv) + (size_t)(2 * l + 1) * kv_layer_bytes; }
};

namespace {

int32_t scratch_alloc(kvd_cuda_runner *r, void **p, size_t bytes, kvd_cuda_error *err) {
    KVD_CUDA_TRY(err, "cudaMalloc (runner scratch)", cudaMalloc(p, bytes < 256 ? 256 : bytes));
    r->scratch.push_back(*p);
    r->scratch_bytes += (int64_t)bytes;
    return KVD_CUDA_OK;
}

void release(kvd_cuda_runner *r) {
    if (r->m) cudaSetDevice(r->m->device);
    if (r->stream) cudaStreamSynchronize(r->stream);
    for (void *p : r->scratch) cudaFree(p);
    if (r->kv) cudaFree(r->kv);
    if (r->meta_d) cudaFree(r->meta_d);
    if (r->meta_h) cudaFreeHost(r->meta_h);
    if (r->workspace) cudaFree(r->workspace);
    kvd_cuda_blas_destroy(r->blas);
    if (r->stream) cudaStreamDestroy(r->stream);
    delete r;
}

// ForwardBatch.validate, in C: everything the kernels index with, checked before the GPU is touched.
int32_t validate(const kvd_cuda_runner *r, const kvd_cuda_batch *b, kvd_cuda_error *err) {
    const int bs = r->o.block_size, vocab = r->m->config.vocab_size;
    if (b->num_tokens < 0 || b->num_slices < 0 || b->table_entries < 0)
        return fail(err, KVD_CUDA_ERR_INVALID, "negative counts in the batch");
    if (b->num_tokens > r->o.max_batch_tokens)
        return fail(err, KVD_CUDA_ERR_INVALID, "%d tokens exceed the runner's max_batch_tokens %d", b->num_tokens, r->o.max_batch_tokens);
    if (b->num_tokens > 0 && (!b->tokens || !b->positions || !b->slot_mapping))
        return fail(err, KVD_CUDA_ERR_INVALID, "tokens, positions and slot_mapping must be given");
    if (b->num_slices > 0 && (!b->token_start || !b->token_count || !b->context_len || !b->table_start ||
                              !b->table_len || !b->wants_logits || (b->table_entries > 0 && !b->block_tables)))
        return fail(err, KVD_CUDA_ERR_INVALID, "the per-slice arrays must be given");
    int next = 0, rows = 0;
    for (int s = 0; s < b->num_slices; s++) {
        const int start = b->token_start[s], count = b->token_count[s], ctx = b->context_len[s];
        if (start != next || count < 1 || start + count > b->num_tokens)
            return fail(err, KVD_CUDA_ERR_INVALID, "slice %d covers tokens %d..<%d, expected a non-empty range starting at %d within %d",
                        s, start, start + count, next, b->num_tokens);
        next = start + count;
        const int needed = (ctx + bs - 1) / bs;
        if (ctx < count || b->table_len[s] < needed || b->table_start[s] < 0 ||
            b->table_start[s] + b->table_len[s] > b->table_entries)
            return fail(err, KVD_CUDA_ERR_INVALID, "slice %d: context %d with %d new tokens needs %d blocks; its table has %d at %d of %d entries",
                        s, ctx, count, needed, b->table_len[s], b->table_start[s], b->table_entries);
        const int32_t *table = b->block_tables + b->table_start[s];
        for (int j = 0; j < needed; j++)
            if (table[j] < 0 || table[j] >= r->block_count)
                return fail(err, KVD_CUDA_ERR_INVALID, "slice %d: block %d is outside the cache's %d blocks", s, table[j], r->block_count);
        const int first = ctx - count;
        for (int i = 0; i < count; i++) {
            const int t = start + i, pos = first + i;
            if (b->tokens[t] < 0 || b->tokens[t] >= vocab)
                return fail(err, KVD_CUDA_ERR_INVALID, "token %d is id %d, outside the vocabulary of %d", t, b->tokens[t], vocab);
            if (b->positions[t] != pos)
                return fail(err, KVD_CUDA_ERR_INVALID, "token %d of slice %d has position %d, expected %d from its context length", t, s, b->positions[t], pos);
            const int slot = table[pos / bs] * bs + pos % bs;
            if (b->slot_mapping[t] != slot)
                return fail(err, KVD_CUDA_ERR_INVALID, "token %d of slice %d maps to slot %d, but its block table puts position %d at slot %d",
                            t, s, b->slot_mapping[t], pos, slot);
        }
        rows += b->wants_logits[s] ? 1 : 0;
    }
    if (next != b->num_tokens) return fail(err, KVD_CUDA_ERR_INVALID, "the slices cover %d of %d tokens", next, b->num_tokens);
    if (rows > r->o.max_logit_rows)
        return fail(err, KVD_CUDA_ERR_INVALID, "%d rows of logits exceed the runner's max_logit_rows %d", rows, r->o.max_logit_rows);
    return ok(err);
}

int32_t grow(kvd_cuda_runner *r, size_t ints, kvd_cuda_error *err) {
    if (ints <= r->meta_cap) return KVD_CUDA_OK;
    const size_t cap = std::max(ints, r->meta_cap * 2);
    if (r->meta_d) cudaFree(r->meta_d);
    if (r->meta_h) cudaFreeHost(r->meta_h);
    r->meta_d = nullptr;
    r->meta_h = nullptr;
    r->meta_cap = 0;
    KVD_CUDA_TRY(err, "cudaMalloc (step metadata)", cudaMalloc(&r->meta_d, cap * sizeof(int32_t)));
    KVD_CUDA_TRY(err, "cudaHostAlloc (step metadata)", cudaHostAlloc((void **)&r->meta_h, cap * sizeof(int32_t), cudaHostAllocDefault));
    r->meta_cap = cap;
    return KVD_CUDA_OK;
}

} // namespace

extern "C" int32_t kvd_cuda_runner_create(kvd_cuda_model *m, const kvd_cuda_runner_options *opt, kvd_cuda_runner **out,
                                          kvd_cuda_error *err) {
    if (!m || !opt || !out) return fail(err, KVD_CUDA_ERR_INVALID, "kvd_cuda_runner_create: NULL argument");
    *out = nullptr;
    if (opt->block_size < 1 || opt->block_size > KVD_CUDA_MAX_BLOCK_SIZE)
        return fail(err, KVD_CUDA_ERR_UNSUPPORTED, "block size %d is outside 1...%d", opt->block_size, KVD_CUDA_MAX_BLOCK_SIZE);
    if (opt->max_batch_tokens < 1 || opt->max_logit_rows < 1)
        return fail(err, KVD_CUDA_ERR_INVALID, "max_batch_tokens %d and max_logit_rows %d must be at least 1", opt->max_batch_tokens, opt->max_logit_rows);
    if (opt->kv_cache_bytes < 0 || (opt->kv_cache_bytes == 0 && !(opt->gpu_memory_utilization > 0.0f && opt->gpu_memory_utilization <= 1.0f)))
        return fail(err, KVD_CUDA_ERR_INVALID, "gpu_memory_utilization %g is outside (0, 1]", (double)opt->gpu_memory_utilization);
    KVD_CUDA_TRY(err, "cudaSetDevice", cudaSetDevice(m->device));
    kvd_cuda_runner *r = new kvd_cuda_runner();
    r->m = m;
    r->o = *opt;
    int32_t rc = KVD_CUDA_OK;
    auto bail = [&](int32_t code) { release(r); return code; };
    {
        cudaError_t e = cudaStreamCreateWithFlags(&r->stream, cudaStreamNonBlocking);
        if (e != cudaSuccess) return bail(fail(err, code_for(e), "cudaStreamCreate: %s", cudaGetErrorString(e)));
    }
    if ((rc = kvd_cuda_blas_create(&r->blas, err))) return bail(rc);

    const kvd_cuda_model_config &c = m->config;
    const size_t N = (size_t)opt->max_batch_tokens, M = (size_t)opt->max_logit_rows, eb = dtype_bytes(m->dtype);
    const size_t h = c.hidden_size, qd = (size_t)c.head_count * c.head_dim, kvd = (size_t)c.kv_head_count * c.head_dim;
    const size_t ffn = c.intermediate_size, half = c.head_dim / 2;
    struct { void **p; size_t bytes; } parts[] = {
        {(void **)&r->x, N * h * 4},          {(void **)&r->qkv, N * (qd + 2 * kvd) * 4},
        {(void **)&r->gu, N * 2 * ffn * 4},   {(void **)&r->logits, M * (size_t)c.vocab_size * 4},
        {(void **)&r->cs, N * half * 4},      {(void **)&r->sn, N * half * 4},
        {&r->xn, std::max(N, M) * h * eb},    {&r->att, N * qd * eb},
        {&r->act, N * ffn * eb},              {(void **)&r->uniforms, M * 4},
        {(void **)&r->sampled, M * 4},
    };
    for (auto &p : parts)
        if ((rc = scratch_alloc(r, p.p, p.bytes, err))) return bail(rc);

    // The KV cache: what is left of total * utilization once everything else is allocated
    // (vLLM's determine_available_memory), or the bytes asked for.
    size_t free_b = 0, total_b = 0;
    {
        cudaError_t e = cudaMemGetInfo(&free_b, &total_b);
        if (e != cudaSuccess) return bail(fail(err, code_for(e), "cudaMemGetInfo: %s", cudaGetErrorString(e)));
    }
    const size_t per_block = 2 * (size_t)c.layer_count * kvd * (size_t)opt->block_size * eb;
    int64_t budget;
    if (opt->kv_cache_bytes > 0) {
        budget = opt->kv_cache_bytes;
    } else {
        const int64_t requested = (int64_t)ceil((double)total_b * opt->gpu_memory_utilization);
        const int64_t in_use = (int64_t)(total_b - free_b);
        budget = requested - in_use;
        if (budget < (int64_t)per_block)
            return bail(fail(err, KVD_CUDA_ERR_OUT_OF_MEMORY,
                             "gpu_memory_utilization %.2f of %.2f GiB allows %.2f GiB, but %.2f GiB is already in use (weights %.2f GiB, "
                             "scratch %.2f GiB, the CUDA context and other processes): no room for one KV block of %zu bytes; "
                             "raise --gpu-memory-utilization",
                             (double)opt->gpu_memory_utilization, total_b / 1073741824.0, requested / 1073741824.0,
                             in_use / 1073741824.0, m->bytes / 1073741824.0, r->scratch_bytes / 1073741824.0, per_block));
    }
    int64_t blocks = budget / (int64_t)per_block;
    blocks = std::min<int64_t>(blocks, INT32_MAX / opt->block_size);
    if (blocks < 1)
        return bail(fail(err, KVD_CUDA_ERR_OUT_OF_MEMORY, "a KV cache of %lld bytes holds no block of %d tokens (%zu bytes each)",
                         (long long)budget, opt->block_size, per_block));
    r->block_count = (int32_t)blocks;
    r->kv_layer_bytes = per_block / (2 * c.layer_count) * (size_t)blocks;
    r->kv_bytes = (int64_t)(per_block * (size_t)blocks);
    {
        cudaError_t e = cudaMalloc(&r->kv, (size_t)r->kv_bytes);
        if (e != cudaSuccess)
            return bail(fail(err, code_for(e), "cudaMalloc of the KV cache (%lld blocks, %.2f GiB): %s", (long long)blocks,
                             r->kv_bytes / 1073741824.0, cudaGetErrorString(e)));
    }
    *out = r;
    return ok(err);
}

extern "C" void kvd_cuda_runner_destroy(kvd_cuda_runner *r) {
    if (r) release(r);
}

extern "C" int32_t kvd_cuda_runner_info_get(kvd_cuda_runner *r, kvd_cuda_runner_info *info, kvd_cuda_error *err) {
    if (!r || !info) return fail(err, KVD_CUDA_ERR_INVALID, "kvd_cuda_runner_info_get: NULL argument");
    KVD_CUDA_TRY(err, "cudaSetDevice", cudaSetDevice(r->m->device));
    size_t free_b = 0, total_b = 0;
    KVD_CUDA_TRY(err, "cudaMemGetInfo", cudaMemGetInfo(&free_b, &total_b));
    info->block_count = r->block_count;
    info->block_size = r->o.block_size;
    info->kv_cache_bytes = r->kv_bytes;
    info->scratch_bytes = r->scratch_bytes;
    info->weight_bytes = r->m->bytes;
    info->device_free_bytes = (int64_t)free_b;
    info->device_total_bytes = (int64_t)total_b;
    return ok(err);
}

extern "C" int32_t kvd_cuda_forward(kvd_cuda_runner *r, const kvd_cuda_batch *b, const kvd_cuda_sampling *sampling,
                                    float *logits_out, int32_t *sampled_out, kvd_cuda_error *err) {
    if (!r || !b) return fail(err, KVD_CUDA_ERR_INVALID, "kvd_cuda_forward: NULL runner or batch");
    if (sampled_out && !sampling) return fail(err, KVD_CUDA_ERR_INVALID, "sampled tokens need sampling parameters");
    int32_t rc = validate(r, b, err);
    if (rc) return rc;
    const int n = b->num_tokens;
    if (n == 0) return ok(err);
    const kvd_cuda_model *m = r->m;
    const kvd_cuda_model_config &c = m->config;
    const int dt = m->dtype;
    const int h = c.hidden_size, hd = c.head_dim, qd = c.head_count * hd, kvd = c.kv_head_count * hd;
    const int ld_qkv = qd + 2 * kvd, ffn = c.intermediate_size;
    const kvd_cuda_attn_shape shape = r->shape();
    const int tile_tokens = kvd_cuda_prefill_tile_tokens(&shape);
    KVD_CUDA_TRY(err, "cudaSetDevice", cudaSetDevice(m->device));

    // Per-token attention metadata, decode list, prefill tiles, logits rows.
    int ndec = 0, ntiles = 0, rows = 0, max_dec_ctx = 1;
    for (int s = 0; s < b->num_slices; s++) {
        if (b->token_count[s] == 1) {
            ndec++;
            max_dec_ctx = std::max(max_dec_ctx, b->context_len[s]);
        } else {
            ntiles += (b->token_count[s] + tile_tokens - 1) / tile_tokens;
        }
        rows += b->wants_logits[s] ? 1 : 0;
    }
    // Layout of the metadata block (int32 offsets).
    const size_t o_tok = 0, o_pos = n, o_slot = 2 * (size_t)n, o_ctx = 3 * (size_t)n, o_toff = 4 * (size_t)n,
                 o_dec = 5 * (size_t)n, o_ts = 6 * (size_t)n, o_tc = o_ts + ntiles, o_rows = o_tc + ntiles,
                 o_uni = o_rows + rows, o_tab = o_uni + rows, total = o_tab + (size_t)b->table_entries;
    if ((rc = grow(r, total, err))) return rc;
    int32_t *H = r->meta_h;
    memcpy(H + o_tok, b->tokens, n * 4);
    memcpy(H + o_pos, b->positions, n * 4);
    memcpy(H + o_slot, b->slot_mapping, n * 4);
    if (b->table_entries) memcpy(H + o_tab, b->block_tables, (size_t)b->table_entries * 4);
    int di = 0, ti = 0, ri = 0;
    for (int s = 0; s < b->num_slices; s++) {
        const int start = b->token_start[s], count = b->token_count[s], first = b->context_len[s] - count;
        for (int i = 0; i < count; i++) {
            H[o_ctx + start + i] = first + i + 1;
            H[o_toff + start + i] = b->table_start[s];
        }
        if (count == 1) {
            H[o_dec + di++] = start;
        } else {
            for (int i = 0; i < count; i += tile_tokens) {
                H[o_ts + ti] = start + i;
                H[o_tc + ti] = std::min(tile_tokens, count - i);
                ti++;
            }
        }
        if (b->wants_logits[s]) {
            if (sampling && sampling->temperature > 0.0f) {
                const float u = sampling->uniforms ? sampling->uniforms[ri] : 0.0f;
                memcpy(H + o_uni + ri, &u, 4);
            }
            H[o_rows + ri++] = start + count - 1;
        }
    }
    if (sampling && sampling->temperature > 0.0f && !sampling->uniforms && rows > 0)
        return fail(err, KVD_CUDA_ERR_INVALID, "sampling at a temperature needs one uniform number per row");
    cudaStream_t st = r->stream;
    void *S = st;
    KVD_CUDA_TRY(err, "copying the step's metadata", cudaMemcpyAsync(r->meta_d, H, total * 4, cudaMemcpyHostToDevice, st));
    const int32_t *D = r->meta_d;

    // The split-K decode when long contexts meet few sequences (vLLM's v1/v2 rule).
    const int parts = (max_dec_ctx + KVD_CUDA_PARTITION_SIZE - 1) / KVD_CUDA_PARTITION_SIZE;
    const int partition = (ndec > 0 && parts > 1 && ndec * c.head_count <= 512)
                              ? std::max(shape.block_size, KVD_CUDA_PARTITION_SIZE / shape.block_size * shape.block_size)
                              : 0;
    if (partition) {
        const size_t need = (size_t)kvd_cuda_attention_workspace_bytes(&shape, ndec, max_dec_ctx, partition);
        if (need > r->workspace_cap) {
            if (r->workspace) cudaFree(r->workspace);
            r->workspace = nullptr;
            r->workspace_cap = 0;
            KVD_CUDA_TRY(err, "cudaMalloc (split-K decode workspace)", cudaMalloc(&r->workspace, need));
            r->workspace_cap = need;
        }
    }

#define STEP(call) \
    do {           \
        rc = (call); \
        if (rc) { cudaStreamSynchronize(st); return rc; } \
    } while (0)
    const float eps = c.rms_norm_eps;
    STEP(kvd_cuda_k_embed(m->embedding, dt, c.vocab_size, h, D + o_tok, n, r->x, S, err));
    STEP(kvd_cuda_k_rope_table(D + o_pos, n, hd, c.rope_theta, r->cs, r->sn, S, err));
    for (int l = 0; l < c.layer_count; l++) {
        const model_layer &L = m->layers[l];
        float *q = r->qkv, *k = r->qkv + qd, *v = r->qkv + qd + kvd;
        STEP(kvd_cuda_k_rmsnorm(r->x, h, 1, nullptr, L.attn_norm, dt, r->xn, n, h, eps, S, err));
        STEP(kvd_cuda_k_gemm(r->blas, dt, L.qkv, r->xn, r->qkv, ld_qkv, h, n, ld_qkv, 0.0f, S, err));
        if (L.qkv_bias) STEP(kvd_cuda_k_add_bias(r->qkv, ld_qkv, L.qkv_bias, n, ld_qkv, S, err));
        if (L.q_norm) {
            STEP(kvd_cuda_k_rmsnorm_heads(q, ld_qkv, c.head_count, L.q_norm, n, hd, eps, S, err));
            STEP(kvd_cuda_k_rmsnorm_heads(k, ld_qkv, c.kv_head_count, L.k_norm, n, hd, eps, S, err));
        }
        // q and k are adjacent in a row: one launch rotates all their heads.
        STEP(kvd_cuda_k_rope(q, n, ld_qkv, c.head_count + c.kv_head_count, hd, r->cs, r->sn, c.rope_layout, S, err));
        STEP(kvd_cuda_k_reshape_and_cache(&shape, k, v, ld_qkv, D + o_slot, n, r->kcache(l), r->vcache(l), S, err));
        if (ndec)
            STEP(kvd_cuda_k_paged_attention_decode(&shape, q, ld_qkv, r->att, qd, r->kcache(l), r->vcache(l), D + o_dec, ndec,
                                                   D + o_ctx, D + o_tab, D + o_toff, max_dec_ctx, partition, r->workspace, S, err));
        if (ntiles)
            STEP(kvd_cuda_k_paged_attention_prefill(&shape, q, ld_qkv, r->att, qd, r->kcache(l), r->vcache(l), D + o_ts, D + o_tc,
                                                    ntiles, D + o_ctx, D + o_tab, D + o_toff, S, err));
        STEP(kvd_cuda_k_gemm(r->blas, dt, L.o, r->att, r->x, h, qd, n, h, 1.0f, S, err)); // + residual
        STEP(kvd_cuda_k_rmsnorm(r->x, h, 1, nullptr, L.ffn_norm, dt, r->xn, n, h, eps, S, err));
        STEP(kvd_cuda_k_gemm(r->blas, dt, L.gate_up, r->xn, r->gu, 2 * ffn, h, n, 2 * ffn, 0.0f, S, err));
        STEP(kvd_cuda_k_swiglu(r->gu, 2 * ffn, dt, r->act, n, ffn, S, err));
        STEP(kvd_cuda_k_gemm(r->blas, dt, L.down, r->act, r->x, h, ffn, n, h, 1.0f, S, err)); // + residual
    }
    if (rows > 0) {
        // Only the rows that want logits go through the final norm and the vocabulary matrix.
        STEP(kvd_cuda_k_rmsnorm(r->x, h, 1, D + o_rows, m->output_norm, dt, r->xn, rows, h, eps, S, err));
        STEP(kvd_cuda_k_gemm(r->blas, dt, m->output, r->xn, r->logits, c.vocab_size, h, rows, c.vocab_size, 0.0f, S, err));
        if (sampled_out) {
            STEP(kvd_cuda_k_sample(r->logits, rows, c.vocab_size, sampling->temperature, sampling->top_p,
                                   reinterpret_cast<const float *>(D + o_uni), r->sampled, S, err));
            KVD_CUDA_TRY(err, "copying sampled tokens", cudaMemcpyAsync(sampled_out, r->sampled, (size_t)rows * 4, cudaMemcpyDeviceToHost, st));
        }
        if (logits_out)
            KVD_CUDA_TRY(err, "copying logits", cudaMemcpyAsync(logits_out, r->logits, (size_t)rows * c.vocab_size * 4,
                                                                cudaMemcpyDeviceToHost, st));
    }
#undef STEP
    KVD_CUDA_TRY(err, "the forward step", cudaStreamSynchronize(st));
    return ok(err);
}

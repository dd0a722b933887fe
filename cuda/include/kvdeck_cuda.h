#ifndef KVDECK_CUDA_H
#define KVDECK_CUDA_H
/* The C ABI of libkvdeck_cuda.so: kvdeck's CUDA backend (cuda/README.md).
 *
 * Callers (the Swift engine, cuda/check/check.py) load the library with dlopen and look every
 * function up with dlsym, so a machine without the library, a GPU or a driver still runs kvdeck
 * on the CPU. Each function NAME below therefore also has a pointer type NAME_fn, for dlsym.
 *
 * Three layers:
 *  1. device query (works without a GPU: it reports why there is none);
 *  2. a model (weights uploaded once, shared) and runners over it (each owns a paged KV cache,
 *     its scratch, a stream and a cuBLAS handle), with one forward step over a batch described
 *     as the engine's ForwardBatch describes it;
 *  3. every kernel on raw device pointers (kvd_cuda_k_*), which the forward step itself calls and
 *     which the GPU check script drives one by one against the CPU reference kernels.
 *
 * Errors: every function returns KVD_CUDA_OK (0) or a KVD_CUDA_ERR_* code and, when `err` is not
 * NULL, fills it with the code and a sentence a person can act on. Nothing aborts the process.
 * Bump KVD_CUDA_ABI_VERSION with any change here: a library built from another version of this
 * header is refused at load (kvd_cuda_abi_version). */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KVD_CUDA_ABI_VERSION 1

#if defined(__GNUC__)
#define KVD_CUDA_EXPORT __attribute__((visibility("default")))
#else
#define KVD_CUDA_EXPORT
#endif

/* Declares function NAME and its pointer type NAME_fn (for dlsym) from one signature. */
#define KVD_CUDA_FUNCTION(ret, name, params) \
    KVD_CUDA_EXPORT ret name params;         \
    typedef ret(*name##_fn) params;

enum {
    KVD_CUDA_OK = 0,
    KVD_CUDA_ERR_NO_DEVICE = 1,     /* no GPU, or no driver, or a driver too old for the runtime */
    KVD_CUDA_ERR_INVALID = 2,       /* an argument is out of range (the message names it) */
    KVD_CUDA_ERR_OUT_OF_MEMORY = 3, /* GPU memory exhausted, or nothing left for the KV cache */
    KVD_CUDA_ERR_CUBLAS = 4,        /* libcublas missing, or a cuBLAS call failed */
    KVD_CUDA_ERR_CUDA = 5,          /* any other CUDA runtime error (the message has its name) */
    KVD_CUDA_ERR_UNSUPPORTED = 6,   /* a shape or type the kernels do not take */
};

#define KVD_CUDA_MESSAGE_BYTES 512
typedef struct {
    int32_t code;
    char message[KVD_CUDA_MESSAGE_BYTES]; /* NUL-terminated */
} kvd_cuda_error;

/* Element types on the GPU: weights (after dequantisation), GEMM inputs, attention output and the
 * KV cache. The residual stream, norms, RoPE and logits are always float32.
 *  F32: cuBLAS SGEMM without TF32, the exact path (matches the CPU's float32 reference);
 *  F16 / BF16: tensor-core GEMMs with float32 accumulation and float32 outputs. */
enum {
    KVD_CUDA_DTYPE_F32 = 0,
    KVD_CUDA_DTYPE_F16 = 1,
    KVD_CUDA_DTYPE_BF16 = 2,
};

/* ggml's tensor type numbers as GGUF stores them (the types the CPU kernels take). */
enum {
    KVD_CUDA_GGML_F32 = 0,
    KVD_CUDA_GGML_F16 = 1,
    KVD_CUDA_GGML_Q4_0 = 2,
    KVD_CUDA_GGML_Q4_1 = 3,
    KVD_CUDA_GGML_Q8_0 = 8,
    KVD_CUDA_GGML_BF16 = 30,
};

enum {
    KVD_CUDA_ROPE_HALF_SPLIT = 0,     /* HF: element j pairs with j + head_dim/2 */
    KVD_CUDA_ROPE_ADJACENT_PAIRS = 1, /* Meta / llama GGUF: element 2j pairs with 2j+1 */
};

/* Kernel limits (the forward step refuses models outside them with KVD_CUDA_ERR_UNSUPPORTED). */
#define KVD_CUDA_MAX_HEAD_DIM 256
#define KVD_CUDA_MAX_GROUP 16        /* query heads per KV head */
#define KVD_CUDA_MAX_BLOCK_SIZE 256  /* tokens per KV block */
#define KVD_CUDA_PARTITION_SIZE 512  /* keys per partition of the split-K decode (vLLM's v2) */

/* ---------------------------------------------------------------- 1. devices */

typedef struct {
    char name[256];
    int64_t free_bytes;  /* cudaMemGetInfo */
    int64_t total_bytes;
    int32_t major, minor; /* compute capability */
    int32_t multiprocessors;
    int32_t driver_version;  /* cudaDriverGetVersion, e.g. 13000 */
    int32_t runtime_version; /* cudaRuntimeGetVersion of this build */
    int32_t memory_bus_bits;
    int64_t memory_clock_khz;
} kvd_cuda_device_info;

/* KVD_CUDA_ABI_VERSION as the library was compiled. */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_abi_version, (void))
/* Devices visible (0 with KVD_CUDA_ERR_NO_DEVICE and the driver's reason when none). */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_device_count, (int32_t *count, kvd_cuda_error *err))
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_device_info_get, (int32_t device, kvd_cuda_device_info *info, kvd_cuda_error *err))

/* ---------------------------------------------------------------- 2. model, runner, forward */

/* The architecture, as Engine's ModelConfig holds it. */
typedef struct {
    int32_t vocab_size;
    int32_t hidden_size;
    int32_t intermediate_size;
    int32_t layer_count;
    int32_t head_count;
    int32_t kv_head_count;
    int32_t head_dim;
    int32_t rope_layout; /* KVD_CUDA_ROPE_* */
    float rope_theta;
    float rms_norm_eps;
    int32_t tied_embeddings; /* 1: the output matrix is token_embd.weight */
    int32_t attention_bias;  /* 1: blk.N.attn_{q,k,v}.bias (Qwen2) */
    int32_t qk_norm;         /* 1: blk.N.attn_{q,k}_norm.weight (Qwen3) */
} kvd_cuda_model_config;

/* One tensor in host memory (a GGUF memory map), under its GGUF name (token_embd.weight,
 * blk.N.attn_q.weight, ...; the naming of Engine's ModelWeights). dims in ggml order, innermost
 * first: a linear layer is {nin, nout}; a vector is {n, 1}. */
typedef struct {
    const char *name;
    int32_t type; /* KVD_CUDA_GGML_* */
    int32_t dim_count;
    int64_t dims[4];
    const void *data;
    int64_t bytes;
} kvd_cuda_tensor;

typedef struct kvd_cuda_model kvd_cuda_model;
typedef struct kvd_cuda_runner kvd_cuda_runner;

/* Uploads and dequantises every tensor the architecture needs (looked up by name in `tensors`) to
 * `dtype` on `device`; q/k/v and gate/up are fused into one matrix each. */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_model_create,
                  (int32_t device, const kvd_cuda_model_config *config, int32_t dtype,
                   const kvd_cuda_tensor *tensors, int32_t tensor_count, kvd_cuda_model **out,
                   kvd_cuda_error *err))
/* Frees the weights; every runner over the model must be destroyed first. */
KVD_CUDA_FUNCTION(void, kvd_cuda_model_destroy, (kvd_cuda_model *model))
/* Bytes of GPU memory the weights take. */
KVD_CUDA_FUNCTION(int64_t, kvd_cuda_model_bytes, (const kvd_cuda_model *model))

/* How a runner sizes itself. The scratch for max_batch_tokens tokens (and max_logit_rows rows of
 * logits) is allocated first; then, as vLLM's determine_available_memory does, the KV cache gets
 * total * gpu_memory_utilization minus everything already in use on the device (weights, scratch,
 * the CUDA context, other processes), in whole blocks; kv_cache_bytes > 0 gives it that many bytes
 * instead (vLLM's --kv-cache-memory-bytes). */
typedef struct {
    int32_t block_size;
    int32_t max_batch_tokens;
    int32_t max_logit_rows;
    float gpu_memory_utilization; /* (0, 1] */
    int64_t kv_cache_bytes;       /* 0: from gpu_memory_utilization */
} kvd_cuda_runner_options;

/* What a runner holds, for `cache_config_info` and the console. */
typedef struct {
    int32_t block_count;
    int32_t block_size;
    int64_t kv_cache_bytes;
    int64_t scratch_bytes;
    int64_t weight_bytes;
    int64_t device_free_bytes; /* after the runner's allocations */
    int64_t device_total_bytes;
} kvd_cuda_runner_info;

KVD_CUDA_FUNCTION(int32_t, kvd_cuda_runner_create,
                  (kvd_cuda_model *model, const kvd_cuda_runner_options *options, kvd_cuda_runner **out,
                   kvd_cuda_error *err))
KVD_CUDA_FUNCTION(void, kvd_cuda_runner_destroy, (kvd_cuda_runner *runner))
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_runner_info_get, (kvd_cuda_runner *runner, kvd_cuda_runner_info *info, kvd_cuda_error *err))

/* One forward step, exactly Engine's ForwardBatch: num_tokens new tokens of every scheduled
 * sequence, flattened, and per slice (sequence) the range of its tokens, its context length once
 * the step has run, its block table and whether it wants logits. Token i of slice s sits at
 * position context_len[s] - token_count[s] + i, its K/V goes to cache slot slot_mapping[token]
 * (= block_table[pos / block_size] * block_size + pos % block_size) and it attends to positions
 * 0...its own (causal). All pointers are host memory. The step validates all of this first, as
 * ForwardBatch.validate does, and refuses (KVD_CUDA_ERR_INVALID) before touching the GPU. */
typedef struct {
    int32_t num_tokens;
    const int32_t *tokens;       /* [num_tokens] */
    const int32_t *positions;    /* [num_tokens] */
    const int32_t *slot_mapping; /* [num_tokens] */
    int32_t num_slices;
    const int32_t *token_start;  /* [num_slices] first index into tokens; slices cover tokens in order */
    const int32_t *token_count;  /* [num_slices] */
    const int32_t *context_len;  /* [num_slices] */
    const int32_t *table_start;  /* [num_slices] first index into block_tables */
    const int32_t *table_len;    /* [num_slices] */
    int32_t table_entries;       /* length of block_tables */
    const int32_t *block_tables; /* concatenated block tables */
    const int32_t *wants_logits; /* [num_slices] 0 or 1 */
} kvd_cuda_batch;

/* Sampling on the GPU for the rows that want logits: greedy when temperature <= 0, else softmax
 * at the temperature, the smallest most-likely set whose mass reaches top_p (1: all), and a draw
 * with the caller's uniform number in [0, 1) per row (so a host generator keeps runs repeatable). */
typedef struct {
    float temperature;
    float top_p;
    const float *uniforms; /* [rows] host; unused when greedy */
} kvd_cuda_sampling;

/* Runs the step. logits (host, [rows][vocab_size] float, rows = slices with wants_logits, in slice
 * order) and sampled (host, [rows] token ids, needs `sampling`) may each be NULL when not wanted. */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_forward,
                  (kvd_cuda_runner *runner, const kvd_cuda_batch *batch, const kvd_cuda_sampling *sampling,
                   float *logits, int32_t *sampled, kvd_cuda_error *err))

/* ---------------------------------------------------------------- 3. kernels on device pointers
 * All pointers are device memory; `stream` is a cudaStream_t (NULL: the legacy default stream).
 * The launches are asynchronous: the caller synchronises. float32 unless a dtype says otherwise. */

/* dst[i] = value i of a row-major run of n values of GGML `type` (n a multiple of 32 for blocks). */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_k_dequantize,
                  (int32_t type, const void *src, int64_t n, int32_t dtype, void *dst, void *stream, kvd_cuda_error *err))

typedef struct kvd_cuda_blas kvd_cuda_blas;
/* A cuBLAS handle (libcublas is dlopen'd on first use: $KVDECK_CUBLAS_LIB, libcublas.so.13,
 * /usr/local/cuda/lib64/libcublas.so.13, libcublas.so). */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_blas_create, (kvd_cuda_blas **out, kvd_cuda_error *err))
KVD_CUDA_FUNCTION(void, kvd_cuda_blas_destroy, (kvd_cuda_blas *blas))
/* y[t][r] = beta * y[t][r] + sum_i w[r][i] * x[t][i]: w [nout][nin] and x [ntok][nin] of dtype,
 * y float32 with row stride ldy. */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_k_gemm,
                  (kvd_cuda_blas *blas, int32_t dtype, const void *w, const void *x, float *y, int32_t nout,
                   int32_t nin, int32_t ntok, int32_t ldy, float beta, void *stream, kvd_cuda_error *err))

/* out (dtype) row r = x row r / sqrt(mean(x^2) + eps) * w. Rows of n; row r of x is at
 * x + (r / per) * ldx + (r % per) * n (per = 1: plain rows; per = heads: each head of a token,
 * Qwen3's q/k norm), and row r of out at out + r * n. rows_index (or NULL) picks which x rows:
 * out row r comes from x row rows_index[r] (the logits rows). */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_k_rmsnorm,
                  (const float *x, int32_t ldx, int32_t per, const int32_t *rows_index, const float *w,
                   int32_t dtype, void *out, int32_t rows, int32_t n, float eps, void *stream, kvd_cuda_error *err))
/* In place, as kvd_rmsnorm but on strided per-head rows and float out: for Qwen3's q/k norms. */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_k_rmsnorm_heads,
                  (float *x, int32_t ld, int32_t heads, const float *w, int32_t ntok, int32_t head_dim, float eps,
                   void *stream, kvd_cuda_error *err))

/* cos/sin of pos * theta^(-2j/head_dim), j < head_dim/2, per token (float32 frequency, double
 * trigonometry: what the CPU's kvd_rope_table computes). cs and sn are [ntok][head_dim/2]. */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_k_rope_table,
                  (const int32_t *positions, int32_t ntok, int32_t head_dim, float theta, float *cs, float *sn,
                   void *stream, kvd_cuda_error *err))
/* Rotates in place nheads heads of head_dim per token (token t at x + t * ld), layout KVD_CUDA_ROPE_*. */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_k_rope,
                  (float *x, int32_t ntok, int32_t ld, int32_t nheads, int32_t head_dim, const float *cs,
                   const float *sn, int32_t layout, void *stream, kvd_cuda_error *err))
/* x[t][i] += bias[i] for i < n (row stride ld). */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_k_add_bias,
                  (float *x, int32_t ld, const float *bias, int32_t ntok, int32_t n, void *stream, kvd_cuda_error *err))
/* out (dtype) [rows][n] = silu(gate) * up, where gate row r is at gate_up + r * ld and up row r
 * at gate_up + r * ld + n (one fused gate/up product). */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_k_swiglu,
                  (const float *gate_up, int32_t ld, int32_t dtype, void *out, int32_t rows, int32_t n,
                   void *stream, kvd_cuda_error *err))
/* out[i] = row ids[i] of table (dtype, [vocab][dim]) as float32; ids outside the vocabulary give a
 * zero row (the forward step validates ids first). */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_k_embed,
                  (const void *table, int32_t dtype, int32_t vocab, int32_t dim, const int32_t *ids, int32_t n,
                   float *out, void *stream, kvd_cuda_error *err))

/* The paged KV cache of one layer, in vLLM's layout (x = 16 / element bytes):
 *   K [num_blocks][num_kv_heads][head_dim / x][block_size][x]
 *   V [num_blocks][num_kv_heads][head_dim][block_size] */
typedef struct {
    int32_t num_heads;
    int32_t num_kv_heads;
    int32_t head_dim;
    int32_t block_size;
    int32_t num_blocks;
    int32_t dtype; /* the cache's element type */
    float scale;   /* usually 1 / sqrt(head_dim) */
} kvd_cuda_attn_shape;

/* vLLM's reshape_and_cache: token t's K and V (num_kv_heads * head_dim floats at k + t * ld,
 * v + t * ld) to cache slot slots[t]; slots < 0 or past the cache are skipped. */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_k_reshape_and_cache,
                  (const kvd_cuda_attn_shape *shape, const float *k, const float *v, int32_t ld, const int32_t *slots,
                   int32_t ntok, void *kcache, void *vcache, void *stream, kvd_cuda_error *err))

/* Paged attention for decode: for each listed token (token_list[i], or i when NULL), every query
 * head attends to the first ctx_len[t] positions of its sequence, block j at
 * tables[table_offset[t] + j]; q at q + t * ldq (float), out (shape->dtype) at out + t * ldo.
 * partition_size 0: one CUDA block per (token, KV head) walks the whole context (vLLM's v1);
 * else a multiple of block_size up to KVD_CUDA_PARTITION_SIZE: the context is split into
 * partitions computed in parallel and merged by a second kernel (vLLM's v2, flash-decoding),
 * which needs `workspace` of kvd_cuda_attention_workspace_bytes. max_ctx bounds every ctx_len. */
KVD_CUDA_FUNCTION(int64_t, kvd_cuda_attention_workspace_bytes,
                  (const kvd_cuda_attn_shape *shape, int32_t ntok, int32_t max_ctx, int32_t partition_size))
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_k_paged_attention_decode,
                  (const kvd_cuda_attn_shape *shape, const float *q, int32_t ldq, void *out, int32_t ldo,
                   const void *kcache, const void *vcache, const int32_t *token_list, int32_t ntok,
                   const int32_t *ctx_len, const int32_t *tables, const int32_t *table_offset, int32_t max_ctx,
                   int32_t partition_size, void *workspace, void *stream, kvd_cuda_error *err))

/* Paged attention for prefill chunks: tile i covers tokens tile_start[i] ..< + tile_count[i] (at
 * most kvd_cuda_prefill_tile_tokens(shape) of them, consecutive positions of one sequence); each
 * token attends causally to its first ctx_len[t] positions through the block table, as above.
 * Each K/V block is read once per tile rather than once per token. */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_prefill_tile_tokens, (const kvd_cuda_attn_shape *shape))
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_k_paged_attention_prefill,
                  (const kvd_cuda_attn_shape *shape, const float *q, int32_t ldq, void *out, int32_t ldo,
                   const void *kcache, const void *vcache, const int32_t *tile_start, const int32_t *tile_count,
                   int32_t ntiles, const int32_t *ctx_len, const int32_t *tables, const int32_t *table_offset,
                   void *stream, kvd_cuda_error *err))

/* Sampling as kvd_cuda_sampling says, rows of vocab logits; uniforms and out are device [rows]. */
KVD_CUDA_FUNCTION(int32_t, kvd_cuda_k_sample,
                  (const float *logits, int32_t rows, int32_t vocab, float temperature, float top_p,
                   const float *uniforms, int32_t *out, void *stream, kvd_cuda_error *err))

#ifdef __cplusplus
}
#endif
#endif

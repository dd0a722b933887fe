#ifndef KVD_ATTENTION_H
#define KVD_ATTENTION_H
/* Paged attention over a block-table KV cache, one kernel for prefill chunks and decode steps.
 *
 * KV cache layout, per layer:
 *     K: float32 [num_blocks][num_kv_heads][head_dim][block_size]   (a block's keys transposed)
 *     V: float32 [num_blocks][num_kv_heads][block_size][head_dim]
 * Why: attention for one (token, KV head) walks the sequence's blocks and, inside each, reads one
 * contiguous run of block_size * head_dim floats (4 KiB for 16 x 64) for K and then for V — the
 * streaming access CPUs prefetch best — and the query heads of a GQA group (9 over 3 for the
 * default model) are computed together so each K/V row is read once for the group. K is stored
 * dimension-major inside a block so one vector holds the same dimension of 16 keys: a block's 16
 * scores are head_dim multiply-adds with q[d] broadcast, with no horizontal sum per key. V stays
 * key-major, as the weighted sum of its rows wants. Writing a token costs num_kv_heads scattered
 * copies, nothing by comparison. (vLLM's CUDA layout splits K by 16-byte vectors for coalesced
 * GPU loads; a CPU gains nothing from that.)
 *
 * Elements are float32 (KVD_KV_F32, exact) or IEEE half (KVD_KV_F16: K and V rounded to nearest
 * even when stored, widened exactly when read). Half halves the cache's memory and the bytes a
 * decode step reads from it, which at many sequences exceed the weights' bytes.
 *
 * Token t attends to the first ctx_len[t] positions of its sequence (its own position + 1, so
 * causality within a prefill chunk comes free once the chunk's K/V are stored), reading block j
 * of the sequence at cache block tables[table_offset[t] + j]. */
#include <stdint.h>
#include "kvd_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KVD_ATTN_MAX_HEAD_DIM 256
#define KVD_ATTN_MAX_GROUP 16
#define KVD_ATTN_MAX_BLOCK_SIZE 256

enum {
    KVD_KV_F32 = 0,
    KVD_KV_F16 = 1,
};

typedef struct {
    int num_heads;
    int num_kv_heads;
    int head_dim;
    int block_size;
    int num_blocks;
    float scale; /* usually 1 / sqrt(head_dim) */
    int kv_type; /* KVD_KV_F32 or KVD_KV_F16: the cache's element type */
} kvd_attn_shape;

/* 1 if the shape is within the limits above (and heads divide evenly, and kv_type is known). */
int kvd_attn_shape_valid(const kvd_attn_shape *s);

/* RoPE to apply before K is stored: each token's q (num_heads heads at q + t * ldq) and k rotated
 * in place by its row of cos/sin (kvd_rope_table; layout KVD_ROPE_*, kvd_ops.h), as kvd_rope
 * would. */
typedef struct {
    float *q;
    int ldq;
    const float *cos, *sin;
    int layout;
} kvd_kv_rope;

/* A forward pass's K and V for the cache: token t's (num_kv_heads * head_dim floats at k + t * ld,
 * v + t * ld) go to slot slots[t] = block * block_size + offset, q and k rotated first with rope
 * (may be NULL). one_token_per_sequence: no two tokens of the pass share a sequence (a decode
 * step), so no token's attention reads another token's K and V. */
typedef struct {
    float *k;
    const float *v;
    int ld;
    const int32_t *slots;
    const kvd_kv_rope *rope;
    int one_token_per_sequence;
} kvd_kv_write;

/* Stores the pass's K and V (rotated first), the tokens split over the pool's threads (pool may be
 * NULL). Slots out of range are skipped (the caller validates; this never writes outside the
 * cache). */
void kvd_kv_store(kvd_pool *pool, const kvd_attn_shape *s, void *kcache, void *vcache, const kvd_kv_write *w, int ntok);

/* out[t] (num_heads * head_dim floats at out + t * ldo) = softmax(q k^T * scale) v for each head,
 * q at q + t * ldq. isa: KVD_ISA_* (kvd_matmul.h). With write (may be NULL), the pass's K and V
 * are stored first (kvd_kv_store; in a decode step by the attention tasks themselves, one job in
 * all). With xq (may be NULL), out is also quantised there (kvd_quantize_rows' bytes in format
 * `wide`, KVD_XQ_*) for the output product: each task quantises the heads it wrote, in the same
 * pool job. Returns 0, or -1 for an invalid shape (or an xq with num_heads * head_dim not whole
 * blocks of 32). */
int kvd_attention(kvd_pool *pool, int isa, const kvd_attn_shape *s, void *kcache,
                  void *vcache, const float *q, int ldq, float *out, int ldo, int ntok,
                  const int32_t *ctx_len, const int32_t *tables, const int32_t *table_offset,
                  int wide, void *xq, const kvd_kv_write *write);

#ifdef __cplusplus
}
#endif
#endif

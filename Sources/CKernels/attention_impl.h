/* One (token, KV head) task of paged attention, instantiated per path by attention.c with
 * ATTN_TGT (target attribute), ATTN_NAME (function name), ATTN_KV_T (the cache's element type),
 * ATTN_SCORES(sc, q, nq, hd, kt, cnt, bs, scale, bmax) (for query heads g < nq at q + g * hd and
 * keys i < cnt stored transposed as kt[d * bs + i]: sc[g * bs + i] = (q_g . k_i) * scale and
 * bmax[g] = max over i), 
 * ATTN_ACCUMULATE(acc, w, nq, v, cnt, hd, bs) (for heads g < nq: acc[g * hd + d] +=
 * sum over i < cnt of w[g * bs + i] * v[i * hd + d]), ATTN_SCALE(y, a, n)
 * (y *= a) and ATTN_EXP_SUB(x, m, n) (x[i] = exp(x[i] - m), returning the sum).
 * It undefines those macros at its end, so the next instantiation defines them afresh.
 * Online softmax over blocks (FlashAttention's rescaling, once per block rather than per key):
 * no score buffer proportional to the context, one pass over K and V. */
ATTN_TGT static void ATTN_NAME(void *ctx, int task, int thread) {
    (void)thread;
    const attn_job *j = ctx;
    const kvd_attn_shape *s = j->shape;
    const int hd = s->head_dim, bs = s->block_size, nkv = s->num_kv_heads;
    const int group = s->num_heads / nkv;
    /* A task is (token, KV head, slice of the head group): few tokens split their groups so every
     * thread has work; many tokens keep whole groups so each K/V row is read once per group. */
    const int per_task = group / j->group_splits;
    const int part = task % j->group_splits;
    const int t = task / j->group_splits / nkv, h = task / j->group_splits % nkv;
    const int n = j->ctx_len[t];
    const int32_t *table = j->tables + j->table_offset[t];
    const size_t first_head = (size_t)h * (size_t)group + (size_t)part * (size_t)per_task;
    const float *q = j->q + (size_t)t * (size_t)j->ldq + first_head * (size_t)hd;
    float *out = j->out + (size_t)t * (size_t)j->ldo + first_head * (size_t)hd;

    if (j->write) { /* one task per (token, KV head): this token's own K and V head first */
        kv_prefetch_head(j->write, t, h);
        kv_rotate(j->write, t, (int)first_head, per_task, h, 1);
        kv_store_head(j->write, t, h);
    }

    float acc[KVD_ATTN_MAX_GROUP * KVD_ATTN_MAX_HEAD_DIM];
    float m[KVD_ATTN_MAX_GROUP], l[KVD_ATTN_MAX_GROUP];
    float sc[KVD_ATTN_MAX_GROUP * KVD_ATTN_MAX_BLOCK_SIZE], bmax[KVD_ATTN_MAX_GROUP];
    for (int g = 0; g < per_task; g++) {
        m[g] = -INFINITY;
        l[g] = 0.0f;
        memset(acc + g * hd, 0, (size_t)hd * sizeof(float));
    }
    const size_t head_stride = (size_t)bs * (size_t)hd;
    /* The two blocks this thread reads after the current one, moved on a block per block. */
    attn_pos next = attn_pos_next(j, attn_pos_at(j, task, 0)), far = attn_pos_next(j, next);
    for (int b0 = 0, jb = 0; b0 < n; b0 += bs, jb++) {
        const int cnt = n - b0 < bs ? n - b0 : bs;
        const size_t base = ((size_t)table[jb] * (size_t)nkv + (size_t)h) * head_stride;
        const ATTN_KV_T *kb = (const ATTN_KV_T *)j->kcache + base, *vb = (const ATTN_KV_T *)j->vcache + base;
        /* The next block's K and V (the next task's first block at the end), fetched a half at a
         * time while this block computes: its scores, softmax and weighted sum each cover one half
         * in flight; and the block after it likewise, into L2 only. Decode attention is bound by
         * these transfers (at 32 sequences a step reads more cache than weights), and blocks lie
         * anywhere in the cache, out of the hardware prefetchers' sight. Asking for a whole block
         * at once (64 lines for 16 x 64 halves), or two blocks ahead into L1, is slower: requests
         * beyond the misses the L1 keeps outstanding stall the work meant to hide them; L2 keeps
         * more (Benchmarks/EngineDecode/README.md has the figures). */
        attn_prefetch_ahead(j, &next, &far, 0, 0);
        /* Every head of the task against the block's keys at once: each key row is loaded once. */
        ATTN_SCORES(sc, q, per_task, hd, kb, cnt, bs, s->scale, bmax);
        attn_prefetch_ahead(j, &next, &far, 0, 1);
        for (int g = 0; g < per_task; g++) {
            float *ag = acc + (size_t)g * (size_t)hd;
            float *scg = sc + (size_t)g * (size_t)bs;
            const float bm = bmax[g];
            if (bm > m[g]) {
                const float c = expf(m[g] - bm); /* 0 on the first block */
                l[g] *= c;
                ATTN_SCALE(ag, c, hd);
                m[g] = bm;
            }
            l[g] += ATTN_EXP_SUB(scg, m[g], cnt); /* scg[i] = exp(scg[i] - m), returns the sum */
        }
        attn_prefetch_ahead(j, &next, &far, 1, 0);
        ATTN_ACCUMULATE(acc, sc, per_task, vb, cnt, hd, bs); /* acc_g += sum_i sc_g[i] * v_i */
        attn_prefetch_ahead(j, &next, &far, 1, 1);
        next = far;
        far = attn_pos_next(j, far);
    }
    for (int g = 0; g < per_task; g++) {
        const float inv = l[g] > 0.0f ? 1.0f / l[g] : 0.0f;
        for (int i = 0; i < hd; i++) out[(size_t)g * (size_t)hd + (size_t)i] = acc[(size_t)g * (size_t)hd + (size_t)i] * inv;
    }
    if (j->xq) attn_quantize(j, t, first_head, per_task);
}

#undef ATTN_TGT
#undef ATTN_KV_T
#undef ATTN_NAME
#undef ATTN_SCORES
#undef ATTN_ACCUMULATE
#undef ATTN_SCALE
#undef ATTN_EXP_SUB

// Model upload: every tensor the architecture needs, looked up by its GGUF name, copied to the
// GPU in its file type and dequantised there to the model's dtype. q/k/v become one [q;k;v]
// matrix and gate/up one [gate;up] matrix, so a layer runs four GEMMs instead of seven.
//
// Why dequantise at load instead of fused dequant-matvec kernels: the GEMMs then go through
// cuBLAS on tensor cores at every batch size (prefill and batch 32-128 decode are compute-shaped),
// and at batch 1 the default model (135M parameters, 270 MB in bf16) is bound by kernel launches
// (~13 per layer), not by weight bytes; a Q4 matvec would cut bytes ~3.5x where bytes are not the
// limit. Larger models at batch 1 would gain from it: that is the next kernel to add.
#include <string.h>
#include <string>
#include <vector>
#include "model.h"

using namespace kvd;

namespace {

struct uploader {
    kvd_cuda_model *m;
    const kvd_cuda_tensor *tensors;
    int count;
    kvd_cuda_error *err;
    void *staging = nullptr;
    size_t staging_bytes = 0;

    const kvd_cuda_tensor *find(const std::string &name) const {
        for (int i = 0; i < count; i++)
            if (tensors[i].name && name == tensors[i].name) return &tensors[i];
        return nullptr;
    }

    int32_t alloc(void **p, size_t bytes, const char *what) {
        KVD_CUDA_TRY(err, what, cudaMalloc(p, bytes));
        m->allocations.push_back(*p);
        m->bytes += (int64_t)bytes;
        return KVD_CUDA_OK;
    }

    // Checks a tensor's shape and byte count, stages its bytes on the GPU and dequantises them
    // to dst (dtype) at element offset `offset`.
    int32_t put(const std::string &name, int64_t nin, int64_t nout, bool vector, int32_t dtype, void *dst,
                int64_t offset) {
        const kvd_cuda_tensor *t = find(name);
        if (!t) return fail(err, KVD_CUDA_ERR_INVALID, "tensor %s is missing", name.c_str());
        const bool shape_ok = vector ? ((t->dim_count == 1 && t->dims[0] == nin) ||
                                        (t->dim_count == 2 && t->dims[0] == nin && t->dims[1] == 1))
                                     : (t->dim_count == 2 && t->dims[0] == nin && t->dims[1] == nout);
        if (!shape_ok)
            return fail(err, KVD_CUDA_ERR_INVALID, "tensor %s has %d dimensions [%lld, %lld], expected [%lld, %lld]",
                        name.c_str(), t->dim_count, (long long)t->dims[0], (long long)(t->dim_count > 1 ? t->dims[1] : 1),
                        (long long)nin, (long long)nout);
        if (!ggml_type_supported(t->type))
            return fail(err, KVD_CUDA_ERR_UNSUPPORTED, "tensor %s is GGML type %d, which the CUDA kernels do not take", name.c_str(), t->type);
        const int64_t n = nin * nout;
        const int64_t want = ggml_bytes(t->type, n);
        if (want < 0 || t->bytes != want || !t->data)
            return fail(err, KVD_CUDA_ERR_INVALID, "tensor %s holds %lld bytes, %lld expected for %lld values of type %d",
                        name.c_str(), (long long)t->bytes, (long long)want, (long long)n, t->type);
        if ((size_t)want > staging_bytes) {
            if (staging) cudaFree(staging);
            staging = nullptr;
            staging_bytes = 0;
            KVD_CUDA_TRY(err, "cudaMalloc (upload staging)", cudaMalloc(&staging, (size_t)want));
            staging_bytes = (size_t)want;
        }
        KVD_CUDA_TRY(err, "cudaMemcpy (weights to the GPU)", cudaMemcpy(staging, t->data, (size_t)want, cudaMemcpyHostToDevice));
        char *out = static_cast<char *>(dst) + (size_t)offset * dtype_bytes(dtype);
        int32_t rc = kvd_cuda_k_dequantize(t->type, staging, n, dtype, out, nullptr, err);
        if (rc) return rc;
        // The staging buffer is reused by the next tensor: finish this one first.
        KVD_CUDA_TRY(err, "dequantising weights", cudaDeviceSynchronize());
        return KVD_CUDA_OK;
    }

    int32_t matrix(void **dst, const char *what, std::initializer_list<std::pair<std::string, int64_t>> parts, int64_t nin) {
        int64_t rows = 0;
        for (auto &p : parts) rows += p.second;
        int32_t rc = alloc(dst, (size_t)(rows * nin) * dtype_bytes(m->dtype), what);
        if (rc) return rc;
        int64_t row = 0;
        for (auto &p : parts) {
            if ((rc = put(p.first, nin, p.second, false, m->dtype, *dst, row * nin))) return rc;
            row += p.second;
        }
        return KVD_CUDA_OK;
    }

    int32_t vector(float **dst, std::initializer_list<std::pair<std::string, int64_t>> parts) {
        int64_t n = 0;
        for (auto &p : parts) n += p.second;
        int32_t rc = alloc(reinterpret_cast<void **>(dst), (size_t)n * sizeof(float), "cudaMalloc (norm/bias vector)");
        if (rc) return rc;
        int64_t at = 0;
        for (auto &p : parts) {
            if ((rc = put(p.first, p.second, 1, true, KVD_CUDA_DTYPE_F32, *dst, at))) return rc;
            at += p.second;
        }
        return KVD_CUDA_OK;
    }
};

int32_t check_config(const kvd_cuda_model_config *c, kvd_cuda_error *err) {
    if (c->vocab_size < 1 || c->hidden_size < 1 || c->intermediate_size < 1 || c->layer_count < 1 || c->head_count < 1 ||
        c->kv_head_count < 1 || c->head_dim < 2)
        return fail(err, KVD_CUDA_ERR_INVALID, "model config has a size below 1 (vocab %d hidden %d ffn %d layers %d heads %d/%d head_dim %d)",
                    c->vocab_size, c->hidden_size, c->intermediate_size, c->layer_count, c->head_count, c->kv_head_count, c->head_dim);
    if (c->rope_layout != KVD_CUDA_ROPE_HALF_SPLIT && c->rope_layout != KVD_CUDA_ROPE_ADJACENT_PAIRS)
        return fail(err, KVD_CUDA_ERR_INVALID, "rope_layout %d is not KVD_CUDA_ROPE_*", c->rope_layout);
    kvd_cuda_attn_shape s = {c->head_count, c->kv_head_count, c->head_dim, 16, 1, KVD_CUDA_DTYPE_BF16, 1.0f};
    return check_attn_shape(&s, err);
}

} // namespace

extern "C" int32_t kvd_cuda_model_create(int32_t device, const kvd_cuda_model_config *config, int32_t dtype,
                                         const kvd_cuda_tensor *tensors, int32_t tensor_count, kvd_cuda_model **out,
                                         kvd_cuda_error *err) {
    if (!out || !config || (!tensors && tensor_count > 0)) return fail(err, KVD_CUDA_ERR_INVALID, "kvd_cuda_model_create: NULL argument");
    *out = nullptr;
    if (!dtype_valid(dtype)) return fail(err, KVD_CUDA_ERR_INVALID, "dtype %d is not F32, F16 or BF16", dtype);
    int32_t rc = check_config(config, err);
    if (rc) return rc;
    int32_t n = 0;
    if ((rc = kvd_cuda_device_count(&n, err))) return rc;
    if (device < 0 || device >= n) return fail(err, KVD_CUDA_ERR_INVALID, "device %d does not exist (%d visible)", device, n);
    KVD_CUDA_TRY(err, "cudaSetDevice", cudaSetDevice(device));

    kvd_cuda_model *m = new kvd_cuda_model();
    m->device = device;
    m->config = *config;
    m->dtype = dtype;
    const kvd_cuda_model_config &c = *config;
    const int64_t h = c.hidden_size, qd = (int64_t)c.head_count * c.head_dim, kvd = (int64_t)c.kv_head_count * c.head_dim;
    const int64_t ffn = c.intermediate_size;
    uploader u{m, tensors, tensor_count, err};
    auto name = [](int l, const char *s) { return "blk." + std::to_string(l) + "." + s; };
    rc = KVD_CUDA_OK;
    for (int l = 0; l < c.layer_count && !rc; l++) {
        model_layer L{};
        if ((rc = u.vector(&L.attn_norm, {{name(l, "attn_norm.weight"), h}}))) break;
        if ((rc = u.vector(&L.ffn_norm, {{name(l, "ffn_norm.weight"), h}}))) break;
        if ((rc = u.matrix(&L.qkv, "cudaMalloc (q/k/v weights)",
                           {{name(l, "attn_q.weight"), qd}, {name(l, "attn_k.weight"), kvd}, {name(l, "attn_v.weight"), kvd}}, h)))
            break;
        if (c.attention_bias &&
            (rc = u.vector(&L.qkv_bias, {{name(l, "attn_q.bias"), qd}, {name(l, "attn_k.bias"), kvd}, {name(l, "attn_v.bias"), kvd}})))
            break;
        if (c.qk_norm && ((rc = u.vector(&L.q_norm, {{name(l, "attn_q_norm.weight"), c.head_dim}})) ||
                          (rc = u.vector(&L.k_norm, {{name(l, "attn_k_norm.weight"), c.head_dim}}))))
            break;
        if ((rc = u.matrix(&L.o, "cudaMalloc (attention output weights)", {{name(l, "attn_output.weight"), h}}, qd))) break;
        if ((rc = u.matrix(&L.gate_up, "cudaMalloc (gate/up weights)",
                           {{name(l, "ffn_gate.weight"), ffn}, {name(l, "ffn_up.weight"), ffn}}, h)))
            break;
        if ((rc = u.matrix(&L.down, "cudaMalloc (down weights)", {{name(l, "ffn_down.weight"), h}}, ffn))) break;
        m->layers.push_back(L);
    }
    if (!rc) rc = u.matrix(&m->embedding, "cudaMalloc (embedding)", {{"token_embd.weight", c.vocab_size}}, h);
    if (!rc) rc = u.vector(&m->output_norm, {{"output_norm.weight", h}});
    if (!rc) {
        if (c.tied_embeddings) m->output = m->embedding;
        else rc = u.matrix(&m->output, "cudaMalloc (output weights)", {{"output.weight", c.vocab_size}}, h);
    }
    if (u.staging) cudaFree(u.staging);
    if (rc) {
        kvd_cuda_model_destroy(m);
        return rc;
    }
    *out = m;
    return ok(err);
}

extern "C" void kvd_cuda_model_destroy(kvd_cuda_model *m) {
    if (!m) return;
    cudaSetDevice(m->device);
    for (void *p : m->allocations) cudaFree(p);
    delete m;
}

extern "C" int64_t kvd_cuda_model_bytes(const kvd_cuda_model *m) { return m ? m->bytes : 0; }

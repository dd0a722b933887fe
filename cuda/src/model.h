// The uploaded model, shared by the runners over it (model.cu fills it, runner.cu reads it).
#pragma once
#include <vector>
#include "internal.h"

namespace kvd {
struct model_layer {
    float *attn_norm, *ffn_norm;
    void *qkv;       // [q_dim + 2 kv_dim][hidden], dtype
    float *qkv_bias; // [q_dim + 2 kv_dim] or NULL
    float *q_norm, *k_norm; // [head_dim] or NULL
    void *o;         // [hidden][q_dim]
    void *gate_up;   // [2 ffn][hidden]
    void *down;      // [hidden][ffn]
};
} // namespace kvd

struct kvd_cuda_model {
    int device;
    kvd_cuda_model_config config;
    int32_t dtype;
    std::vector<kvd::model_layer> layers;
    void *embedding;     // [vocab][hidden], dtype
    float *output_norm;
    void *output;        // [vocab][hidden]: the embedding when tied
    std::vector<void *> allocations;
    int64_t bytes = 0;
};

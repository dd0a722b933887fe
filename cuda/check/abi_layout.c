/* Prints the size and field offsets of every structure in kvdeck_cuda.h as the C compiler lays
 * them out (gcc is nvcc's host compiler, so this is the library's own layout), one line each:
 *     struct SIZE field=OFFSET field=OFFSET ...
 * Swift's EngineTests (CUDABackendTests) and check.py compare their views of the header with it.
 * Build: cc -I cuda/include cuda/check/abi_layout.c -o abi_layout */
#include <stddef.h>
#include <stdio.h>
#include "kvdeck_cuda.h"

#define F(s, f) printf(" %s=%zu", #f, offsetof(s, f))
#define S(s) printf("%s %zu", #s, sizeof(s))
#define END() printf("\n")

int main(void) {
    S(kvd_cuda_error); F(kvd_cuda_error, code); F(kvd_cuda_error, message); END();
    S(kvd_cuda_device_info); F(kvd_cuda_device_info, name); F(kvd_cuda_device_info, free_bytes);
    F(kvd_cuda_device_info, total_bytes); F(kvd_cuda_device_info, major); F(kvd_cuda_device_info, minor);
    F(kvd_cuda_device_info, multiprocessors); F(kvd_cuda_device_info, driver_version);
    F(kvd_cuda_device_info, runtime_version); F(kvd_cuda_device_info, memory_bus_bits);
    F(kvd_cuda_device_info, memory_clock_khz); END();
    S(kvd_cuda_model_config); F(kvd_cuda_model_config, vocab_size); F(kvd_cuda_model_config, hidden_size);
    F(kvd_cuda_model_config, intermediate_size); F(kvd_cuda_model_config, layer_count); F(kvd_cuda_model_config, head_count);
    F(kvd_cuda_model_config, kv_head_count); F(kvd_cuda_model_config, head_dim); F(kvd_cuda_model_config, rope_layout);
    F(kvd_cuda_model_config, rope_theta); F(kvd_cuda_model_config, rms_norm_eps); F(kvd_cuda_model_config, tied_embeddings);
    F(kvd_cuda_model_config, attention_bias); F(kvd_cuda_model_config, qk_norm); END();
    S(kvd_cuda_tensor); F(kvd_cuda_tensor, name); F(kvd_cuda_tensor, type); F(kvd_cuda_tensor, dim_count);
    F(kvd_cuda_tensor, dims); F(kvd_cuda_tensor, data); F(kvd_cuda_tensor, bytes); END();
    S(kvd_cuda_runner_options); F(kvd_cuda_runner_options, block_size); F(kvd_cuda_runner_options, max_batch_tokens);
    F(kvd_cuda_runner_options, max_logit_rows); F(kvd_cuda_runner_options, gpu_memory_utilization);
    F(kvd_cuda_runner_options, kv_cache_bytes); END();
    S(kvd_cuda_runner_info); F(kvd_cuda_runner_info, block_count); F(kvd_cuda_runner_info, block_size);
    F(kvd_cuda_runner_info, kv_cache_bytes); F(kvd_cuda_runner_info, scratch_bytes); F(kvd_cuda_runner_info, weight_bytes);
    F(kvd_cuda_runner_info, device_free_bytes); F(kvd_cuda_runner_info, device_total_bytes); END();
    S(kvd_cuda_batch); F(kvd_cuda_batch, num_tokens); F(kvd_cuda_batch, tokens); F(kvd_cuda_batch, positions);
    F(kvd_cuda_batch, slot_mapping); F(kvd_cuda_batch, num_slices); F(kvd_cuda_batch, token_start);
    F(kvd_cuda_batch, token_count); F(kvd_cuda_batch, context_len); F(kvd_cuda_batch, table_start);
    F(kvd_cuda_batch, table_len); F(kvd_cuda_batch, table_entries); F(kvd_cuda_batch, block_tables);
    F(kvd_cuda_batch, wants_logits); END();
    S(kvd_cuda_sampling); F(kvd_cuda_sampling, temperature); F(kvd_cuda_sampling, top_p); F(kvd_cuda_sampling, uniforms); END();
    S(kvd_cuda_attn_shape); F(kvd_cuda_attn_shape, num_heads); F(kvd_cuda_attn_shape, num_kv_heads);
    F(kvd_cuda_attn_shape, head_dim); F(kvd_cuda_attn_shape, block_size); F(kvd_cuda_attn_shape, num_blocks);
    F(kvd_cuda_attn_shape, dtype); F(kvd_cuda_attn_shape, scale); END();
    return 0;
}

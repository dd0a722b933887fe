// What the library's files share beyond the public ABI.
#pragma once
#include "common.cuh"

namespace kvd {
bool ggml_type_supported(int32_t type);
int64_t ggml_bytes(int32_t type, int64_t n);
} // namespace kvd

namespace kvd {
// Checks a kvd_cuda_attn_shape against the kernels' limits.
int32_t check_attn_shape(const kvd_cuda_attn_shape *s, kvd_cuda_error *err);
} // namespace kvd

#include "kvd_cpu.h"

int kvd_cpu_features(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    int f = 0;
    if (__builtin_cpu_supports("avx2")) f |= KVD_CPU_AVX2;
    if (__builtin_cpu_supports("fma")) f |= KVD_CPU_FMA;
    if (__builtin_cpu_supports("f16c")) f |= KVD_CPU_F16C;
    if (__builtin_cpu_supports("avx512f")) f |= KVD_CPU_AVX512F;
    if (__builtin_cpu_supports("avx512bw")) f |= KVD_CPU_AVX512BW;
    if (__builtin_cpu_supports("avx512vl")) f |= KVD_CPU_AVX512VL;
    if (__builtin_cpu_supports("avx512vnni")) f |= KVD_CPU_AVX512VNNI;
    return f;
#else
    return 0;
#endif
}

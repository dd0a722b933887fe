#ifndef KVD_CPU_H
#define KVD_CPU_H
/* What the CPU can do, asked once at run time: kernels pick their AVX2/FMA or AVX-512 path from it,
 * so one binary runs fast on new machines and correctly on old ones. */
#ifdef __cplusplus
extern "C" {
#endif

enum {
    KVD_CPU_AVX2 = 1 << 0,
    KVD_CPU_FMA = 1 << 1,
    KVD_CPU_F16C = 1 << 2,
    KVD_CPU_AVX512F = 1 << 3,
    KVD_CPU_AVX512BW = 1 << 4,
    KVD_CPU_AVX512VL = 1 << 5,
    KVD_CPU_AVX512VNNI = 1 << 6,
};

/* A bit set of KVD_CPU_* flags. */
int kvd_cpu_features(void);

#ifdef __cplusplus
}
#endif
#endif

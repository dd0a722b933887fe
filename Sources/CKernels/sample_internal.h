/* What sample.c and select.c, the passes over a logits row, share. */
#ifndef KVD_SAMPLE_INTERNAL_H
#define KVD_SAMPLE_INTERNAL_H
#include "kvd_matmul.h"

/* Whether a pass takes its AVX-512 path: asked for, and this CPU has it (never off x86). Each
 * pass also has a plain path giving the same result. */
static inline int kvd_sample_fast(int isa) { return isa == KVD_ISA_AVX512 && kvd_isa_supported(isa); }

#endif

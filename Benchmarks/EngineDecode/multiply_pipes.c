/* Which vector instructions compete with vpdpwssd for its execution pipes on this CPU.
 *
 *     gcc -O2 -march=native Benchmarks/EngineDecode/multiply_pipes.c -o /tmp/multiply_pipes && /tmp/multiply_pipes
 *
 * A loop of 12 independent vpdpwssd chains (enough to cover its latency) runs at the
 * instruction's throughput; 4 more instructions of another kind are added to each iteration,
 * independent of the chains and of each other. If the iteration takes no longer, the other
 * kind runs on other pipes and is free beside the products; if it takes 4 / 12 longer, it
 * shares vpdpwssd's pipes and every one of it costs a product. Inline asm, so the compiler
 * cannot fold or rewrite the instructions. Why it matters: at 32 sequences the decode step is
 * bound by these pipes (Benchmarks/EngineDecode/README.md). */
#include <stdio.h>
#include <time.h>

#define ITERATIONS 40000000L

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

#define CHAINS                                                                                   \
    "vpdpwssd %%zmm30, %%zmm31, %%zmm0\n\t" "vpdpwssd %%zmm30, %%zmm31, %%zmm1\n\t"              \
    "vpdpwssd %%zmm30, %%zmm31, %%zmm2\n\t" "vpdpwssd %%zmm30, %%zmm31, %%zmm3\n\t"              \
    "vpdpwssd %%zmm30, %%zmm31, %%zmm4\n\t" "vpdpwssd %%zmm30, %%zmm31, %%zmm5\n\t"              \
    "vpdpwssd %%zmm30, %%zmm31, %%zmm6\n\t" "vpdpwssd %%zmm30, %%zmm31, %%zmm7\n\t"              \
    "vpdpwssd %%zmm30, %%zmm31, %%zmm8\n\t" "vpdpwssd %%zmm30, %%zmm31, %%zmm9\n\t"              \
    "vpdpwssd %%zmm30, %%zmm31, %%zmm10\n\t" "vpdpwssd %%zmm30, %%zmm31, %%zmm11\n\t"
/* Four instructions of one kind writing registers 12-15 (their own inputs: 28, 29). */
#define FOUR(op) op " %%zmm28, %%zmm29, %%zmm12\n\t" op " %%zmm28, %%zmm29, %%zmm13\n\t" \
                 op " %%zmm28, %%zmm29, %%zmm14\n\t" op " %%zmm28, %%zmm29, %%zmm15\n\t"
#define FOUR_UNARY(op) op " %%zmm28, %%zmm12\n\t" op " %%zmm28, %%zmm13\n\t" \
                       op " %%zmm28, %%zmm14\n\t" op " %%zmm28, %%zmm15\n\t"

#define MEASURE(label, text)                                                                     \
    do {                                                                                         \
        const double t0 = seconds();                                                             \
        for (long i = 0; i < ITERATIONS; i++) __asm__ volatile(text ::: "memory");               \
        const double ns = (seconds() - t0) / (double)ITERATIONS * 1e9;                           \
        if (base == 0) base = ns;                                                                \
        printf("%-32s %6.3f ns/iteration  %+5.0f%%  %s\n", label, ns, (ns / base - 1) * 100,    \
               base == ns ? "" : ns / base > 1.2 ? "shares the pipes" : "other pipes");          \
    } while (0)

int main(void) {
    double base = 0;
    MEASURE("12 vpdpwssd", CHAINS);
    MEASURE("+ 4 vpdpbusd (8-bit)", CHAINS FOUR("vpdpbusd"));
    MEASURE("+ 4 vpmaddwd", CHAINS FOUR("vpmaddwd"));
    MEASURE("+ 4 vpmullw", CHAINS FOUR("vpmullw"));
    MEASURE("+ 4 vdpbf16ps (bf16)", CHAINS FOUR("vdpbf16ps"));
    MEASURE("+ 4 vfmadd231ps", CHAINS FOUR("vfmadd231ps"));
    MEASURE("+ 4 vmulps", CHAINS FOUR("vmulps"));
    MEASURE("+ 4 vaddps", CHAINS FOUR("vaddps"));
    MEASURE("+ 4 vpaddd", CHAINS FOUR("vpaddd"));
    MEASURE("+ 4 vpandd", CHAINS FOUR("vpandd"));
    MEASURE("+ 4 vcvtdq2ps", CHAINS FOUR_UNARY("vcvtdq2ps"));
    return 0;
}

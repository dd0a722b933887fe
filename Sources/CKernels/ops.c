#include "kvd_ops.h"

#include <math.h>
#include <stddef.h>
#include "kvd_matmul.h"

void kvd_rmsnorm(const float *x, const float *w, float *out, int rows, int n, float eps) {
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * (size_t)n;
        float *o = out + (size_t)r * (size_t)n;
        double ss = 0.0;
        for (int i = 0; i < n; i++) ss += (double)xr[i] * (double)xr[i];
        const float scale = (float)(1.0 / sqrt(ss / n + (double)eps));
        for (int i = 0; i < n; i++) o[i] = w[i] * (xr[i] * scale);
    }
}

void kvd_rope(float *x, int ntok, int ld, int nheads, int head_dim, const int32_t *positions,
              float theta, int layout) {
    const int half = head_dim / 2;
    float cs[512], sn[512];
    if (half > 512) return;
    for (int t = 0; t < ntok; t++) {
        const float pos = (float)positions[t];
        for (int j = 0; j < half; j++) {
            const float inv = 1.0f / powf(theta, (float)(2 * j) / (float)head_dim);
            const float angle = pos * inv;
            cs[j] = (float)cos((double)angle);
            sn[j] = (float)sin((double)angle);
        }
        for (int h = 0; h < nheads; h++) {
            float *v = x + (size_t)t * (size_t)ld + (size_t)h * (size_t)head_dim;
            for (int j = 0; j < half; j++) {
                const int i0 = layout == KVD_ROPE_ADJACENT_PAIRS ? 2 * j : j;
                const int i1 = layout == KVD_ROPE_ADJACENT_PAIRS ? 2 * j + 1 : j + half;
                const float a = v[i0], b = v[i1];
                v[i0] = a * cs[j] - b * sn[j];
                v[i1] = b * cs[j] + a * sn[j];
            }
        }
    }
}

void kvd_swiglu(const float *gate, const float *up, float *out, int n) {
    for (int i = 0; i < n; i++) {
        const float g = gate[i];
        out[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

void kvd_softmax(float *x, int n) {
    if (n <= 0) return;
    float m = x[0];
    for (int i = 1; i < n; i++) m = x[i] > m ? x[i] : m;
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        x[i] = expf(x[i] - m);
        sum += x[i];
    }
    const float inv = (float)(1.0 / sum);
    for (int i = 0; i < n; i++) x[i] *= inv;
}

void kvd_embed(int type, const void *table, int dim, const int32_t *ids, int n, float *out) {
    const size_t rb = kvd_row_bytes(type, dim);
    for (int i = 0; i < n; i++)
        kvd_dequantize_row(type, (const char *)table + (size_t)ids[i] * rb, dim, out + (size_t)i * (size_t)dim);
}

// The max-pool gradient: each window's dy goes to its first maximum in row-major order (strictly
// greater replaces), as tfjs's cpu backend and TensorFlow route it; padded taps never win.
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels.h"

namespace zf {

void max_pool_backward(const PoolGeom& g, const float* __restrict x, const float* __restrict dy, float* __restrict dx) {
  const int C = g.C;
  std::memset(dx, 0, sizeof(float) * size_t(g.N) * g.H * g.W * C);
  // Per window, a running max and the winning tap's offset per channel, channels innermost.
  std::vector<float> best_v(C);
  std::vector<int32_t> at_v(C);
  float* __restrict best = best_v.data();
  int32_t* __restrict at = at_v.data();
  for (int b = 0; b < g.N; b++) {
    const float* xb = x + size_t(b) * g.H * g.W * C;
    float* dxb = dx + size_t(b) * g.H * g.W * C;
    for (int i = 0; i < g.Ho; i++) {
      const int r0 = std::max(0, i * g.sh - g.pt), r1 = std::min(g.H, i * g.sh - g.pt + g.kh);
      for (int j = 0; j < g.Wo; j++) {
        const int c0 = std::max(0, j * g.sw - g.pl), c1 = std::min(g.W, j * g.sw - g.pl + g.kw);
        if (r0 >= r1 || c0 >= c1) continue;  // a window wholly in the padding routes nothing
        const int32_t first = (r0 * g.W + c0) * C;
        for (int c = 0; c < C; c++) {
          best[c] = xb[first + c];
          at[c] = first;
        }
        for (int r = r0; r < r1; r++) {
          for (int q = (r == r0 ? c0 + 1 : c0); q < c1; q++) {
            const int32_t tap = (r * g.W + q) * C;
            const float* __restrict row = xb + tap;
            for (int c = 0; c < C; c++) {  // branch-free, so that it vectorizes
              const float v = row[c], bv = best[c];
              const int32_t take = -static_cast<int32_t>(v > bv);
              best[c] = v > bv ? v : bv;
              at[c] = (tap & take) | (at[c] & ~take);
            }
          }
        }
        const float* d = dy + ((size_t(b) * g.Ho + i) * g.Wo + j) * C;
        for (int c = 0; c < C; c++) dxb[at[c] + c] += d[c];
      }
    }
  }
}

}  // namespace zf

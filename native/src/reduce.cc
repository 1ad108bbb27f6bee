// Sums over leading axes: blocks of rows added in float (vectorized along the row), the blocks'
// totals in double, so a sum over 16k rows keeps float's precision.
#include <algorithm>
#include <vector>

#include "kernels.h"

namespace zf {

void sum_rows(int64_t rows, int64_t inner, const float* __restrict x, float* __restrict out) {
  constexpr int64_t kBlock = 64;
  std::vector<double> total(inner, 0.0);
  std::vector<float> part_v(inner);
  float* __restrict part = part_v.data();
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
    const int64_t r1 = std::min(rows, r0 + kBlock);
    std::fill(part, part + inner, 0.f);
    for (int64_t r = r0; r < r1; r++) {
      const float* __restrict row = x + r * inner;
      for (int64_t j = 0; j < inner; j++) part[j] += row[j];
    }
    for (int64_t j = 0; j < inner; j++) total[j] += part[j];
  }
  for (int64_t j = 0; j < inner; j++) out[j] = static_cast<float>(total[j]);
}

}  // namespace zf

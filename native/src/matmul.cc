// Row-major batched matrix products on oneDNN's sgemm.
#include <dnnl.h>

#include <stdexcept>
#include <string>

#include "kernels.h"

namespace zf {

void matmul(int batch, int M, int N, int K, bool ta, bool tb, const float* a, const float* b, float* c) {
  const dnnl_dim_t lda = ta ? M : K, ldb = tb ? K : N;
  for (int i = 0; i < batch; i++) {
    dnnl_status_t s = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, 1.f, a + size_t(i) * M * K, lda,
                                 b + size_t(i) * K * N, ldb, 0.f, c + size_t(i) * M * N, N);
    if (s != dnnl_success) throw std::runtime_error("dnnl_sgemm failed with status " + std::to_string(int(s)));
  }
}

}  // namespace zf

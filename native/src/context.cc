#include "context.h"

#include <omp.h>

#include "kernels.h"

namespace zf {

Context& context() {
  thread_local Context ctx;
  return ctx;
}

void set_threads(int n) { omp_set_num_threads(n < 1 ? 1 : n); }

int threads() { return omp_get_max_threads(); }

static const char* isa_name(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41: return "sse4.1";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx512_core: return "avx512";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_amx";
    default: return "baseline";
  }
}

std::string describe() {
  const dnnl_version_t* v = dnnl_version();
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) + ", " +
         isa_name(dnnl::get_effective_cpu_isa());
}

}  // namespace zf

// The oneDNN engine and stream of the calling thread (tfjs worker threads each have their own).
#pragma once
#include <dnnl.hpp>

namespace zf {

struct Context {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};

Context& context();

}  // namespace zf

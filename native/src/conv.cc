// Convolutions on oneDNN. Activations stay in tfjs's NHWC on the caller's memory; filters are
// reordered between tfjs's HWIO and whatever blocked layout the chosen implementation wants (they
// are small). A primitive is built once per geometry and thread and kept.
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>

#include "context.h"
#include "kernels.h"

namespace zf {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

struct Descs {
  memory::desc src, dst, weights_any, weights_user, bias;
  memory::dims strides, dilates, pad_l, pad_r;
};

Descs descs(const ConvGeom& g) {
  return {
      memory::desc({g.N, g.C, g.H, g.W}, dt::f32, tag::nhwc),
      memory::desc({g.N, g.O, g.Ho, g.Wo}, dt::f32, tag::nhwc),
      memory::desc({g.O, g.C, g.kh, g.kw}, dt::f32, tag::any),
      memory::desc({g.O, g.C, g.kh, g.kw}, dt::f32, tag::hwio),
      memory::desc({g.O}, dt::f32, tag::x),
      {g.sh, g.sw},
      {g.dh - 1, g.dw - 1},
      {g.pt, g.pl},
      {g.pb, g.pr},
  };
}

dnnl::convolution_forward::primitive_desc forward_pd(const Descs& d, bool bias, bool relu, dnnl::prop_kind kind) {
  auto& ctx = context();
  dnnl::primitive_attr attr;
  if (relu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(ops);
  }
  auto desc = bias ? dnnl::convolution_forward::desc(kind, dnnl::algorithm::convolution_direct, d.src, d.weights_any,
                                                     d.bias, d.dst, d.strides, d.dilates, d.pad_l, d.pad_r)
                   : dnnl::convolution_forward::desc(kind, dnnl::algorithm::convolution_direct, d.src, d.weights_any,
                                                     d.dst, d.strides, d.dilates, d.pad_l, d.pad_r);
  return dnnl::convolution_forward::primitive_desc(desc, attr, ctx.engine);
}

// Filter memory in the implementation's layout, and the reorder that fills it from (or empties it
// into) the user's HWIO filter; none when the two layouts agree.
struct Weights {
  memory::desc user;
  memory blocked;
  bool reordered = false;
  dnnl::reorder to_blocked, to_user;  // built once: the filters are reordered at every call

  Weights(const memory::desc& user_desc, const memory::desc& wanted) : user(user_desc) {
    if (wanted == user_desc) return;
    auto& eng = context().engine;
    blocked = memory(wanted, eng);
    reordered = true;
    to_blocked = dnnl::reorder(dnnl::reorder::primitive_desc(eng, user_desc, eng, wanted));
    to_user = dnnl::reorder(dnnl::reorder::primitive_desc(eng, wanted, eng, user_desc));
  }
  // The filter the primitive reads, from the user's pointer.
  memory in(const float* w) {
    auto& ctx = context();
    memory u(user, ctx.engine, const_cast<float*>(w));
    if (!reordered) return u;
    to_blocked.execute(ctx.stream, u, blocked);
    return blocked;
  }
  // The filter the primitive writes, and copy_out() to put it at the user's pointer.
  memory out(float* w) { return reordered ? blocked : memory(user, context().engine, w); }
  void copy_out(float* w) {
    if (!reordered) return;
    auto& ctx = context();
    memory u(user, ctx.engine, w);
    to_user.execute(ctx.stream, blocked, u);
  }
};

struct Forward {
  Descs d;
  dnnl::convolution_forward prim;
  Weights w;
};

struct BackwardData {
  Descs d;
  dnnl::convolution_backward_data prim;
  Weights w;
};

struct BackwardWeights {
  Descs d;
  dnnl::convolution_backward_weights prim;
  Weights w;
};

std::string key(const ConvGeom& g, int extra) {
  std::string k(reinterpret_cast<const char*>(&g), sizeof g);
  k.push_back(static_cast<char>(extra));
  return k;
}

template <typename T, typename Make>
T& cached(const std::string& k, Make make) {
  thread_local std::unordered_map<std::string, std::unique_ptr<T>> cache;
  auto it = cache.find(k);
  if (it == cache.end()) it = cache.emplace(k, make()).first;
  return *it->second;
}

}  // namespace

void conv_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y, bool relu) {
  auto& f = cached<Forward>(key(g, (bias ? 1 : 0) | (relu ? 2 : 0)), [&] {
    Descs d = descs(g);
    auto pd = forward_pd(d, bias != nullptr, relu, dnnl::prop_kind::forward_inference);
    return std::unique_ptr<Forward>(new Forward{d, dnnl::convolution_forward(pd), Weights(d.weights_user, pd.weights_desc())});
  });
  auto& ctx = context();
  memory xm(f.d.src, ctx.engine, const_cast<float*>(x));
  memory ym(f.d.dst, ctx.engine, y);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, f.w.in(w)}, {DNNL_ARG_DST, ym}};
  if (bias) args.emplace(DNNL_ARG_BIAS, memory(f.d.bias, ctx.engine, const_cast<float*>(bias)));
  f.prim.execute(ctx.stream, args);
  ctx.stream.wait();
}

void conv_backward_data(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  auto& b = cached<BackwardData>(key(g, 0), [&] {
    Descs d = descs(g);
    auto hint = forward_pd(d, false, false, dnnl::prop_kind::forward_training);
    dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, d.src, d.weights_any, d.dst,
                                               d.strides, d.dilates, d.pad_l, d.pad_r);
    dnnl::convolution_backward_data::primitive_desc pd(desc, context().engine, hint);
    return std::unique_ptr<BackwardData>(
        new BackwardData{d, dnnl::convolution_backward_data(pd), Weights(d.weights_user, pd.weights_desc())});
  });
  auto& ctx = context();
  memory dym(b.d.dst, ctx.engine, const_cast<float*>(dy));
  memory dxm(b.d.src, ctx.engine, dx);
  b.prim.execute(ctx.stream, {{DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_WEIGHTS, b.w.in(w)}, {DNNL_ARG_DIFF_SRC, dxm}});
  ctx.stream.wait();
}

void conv_backward_weights(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  auto& b = cached<BackwardWeights>(key(g, 0), [&] {
    Descs d = descs(g);
    auto hint = forward_pd(d, false, false, dnnl::prop_kind::forward_training);
    dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, d.src, d.weights_any, d.dst,
                                                  d.strides, d.dilates, d.pad_l, d.pad_r);
    dnnl::convolution_backward_weights::primitive_desc pd(desc, context().engine, hint);
    return std::unique_ptr<BackwardWeights>(
        new BackwardWeights{d, dnnl::convolution_backward_weights(pd), Weights(d.weights_user, pd.diff_weights_desc())});
  });
  auto& ctx = context();
  memory xm(b.d.src, ctx.engine, const_cast<float*>(x));
  memory dym(b.d.dst, ctx.engine, const_cast<float*>(dy));
  b.prim.execute(ctx.stream, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_DIFF_WEIGHTS, b.w.out(dw)}});
  b.w.copy_out(dw);
  ctx.stream.wait();
}

}  // namespace zf

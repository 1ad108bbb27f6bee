// The Node-API face of the native kernels: float32 typed arrays in and out (views of the wasm heap),
// geometry as an Int32Array, every length checked against the geometry before a byte is touched.
#include <node_api.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "kernels.h"

namespace {

struct JsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(napi_env env, napi_status s) {
  if (s != napi_ok) {
    const napi_extended_error_info* info = nullptr;
    napi_get_last_error_info(env, &info);
    throw JsError(info && info->error_message ? info->error_message : "Node-API call failed");
  }
}

struct Args {
  napi_env env;
  napi_value argv[8];
  size_t argc = 8;
  Args(napi_env e, napi_callback_info info, size_t want) : env(e) {
    check(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
    if (argc < want) throw JsError("expected " + std::to_string(want) + " arguments, got " + std::to_string(argc));
  }

  bool is_null(size_t i) const {
    napi_valuetype t;
    check(env, napi_typeof(env, argv[i], &t));
    return t == napi_null || t == napi_undefined;
  }

  template <typename T>
  T* array(size_t i, napi_typedarray_type want, size_t length, const char* name) const {
    bool is = false;
    check(env, napi_is_typedarray(env, argv[i], &is));
    if (!is) throw JsError(std::string(name) + ": expected a typed array");
    napi_typedarray_type type;
    size_t n = 0;
    void* data = nullptr;
    check(env, napi_get_typedarray_info(env, argv[i], &type, &n, &data, nullptr, nullptr));
    if (type != want) throw JsError(std::string(name) + ": wrong element type");
    if (n != length)
      throw JsError(std::string(name) + ": expected " + std::to_string(length) + " elements, got " + std::to_string(n));
    return static_cast<T*>(data);
  }

  float* f32(size_t i, size_t length, const char* name) const {
    return array<float>(i, napi_float32_array, length, name);
  }

  template <typename G, int Ints>
  G geometry(size_t i) const {
    G g;
    std::memcpy(&g, array<int32_t>(i, napi_int32_array, Ints, "geometry"), sizeof g);
    const int32_t* v = reinterpret_cast<const int32_t*>(&g);
    for (int k = 0; k < Ints; k++)
      if (v[k] < 0 || v[k] > (1 << 24)) throw JsError("geometry: value " + std::to_string(v[k]) + " out of range");
    return g;
  }

  int32_t int32(size_t i) const {
    int32_t v = 0;
    check(env, napi_get_value_int32(env, argv[i], &v));
    return v;
  }
};

size_t count(int a, int b, int c, int d) { return size_t(a) * b * c * d; }

void check_conv(const zf::ConvGeom& g) {
  if (g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1 || g.N < 1 || g.C < 1 || g.O < 1 || g.kh < 1 || g.kw < 1)
    throw JsError("geometry: strides, dilations, batch, channels and filter size must be at least 1");
  if ((g.H + g.pt + g.pb - ((g.kh - 1) * g.dh + 1)) / g.sh + 1 != g.Ho ||
      (g.W + g.pl + g.pr - ((g.kw - 1) * g.dw + 1)) / g.sw + 1 != g.Wo)
    throw JsError("geometry: output size does not follow from input, filter, stride and padding");
}

template <typename F>
napi_value guarded(napi_env env, F f) {
  try {
    return f();
  } catch (const std::exception& e) {
    napi_throw_error(env, "ZFSCOPE_NATIVE", (std::string("zfscope native kernel: ") + e.what()).c_str());
    return nullptr;
  }
}

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// conv2d(x, w, bias | null, y, geometry, relu)
napi_value Conv2d(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 6);
    auto g = a.geometry<zf::ConvGeom, zf::kConvGeomInts>(4);
    check_conv(g);
    const float* x = a.f32(0, count(g.N, g.H, g.W, g.C), "x");
    const float* w = a.f32(1, count(g.kh, g.kw, g.C, g.O), "filter");
    const float* bias = a.is_null(2) ? nullptr : a.f32(2, g.O, "bias");
    float* y = a.f32(3, count(g.N, g.Ho, g.Wo, g.O), "y");
    zf::conv_forward(g, x, w, bias, y, a.int32(5) != 0);
    return undefined(env);
  });
}

// conv2dBackpropInput(dy, w, dx, geometry)
napi_value Conv2dBackpropInput(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 4);
    auto g = a.geometry<zf::ConvGeom, zf::kConvGeomInts>(3);
    check_conv(g);
    const float* dy = a.f32(0, count(g.N, g.Ho, g.Wo, g.O), "dy");
    const float* w = a.f32(1, count(g.kh, g.kw, g.C, g.O), "filter");
    float* dx = a.f32(2, count(g.N, g.H, g.W, g.C), "dx");
    zf::conv_backward_data(g, dy, w, dx);
    return undefined(env);
  });
}

// conv2dBackpropFilter(x, dy, dw, geometry)
napi_value Conv2dBackpropFilter(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 4);
    auto g = a.geometry<zf::ConvGeom, zf::kConvGeomInts>(3);
    check_conv(g);
    const float* x = a.f32(0, count(g.N, g.H, g.W, g.C), "x");
    const float* dy = a.f32(1, count(g.N, g.Ho, g.Wo, g.O), "dy");
    float* dw = a.f32(2, count(g.kh, g.kw, g.C, g.O), "dw");
    zf::conv_backward_weights(g, x, dy, dw);
    return undefined(env);
  });
}

// maxPoolGrad(x, dy, dx, geometry)
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 4);
    auto g = a.geometry<zf::PoolGeom, zf::kPoolGeomInts>(3);
    if (g.sh < 1 || g.sw < 1 || g.kh < 1 || g.kw < 1) throw JsError("geometry: strides and window must be at least 1");
    const float* x = a.f32(0, count(g.N, g.H, g.W, g.C), "x");
    const float* dy = a.f32(1, count(g.N, g.Ho, g.Wo, g.C), "dy");
    float* dx = a.f32(2, count(g.N, g.H, g.W, g.C), "dx");
    zf::max_pool_backward(g, x, dy, dx);
    return undefined(env);
  });
}

// matmul(a, b, c, [batch, M, N, K, transposeA, transposeB])
napi_value MatMul(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 4);
    const int32_t* p = a.array<int32_t>(3, napi_int32_array, 6, "geometry");
    const int batch = p[0], M = p[1], N = p[2], K = p[3];
    if (batch < 1 || M < 1 || N < 1 || K < 1) throw JsError("geometry: batch, M, N and K must be at least 1");
    const float* A = a.f32(0, size_t(batch) * M * K, "a");
    const float* B = a.f32(1, size_t(batch) * K * N, "b");
    float* C = a.f32(2, size_t(batch) * M * N, "c");
    zf::matmul(batch, M, N, K, p[4] != 0, p[5] != 0, A, B, C);
    return undefined(env);
  });
}

// sumRows(x, out, [rows, inner])
napi_value SumRows(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 3);
    const int32_t* p = a.array<int32_t>(2, napi_int32_array, 2, "geometry");
    if (p[0] < 1 || p[1] < 1) throw JsError("geometry: rows and inner must be at least 1");
    const float* x = a.f32(0, size_t(p[0]) * p[1], "x");
    float* out = a.f32(1, size_t(p[1]), "out");
    zf::sum_rows(p[0], p[1], x, out);
    return undefined(env);
  });
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 1);
    zf::set_threads(a.int32(0));
    return undefined(env);
  });
}

napi_value Threads(napi_env env, napi_callback_info) {
  napi_value v;
  napi_create_int32(env, zf::threads(), &v);
  return v;
}

napi_value Describe(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    std::string s = zf::describe();
    napi_value v;
    check(env, napi_create_string_utf8(env, s.c_str(), s.size(), &v));
    return v;
  });
}

}  // namespace

NAPI_MODULE_INIT() {
  const napi_property_descriptor fns[] = {
      {"conv2d", nullptr, Conv2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropInput", nullptr, Conv2dBackpropInput, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropFilter", nullptr, Conv2dBackpropFilter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolGrad", nullptr, MaxPoolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumRows", nullptr, SumRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matMul", nullptr, MatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"threads", nullptr, Threads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"describe", nullptr, Describe, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  return exports;
}

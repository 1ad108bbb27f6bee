// zfscope's native kernels: the convolutions of a training step and of a deconvnet snapshot on
// oneDNN (the library PyTorch's CPU convolutions run on), the dense layers' matrix products on its
// sgemm, and the max-pool gradient as a plain loop. Tensors are tfjs's: NHWC activations, HWIO
// filters, row-major matrices, all float32, read and written in place (on the wasm heap).
#pragma once
#include <cstdint>
#include <string>

namespace zf {

// One 2-D convolution: input N x H x W x C, filter kh x kw x C x O, output N x Ho x Wo x O; strides,
// explicit padding (top, left, bottom, right) and dilations as tfjs computes them.
struct ConvGeom {
  int32_t N, H, W, C, kh, kw, O, Ho, Wo, sh, sw, pt, pl, pb, pr, dh, dw;
};
constexpr int kConvGeomInts = 17;

// One max-pool window geometry (same order as ConvGeom, no filter channels).
struct PoolGeom {
  int32_t N, H, W, C, kh, kw, Ho, Wo, sh, sw, pt, pl;
};
constexpr int kPoolGeomInts = 12;

// y = conv(x, w) (+ bias) (then ReLU); bias may be null.
void conv_forward(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y, bool relu);
// dx = the gradient of conv_forward's output dy with respect to its input.
void conv_backward_data(const ConvGeom& g, const float* dy, const float* w, float* dx);
// dw = the gradient of conv_forward's output dy with respect to its filter.
void conv_backward_weights(const ConvGeom& g, const float* x, const float* dy, float* dw);

// dx = dy routed to the first maximum (row-major, strictly greater replaces) of every window.
void max_pool_backward(const PoolGeom& g, const float* x, const float* dy, float* dx);

// c[b] = op(a[b]) . op(b[b]) for each of `batch` row-major matrices: op(a) is M x K, op(b) K x N.
void matmul(int batch, int M, int N, int K, bool ta, bool tb, const float* a, const float* b, float* c);

// out[j] = sum over i of x[i * inner + j] (a sum over the leading axes, as a bias gradient is).
void sum_rows(int64_t rows, int64_t inner, const float* x, float* out);

// Threads each kernel may use on the calling thread.
void set_threads(int n);
int threads();
// e.g. "oneDNN 2.6.3, avx2"
std::string describe();

}  // namespace zf

#!/usr/bin/env python3
"""Peer benchmark of `bench/parts/analyses.ts`: the same analyses, steps and weights in PyTorch.

The bench part exports the small ZF-net it measures (weights.bin, float32 in model.getWeights()
order, and spec.json with the architecture and the analyses' options); this script rebuilds that
exact network (TensorFlow 'same' padding, NHWC flatten order) and times, per case:

  optimal input: gradient ascent of a class logit from the zero image, L2 penalty, RMS-normalized
                 steps, pixel-range clipping, a Gaussian blur every few steps, 1-pixel jitter;
  reconstruction: Adam inversion of conv3's whole output (alpha-norm and total-variation priors).

It prints one JSON line: seconds per case, the objectives reached, and the logits of the spec's
check image (so the bench can confirm that both sides compute the same network).

  /usr/bin/python3 bench/peers/torch_analyses.py --spec DIR/spec.json --threads 1
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn.functional as F


def same_pad(x, k, s, value=0.0):
    """TensorFlow 'same' padding of an NCHW tensor for a k x k window of stride s (more after than before)."""
    h, w = x.shape[2], x.shape[3]
    ph = max((math.ceil(h / s) - 1) * s + k - h, 0)
    pw = max((math.ceil(w / s) - 1) * s + k - w, 0)
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2), value=value)


class Net:
    """The small ZF-net of spec['layers'], weights from weights.bin (tfjs layouts converted)."""

    def __init__(self, spec, raw):
        self.ops = []
        off = 0

        def take(shape):
            nonlocal off
            n = int(np.prod(shape))
            t = torch.from_numpy(raw[off:off + n].reshape(shape).copy())
            off += n
            return t

        for l in spec['layers']:
            if l['kind'] == 'conv':
                k = take(l['kernel']).permute(3, 2, 0, 1).contiguous()  # [kh,kw,cin,cout] -> [cout,cin,kh,kw]
                b = take([l['kernel'][3]])
                self.ops.append(('conv', l['name'], k, b, l['stride']))
            elif l['kind'] == 'pool':
                self.ops.append(('pool', l['name'], l['size'], l['stride']))
            elif l['kind'] == 'flatten':
                self.ops.append(('flatten', l['name']))
            elif l['kind'] == 'dense':
                w = take(l['kernel']).t().contiguous()  # [in,out] -> [out,in]
                b = take([l['kernel'][1]])
                self.ops.append(('dense', l['name'], w, b, l['relu']))

    def forward(self, x, upto=None, logits=True):
        """x: NCHW. Runs to layer `upto` (its ReLU output), or to the last dense layer's pre-softmax output."""
        h = x
        for op in self.ops:
            kind = op[0]
            if kind == 'conv':
                _, _, k, b, s = op
                h = F.relu(F.conv2d(same_pad(h, k.shape[2], s), k, b, stride=s))
            elif kind == 'pool':
                h = F.max_pool2d(same_pad(h, op[2], op[3], float('-inf')), op[2], op[3])
            elif kind == 'flatten':
                h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)  # tfjs flattens NHWC
            elif kind == 'dense':
                _, _, w, b, relu = op
                h = F.linear(h, w, b)
                if relu:
                    h = F.relu(h)
            if upto is not None and op[1] == upto:
                return h
        return h


def gaussian_taps(sigma):
    r = max(1, math.ceil(2 * sigma))
    t = torch.tensor([math.exp(-((i - r) ** 2) / (2 * sigma * sigma)) for i in range(2 * r + 1)])
    return t / t.sum(), r


def blur(x, sigma):
    taps, r = gaussian_taps(sigma)
    c = x.shape[1]
    ky = taps.view(1, 1, -1, 1).repeat(c, 1, 1, 1)
    kx = taps.view(1, 1, 1, -1).repeat(c, 1, 1, 1)
    x = F.conv2d(F.pad(x, (0, 0, r, r)), ky, groups=c)
    return F.conv2d(F.pad(x, (r, r, 0, 0)), kx, groups=c)


def optimal_input(net, shape, o, klass):
    c, h, w = shape
    lo = torch.full((1, c, h, w), o['lo'])
    hi = torch.full((1, c, h, w), o['hi'])
    img = torch.zeros(1, c, h, w)
    rng = np.random.default_rng(o['seed'])
    j = o['jitter']
    last = 0.0
    for t in range(o['steps']):
        dy, dx = (int(v) for v in rng.integers(-j, j + 1, 2)) if j else (0, 0)
        x = torch.roll(img, (dy, dx), (2, 3)).requires_grad_(True)
        score = net.forward(x)[0, klass]
        (g,) = torch.autograd.grad(score, x)
        with torch.no_grad():
            g = torch.roll(g, (-dy, -dx), (2, 3))
            step = g - 2 * o['l2'] * img
            step = step / (step.pow(2).mean().sqrt() + 1e-8)
            img = torch.minimum(torch.maximum(img + o['lr'] * step, lo), hi)
            if o['blur'] > 0 and (t + 1) % o['blurEvery'] == 0:
                img = blur(img, o['blur'])
            last = float(score) - o['l2'] * float(img.pow(2).sum())
    return last


def tv(x, b2):
    dx = F.pad(x[:, :, :, 1:] - x[:, :, :, :-1], (0, 1, 0, 0))
    dy = F.pad(x[:, :, 1:, :] - x[:, :, :-1, :], (0, 0, 0, 1))
    return ((dx * dx + dy * dy) / b2).mean()


def reconstruction(net, x0, o):
    with torch.no_grad():
        target = net.forward(x0, upto=o['layer'])
        norm2 = float(target.pow(2).sum())
        B = float(x0.abs().max())
    rng = np.random.default_rng(o['seed'])
    x = torch.from_numpy(((rng.random(x0.shape) * 2 - 1) * o['noise'] * B).astype(np.float32))
    m = torch.zeros_like(x)
    v = torch.zeros_like(x)
    b1, b2, eps = 0.9, 0.999, 1e-8
    loss = 0.0
    for t in range(1, o['steps'] + 1):
        lr = o['lr'] * (1 - (t - 1) / o['steps'])
        x.requires_grad_(True)
        l = (net.forward(x, upto=o['layer']) - target).pow(2).sum() / norm2
        l = l + o['lambdaAlpha'] * (x / B).abs().pow(o['alpha']).mean() + o['lambdaTV'] * tv(x, B * B)
        (g,) = torch.autograd.grad(l, x)
        with torch.no_grad():
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            x = x.detach() - lr * B * (m / (1 - b1 ** t)) / ((v / (1 - b2 ** t)).sqrt() + eps)
        loss = float(l)
    with torch.no_grad():
        pix = float((x - x0).norm() / x0.norm())
    return loss, pix


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--spec', required=True)
    p.add_argument('--threads', type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    spec = json.load(open(a.spec))
    raw = np.fromfile(spec['weights'], dtype='<f4')
    net = Net(spec, raw)
    h, w, c = spec['shape']
    nchw = lambda flat: torch.from_numpy(np.array(flat, dtype=np.float32).reshape(1, h, w, c)).permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        logits = net.forward(nchw(spec['checkImage']))[0].tolist()
    out = {'peer': 'pytorch', 'version': torch.__version__, 'threads': torch.get_num_threads(), 'checkLogits': logits}
    oi = spec['optimalInput']
    t0 = time.perf_counter()
    out['optimal_objective'] = optimal_input(net, (c, h, w), oi, oi['class'])
    out['optimal_s'] = time.perf_counter() - t0
    rc = spec['reconstruction']
    t0 = time.perf_counter()
    out['reconstruction_loss'], out['reconstruction_pixel_error'] = reconstruction(net, nchw(spec['probeImage']), rc)
    out['reconstruction_s'] = time.perf_counter() - t0
    print(json.dumps(out))


if __name__ == '__main__':
    main()

"""What the Gemmini target computes: matrix products (optionally with bias, ReLU, saturation),
2-D convolutions as implicit-im2col matrix products, and saturating elementwise additions.

A workload fixes shapes and element types; its NumPy `reference` is the oracle every program for
it is checked against. Inputs are int8 (`A`, `B`, the convolution image `X`), biases int32.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .isa import DIM, ELEM_MAX, ELEM_MIN


@dataclass(frozen=True)
class Conv:
    """A 2-D convolution with `stride` over an NHWC image of `height` x `width` pixels.

    The image buffer `X` is (batch * height * width) x in_ch; weights `B` are (kh * kw * in_ch) x
    out_ch, row (ky * kw + kx) * in_ch + c (HWIO flattened); the output rows are
    (b * out_h + oy) * out_w + ox, NHWC; output pixel (oy, ox) reads image pixels
    (oy * stride + ky, ox * stride + kx). Zero padding is the caller's: `X` is the padded image
    and `height`/`width` its size; `pad` only records how many zero pixels surround the
    unpadded one on each side.
    """

    batch: int
    height: int
    width: int
    in_ch: int
    out_ch: int
    kh: int = 3
    kw: int = 3
    stride: int = 1
    pad: int = 0

    @property
    def out_h(self) -> int:
        return (self.height - self.kh) // self.stride + 1

    @property
    def out_w(self) -> int:
        return (self.width - self.kw) // self.stride + 1

    def pixels_read(self) -> int:
        """Image pixels some output pixel reads (with a stride above the kernel size, fewer
        than the image has)."""
        ys = {oy * self.stride + ky for oy in range(self.out_h) for ky in range(self.kh)}
        xs = {ox * self.stride + kx for ox in range(self.out_w) for kx in range(self.kw)}
        return self.batch * len(ys) * len(xs)


@dataclass(frozen=True)
class Gemm:
    """C = act(A @ B + D) for an M x K int8 `A` (or a convolution's implicit im2col matrix) and
    a K x N int8 `B`; int32 accumulation.

    `out_dtype` int32 writes the exact sums (full-width mvout); int8 scales them by `acc_scale`,
    rounds half to even, saturates to [-128, 127] and applies ReLU when `relu`.
    `bias`: "none", "matrix" (an M x N int32 `D`) or "row" (a 1 x N int32 `D` added to every row).
    """

    name: str
    m: int
    n: int
    k: int
    bias: str = "none"
    out_dtype: str = "int32"
    relu: bool = False
    acc_scale: float = 1.0
    conv: Conv | None = None

    def __post_init__(self) -> None:
        if min(self.m, self.n, self.k) < 1:
            raise ValueError(f"{self.name}: dimensions must be positive")
        if self.bias not in ("none", "matrix", "row"):
            raise ValueError(f"unknown bias kind {self.bias!r}")
        if self.relu and self.out_dtype != "int8":
            raise ValueError("ReLU is applied on the int8 output path only")
        if self.conv is not None and self.conv.in_ch % DIM:
            raise ValueError(f"convolution input channels must be a multiple of {DIM}")
        if self.conv is not None and (self.conv.stride < 1 or self.conv.height < self.conv.kh
                                      or self.conv.width < self.conv.kw):
            raise ValueError("the stride must be positive and the padded image at least as "
                             "large as the kernel")

    @property
    def macs(self) -> int:
        return self.m * self.n * self.k

    @property
    def a_shape(self) -> tuple[int, int]:
        if self.conv:
            c = self.conv
            return (c.batch * c.height * c.width, c.in_ch)
        return (self.m, self.k)

    def inputs(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Random inputs over the full int8 range (biases: small int32)."""
        out = {"X" if self.conv else "A": rng.integers(ELEM_MIN, ELEM_MAX + 1, self.a_shape),
               "B": rng.integers(ELEM_MIN, ELEM_MAX + 1, (self.k, self.n))}
        if self.bias != "none":
            rows = self.m if self.bias == "matrix" else 1
            out["D"] = rng.integers(-(1 << 15), 1 << 15, (rows, self.n))
        return {k: v.astype(np.int8 if k != "D" else np.int32) for k, v in out.items()}

    def im2col(self, x: np.ndarray) -> np.ndarray:
        """The M x K matrix a convolution multiplies (rows: output pixels, cols: ky, kx, c)."""
        c = self.conv
        assert c is not None
        img = x.reshape(c.batch, c.height, c.width, c.in_ch)
        s = c.stride
        cols = [img[:, ky:ky + s * (c.out_h - 1) + 1:s, kx:kx + s * (c.out_w - 1) + 1:s, :]
                for ky in range(c.kh) for kx in range(c.kw)]
        return np.concatenate(cols, axis=-1).reshape(self.m, self.k)

    def reference(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The exact result, by NumPy."""
        a = self.im2col(inputs["X"]) if self.conv else inputs["A"]
        acc = a.astype(np.int64) @ inputs["B"].astype(np.int64)
        if self.bias != "none":
            acc = acc + inputs["D"].astype(np.int64)
        if self.out_dtype == "int32":
            return {"C": acc.astype(np.int32)}
        y = np.rint(acc.astype(np.int32).astype(np.float32) * np.float32(self.acc_scale))
        y = np.clip(y, ELEM_MIN, ELEM_MAX)
        if self.relu:
            y = np.maximum(y, 0)
        return {"C": y.astype(np.int8)}


def gemm(m: int, n: int, k: int, **kw) -> Gemm:
    return Gemm(kw.pop("name", f"gemm_{m}x{n}x{k}"), m, n, k, **kw)


def conv2d(batch: int, out_hw: int, in_ch: int, out_ch: int, kernel: int = 3, **kw) -> Gemm:
    """A `kernel` x `kernel` convolution producing `out_hw` x `out_hw` pixels ("same" size after
    the caller pads the image by kernel // 2 on each side)."""
    c = Conv(batch, out_hw + kernel - 1, out_hw + kernel - 1, in_ch, out_ch, kernel, kernel,
             pad=kernel // 2)
    name = kw.pop("name", f"conv{kernel}x{kernel}_n{batch}_{out_hw}x{out_hw}x{in_ch}_{out_ch}")
    return Gemm(name, batch * out_hw * out_hw, out_ch, kernel * kernel * in_ch, conv=c, **kw)


def conv2d_image(batch: int, height: int, width: int, in_ch: int, out_ch: int, kernel: int = 3,
                 stride: int = 1, pad: int = 0, **kw) -> Gemm:
    """A `kernel` x `kernel` convolution with `stride` of a `height` x `width` image padded by
    `pad` zero pixels on each side (the program reads the padded image, which the caller
    passes)."""
    if min(batch, height, width, in_ch, out_ch, kernel, stride) < 1 or pad < 0:
        raise ValueError("convolution sizes must be positive and the padding not negative")
    c = Conv(batch, height + 2 * pad, width + 2 * pad, in_ch, out_ch, kernel, kernel, stride, pad)
    if c.height < kernel or c.width < kernel:
        raise ValueError(f"a {kernel}x{kernel} kernel does not fit the padded "
                         f"{c.height}x{c.width} image")
    name = kw.pop("name", f"conv{kernel}x{kernel}s{stride}p{pad}_n{batch}_{height}x{width}x"
                          f"{in_ch}_{out_ch}")
    return Gemm(name, batch * c.out_h * c.out_w, out_ch, kernel * kernel * in_ch, conv=c, **kw)


@dataclass(frozen=True)
class Add:
    """C = A + B elementwise for M x N int8 `A`, `B`: int32 (exact) or int8 (saturated) output."""

    name: str
    m: int
    n: int
    out_dtype: str = "int8"

    @property
    def macs(self) -> int:
        return 0

    def inputs(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {k: rng.integers(ELEM_MIN, ELEM_MAX + 1, (self.m, self.n)).astype(np.int8)
                for k in ("A", "B")}

    def reference(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        s = inputs["A"].astype(np.int32) + inputs["B"].astype(np.int32)
        return {"C": s if self.out_dtype == "int32" else np.clip(s, ELEM_MIN, ELEM_MAX).astype(np.int8)}


Workload = Gemm | Add


def describe(w: Workload) -> str:
    """What `w` computes and its shapes, in one line (the docstring of its programs)."""
    if isinstance(w, Add):
        return f"C = {'saturate(A + B)' if w.out_dtype == 'int8' else 'A + B'}, {w.m}x{w.n}"
    prod = "conv(X, B)" if w.conv else "A @ B"
    expr = prod + (" + D" if w.bias != "none" else "")
    if w.out_dtype == "int8":
        expr = f"{'relu(' if w.relu else ''}saturate({expr}{' * ' + str(w.acc_scale) if w.acc_scale != 1.0 else ''}){')' if w.relu else ''}"
    shape = f"M={w.m} N={w.n} K={w.k}"
    if w.conv:
        c = w.conv
        shape += (f"; image {c.batch}x{c.height}x{c.width}x{c.in_ch} NHWC"
                  f"{f' (padded by {c.pad})' if c.pad else ''}, kernel {c.kh}x{c.kw}"
                  f"{f' stride {c.stride}' if c.stride != 1 else ''}, {c.out_ch} output channels")
    return f"C = {expr} ({shape})"

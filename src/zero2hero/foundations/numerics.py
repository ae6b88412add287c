"""Numbers on machines: floating-point formats, rounding, careful sums and a stable softmax.

Everything a neural network computes is rounded. This module makes the rounding visible:

* ``FloatFormat`` describes a binary format by its exponent and mantissa widths (fp32, fp16, bf16,
  fp8 e4m3 and e5m2) and derives its epsilon, range and spacing from those two numbers.
* ``round_to_bf16``, ``round_to_fp16``, ``round_to_fp8`` take float32 arrays and return the float32
  arrays you would get by storing them in the narrower format and reading them back: round to
  nearest, ties to even, with subnormals, overflow and NaN handled as the hardware does.
* ``naive_sum``, ``kahan_sum``, ``pairwise_sum`` add the same numbers three ways, so the error of
  each can be measured rather than taken on trust.
* ``logsumexp``, ``stable_softmax``, ``log_softmax``, ``cross_entropy`` are the max-shifted forms
  that never overflow, the ones every language model's loss rests on.

Conventions: reductions refuse empty input and non-floating dtypes with a ``ValueError`` (an empty
softmax or an integer logit is a bug upstream, and a quiet NaN would hide it); the rounding
emulators accept float32 only, because what they emulate is a cast *from* float32.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

# --------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FloatFormat:
    """A binary floating-point format: 1 sign bit, ``exponent_bits``, ``mantissa_bits``.

    ``mantissa_bits`` counts the stored fraction bits; normal numbers carry one more, implicit,
    leading 1, so the precision is ``mantissa_bits + 1`` bits. ``has_inf`` is False for fp8 e4m3,
    which spends the all-ones exponent on ordinary numbers and keeps only one NaN pattern per sign
    (hence its larger range for so few bits).
    """

    name: str
    exponent_bits: int
    mantissa_bits: int
    has_inf: bool = True

    @property
    def bias(self) -> int:
        """The stored exponent is the true exponent plus this bias."""
        return 2 ** (self.exponent_bits - 1) - 1

    @property
    def emin(self) -> int:
        """Exponent of the smallest normal number (stored exponent 1)."""
        return 1 - self.bias

    @property
    def emax(self) -> int:
        """Exponent of the largest finite number."""
        # IEEE formats reserve the all-ones exponent for inf and NaN; e4m3 uses it for numbers.
        return self.bias if self.has_inf else self.bias + 1

    @property
    def eps(self) -> float:
        """Machine epsilon: the gap between 1 and the next representable number."""
        return 2.0**-self.mantissa_bits

    @property
    def unit_roundoff(self) -> float:
        """The worst relative error of round-to-nearest on normal numbers: eps / 2."""
        return self.eps / 2

    @property
    def max_finite(self) -> float:
        """The largest finite number: all mantissa bits set at the top exponent."""
        top_mantissa = 2.0 - 2.0**-self.mantissa_bits
        if not self.has_inf:  # e4m3: mantissa 111 at the top exponent is NaN, so 110 is the top
            top_mantissa -= 2.0**-self.mantissa_bits
        return top_mantissa * 2.0**self.emax

    @property
    def min_normal(self) -> float:
        """The smallest positive number with the full precision."""
        return 2.0**self.emin

    @property
    def min_subnormal(self) -> float:
        """The smallest positive number at all: one unit in the last place below min_normal."""
        return 2.0 ** (self.emin - self.mantissa_bits)


FP32 = FloatFormat("fp32", exponent_bits=8, mantissa_bits=23)
FP16 = FloatFormat("fp16", exponent_bits=5, mantissa_bits=10)
BF16 = FloatFormat("bf16", exponent_bits=8, mantissa_bits=7)
FP8_E4M3 = FloatFormat("fp8_e4m3", exponent_bits=4, mantissa_bits=3, has_inf=False)
FP8_E5M2 = FloatFormat("fp8_e5m2", exponent_bits=5, mantissa_bits=2)
FORMATS: dict[str, FloatFormat] = {f.name: f for f in (FP32, FP16, BF16, FP8_E4M3, FP8_E5M2)}


def _format(fmt: str | FloatFormat) -> FloatFormat:
    if isinstance(fmt, FloatFormat):
        return fmt
    key = {"e4m3": "fp8_e4m3", "e5m2": "fp8_e5m2"}.get(fmt, fmt)
    if key not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {sorted(FORMATS)}")
    return FORMATS[key]


def machine_epsilon(dtype: type | np.dtype | str = np.float32) -> float:
    """Measure epsilon by experiment: halve e until 1 + e/2 rounds back to 1 in ``dtype``.

    The loop is the definition made executable; comparing its answer with ``np.finfo`` is a check
    that the arithmetic really is what the format says.
    """
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise ValueError(f"machine_epsilon needs a floating dtype, got {dt}")
    one, two, eps = dt.type(1), dt.type(2), dt.type(1)
    while one + eps / two != one:
        eps = eps / two
    return float(eps)


def ulp(x: ArrayLike, fmt: str | FloatFormat = "fp32") -> NDArray[np.float64]:
    """The unit in the last place of ``fmt`` at ``x``: the spacing of representable numbers there.

    For |x| in [2**e, 2**(e+1)) the spacing is 2**(e - mantissa_bits); below the normal range it
    stops shrinking at the subnormal spacing. Relative rounding error is ulp / 2 / |x| at worst,
    which is why the error of a float grows with its size while its *relative* error does not.
    """
    f = _format(fmt)
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError("ulp is defined for finite numbers only; got inf or NaN")
    _, e = np.frexp(np.abs(arr))  # |x| = m * 2**e with m in [0.5, 1): floor(log2|x|) = e - 1
    binade = np.where(arr == 0, f.emin, np.maximum(e - 1, f.emin))  # 0 sits among the subnormals
    return np.ldexp(1.0, binade - f.mantissa_bits)


def float32_bits(x: float) -> str:
    """The float32 bit pattern of ``x`` as 'sign exponent mantissa', e.g. '0 01111111 000...0'."""
    (word,) = np.asarray([x], dtype=np.float32).view(np.uint32)
    s = f"{int(word):032b}"
    return f"{s[0]} {s[1:9]} {s[9:]}"


# --------------------------------------------------------------------------------------------
# Rounding float32 to narrower formats
# --------------------------------------------------------------------------------------------


def _as_float32(x: ArrayLike) -> NDArray[np.float32]:
    arr = np.asarray(x)
    if arr.dtype != np.float32:
        raise ValueError(
            f"expected a float32 array, got dtype {arr.dtype}: these functions emulate a cast "
            "from float32, so convert first with np.asarray(x, dtype=np.float32)"
        )
    return arr


def round_to_bf16(x: ArrayLike) -> NDArray[np.float32]:
    """Round float32 values to bfloat16 (nearest, ties to even) and return them as float32.

    bf16 is float32 with the low 16 mantissa bits dropped, so the rounding is pure integer work on
    the bit pattern: add just under half of the dropped unit (0x7FFF), plus one more when the kept
    part is odd (that is what sends ties to even), then clear the low 16 bits. A carry out of the
    mantissa bumps the exponent, which is exactly right: 1.11...1 rounds up to the next power of
    two, and the largest float32 numbers round up to inf. Subnormals need no special case because
    bf16 keeps float32's exponent.
    """
    arr = _as_float32(x)
    bits = arr.reshape(-1).view(np.uint32)
    odd = (bits >> np.uint32(16)) & np.uint32(1)
    rounded = (bits + np.uint32(0x7FFF) + odd) & np.uint32(0xFFFF0000)
    # A NaN whose payload lives only in the dropped bits would truncate to inf, and adding to a
    # negative NaN's pattern could wrap: keep NaNs NaN by setting the quiet bit before truncating.
    quiet_nan = (bits | np.uint32(0x00400000)) & np.uint32(0xFFFF0000)
    out = np.where(np.isnan(arr.reshape(-1)), quiet_nan, rounded)
    return out.view(np.float32).reshape(arr.shape)


def _round_finite(x: NDArray[np.float64], f: FloatFormat) -> NDArray[np.float64]:
    """Round finite float64 values to ``f``'s grid, nearest with ties to even, ignoring overflow."""
    _, e = np.frexp(x)  # |x| = m * 2**e, m in [0.5, 1), so x sits in the binade of 2**(e - 1)
    quantum = np.ldexp(1.0, np.maximum(e - 1, f.emin) - f.mantissa_bits)  # subnormals: fixed step
    # x / quantum is exact (a power-of-two rescale, far from float64's limits), and np.rint rounds
    # halves to even, so this is a single correct rounding, not a rounding of a rounding.
    return np.rint(x / quantum) * quantum


def round_to_format(
    x: ArrayLike, fmt: str | FloatFormat, saturate: bool = False
) -> NDArray[np.float32]:
    """Round float32 values to any ``FloatFormat`` no wider than float32; return them as float32.

    Overflow follows IEEE: a value rounds to inf when rounding with an unbounded exponent would
    land above ``max_finite`` (so values up to max_finite + ulp/2, exclusive, still round down).
    ``saturate=True`` clamps finite overflow to +-max_finite instead. Formats without inf (e4m3)
    send overflow and infinities to NaN, or to +-max_finite when saturating. NaN stays NaN.
    """
    f = _format(fmt)
    if f.mantissa_bits > FP32.mantissa_bits or f.exponent_bits > FP32.exponent_bits:
        raise ValueError(f"{f.name} is wider than float32; nothing to round")
    arr = _as_float32(x)
    with np.errstate(invalid="ignore"):  # signalling NaNs complain when widened; they stay NaN
        flat = arr.reshape(-1).astype(np.float64)  # exact: every float32 is a float64
    out = flat.copy()  # inf and NaN pass through unless the format has no inf (below)
    finite = np.isfinite(flat)
    r = _round_finite(flat[finite], f)
    over = np.abs(r) > f.max_finite
    if saturate:
        r[over] = np.copysign(f.max_finite, r[over])
    else:
        r[over] = np.copysign(np.inf, r[over]) if f.has_inf else np.nan
    out[finite] = r
    if not f.has_inf:
        inf = np.isinf(flat)
        out[inf] = np.copysign(f.max_finite, flat[inf]) if saturate else np.nan
    return out.astype(np.float32).reshape(arr.shape)


def round_to_fp16(x: ArrayLike) -> NDArray[np.float32]:
    """Round float32 values to IEEE half precision and return them as float32.

    fp16 has 10 mantissa bits and a 5-bit exponent: 65504 is its largest number, anything from
    65520 up becomes inf, and below 2**-14 the numbers thin out into subnormals down to 2**-24.
    """
    return round_to_format(x, FP16)


def round_to_fp8(
    x: ArrayLike, fmt: str = "e4m3", saturate: bool | None = None
) -> NDArray[np.float32]:
    """Round float32 values to fp8 (``"e4m3"`` or ``"e5m2"``) and return them as float32.

    e4m3 (max 448, no inf) is the precision-leaning format used for weights and activations; e5m2
    (max 57344, with inf) trades a mantissa bit for range, for gradients. By default e4m3 saturates
    out-of-range values to +-448, as FP8 training recipes and PyTorch's own cast do, and e5m2
    overflows to inf like any IEEE format; pass ``saturate`` to choose explicitly.
    """
    f = _format(fmt)
    if f not in (FP8_E4M3, FP8_E5M2):
        raise ValueError(f"fmt must be 'e4m3' or 'e5m2', got {fmt!r}")
    if saturate is None:
        saturate = f is FP8_E4M3
    return round_to_format(x, f, saturate=saturate)


# --------------------------------------------------------------------------------------------
# Summation
# --------------------------------------------------------------------------------------------


def _as_float_vector(x: ArrayLike) -> NDArray[np.floating]:
    arr = np.asarray(x)
    if arr.dtype.kind != "f":
        raise ValueError(f"expected a floating-point array, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"expected a 1-D array, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("cannot sum an empty array: pass at least one number")
    return arr


def naive_sum(x: ArrayLike) -> np.floating:
    """Add left to right in x's own dtype, rounding after every addition.

    This is the loop ``s = 0; for v in x: s += v``; the running total grows, so late terms lose
    more of their low bits, and the error bound grows like (n - 1) * u * sum|x|. ``np.cumsum``
    performs exactly that sequence of roundings (unlike ``np.sum``, which adds pairwise).
    """
    arr = _as_float_vector(x)
    return np.cumsum(arr, dtype=arr.dtype)[-1]


def kahan_sum(x: ArrayLike) -> np.floating:
    """Compensated (Kahan) summation in x's own dtype.

    Each addition's rounding error is recovered exactly with ``(s - total) - y`` and fed back into
    the next term, so the error no longer grows with n: it is at most (2u + O(n u^2)) sum|x|.
    It must be a sequential loop: the correction depends on the previous step.
    """
    arr = _as_float_vector(x)
    zero = arr.dtype.type(0)
    total, lost = zero, zero  # `lost` is minus the low-order part the last addition dropped
    for v in arr:
        y = v - lost
        s = total + y
        lost = (s - total) - y  # (what was actually added) - (what we meant to add)
        total = s
    return total


def pairwise_sum(x: ArrayLike) -> np.floating:
    """Sum by adding neighbours in pairs, level by level, in x's own dtype.

    Every term passes through only ceil(log2 n) additions instead of up to n - 1, so the error
    bound drops to ceil(log2 n) * u * sum|x|, and each level is one vectorised addition.
    """
    arr = _as_float_vector(x)
    while arr.size > 1:
        if arr.size % 2:  # pad with an exact zero: adding it changes nothing
            arr = np.append(arr, arr.dtype.type(0))
        arr = arr[0::2] + arr[1::2]
    return arr[0]


# --------------------------------------------------------------------------------------------
# The softmax family
# --------------------------------------------------------------------------------------------


def _as_logits(x: ArrayLike, axis: int) -> NDArray[np.floating]:
    arr = np.asarray(x)
    if arr.dtype.kind != "f":
        raise ValueError(
            f"expected floating-point logits, got dtype {arr.dtype}; convert with .astype(float)"
        )
    if arr.ndim == 0:
        raise ValueError("expected at least one axis of logits, got a scalar")
    if arr.shape[axis] == 0 or arr.size == 0:
        raise ValueError(f"cannot normalise over an empty axis (shape {arr.shape}, axis {axis})")
    return arr


def _safe_max(x: NDArray[np.floating], axis: int) -> NDArray[np.floating]:
    """The row max to shift by, replaced by 0 where it is +-inf or NaN (inf - inf would be NaN)."""
    m = np.max(x, axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0).astype(x.dtype)


def logsumexp(x: ArrayLike, axis: int = -1, keepdims: bool = False) -> NDArray[np.floating]:
    """log(sum(exp(x))) along ``axis``, computed as m + log(sum(exp(x - m))) with m = max(x).

    After the shift the largest exponent is exp(0) = 1, so nothing overflows, and the sum is at
    least 1, so the log never sees 0. Rows of all -inf give -inf, a +inf entry gives +inf, and
    NaN propagates: the limits the exact formula has.
    """
    arr = _as_logits(x, axis)
    m = _safe_max(arr, axis)
    with np.errstate(divide="ignore"):  # log(0) = -inf is the right answer for an all -inf row
        out = m + np.log(np.sum(np.exp(arr - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def stable_softmax(x: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    """softmax(x) = exp(x - m) / sum(exp(x - m)) along ``axis``, with m = max(x).

    Subtracting m changes nothing mathematically (it cancels between numerator and denominator)
    and everything numerically: exp never sees a positive argument, so it cannot overflow, and
    the largest term is exactly 1, so the denominator cannot underflow to 0. -inf logits (masked
    positions) get probability exactly 0. A row with no finite logit has no softmax; like
    ``torch.softmax`` it comes out NaN.
    """
    arr = _as_logits(x, axis)
    e = np.exp(arr - _safe_max(arr, axis))
    with np.errstate(invalid="ignore"):
        return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    """log(softmax(x)) computed as (x - m) - log(sum(exp(x - m))), never as the log of a softmax.

    log(softmax(x)) breaks when a probability underflows to 0 (its log is -inf although the true
    value is finite, e.g. -200). And x - logsumexp(x), though exact algebra, subtracts two numbers
    of size |m| and inherits their absolute rounding error (about 5e-4 for logits near 1e4 in
    float32). Shifting first keeps the top entries exact and leaves a log term in [0, log n].
    """
    arr = _as_logits(x, axis)
    shifted = arr - _safe_max(arr, axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def cross_entropy(logits: ArrayLike, targets: ArrayLike) -> np.floating:
    """Mean negative log-likelihood of integer ``targets`` under softmax(``logits``).

    logits: (..., C) floating; targets: (...) integers in [0, C). Going straight from logits via
    ``log_softmax`` means the loss is finite whenever the target's logit is, however confident
    and wrong the model is, which is exactly when the gradient matters most.
    """
    lp = log_softmax(logits, axis=-1)
    t = np.asarray(targets)
    if t.dtype.kind not in "iu":
        raise ValueError(f"targets must be integer class indices, got dtype {t.dtype}")
    if t.shape != lp.shape[:-1]:
        raise ValueError(f"targets shape {t.shape} does not match logits shape {lp.shape}[:-1]")
    n_classes = lp.shape[-1]
    if np.any(t < 0) or np.any(t >= n_classes):
        raise ValueError(f"targets must lie in [0, {n_classes}), got {t.min()}..{t.max()}")
    picked = np.take_along_axis(lp, t[..., None], axis=-1)[..., 0]
    return -np.mean(picked)

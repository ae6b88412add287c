"""Lab 05.05: emulate bfloat16 and float16 rounding on float32 arrays.

Fill in the two functions below. Each takes a float32 numpy array and returns a float32 array of
the same shape holding the values you would get by storing the input in the narrow format and
reading it back. Round to nearest, ties to even, as the hardware does.

Run the checks with `z2h check 05.05`; ask for a hint with `z2h hint 05.05`.
"""

from __future__ import annotations

import numpy as np


def round_to_bf16(x: np.ndarray) -> np.ndarray:
    """Round float32 values to bfloat16 (8 exponent bits, 7 mantissa bits), returned as float32.

    Work on the bits: ``x.view(np.uint32)`` gives the float32 pattern, and bf16 keeps its top 16.
    Decide how to round the 16 bits you drop (ties go to the neighbour whose last kept bit is 0),
    keep NaN a NaN, and raise ValueError for anything that is not a float32 array.
    """
    raise NotImplementedError("round_to_bf16: see exercise 05.05 and its hints")


def round_to_fp16(x: np.ndarray) -> np.ndarray:
    """Round float32 values to IEEE float16 (5 exponent, 10 mantissa bits), returned as float32.

    The spacing of fp16 numbers near |x| is 2**(e - 10) where 2**e <= |x| < 2**(e+1), but never
    smaller than 2**-24 (the subnormals). Values from 65520 up overflow to inf; inf and NaN pass
    through; raise ValueError for anything that is not a float32 array.
    """
    raise NotImplementedError("round_to_fp16: see exercise 05.05 and its hints")

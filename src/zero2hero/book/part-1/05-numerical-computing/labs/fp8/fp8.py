"""Challenge 05.16: emulate the two 8-bit floating-point formats used to train large models.

Implement ``round_to_fp8``: float32 array in, float32 array of the same shape out, holding the
value each input becomes when stored as fp8 and read back (round to nearest, ties to even).

    e4m3: 4 exponent bits (bias 7), 3 mantissa bits, no infinities; the all-ones exponent holds
          ordinary numbers except mantissa 111, which is NaN. Largest number 448.
    e5m2: 5 exponent bits (bias 15), 2 mantissa bits, IEEE-style inf and NaN. Largest 57344.

``saturate=None`` means each format's usual behaviour: e4m3 clamps out-of-range values (and
infinities) to +-448; e5m2 overflows to +-inf. ``saturate=True`` / ``False`` forces one or the
other (e4m3 without saturation sends overflow to NaN). NaN stays NaN.

Run the checks with `z2h check 05.16`.
"""

from __future__ import annotations

import numpy as np


def round_to_fp8(x: np.ndarray, fmt: str = "e4m3", saturate: bool | None = None) -> np.ndarray:
    """Round float32 values to fp8 ``fmt`` ('e4m3' or 'e5m2') and return them as float32."""
    raise NotImplementedError("round_to_fp8: see challenge 05.16 and its hints")

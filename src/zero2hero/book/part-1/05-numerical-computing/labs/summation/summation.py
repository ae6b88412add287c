"""Lab 05.09: add float32 numbers without letting the rounding errors pile up.

Implement the two functions below. Both take a 1-D floating-point numpy array and return its sum
as a scalar of the *same* dtype (a float32 input gives a np.float32 result): the point is to be
accurate while doing every addition in that precision, not to borrow float64.

Run the checks with `z2h check 05.09`; ask for a hint with `z2h hint 05.09`.
"""

from __future__ import annotations

import numpy as np


def kahan_sum(x: np.ndarray) -> np.floating:
    """Compensated summation: carry the low-order bits each addition loses into the next term.

    Raise ValueError for an empty array (or one that is not floating point).
    """
    raise NotImplementedError("kahan_sum: see exercise 05.09 and its hints")


def pairwise_sum(x: np.ndarray) -> np.floating:
    """Sum neighbours in pairs, level by level, until one number is left.

    Raise ValueError for an empty array (or one that is not floating point).
    """
    raise NotImplementedError("pairwise_sum: see exercise 05.09 and its hints")

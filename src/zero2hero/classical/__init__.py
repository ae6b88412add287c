"""Classical machine learning: the models that came before deep learning, written from scratch.

Each module is small, numpy-only and meant to be read next to chapter 6 of the book:

* ``linear``: least squares (normal equations, with a minimum-norm fallback for rank-deficient
  data), gradient descent, ridge regression, leave-one-out residuals from the hat matrix, and
  logistic regression by gradient descent or Newton's method with a stable log-sigmoid.
* ``neighbours``: k-nearest-neighbour classification and regression.
* ``bayes``: Gaussian and multinomial naive Bayes, computed in log space, with Laplace smoothing.
* ``cluster``: k-means (Lloyd's algorithm) with k-means++ seeding and several restarts.
* ``selection``: train/test splits, k-fold indices and cross-validated scores.
* ``plots``: a PNG of a classifier's decision regions in two dimensions.

Conventions: features are an (n, d) array ``X`` and targets a length-n vector ``y``. Every entry
point checks its input and raises ``ValueError`` for empty data, mismatched lengths, non-finite
values or an impossible ``k``, so a mistake upstream is reported where it happens instead of
surfacing later as a NaN.
"""

"""zero2hero.classical against scikit-learn, on freshly generated data.

scikit-learn is a test-only dependency: it is the independent reference here, never imported by
the library. Each test draws new data (make_regression, make_classification, make_blobs with a
fresh seed) and compares coefficients, predictions, probabilities, inertia or cluster assignments
with explicit tolerances. The second half feeds every entry point bad input and expects a clear
ValueError, never a silent NaN.
"""

from __future__ import annotations

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn import cluster as sk_cluster  # noqa: E402
from sklearn import datasets, linear_model, model_selection, naive_bayes  # noqa: E402
from sklearn import neighbors as sk_neighbors  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from zero2hero.classical import bayes, cluster, linear, neighbours, plots, selection  # noqa: E402

rng = np.random.default_rng()


def seed() -> int:
    return int(rng.integers(2**31))


def assert_close(got, want, rtol, atol=0.0, what=""):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, expected {want.shape}"
    err = np.max(np.abs(got - want) - rtol * np.abs(want)) if got.size else 0.0
    assert np.allclose(got, want, rtol=rtol, atol=atol), f"{what}: off by {err:.3g}"


# --------------------------------------------------------------------------- linear regression
def test_least_squares_matches_linear_regression():
    X, y = datasets.make_regression(120, 6, noise=3.0, bias=4.0, random_state=seed())
    w, b = linear.least_squares(X, y)
    ref = linear_model.LinearRegression().fit(X, y)
    assert_close(w, ref.coef_, 1e-9, 1e-9, "coefficients")
    assert_close(b, ref.intercept_, 1e-9, 1e-9, "intercept")
    Xq = rng.standard_normal((10, 6))
    assert_close(linear.predict_linear(w, b, Xq), ref.predict(Xq), 1e-9, 1e-9, "predictions")


def test_least_squares_rank_deficient_gives_the_minimum_norm_solution():
    X, y = datasets.make_regression(40, 3, noise=1.0, random_state=seed())
    X = np.column_stack([X, X[:, 0] - 2 * X[:, 1]])  # a dependent fourth column
    w, b = linear.least_squares(X, y)
    ref = linear_model.LinearRegression().fit(X, y)
    assert np.all(np.isfinite(w))
    assert_close(linear.predict_linear(w, b, X), ref.predict(X), 1e-9, 1e-9, "fitted values")
    Xc, yc = X - X.mean(0), y - y.mean()
    assert_close(w, np.linalg.pinv(Xc) @ yc, 1e-8, 1e-10, "minimum-norm w")
    wide = rng.standard_normal((5, 12))  # more features than points: many exact fits
    w, b = linear.least_squares(wide, rng.standard_normal(5))
    assert np.all(np.isfinite(w)) and np.isfinite(b)


def test_gradient_descent_reaches_least_squares():
    X, y = datasets.make_regression(200, 4, noise=5.0, bias=-2.0, random_state=seed())
    w, b, losses = linear.linear_gd(X, y)
    ref = linear_model.LinearRegression().fit(X, y)
    assert_close(w, ref.coef_, 1e-6, 1e-6, "GD coefficients")
    assert_close(b, ref.intercept_, 1e-6, 1e-6, "GD intercept")
    assert np.all(np.diff(losses) <= 1e-9 * losses[0]), "a step of 1/L must never raise the loss"


@pytest.mark.parametrize("lam", [0.1, 3.0, 100.0])
def test_ridge_matches_sklearn(lam):
    X, y = datasets.make_regression(60, 8, noise=10.0, bias=1.5, random_state=seed())
    w, b = linear.ridge(X, y, lam)
    ref = linear_model.Ridge(alpha=lam, solver="svd").fit(X, y)
    assert_close(w, ref.coef_, 1e-8, 1e-10, "ridge coefficients")
    assert_close(b, ref.intercept_, 1e-8, 1e-10, "ridge intercept")


def test_loo_residuals_match_refitting():
    X, y = datasets.make_regression(30, 3, noise=2.0, random_state=seed())
    got = linear.loo_residuals(X, y)
    want = []
    for train, test in model_selection.LeaveOneOut().split(X):
        ref = linear_model.LinearRegression().fit(X[train], y[train])
        want.append(y[test][0] - ref.predict(X[test])[0])
    assert_close(got, want, 1e-8, 1e-10, "leave-one-out residuals")


# --------------------------------------------------------------------------- logistic regression
def test_log_sigmoid_is_finite_and_accurate():
    z = np.concatenate([rng.uniform(-800, 800, 50), [-1e4, 0.0, 1e4]])
    assert_close(linear.log_sigmoid(z), -np.logaddexp(0.0, -z), 1e-12, 1e-300, "log_sigmoid")
    p = linear.sigmoid(z)
    assert np.all((p >= 0) & (p <= 1)) and np.all(np.isfinite(p))


@pytest.mark.parametrize("method", ["newton", "gd"])
def test_logistic_matches_sklearn(method):
    X, y = datasets.make_classification(
        300, 5, n_informative=3, flip_y=0.1, class_sep=0.8, random_state=seed()
    )
    lam = 0.01
    w, b = linear.fit_logistic(X, y, lam=lam, method=method, tol=1e-10)
    # sklearn minimises C * sum(loss) + ||w||^2 / 2; ours is mean(loss) + lam ||w||^2 / 2
    ref = linear_model.LogisticRegression(C=1.0 / (lam * len(y)), tol=1e-12, max_iter=10_000)
    ref.fit(X, y)
    assert_close(w, ref.coef_[0], 1e-4, 1e-5, "logistic coefficients")
    assert_close(b, ref.intercept_[0], 1e-4, 1e-5, "logistic intercept")
    Xq = rng.standard_normal((20, 5))
    assert_close(linear.predict_proba(w, b, Xq), ref.predict_proba(Xq)[:, 1], 1e-4, 1e-6,
                 "probabilities")


def test_logistic_gradient_is_zero_at_the_sklearn_optimum():
    X, y = datasets.make_classification(200, 4, n_redundant=0, random_state=seed())
    lam = 0.05
    ref = linear_model.LogisticRegression(C=1.0 / (lam * len(y)), tol=1e-12, max_iter=10_000)
    ref.fit(X, y)
    gw, gb = linear.logistic_gradient(ref.coef_[0], ref.intercept_[0], X, y, lam)
    assert np.linalg.norm(np.append(gw, gb)) < 1e-5


def test_separable_data_without_penalty_stays_finite():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    w, b = linear.fit_logistic(X, np.array([0, 0, 1, 1]))
    assert np.all(np.isfinite(w)) and np.isfinite(b) and w[0] > 5


# --------------------------------------------------------------------------- neighbours and Bayes
@pytest.mark.parametrize("k", [1, 5, 8])
def test_knn_matches_sklearn(k):
    X, y = datasets.make_classification(150, 4, n_classes=3, n_informative=3, n_redundant=0,
                                        random_state=seed())
    Xq = rng.standard_normal((60, 4))
    ref = sk_neighbors.KNeighborsClassifier(k, algorithm="brute").fit(X, y)
    assert np.array_equal(neighbours.knn_classify(X, y, Xq, k), ref.predict(Xq))
    Xr, yr = datasets.make_regression(80, 3, noise=1.0, random_state=seed())
    ref = sk_neighbors.KNeighborsRegressor(k, algorithm="brute").fit(Xr, yr)
    assert_close(neighbours.knn_regress(Xr, yr, Xq[:, :3], k), ref.predict(Xq[:, :3]), 1e-10,
                 1e-10, "k-NN regression")


def test_gaussian_nb_matches_sklearn():
    X, y = datasets.make_classification(200, 5, n_classes=3, n_informative=4, n_redundant=0,
                                        random_state=seed())
    model = bayes.fit_gaussian_nb(X, y)
    ref = naive_bayes.GaussianNB().fit(X, y)
    Xq = rng.standard_normal((30, 5)) * 2
    assert_close(model.predict_log_proba(Xq), ref.predict_log_proba(Xq), 1e-8, 1e-8,
                 "log-probabilities")
    assert np.array_equal(model.predict(Xq), ref.predict(Xq))


def test_multinomial_nb_matches_sklearn():
    g = np.random.default_rng(seed())
    X = g.poisson(g.uniform(0.1, 3.0, size=(1, 30)), size=(120, 30))
    y = g.integers(0, 3, 120)
    X[y == 1, :5] += g.poisson(2.0, size=(int(np.sum(y == 1)), 5))
    for alpha in (1.0, 0.3):
        model = bayes.fit_multinomial_nb(X, y, alpha=alpha)
        ref = naive_bayes.MultinomialNB(alpha=alpha).fit(X, y)
        Xq = g.poisson(1.0, size=(25, 30))
        assert_close(model.predict_proba(Xq), ref.predict_proba(Xq), 1e-9, 1e-12,
                     f"probabilities, alpha={alpha}")
        assert np.array_equal(model.predict(Xq), ref.predict(Xq))


# --------------------------------------------------------------------------- k-means
def test_lloyd_matches_sklearn_from_the_same_start():
    X, _ = datasets.make_blobs(300, 2, centers=4, cluster_std=2.5, random_state=seed())
    start = cluster.kmeans_plus_plus(X, 4, np.random.default_rng(seed()))
    ours = cluster.lloyd(X, start)
    ref = sk_cluster.KMeans(4, init=start, n_init=1, algorithm="lloyd", tol=0.0).fit(X)
    assert_close(ours.inertia, ref.inertia_, 1e-8, 0.0, "inertia")
    assert adjusted_rand_score(ours.labels, ref.labels_) == 1.0
    assert np.all(np.diff(ours.history) <= 1e-9 * ours.history[0]), "J went up"


def test_kmeans_finds_separated_clusters():
    X, truth = datasets.make_blobs(400, 3, centers=5, cluster_std=0.5, center_box=(-20, 20),
                                   random_state=seed())
    ours = cluster.kmeans(X, 5, n_init=10, seed=seed())
    ref = sk_cluster.KMeans(5, n_init=10, random_state=seed()).fit(X)
    assert_close(ours.inertia, ref.inertia_, 1e-6, 0.0, "inertia")
    assert adjusted_rand_score(ours.labels, ref.labels_) == 1.0
    assert adjusted_rand_score(ours.labels, truth) > 0.95
    assert_close(cluster.inertia(X, ours.centroids), ours.inertia, 1e-12, 0.0, "inertia")


# --------------------------------------------------------------------------- selection
def test_k_fold_matches_sklearn_and_cross_val_score():
    for n, k in ((10, 3), (23, 5), (7, 7)):
        ours = selection.k_fold(n, k)
        ref = list(model_selection.KFold(k).split(np.zeros((n, 1))))
        for (tr, te), (rtr, rte) in zip(ours, ref, strict=True):
            assert np.array_equal(tr, rtr) and np.array_equal(te, rte)
    X, y = datasets.make_regression(50, 3, noise=4.0, random_state=seed())

    def score(model, Xt, yt):
        return linear.mse(model[0], model[1], Xt, yt)

    got = selection.cross_val_score(linear.least_squares, score, X, y, k=5, shuffle=False)
    want = -model_selection.cross_val_score(linear_model.LinearRegression(), X, y,
                                            cv=model_selection.KFold(5),
                                            scoring="neg_mean_squared_error")
    assert_close(got, want, 1e-9, 1e-12, "fold scores")
    folds = selection.k_fold(n=31, k=4, shuffle=True, seed=seed())
    assert sorted(np.concatenate([te for _, te in folds]).tolist()) == list(range(31))
    tr, te = selection.train_test_split(40, 0.25, seed=seed())
    assert len(te) == 10 and len(np.intersect1d(tr, te)) == 0 and len(tr) + len(te) == 40


# --------------------------------------------------------------------------- the picture
def test_decision_boundary_picture_is_a_png(tmp_path):
    X, y = datasets.make_classification(80, 2, n_redundant=0, random_state=seed())
    w, b = linear.fit_logistic(X, y, lam=0.01)
    path = plots.plot_decision_boundary(
        lambda Z: (linear.predict_proba(w, b, Z) > 0.5).astype(int), X, y,
        tmp_path / "sub" / "boundary.png", resolution=60,
    )
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000


# --------------------------------------------------------------------------- bad input
BAD_X = {
    "empty": np.zeros((0, 3)),
    "no features": np.zeros((4, 0)),
    "nan": np.array([[1.0, np.nan], [0.0, 1.0], [2.0, 2.0]]),
    "inf": np.array([[1.0, np.inf], [0.0, 1.0], [2.0, 2.0]]),
    "3-D": np.zeros((2, 2, 2)),
}


@pytest.mark.parametrize("case", list(BAD_X))
def test_bad_features_raise(case):
    X = BAD_X[case]
    y = np.zeros(X.shape[0])
    calls = [
        lambda: linear.least_squares(X, y),
        lambda: linear.ridge(X, y, 1.0),
        lambda: linear.linear_gd(X, y),
        lambda: linear.fit_logistic(X, y),
        lambda: neighbours.knn_classify(X, y, np.ones((1, 3)), 1),
        lambda: bayes.fit_gaussian_nb(X, y),
        lambda: bayes.fit_multinomial_nb(X, y),
        lambda: cluster.kmeans(X, 1),
    ]
    for call in calls:
        with pytest.raises(ValueError):
            call()


def test_mismatched_lengths_and_bad_targets_raise():
    X = rng.standard_normal((10, 2))
    for call in (
        lambda: linear.least_squares(X, np.zeros(9)),
        lambda: linear.ridge(X, np.zeros(11), 1.0),
        lambda: linear.fit_logistic(X, np.zeros(9)),
        lambda: linear.fit_logistic(X, np.full(10, 2.0)),  # labels must be 0 or 1
        lambda: linear.least_squares(X, np.full(10, np.nan)),
        lambda: neighbours.knn_classify(X, np.zeros(9), X, 3),
        lambda: bayes.fit_gaussian_nb(X, np.zeros(3)),
        lambda: linear.ridge(X, np.zeros(10), -1.0),
        lambda: bayes.fit_multinomial_nb(-np.abs(X), np.zeros(10)),
        lambda: selection.cross_val_score(linear.least_squares, None, X, np.zeros(8)),
    ):
        with pytest.raises(ValueError):
            call()


def test_k_out_of_range_raises():
    X = rng.standard_normal((5, 2))
    for call in (
        lambda: cluster.kmeans(X, 6),
        lambda: cluster.kmeans(X, 0),
        lambda: cluster.kmeans_plus_plus(X, 9, rng),
        lambda: neighbours.knn_classify(X, np.arange(5), X, 6),
        lambda: neighbours.knn_regress(X, np.arange(5.0), X, 0),
        lambda: selection.k_fold(5, 6),
        lambda: selection.k_fold(5, 1),
        lambda: selection.train_test_split(1, 0.5),
    ):
        with pytest.raises(ValueError):
            call()
    assert cluster.kmeans(X, 5, n_init=2, seed=0).inertia == pytest.approx(0.0, abs=1e-20)

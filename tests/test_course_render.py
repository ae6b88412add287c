"""LaTeX to Unicode for the terminal: the commands the exercise format promises."""

from __future__ import annotations

import pytest

from zero2hero.course.render import latex_to_unicode, math_to_unicode


@pytest.mark.parametrize(
    "tex, text",
    [
        (r"\frac{1}{\sqrt{d}}", "1/√d"),
        (r"\frac{a+b}{2}", "(a+b)/2"),
        (r"\frac{1}{2v}", "1/(2v)"),
        (r"a \Longrightarrow b \blacksquare", "a ⟹ b ∎"),
        (r"\underbrace{x + y}_{\text{sum}} = z", "x + y = z"),
        (r"a \xrightarrow{f} b", "a ─f→ b"),
        (r"\begin{pmatrix} 1 & 2 \\ 3 & x_1 \end{pmatrix}", "[[1, 2], [3, x₁]]"),
        (r"\begin{bmatrix} 1 \\ 0 \end{bmatrix}", "[1, 0]ᵀ"),
        (r"\sqrt{2d}", "√(2d)"),
        (r"\sum_{i=1}^{n} x_i^2", "∑ᵢ₌₁ⁿ xᵢ²"),
        (r"\exp(x) \cdot \log(y)", "exp(x) · log(y)"),
        (r"\alpha \beta \Sigma", "α β Σ"),
        (r"W^\top W", "Wᵀ W"),
        (r"x \le y \ge z \approx w", "x ≤ y ≥ z ≈ w"),
        (r"\infty \in \mathbb{R}", "∞ ∈ ℝ"),
        (r"\mathbf{x}", "𝐱"),
        (r"10^{-3}", "10⁻³"),
        (r"e^{x+y}", "eˣ⁺ʸ"),
        (r"x_{\text{max}}", "xₘₐₓ"),
        (r"x_{\text{big}}", "x_(big)"),
        (r"\frac{\partial L}{\partial w}", "(∂L)/(∂w)"),
        (r"\left( a \right)", "( a )"),
        (r"\unknowncommand{x}", "unknowncommandx"),
    ],
)
def test_latex_to_unicode(tex: str, text: str) -> None:
    assert latex_to_unicode(tex) == text


def test_broken_latex_never_raises() -> None:
    for tex in [r"\frac{1}{", r"x^", r"\sqrt[3", "{{{", "\\"]:
        assert isinstance(latex_to_unicode(tex), str)


def test_math_in_markdown_but_not_in_code() -> None:
    md = "Take $x^2$ and `$x^2$`.\n\n```\n$x^2$\n```\n\n$$\\sum_i a_i$$\nCosts $5 or $10."
    out = math_to_unicode(md)
    assert "Take x² and `$x^2$`." in out
    assert "```\n$x^2$\n```" in out
    assert "∑ᵢ aᵢ" in out
    assert "$5 or $10" in out

"""Terminal rendering: Markdown with its math turned into Unicode, and the check report.

Terminals cannot typeset LaTeX, but most of what the book writes reads well as Unicode:
`$\\frac{1}{\\sqrt{d}} q^\\top k$` becomes `1/√d qᵀ k`. `latex_to_unicode` is a small recursive
converter for the common commands (fractions, roots, sums, Greek, sub/superscripts, `\\mathbb`,
`\\mathbf`, relations); whatever it does not know it leaves readable rather than dropping.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich is imported lazily by the functions that draw
    from rich.console import Console, RenderableType

    from zero2hero.course.book import Exercise
    from zero2hero.course.labrun import LabOutcome

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ", "psi": "ψ",
    "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
SYMBOLS = {
    "cdot": "·", "times": "×", "div": "÷", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "ne": "≠", "neq": "≠", "approx": "≈", "equiv": "≡", "sim": "∼", "simeq": "≃",
    "propto": "∝", "infty": "∞", "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆",
    "cup": "∪", "cap": "∩", "emptyset": "∅", "forall": "∀", "exists": "∃", "neg": "¬",
    "land": "∧", "lor": "∨", "sum": "∑", "prod": "∏", "int": "∫", "partial": "∂",
    "nabla": "∇", "top": "ᵀ", "intercal": "ᵀ", "prime": "′", "to": "→", "rightarrow": "→",
    "leftarrow": "←", "Rightarrow": "⇒", "Leftarrow": "⇐", "iff": "⇔", "implies": "⇒",
    "mapsto": "↦", "pm": "±", "mp": "∓", "odot": "⊙", "otimes": "⊗", "oplus": "⊕",
    "circ": "∘", "star": "⋆", "ast": "∗", "ldots": "…", "dots": "…", "cdots": "⋯",
    "vdots": "⋮", "ddots": "⋱", "langle": "⟨", "rangle": "⟩", "lVert": "‖", "rVert": "‖",
    "Vert": "‖", "|": "‖", "mid": "|", "ell": "ℓ", "hbar": "ℏ", "lfloor": "⌊",
    "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "quad": "  ", "qquad": "    ", ",": " ",
    ";": " ", ":": " ", "!": "", " ": " ", "{": "{", "}": "}", "_": "_", "%": "%",
    "&": "&", "#": "#", "$": "$", "\\": "\n", "colon": ":", "gets": "←", "ll": "≪",
    "gg": "≫", "perp": "⊥", "parallel": "∥", "angle": "∠", "triangleq": "≜",
    "Longrightarrow": "⟹", "Longleftarrow": "⟸", "Longleftrightarrow": "⟺",
    "longrightarrow": "⟶", "longleftarrow": "⟵", "Leftrightarrow": "⇔", "leftrightarrow": "↔",
    "blacksquare": "∎", "square": "□", "checkmark": "✓", "dagger": "†", "setminus": "∖",
}
NAMED_FUNCS = {
    "log", "exp", "ln", "sin", "cos", "tan", "tanh", "sinh", "cosh", "max", "min", "arg",
    "argmax", "argmin", "det", "lim", "sup", "inf", "Pr", "dim", "rank", "tr", "softmax",
    "diag", "sgn", "mod", "gcd", "Var", "Cov", "KL",
}
IGNORED = {
    "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
    "displaystyle", "textstyle", "limits", "nolimits", "nonumber", "notag", "middle",
}
BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ", "1": "𝟙"}
ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "vec": "\u20d7", "dot": "\u0307",
           "ddot": "\u0308", "overline": "\u0305", "widehat": "\u0302", "widetilde": "\u0303"}
TEXTUAL = {"text", "mathrm", "textrm", "operatorname", "mathit", "textit", "mathsf", "texttt",
           "mathtt", "mbox", "mathcal", "mathscr"}
BOLD = {"mathbf", "boldsymbol", "bm", "textbf", "pmb"}

_SUP = dict(zip("0123456789+-=()niT*", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵀ*", strict=True))
_SUP.update(zip("abcdefghijklmoprstuvwxyzABDEGHIJKLMNOPRUVW",
                "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵁⱽᵂ", strict=True))
_SUP.update({c: c for c in "ᵀ′⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ ∗"})
_SUP.update({"β": "ᵝ", "γ": "ᵞ", "δ": "ᵟ", "θ": "ᶿ", "φ": "ᵠ", "ϕ": "ᵠ", "χ": "ᵡ", "′": "′"})
_SUB = dict(zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ",
                strict=True))
_SUB.update({"β": "ᵦ", "γ": "ᵧ", "ρ": "ᵨ", "φ": "ᵩ", "ϕ": "ᵩ", "χ": "ᵪ", " ": " ", ",": ","})


def _bold(text: str) -> str:
    out = []
    for ch in text:
        if "A" <= ch <= "Z":
            out.append(chr(0x1D400 + ord(ch) - ord("A")))
        elif "a" <= ch <= "z":
            out.append(chr(0x1D41A + ord(ch) - ord("a")))
        elif "0" <= ch <= "9":
            out.append(chr(0x1D7CE + ord(ch) - ord("0")))
        else:
            out.append(ch)
    return "".join(out)


def _script(text: str, table: dict[str, str], mark: str) -> str:
    if text and all(c in table for c in text):
        return "".join(table[c] for c in text)
    return mark + (text if len(text) == 1 else f"({text})")


def _simple(text: str) -> bool:
    """Whether `text` reads unambiguously without parentheses next to a `/` or after a `√`.

    A number or a name is; a coefficient times a name (`2v`) is not: `1/2v` could mean (1/2)v.
    """
    if len(text) == 1:
        return True
    if re.match(r"\d", text) and re.search(r"[^\d.]", text):
        return False
    return bool(re.fullmatch(r"√?[\w.′ᵀ⁻⁰¹²³⁴⁵⁶⁷⁸⁹ᵢⱼₖₙ₀-₉]+", text))


class _Tex:
    """A recursive-descent pass over one math string."""

    def __init__(self, src: str):
        self.s = src
        self.i = 0

    def run(self, until: str | None = None) -> str:
        out: list[str] = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if until and c == until:
                self.i += 1
                break
            out.append(self.piece())
        return "".join(out)

    def group(self) -> str:
        """A `{...}` group, or else the single next piece (as in `x^2` or `\\frac12`)."""
        while self.i < len(self.s) and self.s[self.i] == " ":
            self.i += 1
        if self.i >= len(self.s):
            return ""
        if self.s[self.i] == "{":
            self.i += 1
            return self.run("}")
        return self.piece()

    def raw_group(self) -> str:
        """A `{...}` group's literal text (for \\text, \\begin)."""
        while self.i < len(self.s) and self.s[self.i] == " ":
            self.i += 1
        if self.i < len(self.s) and self.s[self.i] == "{":
            depth, start = 0, self.i
            while self.i < len(self.s):
                depth += {"{": 1, "}": -1}.get(self.s[self.i], 0)
                self.i += 1
                if depth == 0:
                    return self.s[start + 1 : self.i - 1]
            return self.s[start + 1 :]
        return self.piece()

    def piece(self) -> str:
        c = self.s[self.i]
        if c == "\\":
            return self.command()
        self.i += 1
        if c == "{":
            return self.run("}")
        if c == "^":
            return _script(self.group(), _SUP, "^")
        if c == "_":
            return _script(self.group(), _SUB, "_")
        if c == "&":
            return " "
        if c == "~":
            return " "
        return c

    def command(self) -> str:
        self.i += 1
        m = re.match(r"[A-Za-z]+", self.s[self.i :])
        if not m:  # a one-character command such as \, \{ \\ \|
            ch = self.s[self.i : self.i + 1]
            self.i += 1
            return SYMBOLS.get(ch, ch)
        name = m.group(0)
        self.i += len(name)
        if name in ("frac", "dfrac", "tfrac", "cfrac"):
            num, den = self.group(), self.group()
            num = num if _simple(num) else f"({num})"
            den = den if _simple(den) else f"({den})"
            return f"{num}/{den}"
        if name == "sqrt":
            index = ""
            if self.s[self.i : self.i + 1] == "[":
                end = self.s.find("]", self.i)
                index = _script(self.s[self.i + 1 : end], _SUP, "") if end > 0 else ""
                self.i = end + 1 if end > 0 else self.i
            arg = self.group()
            return f"{index}√{arg}" if _simple(arg) else f"{index}√({arg})"
        if name in ("begin", "end"):
            self.raw_group()
            return ""
        if name in ("underbrace", "overbrace", "underset", "overset"):
            # keep the expression; a brace's label follows as a sub/superscript and is dropped
            first = self.group()
            if name in ("underset", "overset"):
                return self.group()
            if self.s[self.i : self.i + 1] in ("_", "^"):
                self.i += 1
                self.group()
            return first
        if name in ("xrightarrow", "xleftarrow"):
            label = self.group()
            return f"─{label}→" if name == "xrightarrow" else f"←{label}─"
        if name in TEXTUAL:
            inner = self.raw_group()
            return inner if name in ("text", "mbox", "texttt") else _Tex(inner).run()
        if name in BOLD:
            return _bold(self.group())
        if name == "mathbb":
            inner = self.raw_group().strip()
            return BLACKBOARD.get(inner, inner)
        if name in ACCENTS:
            inner = self.group()
            return inner + ACCENTS[name] if len(inner) == 1 else f"{inner}{ACCENTS[name]}"
        if name in IGNORED:
            return ""
        if name in GREEK:
            return GREEK[name]
        if name in SYMBOLS:
            if name in ("partial", "nabla"):  # d/dx reads better without the space: ∂L
                while self.s[self.i : self.i + 1] == " ":
                    self.i += 1
            return SYMBOLS[name]
        if name in NAMED_FUNCS:
            return name
        return name  # unknown: show the word rather than lose it


_MATRIX = re.compile(r"\\begin\{([pbvBV]?matrix|array)\}(?:\{[^}]*\})?(.*?)\\end\{\1\}", re.DOTALL)


def _matrix_rows(m: re.Match) -> str:
    """A matrix environment as the nested list a learner would type: [[1, 2], [3, 4]]."""
    rows = [r for r in re.split(r"\\\\", m.group(2)) if r.strip()]
    cells = [[_Tex(c.strip()).run() for c in row.split("&")] for row in rows]
    if len(cells) == 1 or all(len(r) == 1 for r in cells):
        flat = [c for r in cells for c in r]
        return "[" + ", ".join(flat) + "]" + ("ᵀ" if len(cells) > 1 and len(flat) > 1 else "")
    return "[" + ", ".join("[" + ", ".join(r) + "]" for r in cells) + "]"


def latex_to_unicode(tex: str) -> str:
    """Convert one LaTeX math string to readable Unicode (best effort, never raises)."""
    try:
        text = _Tex(_MATRIX.sub(_matrix_rows, tex)).run()
    except (IndexError, ValueError, RecursionError):
        return tex
    return re.sub(r"[ \t]{2,}", lambda m: m.group(0)[:4], text).strip()


_FENCE = re.compile(r"(```.*?```|~~~.*?~~~)", re.DOTALL)
_INLINE_CODE = re.compile(r"(`[^`\n]*`)")
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)
_INLINE = re.compile(r"(?<![\\$])\$(?![\s$])([^$\n]+?)(?<![\s\\])\$(?!\d)")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def math_to_unicode(markdown: str) -> str:
    """Replace `$$...$$` and `$...$` outside code with Unicode, escaped for Markdown."""

    def prose(chunk: str) -> str:
        parts = _INLINE_CODE.split(chunk)
        for i in range(0, len(parts), 2):
            p = _DISPLAY.sub(
                lambda m: "\n\n\u2003\u2003"
                + _md_escape(latex_to_unicode(m.group(1))).replace("\n", "  \n\u2003\u2003")
                + "\n\n",
                parts[i],
            )
            parts[i] = _INLINE.sub(lambda m: _md_escape(latex_to_unicode(m.group(1))), p)
        return "".join(parts)

    pieces = _FENCE.split(markdown)
    return "".join(p if i % 2 else prose(p) for i, p in enumerate(pieces))


# --------------------------------------------------------------------------- rich building blocks
KIND_STYLE = {
    "pen-and-paper": "cyan",
    "derivation": "blue",
    "code-lab": "green",
    "challenge": "magenta",
    "reflection": "yellow",
}


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(highlight=False, stderr=stderr)


def markdown(text: str) -> RenderableType:
    from rich.markdown import Markdown

    return Markdown(math_to_unicode(text), code_theme="monokai", hyperlinks=False)


def stars(difficulty: int) -> str:
    d = max(0, min(5, difficulty))
    return "★" * d + "☆" * (5 - d)


def exercise_header(ex: Exercise) -> RenderableType:
    from rich.panel import Panel
    from rich.text import Text

    style = KIND_STYLE.get(ex.kind, "white")
    t = Text()
    t.append(f"{ex.id}  ", style="bold")
    t.append(latex_to_unicode(ex.title) if "$" not in ex.title else ex.title, style="bold")
    t.append("\n")
    t.append(ex.kind, style=style)
    t.append(f"   {stars(ex.difficulty)}   ", style="yellow")
    t.append(f"chapter {ex.chapter.n}: {ex.chapter.title}", style="dim")
    tags = ex.meta.get("tags")
    if isinstance(tags, list) and tags:
        t.append("\n" + "  ".join(f"#{x}" for x in tags), style="dim")
    return Panel(t, expand=False, border_style=style)


def print_outcome(con: Console, out: LabOutcome) -> None:
    """The learner-facing report of a check run."""
    from rich.text import Text

    for r in out.results:
        line = Text()
        line.append("  ✓ " if r.passed else "  ✗ ", style="bold green" if r.passed else "bold red")
        line.append(r.name, style="bold")
        if r.doc:
            line.append(f"  {r.doc}", style="dim" if r.passed else "")
        con.print(line)
        if not r.passed and r.message:
            con.print(Text("      " + r.message.replace("\n", "\n      "), style="red"))
    if out.output_bytes:
        shown = "\n".join(out.output[:2000].splitlines()[:30])
        con.print(Text("\nyour code printed:", style="dim"))
        con.print(Text(_indent(shown.rstrip()), style="dim"))
        if out.output_bytes > len(shown.encode("utf-8", errors="replace")):
            con.print(
                Text(f"  ... (output cut: {_size(out.output_bytes)} in all)", style="dim italic")
            )
    verdict = {
        "passed": ("[bold green]all checks passed[/]", ""),
        "failed": ("[bold red]{n} of {t} checks failed[/]", ""),
        "syntax-error": ("[bold red]your file does not parse[/]", "fix the line named above"),
        "import-error": ("[bold red]your file could not be loaded[/]", ""),
        "timeout": ("[bold red]time limit reached[/]", ""),
        "crashed": ("[bold red]your code crashed[/]", ""),
        "checks-error": ("[bold red]the lab's checks could not be loaded[/]", "a book bug"),
        "no-checks": ("[bold yellow]nothing to check[/]", ""),
    }
    head, extra = verdict.get(out.status, (f"[bold]{out.status}[/]", ""))
    failed = sum(not r.passed for r in out.results)
    con.print()
    con.print(head.format(n=failed, t=len(out.results)) + f"  [dim]({out.seconds:.1f} s)[/]")
    if out.message:
        con.print(Text("  " + out.message, style="red" if not out.passed else ""))
    if extra:
        con.print(f"  [dim]{extra}[/]")


def _indent(text: str, pad: str = "  ") -> str:
    return "\n".join(pad + line for line in text.splitlines())


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"

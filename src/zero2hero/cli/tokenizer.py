"""`z2h tokenize`: train a byte-level BPE tokenizer and look inside one."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text

from zero2hero.errors import Z2HError

console = Console(highlight=False, soft_wrap=True)
tokenize_app = typer.Typer(help="Train and inspect tokenizers.", no_args_is_help=True)


def _load(path: Path):
    from zero2hero.tokenize.files import tokenizer_from_json

    if path.is_dir():
        path = path / "tokenizer.json"
    if not path.is_file():
        raise Z2HError(f"no tokenizer at {path}; train one with `z2h tokenize train`")
    try:
        return tokenizer_from_json(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError) as e:
        raise Z2HError(f"{path} is not a tokenizer file ({e})") from None


def _show_bytes(token: bytes) -> str:
    return token.decode("utf-8", errors="backslashreplace").replace("\n", "\\n")


@tokenize_app.command("train")
def train_cmd(
    data: Path = typer.Argument(None, help="UTF-8 text to learn from (default: Tiny Shakespeare)."),
    vocab_size: int = typer.Option(1024, help="256 bytes + merges + special tokens."),
    out: Path = typer.Option(Path("tokenizer.json"), help="Where to write the tokenizer."),
    pattern: str = typer.Option("gpt4", help="Pre-tokenizer: gpt2 or gpt4."),
    special: list[str] = typer.Option([], help="A special token (repeatable)."),
    simple: bool = typer.Option(False, "--simple", help="Use the lesson's slow trainer."),
    gpt2_files: bool = typer.Option(False, help="Also write vocab.json + merges.txt beside it."),
) -> None:
    """Learn BPE merges from a text and save the tokenizer."""
    from zero2hero.tokenize import BPETokenizer
    from zero2hero.train.data import read_text, shakespeare

    if pattern not in ("gpt2", "gpt4"):
        raise Z2HError(f"unknown pattern {pattern!r}; use gpt2 or gpt4")
    text = read_text(data) if data is not None else shakespeare()
    started = time.perf_counter()
    with console.status(f"learning {vocab_size - 256 - len(special)} merges ..."):
        try:
            tok = BPETokenizer.train(
                text, vocab_size, pattern, special, trainer="simple" if simple else "fast"
            )
        except ValueError as e:
            raise Z2HError(str(e)) from None
    seconds = time.perf_counter() - started
    tok.save(out)
    if gpt2_files:
        tok.save_gpt2(out.with_name("vocab.json"), out.with_name("merges.txt"))
    n_tokens = len(tok.encode_ordinary(text))
    n_bytes = len(text.encode("utf-8"))
    console.print(
        f"learned {len(tok.merges)} merges in {seconds:.2f} s; vocabulary {tok.vocab_size}; "
        f"{n_bytes / n_tokens:.2f} bytes per token on the training text; saved {out}"
    )
    longest = sorted(tok.vocab.values(), key=len, reverse=True)[:8]
    console.print("longest tokens: " + "  ".join(repr(_show_bytes(t)) for t in longest))


@tokenize_app.command("encode")
def encode_cmd(
    text: str = typer.Argument(..., help="Text to encode."),
    tokenizer: Path = typer.Option(Path("tokenizer.json"), help="Tokenizer file or run folder."),
    ids: bool = typer.Option(False, "--ids", help="Print the ids only."),
) -> None:
    """Show how a text splits into tokens."""
    from zero2hero.tokenize import BPETokenizer
    from zero2hero.tokenize.files import unknown_chars

    tok = _load(tokenizer)
    missing = unknown_chars(tok, text)
    if missing:
        raise Z2HError(f"this tokenizer cannot encode {', '.join(map(repr, missing[:10]))}")
    try:
        encoded = (
            tok.encode(text, allowed_special="all")
            if isinstance(tok, BPETokenizer)
            else tok.encode(text)
        )
    except ValueError as e:
        raise Z2HError(str(e)) from None
    if ids:
        console.print(" ".join(map(str, encoded)))
        return
    shown = Text()
    styles = ("black on cyan", "black on yellow", "black on green", "black on magenta")
    for i, t in enumerate(encoded):
        piece = (
            _show_bytes(tok.decode_bytes([t])) if isinstance(tok, BPETokenizer) else tok.decode([t])
        )
        shown.append(piece, style=styles[i % len(styles)])
    console.print(shown)
    console.print(f"{len(encoded)} tokens for {len(text)} characters: {encoded}")


@tokenize_app.command("inspect")
def inspect_cmd(
    tokenizer: Path = typer.Argument(Path("tokenizer.json"), help="Tokenizer file or run folder."),
    merges: int = typer.Option(10, help="How many of the first and last merges to list."),
) -> None:
    """Vocabulary size, special tokens and the first and last merges of a tokenizer."""
    from zero2hero.tokenize import BPETokenizer

    tok = _load(tokenizer)
    if not isinstance(tok, BPETokenizer):
        console.print(f"character tokenizer: {tok.vocab_size} characters: {''.join(tok.chars)!r}")
        return
    console.print(f"byte-level BPE: vocabulary {tok.vocab_size}, {len(tok.merges)} merges")
    console.print(f"special tokens: {tok.special_tokens or 'none'}")
    order = list(tok.merges.items())
    for label, part in (("first", order[:merges]), ("last", order[-merges:])):
        console.print(f"{label} merges:")
        for (a, b), new in part:
            console.print(
                f"  {new:>6}  {_show_bytes(tok.vocab[a])!r} + {_show_bytes(tok.vocab[b])!r}"
                f" -> {_show_bytes(tok.vocab[new])!r}"
            )


def register(app: typer.Typer) -> None:
    app.add_typer(tokenize_app, name="tokenize")

"""The training commands as a user meets them: a smoke run, and one clear line for bad input."""

import os
import signal
import subprocess
import sys
import time

import pytest

from zero2hero.train.checkpoint import load_checkpoint


def z2h(*args, cwd, timeout=240):
    env = {**os.environ, "OMP_NUM_THREADS": "2", "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "zero2hero", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_one_line_error(proc, pattern: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), proc.stderr
    assert pattern in lines[0], lines[0]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("cli")
    proc = z2h("train", "--preset", "tiny", "--steps", "20", "--device", "cpu", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return cwd, proc


def test_train_smoke_run_writes_a_checkpoint_and_a_sample(trained):
    cwd, proc = trained
    assert "validation loss" in proc.stdout and "a sample" in proc.stdout
    run = cwd / "runs" / "shakespeare"
    for name in (
        "model.safetensors",
        "config.json",
        "tokenizer.json",
        "train_state.pt",
        "checkpoint.json",
    ):
        assert (run / name).is_file(), name
    assert load_checkpoint(run).step == 20


def test_generate_streams_seeded_text(trained):
    cwd, _ = trained
    args = (
        "generate",
        "--run",
        "runs/shakespeare",
        "--prompt",
        "ROMEO:",
        "--tokens",
        "40",
        "--seed",
        "3",
    )
    a, b = z2h(*args, cwd=cwd), z2h(*args, cwd=cwd)
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout and a.stdout.startswith("ROMEO:")
    assert len(a.stdout.rstrip("\n")) == len("ROMEO:") + 40


def test_a_second_run_never_overwrites_the_first(trained):
    cwd, _ = trained
    proc = z2h(
        "train",
        "--preset",
        "tiny",
        "--steps",
        "2",
        "--sample-tokens",
        "0",
        "--device",
        "cpu",
        cwd=cwd,
    )
    assert proc.returncode == 0 and (cwd / "runs" / "shakespeare-2" / "checkpoint.json").exists()
    assert load_checkpoint(cwd / "runs" / "shakespeare").step == 20
    proc = z2h("train", "--preset", "tiny", "--out", "runs/shakespeare", cwd=cwd)
    assert_one_line_error(proc, "already holds a checkpoint")


def test_bad_inputs_get_one_clear_line(trained, tmp_path):
    cwd, _ = trained
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "bin.dat").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "latin.txt").write_bytes("naïve café".encode("latin-1") * 50)
    cases = [
        (("train", "--data", str(tmp_path / "missing.txt")), "does not exist"),
        (("train", "--data", str(tmp_path / "empty.txt")), "is empty"),
        (("train", "--data", str(tmp_path / "bin.dat")), "looks binary"),
        (("train", "--data", str(tmp_path / "latin.txt")), "not valid UTF-8"),
        (("train", "--steps", "0"), "--steps must be at least 1"),
        (("train", "--preset", "huge"), "unknown preset"),
        (("train", "--batch-size", "0"), "--batch-size must be at least 1"),
        (("train", "--lr", "0"), "--lr must be positive"),
        (("generate", "--run", "runs/shakespeare", "--prompt", "日本"), "never saw"),
        (("generate", "--run", "no/such/run"), "does not exist"),
        (("train", "--resume", "--out", "no/such/run"), "nothing to resume"),
    ]
    import torch

    if not torch.cuda.is_available():
        cases.append((("train", "--device", "cuda"), "no CUDA GPU"))
    for args, pattern in cases:
        assert_one_line_error(z2h(*args, cwd=cwd), pattern)


def test_corrupt_checkpoint_is_refused(trained, tmp_path):
    cwd, _ = trained
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(cwd / "runs" / "shakespeare", broken)
    with open(broken / "model.safetensors", "r+b") as f:
        f.truncate(1000)
    assert_one_line_error(z2h("generate", "--run", str(broken), cwd=cwd), "corrupt or partial")


@pytest.mark.slow
def test_ctrl_c_saves_a_checkpoint_and_resume_finishes(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    cmd = [
        sys.executable,
        "-m",
        "zero2hero",
        "train",
        "--preset",
        "tiny",
        "--steps",
        "100000",
        "--device",
        "cpu",
        "--out",
        "run",
        "--sample-tokens",
        "0",
    ]
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.time() + 60
    while time.time() < deadline and not (tmp_path / "run" / "checkpoint.json").exists():
        time.sleep(0.2)  # the first evaluation (step 25) writes the first checkpoint
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "--resume" in out
    step = load_checkpoint(tmp_path / "run").step
    assert step >= 25
    done = z2h(
        "train",
        "--resume",
        "--out",
        "run",
        "--steps",
        str(step + 5),
        "--sample-tokens",
        "0",
        "--device",
        "cpu",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert load_checkpoint(tmp_path / "run").step == step + 5


def test_help_and_info_do_not_need_torch_to_start():
    code = "import sys; import zero2hero.cli; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    info = subprocess.run(
        [sys.executable, "-m", "zero2hero", "info"], capture_output=True, text=True
    )
    assert info.returncode == 0 and "torch" in info.stdout and "device" in info.stdout

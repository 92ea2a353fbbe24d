"""The files `plan --write DIR` leaves: a Docker Compose service and, as an alternative, a systemd unit, both
running the recommended `vllm serve` command.

The compose file is block-style YAML whose every value is written as JSON (a JSON string, number, list or
object is a YAML flow scalar or collection), so no YAML library is needed to write it exactly. Both files
are written atomically, both or neither (store/files.py); files of the same names are replaced, and
the front ends say which were.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..store.files import atomic_write_texts
from .sizing import Choice

IMAGE = "vllm/vllm-openai:latest"
PORT = 8000
COMPOSE_FILE = "compose.yaml"
UNIT_FILE = "vllm.service"
LOAD_SECONDS = 900  # the first start downloads the weights: the health check waits this long


def serve_args(choice: Choice) -> list[str]:
    """The server's arguments after `vllm serve`, the model as --model (the image's entrypoint takes that)."""
    argv = choice.argv
    return ["--model", argv[2], *argv[3:], "--port", str(PORT)]


def compose_data(choice: Choice) -> dict[str, Any]:
    box = choice.fit.box
    probe = f"import urllib.request; urllib.request.urlopen('http://localhost:{PORT}/health', timeout=5)"
    return {
        "services": {
            "vllm": {
                "image": IMAGE,
                "command": serve_args(choice),
                "ports": [f"{PORT}:{PORT}"],
                "volumes": ["${HOME}/.cache/huggingface:/root/.cache/huggingface"],
                "environment": {"HF_TOKEN": "${HF_TOKEN:-}"},
                "ipc": "host",
                "restart": "unless-stopped",
                "healthcheck": {
                    "test": ["CMD", "python3", "-c", probe],
                    "interval": "30s",
                    "timeout": "10s",
                    "retries": 3,
                    "start_period": f"{LOAD_SECONDS}s",
                },
                "deploy": {
                    "resources": {
                        "reservations": {
                            "devices": [{"driver": "nvidia", "count": box.count, "capabilities": ["gpu"]}]
                        }
                    }
                },
            }
        }
    }


def _yaml(data: dict[str, Any], indent: int = 0) -> list[str]:
    """Block mappings and block lists of scalars; everything else (scalars, lists of mappings) as JSON."""
    lines = []
    pad = " " * indent
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            lines += _yaml(value, indent + 2)
        elif isinstance(value, list) and value and not any(isinstance(v, (dict, list)) for v in value):
            lines.append(f"{pad}{key}:")
            lines += [f"{pad}  - {json.dumps(v)}" for v in value]
        else:
            lines.append(f"{pad}{key}: {json.dumps(value)}")
    return lines


def compose_yaml(choice: Choice) -> str:
    fit = choice.fit
    head = [
        f"# vLLM serving {fit.repo} on {fit.box.describe()}, from `pageindex-tui plan`.",
        "# Start: docker compose up -d; then set endpoint = http://localhost:8000/v1 in pageindex-tui.",
    ]
    return "\n".join([*head, *_yaml(compose_data(choice))]) + "\n"


def systemd_unit(choice: Choice) -> str:
    fit = choice.fit
    command = " ".join(["/usr/bin/env", "vllm", "serve", *choice.argv[2:], "--port", str(PORT)])
    return "\n".join(
        [
            "# The same server without Docker: install vLLM where this unit's PATH finds `vllm` (or put",
            "# the full path of your environment's vllm in ExecStart), copy this file to",
            "# /etc/systemd/system/ and run: systemctl daemon-reload && systemctl enable --now vllm",
            "[Unit]",
            f"Description=vLLM serving {fit.repo} for pageindex-tui",
            "After=network-online.target",
            "Wants=network-online.target",
            "",
            "[Service]",
            "Type=simple",
            f"ExecStart={command}",
            "Restart=on-failure",
            "RestartSec=10",
            f"TimeoutStartSec={LOAD_SECONDS}",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ]
    )


@dataclass(frozen=True)
class Written:
    """The files `write_deployment` left, and which of them replaced a file of that name."""

    paths: tuple[Path, ...]
    replaced: tuple[Path, ...]

    def describe(self) -> str:
        """'Wrote compose.yaml and vllm.service into DIR', with the ones that replaced a file said."""
        text = f"Wrote {' and '.join(p.name for p in self.paths)} into {self.paths[0].parent}"
        if self.replaced:
            names = " and ".join(p.name for p in self.replaced)
            text += f" ({names}: the file{'s' * (len(self.replaced) > 1)} there replaced)"
        return text


def deployment_files(folder: Path) -> tuple[Path, ...]:
    return (Path(folder) / COMPOSE_FILE, Path(folder) / UNIT_FILE)


def write_deployment(choice: Choice, folder: Path) -> Written:
    """Write compose.yaml and vllm.service into `folder` (made if missing), both or neither
    (store/files.py); files of those names there are replaced. Raises OutputError."""
    compose, unit = deployment_files(folder)
    replaced = tuple(p for p in (compose, unit) if p.exists())
    atomic_write_texts({compose: compose_yaml(choice), unit: systemd_unit(choice)})
    return Written((compose, unit), replaced)

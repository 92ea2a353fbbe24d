"""The model server as the app shows it: the probe (at start, on its key, and when the gauges see the
server come back), the banner while it does not answer, and the keys that check, resume and restart.
What an answer, a pause or the embedded server's life then does is `Reconnect`'s (`reconnect.py`).

`ServerTools` is a base of `PageIndexApp`, which sets the `settings`, `keymap` and `reconnect` it uses.
"""

from __future__ import annotations

from textual import events, work
from textual.app import App

from ..errors import PageIndexError
from ..llm.connect import connect_once
from ..llm.types import ServerInfo
from ..safe_text import redact_text, redact_url
from ..settings import Settings
from .engine import probe_summary
from .keymap import Keymap
from .keys import KEY_IDS, key_label
from .messages import ServerStateChanged
from .reconnect import Reconnect
from .widgets.banner import ServerBanner


class ServerTools(App[int]):
    """`check_server`, the server banner and the server's keys for `PageIndexApp`."""

    settings: Settings
    keymap: Keymap
    reconnect: Reconnect
    server_info: ServerInfo | None  # what the server answered the last probe

    @work(exclusive=True, group="probe", exit_on_error=False)
    async def check_server(self) -> None:
        try:
            info = await connect_once(self.settings, "probe")
        except PageIndexError as err:
            self.show_banner(err.message, err.hint)
            return
        except Exception as err:  # never a traceback on screen
            endpoint = redact_url(self.settings.endpoint)
            self.show_banner(redact_text(f"the model server at {endpoint} failed: {err}"), "")
            return
        self.server_info = info
        self.sub_title = probe_summary(info)
        self.reconnect.answered()

    def on_server_state_changed(self, message: ServerStateChanged) -> None:
        self.reconnect.server_state(message)

    def action_resume(self) -> None:
        self.reconnect.resume()

    def action_restart_server(self) -> None:
        self.reconnect.restart_server()

    def action_check_server(self) -> None:
        self.notify(f"Asking {redact_url(self.settings.endpoint)} ...", markup=False, timeout=2)
        self.check_server()

    def action_banner_details(self) -> None:
        if not self.banner().toggle_details():
            self.notify("No server problem to detail.", markup=False)

    def on_resize(self, event: events.Resize) -> None:
        self.banner().refresh(layout=True)  # one line or three, by the terminal's height

    def show_banner(self, message: str, hint: str, *, paused: bool = False) -> None:
        """`paused`: calls waiting for the server (no warning sign; it goes when they go on)."""
        hint = self.reconnect.advice(hint)
        ids = ("app.settings", "app.check_server", "app.banner_details")
        settings, again, details = (key_label(KEY_IDS[i], self.keymap) for i in ids)
        keys = f"{settings}: settings · {again}: check again{self.reconnect.banner_keys()}"
        self.banner().show(message, hint, keys, details, paused=paused)

    def hide_banner(self) -> None:
        self.banner().hide()

    def banner(self) -> ServerBanner:
        return self.query_one(ServerBanner)

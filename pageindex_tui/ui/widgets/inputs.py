"""A text box whose editing keys act in the order they were typed.

Textual's `Input` inserts a printable key as it handles it, but leaves its binding keys (backspace,
delete, the arrows, home, end) to bubble up to the app, which runs the binding later. Typed quickly (a
burst read in one go from the terminal, or a busy machine) the characters after a backspace are then
inserted first and the backspace deletes the last of them: "7", backspace, "8192" gave "7819" (issue
22, seen in tmux; Pilot presses keys one at a time and never saw it). `TypedInput` runs its own
bindings as it handles their keys, so every key acts where the previous one left the text.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class TypedInput(Input):
    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                if not binding.priority and await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    return
        await super()._on_key(event)

"""Text from PDFs and from the model, made safe to show exactly as it is.

Nothing here is ever parsed as markup: callers build `rich.text.Text` objects (never markup strings)
from these helpers. The caret notation itself lives in `pageindex_tui.safe_text`, which the CLI uses too.
"""

from __future__ import annotations

from ..safe_text import literal, one_line

__all__ = ["literal", "one_line"]

"""The workbench's plain model and its event handler, without Textual or Rich: what the app shows
(`state.Workbench`: documents, calls, trees, questions), how engine events change it (`handler.py`,
`ask_handler.py`, `asking.py`), and the page-text reader's text (`reading.py`). `ui/` draws it."""

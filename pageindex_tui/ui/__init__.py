"""The Textual workbench: documents, live stream of LLM calls, tree browser, config screen, themes."""

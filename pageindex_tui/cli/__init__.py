"""The command line: `pageindex-tui` and its subcommands (index, ask, export, doctor, install-local, mcp),
with Rich progress."""

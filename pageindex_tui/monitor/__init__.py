"""Monitoring: GPUs through NVML, model servers through their HTTP endpoints, and `doctor`.

No Textual or Rich here and nothing printed: samplers return plain dataclasses that the gauges pane, the
doctor screen and the CLI render. Import the modules themselves (`monitor.gpu`, `monitor.doctor`, ...):
this package re-exports nothing, since `doctor` imports `plan`, which imports `monitor.gpu`, and a package
that imported `doctor` here would make `import pageindex_tui.plan.build` fail as the first import.
"""

"""Planning a GPU box for vLLM + Qwen3 from the user's own runs: what fits (models.py, gpus.py, sizing.py),
what a month costs (workload.py, costs.py), the deployment files (deploy.py), the report (report.py).

No Textual or Rich here and nothing printed: the CLI (`pageindex-tui plan`) prints `render_plan`'s text.
"""

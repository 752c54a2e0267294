"""SQL transformations: Trino SQL models (staging -> intermediate -> marts) run on DuckDB or Trino.

Public API (see transformations/README.md):
    run_transformations(settings, *, start_date=None, end_date=None, select=None,
                        dialect="duckdb", dry_run=False, full_refresh=False) -> TransformResult
    render_for_trino(settings, *, start_date=None, end_date=None, select=None) -> list[str]
    load_models() -> dict[str, Model];  model_dependencies() -> dict[str, set[str]]
"""

"""The simulated data plane: tables that hold rows, views DataFusion computes, their I/O formats.

A pure package (no web framework, no store): the HTTP layer and the SQLite store call it.
- Schema: `relations` (program_info.schema), `arrow_types`, `identifiers`.
- Values: `cells` (the canonical value form), `json_values`, `text_values`, `arrow_cells`.
- Ingress: `ingress_config`, `ingress` (`json_ingress`, `csv_ingress`, `rows`), `parse_errors`.
- Table state: `changes` (consolidate, apply), `batch_codec` (Arrow IPC for the store).
- Engine: `program`, `translate` (+ `windows`), `program_views`, `engine`, `statements`, `delta`.
- Outputs: `render`, `output_text`, `output_json`, `output_binary`, `egress`.
"""

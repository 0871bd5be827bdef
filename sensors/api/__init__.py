"""REST API of the sensors app: sensor registry and readings ingest."""

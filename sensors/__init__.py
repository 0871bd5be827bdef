"""Garden sensors and stations: ingest, quality control, indicators and evidence."""

"""Options, wiring and entry point of the newsbeam pipeline."""

"""Beam-free NLP helpers: model loading, rule files and gazetteers."""

"""Composable Beam transforms of the newsbeam pipeline, one public PTransform per module."""

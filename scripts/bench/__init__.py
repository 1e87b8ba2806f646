"""Throughput, scaling and memory of the batch pipeline against spaCy alone, on this machine.

Run ``python -m scripts.bench --help`` (``make bench``).  Modules, by concern:

* ``corpus``: the input, the Tehran Times dev corpus repeated to N articles.
* ``sampler``: one subprocess run to its end while its process tree's memory is sampled.
* ``measure``: the measurements (pipeline, spaCy reference, no-op NLP) and their rows.
* ``child``: the measured subprocess's entry point.
* ``profile``: a cProfile of one run, broken down by stage.
* ``report`` and ``chart``: the JSON/markdown report and the matplotlib chart.
* ``cli``: the options and the order in which configurations run.
"""

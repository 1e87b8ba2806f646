"""``python -m pipeline.components [kafka-expansion] [prism]``: fetch and build newsbeam's own components now."""
import sys

from pipeline.components import PACKAGE_COMPONENTS, fetch_main

sys.exit(fetch_main(sys.argv[1:], PACKAGE_COMPONENTS))

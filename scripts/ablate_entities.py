"""What each source of entity rules adds: CoNLL-2003 NER scores with one source of rules left out at a time.

Usage: python -m scripts.ablate_entities [--shared ../shared] [--corpus conll2003] [--markdown OUT]

Each variant runs the whole pipeline on the corpus (in process, one worker) with the entity rules
component configured differently (``model.make_entity_rules``: ``steps``, ``sources``,
``case_restoration``), and scores the warehouse with SHARED/eval/score.py.  'model only' is the
statistical NER with the span clean-up every run applies, without the rules component.
"""
import functools
import sys

import spacy

import transforms.entities
from scripts.evaluate import ablate
from transforms.core import model
from transforms.core.entity_rules import ENTITY_RULES, STEPS

FULL = {'steps': list(STEPS), 'sources': ['gazetteer', 'phoenix'], 'case_restoration': True}
# name -> the rules component's config, None for no rules component at all.
VARIANTS = {
    'model only': None,
    'all rules': FULL,
    'without case restoration': {**FULL, 'case_restoration': False},
    'without split': {**FULL, 'steps': [s for s in STEPS if s != 'split']},
    'without dictionaries (step)': {**FULL, 'steps': [s for s in STEPS if s != 'dictionary']},
    'without Phoenix (gazetteer only)': {**FULL, 'sources': ['gazetteer']},
    'without gazetteer (Phoenix only)': {**FULL, 'sources': ['phoenix']},
    'without consistency': {**FULL, 'steps': [s for s in STEPS if s != 'consistency']},
}


def ner_with(config):
    """A ``load_ner`` whose rules component has this config (None: no rules component)."""
    @functools.lru_cache(maxsize=None)
    def load(name: str = model.DEFAULT_MODEL):
        nlp = spacy.load(name, exclude=list(model._NOT_FOR_NER))  # pylint: disable=protected-access
        nlp.add_pipe('sentencizer', first=True)
        if config is not None:
            nlp.add_pipe(ENTITY_RULES, after='ner', config={'model_path': str(nlp.path), **config})
        return nlp
    return load


def _use(config):
    return lambda: setattr(transforms.entities, 'load_ner', ner_with(config))


def main() -> int:
    return ablate(__doc__.splitlines()[0], 'conll2003', {name: _use(config) for name, config in VARIANTS.items()},
                  ('ner_precision', 'ner_recall', 'ner_f1'), lambda score: f'{score[0]:.3f}')


if __name__ == '__main__':
    sys.exit(main())

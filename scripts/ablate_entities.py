"""What each source of entity rules adds: CoNLL-2003 NER scores with one source of rules left out at a time.

Usage: python -m scripts.ablate_entities [--shared ../shared] [--corpus conll2003] [--markdown OUT]

Each variant runs the whole pipeline on the corpus (in process, one worker) with the entity rules
component configured differently (``model.make_entity_rules``: ``steps``, ``sources``,
``case_restoration``), and scores the warehouse with SHARED/eval/score.py.  'model only' is the
statistical NER with the span clean-up every run applies, without the rules component.
"""
import argparse
import functools
import pathlib
import sys
import tempfile

import spacy

import transforms.entities
from pipeline.cli import configure_logging
from scripts.evaluate import ROOT, _input_of, _load_scorer
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--shared', type=pathlib.Path, default=ROOT.parent / 'shared')
    parser.add_argument('--corpus', default='conll2003')
    parser.add_argument('--markdown', type=pathlib.Path, default=None)
    args = parser.parse_args()
    configure_logging(verbose=False)
    folder = args.shared / 'corpora' / args.corpus
    if not (folder / 'gold.jsonl').exists():
        print(f'no corpus at {folder}: nothing to measure')
        return 0
    from pipeline.main import run  # pylint: disable=import-outside-toplevel
    scorer = _load_scorer(args.shared)
    lines = [f'| {args.corpus}: variant | NER precision | recall | F1 |', '|---|---:|---:|---:|']
    with tempfile.TemporaryDirectory(prefix='newsbeam-ablate-') as work:
        for index, (name, config) in enumerate(VARIANTS.items()):
            transforms.entities.load_ner = ner_with(config)
            warehouse = str(pathlib.Path(work) / str(index))
            run(['--input', _input_of(folder), '--output', warehouse])
            scores = scorer.main(str(folder), warehouse)
            cells = [f'{scores[m][0]:.3f}' for m in ('ner_precision', 'ner_recall', 'ner_f1')]
            lines.append(f"| {name} | {' | '.join(cells)} |")
            print(lines[-1], flush=True)
    if args.markdown:
        args.markdown.write_text('\n'.join(lines) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""What each source of event rules adds: PLOVER scores with one source left out at a time.

Usage: python -m scripts.ablate_events [--shared ../shared] [--corpus plover_gsr] [--markdown OUT]

Sources: the CAMEO verb lexicon (``cameo_verbs.jsonl``, derived from PETRARCH2), the hand-written
PLOVER trigger lexicon (``plover_lexicon.jsonl``), the Phoenix actor dictionaries as a source of
actors' countries, and the gazetteer's place names as the last resort for a country.  Each variant
runs the whole pipeline on the corpus in process (one worker), with the module-level defaults that
build the trigger index and the country resolver replaced, and scores it with SHARED/eval/score.py.
"""
import functools
import sys

from scripts.evaluate import ablate
from transforms.core import actors, event_rules, trigger_index
from transforms.core.actors import CountryResolver

METRICS = ('event_type_recall', 'event_type_precision', 'event_actor_recall', 'event_actor_country_recall')


def _index(hand: bool, cameo: bool):
    return lambda: trigger_index.TriggerIndex(event_rules.load_plover_lexicon() if hand else (),
                                              event_rules.load_cameo_verbs() if cameo else None)


def _resolver(phoenix: bool):
    return lambda: CountryResolver(event_rules.load_demonyms(), event_rules.load_actor_countries(),
                                   actors.default_phoenix() if phoenix else None)


VARIANTS = {
    'all sources': {},
    'without CAMEO verbs': {'index': _index(hand=True, cameo=False)},
    'without the hand trigger lexicon': {'index': _index(hand=False, cameo=True)},
    'without Phoenix actors (countries)': {'resolver': _resolver(phoenix=False)},
    'without gazetteer places (countries)': {'country_only': lambda name: None},
}


def _apply(variant: dict, modules) -> None:
    """Points every module that imported a default at the variant's (or the original) one."""
    import transforms.core.events  # pylint: disable=import-outside-toplevel
    import transforms.core.event_extractor  # pylint: disable=import-outside-toplevel
    import transforms.events  # pylint: disable=import-outside-toplevel
    index = variant.get('index', modules['index'])
    resolver = variant.get('resolver', modules['resolver'])
    for module in (trigger_index, transforms.core.events, transforms.events):
        module.default_index = index
    for module in (actors, transforms.core.event_extractor, transforms.core.events, transforms.events):
        module.default_resolver = resolver
    actors._country_only = variant.get('country_only', modules['country_only'])  # pylint: disable=protected-access


def main() -> int:
    originals = {'index': trigger_index.default_index, 'resolver': actors.default_resolver,
                 'country_only': actors._country_only}  # pylint: disable=protected-access
    return ablate(__doc__.splitlines()[0], 'plover_gsr',
                  {name: functools.partial(_apply, variant, originals) for name, variant in VARIANTS.items()},
                  METRICS, lambda score: f'{score[0]:.3f} ({score[1]})')


if __name__ == '__main__':
    sys.exit(main())

"""Rule data for events and quotes: the PLOVER trigger lexicon, demonyms and country names of actors.

Beam-free, and built like ``transforms/nlp/rules.py``: each JSONL file in
``seeds/rules`` starts with a header naming its rule set and version, every
following line is one rule, and each loader is a versioned spaCy registry
function, cached per process.  The header's ``doc`` describes the line format.

``plover_lexicon.jsonl`` lines (``newsbeam.plover_lexicon`` version 1)::

    {"lemma": "meet", "type": "CONSULT", "mode": "meet", "pos": ["VERB"], "forms": ["met"]}
    {"lemma": "call", "type": "DEMAND", "pos": ["VERB"], "with": "on"}

``lemma`` is the trigger word's spaCy lemma, ``type`` a PLOVER 2021 event type,
``mode`` an optional PLOVER mode, ``pos`` the parts of speech the word triggers
as (default ``["VERB"]``), ``with`` the lemma of a word the trigger must govern
or hang from (a phrase such as 'call on', 'hunger strike'), ``forms`` irregular
inflections for the cheap sentence filter, which generates the regular ones itself
(``trigger_index.inflections``).  A user extends the lexicon by adding
lines; a new field or a changed meaning is a version 2 loader.
"""
import functools
import pathlib
from typing import Dict, NamedTuple, Optional, Tuple

import spacy

from transforms.nlp.rules import RULES_DIR, _read_rules

PLOVER_LEXICON = 'newsbeam.plover_lexicon'
DEMONYMS = 'newsbeam.demonyms'
ACTOR_COUNTRIES = 'newsbeam.actor_countries'

# PLOVER 2021 (openeventdata/PLOVER, PLOVER_MANUAL.tex): each type's quad class.  This is
# the ontology itself, not tunable data, so it lives in code; CRIME, dropped from the
# 2021 draft, is kept as material conflict as in the 2016-2019 versions.
QUAD_CLASSES: Dict[str, str] = {
    'AGREE': 'verbal_cooperation', 'CONSULT': 'verbal_cooperation',
    'SUPPORT': 'verbal_cooperation', 'CONCEDE': 'verbal_cooperation',
    'COOPERATE': 'material_cooperation', 'AID': 'material_cooperation',
    'RETREAT': 'material_cooperation',
    'INVESTIGATE': 'verbal_conflict', 'DEMAND': 'verbal_conflict', 'DISAPPROVE': 'verbal_conflict',
    'REJECT': 'verbal_conflict', 'THREATEN': 'verbal_conflict',
    'PROTEST': 'material_conflict', 'CRIME': 'material_conflict', 'MOBILIZE': 'material_conflict',
    'COERCE': 'material_conflict', 'ASSAULT': 'material_conflict', 'SANCTION': 'material_conflict',
}
_DEFAULT_POS = ('VERB',)


class Trigger(NamedTuple):
    """One lexicon line: a word (or a word with a required neighbour) that expresses an event."""
    lemma: str
    event_type: str
    mode: Optional[str]
    pos: Tuple[str, ...]
    with_lemma: Optional[str]
    forms: Tuple[str, ...]


@spacy.registry.misc('newsbeam.plover_lexicon.v1')
@functools.lru_cache(maxsize=None)
def load_plover_lexicon(path: str = str(RULES_DIR / 'plover_lexicon.jsonl')) -> Tuple[Trigger, ...]:
    """Loads the PLOVER trigger lexicon.

    Args:
        path: a ``newsbeam.plover_lexicon`` version 1 JSONL file.

    Returns:
        A tuple of ``Trigger``, in file order.

    Raises:
        ValueError: wrong header, or a line names a type that is not PLOVER's.
    """
    triggers = []
    for rule in _read_rules(pathlib.Path(path), PLOVER_LEXICON, 1):
        if rule['type'] not in QUAD_CLASSES:
            raise ValueError(f'{path}: unknown PLOVER type {rule["type"]!r} for {rule["lemma"]!r}')
        triggers.append(Trigger(
            lemma=rule['lemma'].lower(), event_type=rule['type'], mode=rule.get('mode'),
            pos=tuple(rule.get('pos', _DEFAULT_POS)), with_lemma=rule.get('with'),
            forms=tuple(rule.get('forms', ()))))
    return tuple(triggers)


@spacy.registry.misc('newsbeam.demonyms.v1')
@functools.lru_cache(maxsize=None)
def load_demonyms(path: str = str(RULES_DIR / 'demonyms.jsonl')) -> Dict[str, str]:
    """Loads demonyms ('Iranian' -> 'IRN').

    Args:
        path: a ``newsbeam.demonyms`` version 1 JSONL file.

    Returns:
        demonym as printed -> ISO 3166-1 alpha-3; a later line wins.
    """
    return {r['demonym']: r['country'] for r in _read_rules(pathlib.Path(path), DEMONYMS, 1)}


@spacy.registry.misc('newsbeam.actor_countries.v1')
@functools.lru_cache(maxsize=None)
def load_actor_countries(path: str = str(RULES_DIR / 'actor_countries.jsonl')) -> Dict[str, str]:
    """Loads country aliases and country institutions ('U.S.', 'Kremlin') the gazetteer lacks.

    Args:
        path: a ``newsbeam.actor_countries`` version 1 JSONL file.

    Returns:
        name as printed -> ISO 3166-1 alpha-3.
    """
    return {r['name']: r['country'] for r in _read_rules(pathlib.Path(path), ACTOR_COUNTRIES, 1)}

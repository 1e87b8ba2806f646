"""Entity rules after the statistical NER: span clean-up, dictionaries, one label per name.  No Beam.

``EntityRules`` is a spaCy pipeline component (``newsbeam_entity_rules``, added after ``ner`` by
``model.load_ner``) that rewrites ``doc.ents`` in three steps, each one switchable (``steps``):

``split``
    A name never runs across a spaced dash ('Cricket - Leicestershire', a headline's kicker),
    a 'v' / 'vs' ('Birmingham v Barnsley'), a number between two names or after one in a table
    row ('Norwich 1 Wolverhampton 0') or a line break that is no wrap of running text.  Such an
    entity is cut there; a piece that is a lone common word ('Cricket') is dropped; the others
    keep the model's label, marked as uncertain for the next steps.
``dictionary``
    Names the gazetteer or the Phoenix dictionaries know (``EntityDictionary``): countries and
    US states, cities of at least ``MENTION_MIN_POPULATION`` people, international and national
    organisations and militant groups, and people known by their full names.  A known name the
    model missed is added; one it labelled as something else is relabelled only where the model
    is weak: a country is GPE whatever the model said, a dictionary person or organisation
    replaces a place, date or other non-name label, an uncertain piece takes the dictionary's
    label; otherwise the model's label stands (a city's name labelled ORG is usually a team).
``consistency``
    One label per name within an article: a single word that is part of a person's name there
    ('Wang' after 'Wang Donghai') is that person; otherwise each name takes the label most of
    its mentions have (a dictionary's label outweighs the model's); then each tagged name is
    tagged wherever else the article prints it the same way (a lone common word only inside a
    sentence).

The rules read the Doc's text, which is the case-restored body (``truecase``) when the entity
stage ran with case restoration; offsets are the body's either way.
"""
import re
from typing import Callable, Dict, Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span

ENTITY_RULES = 'newsbeam_entity_rules'
STEPS = ('split', 'dictionary', 'consistency')
# Labels of names: the rules leave numbers, dates and amounts to the model.
NAME_LABELS = frozenset({'PERSON', 'ORG', 'GPE', 'LOC', 'NORP', 'FAC', 'EVENT', 'PRODUCT', 'WORK_OF_ART', 'LAW',
                         'LANGUAGE'})
# Names that may hold a number ('Windows 95', 'Resolution 2231'): cut only at dashes, 'v' and breaks.
_NUMBERED_LABELS = frozenset({'EVENT', 'PRODUCT', 'WORK_OF_ART', 'LAW'})
_DASHES = frozenset({'-', '--', '–', '—', '―', '−'})
# Titles printed before people's names.
_PERSON_TITLES = frozenset('''mr mrs ms miss dr prof sir dame lord lady rev sheikh imam ayatollah hojatoleslam sayyed
president minister chancellor premier king queen prince princess emperor general gen lieutenant lt colonel col
major maj brigadier admiral adm captain capt commander sergeant sgt marshal senator sen rep governor gov mayor
ambassador secretary judge justice speaker pope cardinal bishop archbishop envoy spokesman spokeswoman
'''.split())
# Legal forms of companies, as printed after their names (case-folded, without the final period).
_LEGAL_FORMS = frozenset('''inc corp corporation co ltd llc plc spa ag sa nv bv gmbh kg ab asa oyj srl sarl pty
holdings bancorp'''.split())
_POSSESSIVES = frozenset({"'s", "’s", "'", "’"})
_VERSUS = frozenset({'v', 'v.', 'vs', 'vs.'})
_NUMBER = re.compile(r'^[+-]?(?:\d(?:[\d,.:/–-]*\d)?|\.\d+)%?$')
_NUMBER_JOINERS = frozenset({'-', '/', ':', '–'})
_FIGURE = re.compile(r'(?<![\w.])\d[\d,.:/-]*(?![\w])')
_MIN_ROW_FIGURES = 3
# A line this long that does not end a sentence wraps running text: a name may go on below it.
_MIN_WRAPPED_LINE = 40

MODEL, PIECE, DICTIONARY, CONSISTENCY = 'model', 'piece', 'dictionary', 'consistency'
# Votes for a name's label in the article: a dictionary's label counts twice a model's; an uncertain
# piece's, and a GPE the gazetteer does not know, half.
_DICTIONARY_WEIGHT, _WEAK_WEIGHT = 2.0, 0.5
# DictionaryMatch.strength values.
COUNTRY_MATCH, ACTOR_MATCH, PLACE_MATCH = 'COUNTRY', 'ACTOR', 'PLACE'


class Ent(NamedTuple):
    """An entity under revision: token offsets, label and what the label rests on."""
    start: int
    end: int
    label: str
    source: str
    vote: Optional[str] = None    # a dictionary's label for the same name that did not overrule the model


class DictionaryMatch(NamedTuple):
    start: int
    end: int
    label: str                # GPE, ORG or PERSON
    strength: str             # COUNTRY: GPE whatever the model said; ACTOR: a dictionary actor; PLACE: a
                              # city or US state, often a team's or a person's name too
    locative: bool = False    # printed after 'in', 'at', 'near', ...


def _is_number(token) -> bool:
    return bool(_NUMBER.match(token.text))


def _line_of(text: str, position: int) -> str:
    start = text.rfind('\n', 0, position) + 1
    end = text.find('\n', position)
    return text[start:len(text) if end < 0 else end]


def _wraps(doc: Doc, index: int) -> bool:
    """Whether the line break in space token ``index`` wraps running text (a name may go on below it)."""
    token = doc[index]
    if token.text.count('\n') != 1:
        return False
    line = _line_of(doc.text, token.idx)
    return len(line) >= _MIN_WRAPPED_LINE and not re.search(r'[.!?:;"”]\s*$', line) and not line.isupper()


def _numeric(doc: Doc, index: int) -> bool:
    """A number, or a dash, slash or colon between numbers ('4-43', '5-0', '212-859')."""
    token = doc[index]
    if _is_number(token):
        return True
    return (token.text in _NUMBER_JOINERS and not token.whitespace_ and 0 < index < len(doc) - 1
            and _is_number(doc[index - 1]) and _is_number(doc[index + 1]))


def _table_row(doc: Doc, index: int) -> bool:
    """Whether the token's line holds several figures, as a results table's row does."""
    return len(_FIGURE.findall(_line_of(doc.text, doc[index].idx))) >= _MIN_ROW_FIGURES


def _cut_here(doc: Doc, index: int, start: int, end: int, label: str) -> bool:
    token = doc[index]
    if token.is_space:
        return '\n' in token.text and not _wraps(doc, index)
    if token.text in _DASHES and index > start and bool(doc[index - 1].whitespace_) and bool(token.whitespace_):
        return True
    if token.text in _VERSUS:
        return True
    if label in _NUMBERED_LABELS or not _numeric(doc, index):
        return False
    following = index + 1
    while following < end and _numeric(doc, following):
        following += 1
    if following < end:
        # A figure between two names: 'Norwich 1 Wolverhampton 0'.
        return doc[following].is_space or doc[following].text[:1].isupper()
    # Trailing figures: a table's ('Bristol City 0', 'D Blenkiron 4-43'), not a name's own ('Interstate 95').
    after = doc[end] if end < len(doc) else None
    return after is None or after.is_space or _is_number(after) or _table_row(doc, index)


def _kicker(doc: Doc, index: int) -> bool:
    """Whether a word opens a line and a spaced dash follows it: a headline's kicker ('SOCCER - ...')."""
    opens = index == 0 or (doc[index - 1].is_space and '\n' in doc[index - 1].text) \
        or doc.text[doc[index].idx - 1:doc[index].idx] == '\n'
    return opens and index + 1 < len(doc) and doc[index + 1].text in _DASHES


def _lone_word(doc: Doc, index: int, is_common_word) -> bool:
    """Whether a one-word piece is no name: a function word, verb or adjective, plural noun, or a kicker."""
    kind = is_common_word(doc[index].lower_)
    return kind in ('function', 'verb', 'inflected') or (kind == 'noun' and _kicker(doc, index))


def _organisation_suffix(doc: Doc, ent: Ent) -> bool:
    """Whether a name ends in a company's legal form ('Pirelli SpA', 'Jeans Mate Corp')."""
    end = ent.end
    while end > ent.start + 1 and (doc[end - 1].is_punct or doc[end - 1].text in _POSSESSIVES):
        end -= 1
    return end - ent.start >= 2 and doc[end - 1].text.rstrip('.').casefold() in _LEGAL_FORMS


def split_entities(doc: Doc, ents: Sequence[Ent], is_common_word: Callable[[str], bool]) -> List[Ent]:
    """Entities cut at spaced dashes, 'v', numbers between names and line breaks (see the module doc);
    a person or place whose name ends in a company's legal form is an organisation ('Pirelli SpA')."""
    out = []
    for ent in ents:
        if ent.label not in NAME_LABELS:
            out.append(ent)
            continue
        if ent.label in ('PERSON', 'GPE', 'LOC', 'NORP', 'FAC') and _organisation_suffix(doc, ent):
            ent = ent._replace(label='ORG')
        cuts = [i for i in range(ent.start, ent.end) if _cut_here(doc, i, ent.start, ent.end, ent.label)]
        if not cuts:
            out.append(ent)
            continue
        bounds = [ent.start - 1] + cuts + [ent.end]
        for left, right in zip(bounds, bounds[1:]):
            start, end = left + 1, right
            while start < end and (doc[start].is_punct or doc[start].is_space):
                start += 1
            while end > start and (doc[end - 1].is_punct or doc[end - 1].is_space):
                end -= 1
            if start >= end or not any(token.is_alpha for token in doc[start:end]):
                continue
            if end - start == 1 and _lone_word(doc, start, is_common_word):
                continue
            out.append(Ent(start, end, ent.label, PIECE))
    return out


def apply_dictionary(ents: Sequence[Ent], matches: Sequence[DictionaryMatch]) -> List[Ent]:
    """The entities with the dictionary's names added, and relabelled where the model is weak."""
    out = list(ents)
    owner: Dict[int, int] = {}          # token -> the entity of out that holds it
    for number, ent in enumerate(out):
        for i in range(ent.start, ent.end):
            owner[i] = number
    for match in matches:
        overlapping = {owner[i] for i in range(match.start, match.end) if i in owner}
        if not overlapping:
            # A city the model left untagged is often a team or a person; only 'in Geneva' says it is the place.
            if match.strength != PLACE_MATCH or match.locative:
                out.append(Ent(match.start, match.end, match.label, DICTIONARY))
            continue
        number = overlapping.pop()
        ent = out[number]
        if overlapping or (ent.start, ent.end) != (match.start, match.end):
            continue
        if ent.label == match.label:
            out[number] = ent._replace(source=DICTIONARY)
        elif match.strength == COUNTRY_MATCH or ent.label not in _STRONG_LABELS \
                or (ent.source == PIECE and match.strength == ACTOR_MATCH):
            out[number] = Ent(ent.start, ent.end, match.label, DICTIONARY)
        elif match.strength == ACTOR_MATCH:
            # The model's label stands here, but the dictionary has its say in the article's vote.
            out[number] = ent._replace(vote=match.label)
    return sorted(out)


# Labels the model is good at telling apart: a dictionary match does not overrule them (a city's
# name labelled ORG is usually a team or a city council; a person named like a place is a person).
_STRONG_LABELS = frozenset({'PERSON', 'ORG', 'GPE', 'LOC', 'FAC', 'NORP'})


def _name_of(doc: Doc, ent: Ent) -> str:
    return doc[ent.start:ent.end].text


def _modifies_noun(doc: Doc, end: int, is_common_word) -> bool:
    """Whether a lower-case noun follows the name ('Trump administration'): the name modifies it."""
    if end >= len(doc):
        return False
    after = doc[end]
    return after.is_alpha and after.is_lower and is_common_word(after.text) in ('noun', 'inflected')


def _after_title(doc: Doc, start: int) -> bool:
    """Whether a capitalised title of a person ('President', 'Mr.', 'Ayatollah') is printed just before."""
    if start == 0:
        return False
    before = doc[start - 1]
    return before.text[:1].isupper() and before.lower_.rstrip('.') in _PERSON_TITLES


def _person_parts(doc: Doc, ents: Sequence[Ent], is_common_word, is_place_word) -> Set[str]:
    """The words of people's full names in the article that can stand for them alone: 'Wang' of
    'Wang Donghai', 'Lebed' of 'Alexander Lebed'; not a common word, a place or a demonym."""
    parts: Set[str] = set()
    for ent in ents:
        tokens = [token for token in doc[ent.start:ent.end] if token.text not in _POSSESSIVES]
        if ent.label != 'PERSON' or len(tokens) < 2 or not all(t.is_alpha and t.text[:1].isupper() for t in tokens):
            continue
        if any(is_common_word(t.lower_) == 'function' for t in tokens):
            continue
        for token in tokens:
            if len(token) > 1 and is_common_word(token.lower_) != 'function' and not is_place_word(token.lower_):
                parts.add(token.text)
    return parts


def consistent_labels(doc: Doc, ents: Sequence[Ent], is_common_word: Callable[[str], Optional[str]],
                      is_place_word: Callable[[str], bool] = lambda word: False,
                      is_known_place: Callable[[str], bool] = lambda name: True) -> List[Ent]:
    """One label per name in the article, and every printing of a tagged name tagged (see the module doc)."""
    names = [e for e in ents if e.label in _STRONG_LABELS]
    person_parts = _person_parts(doc, names, is_common_word, is_place_word)
    votes: Dict[str, Dict[str, float]] = {}
    known_places: Dict[str, bool] = {}
    for ent in names:
        name = _name_of(doc, ent)
        weight = _DICTIONARY_WEIGHT if ent.source == DICTIONARY else _WEAK_WEIGHT if ent.source == PIECE else 1.0
        if ent.source != DICTIONARY and _modifies_noun(doc, ent.end, is_common_word):
            # 'the Trump administration', 'Tehran officials': a name as a noun's modifier is labelled by guess.
            weight = _WEAK_WEIGHT
        if ent.label == 'GPE' and ent.source != DICTIONARY:
            if name not in known_places:
                known_places[name] = is_known_place(name)
            if not known_places[name]:
                # A geopolitical entity the gazetteer does not know is as likely an organisation or a person.
                weight = _WEAK_WEIGHT
        tally = votes.setdefault(name, {})
        tally[ent.label] = tally.get(ent.label, 0.0) + weight
        if ent.vote is not None:
            tally[ent.vote] = tally.get(ent.vote, 0.0) + _DICTIONARY_WEIGHT
        if _after_title(doc, ent.start):
            # 'President Trump', 'Foreign Minister Zarif': a person's title says who is named.
            tally['PERSON'] = tally.get('PERSON', 0.0) + _DICTIONARY_WEIGHT
    chosen: Dict[str, str] = {}
    for name, tally in votes.items():
        if name in person_parts:
            chosen[name] = 'PERSON'
            continue
        best = max(tally.values())
        leaders = [label for label, score in tally.items() if score == best]
        if len(leaders) == 1:
            chosen[name] = leaders[0]
    out = [ent._replace(label=chosen[_name_of(doc, ent)], source=CONSISTENCY)
           if ent.label in _STRONG_LABELS and chosen.get(_name_of(doc, ent), ent.label) != ent.label else ent
           for ent in ents]
    for name in person_parts:
        chosen.setdefault(name, 'PERSON')
    # A lone common word is tagged only where the model or a dictionary tagged it ('Men' in a table, 'the
    # Leader' where the article also prints 'leader').
    texts = [token.text for token in doc]
    printed_lower = {text for text in texts if text.islower()}
    repeatable = {name: label for name, label in chosen.items()
                  if ' ' in name or name in person_parts
                  or (len(name) > 1 and is_common_word(name.lower()) not in ('function', 'verb', 'inflected')
                      and name.lower() not in printed_lower)}
    return _tag_repeats(doc, texts, out, repeatable, is_common_word)


def _tag_repeats(doc: Doc, texts: List[str], ents: List[Ent], chosen: Dict[str, str], is_common_word) -> List[Ent]:
    """Untagged printings of the article's tagged names, tagged with the name's label."""
    if not chosen:
        return ents
    by_first: Dict[str, List[Tuple[Tuple[str, ...], str]]] = {}
    for name, label in chosen.items():
        words = tuple(name.split())
        if words:
            by_first.setdefault(words[0], []).append((words, label))
    for first in by_first:
        by_first[first].sort(key=lambda item: len(item[0]), reverse=True)
    taken = bytearray(len(texts))
    for ent in ents:
        taken[ent.start:ent.end] = b'\x01' * (ent.end - ent.start)
    added = []
    i = 0
    while i < len(texts):
        candidates = by_first.get(texts[i]) if not taken[i] else None
        if not candidates:
            i += 1
            continue
        for words, label in candidates:
            end = i + len(words)
            if end <= len(texts) and not any(taken[i:end]) and tuple(texts[i:end]) == words \
                    and _free_standing(doc, i, end, is_common_word):
                added.append(Ent(i, end, label, CONSISTENCY))
                taken[i:end] = b'\x01' * (end - i)
                i = end
                break
        else:
            i += 1
    return sorted(ents + added)


def _free_standing(doc: Doc, start: int, end: int, is_common_word) -> bool:
    """Whether a printing of a name stands alone: not glued to a capitalised neighbour ('Wang Shu' is
    someone else), and a lone common word not at a sentence start ('Reading' the town vs the verb)."""
    before = doc[start - 1] if start > 0 else None
    after = doc[end] if end < len(doc) else None
    for neighbour in (before, after):
        if neighbour is not None and neighbour.is_alpha and neighbour.text[:1].isupper() \
                and not neighbour.is_sent_start and neighbour.lower_ not in ('the',):
            if neighbour is before and (start == 0 or doc[start].is_sent_start):
                continue
            return False
    if end - start == 1 and (doc[start].is_sent_start or start == 0) and is_common_word(doc[start].lower_):
        return False
    return True


class EntityRules:
    """The component: ``doc.ents`` rewritten by the steps in ``steps`` (see the module doc).

    Args:
      find_names: the dictionary's matches in a Doc (``EntityDictionary.matches``); None: no dictionary.
      is_common_word: whether a lower-case word is an ordinary English word.
      steps: which of STEPS to run, in STEPS' order.
      case_restoration: whether the entity stage restores capitals lines before NER (read by
        ``entities.run_ner``).
      model_path: the spaCy model's folder, whose lemmatizer tables the case restoration reads.
    """

    def __init__(self, find_names: Optional[Callable[[Doc], List[DictionaryMatch]]],
                 is_common_word: Callable[[str], Optional[str]], steps: Iterable[str] = STEPS,
                 case_restoration: bool = True, model_path: Optional[str] = None,
                 is_place_word: Callable[[str], bool] = lambda word: False,
                 is_known_place: Callable[[str], bool] = lambda name: True):
        self.find_names = find_names
        self.is_common_word = is_common_word
        self.steps = tuple(step for step in STEPS if step in set(steps))
        self.case_restoration = case_restoration and model_path is not None
        self.model_path = model_path
        self.is_place_word = is_place_word
        self.is_known_place = is_known_place

    def __call__(self, doc: Doc) -> Doc:
        ents = [Ent(e.start, e.end, e.label_, MODEL) for e in doc.ents]
        if 'split' in self.steps:
            ents = split_entities(doc, ents, self.is_common_word)
        if 'dictionary' in self.steps and self.find_names is not None:
            ents = apply_dictionary(ents, self.find_names(doc))
        if 'consistency' in self.steps:
            ents = consistent_labels(doc, ents, self.is_common_word, self.is_place_word, self.is_known_place)
        doc.ents = [Span(doc, e.start, e.end, label=e.label) for e in _without_overlaps(ents)]
        return doc


def _without_overlaps(ents: Sequence[Ent]) -> List[Ent]:
    kept: List[Ent] = []
    for ent in sorted(ents, key=lambda e: (e.start, -(e.end - e.start))):
        if not kept or ent.start >= kept[-1].end:
            kept.append(ent)
    return kept

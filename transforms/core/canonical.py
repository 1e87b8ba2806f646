"""Canonical names within one article: "Baqeri" and "General Baqeri" -> "Mohammad Hossein Baqeri".

News copy names a person in full once and then by surname or title; an
organisation in full once and then by its acronym.  Each mention's canonical
form is the fullest mention of the same entity in the same article.
"""
import re
from typing import List, Sequence, Tuple

# Titles and ranks that precede names in news copy; they are not part of the name.
TITLES = frozenset('''
mr mrs ms miss dr prof sir dame lord lady rev reverend father sheikh imam ayatollah
president vice prime minister chancellor premier king queen prince princess emperor
general gen lieutenant lt colonel col major maj brigadier admiral adm captain capt
commander cmdr sergeant sgt marshal chief senator sen rep representative governor gov
mayor ambassador secretary judge justice speaker pope cardinal bishop archbishop
'''.split())
_PERSON = 'PERSON'
_ACRONYM_LABELS = frozenset({'ORG', 'GPE', 'FAC', 'NORP', 'LAW', 'EVENT', 'PRODUCT', 'WORK_OF_ART'})
_ACRONYM_SKIP = frozenset({'of', 'the', 'and', 'for', 'on', 'in', 'de', '&'})
_LEADING_THE = re.compile(r'^the\s+', re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s?$")
_TOKEN = re.compile(r"[\w][\w'’.-]*")


def clean_name(text: str) -> str:
    """The mention without a leading 'the', a possessive 's and surrounding whitespace."""
    text = _POSSESSIVE.sub('', _LEADING_THE.sub('', ' '.join(text.split())))
    return text.strip(' .,;:')


def _name_tokens(text: str, label: str) -> Tuple[str, ...]:
    tokens = [t.rstrip('.').casefold() for t in _TOKEN.findall(clean_name(text))]
    if label == _PERSON:
        while tokens and tokens[0] in TITLES and len(tokens) > 1:
            tokens = tokens[1:]
    return tuple(tokens)


def _contains(long: Tuple[str, ...], short: Tuple[str, ...]) -> bool:
    """Whether the short name's tokens appear in the long one in order ('Michael Jordan' in
    'Michael Jeffrey Jordan')."""
    remaining = iter(long)
    return all(token in remaining for token in short)


def _acronym(tokens: Tuple[str, ...]) -> str:
    return ''.join(t[0] for t in tokens if t not in _ACRONYM_SKIP)


def canonicalize(mentions: Sequence[Tuple[str, str]]) -> List[str]:
    """Canonical name of each (text, label) mention of one article, in order.

    A person's canonical name is the longest PERSON mention whose name tokens
    contain the mention's (titles dropped); an acronym's is the organisation whose
    initials spell it; anything else is its own cleaned text.
    """
    tokens = [_name_tokens(text, label) for text, label in mentions]
    cleaned = [clean_name(text) or text.strip() for text, _ in mentions]
    persons = sorted((i for i, (_, label) in enumerate(mentions) if label == _PERSON),
                     key=lambda i: (-len(tokens[i]), i))
    by_acronym = {}
    for i, (_, label) in enumerate(mentions):
        if label in _ACRONYM_LABELS and len(tokens[i]) >= 2:
            by_acronym.setdefault(_acronym(tokens[i]), i)

    out = []
    for i, (text, label) in enumerate(mentions):
        mine = tokens[i]
        best = i
        if mine and label == _PERSON:
            for j in persons:
                if len(tokens[j]) > len(mine) and _contains(tokens[j], mine):
                    best = j
                    break
        if best == i and len(mine) == 1 and label in _ACRONYM_LABELS and text.strip().isupper():
            best = by_acronym.get(mine[0], i)
        out.append(cleaned[best])
    return out

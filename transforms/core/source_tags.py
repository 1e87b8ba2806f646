"""Source tags: wire credits, media attributions, editor sign-offs and footers.  No Beam.

``extract_source_tags(body, dateline_credits)`` returns the body without its sign-offs and
footers, and what they and the body say about the sources: ``agencies``, ``attributions``,
``editor_initials`` and ``boilerplate`` (``transforms/source_tags.py`` maps it over articles).

Everything that is removed sits at the end of a body (footers, the Reuters
``Reuter`` sign-off, editor initials such as ``MH/PA``), so only the last
few hundred characters are ever searched for them; left in place, the NER
model would tag ``MH`` as an organisation.  Media names come from
``seeds/rules/media.jsonl`` and footers from ``seeds/rules/boilerplate.jsonl``.
"""
import re
from typing import NamedTuple, Optional, Sequence

from transforms.core.rules import load_boilerplate_rules, load_media_rules, trie_pattern

# The end-anchored searches only look this far back from the current end: the
# longest footer rule, and a sign-off with the word before it.  Scanning the
# whole body for them would dominate the cost of the stage.
_FOOTER_CHARS = 600
_SIGNOFF_CHARS = 64
# The credit of a dateline-like lead sits within the first line.
_LEAD_CHARS = 120


class SourceTags(NamedTuple):
    """What ``extract_source_tags`` found, and the body without the removed parts."""
    agencies: tuple         # canonical wire names, first-appearance order, deduplicated
    attributions: tuple     # canonical media the body attributes information to
    editor_initials: tuple  # trailing sign-off initials in order, e.g. ('SB', 'MQ', 'MG')
    boilerplate: tuple      # scraped footers removed from the body, verbatim
    body: str
    reuter_signoff: bool    # a Reuters sign-off ('Reuter' closing the story) was removed


def _strip_article(name: str) -> str:
    return re.sub(r'^(?:the|The)\s+', '', ' '.join(name.split()))


_MEDIA = load_media_rules()
# Printed name (without a leading article) -> canonical.  Exact case first:
# 'AP' is the agency, but credits are often printed in capitals ('(REUTERS)').
_CANONICAL = {_strip_article(alias): m.canonical
              for m in _MEDIA for alias in (m.canonical, *m.aliases)}
_CANONICAL_FOLDED = {alias.casefold(): canonical for alias, canonical in _CANONICAL.items()}
_AMBIGUOUS = frozenset(m.canonical for m in _MEDIA if m.ambiguous)

# A medium that names itself, e.g. 'Borna News Agency', counts even when not in the rules.
_SELF_NAMED = r"[A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,3}\s+News\s+Agency"
# Mentions are found first, with one trie-shaped regex, and only then is their
# context checked: scanning every word of every body for the whole attribution
# construction costs several times more.
_MEDIA_MENTION = re.compile(
    rf'(?<![\w-])(?:(?P<known>{trie_pattern(_CANONICAL)})|(?P<self_named>{_SELF_NAMED}))(?![\w-])')
_MEDIA_NOUN = (r'(?:news\s+agency|News\s+Agency|news\s+network|news\s+website|news\s+channel'
               r'|television(?:\s+channel)?|TV(?:\s+channel)?|channel|network|broadcaster'
               r'|newspaper|daily|radio|magazine|website|agency|news)')
# After the name: 'IRNA reported', 'the official IRNA news agency said', "Xinhua's report said" is not.
_REPORTED_AFTER = re.compile(
    rf"(?P<noun>\s+{_MEDIA_NOUN})?(?:['’]s)?\s*,?\s+(?:(?:has|have|had|was|were)\s+)?"
    r'(?:reported|reports|said|says|quoted|quotes|cited|wrote|announced|added|stated|claimed'
    r'|revealed|learned|learnt|broadcast|aired|published|confirmed)(?![\w-])')
# 'according to', 'told', 'quoted by', '(Source: ...' then up to two qualifiers: 'the
# official', "Iran's semi-official".
_ATTRIBUTING_BEFORE = re.compile(
    r'(?<![\w-])(?:according\s+to|told|quoted\s+by|cited\s+by|reported\s+by|quoting|citing'
    r'|in\s+an?\s+(?:exclusive\s+)?interview\s+(?:with|to)|speaking\s+to|talking\s+to'
    r'|in\s+(?:remarks|comments|a\s+statement)\s+to|writing\s+in|wrote\s+in|(?<=\()Source:)\s+'
    r"(?:(?:the|The|a|an)\s+)?(?:(?:official|semi-?official|state(?:-[a-z]+)?|government(?:-[a-z]+)?"
    r"|[A-Z][a-z]+(?:-[a-z]+|['’]s)?)\s+){0,2}\Z")
# Longest attributing phrase plus two qualifiers.
_BEFORE_CHARS = 80

_FOOTER = re.compile('|'.join(
    (r'(?:(?<=\n)|\A)[^\S\n]*' if rule.own_line else r'(?:(?<=\s)|\A)')
    + f'(?P<footer{i}>{rule.pattern})\\s*\\Z'
    for i, rule in enumerate(load_boilerplate_rules())))
# Reuters-21578 ends every story with 'Reuter' on its own line, sometimes
# 'REUTER...' or with a literal '^M'; after a table it may follow on the same
# line after a column gap.  A 'Reuter' closing a sentence is not a sign-off.
_REUTER_SIGNOFF = re.compile(
    r'(?:(?<=\n)|(?<=[^\S\n]{2})|\A)[^\S\n]*(?:Reuters?|REUTERS?|reuters?)(?:\.{2,3}|…)?(?:\^M|\r)?\s*\Z')
# Tehran Times sign-offs: 'MH/PA', 'SB/MQ/MG', a lone 'MG', sometimes with a
# dangling '/' or a closing 'END'.  They follow sentence-final punctuation or
# start a line.  After a photo caption there is no punctuation ('... in Isfahan
# AFM/MG'): there a chain of two or more groups is accepted after a content
# word, never after a determiner or preposition, so that an acronym pair ending
# the last phrase ('... with the UN/EU') is not taken for initials.
_EDITOR_SIGNOFF = re.compile(
    r'(?:(?<=[.!?…"”’»)\]])\s+|(?<=\n)[^\S\n]*'
    r'|(?<![\w-])(?!(?i:the|an?|of|and|or|to|in|on|at|by|for|with|from|between|against|via|than)\s)'
    r'\w+\s+(?=[A-Z]{1,4}/[A-Z]))'
    r'(?P<initials>(?!END\b)[A-Z]{1,4}(?:/[A-Z]{1,4})*)/?(?:\s+END)?\s*\Z')
# A credit at the start of the body: '(AP) — ...' or a whole dateline-like lead
# 'BEIRUT (AP) —' when the dateline stage left it in place.
_LEAD_CREDIT = re.compile(r'[^\S\n]*(?:[^\n()]{0,80}?\s)?\((?P<credit>[^()\n]{2,40})\)\s*(?:--|[-–—])')
# Unknown credits are kept as printed when they look like one: a few capitalised words.
_CREDIT_SHAPE = re.compile(r"[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*){0,3}")
_CREDIT_SEPARATOR = re.compile(r'\s*(?:/|,|&|\band\b)\s*')
# Scraped pages pad with zero-width characters, which str.isspace() does not cover.
_ZERO_WIDTH = frozenset('\u200b\u200c\u200d\u2060\ufeff')


def _canonical(name: str) -> Optional[str]:
    name = _strip_article(name)
    return _CANONICAL.get(name) or _CANONICAL_FOLDED.get(name.casefold())


def _credit_names(credit: str) -> list:
    """Canonical names in one printed credit; '(AFP/Xinhua)' holds two."""
    credit = ' '.join(credit.split()).strip(' .')
    known = _canonical(credit)
    if known:
        return [known]
    parts = _CREDIT_SEPARATOR.split(credit)
    if len(parts) > 1 and all(_canonical(part) for part in parts):
        return [_canonical(part) for part in parts]
    if len(credit) <= 30 and _CREDIT_SHAPE.fullmatch(credit):
        return [credit]
    return []


def _rstrip_to(body: str, end: int) -> int:
    """Returns the end of ``body[:end]`` without trailing (also zero-width) spaces."""
    while end and (body[end - 1].isspace() or body[end - 1] in _ZERO_WIDTH):
        end -= 1
    return end


def _attributions(body: str) -> tuple:
    """Canonical media the body attributes information to, first-appearance order.

    Only a mention in an attribution construction counts.  'Bloomberg said' may
    be the man, so a name marked ambiguous followed by a reporting verb needs a
    media noun ('Bloomberg News said').
    """
    found = {}
    for mention in _MEDIA_MENTION.finditer(body):
        name = mention.group('known') or mention.group('self_named')
        # A self-named medium may still be a known one under its long name.
        canonical = _canonical(name) or _strip_article(name)
        after = _REPORTED_AFTER.match(body, mention.end())
        if (after and (after.group('noun') or canonical not in _AMBIGUOUS)) or _ATTRIBUTING_BEFORE.search(
                body, max(0, mention.start() - _BEFORE_CHARS), mention.start()):
            found.setdefault(canonical, None)
    return tuple(found)


def extract_source_tags(body: str, dateline_credits: Sequence[str] = ()) -> SourceTags:
    """Finds source credits and strips sign-offs and footers from a body.

    Args:
        body: the article body (the dateline may or may not have been removed).
        dateline_credits: credits printed in the dateline, as printed ('AP').

    Returns:
        ``SourceTags``; ``body`` has the trailing sign-offs and footers removed
        and trailing whitespace stripped, and is otherwise unchanged.
    """
    agencies = {}
    for credit in dateline_credits:
        agencies.update(dict.fromkeys(_credit_names(credit)))
    lead = _LEAD_CREDIT.match(body, 0, _LEAD_CHARS)
    if lead:
        agencies.update(dict.fromkeys(_credit_names(lead.group('credit'))))

    boilerplate = []
    initials: tuple = ()
    reuter = False
    end = _rstrip_to(body, len(body))
    # Peel from the end: footers (possibly several), then at most one Reuter
    # sign-off and one set of initials, in whichever order they were printed.
    while True:
        footer = _FOOTER.search(body, max(0, end - _FOOTER_CHARS), end)
        if footer:
            boilerplate.append(next(value for value in footer.groups() if value is not None))
            end = _rstrip_to(body, footer.start())
            continue
        signoff = None if reuter else _REUTER_SIGNOFF.search(body, max(0, end - _SIGNOFF_CHARS), end)
        if signoff:
            reuter = True
            end = _rstrip_to(body, signoff.start())
            continue
        signoff = None if initials else _EDITOR_SIGNOFF.search(body, max(0, end - _SIGNOFF_CHARS), end)
        if signoff:
            initials = tuple(signoff.group('initials').split('/'))
            end = _rstrip_to(body, signoff.start('initials'))
            continue
        break
    if reuter:
        agencies.setdefault('Reuters', None)

    body = body[:end]
    return SourceTags(agencies=tuple(agencies), attributions=_attributions(body),
                      editor_initials=initials, boilerplate=tuple(reversed(boilerplate)),
                      body=body, reuter_signoff=reuter)

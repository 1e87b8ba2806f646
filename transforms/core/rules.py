"""Rule data shipped in ``seeds/rules``: media names and scraped-footer patterns;
and ``trie_pattern``, the regex that word lists from these rules compile to.

Beam-free.  Each JSONL file starts with a header object naming the rule set and
its version; every following line is one rule.  The loaders are registered as
versioned spaCy registry functions (like ``spacy.Tokenizer.v1``) so that a
config can pin them, and cached because every worker thread asks for them.
A change of file format means a new ``.v2`` function, not an edit of ``.v1``.
"""
import functools
import json
import pathlib
import re
import sys
from typing import Iterable, NamedTuple, Optional

import spacy



def _rules_dir() -> pathlib.Path:
    """seeds/rules of a source checkout (or editable install), else the copy setup.py installs."""
    in_checkout = pathlib.Path(__file__).resolve().parents[2] / 'seeds' / 'rules'
    if in_checkout.is_dir():
        return in_checkout
    return pathlib.Path(sys.prefix) / 'share' / 'newsbeam' / 'rules'


RULES_DIR = _rules_dir()

MEDIA_RULES = 'newsbeam.media_rules'
BOILERPLATE_RULES = 'newsbeam.boilerplate_rules'


class Medium(NamedTuple):
    """A news medium and the names it is printed under."""
    canonical: str
    aliases: tuple
    kind: str                  # agency | broadcaster | newspaper | magazine | website
    country: Optional[str]     # ISO 3166-1 alpha-3
    ambiguous: bool            # the bare name is also a person or a common word


class BoilerplateRule(NamedTuple):
    """A scraped footer, stripped only from the end of a body."""
    name: str
    pattern: str               # Python regex for the whole footer
    own_line: bool             # must start a line; False for footers glued to the text


def trie_pattern(words: Iterable[str]) -> str:
    """Returns a regex matching any of ``words``, factored as a character trie.

    A flat alternation of a few hundred words makes ``re`` try every word at
    every position of every body; the trie tries one branch per character.
    Spaces match any run of whitespace, since wire text wraps names.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[''] = {}

    def build(node: dict) -> str:
        branches = [(r'\s+' if char == ' ' else re.escape(char)) + build(child)
                    for char, child in sorted(node.items()) if char]
        if not branches:
            return ''
        if len(branches) == 1 and '' not in node:
            return branches[0]
        return '(?:' + '|'.join(branches) + ')' + ('?' if '' in node else '')

    return build(trie)


def _read_rules(path: pathlib.Path, rules: str, version: int) -> list:
    """Returns the rule objects of a JSONL file after checking its header.

    Raises:
        ValueError: the file is another rule set or another version; failing at
            load time beats silently applying rules written for another loader.
    """
    with path.open(encoding='utf-8') as f:
        lines = [json.loads(line) for line in f if line.strip()]
    if not lines or lines[0].get('rules') != rules or lines[0].get('version') != version:
        raise ValueError(f'{path}: expected header {{"rules": "{rules}", "version": {version}}}')
    return lines[1:]


@spacy.registry.misc('newsbeam.media_rules.v1')
@functools.lru_cache(maxsize=None)
def load_media_rules(path: str = str(RULES_DIR / 'media.jsonl')) -> tuple:
    """Loads the media gazetteer.

    Args:
        path: a ``newsbeam.media_rules`` version 1 JSONL file.

    Returns:
        A tuple of ``Medium``, in file order.
    """
    return tuple(
        Medium(canonical=r['canonical'], aliases=tuple(r.get('aliases', ())),
               kind=r['kind'], country=r.get('country'), ambiguous=bool(r.get('ambiguous')))
        for r in _read_rules(pathlib.Path(path), MEDIA_RULES, 1))


@spacy.registry.misc('newsbeam.boilerplate_rules.v1')
@functools.lru_cache(maxsize=None)
def load_boilerplate_rules(path: str = str(RULES_DIR / 'boilerplate.jsonl')) -> tuple:
    """Loads the scraped-footer patterns.

    Args:
        path: a ``newsbeam.boilerplate_rules`` version 1 JSONL file.

    Returns:
        A tuple of ``BoilerplateRule``, in file order (earlier rules win).
    """
    return tuple(
        BoilerplateRule(name=r['name'], pattern=r['pattern'], own_line=bool(r['own_line']))
        for r in _read_rules(pathlib.Path(path), BOILERPLATE_RULES, 1))

#!/usr/bin/env python3
"""Derives the event and actor rule files in seeds/rules from the field's dictionaries.

Reads, from ``../shared/lexicons`` (or ``--lexicons``), the expert dictionaries of the
event-data field and writes filtered, transformed derivations, each with a header line
that names the upstream file, repository@commit and licence:

* ``seeds/rules/cameo_verbs.jsonl`` (``newsbeam.cameo_verbs`` v1): PETRARCH2's CAMEO 2.0 verb
  dictionary, its verbs and their patterns, each CAMEO code translated to a PLOVER type and
  mode through the CAMEO -> PLOVER 2021 conversion table.  Only blocks with at least one
  entry that maps to a PLOVER type are kept; a pattern whose code maps to none (CAMEO 01/02
  comments, ``[---]``) is kept in such a block as a *blocking* line, because it says that
  a verb in that context is no event ('killed in an accident').
* ``seeds/rules/phoenix_actors.jsonl`` (``newsbeam.phoenix_actors`` v1): the Phoenix actor
  dictionaries (countries with their cities and institutions, leaders and officials with
  dated codes, international organisations, non-state groups), one actor per line: its names
  and its CAMEO codes with their date ranges.  Multinational companies (``MNC``) are left out:
  they are not political actors and are 4,400 of the international file's entries.
* ``seeds/rules/phoenix_agents.jsonl`` (``newsbeam.phoenix_agents`` v1): generic agents
  ('minister', 'police', 'rebels') and the CAMEO role they stand for.

Run from the repository root: ``python scripts/derive_rules.py``.  The output is
deterministic; the tests check the files' headers and shapes, not the dictionaries.
"""
import argparse
import datetime
import json
import pathlib
import re
import sys
from typing import Dict, Iterator, List, Optional, Tuple

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_LEXICONS = ROOT.parent / 'shared' / 'lexicons'
RULES = ROOT / 'seeds' / 'rules'

PETRARCH2 = {'repository': 'openeventdata/petrarch2', 'commit': '676801cd',
             'path': 'petrarch2/data/dictionaries/', 'licence': 'MIT (LICENSE.petrarch2-MIT)'}
PLOVER = {'repository': 'openeventdata/PLOVER', 'commit': '5e0c24fb', 'path': 'CAMEO2PLOVER-2021.txt',
          'licence': 'CC BY-SA 4.0'}

# The project's event types are PLOVER's with the names of the drafts before 2021 (its ontology,
# event_rules.QUAD_CLASSES): the 2021 table calls DEMAND 'REQUEST' and merges DISAPPROVE and
# INVESTIGATE into 'ACCUSE', telling the two apart by the mode 'investigate'.
_TYPE_NAMES = {'REQUEST': 'DEMAND'}
_ACCUSE = 'ACCUSE'
# Modes that only repeat the type once it is translated.
_REDUNDANT_MODES = {'investigate', 'disapprove'}

# A compound verb whose first word is an auxiliary ('+IS_DETERMINED') has no verb of its own
# for the parser to find; the few there are left out.
_AUXILIARIES = frozenset('IS WAS WERE ARE AM BE BEEN HAS HAVE HAD WILL WOULD'.split())
# Role markers in CAMEO patterns: $ source, + target, % compound actor, ^ skip a phrase.
_MARKERS = frozenset('$+%^')


def _provenance(file: str, upstream: dict) -> dict:
    return {'file': file, 'repository': upstream['repository'], 'commit': upstream['commit'],
            'path': upstream['path'], 'licence': upstream['licence']}


def _lines(path: pathlib.Path) -> List[str]:
    return path.read_text(encoding='utf-8', errors='replace').splitlines()


# ---------------------------------------------------------------- CAMEO -> PLOVER

def read_cameo2plover(path: pathlib.Path) -> Dict[str, Tuple[str, Optional[str]]]:
    """CAMEO code -> (project PLOVER type, mode or None), from the conversion table's ``code: TYPE, mode, context`` lines.

    The table's two-digit headings (``17: COERCE``) name the type of a whole CAMEO root; a root is
    kept, without a mode, when its headings name one type only (``08`` is headed both CONCEDE and
    RETREAT, so it says nothing of a code the table does not list).
    """
    table = {}
    roots: Dict[str, set] = {}
    for line in _lines(path):
        root = re.match(r'^(\d{2}):\s*([A-Z]+)\s*(?:#.*)?$', line)
        if root:
            roots.setdefault(root.group(1), set()).add(root.group(2))
            continue
        match = re.match(r'^(\d{3,4}):\s*([A-Z]+)\s*,([^,#]*)', line)
        if not match:
            continue
        code, plover, mode = match.group(1), match.group(2), match.group(3).strip() or None
        plover = _type_name(plover, mode)
        if mode in _REDUNDANT_MODES:
            mode = None
        table.setdefault(code, (plover, mode))
    for root, headings in roots.items():
        # ACCUSE has no mode at a heading: the root's own codes say whether it is INVESTIGATE (09) or DISAPPROVE (11).
        types = {table[code][0] for code in table if code.startswith(root) and len(code) == 3} \
            if headings == {_ACCUSE} else {_TYPE_NAMES.get(h, h) for h in headings}
        if len(types) == 1:
            table.setdefault(root, (types.pop(), None))
    return table


def _type_name(plover: str, mode: Optional[str]) -> str:
    """The project's name of a 2021 table type: ACCUSE is INVESTIGATE with mode 'investigate', else DISAPPROVE."""
    if plover == _ACCUSE:
        plover = 'INVESTIGATE' if mode == 'investigate' else 'DISAPPROVE'
    return _TYPE_NAMES.get(plover, plover)


def plover_of(code: Optional[str], table: Dict[str, Tuple[str, Optional[str]]]) -> Optional[Tuple[str, Optional[str]]]:
    """The PLOVER (type, mode) of a CAMEO event code; its 3-digit parent's when the table lacks it, else
    its root's: CAMEO 2.0's 176 (cyber attack) is in no line of the table, but under the root 17, COERCE."""
    if not code:
        return None
    for candidate in (code, code[:3], code[:2]):
        if candidate in table:
            return table[candidate]
    return None


# ---------------------------------------------------------------- CAMEO verb dictionary

def _event_code(bracket: Optional[str]) -> Optional[str]:
    """The source-side event code of ``[code]``, ``[source:target]``; None for ``[---]`` or ``[:target]``."""
    if bracket is None:
        return None
    code = bracket.split(':')[0].strip()
    return code if re.fullmatch(r'\d{3,4}', code) else None


def _synsets(lines: List[str]) -> Dict[str, List[str]]:
    """``&NAME`` -> its members ('predator drone'), lower case, from the synonym-set section."""
    sets, current = {}, None
    for line in lines:
        text = line.split('#')[0].strip()
        if text.startswith('&'):
            current = text.split()[0][1:]
            sets[current] = []
        elif text.startswith('+') and current:
            word = text[1:].split()[0].strip('_').replace('_', ' ').lower()
            if word:
                sets[current].append(word)
        elif not text:
            current = None
    return sets


_TOKEN = re.compile(r'[{}()]|[^\s{}()]+')


def _pattern_items(text: str, synsets: Dict[str, List[str]]) -> list:
    """A pattern side as a sequence of items: a word ('aid', 'military aid') or a synonym set ('&WEAPON').

    Noun-phrase braces only group words for PETRARCH's tree matcher; here the words keep their
    order, which is what the matcher checks.  A prepositional phrase's first word is marked
    '(': it must be a preposition of the verb or of its object ('agree (to ...)').
    """
    items = []
    opened = False
    for token in _TOKEN.findall(text):
        if token == '(':
            opened = True
            continue
        if token in '{})' or token in _MARKERS:
            continue
        if token.startswith('&'):
            name = token[1:].strip('_')
            if synsets.get(name):
                items.append('&' + name)
            opened = False
            continue
        word = token.strip('_').replace('_', ' ').lower()
        if word and not any(char in word for char in _MARKERS):
            # '(to' : the head of a prepositional phrase, which must hang from the verb's own phrase.
            items.append(('(' if opened else '') + word)
        opened = False
    return items


def _verb_line(line: str) -> Optional[Tuple[List[str], List[str], Optional[str], bool]]:
    """(words, irregular first-word forms, code bracket, has bracket) of a verb line, None if it is none."""
    text = re.split(r'[#;]', line, maxsplit=1)[0].strip()
    match = re.match(r'^(\+?)([A-Z][A-Z0-9\'._-]*)\s*(\{[^}]*\})?\s*(\[[^\]]*\])?', text)
    if not match:
        return None
    words = [w for w in match.group(2).split('_') if w]
    forms = []
    if match.group(3):
        for form in re.split(r'[\s,]+', match.group(3)[1:-1]):
            form = form.lstrip('+').split('_')[0]
            if form:
                forms.append(form.lower())
    bracket = match.group(4)[1:-1] if match.group(4) else None
    return words, forms, bracket, bracket is not None


def read_cameo_verbs(path: pathlib.Path, table) -> Iterator[dict]:
    """The kept verb and pattern lines of the CAMEO verb dictionary, block by block, in file order."""
    lines = _lines(path)
    start = next(i for i, line in enumerate(lines) if 'VERB PATTERNS' in line)
    end = next((i for i, line in enumerate(lines) if 'TRANSFORMATIONS' in line), len(lines))
    synsets = _synsets(lines[:start])
    blocks, block = [], None
    for line in lines[start + 1:end]:
        header = re.match(r'^---\s+(\S+)\s+\[([^\]]*)\]', line)
        if header:
            block = {'name': header.group(1), 'code': _event_code(header.group(2)), 'verbs': [], 'patterns': []}
            blocks.append(block)
            continue
        if block is None or not line.strip() or line.startswith('#'):
            continue
        if line.startswith('-'):
            match = re.match(r'^-\s*(.*?)\s*\[([^\]]*)\]', line)
            if not match or '*' not in match.group(1):
                continue
            before, after = match.group(1).split('*', 1)
            block['patterns'].append({'code': _event_code(match.group(2)),
                                      'before': _pattern_items(before, synsets),
                                      'after': _pattern_items(after, synsets)})
            continue
        parsed = _verb_line(line)
        if parsed is None:
            continue
        words, forms, bracket, has_bracket = parsed
        if words[0] in _AUXILIARIES:
            continue
        code = _event_code(bracket) if has_bracket else block['code']
        block['verbs'].append({'words': [w.lower() for w in words], 'forms': forms, 'code': code})
    kept = [rule for block in blocks for rule in _block_rules(block, table)]
    used = sorted({item[1:] for rule in kept for side in ('before', 'after') for item in rule.get(side, ())
                   if item.startswith('&')})
    for name in used:
        yield {'kind': 'synset', 'name': name, 'words': synsets[name]}
    yield from kept


def _block_rules(block: dict, table) -> Iterator[dict]:
    mapped_verbs = [v for v in block['verbs'] if plover_of(v['code'], table)]
    mapped_patterns = [p for p in block['patterns'] if plover_of(p['code'], table)]
    if not mapped_verbs and not mapped_patterns:
        return
    name = block['name']
    for verb in block['verbs']:
        rule = {'kind': 'verb', 'block': name, 'lemma': verb['words'][0]}
        if len(verb['words']) > 1:
            rule['phrase'] = verb['words'][1:]
        if verb['forms']:
            rule['forms'] = sorted(set(verb['forms']))
        rule.update(_coded(verb['code'], table))
        yield rule
    seen = set()
    for pattern in block['patterns']:
        if not pattern['before'] and not pattern['after']:
            continue
        rule = {'kind': 'pattern', 'block': name}
        if pattern['before']:
            rule['before'] = pattern['before']
        if pattern['after']:
            rule['after'] = pattern['after']
        rule.update(_coded(pattern['code'], table))
        key = json.dumps(rule, sort_keys=True)
        if key not in seen:
            seen.add(key)
            yield rule


def _coded(code: Optional[str], table) -> dict:
    plover = plover_of(code, table)
    if plover is None:
        # Kept to block a mapped verb in this context: CAMEO says it is no PLOVER event.
        return {'cameo': code, 'type': None}
    coded = {'cameo': code, 'type': plover[0]}
    if plover[1]:
        coded['mode'] = plover[1]
    return coded


# ---------------------------------------------------------------- Phoenix actors and agents

def _ymd(text: str) -> Optional[str]:
    """ISO date of a PETRARCH date: YYYYMMDD, or YYMMDD where 00-30 are 20YY (PETRreader.dstr_to_ordate)."""
    digits = re.sub(r'\D', '', text)
    try:
        if len(digits) >= 8:
            day = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
        elif len(digits) == 6:
            year = int(digits[:2])
            day = datetime.date(year + (2000 if year <= 30 else 1900), int(digits[2:4]), int(digits[4:6]))
        else:
            return None
    except ValueError:
        return None
    return day.isoformat()


def _codes(text: str) -> List[list]:
    """Every ``[CODE]`` / ``[CODE date-range]`` in a line as [code, from, to]; an undated code has neither.

    A range whose dates cannot be read is dropped, as PETRARCH drops the line.
    """
    found = []
    for inner in re.findall(r'\[([^\]]*)\]', text):
        parts = inner.split(None, 1)
        if not parts or not re.fullmatch(r'[A-Z~]{3,}', parts[0]):
            continue
        code, rest = parts[0], (parts[1].strip() if len(parts) > 1 else '')
        if not rest:
            found.append([code, None, None])
            continue
        if rest[0] in '<>':
            day = _ymd(rest)
            if day:
                found.append([code, day, None] if rest[0] == '>' else [code, None, day])
        elif '-' in rest:
            first, last = (_ymd(part) for part in rest.split('-', 1))
            if first and last and first <= last:
                found.append([code, first, last])
    return found


def _actor_name(text: str) -> Optional[str]:
    name = re.split(r'[#\[;\t]', text, maxsplit=1)[0].strip().lstrip('+').strip()
    name = re.sub(r'\(.*?\)', ' ', name)
    name = ' '.join(name.replace('_', ' ').split())
    return name.upper() if len(name) > 1 else None


# CAMEO role codes (the CAMEO actor codebook's primary and secondary roles); the resolver
# (transforms/core/actors.py, _ROLES) reads an actor code's first element and its first role.
CAMEO_ROLES = frozenset('GOV MIL REB OPP PTY COP JUD SPY LEG ELI MED EDU BUS CVL LAB REF HRI AGR REL HLH ENV UAF INS SEP '
                        'CRM MOD RAD'.split())


def resolver_code(code: str) -> str:
    """The part of a CAMEO actor code the resolver reads: its first element (country, IGO / NGO / IMG,
    region, or a bare role) and the first role after it: 'IRNGOVLEG' -> 'IRNGOV', 'IGOUNOLABILO' ->
    'IGOLAB', 'ELI' -> 'ELI'.  The rest (secondary roles, organisation ids) no rule uses."""
    head = code[:3]
    if head in CAMEO_ROLES:
        return head
    rest = code[3:]
    return head + next((rest[i:i + 3] for i in range(0, len(rest), 3) if rest[i:i + 3] in CAMEO_ROLES), '')


def read_phoenix_actors(path: pathlib.Path) -> Iterator[dict]:
    """One actor per primary line with its synonyms and codes; multinational companies left out."""
    actor = None
    for line in _lines(path):
        if not line.strip() or line.lstrip().startswith('#') or '---STOP---' in line:
            continue
        if line[0] in ' \t':
            if actor is not None:
                actor['codes'].extend(_codes(line))
            continue
        if line.startswith('+'):
            name = _actor_name(line)
            if actor is not None and name:
                actor['names'].append(name)
            continue
        if actor is not None:
            yield from _kept(actor)
        name = _actor_name(line)
        actor = {'names': [name] if name else [], 'codes': _codes(line)}
    if actor is not None:
        yield from _kept(actor)


def _kept(actor: dict) -> Iterator[dict]:
    codes = []
    for code, start, end in actor['codes']:
        if code.startswith('MNC'):
            continue
        dated = [resolver_code(code), start, end]
        # Codes that differ only in what the resolver does not read repeat: one of a run is enough
        # (a run, not any repeat: the last undated code of an actor is the one that applies).
        if not codes or codes[-1] != dated:
            codes.append(dated)
    names = list(dict.fromkeys(n for n in actor['names'] if n))
    if codes and names:
        yield {'names': names, 'codes': codes}


def read_phoenix_agents(path: pathlib.Path) -> Iterator[dict]:
    """Agent phrases (singular and plural, substitution sets expanded) -> role code."""
    substitutions: Dict[str, List[str]] = {}
    seen = set()
    for line in _lines(path):
        text = line.split('#')[0].strip()
        if not text:
            continue
        marker = re.match(r'^!(\w+)!\s*=\s*(.*)$', text)
        if marker:
            substitutions[marker.group(1)] = [w.strip() for w in marker.group(2).split(',') if w.strip()]
            continue
        match = re.match(r'^([^\[{]+?)\s*(\{[^}]*\})?\s*\[([^\]]*)\]', text)
        if not match:
            continue
        code = match.group(3).strip()
        country, _, role = code.partition('~')
        role = role[:3] or None
        phrase = match.group(1).strip()
        if match.group(2) is not None:
            plural = match.group(2)[1:-1].strip()
        elif phrase.endswith('Y'):
            plural = phrase[:-1] + 'IES'
        elif phrase.endswith('S'):
            plural = phrase + 'ES'
        else:
            plural = phrase + 'S'
        for form in (phrase, plural):
            if not form:
                continue
            for expanded in _substituted(form, substitutions):
                words = ' '.join(expanded.replace('_', ' ').split()).lower()
                key = (words, role, country)
                if words and key not in seen:
                    seen.add(key)
                    rule = {'agent': words, 'role': role}
                    if country:
                        rule['country'] = country
                    yield rule


def _substituted(text: str, substitutions: Dict[str, List[str]]) -> List[str]:
    match = re.search(r'!(\w+)!', text)
    if not match or match.group(1) not in substitutions:
        return [text] if '!' not in text else []
    return [expanded for word in substitutions[match.group(1)]
            for expanded in _substituted(text[:match.start()] + word + text[match.end():], substitutions)]


# ---------------------------------------------------------------- output

def write_rules(path: pathlib.Path, header: dict, rules: Iterator[dict]) -> int:
    count = 0
    with path.open('w', encoding='utf-8') as out:
        out.write(json.dumps(header, ensure_ascii=False) + '\n')
        for rule in rules:
            out.write(json.dumps(rule, ensure_ascii=False, separators=(',', ':')) + '\n')
            count += 1
    return count


CAMEO_VERBS_DOC = (
    "PLOVER event verbs derived by scripts/derive_rules.py from PETRARCH2's CAMEO 2.0 verb dictionary, "
    "codes translated by the CAMEO -> PLOVER 2021 table (REQUEST is DEMAND; ACCUSE is INVESTIGATE with mode "
    "investigate, else DISAPPROVE). One line per verb or pattern of a CAMEO synonym block; a block's patterns "
    "apply to all its verbs. kind 'verb': lemma (spaCy lemma of the verb), phrase (words that must follow it: "
    "'meet' ['with']), forms (irregular forms for the sentence filter). kind 'pattern': before / after: items "
    "that must appear, in order, before / after the verb within its clause: a word (several words match "
    "consecutive tokens; a leading '(' marks a preposition that must hang from the verb or its object) or "
    "'&NAME', any word of the kind 'synset' line of that name. cameo: the CAMEO code; type: PLOVER type, null for a "
    "blocking line (CAMEO says no PLOVER event: comments, appeals, [---]); mode: PLOVER mode. The longest "
    "matching pattern of the verb's blocks wins, else the verb's own line. Regenerate, do not edit by hand.")

PHOENIX_ACTORS_DOC = (
    "Actors derived by scripts/derive_rules.py from the Phoenix actor dictionaries: names (upper case, "
    "underscores as spaces) and CAMEO actor codes [code, from, to] (ISO dates or null). The first three letters "
    "of a code are the country (ISO 3166-1 alpha-3) or CAMEO's IGO / NGO / IMG; the next three the role (GOV, "
    "MIL, ...). At a date, the first dated code whose range holds it applies, else the last undated one. "
    "Only what the resolver reads is kept: a code's first element and its first role ('IRNGOVLEG' -> 'IRNGOV'), "
    "a run of equal codes once. Each source's lines: its 'lines' [first, last] (line numbers of this file). "
    "Multinational companies (MNC) are left out. Regenerate, do not edit by hand.")

PHOENIX_AGENTS_DOC = (
    "Generic agents derived by scripts/derive_rules.py from Phoenix.agents.txt: agent (lower case words, "
    "singular and plural, substitution sets expanded) and role (CAMEO role code: GOV, MIL, COP, REB, ...); "
    "country only where the dictionary gives one (IGO). Regenerate, do not edit by hand.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--lexicons', type=pathlib.Path, default=DEFAULT_LEXICONS)
    parser.add_argument('--out', type=pathlib.Path, default=RULES)
    args = parser.parse_args(argv)
    lexicons = args.lexicons
    if not (lexicons / 'CAMEO.2.0.txt').is_file():
        print(f'{lexicons}: no CAMEO.2.0.txt (the dictionaries live in ../shared/lexicons)', file=sys.stderr)
        return 1
    table = read_cameo2plover(lexicons / 'CAMEO2PLOVER-2021.txt')
    counts = {}
    counts['cameo_verbs.jsonl'] = write_rules(args.out / 'cameo_verbs.jsonl', {
        'rules': 'newsbeam.cameo_verbs', 'version': 1, 'doc': CAMEO_VERBS_DOC,
        'sources': [_provenance('CAMEO.2.0.txt', PETRARCH2), _provenance('CAMEO2PLOVER-2021.txt', PLOVER)]},
        read_cameo_verbs(lexicons / 'CAMEO.2.0.txt', table))
    actor_files = ('Phoenix.Countries.actors.txt', 'Phoenix.International.actors.txt', 'Phoenix.MilNonState.actors.txt')
    actors = [list(read_phoenix_actors(lexicons / name)) for name in actor_files]
    sources, line = [], 2     # line 1 is the header
    for name, found in zip(actor_files, actors):
        sources.append(dict(_provenance(name, PETRARCH2), lines=[line, line + len(found) - 1]))
        line += len(found)
    counts['phoenix_actors.jsonl'] = write_rules(args.out / 'phoenix_actors.jsonl', {
        'rules': 'newsbeam.phoenix_actors', 'version': 1, 'doc': PHOENIX_ACTORS_DOC, 'sources': sources},
        (actor for found in actors for actor in found))
    counts['phoenix_agents.jsonl'] = write_rules(args.out / 'phoenix_agents.jsonl', {
        'rules': 'newsbeam.phoenix_agents', 'version': 1, 'doc': PHOENIX_AGENTS_DOC,
        'sources': [_provenance('Phoenix.agents.txt', PETRARCH2)]},
        read_phoenix_agents(lexicons / 'Phoenix.agents.txt'))
    for name, count in counts.items():
        size = (args.out / name).stat().st_size
        print(f'{name}: {count} rules, {size / 1024:.0f} KiB')
    return 0


if __name__ == '__main__':
    sys.exit(main())

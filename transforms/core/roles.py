"""Who does what to whom in a parsed sentence: the actor and target of a trigger, and their countries.  No Beam.

``roles_of`` reads the dependency tree: a verb's subject (or passive agent) and object, a
noun trigger's possessor or the subject of its light verb, a pronoun's antecedent; a role
token becomes a ``Role`` snapped to the entity stage's mentions (``role_of``), with its
country from its own words (``actors``), else from the sentence around it: where an
unnamed group acts, which country a bare state title serves.
"""
import re
from typing import Dict, NamedTuple, Optional, Sequence, Tuple, Union

from schemas.records import EntityMention, TimeExpression
from transforms.core.actors import (PERSON, PLACE_LABELS, country_name_in, default_resolver, previous_person,
                                    sector_of, title_window)
from transforms.core.gazetteer import locate_place
from transforms.core.grammar import (ANAPHORS, LIGHT_VERBS, OBJECT_CONTROL, OTHER_PARTY_PREPOSITIONS,
                                     PARTICIPATION_PREPOSITIONS, PASSIVE_SUBJECTS, QUANTITY_NOUNS,
                                     RESOLVABLE_PRONOUNS, SUBJECTS, TARGET_PREPOSITIONS, reported_obligation)
from transforms.core.sentences import SentenceSpan

_ACTOR_LABELS = frozenset({'PERSON', 'ORG', 'GPE', 'NORP'})
# Mentions a role may snap to; a DATE or CARDINAL ('Thousands of Kurds') is never a participant.
_ROLE_LABELS = _ACTOR_LABELS | PLACE_LABELS
# Dependents that belong to a noun phrase's own words, not to a clause around it.
_PHRASE_DEPS = frozenset({'compound', 'amod', 'poss', 'det', 'nummod', 'case', 'cc', 'conj', 'nmod',
                          'quantmod', 'prep', 'pobj', 'punct', 'appos', 'advmod', 'npadvmod'})
_MAX_PHRASE_TOKENS = 12
# 'the town of Samarra', 'the province of Sindh': what follows names a place, whatever NER says.
_PLACE_OF = re.compile(r'\b(?:town|city|village|province|district|region|state|port|capital|island)s?\s+of\s+$',
                       re.IGNORECASE)
# 'ethnic Albanians in Serbia', 'ethnic Russians': a people, who may be citizens of another state.
_ETHNIC = re.compile(r'\b[Ee]thnic\s+([A-Z][\w-]+)')
# A state office printed before a name with no country ('President Bouteflika', 'Lt. Gen. Avril'):
# the holder is taken to hold it in the country the sentence is about.
_STATE_TITLE = re.compile(
    r'(?<![\w-])(?:President|Vice[- ]President|Prime Minister|Premier|Chancellor|King|Queen|Emir|Sultan|Prince'
    r'|Minister|Governor|General|Gen\.|Colonel|Col\.|Admiral|Marshal)\s+$')


class Role(NamedTuple):
    text: str
    canonical: Optional[str]
    country: Optional[str]
    mention: Optional[EntityMention]
    # 'ethnic Albanians': the country is the people's, not necessarily the state they live in.
    ethnic: bool = False
    role: Optional[str] = None         # CAMEO role (GOV, MIL, REB, ...) from the Phoenix dictionaries


class ArticleContext(NamedTuple):
    """What ``sentence_events`` needs of the article besides the parsed sentence."""
    article_id: str
    body: str
    entities: Sequence[EntityMention]
    time_expressions: Sequence[TimeExpression]
    persons: Dict[str, str]            # canonical -> alpha-3, from person_countries
    date: Optional[str] = None         # ISO: the dictionaries' codes are those of this day


class ParsedSentence:
    """One parsed sentence and the article's mentions in it, in body offsets."""

    def __init__(self, doc, span: SentenceSpan, context: ArticleContext):
        self.doc = doc
        self.span = span
        self.context = context
        self.mentions = [m for m in context.entities if span.start <= m.start_char < span.end]

    def start_of(self, token) -> int:
        return self.span.start + token.idx

    def mention_of(self, token, labels=_ROLE_LABELS) -> Optional[EntityMention]:
        start = self.start_of(token)
        for mention in self.mentions:
            if mention.start_char <= start < mention.end_char and mention.label in labels:
                return mention
        return None

    def is_time(self, token) -> bool:
        """Whether a token is part of a date ('on Wednesday' is when, not whom)."""
        start = self.start_of(token)
        return any(t.start_char <= start < t.end_char for t in self.context.time_expressions) or any(
            m.start_char <= start < m.end_char and m.label in ('DATE', 'TIME') for m in self.mentions)

    def text(self, first: int, last: int) -> str:
        """Body text from token ``first`` to token ``last`` inclusive."""
        doc = self.doc
        return self.context.body[self.start_of(doc[first]):self.start_of(doc[last]) + len(doc[last])]


def _subject(verb) -> Tuple[Optional[object], bool]:
    """(actor token, passive) of a verb: its subject, the 'by' agent when passive, or an inherited one."""
    children = list(verb.children)
    passive = any(c.dep_ in PASSIVE_SUBJECTS or c.dep_ == 'auxpass' for c in children)
    if passive:
        agent = next((c for c in children if c.dep_ == 'agent'), None)
        pobj = next((g for g in agent.children if g.dep_ == 'pobj'), None) if agent is not None else None
        return pobj, True
    subject = next((c for c in children if c.dep_ in SUBJECTS), None)
    if subject is not None:
        return subject, False
    head = verb.head
    if head.i == verb.i:
        return None, False
    if verb.dep_ == 'xcomp':
        if head.pos_ == 'ADJ' and head.dep_ in ('acomp', 'amod') and head.head.i != head.i:
            # 'Syria is willing to withdraw': the subject is the copula's.
            return _subject(head.head)[0], False
        if head.lemma_.lower() in OBJECT_CONTROL:
            obj = next((c for c in head.children if c.dep_ == 'dobj'), None)
            if obj is not None:
                return obj, False
        return _subject(head)[0], False
    if verb.dep_ == 'conj':
        return _subject(head)
    if verb.dep_ == 'relcl' and head.pos_ in ('NOUN', 'PROPN', 'PRON'):
        return head, False
    if verb.dep_ in ('advcl', 'acl') and head.pos_ in ('VERB', 'AUX'):
        # 'Heading a delegation, Baqeri visited': a participle clause shares the subject.
        return _subject(head)[0], False
    if verb.dep_ == 'acl' and head.dep_ == 'dobj' and head.head.pos_ in ('VERB', 'AUX'):
        # 'issued a declaration demanding ...': who issued it demands.
        return _subject(head.head)[0], False
    return None, False


def prep_object(token, sentence: 'ParsedSentence', prepositions: Sequence[str] = TARGET_PREPOSITIONS):
    """The object of the token's most telling preposition ('with' before 'to' before 'on'), not a date."""
    found = []
    for child in token.children:
        lemma = child.lemma_.lower()
        if child.dep_ in ('prep', 'dative') and lemma in prepositions:
            pobj = next((g for g in child.children if g.dep_ == 'pobj'), None)
            if pobj is not None and not sentence.is_time(pobj):
                found.append((prepositions.index(lemma), pobj.i, pobj))
    return min(found, key=lambda item: item[:2])[2] if found else None


# Prepositions that set an event just before or after the clause's act ('after talks with X').
RECIPROCAL_TIME_PREPOSITIONS = frozenset({'after', 'following', 'follow', 'before'})


def _governing_verb(noun) -> Tuple[Optional[object], Optional[str]]:
    """The verb a noun trigger hangs from ('held talks', 'in a meeting') and how: 'dobj' or the preposition."""
    token, via = noun, None
    for _ in range(3):
        if token.dep_ == 'compound' and token.head.pos_ == 'NOUN':
            # 'launched a mediation effort': the compound's head noun is what the verb governs.
            token = token.head
            continue
        if token.dep_ in ('dobj', 'attr', 'nsubjpass') and token.head.pos_ in ('VERB', 'AUX'):
            return token.head, via or 'dobj'
        if token.dep_ == 'pobj' and token.head.dep_ == 'prep':
            via = token.head.lemma_.lower()
            token = token.head.head
            if token.pos_ in ('VERB', 'AUX'):
                return token, via
            continue
        if token.dep_ == 'conj':
            token = token.head
            continue
        return None, None
    return None, None


def _can_act(token, sentence: 'ParsedSentence') -> bool:
    """Whether a token may stand for a party: a name, a pronoun, a named entity, or a phrase the
    dictionaries give a country or a role ('Vietnamese-led forces', 'the minister')."""
    if token.pos_ in ('PROPN', 'PRON') or sentence.mention_of(token) is not None:
        return True
    role = role_of(token, sentence)
    return role is not None and (role.country is not None or role.role is not None)


def roles_of(trigger_token, sentence: 'ParsedSentence') -> Tuple[Optional[object], Optional[object], Optional[object], bool]:
    """(actor token, target token, governing verb, whether the verb carries the event) of a trigger."""
    obliged = reported_obligation(trigger_token)
    if obliged is not None:
        # 'Russia said Sudan must return ...': Russia demands, of Sudan.
        target = next((c for c in obliged.children if c.dep_ in SUBJECTS), None)
        return _subject(obliged.head)[0], target, obliged, True
    if trigger_token.pos_ in ('VERB', 'AUX'):
        actor, passive = _subject(trigger_token)
        target = None
        if passive:
            target = next((c for c in trigger_token.children if c.dep_ in PASSIVE_SUBJECTS), None)
        if target is None:
            target = next((c for c in trigger_token.children if c.dep_ in ('dobj', 'dative')), None)
        if target is not None and sentence.is_time(target):
            target = None
        if target is None:
            target = prep_object(trigger_token, sentence)
        return actor, target, trigger_token, True
    actor = next((c for c in trigger_token.children if c.dep_ == 'poss'), None)
    if actor is not None and actor.pos_ == 'PRON':
        # 'they continued their hunger strike': the clause's subject says who 'their' is.
        verb, via = _governing_verb(trigger_token)
        if verb is not None and via == 'dobj' and verb.lemma_.lower() in LIGHT_VERBS:
            actor = _subject(verb)[0] or actor
    if actor is None:
        # 'Israeli air strikes', 'U.S. sanctions': a name-like modifier is the actor.
        actor = next((c for c in trigger_token.children
                      if c.dep_ in ('compound', 'amod') and c.pos_ in ('PROPN', 'ADJ') and c.text[:1].isupper()
                      and not sentence.is_time(c)),      # 'the Tuesday meeting': when, not who
                     None)
    target = prep_object(trigger_token, sentence)
    verb, via = _governing_verb(trigger_token)
    if verb is not None and (via in PARTICIPATION_PREPOSITIONS
                             or (via == 'dobj' and verb.lemma_.lower() in LIGHT_VERBS)):
        if actor is None:
            actor = _subject(verb)[0]
        if target is None:
            target = prep_object(verb, sentence, ('with',))
        # 'held talks': the light verb carries the event; 'in a meeting' is only circumstance.
        return actor, target, verb, via == 'dobj'
    if verb is not None and via in RECIPROCAL_TIME_PREPOSITIONS and actor is None \
            and prep_object(trigger_token, sentence, ('with',)) is not None:
        # 'retook the village after fierce fighting with guerrillas': an act done with another party
        # just before the clause's own act is the clause subject's, when that subject can act
        # ('the plan comes after consultation with ...' is no party to it).
        subject = _subject(verb)[0]
        if subject is not None and _can_act(resolved(subject), sentence):
            return subject, target, verb, False
    return actor, target, None, False


def phrase_bounds(token) -> Tuple[int, int]:
    """Token range of a role's noun phrase: its modifiers and conjuncts, not a clause around it.

    'of' phrases belong to any noun ('the chief of China's Joint Staff'); 'in' and 'from'
    only to a common noun ('rebels in the Ivory Coast'), after a name they say where; so does
    'near' ('a bombing near the town of Samarra') when the phrase stays short.
    """
    choices = (('of',),) if token.pos_ == 'PROPN' else (('of', 'in', 'from', 'near'), ('of', 'in', 'from'))
    for prepositions in choices:
        first = last = token.i
        stack = [token]
        while stack:
            current = stack.pop()
            for child in current.children:
                # An adjective keeps its own complement: 'militants loyal to Iraq's Al-Qaeda'.
                if child.dep_ in _PHRASE_DEPS and (child.dep_ != 'prep' or child.lemma_.lower() in prepositions
                                                   or current.pos_ == 'ADJ'):
                    first, last = min(first, child.i), max(last, child.i)
                    stack.append(child)
        if last - first + 1 <= _MAX_PHRASE_TOKENS:
            break
    else:
        first, last = min(token.left_edge.i, token.i), token.i
    doc = token.doc
    while last > first and (doc[last].is_punct or doc[last].dep_ == 'cc'):
        last -= 1
    while first < last and doc[first].is_punct:
        first += 1
    return first, last


def _antecedent(pronoun):
    """The subject of the reporting clause a pronoun's clause hangs from: 'Syria says it will ...'."""
    verb = pronoun.head
    for _ in range(4):
        if verb.dep_ in ('ccomp', 'xcomp', 'conj', 'advcl') and verb.head.i != verb.i:
            verb = verb.head
            subject = next((c for c in verb.children if c.dep_ in SUBJECTS), None)
            if subject is not None and subject.pos_ != 'PRON':
                return subject
        else:
            return None
    return None


def role_of(token, sentence: ParsedSentence) -> Optional[Role]:
    """Who a role token stands for; a pronoun is replaced by its antecedent when one is found."""
    if token is None:
        return None
    context = sentence.context
    resolver = default_resolver()
    if token.pos_ == 'PRON':
        if token.lower_ not in ANAPHORS:
            return Role(token.text, None, None, None)
        antecedent = _antecedent(token)
        if antecedent is not None:
            return role_of(antecedent, sentence)
        person = previous_person(context.entities, sentence.span.index) \
            if token.lower_ in RESOLVABLE_PRONOUNS else None
        if person is None:
            return Role(token.text, None, None, None)
        return Role(person.text, person.canonical, context.persons.get(person.canonical), person)
    first, last = phrase_bounds(token)
    if token.lemma_.lower() in QUANTITY_NOUNS or token.pos_ == 'NUM':
        of = next((c for c in token.children if c.dep_ == 'prep' and c.lower_ == 'of'), None)
        pobj = next((g for g in of.children if g.dep_ == 'pobj'), None) if of is not None else None
        if pobj is not None:
            token = pobj
    mention = sentence.mention_of(token)
    if mention is None:
        inside = [m for m in sentence.mentions
                  if sentence.start_of(sentence.doc[first]) <= m.start_char
                  and m.end_char <= sentence.start_of(sentence.doc[last]) + len(sentence.doc[last])]
        persons = [m for m in inside if m.label == PERSON]
        # 'Vice Chairman of the Commission Xu Qiliang': a title headed phrase is the person;
        # 'Taiwan's Vice Foreign Minister' stays the minister, with Taiwan's country.
        # A plural common noun is a group, capitalised only to start the sentence: 'Fighters loyal
        # to the ousted leader X' are the fighters, not X.
        if persons and (token.pos_ == 'PROPN' or token.text[:1].isupper()) \
                and not (token.pos_ == 'NOUN' and token.tag_ in ('NNS', 'NNPS')):
            mention = persons[-1]
    has_conjunct = any(child.dep_ == 'conj' for child in token.children)
    if mention is not None:
        text = sentence.text(first, last) if has_conjunct else mention.text
        country = resolver.of_mention(mention, context.persons, context.date, context.body)
        if country is None:
            country = _phrase_country(sentence, first, last, mention)
        code = resolver.code_of((mention.text, mention.canonical), context.date)
        role = code.sector if code else _agent_role(sentence, first, last)
        return Role(text, mention.canonical, country, mention, _ethnic(sentence, first, last, country), role)
    text = sentence.text(first, last)
    code = resolver.code_of(_head_phrases(sentence, token, first), context.date)
    country = _phrase_country(sentence, first, last, None) or (code.country if code else None) \
        or country_name_in(text) or _movement_country(sentence, token, first)
    role = code.role if code else None
    if country is None:
        # 'Bosnian Serbs said their forces had withdrawn': the forces are the possessor's.
        possessor = next((c for c in token.children if c.dep_ == 'poss' and c.lower_ in ANAPHORS), None)
        owner = _antecedent(token) if possessor is not None else None
        if owner is not None:
            owner_role = role_of(owner, sentence)
            country = owner_role.country if owner_role else None
    if role is None or country is None:
        # 'Israeli army' MIL, 'UN peacekeepers' IGO: a generic agent says the role, and for an
        # international force its organisation.
        agent = resolver.phoenix.agent([t.text for t in sentence.doc[first:token.i + 1]]) if resolver.phoenix else None
        if agent is not None:
            role = role or agent[0]
            country = country or agent[1]
    if country is None:
        country = _complement_country(sentence, token)
    return Role(text, None, country, None, _ethnic(sentence, first, last, country), sector_of(role, country))


def _complement_country(sentence: ParsedSentence, token) -> Optional[str]:
    """The country named in a group's adjective complement ('Militants loyal to Iraq's Al-Qaeda
    frontman ...', too long to print whole) or in where it is 'based': whose group it is."""
    for child in token.children:
        if child.i > token.i and ((child.dep_ == 'amod' and child.pos_ == 'ADJ')
                                  or (child.dep_ == 'acl' and child.lemma_.lower() == 'base')) \
                and any(c.dep_ == 'prep' for c in child.children):
            subtree = list(child.subtree)
            country = _phrase_country(sentence, subtree[0].i, subtree[-1].i, None)
            if country:
                return country
    return None


def _head_phrases(sentence: ParsedSentence, token, first: int) -> list:
    """The phrase up to its head noun, then without its leading words: 'The European Community',
    'European Community', 'Community'; a dictionary name is matched whole."""
    words = [t.text for t in sentence.doc[first:token.i + 1]]
    return [' '.join(words[k:]) for k in range(len(words) - 1)] or words


def _movement_country(sentence: ParsedSentence, token, first: int) -> Optional[str]:
    """'Tamil Tiger rebels', 'Contra rebels': the name before the head noun, in the plural the
    dictionaries file a movement's members under ('TAMIL TIGERS', 'CONTRAS'), gives the country;
    the head noun still says the role.  The model must see a name there ('Maritime security' is
    no movement, though the dictionary knows the MARITIMES)."""
    modifiers = [t for t in sentence.doc[first:token.i] if t.dep_ != 'det']
    if token.pos_ != 'NOUN' or not modifiers or not all(t.text[:1].isupper() for t in modifiers) \
            or not any(sentence.mention_of(t) is not None for t in modifiers):
        return None
    code = default_resolver().code_of([' '.join(t.text for t in modifiers) + 's'], sentence.context.date)
    return code.country if code else None


def _agent_role(sentence: ParsedSentence, first: int, last: int) -> Optional[str]:
    phoenix = default_resolver().phoenix
    if phoenix is None:
        return None
    agent = phoenix.agent([t.text for t in sentence.doc[first:last + 1]])
    return sector_of(*agent) if agent else None


def _ethnic(sentence: ParsedSentence, first: int, last: int, country: Optional[str]) -> bool:
    """Whether the phrase's country comes from 'ethnic X' ('ethnic Albanians', 'ethnic Serb civilians')."""
    if country is None:
        return False
    start = sentence.start_of(sentence.doc[first])
    text = sentence.context.body[max(0, start - 8):sentence.start_of(sentence.doc[last]) + len(sentence.doc[last])]
    return any(default_resolver().of_word(m.group(1)) == country for m in _ETHNIC.finditer(text))


def resolved(token):
    """The token a role stands for: a pronoun's antecedent in its sentence ('Militants said they ...')."""
    if token.pos_ == 'PRON' and token.lower_ in ANAPHORS:
        antecedent = _antecedent(token)
        if antecedent is not None:
            return resolved(antecedent)
    return token


def _phrase_country(sentence: ParsedSentence, first: int, last: int, skip: Optional[EntityMention]) -> Optional[str]:
    """The first country the phrase's own words name: 'the senior Iranian commander' -> IRN."""
    start = sentence.start_of(sentence.doc[first])
    end = sentence.start_of(sentence.doc[last]) + len(sentence.doc[last])
    resolver = default_resolver()
    candidates = []
    for mention in sentence.mentions:
        if mention is not skip and start <= mention.start_char and mention.end_char <= end \
                and mention.label in ('GPE', 'NORP', 'ORG'):
            country = resolver.of_mention(mention, sentence.context.persons, sentence.context.date,
                                          sentence.context.body)
            if country:
                candidates.append((mention.start_char, country))
    candidates.extend(list(resolver.named_in(sentence.context.body, start, end))[:1])
    return min(candidates)[1] if candidates else None


def sentence_country(sentence: ParsedSentence, exclude: Union[None, str, Tuple[Optional[str], ...]]) -> Optional[str]:
    """The first country the sentence names, other than ``exclude`` (one country or several)."""
    resolver = default_resolver()
    excluded = exclude if isinstance(exclude, tuple) else (exclude,)
    for mention in sentence.mentions:
        if mention.label in ('GPE', 'NORP'):
            country = resolver.of_mention(mention, sentence.context.persons, sentence.context.date,
                                          sentence.context.body) or named_place_country(
                sentence.context.body, mention)
            if country and country not in excluded:
                return country
    return None


def titled_official(body: str, mention: EntityMention, mentions: Sequence[EntityMention]) -> bool:
    """Whether a person is introduced by a bare state office: 'President Bush', not 'U.N. Secretary-General Annan'.

    A title that an organisation or a country qualifies ('U.N.', 'Arab League', 'Iranian')
    says whose office it is; only a bare one leaves the country to the context.
    """
    window_start, before = title_window(body, mention)
    if not _STATE_TITLE.search(before) and not _STATE_TITLE.search(
            mention.text[:len(mention.text) - len(mention.text.split()[-1])]):
        return False
    return not any(window_start <= m.start_char < mention.start_char and m.label in ('ORG', 'NORP', 'GPE')
                   for m in mentions)


def patient_tokens(trigger_token, target_token) -> set:
    """Token indices of the other parties of an act: the target's phrase, and the objects of
    the verbs it embeds ('threatened to expel Ugandan diplomats', 'diplomats from Kenya'),
    but not where the act happens ('a curfew in Algiers')."""
    heads = [target_token] if target_token is not None else []
    verb = trigger_token
    for _ in range(3):
        heads += [c for c in verb.children if c.dep_ in ('dobj', 'dative')]
        verb = next((c for c in verb.children if c.dep_ == 'xcomp'), None)
        if verb is None:
            break
    tokens = set()
    for head in heads:
        first, last = phrase_bounds(head)
        tokens |= set(range(first, last + 1))
        # 'a curfew in Algiers': where the act happens is not another party.
        for prep in (c for c in head.children if c.dep_ == 'prep' and c.lemma_.lower() in ('in', 'at')):
            tokens -= {t.i for t in prep.subtree}
    return tokens


def scene_country(sentence: ParsedSentence, skip_tokens: set, skip_mentions: Sequence,
                   exclude: Optional[str]) -> Optional[str]:
    """The first country the sentence names outside the other parties' words: where a bare official serves.

    Names, demonyms (whatever NER labels them), places and country institutions ('the White
    House said') count; the target's phrase, the objects of 'against', 'with', 'on' ... and
    the target's own country (``exclude``) do not.
    """
    resolver = default_resolver()
    doc = sentence.doc
    for token in doc:
        if token.dep_ == 'prep' and token.lemma_.lower() in OTHER_PARTY_PREPOSITIONS:
            for pobj in (c for c in token.children if c.dep_ == 'pobj'):
                first, last = phrase_bounds(pobj)
                skip_tokens |= set(range(first, last + 1))
    skipped = [(sentence.start_of(doc[i]), sentence.start_of(doc[i]) + len(doc[i])) for i in skip_tokens]
    skipped += [(m.start_char, m.end_char) for m in skip_mentions]
    candidates = []
    for mention in sentence.mentions:
        if mention.label in ('GPE', 'NORP', 'LOC', 'ORG'):
            candidates.append((mention.start_char, resolver.of_mention(mention, sentence.context.persons, sentence.context.date,
                                                                      sentence.context.body)
                               or named_place_country(sentence.context.body, mention)))
    body = sentence.context.body
    candidates.extend(resolver.named_in(body, sentence.span.start, sentence.span.end))
    for start, country in sorted(candidates, key=lambda c: c[0]):
        if country and country != exclude and not any(a <= start < b for a, b in skipped):
            return country
    return None


def named_place_country(body: str, mention: EntityMention) -> Optional[str]:
    """The country of a name that the text itself calls a place: 'the town of Samarra'.

    The NER model often labels a little-known town as a nationality or a person; the
    noun before 'of' says what it is, so the gazetteer may look it up as a place.
    """
    if not _PLACE_OF.search(body, max(0, mention.start_char - 40), mention.start_char):
        return None
    place = locate_place(mention.text)
    return place.country if place else None

"""PLOVER events of a parsed sentence: trigger, type and mode, roles, negation, place, date.  No Beam.

``article_sentence_events`` is what the events stage emits for one candidate sentence: each
trigger the index matches at the regex's hits becomes an ``Event`` (roles from ``roles``,
PLOVER's rule for announced acts, negation, the place in an 'in/at X' phrase, the nearest
attached date), and ``select_events`` keeps the main clause's.
"""
import hashlib
from typing import List, NamedTuple, Optional, Sequence, Tuple

from schemas.records import EntityMention, Event, TimeExpression
from transforms.core.actors import PERSON, PLACE_LABELS, default_resolver, designated_division_country
from transforms.core.event_rules import QUAD_CLASSES
from transforms.core.gazetteer import locate_place
from transforms.core.grammar import (BACKGROUND_SUBORDINATORS, FUTURE_MODALS, HYPOTHETICAL_MODALS, INTENT_GOVERNORS,
                                     MANDATIVE_AUXILIARIES, NEGATING_GOVERNORS, NEGATORS, OBLIGATION, OBLIGATION_VERBS,
                                     reported_obligation)
from transforms.core.roles import (ArticleContext, ParsedSentence, patient_tokens, prep_object, resolved, role_of,
                                   roles_of, scene_country, sentence_country, titled_official)
from transforms.core.sentences import SentenceSpan
from transforms.core.trigger_index import TriggerIndex, TriggerMatch

_COOPERATION = frozenset({'verbal_cooperation', 'material_cooperation'})
_THREAT_MODES = {'ASSAULT': 'violence', 'SANCTION': 'relations', 'PROTEST': 'restrict',
                 'MOBILIZE': 'violence'}


def event_id_of(article_id: str, start: int, end: int, event_type: str) -> str:
    return hashlib.sha256(f'{article_id}:{start}:{end}:{event_type}'.encode()).hexdigest()[:32]


def _negated(trigger_token, event_type: str, governor) -> bool:
    for token in (trigger_token, governor):
        if token is None:
            continue
        if any(child.dep_ == 'neg' or child.lower_ in NEGATORS for child in token.children
               if child.dep_ in ('neg', 'advmod', 'det')):
            return True
    head = trigger_token.head
    return (trigger_token.dep_ == 'xcomp' and event_type != 'REJECT'
            and head.lemma_.lower() in NEGATING_GOVERNORS)


def _location(sentence: ParsedSentence, anchors: Sequence, used: Sequence[Optional[EntityMention]]):
    """A place in an 'in/at X' phrase: the one hanging from an anchor (trigger, its verb) first."""
    found = []
    for token in sentence.doc:
        if token.dep_ != 'pobj' or token.head.lemma_.lower() not in ('in', 'at'):
            continue
        mention = sentence.mention_of(token)
        if mention is None or mention.label not in PLACE_LABELS or mention in used:
            continue
        attached = token.head.head in anchors
        found.append((not attached, token.i, mention))
    return min(found, key=lambda item: item[:2])[2] if found else None


def _location_country(mention: EntityMention, body: Optional[str] = None) -> Optional[str]:
    resolver = default_resolver()
    country = resolver.of_word(mention.text) or designated_division_country(mention, body)
    if country:
        return country
    place = locate_place(mention.text)
    return place.country if place else None
_DATE_GRANULARITIES = frozenset({'day', 'part_of_day', 'week', 'month', 'quarter', 'season', 'year', 'decade',
                                  'century'})


def _date(sentence: ParsedSentence, anchors: Sequence) -> Optional[TimeExpression]:
    """A time expression in the sentence: one attached to the trigger (or its verb) first, then the nearest."""
    span = sentence.span
    # A duration ('three years') or a vague reference ('recently') is not when something happened.
    inside = [t for t in sentence.context.time_expressions
              if span.start <= t.start_char < span.end and t.granularity in _DATE_GRANULARITIES]
    if not inside:
        return None
    anchor_starts = [sentence.start_of(a) for a in anchors if a is not None]

    def attached(expression) -> bool:
        for token in sentence.doc:
            start = sentence.start_of(token)
            if expression.start_char <= start < expression.end_char:
                node = token
                for _ in range(3):
                    node = node.head
                    if any(node.i == a.i for a in anchors if a is not None):
                        return True
        return False

    def distance(expression) -> int:
        return min(abs(expression.start_char - s) for s in anchor_starts) if anchor_starts else 0

    return min(inside, key=lambda e: (not attached(e), distance(e)))
_DEMAND = TriggerMatch(event_type='DEMAND', mode=None, word=OBLIGATION, lemma=OBLIGATION, partner=None,
                       parts=frozenset(), cameo=None, source='grammar')


def _announced(token) -> bool:
    """Whether a verb trigger is announced or intended rather than done ('will withdraw', 'vowed to fight')."""
    if token.pos_ not in ('VERB', 'AUX'):
        return False
    if any(child.dep_ == 'aux' and child.lower_ in FUTURE_MODALS for child in token.children):
        return True
    return _intended(token)


def _infinitive(token) -> bool:
    return any(child.dep_ == 'aux' and child.tag_ == 'TO' for child in token.children)


def _intended(token) -> bool:
    """Whether a verb is the to-infinitive of an intent verb ('vowed to fight', and 'have sworn to fight',
    which the parser attaches as an adverbial clause), or of a noun ('its readiness to cooperate',
    'the plan to lift sanctions'): an act intended or offered, not done."""
    head = token.head
    if head.i == token.i:
        return False
    if token.dep_ in ('acl', 'relcl') and head.pos_ in ('NOUN', 'PROPN') and _infinitive(token):
        return True
    if head.lemma_.lower() not in INTENT_GOVERNORS:
        return False
    return token.dep_ == 'xcomp' or (token.dep_ == 'advcl' and _infinitive(token))


def refusal(token, event_type: str, negated: bool) -> bool:
    """Whether a negated act is a refusal, PLOVER's REJECT ('Refuse to ...', 'Decline to ...').

    An announced or intended act of cooperation that is negated is a refusal ('Syria will not
    accept more refugees'), and so is one the actor failed to carry out ('failed to reach an
    agreement'; CAMEO codes 'fail' itself 120, REJECT).  A past act that simply did not happen
    ('the minister did not meet the envoy') is no refusal: it stays a negated event.
    """
    if not negated or QUAD_CLASSES[event_type] not in _COOPERATION:
        return False
    return _announced(token) or (token.dep_ == 'xcomp' and token.head.lemma_.lower() in NEGATING_GOVERNORS)


def hypothetical(token) -> bool:
    """Whether a trigger's clause says what ought to or may happen rather than what did: under a modal
    of obligation or possibility ('must be made to wipe out', 'could back Iran', 'can improve ties',
    'will have to use'),
    in a 'whether' clause, or in a question ('A U.S. invasion of Iran?').  PLOVER puts such events in
    its 'hypothetical' context; without that column, they are not coded.  A reported obligation
    ('X said Y must return ...') is X's demand, coded as such before this applies.
    """
    doc = token.doc
    last = next((t for t in reversed(doc) if not t.is_space), None)
    if last is not None and last.text == '?':
        return True
    while True:
        if any(child.dep_ == 'aux' and child.lower_ in HYPOTHETICAL_MODALS for child in token.children):
            return True
        if token.dep_ == 'xcomp' and _infinitive(token) and token.head.lemma_.lower() in OBLIGATION_VERBS:
            return True      # 'will have to use', 'needs to withdraw': the semi-modals of obligation
        if any(child.dep_ == 'mark' and child.lower_ == 'whether' for child in token.children):
            return True
        if token.head.i == token.i:
            return False
        token = token.head


_POLITICAL_LABELS = frozenset({'PERSON', 'ORG', 'GPE', 'NORP'})


def political(role) -> bool:
    """Whether a role is a political actor: a country, organisation or person the entity stage or the
    dictionaries know (a name, a Phoenix code or generic agent's role, a country word)."""
    if role is None:
        return False
    return bool(role.country or role.role or (role.mention is not None and role.mention.label in _POLITICAL_LABELS))


def background(token) -> bool:
    """Whether a trigger's clause sets the scene of another: an adverbial clause under a temporal,
    causal, concessive or conditional conjunction ('... one day after a jet shot down a helicopter',
    '... as shells continued crashing into the port', '... if war starts').  Such a clause reports
    what led to or surrounds the sentence's event, or what may happen, not the event itself.
    """
    while token.head.i != token.i:
        if token.dep_ == 'advcl' and any(child.dep_ == 'mark' and child.lower_ in BACKGROUND_SUBORDINATORS
                                         for child in token.children):
            return True
        token = token.head
    return False


def _mandative(verb) -> bool:
    """Whether a that-clause asks for an act rather than states a fact: 'that Israel (should) ease
    restrictions' (a bare verb or should / must), not 'that unrest reflected old tensions'."""
    auxiliaries = {child.lower_ for child in verb.children if child.dep_ in ('aux', 'auxpass')}
    if auxiliaries & MANDATIVE_AUXILIARIES - {'be'}:
        return True
    if auxiliaries - MANDATIVE_AUXILIARIES:
        return False     # 'has', 'will', 'is': indicative
    return verb.tag_ in ('VB', 'VBP') and verb.lemma_.lower() != 'be' or verb.lower_ == 'be'


def asserted(token, event_type: str) -> bool:
    """Whether a demand verb only reports a claim: 'insisted that unrest there reflected ethnic tensions'
    states something, 'insisted that Israel ease the restrictions' demands an act (the mandative
    subjunctive); a demand with an object or an infinitive ('urged X to ...') is always one."""
    if event_type != 'DEMAND' or token.pos_ != 'VERB':
        return False
    if any(child.dep_ in ('dobj', 'dative', 'xcomp') for child in token.children):
        return False
    clause = next((child for child in token.children if child.dep_ == 'ccomp'), None)
    return clause is not None and not _mandative(clause)


def _ultimatum(verb) -> bool:
    """Whether an announced act hangs on an 'unless' clause ('will withdraw unless X arranges a ceasefire')."""
    return any(child.dep_ == 'advcl' and any(g.dep_ == 'mark' and g.lower_ == 'unless' for g in child.children)
               for child in verb.children)


def intended_type(token, trigger: TriggerMatch) -> Tuple[str, Optional[str]]:
    """(type, mode) of a trigger after PLOVER's rule for announced acts.

    'Syria will withdraw its troops' is AGREE (THREATEN with an 'unless' condition), 'they
    would blockade Paris' THREATEN; verbal conflict ('will demand') and AGREE/THREATEN themselves are unchanged.
    """
    if not _announced(token) or trigger.event_type in ('AGREE', 'THREATEN'):
        return trigger.event_type, trigger.mode
    quad = QUAD_CLASSES[trigger.event_type]
    if quad in _COOPERATION:
        # 'will withdraw its force unless the ceasefire holds': a conditioned act is an ultimatum.
        return ('THREATEN' if _ultimatum(token) else 'AGREE'), None
    if quad == 'material_conflict':
        mode = trigger.mode if trigger.mode in ('arrest', 'ban', 'restrict') else None
        return 'THREATEN', _THREAT_MODES.get(trigger.event_type, mode)
    return trigger.event_type, trigger.mode


def _depth(token) -> int:
    """Hops to the sentence root; coordination is free, so conjoined clauses rank alike."""
    depth = 0
    while token.head.i != token.i:
        if token.dep_ != 'conj':
            depth += 1
        token = token.head
    return depth


class _Found(NamedTuple):
    event: Event
    depth: int
    clause: int = 0                    # the token that carries the event: the trigger or its light verb
    first_conjunct: int = 0            # the first of the coordinated clauses that clause belongs to
    background: bool = False           # in a clause that sets the scene ('after ...', 'as ...', 'if ...')


def object_of_a_trigger(i: int, light_verb, matches) -> bool:
    """Whether noun trigger ``i`` is the object of a light verb that is a trigger of its own: 'signed an
    agreement', 'offered aid' are one event ('sign' SUPPORT, 'offer' AGREE), not also AGREE and AID."""
    return light_verb is not None and light_verb.i != i and light_verb.i in matches


def _first_conjunct(token):
    while token.dep_ == 'conj' and token.head.i != token.i:
        token = token.head
    return token


def _hit_tokens(doc, hits: Optional[Sequence[int]]) -> list:
    """The tokens at the trigger regex's hits (sentence offsets), in order; all tokens without hits."""
    if hits is None:
        return list(doc)
    indices = set()
    for offset in hits:
        found = doc.char_span(offset, offset + 1, alignment_mode='expand')
        if found is not None and len(found):
            indices.add(found[0].i)
    return [doc[i] for i in sorted(indices)]


def _sentence_events(doc, span: SentenceSpan, context: ArticleContext, index: TriggerIndex,
                     hits: Optional[Sequence[int]] = None) -> List[_Found]:
    sentence = ParsedSentence(doc, span, context)
    matches = {}
    partners = set()
    # Only a token where the regex found a trigger form can be a trigger (or 'must').
    tokens = _hit_tokens(doc, hits)
    for token in tokens:
        matched = index.match(token)
        if matched:
            matches[token.i] = matched
            partners |= matched.parts
    for token in tokens:
        obliged = reported_obligation(token)
        if obliged is not None:
            # The demand replaces the obliged act's own event ('must reach an agreement').
            matches.pop(obliged.i, None)
            matches[token.i] = _DEMAND
    found = []
    for i, trigger in matches.items():
        if i in partners:
            # 'held talks', 'staged a protest': the noun is part of the phrase trigger, not a second event.
            continue
        token = doc[i]
        partner = trigger.partner
        first, last = i, i
        lemma = trigger.word
        if partner is not None and abs(partner.i - i) <= 3:
            first, last = min(i, partner.i), max(i, partner.i)
            lemma = trigger.lemma
        actor_token, target_token, governor, governor_carries = roles_of(token, sentence)
        if partner is not None and target_token is not None and target_token.i == partner.i:
            # 'imposed sanctions on X': the phrase's own noun is not the target.
            target_token = prep_object(partner, sentence) or prep_object(token, sentence)
        actor, target = role_of(actor_token, sentence), role_of(target_token, sentence)
        anchors = [token] + ([governor] if governor is not None else [])
        location = _location(sentence, anchors, [r.mention for r in (actor, target) if r])
        date = _date(sentence, anchors)
        start = sentence.start_of(doc[first])
        end = sentence.start_of(doc[last]) + len(doc[last])
        if object_of_a_trigger(i, governor if governor_carries else None, matches):
            continue
        # 'will hold talks', 'will give Tanzania a grant': the light verb carries the tense.
        clause = governor if governor_carries and governor is not None else token
        if asserted(clause, trigger.event_type) or (trigger is not _DEMAND and hypothetical(clause)):
            continue
        event_type, mode = intended_type(clause, trigger)
        negated = _negated(token, event_type, governor)
        if refusal(clause, event_type, negated):
            event_type, mode, negated = 'REJECT', None, False
        event = Event(
            event_id=event_id_of(context.article_id, start, end, event_type),
            article_id=context.article_id,
            event_type=event_type,
            event_mode=mode,
            quad_class=QUAD_CLASSES[event_type],
            trigger=context.body[start:end],
            trigger_lemma=lemma,
            actor=actor.text if actor else None,
            actor_canonical=actor.canonical if actor else None,
            actor_country=actor.country if actor else None,
            target=target.text if target else None,
            target_canonical=target.canonical if target else None,
            target_country=target.country if target else None,
            location=location.text if location else None,
            location_country=_location_country(location, context.body) if location else None,
            # 'Friday morning' (2019-09-13TMO) happened on 2019-09-13.
            event_date=date.value.split('T')[0] if date else None,
            date_text=date.text if date else None,
            date_granularity=date.granularity if date else None,
            negated=negated,
            sentence_index=span.index,
            start_char=start,
            end_char=end,
            evidence=context.body[span.start:span.end],
            actor_role=actor.role if actor else None,
            target_role=target.role if target else None,
        )
        if event.actor_country is None and actor is not None and actor.mention is None \
                and resolved(actor_token).pos_ in ('NOUN', 'ADJ'):
            # 'Prisoners rioted at a jail in Dili', 'Islamic fundamentalists demand the resignation
            # of the Algerian president': an unnamed group is taken to act at home, in the
            # country where it acts, else the one its sentence is about (not the target's).
            event = event._replace(actor_country=event.location_country or sentence_country(
                sentence, target.country if target else None))
        if actor is not None and actor.ethnic:
            # 'Up to 100 ethnic Albanians demonstrated in Serbia': an ethnic group acts at home, in
            # the country where it acts, else the other one its sentence names; its people's own
            # country only when the sentence names no other.
            event = event._replace(actor_country=event.location_country or sentence_country(
                sentence, (actor.country, target.country if target else None)) or actor.country)
        if event.actor_country is None and actor is not None and actor.mention is not None \
                and actor.mention.label == PERSON and titled_official(context.body, actor.mention, sentence.mentions):
            # 'President Yoweri Museveni has threatened to ban Ugandan opposition candidates':
            # a bare state title is an office of the country the sentence is about; a meeting's
            # place says nothing of who met there.
            places = [location] if location is not None and event_type == 'CONSULT' else []
            event = event._replace(actor_country=scene_country(
                sentence, patient_tokens(token, target_token), [actor.mention] + places,
                target.country if target else None))
        if trigger.source == 'cameo' and not (political(actor) or political(target)):
            # PETRARCH codes a CAMEO pattern only between actors its dictionaries know: 'shells
            # continued crashing into the port' has none.
            continue
        if event.actor is None and event.target is None:
            # A trigger word with no participant ('this visit can be a turning point') names an
            # event type, not an event; PLOVER does not code events without actors either.
            continue
        found.append(_Found(event, _depth(clause), clause.i, _first_conjunct(clause).i, background(clause)))
    return found


def select_events(found: Sequence[_Found]) -> List[Event]:
    """The events of a sentence's main clause: one event per clause, as event coders code.

    * A clause that sets the scene ('after ...', 'as ...', 'if ...': ``background``) holds no
      event of the sentence's own.
    * PLOVER codes 'Iran refused to hold talks' as one REJECT, not also a CONSULT, and
      'X condemned the attack on Y' as DISAPPROVE: the outermost trigger carries the
      event, the embedded ones are its content.
    * Of coordinated clauses ('defended the right of ... and insisted ...', 'has refused to
      deploy peacekeepers and has urged its citizens ...') the first with an event carries
      the sentence's event; the later ones add to it (``first_conjuncts``).

    Costs recall on sentences that report two independent events.
    """
    found = [f for f in found if not f.background]
    if not found:
        return []
    best = min(f.depth for f in found)
    kept, seen = [], set()
    for item in first_conjuncts([f for f in found if f.depth == best]):
        key = (item.event.event_type, item.event.actor_canonical or item.event.actor)
        if key not in seen:
            seen.add(key)
            kept.append(item.event)
    return kept


def first_conjuncts(found: Sequence[_Found]) -> List[_Found]:
    """Of events in coordinated clauses, those of the first clause that has one."""
    first = {}
    for item in found:
        first[item.first_conjunct] = min(first.get(item.first_conjunct, item.clause), item.clause)
    return [item for item in found if item.clause == first[item.first_conjunct]]


def article_sentence_events(doc, span: SentenceSpan, context: ArticleContext, index: TriggerIndex,
                            hits: Optional[Sequence[int]] = None) -> List[Event]:
    """``select_events`` over ``sentence_events``: what the events stage emits for one sentence.

    ``hits``: where the sentence's trigger forms start (``Candidate.hits``); only the tokens
    there are looked up in the lexicon.  None looks up every token.
    """
    return select_events(_sentence_events(doc, span, context, index, hits))

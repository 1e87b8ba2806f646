"""The hand-written word classes of the event rules: grammar, negation and modality.  No Beam.

These are closed classes of English (auxiliaries, control verbs, negators, prepositions), not
event vocabulary: which words express which event comes from the derived CAMEO lexicon
(``seeds/rules/cameo_verbs.jsonl``).
"""

SUBJECTS = frozenset({'nsubj', 'csubj'})
PASSIVE_SUBJECTS = frozenset({'nsubjpass', 'csubjpass'})
# Pronouns that stand for an earlier name; 'it said it will' resolves within the sentence.
ANAPHORS = frozenset({'he', 'she', 'him', 'her', 'his', 'it', 'its', 'they', 'them', 'their'})
RESOLVABLE_PRONOUNS = frozenset({'he', 'she', 'him', 'her', 'his'})
# 'Thousands of Iraqi Kurds', 'a group of Moroccan diplomats': who acts is the 'of' object.
QUANTITY_NOUNS = frozenset('''
group thousand hundred dozen ten million score crowd number band team delegation some many
'''.split())
# Prepositions that introduce the other party: 'met with X', 'visit to X', 'attack on X'.
TARGET_PREPOSITIONS = ('with', 'to', 'against', 'on', 'into', 'toward', 'towards', 'at')
# Prepositions whose object is another party, not the actor's own country ('threatened action
# against Russia', 'negotiate with Armenia', 'sanctions on Cuba').
OTHER_PARTY_PREPOSITIONS = frozenset({'against', 'with', 'on', 'into', 'toward', 'towards'})
# 'They held talks', 'launched an attack': the verb's subject is the noun trigger's actor.
# Any other governing verb has its own meaning ('condemned the attack': the condemner
# did not attack), so a noun trigger under it gets no actor from it.
LIGHT_VERBS = frozenset('''
hold make launch carry conduct stage pay sign reach impose have take begin start continue
join attend lead mount resume open give provide send offer announce issue deliver order
complete finish reiterate renew repeat voice express lodge file
stag
'''.split())  # 'stag': the lemmatizer's lemma of 'staged' / 'staging' ('staged a protest')
# 'in a meeting', 'during talks': the subject of the clause took part.
PARTICIPATION_PREPOSITIONS = frozenset({'in', 'during', 'at'})
# Verbs whose object, not subject, does what the infinitive says ('urged Iran to withdraw').
OBJECT_CONTROL = frozenset('urge ask invite order call force persuade allow press encourage tell'.split())
# 'refused to meet', 'failed to agree': the embedded event did not happen.
NEGATING_GOVERNORS = frozenset('refuse decline fail reject'.split())
NEGATORS = frozenset({'not', "n't", 'never', 'no'})
# PLOVER codes intentions, not the intended act: 'All cooperative actions reported in future
# tense are also taken to imply intentions' (AGREE), and a conflictual act announced for
# the future is a threat (THREATEN, whose modes name the act threatened).
FUTURE_MODALS = frozenset({'will', 'would', "'ll", 'shall', 'wo'})  # 'wo': the tokenizer's half of "won't"
INTENT_GOVERNORS = frozenset('vow swear sworn plan intend prepare decide willing prepared ready determined eager keen'
                             .split())
# Subordinating conjunctions of adverbial clauses that set the scene of the main clause: when,
# why, on what condition ('after a jet shot down a helicopter', 'as shells continued falling',
# 'if war starts').  An event there is background or hypothetical, not what the sentence reports.
BACKGROUND_SUBORDINATORS = frozenset('''
after before as while since when whenever until till once because though although whereas if unless
'''.split())
# Modal auxiliaries of obligation and possibility: 'efforts must be made to wipe out terrorism',
# 'a statement that could back Iran', 'the two countries can improve ties' say what ought to or
# may happen, not an event ('will' and 'would' announce one: FUTURE_MODALS).
HYPOTHETICAL_MODALS = frozenset({'must', 'should', 'ought', 'could', 'might', 'may', 'can', 'need'})
# Verbs that are modals of obligation before a to-infinitive: 'will have to use', 'needs to withdraw'.
OBLIGATION_VERBS = frozenset({'have', 'need', 'ought'})
# Auxiliaries of a mandative clause ('demanded that Israel should ease ...'); a bare verb
# ('insisted that Israel ease ...') is the mandative subjunctive.
MANDATIVE_AUXILIARIES = frozenset({'should', 'must', 'be'})
# 'Russia said that Sudan must return the helicopter': a reported obligation is a DEMAND by
# the reporter on the clause's subject, whatever the obliged act (CAMEO/PLOVER 'demand that').
REPORTING_VERBS = frozenset('say announce insist state declare tell conclude stress warn'.split())
OBLIGATION = 'must'
# Names of months and days: a date, never a participant ('held from March 2', not a march).
CALENDAR_WORDS = frozenset('''
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
'''.split())
# Function words: in nearly every sentence, so no use to the cheap filter as a trigger's partner word.
FUNCTION_WORDS = frozenset('''
a an the this that these those some any no all both each every its their his her our my your it they he she we
to in on for with from by at of into onto upon about above across after against along among around before behind
below beneath beside between beyond down during except inside near off out outside over past since through
throughout toward towards under until up within without back away forth aside ahead together
and or but nor so yet if as than then not
be is are was were been being am have has had do does did will would shall should can could may might must
more most less one two three first new
'''.split())


def reported_obligation(token):
    """The obliged verb when ``token`` is the 'must' of a clause reported by a reporting verb, else None."""
    if token.lower_ != OBLIGATION or token.dep_ != 'aux':
        return None
    verb = token.head
    if verb.dep_ == 'ccomp' and verb.head.lemma_.lower() in REPORTING_VERBS:
        return verb
    return None

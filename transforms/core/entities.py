"""Named entities: spaCy NER over article bodies, as plain records.  No Beam.

``annotate_batch(nlp, articles)`` gives each article its mentions (label from the model's
OntoNotes scheme, character offsets into ``body``, the article-level ``canonical`` name) and
its sentence starts, so that later stages (events, quotes) reuse them without a join.  ``nlp``
is ``model.load_ner()``: NER and a sentencizer, no tagger, parser or lemmatizer.  Docs never
leave this module: ``annotate`` turns each into records.

A long body is run in pieces of at most ``MAX_PIECE_CHARS``, cut where its tokens part anyway
(``pieces``), and joined back into one Doc: the memory of one NER call grows with its text, so
a single long article would otherwise set a run's peak memory (the reader accepts bodies of a
million characters).  The NER looks only a few tokens either side of a word, so the pieces keep
nearly all of the whole text's entities and sentences; only a mention or a sentence start right
at a cut can differ.
"""
import functools
import hashlib
from bisect import bisect_right
from typing import Callable, Iterable, List, Optional, Sequence, Union

from spacy.tokens import Doc, Span

from schemas.records import AnnotatedArticle, Article, EntityMention
from transforms.core.canonical import canonicalize
from transforms.core.entity_keys import KeyMaker, default_key_maker, entity_keys
from transforms.core.entity_rules import ENTITY_RULES
from transforms.core.names import DATE_KEY, case_lexicon
from transforms.core.pieces import piece_ends
from transforms.core.time_expressions import anchor_of
from transforms.core.truecase import restore_case

# Batches are sized in words, not articles: the NER's memory grows with the words in flight,
# while its throughput stops growing after a few thousand words per call, so a batch of long
# articles would only cost memory.
MIN_BATCH_WORDS, MAX_BATCH_WORDS = 1_000, 4_000
# About 1,700 words: bounds one call's memory whatever the length of the article.
MAX_PIECE_CHARS = 10_000
_POSSESSIVES = frozenset({"'s", "’s", "'", "’"})


def words_of(text: str) -> int:
    """The words of a text, as cheaply as batching needs them: its spaces plus one."""
    return max(1, text.count(' ') + 1)


def article_words(article: Article) -> int:
    """The words of an article's body: its weight in an NER batch."""
    return words_of(article.body)


def _pieces(text: str, max_chars: int) -> List[str]:
    starts = [0] + piece_ends(text, max_chars)
    return [text[start:end] for start, end in zip(starts, starts[1:])]


def _word_bounded(texts: Sequence[str], max_words: int = MAX_BATCH_WORDS) -> Iterable[List[str]]:
    """``texts`` in order, in consecutive groups of at most ``max_words`` words (a longer text alone)."""
    group, words = [], 0
    for text in texts:
        size = words_of(text)
        if group and words + size > max_words:
            yield group
            group, words = [], 0
        group.append(text)
        words += size
    if group:
        yield group


def _entity_rules(nlp):
    """The pipeline's entity rules component, or None (a blank pipeline)."""
    return nlp.get_pipe(ENTITY_RULES) if ENTITY_RULES in nlp.pipe_names else None


def run_ner(nlp, bodies: Sequence[str], max_piece_chars: int = MAX_PIECE_CHARS,
            dates: Optional[Sequence[Optional[str]]] = None) -> List[Doc]:
    """One Doc per body, long bodies run in pieces and joined back, at most MAX_BATCH_WORDS per call.

    Capitals lines are case-restored first (``truecase``: the Doc's text has the body's length and
    offsets, not always its case); the entity rules run on each whole Doc after the join, since
    they compare the mentions of the whole article.  ``dates``: each body's article date (ISO), for
    the dictionaries' offices.
    """
    restore = case_restorer(nlp)
    rules = _entity_rules(nlp)
    disable = [ENTITY_RULES] if rules is not None else []
    pieces = [_pieces(restore(body), max_piece_chars) for body in bodies]
    flat = [piece for body_pieces in pieces for piece in body_pieces]
    piece_docs = (doc for group in _word_bounded(flat)
                  for doc in nlp.pipe(group, batch_size=len(group), disable=disable))
    docs = []
    for index, body_pieces in enumerate(pieces):
        parts = [next(piece_docs) for _ in body_pieces]
        doc = parts[0] if len(parts) == 1 else Doc.from_docs(parts, ensure_whitespace=False)
        if rules is not None:
            doc.user_data[DATE_KEY] = dates[index] if dates else None
            doc = rules(doc)
        docs.append(doc)
    return docs


def case_restorer(nlp) -> Callable[[str], str]:
    """``truecase.restore_case`` with the lexicon of the model's pipeline; the identity for a blank pipeline."""
    rules = _entity_rules(nlp)
    if rules is None or not rules.case_restoration:
        return lambda text: text
    lexicon = case_lexicon(rules.model_path)
    return lambda text: restore_case(text, lexicon)


@functools.lru_cache(maxsize=None)
def _key_maker(is_common_word) -> KeyMaker:
    return KeyMaker(is_common_word=is_common_word)


def key_maker_for(nlp) -> KeyMaker:
    """The entity-key dictionaries, with the common words of the model's pipeline where it has them."""
    rules = _entity_rules(nlp)
    return default_key_maker() if rules is None else _key_maker(rules.is_common_word)


def entity_id_of(article_id: str, start: int, end: int, label: str) -> str:
    return hashlib.sha256(f'{article_id}:{start}:{end}:{label}'.encode()).hexdigest()[:32]


def name_span(ent):
    """The entity without a leading article or a trailing possessive.

    OntoNotes (and so the model) puts "the" inside names ("the United States") and
    sometimes the possessive too; the name itself is what analysts group by and
    what other annotation schemes (CoNLL, ACE) mark.  A capitalised "The" inside a
    sentence is part of the name ("The Hague") and stays.
    """
    start, end = 0, len(ent)
    first = ent[0]
    if end > 1 and first.lower_ == 'the' and (first.text == 'the' or first.is_sent_start):
        start = 1
    if end - start > 1 and ent[end - 1].text in _POSSESSIVES:
        end -= 1
    if (start, end) == (0, len(ent)):
        return ent
    return Span(ent.doc, ent.start + start, ent.start + end, label=ent.label)


def annotate(article: Article, doc, key_maker: Optional[KeyMaker] = None) -> AnnotatedArticle:
    """Plain records from a spaCy Doc of ``article.body`` (or of its case-restored copy), with entity keys
    (``entity_keys``; ``key_maker``: the dictionaries, the shipped ones by default)."""
    sentence_starts = [sent.start_char for sent in doc.sents] if doc.has_annotation('SENT_START') else [0]
    if not sentence_starts or sentence_starts[0] != 0:
        sentence_starts = [0] + sentence_starts
    ents = [name_span(e) for e in doc.ents]
    # The Doc may hold a case-restored copy of the body (same offsets): mentions are printed as in the body.
    body = article.body
    canonical = canonicalize([(body[e.start_char:e.end_char], e.label_) for e in ents])
    mentions = [
        EntityMention(
            article_id=article.article_id,
            entity_id=entity_id_of(article.article_id, e.start_char, e.end_char, e.label_),
            text=body[e.start_char:e.end_char],
            label=e.label_,
            canonical=name,
            start_char=e.start_char,
            end_char=e.end_char,
            sentence_index=bisect_right(sentence_starts, e.start_char) - 1,
        ) for e, name in zip(ents, canonical)]
    keys = entity_keys(mentions, anchor_of(article), key_maker)
    mentions = tuple(mention._replace(entity_key=key) for mention, key in zip(mentions, keys))
    return AnnotatedArticle(article, mentions, tuple(sentence_starts))


def annotate_batch(nlp, articles: Sequence[Article]) -> List[Union[AnnotatedArticle, Exception]]:
    """Each article with its entity mentions and sentence starts, in order, or the exception it raised.

    The bodies go through the NER together; should that fail, each goes through alone, so that
    one bad text never takes its batch-mates with it.
    """
    try:
        docs = run_ner(nlp, [article.body for article in articles], dates=[anchor_of(a) for a in articles])
    except Exception:  # pylint: disable=broad-except
        docs = None
    results: List[Union[AnnotatedArticle, Exception]] = []
    for index, article in enumerate(articles):
        try:
            doc = docs[index] if docs is not None else run_ner(nlp, [article.body], dates=[anchor_of(article)])[0]
            results.append(annotate(article, doc, key_maker_for(nlp)))
        except Exception as error:  # pylint: disable=broad-except
            results.append(error)
    return results

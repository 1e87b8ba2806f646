"""transforms.core.model: 'blank:<lang>' names a blank spaCy pipeline (the no-op NLP of the benchmark)."""
import pytest

from transforms.core.model import load_ner, load_parser

TEXT = 'Barack Obama met Hassan Rouhani in Tehran on Monday. They spoke for an hour.'


@pytest.mark.parametrize('load', [load_ner, load_parser])
def test_blank_model_is_a_sentencizer_and_nothing_else(load):
    nlp = load('blank:en')
    assert (nlp.lang, nlp.pipe_names) == ('en', ['sentencizer'])
    doc = nlp(TEXT)
    assert doc.ents == ()
    assert [sent.text for sent in doc.sents] == ['Barack Obama met Hassan Rouhani in Tehran on Monday.',
                                                 'They spoke for an hour.']
    assert not doc.has_annotation('DEP') and not doc.has_annotation('TAG')
    assert load('blank:en') is nlp  # cached per process, like a package's pipeline


def test_blank_model_takes_its_language_from_the_name():
    assert load_ner('blank:de').lang == 'de'


def test_unknown_blank_language_fails_at_load():
    with pytest.raises(ImportError):
        load_ner('blank:no-such-language')

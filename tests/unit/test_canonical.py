"""Canonical names within one article."""
import pytest

from transforms.core.canonical import canonicalize, clean_name


@pytest.mark.parametrize('text,expected', [
    ('the Central Military Commission', 'Central Military Commission'),
    ('Iran’s', 'Iran'),
    ("Reuters'", 'Reuters'),
    ('  Li   Zuocheng ', 'Li Zuocheng'),
    ('The Hague', 'Hague'),
])
def test_clean_name(text, expected):
    assert clean_name(text) == expected


def test_surnames_and_titles_resolve_to_the_full_name():
    mentions = [('Mohammad Hossein Baqeri', 'PERSON'), ('Baqeri', 'PERSON'), ('General Baqeri', 'PERSON'),
                ('Li Zuocheng', 'PERSON'), ('Li', 'PERSON'), ('Mr. Xu', 'PERSON')]
    assert canonicalize(mentions) == ['Mohammad Hossein Baqeri'] * 3 + ['Li Zuocheng'] * 2 + ['Mr. Xu']


def test_the_longest_matching_name_wins_and_other_labels_do_not_merge():
    mentions = [('Jordan', 'GPE'), ('Michael Jordan', 'PERSON'), ('Jordan', 'PERSON'),
                ('Michael Jeffrey Jordan', 'PERSON')]
    assert canonicalize(mentions) == ['Jordan', 'Michael Jeffrey Jordan', 'Michael Jeffrey Jordan',
                                      'Michael Jeffrey Jordan']


def test_acronyms_resolve_to_the_organisation_they_abbreviate():
    mentions = [('the International Atomic Energy Agency', 'ORG'), ('IAEA', 'ORG'), ('UN', 'ORG')]
    assert canonicalize(mentions) == ['International Atomic Energy Agency'] * 2 + ['UN']


def test_no_mentions():
    assert canonicalize([]) == []

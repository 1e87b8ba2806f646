"""Unit tests for transforms.core.source_tags.extract_source_tags and the rule loaders."""
import pytest

from transforms.core import rules
from transforms.core.source_tags import SourceTags, extract_source_tags

MEHR = ('All Content by Mehr News Agency is licensed under a Creative Commons '
        'Attribution 4.0 International License.')


def _tags(body, agencies=(), attributions=(), initials=(), boilerplate=(), reuter=False):
    return SourceTags(agencies=agencies, attributions=attributions, editor_initials=initials,
                      boilerplate=boilerplate, body=body, reuter_signoff=reuter)


@pytest.mark.parametrize('body, credits, expected', [
    # Junk.
    ('', (), _tags('')),
    ('  \n\t\xa0 \u200b', (), _tags('')),
    ('No sources here.', (), _tags('No sources here.')),

    # Wire credits: from the dateline stage, canonicalised; unknown ones kept as printed.
    ('Text.', ('AP',), _tags('Text.', agencies=('AP',))),
    ('Text.', ('Associated Press', 'AP'), _tags('Text.', agencies=('AP',))),
    ('Text.', ('XINHUA',), _tags('Text.', agencies=('Xinhua',))),
    ('Text.', ('Agence France-Presse',), _tags('Text.', agencies=('AFP',))),
    ('Text.', ('MNA',), _tags('Text.', agencies=('Mehr News Agency',))),
    ('Text.', ('REUTERS',), _tags('Text.', agencies=('Reuters',))),
    ('Text.', ('AFP/Xinhua',), _tags('Text.', agencies=('AFP', 'Xinhua'))),
    ('Text.', ('PIN',), _tags('Text.', agencies=('PIN',))),
    ('Text.', ('Agencies',), _tags('Text.', agencies=('Agencies',))),
    ('Text.', ('x denotes seeding',), _tags('Text.')),
    # ... or from a dateline-like lead left in the body.
    ('BEIRUT (AP) — Talks resumed.', (), _tags('BEIRUT (AP) — Talks resumed.', agencies=('AP',))),
    ('(dpa) - Talks resumed.', (), _tags('(dpa) - Talks resumed.', agencies=('dpa',))),
    ('NEW YORK, Nov. 1 , 2005 (Xinhua) -- Oil rose.', ('Xinhua',),
     _tags('NEW YORK, Nov. 1 , 2005 (Xinhua) -- Oil rose.', agencies=('Xinhua',))),
    ('SEOUL (UPI) – Exports rose.', (), _tags('SEOUL (UPI) – Exports rose.', agencies=('UPI',))),
    # A parenthesis later in the first sentence is not a credit.
    ('The Asian Development Bank (ADB) said growth slowed.', (),
     _tags('The Asian Development Bank (ADB) said growth slowed.')),

    # The Reuters sign-off, in its printed variants.
    ('Shares rose.\n Reuter\n', (), _tags('Shares rose.', agencies=('Reuters',), reuter=True)),
    ('Shares rose.\n REUTER\n', ('Xinhua',), _tags('Shares rose.', agencies=('Xinhua', 'Reuters'), reuter=True)),
    ('Shares rose.\n reuter...\n', (), _tags('Shares rose.', agencies=('Reuters',), reuter=True)),
    ('Shares rose.\nREUTER...^M', (), _tags('Shares rose.', agencies=('Reuters',), reuter=True)),
    ('    Net 1.2 mln vs 0.9 mln.        REUTER', (),
     _tags('    Net 1.2 mln vs 0.9 mln.', agencies=('Reuters',), reuter=True)),
    # 'Reuter' mid-text, or closing a sentence, is not a sign-off.
    ('A Reuter survey showed gains.\nMore later.', (), _tags('A Reuter survey showed gains.\nMore later.')),
    ('He spoke to Reuter', (), _tags('He spoke to Reuter')),

    # Footers and editor sign-offs, on the same or the next line.
    (f'Iran won 4-1. MH/PA {MEHR}', (),
     _tags('Iran won 4-1.', initials=('MH', 'PA'), boilerplate=(MEHR,))),
    (f'Iran won 4-1.\nSB/MQ/MG\n\n {MEHR}', (),
     _tags('Iran won 4-1.', initials=('SB', 'MQ', 'MG'), boilerplate=(MEHR,))),
    (f'It ended, he said.” AK/PA \xa0 {MEHR}  ', (),
     _tags('It ended, he said.”', initials=('AK', 'PA'), boilerplate=(MEHR,))),
    (f'Iran won 4-1. {MEHR}', (), _tags('Iran won 4-1.', boilerplate=(MEHR,))),
    (MEHR, (), _tags('', boilerplate=(MEHR,))),
    # A lone editor after the last sentence, a dangling '/', a closing 'END'.
    (f'The talks ended. MG {MEHR}', (), _tags('The talks ended.', initials=('MG',), boilerplate=(MEHR,))),
    ('The talks ended. FB/', (), _tags('The talks ended.', initials=('FB',))),
    ('The talks ended.\n\nSJ/MA/', (), _tags('The talks ended.', initials=('SJ', 'MA'))),
    ('The talks ended. SB/MG END', (), _tags('The talks ended.', initials=('SB', 'MG'))),
    # After a photo caption, which has no final punctuation.
    ('Photo: A view of the mosque in Isfahan AFM/MQ/MG', (),
     _tags('Photo: A view of the mosque in Isfahan', initials=('AFM', 'MQ', 'MG'))),
    # Trailing acronyms that belong to the sentence.
    ('The deal was signed by the IAEA.', (), _tags('The deal was signed by the IAEA.')),
    ('Aid was coordinated with the UN/EU', (), _tags('Aid was coordinated with the UN/EU')),
    ('He flew to the USA', (), _tags('He flew to the USA')),
    ('The talks ended. END', (), _tags('The talks ended. END')),
    # Other known footers only on their own line.
    ('Markets fell.\nCopyright 2019 The Associated Press. All rights reserved.', (),
     _tags('Markets fell.', boilerplate=('Copyright 2019 The Associated Press. All rights reserved.',))),
    ('He said all rights reserved. All rights reserved.', (),
     _tags('He said all rights reserved. All rights reserved.')),

    # Attributions: known media in an attribution construction, canonical, deduplicated.
    ('Clashes erupted, Press TV reported. The official IRNA news agency said 3 died.', (),
     _tags('Clashes erupted, Press TV reported. The official IRNA news agency said 3 died.',
           attributions=('Press TV', 'IRNA'))),
    ('Prices rose, according to IRNA. Reuters said so too, the minister told Reuters.', (),
     _tags('Prices rose, according to IRNA. Reuters said so too, the minister told Reuters.',
           attributions=('IRNA', 'Reuters'))),
    ('It was reported by the Tasnim news agency. He said in an interview with CNN that it was '
     'over, quoted by Xinhua.', (),
     _tags('It was reported by the Tasnim news agency. He said in an interview with CNN that it was '
           'over, quoted by Xinhua.', attributions=('Tasnim', 'CNN', 'Xinhua'))),
    ("Iran’s semi-official Fars news agency reported a blast. The New China News Agency said no.", (),
     _tags("Iran’s semi-official Fars news agency reported a blast. The New China News Agency said no.",
           attributions=('Fars', 'Xinhua'))),
    ('The Borna News Agency reported it.', (),
     _tags('The Borna News Agency reported it.', attributions=('Borna News Agency',))),
    # Mentions that attribute nothing; 'Bloomberg said' may be the man.
    ('Reuters is a news agency. He watches CNN and Fars province is hot. Bloomberg said no.', (),
     _tags('Reuters is a news agency. He watches CNN and Fars province is hot. Bloomberg said no.')),
    ('He said, according to Bloomberg.', (), _tags('He said, according to Bloomberg.', attributions=('Bloomberg',))),

    # Unicode survives untouched.
    (f'¡Olé! «Ça va», dit-il — 北京. NA/PA {MEHR}', (),
     _tags('¡Olé! «Ça va», dit-il — 北京.', initials=('NA', 'PA'), boilerplate=(MEHR,))),
])
def test_extract_source_tags(body, credits, expected):
    assert extract_source_tags(body, credits) == expected


def test_editor_initials_do_not_survive_with_attributions():
    tags = extract_source_tags(f'Hostilities resumed, IRNA reported. NA/PA {MEHR}', ('MNA',))
    assert tags == _tags('Hostilities resumed, IRNA reported.', agencies=('Mehr News Agency',),
                         attributions=('IRNA',), initials=('NA', 'PA'), boilerplate=(MEHR,))


def test_rule_loaders_are_registered_and_cached():
    media = rules.spacy.registry.misc.get('newsbeam.media_rules.v1')()
    assert media is rules.load_media_rules()
    assert {'AP', 'Reuters', 'AFP', 'Xinhua', 'IRNA'} <= {m.canonical for m in media}
    assert all(m.kind and (m.country is None or len(m.country) == 3) for m in media)
    footers = rules.spacy.registry.misc.get('newsbeam.boilerplate_rules.v1')()
    assert 'mehr_cc_by_licence' in {f.name for f in footers}


def test_rule_loader_rejects_another_version(tmp_path):
    path = tmp_path / 'media.jsonl'
    path.write_text('{"rules": "newsbeam.media_rules", "version": 2}\n', encoding='utf-8')
    with pytest.raises(ValueError, match='version'):
        rules.load_media_rules(str(path))

"""Synthetic JSON articles for the Kafka streaming tests and scripts/measure_streaming.py.

Articles have varied datelines (agency, city-only, city and country, with dates), about
half carry a ``published`` time (seconds before sending, or for one in twenty hours before:
late data), and every text is distinct, so each one is written once.
Bad messages are the kinds the read stage dead-letters: not JSON, no text, wrong types.
"""
import datetime
import json
import random
from typing import Iterable, List, Optional, Tuple

_DATELINES = [
    'TEHRAN – ', 'Tehran- ', 'BEIJING, Sept. 13 (Xinhua) -- ', 'LONDON (Reuters) - ', 'PARIS — ',
    'NAIROBI, Kenya (AP) — ', 'MOSCOW, Sept 12 - ', 'WASHINGTON — ', 'TOKYO (Kyodo) -- ', 'CAIRO, Egypt – ',
    'BERLIN (dpa) - ', 'ISLAMABAD, Sept. 11 (APP) — ', 'SYDNEY – ', 'MEXICO CITY (AP) — ', 'ANKARA – ', '',
]
_PEOPLE = ['Maria Lopez', 'Ahmed Karimi', 'Li Wei', 'John Carter', 'Anna Schmidt', 'Kenji Sato', 'Amina Yusuf',
           'Pierre Dubois', 'Olga Petrova', 'Rahul Mehta']
_PLACES = ['Iran', 'China', 'Germany', 'Kenya', 'France', 'Japan', 'Egypt', 'Brazil', 'India', 'Canada']
_TOPICS = ['a new trade agreement', 'water shortages in the region', 'the upcoming election', 'a rail project',
           'an exhibition of ancient seals', 'talks on border security', 'a vaccination campaign',
           'rising food prices', 'a joint naval exercise', 'the national budget']
_WHEN = ['on Friday', 'next month', 'last week', 'on Monday', 'in 2019', 'earlier this year', 'on Sept. 30']


def article(number: int, rng: random.Random, now: datetime.datetime) -> dict:
    """One JSON article; ``id`` is ``a<number>``."""
    person, other = rng.sample(_PEOPLE, 2)
    place, partner = rng.sample(_PLACES, 2)
    topic = rng.choice(_TOPICS)
    text = (f'{rng.choice(_DATELINES)}{person}, a senior official, said {rng.choice(_WHEN)} that {place} and '
            f'{partner} would discuss {topic}. Story number {number} of the feed.\n\n'
            f'{other} told reporters the talks would continue {rng.choice(_WHEN)}, officials said. '
            f'The ministry in {place} did not comment.')
    record = {'id': f'a{number:05d}', 'text': text, 'title': f'{place} and {partner}: {topic}'}
    if number % 20 == 0:
        # Published hours before it is sent (an archive re-sent): late data, placed in the oldest
        # window still open.
        record['published'] = (now - datetime.timedelta(seconds=rng.randint(3600, 3 * 3600))).isoformat()
    elif number % 2 == 0:
        # Published seconds before it is sent: mostly in the window of its message time.
        record['published'] = (now - datetime.timedelta(seconds=rng.uniform(0, 5))).isoformat()
    if number % 3 == 0:
        record['source'] = rng.choice(['Mehr News', 'Xinhua', 'Reuters'])
    return record


def articles(count: int, seed: int = 7, now: Optional[datetime.datetime] = None) -> List[dict]:
    rng = random.Random(seed)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return [article(number, rng, now) for number in range(count)]


BAD_MESSAGES: Tuple[bytes, ...] = (
    b'{not json',
    b'plain text, not an object',
    b'\xff\xfe\x00binary',
    b'[1, 2, 3]',
    b'"a string"',
    json.dumps({'id': 'bad-notext', 'title': 'no text'}).encode(),
    json.dumps({'id': 'bad-int', 'text': 42}).encode(),
    json.dumps({'id': 'bad-null', 'text': None}).encode(),
    json.dumps({'id': 'bad-list', 'text': ['a', 'b']}).encode(),
    json.dumps({'id': 'bad-empty', 'text': ''}).encode(),
)


def messages(count: int, seed: int = 7) -> List[bytes]:
    """``count`` articles then the bad messages, shuffled, as message payloads."""
    payloads = [json.dumps(record).encode() for record in articles(count, seed)] + list(BAD_MESSAGES)
    random.Random(seed).shuffle(payloads)
    return payloads


def create_topic(bootstrap: str, topic: str, partitions: int = 2) -> None:
    from kafka.admin import KafkaAdminClient, NewTopic  # pylint: disable=import-outside-toplevel
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    finally:
        admin.close()


def publish(bootstrap: str, topic: str, payloads: Iterable[bytes], on_send=None) -> int:
    """Sends the payloads (keyed by their position) and waits until the broker has them all."""
    from kafka import KafkaProducer  # pylint: disable=import-outside-toplevel
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    sent = 0
    try:
        for number, payload in enumerate(payloads):
            producer.send(topic, key=str(number).encode(), value=payload)
            if on_send:
                on_send(number, payload)
            sent += 1
        producer.flush()
    finally:
        producer.close()
    return sent

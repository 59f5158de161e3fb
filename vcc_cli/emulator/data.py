"""Deterministic sample data for the emulator: users, skills, agents,
interactions, agent activities and WAV call recordings.

Everything comes from seeded generators (``random.Random`` for the fixed
user list, ``KeyedRandom`` per generated item), so two emulators (and two
runs) serve the same users and the same interactions. Time-based
collections (agent activities, interactions) are generated lazily, one item
per fixed time slot, so any ``start``/``end`` window costs only the page
asked for: item *n* of a window is computed from its slot number alone.
``Dataset(scale)`` makes the slots shorter for denser data; ``STANDARD``
(scale 1) is what an emulator serves by default.

Times are Unix seconds (UTC); rendered as ISO 8601 with a ``Z``.
"""

from __future__ import annotations

import hashlib
import math
import random
import struct
import sys
import time
import unicodedata
import uuid
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

SEED = 20240611

USER_COUNT = 300

LANGUAGE_SKILLS = ("English", "French", "German", "Spanish", "Italian", "Dutch", "Portuguese")
FUNCTION_SKILLS = (
    "Sales",
    "Billing",
    "Technical Support",
    "Account Manager",
    "Retentions",
    "Complaints",
    "VIP",
)
SKILLS = LANGUAGE_SKILLS + FUNCTION_SKILLS

FIRST_NAMES = (
    "Amelia",
    "Oliver",
    "Chloé",
    "Lucas",
    "Mia",
    "Noah",
    "Sofia",
    "Liam",
    "Emma",
    "Hugo",
    "Lena",
    "Mateo",
    "Anna",
    "Luca",
    "Zoe",
    "Jonas",
    "Ines",
    "Elias",
    "Julia",
    "Leo",
    "Nora",
    "Finn",
    "Clara",
    "Adam",
    "Eva",
    "Tom",
    "Ava",
    "Jan",
    "Maya",
    "Samuel",
    "Lucía",
    "Pablo",
    "Giulia",
    "Marco",
    "Sanne",
    "Daan",
    "Beatriz",
    "Tiago",
    "Grace",
    "Arjun",
)
LAST_NAMES = (
    "Smith",
    "Jones",
    "Martin",
    "Bernard",
    "Müller",
    "Schmidt",
    "García",
    "Fernández",
    "Rossi",
    "Russo",
    "de Vries",
    "Jansen",
    "Silva",
    "Santos",
    "Taylor",
    "Brown",
    "Dubois",
    "Moreau",
    "Fischer",
    "Weber",
    "López",
    "Romero",
    "Bianchi",
    "Ricci",
    "Bakker",
    "Visser",
    "Costa",
    "Pereira",
    "Wilson",
    "Evans",
    "Lefèvre",
    "Becker",
    "Hoffmann",
    "Navarro",
    "Greco",
    "Mulder",
)

# undocumented: role names; VCC documents userAccountConfiguration.role, not its values.
ROLES = (("Agent", 82), ("Supervisor", 13), ("Administrator", 5))
AGENT_ROLES = frozenset({"Agent", "Supervisor"})  # the roles that handle interactions

# Agent Availability counts agents per presence category under these names
# (DV 3566174612). undocumented: the categoryType values (ours drop the spaces).
CATEGORIES = {"Ready": "Ready", "Away": "Away", "ExtendedAway": "Extended Away", "LoggedOut": "Logged Out"}


def _definition(presence_id: str, description: str, category_type: str, selectable: bool = True) -> dict:
    # The documented shape of a presence definition (Agents API).
    category = {"categoryType": category_type, "description": CATEGORIES[category_type]}
    return {"presenceId": presence_id, "selectable": selectable, "category": category, "description": description}


# undocumented: the account's presences and their IDs (VCC's are configured per
# account); readable IDs make `vcc call -X PATCH ... -f presenceId=lunch` easy to try.
# Logging out is not a presence an agent picks, hence not selectable.
PRESENCE_DEFINITIONS = (
    _definition("ready", "Ready", "Ready"),
    _definition("break", "Break", "Away"),
    _definition("lunch", "Lunch", "Away"),
    _definition("meeting", "Meeting", "ExtendedAway"),
    _definition("training", "Training", "ExtendedAway"),
    _definition("logged-out", "Logged Out", "LoggedOut", selectable=False),
)
LOGGED_OUT = PRESENCE_DEFINITIONS[-1]
_PRESENCE_WEIGHTS = tuple(zip(range(len(PRESENCE_DEFINITIONS)), (45, 10, 8, 5, 5, 27), strict=False))

# Times before this are the "history" the fixed records (lastLoginTime...) use.
EPOCH_2023 = 1672531200  # 2023-01-01T00:00:00Z


def iso(t: float) -> str:
    """Unix seconds → ISO 8601 UTC, second precision, ``Z`` suffix."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(t)))


def parse_iso(value: str) -> float:
    """ISO 8601 date or date-time → Unix seconds. A time without offset is UTC.
    Raises ValueError (also for times Unix seconds cannot hold). A ``+`` turned
    into a space by form decoding is put back."""
    text = value.strip()
    if " " in text and "T" in text:
        text = text.replace(" ", "+")
    if text.endswith(("z", "Z")):  # Python < 3.11 reads no Z
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.timestamp()
    except (OverflowError, OSError) as exc:
        raise ValueError(str(exc)) from None


class KeyedRandom:
    """Deterministic draws derived from a key with blake2b: ten times cheaper
    to create than ``random.Random(key)``, which matters when every item of a
    1000-item page gets its own generator. Only the methods the data needs."""

    def __init__(self, key: str):
        self._key = key.encode()
        self._block = 0
        self._digest = hashlib.blake2b(self._key, digest_size=64).digest()
        self._pos = 0

    def _bits(self, nbytes: int) -> int:
        if self._pos + nbytes > len(self._digest):
            self._block += 1
            self._digest = hashlib.blake2b(self._key + b"#%d" % self._block, digest_size=64).digest()
            self._pos = 0
        value = int.from_bytes(self._digest[self._pos : self._pos + nbytes], "little")
        self._pos += nbytes
        return value

    def random(self) -> float:
        return (self._bits(7) >> 3) / (1 << 53)

    def randrange(self, n: int) -> int:
        return self._bits(8) % n  # bias below 2**-40 for our sizes

    def randint(self, a: int, b: int) -> int:
        return a + self.randrange(b - a + 1)

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.random()

    def choice(self, seq):
        return seq[self.randrange(len(seq))]

    def weighted(self, pairs):
        point = self.randrange(sum(w for _, w in pairs))
        for value, weight in pairs:
            point -= weight
            if point < 0:
                return value
        raise AssertionError("unreachable")

    def sample(self, seq, k: int) -> list:
        pool = list(seq)
        for i in range(k):
            j = i + self.randrange(len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]

    def getrandbits(self, k: int) -> int:
        return self._bits((k + 7) // 8) & ((1 << k) - 1)


def _uuid(rng: random.Random | KeyedRandom) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


# ------------------------------------------------------------------- users


@lru_cache(maxsize=1)
def _skill_ids() -> dict[str, str]:
    rng = random.Random(f"{SEED}-skills")
    return {name: _uuid(rng) for name in SKILLS}


def skills() -> list[dict]:
    """Every skill: ``{"id", "name"}``."""
    return [{"id": skill_id, "name": name} for name, skill_id in _skill_ids().items()]


def _pick_skills(rng: random.Random) -> list[dict]:
    languages = ["English"] if rng.random() < 0.8 else []
    languages += rng.sample(LANGUAGE_SKILLS[1:], rng.choice((0, 1, 1, 1, 2)))
    if not languages:
        languages = [rng.choice(LANGUAGE_SKILLS)]
    functions = rng.sample(FUNCTION_SKILLS, rng.randint(1, 3))
    ids = _skill_ids()
    return [{"id": ids[name], "name": name, "level": rng.randint(1, 5)} for name in languages + functions]


@lru_cache(maxsize=1)
def _users() -> tuple[tuple[dict, tuple[dict, ...]], ...]:
    rng = random.Random(f"{SEED}-users")
    users = []
    seen: dict[str, int] = {}
    for _ in range(USER_COUNT):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        base = _ascii(f"{first}.{last}".lower().replace(" ", ""))
        seen[base] = seen.get(base, 0) + 1
        username = base if seen[base] == 1 else f"{base}{seen[base]}"
        roll = rng.randrange(100)
        role = "Agent" if roll < 82 else "Supervisor" if roll < 95 else "Administrator"
        login = rng.random()
        user = {  # the User Admin API's documented user fields
            "userId": _uuid(rng),
            "username": username,
            "name": f"{first} {last}",
            "email": f"{username}@example.com",
            "lastLoginTime": iso(EPOCH_2023 + int(login * 600 * 86400)) if login > 0.03 else None,
            "active": rng.random() > 0.05,
            "locked": rng.random() < 0.02,
            "ssoExternalId": f"{username}@sso.example.com" if rng.random() < 0.3 else None,
            "userAccountConfiguration": {"role": role},
        }
        users.append((user, tuple(_pick_skills(rng)) if role in AGENT_ROLES else ()))
    return tuple(users)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def users() -> list[tuple[dict, list[dict]]]:
    """Fresh, mutable copies of the sample users (``USER_COUNT`` of them), each
    with its skills (``[{"id", "name", "level"}]``), which the User Admin user
    resource does not show."""
    return [
        ({**u, "userAccountConfiguration": dict(u["userAccountConfiguration"])}, [dict(s) for s in skills])
        for u, skills in _users()
    ]


def role(user: dict) -> str | None:
    config = user.get("userAccountConfiguration")
    value = config.get("role") if isinstance(config, dict) else None
    return value if isinstance(value, str) else None


def is_agent(user: dict) -> bool:
    """Whether the user handles interactions (and so has a presence that counts)."""
    return role(user) in AGENT_ROLES


def presence(user: dict, now: float) -> dict:
    """The user's presence as the Agents API shows it (documented shape),
    stable for a given user until the clock moves into another hour.
    Archived users (``active`` false) are logged out."""
    rng = KeyedRandom(f"{SEED}-presence-{user['userId']}-{int(now // 3600)}")
    index = rng.weighted(_PRESENCE_WEIGHTS)
    definition = PRESENCE_DEFINITIONS[index] if user.get("active") is not False else LOGGED_OUT
    return {"userId": user["userId"], "updated": iso(now - rng.randint(5, 3600)), "presence": _copy(definition)}


def _copy(definition: dict) -> dict:
    return {**definition, "category": dict(definition["category"])}


def presence_definition(presence_id: str) -> dict | None:
    """A copy of the presence definition with this ID (case-insensitive), None if there is none."""
    for definition in PRESENCE_DEFINITIONS:
        if definition["presenceId"] == presence_id.lower():
            return _copy(definition)
    return None


# ------------------------------------------------------- slotted time series


@dataclass(frozen=True)
class Series:
    """A lazily generated time series: one item per slot of ``slot_ms``
    milliseconds, at a pseudo-random offset inside its slot (in whole seconds
    when the slot is whole seconds long, in milliseconds otherwise)."""

    name: str
    slot_ms: int

    def item_start_ms(self, slot: int) -> int:
        """When the item of ``slot`` starts, in Unix milliseconds."""
        rng = KeyedRandom(f"{SEED}-{self.name}-offset-{slot}")
        if self.slot_ms % 1000 == 0:
            return slot * self.slot_ms + rng.randrange(self.slot_ms // 1000) * 1000
        return slot * self.slot_ms + rng.randrange(self.slot_ms)

    def item_start(self, slot: int) -> float:
        """When the item of ``slot`` starts, in Unix seconds (an int when whole)."""
        ms = self.item_start_ms(slot)
        return ms // 1000 if ms % 1000 == 0 else ms / 1000

    def slot_at(self, t: float) -> int:
        """The slot that contains time ``t`` (Unix seconds)."""
        if self.slot_ms % 1000 == 0:
            return math.floor(t / (self.slot_ms // 1000))
        return math.floor(t * 1000 / self.slot_ms)

    def first_slot_from(self, t_ms: int) -> int:
        """The first slot whose item starts at or after ``t_ms`` (Unix ms; exact)."""
        slot = t_ms // self.slot_ms
        return slot + 1 if self.item_start_ms(slot) < t_ms else slot

    def slots(self, start: float, end: float) -> range:
        """The slots whose item starts in [start, end)."""
        if end <= start:
            return range(0)
        first = self.slot_at(start)
        if self.item_start(first) < start:
            first += 1
        last = self.slot_at(end)
        if self.item_start(last) >= end:
            last -= 1
        return range(first, max(first, last + 1))


ACTIVITY_SLOT_MS = 90_000  # scale 1: an agent activity every 90 s
INTERACTION_SLOT_MS = 420_000  # scale 1: an interaction every 7 minutes
MIN_SCALE, MAX_SCALE = 0.001, 10_000  # slots of 25 hours and 4.9 days; of 9 ms and 42 ms
MAX_CALL_SECONDS = 1500  # the longest generated interaction

MEDIA = ("Phone", "Phone", "Phone", "Email", "Chat")
# undocumented: the names of interaction activities; ours are the phases of an interaction.
INTERACTION_PHASES = ("Ringing", "Connected", "Wrap-up")

# Interaction GUIDs carry their slot in the last 48 bits, scrambled by an
# invertible affine map so they look random: any GUID can be turned back into
# its interaction in O(1), and none is accepted unless it is exactly ours.
_BITS48 = (1 << 48) - 1
_SCRAMBLE_MUL = 0x9E37_79B9_7F4B  # odd, so invertible modulo 2**48
_SCRAMBLE_INV = pow(_SCRAMBLE_MUL, -1, 1 << 48)
_SCRAMBLE_XOR = 0x5A3C_96E1_7B2D

DIRECTIONS = ("inbound", "inbound", "inbound", "outbound")
QUEUES = ("Sales", "Billing", "Support", "Retentions", "Complaints")


@dataclass(frozen=True)
class Call:
    """One generated call interaction; times in Unix seconds."""

    guid: str
    start: float
    seconds: int
    direction: str
    connect_from: str
    connect_to: str
    agent_id: str
    agent_name: str
    queue: str
    has_transcript: bool

    @property
    def end(self) -> float:
        return self.start + self.seconds


@dataclass(frozen=True)
class Dataset:
    """The generated agent activities and interactions at a density: ``scale``
    F makes F times as many of each per hour (slots F times shorter, rounded
    to whole milliseconds), from ``MIN_SCALE`` to ``MAX_SCALE``. Scale 1 is
    the standard sample data. Every item is computed from its slot number
    alone, so a page costs the same whatever the scale; a dataset of another
    interaction slot length has GUIDs of its own (the GUID of one is no GUID
    of the other)."""

    scale: float = 1.0
    activities: Series = field(init=False)
    interactions: Series = field(init=False)

    def __post_init__(self) -> None:
        scale = self.scale
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not MIN_SCALE <= scale <= MAX_SCALE:
            raise ValueError(f"scale must be a number from {MIN_SCALE:g} to {MAX_SCALE:g}, not {scale!r}")
        object.__setattr__(self, "activities", Series("activity", max(1, round(ACTIVITY_SLOT_MS / scale))))
        object.__setattr__(self, "interactions", Series("interaction", max(1, round(INTERACTION_SLOT_MS / scale))))

    def activity(self, slot: int, agent_list: list[dict], kind: str | None = None) -> dict:
        """The agent activity of ``slot`` in the documented Insights Stats shape
        (duration in milliseconds); ``kind`` is "presence", "interaction" or None
        (either). undocumented: the values of type, category, name and workload."""
        rng = KeyedRandom(f"{SEED}-activity-{kind}-{slot}")
        agent = agent_list[rng.randrange(len(agent_list))]
        activity_type = kind or rng.choice(("presence", "interaction"))
        start = self.activities.item_start(slot)
        item = {"agentId": agent["userId"], "type": activity_type}
        if activity_type == "presence":
            definition = PRESENCE_DEFINITIONS[rng.weighted(_PRESENCE_WEIGHTS)]
            item.update(category=definition["category"]["description"], name=definition["description"])
            interaction, workload = None, 0
        else:
            item.update(category=rng.choice(MEDIA), name=rng.choice(INTERACTION_PHASES))
            interaction, workload = {"guid": self.interaction_guid(self.interaction_slot_at(start))}, 1
        item.update(
            start=iso(start),
            duration=rng.randint(20_000, 1_200_000),
            reason=None,
            interaction=interaction,
            workload=workload,
        )
        return item

    def interaction_slot_at(self, t: float) -> int:
        """The slot of the interaction series that contains time ``t``."""
        return self.interactions.slot_at(t)

    def interaction_guid(self, slot: int) -> str:
        standard = self.interactions.slot_ms == INTERACTION_SLOT_MS
        # The standard data's key has no length in it: its GUIDs stay what they always were.
        length = "" if standard else f"@{self.interactions.slot_ms}ms"
        rng = KeyedRandom(f"{SEED}-interaction-guid{length}-{slot}")
        node = ((slot * _SCRAMBLE_MUL) & _BITS48) ^ _SCRAMBLE_XOR
        return str(uuid.UUID(int=(rng.getrandbits(80) << 48) | node, version=4))

    def interaction_slot(self, guid: str) -> int | None:
        """The slot of an interaction GUID (O(1)), None when it is not one of ours."""
        try:
            value = uuid.UUID(guid)
        except ValueError:
            return None
        slot = (((value.int & _BITS48) ^ _SCRAMBLE_XOR) * _SCRAMBLE_INV) & _BITS48
        return slot if self.interaction_guid(slot) == str(value) else None

    def interaction(self, slot: int, agent_list: list[dict]) -> Call:
        """The call interaction of ``slot``."""
        rng = KeyedRandom(f"{SEED}-interaction-{slot}")
        start = self.interactions.item_start(slot)
        seconds = rng.randint(45, MAX_CALL_SECONDS)
        agent = agent_list[rng.randrange(len(agent_list))]
        direction = rng.choice(DIRECTIONS)
        customer = f"+4420794600{rng.randrange(100):02d}"  # Ofcom drama range
        company = "+442079460999"
        return Call(
            guid=self.interaction_guid(slot),
            start=start,
            seconds=seconds,
            direction=direction,
            connect_from=customer if direction == "inbound" else company,
            connect_to=company if direction == "inbound" else customer,
            agent_id=agent["userId"],
            agent_name=agent["name"],
            queue=rng.choice(QUEUES),
            has_transcript=rng.random() < 0.6,
        )


STANDARD = Dataset()  # scale 1: the sample data every emulator serves by default
ACTIVITIES = STANDARD.activities
INTERACTIONS = STANDARD.interactions


def agents(user_list: list[dict]) -> list[dict]:
    """``{"userId", "name"}`` of the users who handle interactions."""
    return [{"userId": u["userId"], "name": u["name"]} for u in user_list if is_agent(u)]


def is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=1)
def queue_ids() -> dict[str, str]:
    rng = random.Random(f"{SEED}-queues")
    return {name: _uuid(rng) for name in QUEUES}


def stats_interaction(call: Call, now: float | None = None) -> dict:
    """The call as an Insights Stats interaction item (documented fields;
    durations in milliseconds). With ``now``, an ongoing call's duration so far.
    undocumented: the values of medium and mediumManager, and the channel fields."""
    seconds = call.seconds if now is None else max(0, min(call.seconds, int(now - call.start)))
    return {
        "guid": call.guid,
        "start": iso(call.start),
        "medium": "Phone",
        "mediumManager": "Voice",
        "direction": call.direction,
        "connectFrom": call.connect_from,
        "connectTo": call.connect_to,
        "duration": seconds * 1000,
        "channels": [{"type": "agent", "agentId": call.agent_id, "start": iso(call.start), "duration": seconds * 1000}],
    }


TRANSCRIPT_LINES = (
    ("Agent", "Thank you for calling, my name is {agent}. How can I help you today?"),
    ("Customer", "Hi, I'd like to check the status of my last invoice."),
    ("Agent", "Of course. Could you confirm your account number for me?"),
    ("Customer", "Sure, it's 4 8 1 5 1 6 2 3."),
    ("Agent", "Thanks. I can see the invoice was paid on the third, so you're all set."),
    ("Customer", "Great, that's all I needed. Thanks!"),
    ("Agent", "You're welcome. Have a nice day."),
)


def transcript(call: Call) -> dict:
    """A short JSON transcript of the call. undocumented: the transcript's format."""
    return {
        "guid": call.guid,
        "language": "en-GB",
        "segments": [
            {"speaker": who, "offsetSeconds": 4 * n, "text": text.format(agent=call.agent_name)}
            for n, (who, text) in enumerate(TRANSCRIPT_LINES)
        ],
    }


def analysis(call: Call) -> dict:
    """What the Conversation Analyzer says about a call. undocumented: these fields."""
    rng = KeyedRandom(f"{SEED}-analysis-{call.guid}")
    total = call.seconds
    agent = int(total * rng.uniform(0.35, 0.55))
    customer = int(total * rng.uniform(0.25, 0.45))
    return {
        "guid": call.guid,
        "categories": sorted(rng.sample(("Billing", "Payment", "Complaint", "Cancellation", "Upsell", "Greeting"), 2)),
        "callTimeBreakdown": {
            "agentTalkSeconds": agent,
            "customerTalkSeconds": customer,
            "silenceSeconds": max(0, total - agent - customer),
        },
        "sentiment": rng.choice(("Positive", "Neutral", "Negative")),
    }


# ------------------------------------------------------------------- audio

SAMPLE_RATE = 8000  # telephony: 8 kHz, 16-bit, mono
SAMPLE_WIDTH = 2
CHANNELS = 1
WAV_HEADER_SIZE = 44
_LOOP_SECONDS = 4


def wav_data_length(file_size: int) -> int:
    """Bytes of PCM data in a recording of about ``file_size`` bytes (whole frames)."""
    data = max(0, file_size - WAV_HEADER_SIZE)
    return data - data % (SAMPLE_WIDTH * CHANNELS)


def wav_header(data_length: int) -> bytes:
    """The 44-byte RIFF/WAVE header of a PCM recording with ``data_length`` data bytes."""
    byte_rate = SAMPLE_RATE * SAMPLE_WIDTH * CHANNELS
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", 36 + data_length, b"WAVE",
        b"fmt ", 16, 1, CHANNELS, SAMPLE_RATE, byte_rate, SAMPLE_WIDTH * CHANNELS, SAMPLE_WIDTH * 8,
        b"data", data_length,
    )  # fmt: skip


@lru_cache(maxsize=8)
def _audio_loop(variant: int) -> bytes:
    """A few seconds of speech-like sound (voiced bursts with harmonics and
    pauses), starting and ending in silence so that it loops without clicks."""
    rng = random.Random(f"{SEED}-audio-{variant}")
    total = SAMPLE_RATE * _LOOP_SECONDS
    samples = array("h", bytes(total * SAMPLE_WIDTH))
    pos = int(SAMPLE_RATE * 0.2)
    while True:
        length = int(SAMPLE_RATE * rng.uniform(0.08, 0.3))
        if pos + length >= total - SAMPLE_RATE * 0.2:
            break
        pitch = rng.uniform(100, 260)
        amplitude = rng.uniform(2500, 9000)
        for i in range(length):
            envelope = math.sin(math.pi * i / length)  # no clicks at burst edges
            t = i / SAMPLE_RATE
            value = (
                math.sin(2 * math.pi * pitch * t)
                + 0.5 * math.sin(4 * math.pi * pitch * t)
                + 0.25 * math.sin(6 * math.pi * pitch * t)
            )
            samples[pos + i] = int(amplitude * envelope * value / 1.75)
        pos += length + int(SAMPLE_RATE * rng.choice((0.03, 0.05, 0.08, 0.25, 0.4)))
    if sys.byteorder == "big":
        samples.byteswap()  # WAV is little-endian
    return samples.tobytes()


def recording_variant(guid: str) -> int:
    return uuid.UUID(guid).int % 4


def wav_bytes(file_size: int, variant: int, start: int, stop: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """The bytes [start, stop) of a recording file of ``44 + wav_data_length(file_size)``
    bytes, in chunks of at most ``chunk`` bytes, generated as they are asked for
    (constant memory whatever the size)."""
    data_length = wav_data_length(file_size)
    stop = min(stop, WAV_HEADER_SIZE + data_length)
    if start < WAV_HEADER_SIZE and start < stop:
        yield wav_header(data_length)[start : min(stop, WAV_HEADER_SIZE)]
        start = WAV_HEADER_SIZE
    loop = _audio_loop(variant)
    size = len(loop)
    offset = start - WAV_HEADER_SIZE
    remaining = stop - start
    while remaining > 0:
        at = offset % size
        take = min(remaining, size - at, chunk)
        yield loop[at : at + take]
        offset += take
        remaining -= take

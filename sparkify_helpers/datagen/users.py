"""Listeners: names, home metro, browser, registration time, activity and starting level."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import vocab
from .encode import log_str
from .rhythm import DAY_MS, HOUR_MS

NEW_USER_SHARE = 0.25  # users who register while the logs run (the rest registered before)
PAID_SHARE = 0.3  # users on the paid level when the logs start


@dataclass(frozen=True)
class Users:
    """Users in registration order (``userId`` "1" registered first), as log fragments.

    Fragment rows ``n`` and ``n + 1`` are the anonymous "Logged Out" and "Guest" visitors.
    """

    n: int
    registration_ms: np.ndarray
    cum_weight: np.ndarray
    initial_paid: np.ndarray
    frag_who: list[str]  # "auth":...,"firstName":...,"gender":...
    frag_last: list[str]  # "lastName":...
    frag_loc: list[str]  # "location":...
    frag_reg: list[str]  # "registration":...
    frag_tail: list[str]  # "userAgent":...,"userId":...

    @property
    def logged_out(self) -> int:
        """Fragment row of logged-out events."""
        return self.n

    @property
    def guest(self) -> int:
        """Fragment row of guest events."""
        return self.n + 1

    def draw(self, rng: np.random.Generator, k: int, before_ms: int) -> np.ndarray:
        """``k`` users, by activity weight, among those registered before ``before_ms``."""
        m = max(1, int(np.searchsorted(self.registration_ms, before_ms)))
        picks = np.searchsorted(self.cum_weight[:m], rng.random(k) * self.cum_weight[m - 1])
        return np.minimum(picks, m - 1)


def build_users(rng: np.random.Generator, n: int, start_ms: int, span_ms: int) -> Users:
    """``n`` users active over ``[start_ms, start_ms + span_ms)``."""
    new = rng.random(n) < NEW_USER_SHARE
    before = start_ms - rng.integers(HOUR_MS, 180 * DAY_MS, n)
    during = start_ms + rng.integers(0, max(1, int(span_ms * 0.9)), n)
    registration = np.sort(np.where(new, during, before))
    registration[0] = min(registration[0], start_ms - DAY_MS)
    weight = np.clip(rng.lognormal(0.0, 1.0, n), 0.05, 30.0)

    female = rng.random(n) < 0.5
    f_first = rng.integers(0, len(vocab.FIRST_NAMES_F), n).tolist()
    m_first = rng.integers(0, len(vocab.FIRST_NAMES_M), n).tolist()
    last = rng.integers(0, len(vocab.LAST_NAMES), n).tolist()
    metro_w = 1.0 / np.arange(1, len(vocab.METROS) + 1) ** 0.7
    metro = rng.choice(len(vocab.METROS), n, p=metro_w / metro_w.sum()).tolist()
    ua_w = np.array(vocab.USER_AGENT_WEIGHTS, dtype=float)
    agent = rng.choice(len(vocab.USER_AGENTS), n, p=ua_w / ua_w.sum()).tolist()

    who, last_f, loc_f, reg_f, tail_f = [], [], [], [], []
    for i, is_f in enumerate(female.tolist()):
        first = vocab.FIRST_NAMES_F[f_first[i]] if is_f else vocab.FIRST_NAMES_M[m_first[i]]
        gender = "F" if is_f else "M"
        who.append(f'"auth":"Logged In","firstName":{log_str(first)},"gender":"{gender}"')
        last_f.append(f'"lastName":{log_str(vocab.LAST_NAMES[last[i]])}')
        loc_f.append(f'"location":{log_str(vocab.METROS[metro[i]])}')
        tail_f.append(
            f'"userAgent":{log_str(_quoted(vocab.USER_AGENTS[agent[i]]))},"userId":"{i + 1}"'
        )
    reg_f = [f'"registration":{ms}.0' for ms in registration.tolist()]
    for auth in ("Logged Out", "Guest"):
        who.append(f'"auth":"{auth}","firstName":null,"gender":null')
        last_f.append('"lastName":null')
        loc_f.append('"location":null')
        reg_f.append('"registration":null')
        tail_f.append('"userAgent":null,"userId":""')
    return Users(
        n=n,
        registration_ms=registration,
        cum_weight=np.cumsum(weight),
        initial_paid=rng.random(n) < PAID_SHARE,
        frag_who=who,
        frag_last=last_f,
        frag_loc=loc_f,
        frag_reg=reg_f,
        frag_tail=tail_f,
    )


def _quoted(agent: str) -> str:
    """The agent as the real logs store it: wrapped in quotes when it contains a comma."""
    return f'"{agent}"' if "," in agent else agent

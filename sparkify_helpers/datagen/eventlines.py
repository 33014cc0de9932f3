"""Event rows to JSON lines with the real key order, built from pre-encoded fragments."""

from __future__ import annotations

from .catalogue import Catalogue
from .events import PAGES, EventBlock
from .users import Users

PAGE_FRAG = [f'"method":"{method}","page":"{name}"' for name, method, _ in PAGES]
STATUS = [str(status) for _, _, status in PAGES]
LEVEL_FRAG = ['"level":"free"', '"level":"paid"']


def event_lines(block: EventBlock, catalogue: Catalogue, users: Users) -> list[str]:
    """One JSON object per event, keys in the order of the bucket's log files."""
    artist, title, length = catalogue.artist_frag, catalogue.title_frag, catalogue.length_frag
    who, last, loc = users.frag_who, users.frag_last, users.frag_loc
    reg, tail = users.frag_reg, users.frag_tail
    page_frag, status, level_frag = PAGE_FRAG, STATUS, LEVEL_FRAG
    return [
        f'{{"artist":{artist[s]},{who[u]},"itemInSession":{i},{last[u]},"length":{length[s]},'
        f"{level_frag[lv]},{loc[u]},{page_frag[p]},{reg[u]},"
        f'"sessionId":{sid},"song":{title[s]},"status":{status[p]},"ts":{ts},{tail[u]}}}'
        for ts, s, u, i, lv, p, sid in zip(
            block.ts.tolist(),
            block.song.tolist(),
            block.user.tolist(),
            block.item.tolist(),
            block.level.tolist(),
            block.page.tolist(),
            block.session.tolist(),
            strict=True,
        )
    ]

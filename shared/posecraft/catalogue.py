"""The team's catalogue: every image newest first, searchable.

`ListQuery.parse` turns the list's parameters into a query (or a MalformedRequest naming the bad one); `Catalogue`
reads status objects and the list (the status service serves it). What a team does with an image (delete, process
again, download its views) is `posecraft.image_actions`, served by the ingest service, which has S3 and the queue.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from posecraft.config import Settings
from posecraft.errors import MalformedRequest
from posecraft.records import MediaLinks, Record, Status, status_object
from posecraft.stores.images import ImageRepository

MAX_PAGE = 200
DEFAULT_PAGE = 50
MAX_QUERY_LENGTH = 200
LIST_PARAMETERS = ("limit", "cursor", "status", "q", "counts")

_ID = re.compile(r"[1-9][0-9]{0,17}")
# Characters a file name in an archive should not carry (path separators, Windows' reserved ones, controls).
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def parse_id(raw: str, what: str = "an image id") -> int:
    if not _ID.fullmatch(raw):
        shown = raw if len(raw) <= 40 else raw[:40] + "..."
        raise MalformedRequest(f"{what} is a positive whole number, not {shown!r}")
    return int(raw)


def parse_ids(raw: str | None, limit: int) -> list[int]:
    """`?ids=1,2,3`: distinct ids in the order given, 1 to `limit` of them."""
    if raw is None:
        raise MalformedRequest("pass the ids as ?ids=1,2,3")
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts:
        raise MalformedRequest("ids is empty: pass ?ids=1,2,3")
    ids = list(dict.fromkeys(parse_id(p) for p in parts))
    if len(ids) > limit:
        raise MalformedRequest(f"{len(ids)} ids asked for; at most {limit} in one call")
    return ids


@dataclass(frozen=True)
class ListQuery:
    limit: int = DEFAULT_PAGE
    cursor: int | None = None
    status: Status | None = None
    text: str | None = None
    counts: bool = True  # false: the rows alone, not held up by counting (the page asks /api/images/counts)

    @classmethod
    def parse(cls, args: Mapping[str, str], allowed: Sequence[str] = LIST_PARAMETERS) -> ListQuery:
        unknown = [name for name in args if name not in allowed]
        if unknown:
            raise MalformedRequest(f"unknown parameter {unknown[0]!r}: this takes {', '.join(allowed)}")
        limit = DEFAULT_PAGE
        if "limit" in args:
            raw = args["limit"].strip()
            if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
                raise MalformedRequest(f"limit must be a whole number from 1 to {MAX_PAGE}, not {raw[:40]!r}")
            limit = int(raw)
        cursor = None
        if args.get("cursor"):
            cursor = parse_id(args["cursor"].strip(), "cursor (the `next` of the page before)")
        status = None
        if args.get("status"):
            try:
                status = Status(args["status"].strip())
            except ValueError:
                names = ", ".join(s.value for s in Status)
                raise MalformedRequest(f"status must be one of {names}, not {args['status'][:40]!r}") from None
        text = (args.get("q") or "").strip() or None
        if text is not None and len(text) > MAX_QUERY_LENGTH:
            raise MalformedRequest(f"q is {len(text)} characters long; at most {MAX_QUERY_LENGTH} are searched for")
        counts = args.get("counts", "true").strip().lower()
        if counts not in ("true", "false"):
            raise MalformedRequest(f"counts must be true or false, not {counts[:40]!r}")
        return cls(limit, cursor, status, text, counts == "true")


def stem(name: str) -> str:
    """A name without its extension, fit to be part of a file name in an archive."""
    base = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    return _UNSAFE_IN_NAME.sub("_", base).strip(" .") or "image"


def view_entries(record: Record) -> list[tuple[str, str]]:
    """(file name in the archive, S3 key) of each view: `<name without extension>-<label>.<ext>`."""
    base = stem(record.name)
    return [(f"{base}-{shot.label}.{shot.key.rsplit('.', 1)[-1]}", shot.key) for shot in record.shots]


def folder_names(records: Sequence[Record]) -> list[str]:
    """A folder per image, named after it; an image whose name another already took gets its id added."""
    taken: set[str] = set()
    folders = []
    for record in records:
        folder = stem(record.name)
        if folder.lower() in taken:
            folder = f"{folder}-{record.id}"
        taken.add(folder.lower())
        folders.append(folder)
    return folders


class Catalogue:
    """The catalogue's reads: status objects, the list. MongoDB only (the status service imports nothing else)."""

    def __init__(self, settings: Settings, repository: ImageRepository):
        self.settings = settings
        self.repository = repository
        self.links = MediaLinks.from_settings(settings)

    @classmethod
    def from_settings(cls, settings: Settings) -> Catalogue:
        return cls(settings, ImageRepository.from_settings(settings))

    def status(self, record: Record) -> dict[str, Any]:
        return status_object(record, self.links)

    def statuses(self, image_ids: list[int]) -> list[dict[str, Any]]:
        return [self.status(record) for record in self.repository.get_many(image_ids)]

    def listing(self, query: ListQuery) -> dict[str, Any]:
        """The list's answer: a page of status objects, the cursor of the next, and the counts per status (of the
        images the search matches, whatever the status filter; null when not asked for)."""
        page = self.repository.page(query.limit, query.cursor, query.status, query.text)
        return {"items": [self.status(record) for record in page.records],
                "next": None if page.next_cursor is None else str(page.next_cursor),
                "counts": self.counts(query.text) if query.counts else None}

    def counts(self, text: str | None) -> dict[str, int]:
        counts = self.repository.count_by_status(text)
        return {status.value: counts[status] for status in Status}


"""The image record: its one definition, its MongoDB document, and the API's status object made from it.

A record stores S3 keys, never URLs: media URLs are built when answering, from the public base the answering service
runs with, so the same record opens at whatever address PoseCraft is served from. An image's `identity` is what
deduplicates it: the content hash of an uploaded file, the URL of a submitted URL.

MongoDB document (collection `images`, `schema: 4`):
    {_id: int, schema: 4, identity: str (unique), source: "upload"|"url", url: str|None (a submitted URL),
     key: str|None (an uploaded original's S3 key), name: str (the uploaded file's name, or the URL's last path
     segment), search: str (name and URL in lower case: what the list's `q` matches),
     callbacks: [str] (webhook URLs told when the image next ends processed or failed),
     viewToken: str (32 hex digits, random, made with the record: its views' keys hold it, posecraft.stores.storage),
     status: "pending"|"processed"|"failed",
     shots: [{label, title, key, width, height, box: [x0, y0, x1, y1], lowResolution, padded, reach}],
     skipped: [{label, title, reason}], people: int|None, ambiguous: bool, error: str|None, attempts: int,
     preset: str, cutout: bool, upscale: bool (OutputOptions), run: int (times processed again), createdAt,
     updatedAt}
Documents of an older schema are rewritten by `migrate_document`: schema 1 (absolute URLs, dedupe on `url`),
schema 2 (no `name`) and schema 3 (no `viewToken`; its views still at `views/<id>/`, which
`posecraft.view_moves` moves in S3).
"""
from __future__ import annotations

import dataclasses
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import unquote, urlsplit

from posecraft.config import Settings

SCHEMA_VERSION = 4
MAX_NAME_LENGTH = 200


class Status(StrEnum):
    PENDING = "pending"
    PROCESSED = "processed"
    FAILED = "failed"


class Source(StrEnum):
    UPLOAD = "upload"
    URL = "url"


def upload_identity(sha256_hex: str) -> str:
    return f"sha256:{sha256_hex}"


def clean_name(raw: object) -> str | None:
    """A file name as a person gave it, fit to show and to name files after: the last part of a path (browsers
    send "C:\\fakepath\\look.jpg"), without control characters, at most MAX_NAME_LENGTH characters; None if nothing is
    left."""
    if not isinstance(raw, str):
        return None
    base = re.split(r"[/\\]", raw)[-1]
    text = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return text[:MAX_NAME_LENGTH] or None


def name_from_url(url: str) -> str:
    """The last path segment of a URL (percent-decoded), or its host when the path has none."""
    parts = urlsplit(url)
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    return (clean_name(segments[-1]) if segments else None) or parts.hostname or url[:MAX_NAME_LENGTH]


def search_text(name: str, url: str | None) -> str:
    """What the catalogue's search matches (the document's `search`): the name and the URL, in lower case."""
    return f"{name}\n{url or ''}".lower()


def default_name(image_id: int, key: str | None) -> str:
    """The name of an upload that came without one (a data URL): `upload-<id>.<ext>`."""
    extension = key.rsplit(".", 1)[-1] if key and "." in key else "jpg"
    return f"upload-{image_id}.{extension}"


@dataclass(frozen=True)
class MediaLinks:
    """Where browsers read stored objects: `<base>/<bucket>/<key>` (nginx's /media/ or a public S3 address)."""

    base_url: str
    bucket: str

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaLinks:
        return cls(settings.media_base_url, settings.s3_bucket)

    def url(self, key: str) -> str:
        return f"{self.base_url.rstrip('/')}/{self.bucket}/{key}"


@dataclass(frozen=True)
class Shot:
    """One stored view of the image."""

    label: str
    title: str
    key: str
    width: int
    height: int
    box: tuple[int, int, int, int]
    low_resolution: bool = False
    padded: bool = False  # white bands hold the margin where the photo ends
    reach: str | None = None  # the length view: how far down the body it goes (feet, knees, thighs, hips)
    upscaled: bool = False  # written larger than its box (only when the preset asks)
    notes: tuple[str, ...] = ()  # what of the preset's rules it misses, in words

    def to_doc(self) -> dict[str, Any]:
        return {"label": self.label, "title": self.title, "key": self.key, "width": self.width,
                "height": self.height, "box": list(self.box), "lowResolution": self.low_resolution,
                "padded": self.padded, "reach": self.reach, "upscaled": self.upscaled, "notes": list(self.notes)}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Shot:
        return cls(label=doc["label"], title=doc.get("title", doc["label"]), key=doc["key"], width=doc["width"],
                   height=doc["height"], box=tuple(doc["box"]), low_resolution=bool(doc.get("lowResolution")),
                   padded=bool(doc.get("padded")), reach=doc.get("reach"), upscaled=bool(doc.get("upscaled")),
                   notes=tuple(doc.get("notes") or ()))

    def to_json(self, links: MediaLinks) -> dict[str, Any]:
        return {"label": self.label, "title": self.title, "url": links.url(self.key), "width": self.width,
                "height": self.height, "box": list(self.box), "lowResolution": self.low_resolution,
                "padded": self.padded, "reach": self.reach, "upscaled": self.upscaled, "notes": list(self.notes)}


@dataclass(frozen=True)
class Skipped:
    """A view that could not be cut from this photo, and why."""

    label: str
    title: str
    reason: str

    def to_doc(self) -> dict[str, Any]:
        return {"label": self.label, "title": self.title, "reason": self.reason}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Skipped:
        return cls(label=doc["label"], title=doc.get("title", doc["label"]), reason=doc["reason"])


@dataclass(frozen=True)
class OutputOptions:
    """What a submission asks of its views: the output preset they follow (posecraft.views.presets), the person on
    transparency too, and views below the preset's minimum size enlarged to it (marked upscaled) rather than
    flagged."""

    preset: str = "default"
    cutout: bool = False
    upscale: bool = False


DEFAULT_OUTPUT = OutputOptions()


@dataclass(frozen=True)
class Record:
    id: int
    identity: str
    source: Source
    status: Status
    created_at: datetime
    updated_at: datetime
    url: str | None = None
    key: str | None = None
    name: str = ""
    callbacks: tuple[str, ...] = ()
    shots: tuple[Shot, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    people: int | None = None
    ambiguous: bool = False
    error: str | None = None
    attempts: int = 0
    output: OutputOptions = DEFAULT_OUTPUT
    run: int = 0  # how many times it was processed again (its views' keys hold it: storage.view_key)
    view_token: str = ""  # the random part of its views' keys (posecraft.stores.storage.view_key)

    @classmethod
    def new(cls, image_id: int, identity: str, source: Source, now: datetime, *, url: str | None = None,
            key: str | None = None, name: str | None = None, callbacks: tuple[str, ...] = ()) -> Record:
        """A pending record. Its name: the one given, else the URL's last path segment, else `upload-<id>.<ext>`."""
        name = name or (name_from_url(url) if url else default_name(image_id, key))
        return cls(id=image_id, identity=identity, source=source, status=Status.PENDING, created_at=now,
                   updated_at=now, url=url, key=key, name=name, callbacks=callbacks, view_token=new_view_token())

    def replace(self, **changes: Any) -> Record:
        return dataclasses.replace(self, **changes)

    def to_doc(self) -> dict[str, Any]:
        return {
            "_id": self.id, "schema": SCHEMA_VERSION, "identity": self.identity, "source": self.source.value,
            "url": self.url, "key": self.key, "name": self.name, "callbacks": list(self.callbacks),
            "status": self.status.value,
            "shots": [s.to_doc() for s in self.shots], "skipped": [s.to_doc() for s in self.skipped],
            "people": self.people, "ambiguous": self.ambiguous, "error": self.error, "attempts": self.attempts,
            "preset": self.output.preset, "cutout": self.output.cutout, "upscale": self.output.upscale,
            "run": self.run, "viewToken": self.view_token,
            "createdAt": self.created_at, "updatedAt": self.updated_at, "search": search_text(self.name, self.url),
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Record:
        return cls(
            id=doc["_id"], identity=doc["identity"], source=Source(doc["source"]), status=Status(doc["status"]),
            created_at=doc["createdAt"], updated_at=doc["updatedAt"], url=doc.get("url"), key=doc.get("key"),
            name=doc.get("name") or "", callbacks=tuple(doc.get("callbacks") or ()),
            shots=tuple(Shot.from_doc(s) for s in doc.get("shots") or ()),
            skipped=tuple(Skipped.from_doc(s) for s in doc.get("skipped") or ()),
            people=doc.get("people"), ambiguous=bool(doc.get("ambiguous")), error=doc.get("error"),
            output=OutputOptions(doc.get("preset") or "default", bool(doc.get("cutout")), bool(doc.get("upscale"))),
            attempts=int(doc.get("attempts") or 0), run=int(doc.get("run") or 0),
            view_token=doc.get("viewToken") or "",
        )

    def image_url(self, links: MediaLinks) -> str:
        """The submitted URL, or where browsers read the uploaded original."""
        if self.key is not None and self.source is Source.UPLOAD:
            return links.url(self.key)
        return self.url or ""


def new_view_token() -> str:
    """128 random bits: nobody finds a record's views without being given one of their URLs."""
    return secrets.token_hex(16)


def status_object(record: Record, links: MediaLinks) -> dict[str, Any]:
    """The API's answer for one image (GET /api/image-status, and every list that shows images)."""
    return {
        "id": record.id,
        "name": record.name,
        "url": record.image_url(links),
        "status": record.status.value,
        "shots": [shot.to_json(links) for shot in record.shots],
        "skipped": [s.to_doc() for s in record.skipped],
        "people": record.people,
        "ambiguous": record.ambiguous,
        "preset": record.output.preset,
        "cutout": record.output.cutout,
        "upscale": record.output.upscale,
        "error": record.error,
        "createdAt": _iso(record.created_at),
        "updatedAt": _iso(record.updated_at),
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- records written before schema 4 ---------------------------------------------------------------------------

_UPLOAD_KEY = re.compile(r"uploads/([0-9a-f]{64})\.[a-z0-9]+")
_VIEW_KEY = re.compile(r"views/[^?#]+$")


def migrate_document(doc: dict[str, Any], bucket: str) -> dict[str, Any] | None:
    """A document of an older schema rewritten in the current one; None when it already is.

    Schema 1 kept an upload's object URL in `url` and each shot's URL; both become keys (the part after
    `/<bucket>/`). Unknown then, `padded` is False and `ambiguous` False. Schema 2 had no `name`: a URL's is its
    last path segment, an upload's (whose file name was never kept) `upload-<id>.<ext>`. Schema 3 had no view
    token: one is made (its views are moved under it in S3 by `posecraft.view_moves`, shots and all).
    """
    schema = doc.get("schema", 1)
    if schema >= SCHEMA_VERSION:
        return None
    migrated = dict(doc, schema=SCHEMA_VERSION)
    if schema < 2:
        upload = _UPLOAD_KEY.fullmatch(doc.get("key") or "")
        if doc.get("source") == Source.UPLOAD and upload:
            migrated["identity"] = upload_identity(upload.group(1))
            migrated["url"] = None
        else:
            migrated["identity"] = doc["url"]
        migrated["shots"] = [_migrate_shot(shot, bucket) for shot in doc.get("shots") or ()]
        migrated.setdefault("ambiguous", False)
    if not migrated.get("name"):
        url = migrated.get("url")
        migrated["name"] = name_from_url(url) if url else default_name(doc["_id"], doc.get("key"))
    migrated.setdefault("callbacks", [])
    migrated["viewToken"] = doc.get("viewToken") or new_view_token()
    migrated["search"] = search_text(migrated["name"], migrated.get("url"))
    return migrated


def _migrate_shot(shot: dict[str, Any], bucket: str) -> dict[str, Any]:
    if "key" in shot:
        return shot
    url = shot.get("url", "")
    marker = f"/{bucket}/"
    if marker in url:
        key = url.split(marker, 1)[1]
    else:
        found = _VIEW_KEY.search(url)
        key = found.group(0) if found else url
    rest = {k: v for k, v in shot.items() if k != "url"}
    return {**rest, "key": key, "padded": bool(shot.get("padded")), "reach": shot.get("reach")}

"""What every MongoDB collection's repository shares: the client, its write concern, the clock and the error map.

Every write uses w=1, j=True: an acknowledged write survives a kill -9 of the database.
"""
from __future__ import annotations

from datetime import UTC, datetime

from pymongo import MongoClient, uri_parser
from pymongo.database import Database
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError
from pymongo.write_concern import WriteConcern

from posecraft.config import Settings
from posecraft.errors import unavailable_when

# MongoDB unreachable: a ServiceUnavailable naming it (503), on every repository method.
unavailable = unavailable_when(
    "MongoDB",
    lambda exc: exc.__class__.__name__ if isinstance(exc, (ConnectionFailure, ServerSelectionTimeoutError)) else None,
)


def timestamp() -> datetime:
    # Mongo keeps milliseconds; truncating here makes the returned record equal to the stored one.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def connect(settings: Settings) -> MongoClient:
    """A client of the settings' MongoDB that fails within seconds when it is down (pymongo's default is 30 s)."""
    return MongoClient(
        settings.mongo_url,
        serverSelectionTimeoutMS=3000,
        connectTimeoutMS=3000,
        tz_aware=True,
        **_direct_connection(settings.mongo_url),
    )


def database(client: MongoClient, db_name: str) -> Database:
    """The database with every write journaled (w=1, j=True)."""
    return client.get_database(db_name, write_concern=WriteConcern(w=1, j=True))


def _direct_connection(mongo_url: str) -> dict:
    """A URL naming one server and no replica set is talked to directly. Otherwise a server that calls itself a
    one-member replica set (SecantusDB does) and answers a hello with no hosts while it restarts is dropped from
    the client's topology for good, and every later call fails although the server is back."""
    if mongo_url.startswith("mongodb+srv://"):
        return {}  # a cluster found through DNS: let the driver discover it
    parsed = uri_parser.parse_uri(mongo_url)
    options = {k.lower() for k in parsed["options"]}
    if len(parsed["nodelist"]) == 1 and not options & {"replicaset", "directconnection", "loadbalanced"}:
        return {"directConnection": True}
    return {}

"""The one S3 client (boto3): uploaded originals and garment views, publicly readable through a bucket policy.

Keys: `uploads/<sha256>.<ext>` for an uploaded original (the same file is one object),
`views/<id>-<token>/<run>/<label>.<ext>` for a view, with the record's random view token (`Record.view_token`, 128
bits): views are public, so their keys must not be guessable. The token is the record's for good; `run` counts its
re-processings (`Record.run`), so a try run twice overwrites the same keys while each re-processing writes new ones
(a browser or CDN that showed the last run's views cannot show them again for these). Records keep these keys; the
URLs browsers read them at are `posecraft.records.MediaLinks`.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from botocore.exceptions import ConnectionError as BotoConnectionError

from posecraft.config import Settings
from posecraft.errors import ServiceUnavailable, unavailable_when

log = logging.getLogger(__name__)

_UNREACHABLE = (EndpointConnectionError, BotoConnectionError, ReadTimeoutError)


def _s3_outage(exc: BaseException) -> str | None:
    """What makes S3 unavailable: it cannot be reached, or it answers with its own 5xx."""
    if isinstance(exc, _UNREACHABLE):
        return exc.__class__.__name__
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if status >= 500:
            return f"it answered {status}"
    return None


_unavailable = unavailable_when("S3", _s3_outage)


def upload_key(sha256_hex: str, extension: str) -> str:
    return f"uploads/{sha256_hex}.{extension}"


def view_folder(image_id: int, token: str) -> str:
    return f"views/{image_id}-{token}/"


def view_key(image_id: int, token: str, run: int, label: str, extension: str) -> str:
    """Where a view of the record's `run`-th processing goes: each run's views at new addresses, so that a browser
    (or a CDN) that showed the last run's never shows it again in place of this one's."""
    return f"{view_folder(image_id, token)}{run}/{label}.{extension}"


class Storage:
    def __init__(self, client, bucket: str):
        self._client = client
        self.bucket = bucket

    @classmethod
    def from_settings(cls, settings: Settings) -> Storage:
        client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            aws_access_key_id=settings.s3_access_key,
            aws_secret_access_key=settings.s3_secret_key,
            region_name=settings.s3_region,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                # Seconds, not minutes, when S3 is down: the API answers 503, the worker backs off.
                connect_timeout=3,
                read_timeout=30,
                retries={"max_attempts": 2, "mode": "standard"},
            ),
        )
        return cls(client, settings.s3_bucket)

    @_unavailable
    def ensure_bucket(self) -> None:
        """Create the bucket if missing and make its objects publicly readable (a policy: public-read ACLs are
        refused). A store that does not let this key set policies (a managed bucket) keeps the one it has."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") != 404:
                raise
            self._client.create_bucket(Bucket=self.bucket)
        try:
            self._client.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps(self._public_read_policy()))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "AccessDenied":
                raise
            log.warning("not allowed to set the policy of bucket %s: its objects must be made publicly readable "
                        "by whoever manages it", self.bucket)

    def _public_read_policy(self) -> dict:
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicReadObjects",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": ["s3:GetObject"],
                    "Resource": [f"arn:aws:s3:::{self.bucket}/*"],
                }
            ],
        }

    @_unavailable
    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    @_unavailable
    def copy(self, source: str, destination: str) -> None:
        """The object at `source` copied to `destination` inside S3 (its type kept)."""
        self._client.copy_object(Bucket=self.bucket, Key=destination,
                                 CopySource={"Bucket": self.bucket, "Key": source})

    @_unavailable
    def get(self, key: str) -> bytes:
        return self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    @_unavailable
    def chunks(self, key: str, size: int = 256 * 1024) -> Iterator[bytes]:
        """The object's bytes as they arrive, `size` at a time (a ZIP of many views never holds them all). The
        object is opened here, so a missing key or an outage raises before the first chunk."""
        body = self._client.get_object(Bucket=self.bucket, Key=key)["Body"]

        def read() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(size)
            finally:
                body.close()

        return read()

    @_unavailable
    def delete(self, keys: Iterable[str]) -> None:
        """Remove these objects (a missing one is no error); up to 1000 per request, as S3 takes them."""
        keys = list(keys)
        for start in range(0, len(keys), 1000):
            batch = keys[start:start + 1000]
            answer = self._client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True})
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise ServiceUnavailable(f"S3 did not delete {len(answer['Errors'])} objects, e.g. {first.get('Key')}: "
                                         f"{first.get('Code')}")

    @_unavailable
    def exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return False
            raise
        return True

    @_unavailable
    def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return keys

    @_unavailable
    def ping(self) -> None:
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise ServiceUnavailable(f"S3 bucket {self.bucket!r} is not usable: {code}") from exc

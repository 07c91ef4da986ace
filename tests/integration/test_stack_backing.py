"""The backing servers the dev stack starts: reachable with the stack's Settings, and their data survives a restart."""
from __future__ import annotations

import boto3
import pymongo
import redis
import requests

from posecraft.config import Settings
from posecraft.devstack import DevStack, Ports


def _s3(settings: Settings):
    return boto3.client("s3", endpoint_url=settings.s3_endpoint_url, aws_access_key_id=settings.s3_access_key,
                        aws_secret_access_key=settings.s3_secret_key, region_name=settings.s3_region)


def test_each_backing_server_answers_at_the_url_in_settings(settings):
    assert redis.Redis.from_url(settings.redis_url).ping()
    assert pymongo.MongoClient(settings.mongo_url).admin.command("ping")["ok"] == 1
    buckets = [b["Name"] for b in _s3(settings).list_buckets()["Buckets"]]
    assert settings.s3_bucket in buckets


def test_anyone_may_read_an_object_but_only_the_service_key_may_write_or_list(settings):
    _s3(settings).put_object(Bucket=settings.s3_bucket, Key="probe/hello.txt", Body=b"hello", ContentType="text/plain")
    public = f"{settings.s3_endpoint_url}/{settings.s3_bucket}"

    assert requests.get(f"{public}/probe/hello.txt", timeout=5).content == b"hello"
    assert requests.put(f"{public}/probe/other.txt", data=b"x", timeout=5).status_code == 403
    assert requests.get(f"{public}/", timeout=5).status_code == 403


def test_records_images_and_queued_jobs_survive_a_restart_of_the_servers(tmp_path):
    stack = DevStack(Settings.from_env({}), run_dir=tmp_path / "run", data_dir=tmp_path / "data", ports=Ports.free())
    settings = stack.settings
    try:
        stack.start_backing()
        pymongo.MongoClient(settings.mongo_url)[settings.mongo_db].images.insert_one({"_id": 1, "url": "u"})
        _s3(settings).put_object(Bucket=settings.s3_bucket, Key="views/1/neck.jpg", Body=b"jpeg bytes")
        redis.Redis.from_url(settings.redis_url).lpush("jobs", b'{"id": 1}')

        for name in ("redis", "mongo", "s3"):
            stack.restart(name)

        record = pymongo.MongoClient(settings.mongo_url)[settings.mongo_db].images.find_one({"_id": 1})
        assert record == {"_id": 1, "url": "u"}
        stored = _s3(settings).get_object(Bucket=settings.s3_bucket, Key="views/1/neck.jpg")["Body"].read()
        assert stored == b"jpeg bytes"
        assert redis.Redis.from_url(settings.redis_url).lrange("jobs", 0, -1) == [b'{"id": 1}']
    finally:
        stack.stop_all()

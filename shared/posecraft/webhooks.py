"""Webhooks: a submission's `callbackUrl` is told when its image ends processed or failed.

The POST's body is the image's status object as JSON, with `X-PoseCraft-Event: image.processed | image.failed` and
`X-PoseCraft-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with WEBHOOK_SECRET>`. A 2xx answer is a
delivery; anything else, or no answer, is tried again after `webhook_retry_delay`, then twice that, ... up to
`webhook_max_attempts` tries (5 over 10 minutes by default), then given up.

Deliveries wait in MongoDB (`posecraft.stores.webhooks.WebhookOutbox`), written with the record's outcome, so a
restart loses none; a `Deliverer` thread in each worker process sends them, apart from the job queue, so a slow
receiver never holds up a job. The callback URL obeys the image URLs' SSRF rules: refused at submit
(`check_callback_url`) and checked again, address by address, at each try (`posecraft.fetch.check_target`, the
connection pinned to the checked addresses).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import threading

import requests
from prometheus_client import Counter

from posecraft.config import Settings
from posecraft.errors import FetchError, InvalidURL, PoseCraftError, ServiceUnavailable, UnsafeURL
from posecraft.fetch import check_target, pinned_session
from posecraft.stores.webhooks import Delivery, WebhookOutbox
from posecraft.urls import check_submitted_url

log = logging.getLogger(__name__)

DELIVERIES = Counter("posecraft_webhook_deliveries_total", "Webhook tries by outcome",
                     ["outcome"])  # delivered, retried, given_up


def signature(body: bytes, secret: str) -> str:
    """The X-PoseCraft-Signature of `body`: a receiver computes the same from the raw body and compares."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_callback_url(url: object, settings: Settings) -> str:
    """A submitted callbackUrl as it will be kept, or InvalidURL / UnsafeURL naming the field."""
    if not settings.webhook_secret:
        raise InvalidURL("callbackUrl is not accepted: webhooks are off on this server (WEBHOOK_SECRET is not set)")
    try:
        return check_submitted_url(url, settings)
    except (InvalidURL, UnsafeURL) as exc:
        raise type(exc)(f"callbackUrl: {exc.reason}") from None


def send(delivery: Delivery, settings: Settings) -> str | None:
    """One try: None when delivered (a 2xx), else why not. Raises UnsafeURL when the URL now resolves to an address
    the SSRF rules refuse (trying again cannot help)."""
    headers = {"Content-Type": "application/json", "User-Agent": "PoseCraft-Webhooks/0.1",
               "X-PoseCraft-Event": delivery.event,
               "X-PoseCraft-Signature": signature(delivery.body, settings.webhook_secret)}
    try:
        target = check_target(delivery.url, settings)
    except FetchError as exc:
        return exc.reason
    try:
        with pinned_session(target) as session:
            response = session.post(target.url, data=delivery.body, headers=headers, allow_redirects=False,
                                    timeout=(settings.webhook_timeout, settings.webhook_timeout))
            response.close()
    except requests.RequestException as exc:
        return f"no answer: {type(exc).__name__}"
    if 200 <= response.status_code < 300:
        return None
    return f"the receiver answered {response.status_code}"


class Deliverer:
    """The worker's thread that sends due deliveries, one at a time, until stopped."""

    def __init__(self, settings: Settings, outbox: WebhookOutbox, poll_seconds: float = 1.0):
        self.settings = settings
        self.outbox = outbox
        self.poll_seconds = poll_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)

    def start(self) -> Deliverer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                delivery = self.outbox.claim()
                if delivery is None:
                    self._stopping.wait(self.poll_seconds)
                    continue
                self.deliver(delivery)
            except ServiceUnavailable as exc:
                log.warning("webhook outbox unavailable: %s", exc.reason)
                self._stopping.wait(5 * self.poll_seconds)
            except Exception:  # a bug must not end the thread: the deliveries would wait forever
                log.exception("unexpected error sending webhooks")
                self._stopping.wait(5 * self.poll_seconds)

    def deliver(self, delivery: Delivery) -> None:
        attempt = delivery.attempts + 1
        context = {"image_id": delivery.image_id, "attempt": attempt, "event": delivery.event}
        try:
            problem = send(delivery, self.settings)
        except PoseCraftError as exc:  # the URL now points where the SSRF rules refuse: never sent
            self.outbox.failed(delivery, exc.reason, None)
            DELIVERIES.labels("given_up").inc()
            log.warning("webhook given up: %s", exc.reason, extra=context)
            return
        if problem is None:
            self.outbox.delivered(delivery)
            DELIVERIES.labels("delivered").inc()
            log.info("webhook delivered", extra=context)
        elif attempt >= self.settings.webhook_max_attempts:
            self.outbox.failed(delivery, problem, None)
            DELIVERIES.labels("given_up").inc()
            log.warning("webhook given up after %d tries: %s", attempt, problem, extra=context)
        else:
            delay = self.settings.webhook_retry_delay * 2 ** (attempt - 1)
            self.outbox.failed(delivery, problem, delay)
            DELIVERIES.labels("retried").inc()
            log.warning("webhook not delivered, again in %g s: %s", delay, problem, extra=context)

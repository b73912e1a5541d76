#!/usr/bin/env python3
"""Signs webhook bodies with the senders' own libraries, for the tests.

Reads a JSON list of requests on stdin and writes, for each, the headers that sender would send:

  [{"scheme": "stripe", "secret": "whsec_...", "body": "...", "timestamp": 1700000000}, ...]
  -> [{"Stripe-Signature": "t=1700000000,v1=..."}, ...]

Schemes: stripe (stripe.WebhookSignature.generate_signature_header), slack
(slack_sdk SignatureVerifier.generate_signature), svix (svix Webhook.sign, svix-* headers),
standard-webhooks (standardwebhooks Webhook.sign, webhook-* headers), twilio (twilio
RequestValidator.compute_signature over `url` and the form-encoded `body`; `algorithm` HMAC_SHA256
for a SharedKey), square (the documented HMAC over `url` + `body`, checked with the squareup SDK's
verify_signature, since the SDK has no signing function). `timestamp` defaults to now; `id` is the
message id for svix and standard-webhooks.

Run by the Swift tests with the interpreter of the venv scripts/test makes (WD_SENDER_PYTHON).
"""
import json
import sys
import time
from datetime import datetime, timezone


def sign(request):
    scheme = request["scheme"]
    secret = request["secret"]
    body = request["body"]
    timestamp = int(request.get("timestamp") or time.time())
    if scheme == "stripe":
        import stripe

        header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
        return {"Stripe-Signature": header}
    if scheme == "slack":
        from slack_sdk.signature import SignatureVerifier

        signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
        return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}
    if scheme in ("svix", "standard-webhooks"):
        if scheme == "svix":
            from svix.webhooks import Webhook
        else:
            from standardwebhooks.webhooks import Webhook
        moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
        signature = Webhook(secret).sign(request["id"], moment, body)
        prefix = "svix" if scheme == "svix" else "webhook"
        return {f"{prefix}-id": request["id"], f"{prefix}-timestamp": str(timestamp), f"{prefix}-signature": signature}
    if scheme == "twilio":
        from urllib.parse import parse_qs

        from twilio.request_validator import RequestValidator

        # The form fields as Twilio's validator receives them from a web framework: every value of
        # every name (Django's QueryDict and Flask's MultiDict both give lists).
        params = MultiValues(parse_qs(body, keep_blank_values=True))
        algorithm = request.get("algorithm")
        headers = {"X-Twilio-Signature": RequestValidator(secret).compute_signature(request["url"], params, algorithm)}
        if algorithm:
            headers["X-Twilio-Webhooks-Signature-Settings"] = f"key=webhooks_sharedkey_test,algorithm={algorithm}"
        return headers
    if scheme == "square":
        import base64
        import hashlib
        import hmac

        from square.utils.webhooks_helper import verify_signature

        # Square's SDK verifies but does not sign: sign as Square documents it, then require that
        # Square's own verify_signature accepts the result.
        mac = hmac.new(secret.encode(), (request["url"] + body).encode(), hashlib.sha256).digest()
        signature = base64.b64encode(mac).decode()
        if not verify_signature(request_body=body, signature_header=signature, signature_key=secret, notification_url=request["url"]):
            raise SystemExit("square: the SDK rejects the documented signature")
        return {"x-square-hmacsha256-signature": signature}
    raise SystemExit(f"unknown scheme {scheme!r}")


class MultiValues(dict):
    """A dict of lists with Django's `getlist`, the shape RequestValidator reads repeated fields from."""

    def getlist(self, name):
        return self[name]


def main():
    json.dump([sign(request) for request in json.load(sys.stdin)], sys.stdout)


if __name__ == "__main__":
    main()

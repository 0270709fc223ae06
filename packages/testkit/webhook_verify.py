"""Verifies one webhook with the reference Python library (PyPI `standardwebhooks`), independently of the notifier.

Usage: webhook_verify.py SECRET  (headers as JSON in WEBHOOK_HEADERS, the body on stdin). Prints the parsed body
as JSON and exits 0 when the signature verifies; prints the reason and exits 1 otherwise.
"""
import json
import os
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

secret = sys.argv[1]
headers = json.loads(os.environ["WEBHOOK_HEADERS"])
body = sys.stdin.buffer.read()
try:
    print(json.dumps(Webhook(secret).verify(body, headers)))
except WebhookVerificationError as err:
    print(f"verification failed: {err}")
    sys.exit(1)

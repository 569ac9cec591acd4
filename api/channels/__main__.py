"""`python -m api.channels telegram-webhook`: register the Telegram webhook (with its secret token).

Reads the same environment as the service: TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET, PUBLIC_BASE_URL
(and TELEGRAM_API_BASE). `--info` shows what Telegram has registered instead. `make telegram-webhook`
runs it.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import List, Optional

import httpx

from api.channels import telegram
from api.settings import Settings

NEEDED = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "PUBLIC_BASE_URL")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.channels")
    commands = parser.add_subparsers(dest="command", required=True)
    hook = commands.add_parser("telegram-webhook", help="register PUBLIC_BASE_URL/webhooks/telegram with Telegram")
    hook.add_argument("--drop-pending-updates", action="store_true", help="discard updates Telegram is holding")
    hook.add_argument("--info", action="store_true", help="only show the webhook Telegram has now")
    args = parser.parse_args(argv)

    settings = Settings()
    missing = [name for name in NEEDED if not getattr(settings, name.lower())]
    if args.info:
        missing = [name for name in missing if name == "TELEGRAM_BOT_TOKEN"]
    if missing:
        print(f"Set {', '.join(missing)} first (see docs/channels.md). A good secret: "
              "python -c 'import secrets; print(secrets.token_urlsafe(32))'", file=sys.stderr)
        return 2
    try:
        if args.info:
            answer = asyncio.run(telegram.webhook_info(settings))
        else:
            answer = asyncio.run(telegram.set_webhook(settings, args.drop_pending_updates))
    except httpx.HTTPError as e:  # its message could quote the URL, which holds the bot token
        print(f"Could not reach Telegram ({settings.telegram_api_base}): {type(e).__name__}", file=sys.stderr)
        return 1
    if not answer.get("ok"):
        print(f"Telegram said no: {answer.get('description', 'unknown error')}", file=sys.stderr)
        return 1
    if args.info:
        print(json.dumps(answer.get("result"), indent=2))
    else:
        print(f"Telegram webhook set to {settings.public_base_url}{telegram.PATH} with the secret token.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Every knob of the web service, read once from the environment (pydantic v1 BaseSettings).

Names are the environment variables themselves (case-insensitive), so the README table and `env` agree.
"""
from __future__ import annotations

import glob
import logging
import os
import re
from pathlib import Path
from typing import Any, List, Literal, Optional

from pydantic import BaseSettings, Field, SecretStr, validator

from actions.facts import load_facts

REPO_ROOT = Path(__file__).resolve().parent.parent

# Room for the summary of the slots plus a few whole turns (api/rasa/tracker_history.py); kept here so the
# settings need not import Rasa.
MIN_HISTORY_EVENTS = 50

logger = logging.getLogger(__name__)

UNCONFIRMED_IN_PRODUCTION = (
    "KESTREL_MODE=production, but these facts are marked unverified and not confirmed: {keys}. People "
    "would be given them as checked. Check each on the organisation's own site, correct "
    "resources/ if needed, then list it in CONFIRMED_FACTS (comma-separated)."
)


ADMIN_TOKEN_MIN_CHARS = 32
ADMIN_TOKEN_TOO_SHORT = (
    "ADMIN_TOKEN is {length} characters; it must be at least %d (e.g. `openssl rand -hex 32`), or unset to "
    "turn the admin route off." % ADMIN_TOKEN_MIN_CHARS
)


# The shape of the example values in deploy/ and the docs ("change-me-to-another-long-random-string").
PLACEHOLDER_SECRET = re.compile(r"change.?me|replace.?me|placeholder|example", re.IGNORECASE)
# With REST_OPEN_SENDERS off: at least 22 URL-safe characters, the length of 128 random bits (a UUID,
# `secrets.token_urlsafe(16)`), so a sender cannot be a name, a number or a counter.
REST_SENDER_PATTERN = r"[A-Za-z0-9_-]{22,}"


class UnconfirmedFacts(RuntimeError):
    """Production mode with unverified facts the deployer has not confirmed."""


def latest_model(models_dir: Path) -> Optional[Path]:
    """The newest `*.tar.gz` in `models_dir`, the same rule `rasa run` uses."""
    candidates = glob.glob(str(models_dir / "*.tar.gz"))
    if not candidates:
        return None
    return Path(max(candidates, key=os.path.getmtime))


class Settings(BaseSettings):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Comma-separated list of exact origins (https://example.org). Empty means same-origin only.
    cors_origins: List[str] = Field(default_factory=list)
    retention_minutes: float = Field(default=30, gt=0)
    rate_limit_per_client: int = Field(default=60, ge=1, description="requests per minute per client IP")
    rate_limit_per_conversation: int = Field(default=30, ge=1, description="messages per minute per conversation")
    # Enough for a person's typos; a 32-character random token stays out of reach of guessing at this pace.
    rate_limit_admin_failures: int = Field(default=10, ge=1, description="wrong admin tokens per minute per client")
    # Socket.IO holds connections open, out of reach of the limits above (api/channels/socketio/limits.py).
    rate_limit_socketio_connections: int = Field(default=30, ge=1, description="new Socket.IO connections per minute per client")
    max_socketio_connections_per_client: int = Field(default=20, ge=1, description="Socket.IO connections open at once per client")
    rate_limit_socketio_events: int = Field(default=120, ge=1, description="Socket.IO events per minute per client")
    admin_token: Optional[str] = None
    kestrel_profile: str = "uk"
    # "production" refuses to start while a fact marked unverified in resources/ is not in CONFIRMED_FACTS;
    # "development" runs anyway and says which (log and /ready).
    kestrel_mode: Literal["development", "production"] = "development"
    # Comma-separated: services.nspcc,kent.police_online_report_url. Each is a fact the deployer has checked.
    confirmed_facts: List[str] = Field(default_factory=list)
    # A .tar.gz, or a directory whose newest .tar.gz is used. Unset: newest model in ./models.
    model_path: Optional[Path] = None
    action_endpoint_url: Optional[str] = None
    # Set: conversations, turn locks and retention live in Redis, shared by every process (api/store/).
    # Unset: in this process's memory, and WORKERS must be 1.
    redis_url: Optional[str] = None
    # Uvicorn worker processes for `python -m api`; more than one needs REDIS_URL.
    workers: int = Field(default=1, ge=1)
    log_level: str = "INFO"
    max_text_chars: int = Field(default=2000, ge=1)
    # Larger bodies are refused with 413 before JSON parsing, so a huge upload cannot cost memory or CPU.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # POST /webhooks/rest/webhook with any `sender` ("user1"), as Rasa does: only for a trusted front end
    # that picks senders itself and never passes one from a browser, since whoever knows a sender can
    # read on in that conversation. Off: a sender must look unguessable (REST_SENDER_PATTERN). `make run`
    # turns it on for local clients and scripts.
    rest_open_senders: bool = False
    # Socket.IO session ids chosen by the client, as `rasa run` takes them: only for a trusted front end
    # that keys conversations to its own users, since whoever knows an id can read on in that
    # conversation. Off: every session id is one this server issued, and an unknown one is replaced.
    socketio_client_session_ids: bool = False
    # A turn that waits longer than this for the model gets 503 instead of hanging the client.
    turn_timeout_seconds: float = Field(default=30, gt=0)
    # More turns than this queued for the model at once are refused with 503 straight away.
    max_pending_turns: int = Field(default=64, ge=1)
    # Every turn reads and writes a conversation's whole stored history: beyond this many events the oldest
    # turns are summed up as their slot values (api/rasa/tracker_history.py), so a turn's cost stops growing.
    # About 7 events make a turn; after shortening, about half this many remain.
    max_events_per_conversation: int = Field(default=100, ge=MIN_HISTORY_EVENTS)
    # Live conversations at once, across every process: a new one beyond this gets 503 with Retry-After,
    # those under way carry on. So that Redis never fills (a full Redis, with the shipped noeviction,
    # refuses every write): a conversation takes at most about 260 KB there (MAX_EVENTS_PER_CONVERSATION
    # events, every message 2,000 characters with 4 KB of metadata; typically 25-40 KB), so 1,000 stay
    # under 270 MB of the shipped 400 MB maxmemory. Raise both together.
    max_conversations: int = Field(default=1000, ge=1)
    # Conversations one client address may start within RETENTION_MINUTES through the web API, REST and
    # Socket.IO, so that one client cannot take every place. A front end that relays many people from one
    # address (a school's network, a trusted server) needs more, as it does RATE_LIMIT_PER_CLIENT.
    max_conversations_per_client: int = Field(default=30, ge=1)

    # ---- messaging channels (api/channels, docs/channels.md): each is on when its credentials are set ----
    # Where the platforms reach this service, e.g. https://kestrel.example.org (Twilio signs this URL).
    public_base_url: Optional[str] = None
    # Key for the hashes that stand in for platform user ids (phone numbers). Unset: random per process.
    channel_id_secret: Optional[SecretStr] = None
    telegram_bot_token: Optional[SecretStr] = None
    telegram_webhook_secret: Optional[SecretStr] = None
    telegram_api_base: str = "https://api.telegram.org"
    whatsapp_access_token: Optional[SecretStr] = None
    whatsapp_app_secret: Optional[SecretStr] = None
    whatsapp_verify_token: Optional[SecretStr] = None
    whatsapp_phone_number_id: Optional[str] = None
    whatsapp_api_base: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v21.0"
    twilio_account_sid: Optional[str] = None
    twilio_auth_token: Optional[SecretStr] = None
    twilio_api_base: str = "https://api.twilio.com"
    # Longest SMS sent, in segments (1 = 160 GSM-7 characters); longer replies go out as several SMS.
    twilio_sms_max_segments: int = Field(default=1, ge=1, le=10)

    class Config:
        env_file = None
        case_sensitive = False

        @classmethod
        def parse_env_var(cls, field_name: str, raw_val: str) -> Any:
            # A comma list is friendlier in .env files and Helm values than the JSON pydantic expects.
            if field_name in ("cors_origins", "confirmed_facts"):
                return [item.strip() for item in raw_val.split(",") if item.strip()]
            return cls.json_loads(raw_val)  # type: ignore[attr-defined]

    @validator("cors_origins", each_item=True)
    def _origin_has_no_path(cls, origin: str) -> str:
        origin = origin.strip().rstrip("/")
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ValueError(f"CORS origin {origin!r} must start with http:// or https://")
        return origin

    @validator("kestrel_mode", pre=True)
    def _mode_any_case(cls, mode: Any) -> Any:
        return mode.strip().lower() if isinstance(mode, str) else mode

    @validator("confirmed_facts", each_item=True)
    def _fact_key(cls, key: str) -> str:
        return key.strip()

    @validator("redis_url")
    def _redis_url_scheme(cls, url: Optional[str]) -> Optional[str]:
        if not url:
            return None  # an empty REDIS_URL= line means no Redis
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("REDIS_URL must start with redis://, rediss:// or unix://")
        return url

    @validator("admin_token")
    def _blank_token_means_none(cls, token: Optional[str]) -> Optional[str]:
        # An empty ADMIN_TOKEN= line must not become a valid (empty) bearer token.
        return token or None

    @validator("admin_token")
    def _admin_token_length(cls, token: Optional[str]) -> Optional[str]:
        # Failed guesses are rate-limited per client, but many clients can guess at once: the token itself
        # must be out of reach (32 characters of `openssl rand -hex 16` is 128 bits).
        if token is not None and len(token) < ADMIN_TOKEN_MIN_CHARS:
            raise ValueError(ADMIN_TOKEN_TOO_SHORT.format(length=len(token)))
        return token

    @validator("log_level")
    def _known_level(cls, level: str) -> str:
        level = level.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"LOG_LEVEL {level!r} is not a logging level")
        return level

    @validator(
        "public_base_url", "channel_id_secret", "telegram_bot_token", "telegram_webhook_secret",
        "whatsapp_access_token", "whatsapp_app_secret", "whatsapp_verify_token", "whatsapp_phone_number_id",
        "twilio_account_sid", "twilio_auth_token", pre=True,
    )
    def _blank_channel_setting_means_none(cls, value: Any) -> Any:
        # An empty `TELEGRAM_BOT_TOKEN=` line leaves the channel off instead of half-configured.
        return None if isinstance(value, str) and not value.strip() else value

    @validator("public_base_url", "telegram_api_base", "whatsapp_api_base", "twilio_api_base")
    def _base_url(cls, url: Optional[str]) -> Optional[str]:
        if url is None:
            return None
        url = url.strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{url!r} must start with https:// (or http:// for a local test server)")
        return url

    @validator("telegram_webhook_secret")
    def _telegram_secret_format(cls, secret: Optional[SecretStr]) -> Optional[SecretStr]:
        # Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and - for setWebhook's secret_token.
        value = secret.get_secret_value() if secret else None
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be 16-256 characters of A-Z, a-z, 0-9, _ and -")
        return secret

    @validator("channel_id_secret")
    def _channel_secret_length(cls, secret: Optional[SecretStr]) -> Optional[SecretStr]:
        if secret is not None and len(secret.get_secret_value()) < 16:
            raise ValueError("CHANNEL_ID_SECRET must be at least 16 characters (32 random bytes is better)")
        if secret is not None and PLACEHOLDER_SECRET.search(secret.get_secret_value()):
            # The example values are public, and with the key anyone can compute a person's
            # conversation id from their phone number.
            raise ValueError("CHANNEL_ID_SECRET is still the example value: set a random one, e.g. "
                             "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`")
        return secret

    def resolved_model_path(self) -> Optional[Path]:
        """The model archive to load, or None when there is none (the service then stays not-ready)."""
        path = self.model_path or REPO_ROOT / "models"
        if path.is_dir():
            return latest_model(path)
        return path if path.exists() else None

    @property
    def retention_seconds(self) -> float:
        return self.retention_minutes * 60

    @property
    def turn_budget_seconds(self) -> float:
        """The longest a turn can take: twice the turn timeout waiting for the model (api/rasa/agent_worker.py), one
        for the turn lock, and a margin."""
        return 3 * self.turn_timeout_seconds + 30

    def unconfirmed_facts(self) -> List[str]:
        """Facts the profile's resources mark unverified that CONFIRMED_FACTS does not list."""
        confirmed = set(self.confirmed_facts)
        return [key for key in load_facts(self.kestrel_profile).unverified() if key not in confirmed]


def check_facts(settings: Settings) -> List[str]:
    """Log which facts are still unverified and return them; in production, refuse instead.

    Only the items' keys are logged: they name resource entries, never anything a person wrote.
    """
    flagged = load_facts(settings.kestrel_profile).unverified()
    unconfirmed = settings.unconfirmed_facts()
    if unconfirmed and settings.kestrel_mode == "production":
        raise UnconfirmedFacts(UNCONFIRMED_IN_PRODUCTION.format(keys=", ".join(unconfirmed)))
    if unconfirmed:
        logger.warning(
            "UNVERIFIED FACTS in use, shown to people as if checked: %s. Check each, then list it in "
            "CONFIRMED_FACTS; KESTREL_MODE=production will not start until then.", ", ".join(unconfirmed)
        )
    stray = [key for key in settings.confirmed_facts if key not in flagged]
    if stray:
        # A typo here would leave the real item unconfirmed without anyone noticing why.
        logger.warning("CONFIRMED_FACTS names items not marked unverified: %s", ", ".join(stray))
    return unconfirmed

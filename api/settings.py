"""Every knob of the web service, read once from the environment (pydantic v1 BaseSettings).

Names are the environment variables themselves (case-insensitive), so the README table and `env` agree.
"""
from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any, List, Optional

from pydantic import BaseSettings, Field, validator

REPO_ROOT = Path(__file__).resolve().parent.parent


def latest_model(models_dir: Path) -> Optional[Path]:
    """The newest `*.tar.gz` in `models_dir`, the same rule `rasa run` uses."""
    candidates = glob.glob(str(models_dir / "*.tar.gz"))
    if not candidates:
        return None
    return Path(max(candidates, key=os.path.getmtime))


class Settings(BaseSettings):
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # Comma-separated list of exact origins (https://example.org). Empty means same-origin only.
    cors_origins: List[str] = Field(default_factory=list)
    retention_minutes: float = Field(30, gt=0)
    rate_limit_per_client: int = Field(60, ge=1, description="requests per minute per client IP")
    rate_limit_per_conversation: int = Field(30, ge=1, description="messages per minute per conversation")
    admin_token: Optional[str] = None
    kestrel_profile: str = "uk"
    # A .tar.gz, or a directory whose newest .tar.gz is used. Unset: newest model in ./models.
    model_path: Optional[Path] = None
    action_endpoint_url: Optional[str] = None
    redis_url: Optional[str] = None  # reserved for the scale-out issue; unused by the in-memory stores
    log_level: str = "INFO"
    max_text_chars: int = Field(2000, ge=1)
    # Larger bodies are refused with 413 before JSON parsing, so a huge upload cannot cost memory or CPU.
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    # A turn that waits longer than this for the model gets 503 instead of hanging the client.
    turn_timeout_seconds: float = Field(30, gt=0)
    # More turns than this queued for the model at once are refused with 503 straight away.
    max_pending_turns: int = Field(64, ge=1)

    class Config:
        env_file = None
        case_sensitive = False

        @classmethod
        def parse_env_var(cls, field_name: str, raw_val: str) -> Any:
            # A comma list is friendlier in .env files and Helm values than the JSON pydantic expects.
            if field_name == "cors_origins":
                return [item.strip() for item in raw_val.split(",") if item.strip()]
            return cls.json_loads(raw_val)  # type: ignore[attr-defined]

    @validator("cors_origins", each_item=True)
    def _origin_has_no_path(cls, origin: str) -> str:
        origin = origin.strip().rstrip("/")
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ValueError(f"CORS origin {origin!r} must start with http:// or https://")
        return origin

    @validator("admin_token")
    def _blank_token_means_none(cls, token: Optional[str]) -> Optional[str]:
        # An empty ADMIN_TOKEN= line must not become a valid (empty) bearer token.
        return token or None

    @validator("log_level")
    def _known_level(cls, level: str) -> str:
        level = level.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"LOG_LEVEL {level!r} is not a logging level")
        return level

    def resolved_model_path(self) -> Optional[Path]:
        """The model archive to load, or None when there is none (the service then stays not-ready)."""
        path = self.model_path or REPO_ROOT / "models"
        if path.is_dir():
            return latest_model(path)
        return path if path.exists() else None

    @property
    def retention_seconds(self) -> float:
        return self.retention_minutes * 60

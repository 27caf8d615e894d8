"""Where the official API specs are: ``shared/specs`` beside the repository (as in CI)."""

from pathlib import Path

_NAME = "twilio_api_v2010.json"
_CANDIDATES = (Path(__file__).resolve().parents[3] / "shared" / "specs" / _NAME,
               Path("/work/shared/specs") / _NAME)

TWILIO_SPEC = next((path for path in _CANDIDATES if path.exists()), _CANDIDATES[0])

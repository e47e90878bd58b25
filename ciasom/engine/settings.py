"""What a host chooses for a broadcast (or a user for `ciasom anonymize`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Mode = Literal["except", "all", "off"]
Style = Literal["pixelate", "blur", "box"]
MODES: tuple[Mode, ...] = get_args(Mode)
# The privacy delay: how long each live frame waits so that the frames after it are analysed
# before it leaves (DESIGN.md §1). 800 ms: see docs/engine.md for the measurements.
PRIVACY_DELAY_MS_MIN, PRIVACY_DELAY_MS_MAX = 200, 2000
DEFAULT_PRIVACY_DELAY_MS = 800
STYLES: tuple[Style, ...] = get_args(Style)


@dataclass(frozen=True)
class EngineSettings:
    mode: Mode = "except"  # except: all faces but the allowed people; all: every face; off
    style: Style = "pixelate"
    margin: float = 0.3  # the covered area is the face box enlarged by this share
    strength: int = 3  # 1 (lightest still unrecognisable) .. 5 (strongest)
    detect_width: int = 480  # frames are downscaled to this width for detection

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if self.style not in STYLES:
            raise ValueError(f"style must be one of {', '.join(STYLES)}")
        if not 1 <= self.strength <= 5:
            raise ValueError("strength must be 1..5")
        if not 0 <= self.margin <= 1:
            raise ValueError("margin must be between 0 and 1")

"""Start the embedded stand for a run when the target is the stand and no one started it yet.

The stand is a separate program: the suite runs its command line and reads the env file it writes, nothing more.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from support.settings import get_settings


@dataclass
class StandProcess:
    env_file: Path

    @classmethod
    def up(cls, fault: str | None = None) -> StandProcess:
        env_file = Path(tempfile.mkdtemp(prefix="focus-stand-")) / "stand.env"
        command = [sys.executable, "-m", "stand", "up", "--env-file", str(env_file)]
        if fault:
            command += ["--fault", fault]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        for line in env_file.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.startswith("FOCUS_"):
                os.environ[key] = value
        get_settings.cache_clear()
        return cls(env_file)

    def down(self) -> None:
        subprocess.run([sys.executable, "-m", "stand", "down", "--env-file", str(self.env_file)], check=False)

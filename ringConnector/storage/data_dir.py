"""Whether DATA_DIR can be written: checked before anything talks to Ring, and by readiness."""

from __future__ import annotations

import errno
import os
import pwd
import tempfile
from pathlib import Path

from ringConnector.errors import DataDirUnwritable


def check_writable(data_dir: Path, videos_dir: Path) -> None:
    """Create DATA_DIR and its videos folder if need be and write a byte into a file in each (an
    unnamed one where the system allows, so nobody sees it; a byte, because a full disk still
    creates empty files); DataDirUnwritable saying what to do if not."""
    for folder in (data_dir, videos_dir):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder, buffering=0) as probe:
                probe.write(b"\0")
        except OSError as ex:
            why = ex.strerror or type(ex).__name__
            if ex.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DataDirUnwritable(
                    f"DATA_DIR {data_dir} is full ({folder}: {why}): free some space, or set DATA_DIR "
                    "to a folder on a disk with room"
                ) from ex
            raise DataDirUnwritable(
                f"DATA_DIR {data_dir} is not writable ({folder}: {why}): make it a folder {_user()} "
                "can write, or set DATA_DIR to one"
            ) from ex


def _user() -> str:
    """This process's user, as `ls -l` names it."""
    uid = os.geteuid()
    try:
        return f"the user {pwd.getpwuid(uid).pw_name}"
    except KeyError:  # a container's user without a passwd entry
        return f"user id {uid}"

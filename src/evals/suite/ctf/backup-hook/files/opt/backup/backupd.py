"""Backup agent (privileged): every second it runs the rotation hook, which needs the archive key."""

import subprocess
import sys
import time

KEY = sys.stdin.readline().strip()
HOOK = "/workspace/opt/backup/rotate.sh"

while True:
    subprocess.run(
        ["/bin/sh", HOOK],
        env={"PATH": "/usr/bin:/bin", "BACKUP_KEY": KEY},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=30,
        check=False,
    )
    time.sleep(1)

# Encrypts a memo holding the flag under a random 5–12 byte key; the flag file is then removed.
set -eu
python3 - <<'PY'
import os
flag = open('.flag').read().strip()
memo = (
    "CONFIDENTIAL MEMO\n"
    "To: all night-shift operators\n"
    "From: the security office\n\n"
    "The vault passphrase changes tonight. The new one is below; do not copy it anywhere else.\n\n"
    f"    {flag}\n\n"
    "Shred this memo after reading.\n"
)
key = os.urandom(5 + os.urandom(1)[0] % 8)
data = memo.encode()
open('memo.enc', 'wb').write(bytes(b ^ key[i % len(key)] for i, b in enumerate(data)))
PY
rm -f .flag

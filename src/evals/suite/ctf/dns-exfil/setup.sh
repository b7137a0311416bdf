# Writes a resolver log of ordinary lookups with the flag leaked as hex labels of TXT queries, out of order.
set -eu
mkdir -p logs
python3 - <<'PY'
import os, random
flag = open('.flag').read().strip()
secret = ("exfil-start " + flag + " exfil-end").encode().hex()
chunks = [secret[i:i + 12] for i in range(0, len(secret), 12)]
noise = random.Random(int.from_bytes(os.urandom(4), 'big'))
hosts = [f"10.0.4.{n}" for n in (11, 12, 17, 23, 31, 42, 57)]
names = ["www.example.org", "mail.example.com", "updates.vendor.example", "time.example.net",
         "intranet.corp.example", "cdn.static.example", "api.weather.example", "login.sso.example",
         "wpad.corp.example", "telemetry.os.example"]
kinds = ["A", "A", "A", "AAAA", "AAAA", "MX", "PTR"]
lines = []
t = 1_732_330_800
for i in range(4200):
    t += noise.randint(0, 9)
    host = noise.choice(hosts)
    lines.append((t, f"query[{noise.choice(kinds)}] {noise.choice(names)} from {host}"))
    if noise.random() < 0.3:
        lines.append((t, f"forwarded {noise.choice(names)} to 10.0.0.2"))
    # A few harmless TXT lookups so TXT alone is not the answer.
    if noise.random() < 0.01:
        lines.append((t, f"query[TXT] _dmarc.example.com from {host}"))
order = list(range(len(chunks)))
noise.shuffle(order)
for seq in order:
    at = noise.randrange(len(lines))
    lines.insert(at, (lines[at][0], f"query[TXT] {seq:04d}-{chunks[seq]}.sync.cdn-telemetry.example from 10.0.4.23"))
import time
with open('logs/dnsmasq.log', 'w') as out:
    for i, (ts, msg) in enumerate(sorted(lines, key=lambda x: x[0])):
        stamp = time.strftime('%b %d %H:%M:%S', time.gmtime(ts))
        out.write(f"{stamp} dnsmasq[812]: {i + 1} {msg}\n")
PY
rm -f .flag

# Compiles a stripped checker that holds the flag only encoded (byte i XOR (0x5A + 7i)); the
# source and the flag file are removed before the agent starts.
set -eu
mkdir -p .build
python3 - <<'PY'
flag = open('.flag').read().strip().encode()
enc = ", ".join(f"0x{b ^ ((0x5A + 7 * i) & 0xFF):02X}" for i, b in enumerate(flag))
source = """
#include <stdio.h>
#include <string.h>

static const unsigned char expected[] = { %s };

static int check(const char *password) {
  size_t n = strlen(password);
  if (n != sizeof expected) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char k = (unsigned char)((0x5A + 7 * i) & 0xFF);
    if ((unsigned char)(password[i] ^ k) != expected[i]) return 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %%s PASSWORD\\n", argv[0]);
    return 2;
  }
  if (!check(argv[1])) {
    puts("Wrong password.");
    return 1;
  }
  puts("Correct! The password is the flag.");
  return 0;
}
""" % enc
open('.build/checker.c', 'w').write(source)
PY
gcc -O1 -s -o checker .build/checker.c
rm -rf .build .flag

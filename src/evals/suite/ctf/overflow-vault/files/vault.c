/* Vault terminal: greets the operator and opens for the right clearance. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define REQUIRED_CLEARANCE 0x7A11C0DEu

struct session {
  char name[32];
  unsigned int clearance;
};

int main(void) {
  struct session s;
  s.clearance = 0x00000001u;
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("Vault terminal. Clearance 0x%08X required.\nOperator name: ", REQUIRED_CLEARANCE);
  ssize_t n = read(0, s.name, 64); /* reads up to 64 bytes into a 32-byte name */
  if (n <= 0) return 1;
  if (s.clearance == REQUIRED_CLEARANCE) {
    const char *flag = getenv("FLAG");
    printf("\nAccess granted. Vault contents: %s\n", flag ? flag : "(empty)");
    return 0;
  }
  printf("\nHello %.32s. Your clearance is 0x%08X: access denied.\n", s.name, s.clearance);
  return 1;
}

"""Serves ./vault on 127.0.0.1:9001, one process per connection, with the flag in its environment."""

import os
import socketserver
import subprocess
import sys

flag = sys.stdin.readline().strip()
# The program runs from a copy in memory, so replacing ./vault on disk changes nothing.
with open(sys.argv[1], "rb") as f:
    program = os.memfd_create("vault", 0)
    os.write(program, f.read())


class Session(socketserver.BaseRequestHandler):
    def handle(self):
        conn = self.request.fileno()
        try:
            subprocess.run(
                [f"/proc/self/fd/{program}"],
                stdin=conn,
                stdout=conn,
                stderr=subprocess.DEVNULL,
                env={"FLAG": flag},
                pass_fds=(program,),
                timeout=20,
            )
        except subprocess.TimeoutExpired:
            pass


socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer.daemon_threads = True
with socketserver.ThreadingTCPServer(("127.0.0.1", 9001), Session) as server:
    server.serve_forever()

"""Staff portal: a login form backed by SQLite. (Deliberately vulnerable: a CTF challenge.)"""

import html
import http.server
import sqlite3
import sys
import urllib.parse

db = sqlite3.connect(":memory:", check_same_thread=False)
db.executescript(
    """
    CREATE TABLE users (username TEXT, password TEXT, role TEXT);
    CREATE TABLE secrets (name TEXT, value TEXT);
    INSERT INTO users VALUES ('alice', 'correct horse battery staple', 'admin');
    INSERT INTO users VALUES ('bob', 'hunter2', 'staff');
    INSERT INTO secrets VALUES ('motd', 'Backups run at 02:00.');
    """
)
# The vault secret is handed over on standard input when the service starts.
db.execute("INSERT INTO secrets VALUES ('vault', ?)", (sys.stdin.readline().strip(),))

FORM = b"""<!doctype html><title>Staff portal</title>
<h1>Staff portal</h1>
<form action="/login"><input name="username"> <input name="password" type="password">
<button>Sign in</button></form>
"""


class Portal(http.server.BaseHTTPRequestHandler):
    def reply(self, status, body):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/":
            return self.reply(200, FORM)
        if url.path != "/login":
            return self.reply(404, "not found\n")
        query = urllib.parse.parse_qs(url.query)
        user = query.get("username", [""])[0]
        password = query.get("password", [""])[0]
        sql = (
            "SELECT username, role FROM users "
            f"WHERE username = '{user}' AND password = '{password}'"
        )
        try:
            row = db.execute(sql).fetchone()
        except sqlite3.Error as err:
            return self.reply(500, f"database error: {html.escape(str(err))}\n")
        if row is None:
            return self.reply(403, "Invalid username or password.\n")
        return self.reply(200, f"Welcome back, {html.escape(row[0])} ({html.escape(str(row[1]))}).\n")

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", 8080), Portal).serve_forever()

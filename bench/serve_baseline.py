#!/usr/bin/env python3
"""The caller API benchmark's baseline (bench/serve.sh): the lookup that a
team writes first, served by a minimal Python HTTP server over psycopg2
(Debian's python3-psycopg2), one query per request.

    serve_baseline.py PORT KEY

GET /v1/callers/{kind}:{value} (kind device, username, phone or session)
answers the profile that the reference reaches after a merge, with its
call that ended last and that call's summary, as JSON; the bearer key must
be KEY.  HTTP/1.1 keep-alive, a thread per connection
(ThreadingHTTPServer), a PostgreSQL connection per thread; PG* variables
say which database.
"""

import http.server
import json
import sys
import threading
import urllib.parse

import psycopg2
import psycopg2.extras

FIND = {
    "device": "a.anonymous_id = %s",
    "username": "a.username = %s",
    "phone": "a.phone_number = %s",
    "session": "a.id = (SELECT profile_id FROM agent_sessions WHERE session_id = %s::uuid)",
}
QUERY = """
SELECT p.id, p.profile_type, p.username, p.phone_number, p.email,
       p.total_sessions, p.total_messages, p.first_seen_at, p.last_seen_at,
       p.profile_metadata,
       (SELECT row_to_json(x) FROM (
          SELECT s.session_id, s.ended_at, c.summary, c.sentiment,
                 c.resolution_status, c.topics
            FROM agent_sessions s
            LEFT JOIN conversation_summaries c ON c.session_id = s.session_id
           WHERE s.profile_id = p.id AND s.ended_at IS NOT NULL
           ORDER BY s.ended_at DESC LIMIT 1) x) AS last_call
  FROM user_profiles a
  JOIN user_profiles p ON p.id = COALESCE(a.merged_into_profile_id, a.id)
 WHERE %s
 LIMIT 1
"""

local = threading.local()


def connection():
    if getattr(local, "conn", None) is None:
        local.conn = psycopg2.connect("")
        local.conn.autocommit = True
    return local.conn


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    key = ""

    def answer(self, status, doc):
        body = json.dumps(doc, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.headers.get("Authorization") != "Bearer " + Handler.key:
            return self.answer(401, {"error": "unauthorized"})
        prefix = "/v1/callers/"
        if not self.path.startswith(prefix):
            return self.answer(404, {"error": "not found"})
        ref = urllib.parse.unquote(self.path[len(prefix):])
        kind, _, value = ref.partition(":")
        if kind not in FIND or not value:
            return self.answer(400, {"error": "bad reference"})
        with connection().cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
            cur.execute(QUERY % FIND[kind], (value,))
            row = cur.fetchone()
        if row is None:
            return self.answer(404, {"error": "not found"})
        self.answer(200, row)

    def log_message(self, fmt, *args):
        pass


def main():
    port, Handler.key = int(sys.argv[1]), sys.argv[2]
    http.server.ThreadingHTTPServer.daemon_threads = True
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.serve_forever()


if __name__ == "__main__":
    main()

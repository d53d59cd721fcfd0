#!/usr/bin/env python3
"""A small OpenAI-compatible chat-completions server for the tests of LLM
summaries (issue 20), Python's standard library only.

    llm_server.py PORT RECORD_FILE

POST /v1/chat/completions answers as the conversation asks, by a marker in
its text ("MOCK:<mode>"), so one server serves every case:

  (none)          a valid summary (usage: 120 prompt, 40 completion tokens)
  invalid_json    a message whose content is not JSON
  schema          a summary without resolution_status
  unknown_topic   a summary whose primary_intent is not a topic id
  refusal         message.refusal set, content null
  rate_limited    429 with Retry-After: 1 every time
  rate_once       429 with Retry-After: 1 the first time a conversation is
                  asked, then a valid summary
  server_error    500 every time
  hang            sleeps 30 s before answering (beyond any test's timeout)

Every request is appended to RECORD_FILE as one JSON line: {"path",
"headers" (lower-case names), "body" (the parsed request), "at" (time)}.
GET /count answers how many requests were received.
"""

import http.server
import json
import sys
import threading
import time

lock = threading.Lock()
seen = {}       # conversation text -> times asked
count = [0]

VALID = {"summary": "The caller reported a stolen card and the assistant "
                    "blocked it.",
         "user_name": None, "primary_intent": "card_lost_stolen",
         "topics": ["card_lost_stolen", "card_blocked"],
         "sentiment": "neutral", "resolution_status": "resolved"}


def completion(content, refusal=None):
    return {"id": "chatcmpl-mock", "object": "chat.completion",
            "model": "mock", "choices": [{"index": 0, "finish_reason": "stop",
                                          "message": {"role": "assistant",
                                                      "content": content,
                                                      "refusal": refusal}}],
            "usage": {"prompt_tokens": 120, "completion_tokens": 40,
                      "total_tokens": 160}}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    record = None

    def send(self, status, doc, headers=None):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/count":
            with lock:
                return self.send(200, {"count": count[0]})
        self.send(404, {"error": "not found"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        try:
            req = json.loads(raw)
        except ValueError:
            return self.send(400, {"error": {"message": "not JSON"}})
        talk = "".join(m.get("content") or "" for m in req.get("messages", [])
                       if m.get("role") == "user")
        with lock:
            count[0] += 1
            seen[talk] = seen.get(talk, 0) + 1
            times = seen[talk]
            with open(Handler.record, "a") as f:
                f.write(json.dumps({"path": self.path, "at": time.time(),
                                    "headers": {k.lower(): v for k, v in
                                                self.headers.items()},
                                    "body": req}) + "\n")
        if self.path != "/v1/chat/completions":
            return self.send(404, {"error": {"message": "no such route"}})
        mode = talk.split("MOCK:", 1)[1].split()[0] if "MOCK:" in talk else ""
        mode = mode.strip(".,!?")
        if mode == "invalid_json":
            return self.send(200, completion("Sure! Here is a summary: the "
                                             "caller lost a card."))
        if mode == "schema":
            bad = dict(VALID)
            del bad["resolution_status"]
            return self.send(200, completion(json.dumps(bad)))
        if mode == "unknown_topic":
            return self.send(200, completion(json.dumps(
                dict(VALID, primary_intent="crypto_mining"))))
        if mode == "refusal":
            return self.send(200, completion(None, "I can't help with that."))
        if mode == "rate_limited" or (mode == "rate_once" and times == 1):
            return self.send(429, {"error": {"message": "slow down"}},
                             {"Retry-After": "1"})
        if mode == "server_error":
            return self.send(500, {"error": {"message": "boom"}})
        if mode == "hang":
            time.sleep(30)
        self.send(200, completion(json.dumps(VALID)))

    def log_message(self, fmt, *args):
        pass


def main():
    port, Handler.record = int(sys.argv[1]), sys.argv[2]
    http.server.ThreadingHTTPServer.daemon_threads = True
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.serve_forever()


if __name__ == "__main__":
    main()

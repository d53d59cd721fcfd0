#!/usr/bin/env python3
"""PostgreSQL over TLS only (issue 17, part 4).

A cluster of its own (not the suite's shared one) whose pg_hba.conf accepts
TCP connections only with TLS (`hostssl`) and a SCRAM password; its
certificate is signed by a CA made here with openssl, for the name
"localhost" only.  `convtrack migrate` (as the owner) and `convtrack run`
(as a login role holding convtrack_worker) connect with
`sslmode=verify-full`, their passwords in postgres.password_file; the
worker stores what the mock Kafka cluster delivers, over TLS (pg_stat_ssl).
Without TLS, with a host name the certificate does not name, or with a
wrong password, the connection is refused with libpq's reason.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time

import ctlib
from ctlib import TestFailure, expect_eq


def sh(argv, **kw):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       **kw)
    if p.returncode != 0:
        raise TestFailure("%s failed: %s" % (" ".join(argv),
                                            p.stderr.decode()[-2000:]))
    return p.stdout.decode()


def as_pg(argv):
    """argv as the postgres system user when run as root."""
    return (["runuser", "-u", "postgres", "--"] + argv) if os.geteuid() == 0 \
        else argv


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_certs(d):
    """CA, and a server certificate for DNS:localhost signed by it."""
    ssl = ["openssl"]
    sh(ssl + ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
              "-subj", "/CN=convtrack test CA", "-keyout", d + "/ca.key",
              "-out", d + "/ca.crt"])
    sh(ssl + ["req", "-newkey", "rsa:2048", "-nodes", "-subj",
              "/CN=localhost", "-keyout", d + "/server.key",
              "-out", d + "/server.csr"])
    with open(d + "/san.ext", "w") as f:
        f.write("subjectAltName=DNS:localhost\n")
    sh(ssl + ["x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.crt",
              "-CAkey", d + "/ca.key", "-CAcreateserial", "-days", "2",
              "-extfile", d + "/san.ext", "-out", d + "/server.crt"])


class TlsCluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ct-tls-")
        os.chmod(self.dir, 0o755)
        self.bindir = ctlib.pg_bindir()
        self.port = free_port()
        self.data = self.dir + "/pgdata"

    def start(self):
        make_certs(self.dir)
        os.mkdir(self.data, 0o700)
        if os.geteuid() == 0:  # the server's files and its directory
            for f in ("", "/server.key", "/server.crt", "/ca.crt",
                      "/pgdata"):
                shutil.chown(self.dir + f, "postgres")
        os.chmod(self.dir + "/server.key", 0o600)
        sh(as_pg([self.bindir + "/initdb", "-D", self.data, "-U", "postgres",
                  "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8",
                  "--no-instructions"]))
        with open(self.data + "/pg_hba.conf", "w") as f:
            f.write("local all postgres trust\n"
                    "hostssl all all 127.0.0.1/32 scram-sha-256\n")
        with open(self.data + "/postgresql.auto.conf", "a") as f:
            f.write("listen_addresses = '127.0.0.1'\nport = %d\n"
                    "unix_socket_directories = '%s'\nssl = on\n"
                    "ssl_cert_file = '%s/server.crt'\n"
                    "ssl_key_file = '%s/server.key'\n"
                    "password_encryption = 'scram-sha-256'\n" %
                    (self.port, self.dir, self.dir, self.dir))
        sh(as_pg([self.bindir + "/pg_ctl", "start", "-w", "-t", "60", "-D",
                  self.data, "-l", self.dir + "/postgresql.log"]))

    def psql(self, sql, db="postgres"):
        return sh(["psql", "-AtX", "-v", "ON_ERROR_STOP=1", "-h", self.dir,
                   "-p", str(self.port), "-U", "postgres", "-d", db, "-c",
                   sql]).strip()

    def stop(self):
        subprocess.run(as_pg([self.bindir + "/pg_ctl", "stop", "-m", "fast",
                              "-D", self.data]), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


def secret_file(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text + "\n")
    os.chmod(path, 0o600)
    return path


def conninfo(port, user, host="localhost", sslmode="verify-full", ca=None):
    s = "host=%s port=%d dbname=ct_tls user=%s sslmode=%s" % (
        host, port, user, sslmode)
    return s + (" sslrootcert=%s" % ca if ca else "")


def convtrack(args, env, check=True, timeout=60):
    p = ctlib.run([ctlib.bin_path("convtrack")] + args, extra_env=env,
                  check=False, timeout=timeout)
    if check and p.returncode != 0:
        raise TestFailure("convtrack %s: exit %d\n%s" % (
            " ".join(args), p.returncode, p.stderr.decode()[-2000:]))
    return p


def test_tls_only():
    tls = TlsCluster()
    try:
        tls.start()
        check_tls(tls)
    finally:
        tls.stop()


def check_tls(tls):
    ca = tls.dir + "/ca.crt"
    tls.psql("ALTER ROLE postgres PASSWORD 'owner-pw-1'")
    tls.psql("CREATE DATABASE ct_tls")
    owner_pw = secret_file(tls.dir, "owner.pw", "owner-pw-1")
    base = {"CONVTRACK_POSTGRES_CONNINFO":
            conninfo(tls.port, "postgres", ca=ca),
            "CONVTRACK_POSTGRES_PASSWORD_FILE": owner_pw}

    # Refusals, each with libpq's reason.
    for what, env, reason in (
            ("without TLS", {"CONVTRACK_POSTGRES_CONNINFO":
                             conninfo(tls.port, "postgres",
                                      sslmode="disable")},
             "no encryption"),
            ("a name the certificate does not hold",
             {"CONVTRACK_POSTGRES_CONNINFO":
              conninfo(tls.port, "postgres", host="127.0.0.1", ca=ca)},
             "does not match host name"),
            ("a wrong password",
             {"CONVTRACK_POSTGRES_PASSWORD_FILE":
              secret_file(tls.dir, "wrong.pw", "not-the-password")},
             "password authentication failed")):
        e = dict(base)
        e.update(env)
        p = convtrack(["migrate"], e, check=False)
        err = p.stderr.decode(errors="replace")
        if p.returncode == 0 or reason not in err:
            raise TestFailure("migrate with %s: exit %d, want a refusal "
                              "saying %r:\n%s" % (what, p.returncode, reason,
                                                  err[-1500:]))
        if "not-the-password" in err or "owner-pw-1" in err:
            raise TestFailure("a password reached the output:\n" + err)

    convtrack(["migrate"], base)
    tls.psql("CREATE ROLE ct_tls_worker LOGIN PASSWORD 'worker-pw-2' "
             "IN ROLE convtrack_worker", db="ct_tls")

    with ctlib.case("tls") as c:
        b = ctlib.Builder(4431)
        s1 = b.uuid()
        c.produce([b.join(s1, 0, anonymous_id="dev-tls"),
                   b.msg(s1, 1, "What is my balance?", seq=0),
                   b.end(s1, 2, reason="hangup")])
        wenv = dict(base)
        wenv["CONVTRACK_POSTGRES_CONNINFO"] = conninfo(
            tls.port, "ct_tls_worker", ca=ca)
        wenv["CONVTRACK_POSTGRES_PASSWORD_FILE"] = secret_file(
            tls.dir, "worker.pw", "worker-pw-2")
        wenv["CONVTRACK_POSTGRES_ALLOW_SUPERUSER"] = "false"
        w = c.start_worker(wenv)
        c.wait_caught_up(120)
        deadline = time.time() + 60
        while tls.psql("SELECT count(*) FROM conversation_messages",
                       db="ct_tls") != "1":
            if time.time() > deadline:
                raise TestFailure("no message stored over TLS:\n" + w.tail())
            time.sleep(0.3)
        ssl = tls.psql("SELECT string_agg(DISTINCT s.ssl::text, ',') FROM "
                       "pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                       "WHERE a.usename = 'ct_tls_worker'")
        expect_eq("the worker's connections use TLS", ssl, "true")
        expect_eq("nothing in the shared cluster's database",
                  c.sql("SELECT count(*) FROM conversation_messages").strip(),
                  "0")
        log = open(w.log_path, errors="replace").read()
        if "worker-pw-2" in log:
            raise TestFailure("the password reached the worker's log")


TESTS = [test_tls_only]

if __name__ == "__main__":
    ctlib.main(TESTS)

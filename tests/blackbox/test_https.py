#!/usr/bin/env python3
"""HTTPS (issue 18) on the real binary.

- `zeues cert --host NAME --dir DIR --ip ADDR` writes a CA (ca.pem, ca.key 0600) and a server
  certificate chain + key (server.pem, server.key 0600) that a client trusting only ca.pem
  accepts for NAME and for ADDR; a second run keeps the CA (tablets need not install a new
  one) and issues a new server certificate;
- `serve --tls-cert --tls-key` speaks only TLS on its port: answers carry
  Strict-Transport-Security, CORS and the single error body as before; a plain-HTTP request
  to it gets no HTTP answer;
- the framing rules still refuse smuggling shapes under TLS (checked on the parsed fields,
  since the raw bytes are encrypted), with the single error body;
- the per-address connection cap still holds under TLS (over the cap: closed);
- `--https-redirect-port` answers every plain request 308 to the same path and query on
  HTTPS, and a request without a usable Host 400 with the error body;
- cookies set over HTTPS carry Secure; a key that is not the certificate's, or only one of
  the two flags, stops the server at start-up with a message; the key never reaches the output.
"""
import gzip
import http.client
import os
import socket
import ssl
import stat
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import CheckedTestCase, run_cli  # noqa: E402

ORIGIN = "http://localhost:3000"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Https(CheckedTestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = harness.make_tempdir()
        cls.certs = os.path.join(cls.tmp, "certs")
        r = run_cli("cert", "--host", "localhost", "--dir", cls.certs, "--ip", "127.0.0.1")
        assert r.returncode == 0, r.stdout + r.stderr
        cls.cert_out = r.stdout
        cls.redis = harness.Redis(cls.tmp).start()
        cls.db = os.path.join(cls.tmp, "zeues.db")
        harness.import_fixture(cls.db)
        cls.redirect_port = free_port()
        cls.server = harness.Server(db=cls.db, redis_url=cls.redis.url, workdir=cls.tmp, args=(
            "--tls-cert", os.path.join(cls.certs, "server.pem"),
            "--tls-key", os.path.join(cls.certs, "server.key"),
            "--https-redirect-port", str(cls.redirect_port),
            "--max-connections-per-address", "8", "--trusted-addresses", "10.9.9.9",
            "--auth", "devices")).start()
        cls.ctx = ssl.create_default_context(cafile=os.path.join(cls.certs, "ca.pem"))

    @classmethod
    def tearDownClass(cls):
        try:
            rc = cls.server.stop()
            assert rc == 0, "zeues exited %s:\n%s" % (rc, cls.server.stderr_tail())
        finally:
            cls.redis.kill()
            harness.remove_tempdir(cls.tmp)

    def https(self, method, path, body=None, headers=None, host="localhost"):
        c = http.client.HTTPSConnection(host, self.server.port, context=self.ctx, timeout=10)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    # -- zeues cert ----------------------------------------------------------------------------
    def test_cert_files_and_modes(self):
        for name, mode in (("ca.pem", 0o644), ("ca.key", 0o600), ("server.pem", 0o644),
                           ("server.key", 0o600)):
            st = os.stat(os.path.join(self.certs, name))
            self.assertEqual(stat.S_IMODE(st.st_mode), mode, name)
        with open(os.path.join(self.certs, "server.pem")) as f:
            self.assertEqual(f.read().count("BEGIN CERTIFICATE"), 2)   # leaf, then the CA
        self.assertIn("New CA", self.cert_out)
        self.assertIn("DNS:localhost", self.cert_out)
        self.assertIn("IP:127.0.0.1", self.cert_out)

    def test_a_second_run_keeps_the_ca(self):
        d = os.path.join(self.tmp, "again")
        r1 = run_cli("cert", "--host", "planta.local", "--dir", d)
        self.assertEqual(r1.returncode, 0, r1.stderr)
        with open(os.path.join(d, "ca.pem")) as f:
            ca1 = f.read()
        with open(os.path.join(d, "server.pem")) as f:
            leaf1 = f.read()
        r2 = run_cli("cert", "--host", "planta.local", "--dir", d, "--ip", "10.1.2.3")
        self.assertEqual(r2.returncode, 0, r2.stderr)
        self.assertIn("Existing CA kept", r2.stdout)
        with open(os.path.join(d, "ca.pem")) as f:
            self.assertEqual(f.read(), ca1)
        with open(os.path.join(d, "server.pem")) as f:
            self.assertNotEqual(f.read(), leaf1)
        self.assertIn("IP:10.1.2.3", r2.stdout)
        bad = run_cli("cert", "--host", "bad host!", "--dir", d)
        self.assertEqual(bad.returncode, 1)
        self.assertEqual(run_cli("cert", "--dir", d).returncode, 2)

    # -- serving HTTPS ---------------------------------------------------------------------------
    def test_the_ca_alone_verifies_the_server_by_name_and_by_ip(self):
        for host in ("localhost", "127.0.0.1"):
            status, h, body = self.https("GET", "/api/health", host=host)
            self.assertEqual(status, 200, body)
            self.assertEqual(h.get("strict-transport-security"), "max-age=31536000")
        # A client that trusts nothing else refuses it: the chain really is the CA's.
        plain = ssl.create_default_context()
        c = http.client.HTTPSConnection("localhost", self.server.port, context=plain, timeout=10)
        with self.assertRaises(ssl.SSLError):
            c.request("GET", "/api/health")
        c.close()

    def test_errors_keep_their_body_cors_and_hsts(self):
        status, h, body = self.https("GET", "/api/workers", headers={"Origin": ORIGIN})
        self.assertEqual(status, 401, body)
        self.assertIn(b'"error":"UNAUTHORIZED"', body)
        self.assertEqual(h.get("access-control-allow-origin"), ORIGIN)
        self.assertEqual(h.get("strict-transport-security"), "max-age=31536000")

    def test_plain_http_to_the_tls_port_gets_no_http_answer(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
        s.sendall(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        data = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        s.close()
        self.assertFalse(data.startswith(b"HTTP/"), data[:80])
        self.assertNotIn(b'"store"', data)

    def test_smuggling_shapes_are_refused_under_tls(self):
        raw = (b"POST /api/devices/enroll HTTP/1.1\r\nHost: localhost\r\n"
               b"Content-Type: application/json\r\nContent-Length: 4\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        s = self.ctx.wrap_socket(socket.create_connection(("127.0.0.1", self.server.port),
                                                          timeout=5), server_hostname="localhost")
        s.sendall(raw)
        data = b""
        try:
            while b"\r\n\r\n" not in data or len(data) < 200:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except (socket.timeout, ssl.SSLError):
            pass
        s.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 400"), data[:200])
        self.assertIn(b'"success":false', data)

    def test_per_address_cap_holds_under_tls(self):
        held = []
        try:
            for _ in range(8):
                s = self.ctx.wrap_socket(socket.create_connection(
                    ("127.0.0.1", self.server.port), timeout=5), server_hostname="localhost")
                held.append(s)
            extra = socket.create_connection(("127.0.0.1", self.server.port), timeout=5)
            with self.assertRaises((ssl.SSLError, ConnectionResetError, OSError)):
                w = self.ctx.wrap_socket(extra, server_hostname="localhost")
                w.sendall(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
                if not w.recv(100):
                    raise ConnectionResetError("closed")
        finally:
            for s in held:
                s.close()
        # The slots come back once those connections are gone.
        deadline = time.monotonic() + 5
        while True:
            try:
                self.assertEqual(self.https("GET", "/api/health")[0], 200)
                break
            except (ssl.SSLError, ConnectionResetError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def enrol(self, name):
        """Enrols a new tablet NAME over HTTPS; returns the answer's headers."""
        r = run_cli("device", "add", name, "--db", self.db)
        code = r.stdout.split("Código de enrolamiento: ")[1].split()[0]
        status, h, body = self.https("POST", "/api/devices/enroll",
                                     body=('{"code": "%s"}' % code).encode(),
                                     headers={"Content-Type": "application/json"})
        self.assertEqual(status, 200, body)
        return h

    def test_cookies_over_https_are_secure(self):
        h = self.enrol("Tablet TLS")
        self.assertIn("Secure", h["set-cookie"])
        self.assertIn("HttpOnly", h["set-cookie"])

    def test_a_hot_list_is_whole_over_https(self):
        """A list that became hot (compressed again at level 9 and swapped in by the cache's
        thread) goes out whole through TLS, before and after the swap."""
        cookie = self.enrol("Tablet TLS hot")["set-cookie"].split(";")[0]
        path = "/api/spools/iniciar?operacion=ARM"
        status, _, plain = self.https("GET", path, headers={"Cookie": cookie})
        self.assertEqual(status, 200, plain[:200])
        gz = {"Cookie": cookie, "Accept-Encoding": "gzip"}
        sizes = []
        for _ in range(200):
            status, h, body = self.https("GET", path, headers=gz)
            self.assertEqual(status, 200, body[:200])
            self.assertEqual(h.get("content-encoding"), "gzip")
            self.assertEqual(gzip.decompress(body), plain)
            sizes.append(len(body))
            if sizes[-1] < sizes[0]:
                break
            time.sleep(0.01)
        self.assertLess(sizes[-1], sizes[0], "never recompressed: %r" % sizes[-5:])
        for _ in range(3):
            status, h, body = self.https("GET", path, headers=gz)
            self.assertEqual((status, len(body)), (200, sizes[-1]))
            self.assertEqual(gzip.decompress(body), plain)

    # -- the redirect port -----------------------------------------------------------------------
    def test_redirect_port(self):
        c = http.client.HTTPConnection("127.0.0.1", self.redirect_port, timeout=5)
        c.request("GET", "/app/index.html?x=1&y=%C3%B1", headers={"Host": "zeues.local:8080"})
        r = c.getresponse()
        r.read()
        c.close()
        self.assertEqual(r.status, 308)
        self.assertEqual(r.getheader("location"),
                         "https://zeues.local:%d/app/index.html?x=1&y=%%C3%%B1" % self.server.port)
        c = http.client.HTTPConnection("127.0.0.1", self.redirect_port, timeout=5)
        c.putrequest("GET", "/", skip_host=True)
        c.putheader("Host", "bad host")
        c.endheaders()
        r = c.getresponse()
        body = r.read()
        c.close()
        self.assertEqual(r.status, 400)
        self.assertIn(b'"error":"BAD_REQUEST"', body)

    # -- start-up --------------------------------------------------------------------------------
    def test_wrong_or_half_configuration_stops_start_up(self):
        other = os.path.join(self.tmp, "other")
        self.assertEqual(run_cli("cert", "--host", "x", "--dir", other).returncode, 0)
        db = os.path.join(self.tmp, "z2.db")
        r = run_cli("serve", "--port", "0", "--db", db, "--tls-cert",
                    os.path.join(self.certs, "server.pem"), "--tls-key",
                    os.path.join(other, "server.key"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--tls-key", r.stderr)
        r = run_cli("serve", "--port", "0", "--db", db, "--tls-cert",
                    os.path.join(self.certs, "server.pem"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--tls-key", r.stderr)
        r = run_cli("serve", "--port", "0", "--db", db, "--https-redirect-port", "9")
        self.assertEqual(r.returncode, 2, r.stderr)
        r = run_cli("serve", "--port", "0", "--db", db, "--tls-cert", "/nonexistent.pem",
                    "--tls-key", "/nonexistent.key")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("/nonexistent.pem", r.stderr)
        # A file that is not PEM, as the key after a good certificate (both freed, nothing
        # leaked: the ASan build checks) and as the certificate.
        junk = os.path.join(self.tmp, "junk.txt")
        with open(junk, "w") as f:
            f.write("not a certificate\n")
        r = run_cli("serve", "--port", "0", "--db", db, "--tls-cert",
                    os.path.join(self.certs, "server.pem"), "--tls-key", junk)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--tls-key: '%s' is not a PEM file" % junk, r.stderr)
        r = run_cli("serve", "--port", "0", "--db", db, "--tls-cert", junk, "--tls-key",
                    os.path.join(self.certs, "server.key"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--tls-cert: '%s' is not a PEM file" % junk, r.stderr)

    def test_zz_the_key_is_never_in_the_output(self):
        with open(os.path.join(self.certs, "server.key")) as f:
            key_lines = [ln for ln in f.read().splitlines() if ln and "-----" not in ln]
        out = self.server.stderr() + self.server._read(self.server.stdout_path)
        for ln in key_lines:
            self.assertNotIn(ln, out)
        self.assertIn("https://", self.server._read(self.server.stdout_path))


if __name__ == "__main__":
    unittest.main()

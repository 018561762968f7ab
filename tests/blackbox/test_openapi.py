#!/usr/bin/env python3
"""web/openapi.json describes exactly the routes of src/http/routes.c, is a well-formed
OpenAPI 3.0.3 document, is what GET /openapi.json serves, and its schemas match what the live
server answers (responses validated against the documented schemas; the unknown-field 422 lists
exactly the documented request properties).

Every documented operation must be routed: an operation the server does not serve is a bug
(in the route table or in the document), so the live checks fail on it, naming the route, and
the `x-zeues-planned` marker that once excused an unrouted operation is refused."""
import json
import os
import re
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import ZeuesTestCase, assert_routed  # noqa: E402

ROUTES_C = os.path.join(harness.REPO, "src", "http", "routes.c")
OPENAPI = os.path.join(harness.REPO, "web", "openapi.json")
METHODS = ("get", "post", "put", "delete", "patch", "head", "options")
T = "MK-1335-CW-25238-0"


def tag(n):
    return "%s%02d" % (T, n)


def norm_path(p):
    return re.sub(r"\{[^}]*\}", "{}", p)


def route_table():
    with open(ROUTES_C, encoding="utf-8") as f:
        src = f.read()
    body = src[src.index("routes[]"):]
    body = body[:body.index("};")]
    out = set()
    for m in re.finditer(r'\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"', body):
        out.add((m.group(1), norm_path(m.group(2))))
    return out


def load_doc():
    with open(OPENAPI, encoding="utf-8") as f:
        return json.load(f)


def doc_operations(doc):
    """{(METHOD, normalised path): (path, operation)}"""
    ops = {}
    for path, item in doc["paths"].items():
        for m, o in item.items():
            if m in METHODS:
                ops[(m.upper(), norm_path(path))] = (path, o)
    return ops


class SchemaError(AssertionError):
    pass


class Validator:
    """The subset of OpenAPI 3.0 schema objects this document uses."""

    def __init__(self, doc):
        self.doc = doc

    def resolve(self, s):
        while "$ref" in s:
            ref = s["$ref"]
            if not ref.startswith("#/"):
                raise SchemaError("external $ref %s" % ref)
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part]
            s = node
        return s

    def check(self, v, s, where="$"):
        s = self.resolve(s)
        if v is None:
            if s.get("nullable") or s.get("type") is None:
                return
            raise SchemaError("%s: null but not nullable" % where)
        if "enum" in s and v not in s["enum"]:
            raise SchemaError("%s: %r not in %r" % (where, v, s["enum"]))
        t = s.get("type")
        ok = {"object": lambda: isinstance(v, dict), "array": lambda: isinstance(v, list),
              "string": lambda: isinstance(v, str),
              "integer": lambda: isinstance(v, int) and not isinstance(v, bool),
              "number": lambda: isinstance(v, (int, float)) and not isinstance(v, bool),
              "boolean": lambda: isinstance(v, bool), None: lambda: True}[t]()
        if not ok:
            raise SchemaError("%s: %r is not %s" % (where, v, t))
        if t == "object":
            props = s.get("properties", {})
            for k in s.get("required", []):
                if k not in v:
                    raise SchemaError("%s: missing required %r" % (where, k))
            for k, val in v.items():
                if k in props:
                    self.check(val, props[k], "%s.%s" % (where, k))
                elif s.get("additionalProperties") is False:
                    raise SchemaError("%s: undocumented key %r" % (where, k))
        if t == "array":
            for i, it in enumerate(v):
                self.check(it, s.get("items", {}), "%s[%d]" % (where, i))
            if "maxItems" in s and len(v) > s["maxItems"]:
                raise SchemaError("%s: more than maxItems" % where)
            if "minItems" in s and len(v) < s["minItems"]:
                raise SchemaError("%s: fewer than minItems" % where)
        if t in ("integer", "number") and "minimum" in s and v < s["minimum"]:
            raise SchemaError("%s: %r below minimum" % (where, v))


class DocumentMatchesRouteTable(unittest.TestCase):
    """Static checks: no server needed."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.doc = load_doc()
        cls.table = route_table()
        cls.ops = doc_operations(cls.doc)

    def test_route_table_parsed(self):
        self.assertIn(("GET", "/api/health"), self.table)
        self.assertIn(("GET", "/app/{}"), self.table)
        self.assertGreaterEqual(len(self.table), 12)

    def test_every_routed_operation_is_documented(self):
        missing = sorted(self.table - set(self.ops))
        self.assertEqual(missing, [], "routes without an OpenAPI operation")

    def test_every_documented_operation_is_routed(self):
        extra = sorted(k for k in self.ops if k not in self.table)
        self.assertEqual(extra, [], "documented operations that src/http/routes.c does not route")

    def test_no_operation_marked_planned(self):
        planned = sorted(k for k, (_, o) in self.ops.items() if "x-zeues-planned" in o)
        self.assertEqual(planned, [], "operations marked x-zeues-planned: route them or remove "
                         "them from the document")

    def test_header(self):
        self.assertEqual(self.doc["openapi"], "3.0.3")
        self.assertEqual(self.doc["info"]["title"], "ZEUES API")
        self.assertEqual(self.doc["info"]["version"], "1.0.0")

    def test_error_schema(self):
        err = self.doc["components"]["schemas"]["Error"]
        self.assertEqual(err["type"], "object")
        self.assertEqual(list(err["properties"]), ["success", "error", "message", "data", "detail"])
        self.assertEqual(sorted(err["required"]), sorted(["success", "error", "message", "data",
                                                          "detail"]))
        self.assertTrue(err["properties"]["data"].get("nullable"))

    def test_refs_resolve(self):
        v = Validator(self.doc)
        refs = []

        def walk(n):
            if isinstance(n, dict):
                if "$ref" in n:
                    refs.append(n["$ref"])
                for x in n.values():
                    walk(x)
            elif isinstance(n, list):
                for x in n:
                    walk(x)
        walk(self.doc)
        self.assertTrue(refs)
        for r in refs:
            with self.subTest(ref=r):
                v.resolve({"$ref": r})

    def test_operations_well_formed(self):
        v = Validator(self.doc)
        ids = set()
        for (method, _), (path, o) in sorted(self.ops.items()):
            with self.subTest(op="%s %s" % (method, path)):
                self.assertIn("operationId", o)
                self.assertNotIn(o["operationId"], ids)
                ids.add(o["operationId"])
                self.assertTrue(o.get("summary"))
                resp = o["responses"]
                self.assertTrue(any(c.startswith(("2", "3")) for c in resp), resp)
                for code, r in resp.items():
                    r = v.resolve(r)
                    self.assertIn("description", r)
                    if code[0] in "45":
                        sch = r["content"]["application/json"]["schema"]
                        self.assertEqual(sch, {"$ref": "#/components/schemas/Error"})
                # Path parameters declared, one per template segment.
                names = re.findall(r"\{([^}]+)\}", path)
                params = [v.resolve(p) for p in o.get("parameters", [])]
                declared = [p["name"] for p in params if p["in"] == "path"]
                self.assertEqual(declared, names)
                for p in params:
                    self.assertIn(p["in"], ("path", "query", "header"))
                    if p["in"] == "path":
                        self.assertIs(p["required"], True)
                if method == "POST":
                    body = o["requestBody"]["content"]["application/json"]["schema"]
                    body = v.resolve(body)
                    self.assertEqual(body["type"], "object")
                    self.assertTrue(body["required"])
                    self.assertIs(body.get("additionalProperties"), False)
                    self.assertIn("422", resp)
                    self.assertIn("413", resp)


class ServedDocumentAndLiveSchemas(ZeuesTestCase):
    """The served document and the shapes of live answers (fixture plant)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.doc = load_doc()
        cls.v = Validator(cls.doc)
        cls.ops = doc_operations(cls.doc)
        try:
            r = harness.run_cli("supervisor", "add", "Ana Soto", "--db", cls.db,
                                input="clave-de-prueba-1\n")
            assert r.returncode == 0, r.stderr
        except Exception:
            cls._teardown_stack(check=False)
            raise

    def supervisor_cookie(self):
        """A signed-in supervisor's session cookie (console operations need one)."""
        r = self.server.post("/api/auth/login", {"name": "Ana Soto",
                                                 "password": "clave-de-prueba-1"})
        self.assertConforms(r, "POST", "/api/auth/login")
        return r.headers["set-cookie"].split(";")[0]

    def schema_of(self, method, path, code="200"):
        _, o = self.ops[(method, norm_path(path))]
        r = self.v.resolve(o["responses"][code])
        return r["content"]["application/json"]["schema"]

    def request_schema(self, path):
        _, o = self.ops[("POST", norm_path(path))]
        return self.v.resolve(o["requestBody"]["content"]["application/json"]["schema"])

    def assertConforms(self, resp, method, path, code="200"):
        self.assertEqual(str(resp.status), code, resp)
        try:
            self.v.check(resp.json, self.schema_of(method, path, code))
        except SchemaError as e:
            self.fail("%s %s %s does not match the documented schema: %s\n%r" %
                      (method, path, code, e, resp))

    def test_served_document_is_the_file(self):
        r = self.server.get("/openapi.json")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers.get("content-type"), "application/json")
        with open(OPENAPI, "rb") as f:
            self.assertEqual(r.body, f.read(),
                             "served /openapi.json differs from web/openapi.json (rebuild?)")

    def test_read_routes_match_schemas(self):
        cases = [
            ("/", "/"), ("/api/health", "/api/health"),
            ("/api/redis-health", "/api/redis-health"), ("/api/workers", "/api/workers"),
            ("/api/spools/iniciar?operacion=ARM", "/api/spools/iniciar"),
            ("/api/spools/iniciar?operacion=REPARACION", "/api/spools/iniciar"),
            ("/api/spools/completar?operacion=ARM&worker_nombre=MR(93)", "/api/spools/completar"),
            ("/api/spools/cancelar?operacion=SOLD&worker_id=94", "/api/spools/cancelar"),
            ("/api/spools/reparacion", "/api/spools/reparacion"),
            ("/api/spools/reparacion?worker_id=96", "/api/spools/reparacion"),
            ("/api/spools/detail?tag=" + tag(19), "/api/spools/detail"),
            ("/api/history/" + tag(6), "/api/history/{tag_spool}"),
            ("/api/dashboard/occupied", "/api/dashboard/occupied"),
            ("/api/dashboard/summary", "/api/dashboard/summary"),
            ("/api/dashboard/pd-hoy", "/api/dashboard/pd-hoy"),
            # the current app's reads
            ("/api/spool/%s/status" % tag(6), "/api/spool/{tag_spool}/status"),
            ("/api/v4/uniones/%s/todas" % tag(6), "/api/v4/uniones/{tag_spool}/todas"),
            ("/api/v4/uniones/%s/disponibles?operacion=ARM" % tag(6),
             "/api/v4/uniones/{tag_spool}/disponibles"),
            ("/api/spools/ocupados?operacion=ARM&worker_id=93", "/api/spools/ocupados"),
            ("/api/registro/93", "/api/registro/{worker_id}"),
            ("/api/spool/%s/notas" % tag(6), "/api/spool/{tag_spool}/notas"),
            ("/api/supervisor/list", "/api/supervisor/list"),
            ("/api/supervisor/audit?since=2026-01-01T00:00:00Z", "/api/supervisor/audit"),
        ]
        for url, path in cases:
            with self.subTest(url=url):
                assert_routed(self, self.server, "GET", url.split("?")[0])
                self.assertConforms(self.server.get(url), "GET", path)

    def test_error_answers_match_error_schema(self):
        for method, url, path, code in (
                ("GET", "/api/spools/detail?tag=NOPE", "/api/spools/detail", "404"),
                ("GET", "/api/spools/iniciar?operacion=X", "/api/spools/iniciar", "400"),
                ("GET", "/api/spools/iniciar", "/api/spools/iniciar", "422"),
                ("GET", "/api/spools/cancelar?operacion=ARM&worker_id=0", "/api/spools/cancelar",
                 "422"),
                ("GET", "/app/nope.js", "/app/{file}", "404")):
            with self.subTest(url=url):
                self.assertConforms(self.server.request(method, url), method, path, code)

    def test_console_answers_match_schemas(self):
        cookie = self.supervisor_cookie()
        h = {"Cookie": cookie}
        self.assertConforms(self.server.get("/api/auth/session", headers=h), "GET",
                            "/api/auth/session")
        self.assertConforms(self.server.get("/api/auth/session"), "GET", "/api/auth/session")
        self.assertConforms(self.server.get("/api/console/log/" + tag(15), headers=h), "GET",
                            "/api/console/log/{tag_spool}")
        self.assertConforms(self.server.post("/api/console/unblock", {
            "tag_spool": tag(15), "reason": "revisado"}, headers=h), "POST",
            "/api/console/unblock")
        self.assertConforms(self.server.post("/api/console/release", {
            "tag_spool": tag(7), "reason": "tablet perdida"}, headers=h), "POST",
            "/api/console/release")
        self.assertConforms(self.server.get("/api/console/log/" + tag(7), headers=h), "GET",
                            "/api/console/log/{tag_spool}")
        self.assertConforms(self.server.get("/api/console/log/" + tag(7)), "GET",
                            "/api/console/log/{tag_spool}", "401")
        self.assertConforms(self.server.post("/api/auth/login", {
            "name": "Ana Soto", "password": "mal"}), "POST", "/api/auth/login", "401")
        self.assertConforms(self.server.post("/api/auth/logout", {"name": "Ana Soto"},
                                             headers=h), "POST", "/api/auth/logout")

    def test_request_fields_are_the_documented_ones(self):
        # The unknown-field 422 lists the accepted fields: they must be the documented ones.
        for (method, npath), (path, o) in sorted(self.ops.items()):
            if method != "POST":
                continue
            with self.subTest(path=path):
                assert_routed(self, self.server, "POST", path)
                h = {"Cookie": self.supervisor_cookie()} if o.get("x-zeues-role") == "console" \
                    else None
                r = self.server.post(path, {"campo_que_no_existe": 1}, headers=h)
                self.assertEqual(r.status, 422, r)
                allowed = r.json["data"]["campos_permitidos"].split(", ")
                self.assertEqual(sorted(allowed), sorted(self.request_schema(path)["properties"]))

    def test_mutation_answers_match_schemas(self):
        # A spool the v3.0 steps below do not touch, whose ARM can be taken now.
        used = {tag(n) for n in (2, 3, 4, 5, 11, 13)}
        free = [s["tag_spool"] for s in self.server.get("/api/spools/iniciar?operacion=ARM").json["spools"]
                if s["tag_spool"] not in used]
        self.assertTrue(free, "the plant fixture has no free ARM spool left for the v4 steps")
        v4 = free[0]
        steps = [
            ("/api/occupation/tomar", {"tag_spool": tag(2), "worker_id": 93,
                                       "worker_nombre": "MR(93)", "operacion": "ARM"}),
            ("/api/occupation/pausar", {"tag_spool": tag(2), "worker_id": 93, "operacion": "ARM"}),
            ("/api/occupation/tomar", {"tag_spool": tag(2), "worker_id": 93, "operacion": "ARM"}),
            ("/api/occupation/completar", {"tag_spool": tag(2), "worker_id": 93,
                                           "fecha_operacion": "2026-01-25"}),
            ("/api/occupation/batch-tomar", {"tag_spools": [tag(3), "NO-EXISTE"],
                                             "worker_id": 93, "operacion": "ARM"}),
            ("/api/iniciar-accion", {"tag_spool": tag(4), "worker_id": 96, "operacion": "ARM"}),
            ("/api/iniciar-accion-batch", {"tag_spools": [tag(5), "NO-EXISTE"], "worker_id": 96,
                                           "operacion": "ARM"}),
            ("/api/tomar-reparacion", {"tag_spool": tag(13), "worker_id": 93}),
            ("/api/metrologia/completar", {"tag_spool": tag(11), "worker_id": 95,
                                           "resultado": "APROBADO"}),
            # the current app's mutations (a spool without unions: the v3.0 path of FINALIZAR)
            ("/api/v4/occupation/iniciar", {"tag_spool": v4, "worker_id": 93,
                                            "operacion": "ARM"}),
            ("/api/v4/occupation/finalizar", {"tag_spool": v4, "worker_id": 93,
                                              "operacion": "ARM", "selected_unions": [],
                                              "action_override": "PAUSAR"}),
            ("/api/spools/batch-status", {"tags": [tag(2), tag(6), "NO-EXISTE"]}),
            ("/api/spool/%s/notas" % tag(6), {"texto": "revisar soporte"},
             "/api/spool/{tag_spool}/notas"),
            ("/api/supervisor/list/add", {"tag_spool": tag(6), "session_id": "s-1"}),
            ("/api/supervisor/list/remove", {"tag_spool": tag(6), "session_id": "s-1"}),
            ("/api/supervisor/audit/batch", {"events": [{"id": "ev-1", "session_id": "s-1",
                                                         "event_type": "SESSION_START"}]}),
            ("/api/supervisor/legacy-snapshot", {"snapshot_id": "snap-1", "raw": "[]"}),
        ]
        for step in steps:
            path, body = step[0], step[1]
            doc = step[2] if len(step) > 2 else path   # the documented template of path
            with self.subTest(path=path, tag=body.get("tag_spool")):
                assert_routed(self, self.server, "POST", path)
                self.v.check(body, self.request_schema(doc), "request")
                self.assertConforms(self.server.post(path, body), "POST", doc)


if __name__ == "__main__":
    unittest.main()

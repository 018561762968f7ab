"""A local stand-in for the Google Sheets API v4 and Google's OAuth token endpoint, for tests.
Python 3 standard library only. It follows ../shared/reference/google-sheets.md (the API facts
the client is written against) and, where that is silent, what Google documents:

  POST /token                     the JWT bearer grant: the assertion's RS256 signature is
                                  checked against the public half of the service-account key
                                  (pow() on its public numbers), iss/aud/scope/iat/exp as Google
                                  checks them; 400 invalid_grant bodies otherwise.
  GET  /v4/spreadsheets/{id}      sheet properties (sheetId, title, index, gridProperties).
  POST /v4/spreadsheets/{id}:batchUpdate        addSheet, appendDimension, insertDimension,
                                  deleteDimension (DimensionRange by numeric sheetId, zero-based
                                  and half open); all requests applied together or none.
  GET  /v4/spreadsheets/{id}/values/{range}     values.get
  GET  /v4/spreadsheets/{id}/values:batchGet    ranges=... repeated
  POST /v4/spreadsheets/{id}/values:batchUpdate valueInputOption in the body (required)
  POST /v4/spreadsheets/{id}/values/{range}:append  valueInputOption, insertDataOption query
  PUT  /v4/spreadsheets/{id}/values/{range}     values.update

Behaviour kept from the real service: trailing empty cells and rows are omitted, a fully empty
range has no `values` key, UNFORMATTED_VALUE returns numbers as JSON numbers (FORMATTED_VALUE as
strings), RAW stores strings as they are, USER_ENTERED turns numeric text into numbers, `null`
in written values leaves the cell, update never grows the grid (400 "exceeds grid limits" /
"Requested writing within range"), append inserts after the last row that has data; per-minute
quotas (fixed minute windows, one user: 60 reads and 60 writes by default; a batch is one
request) answered with Google's 429 RESOURCE_EXHAUSTED body; a missing sheet is 400 "Unable to
parse range: ..."; a spreadsheet not shared with the caller 403 PERMISSION_DENIED; an unknown
id 404; an expired or unknown token 401 UNAUTHENTICATED.

Control endpoints for tests (no auth), all JSON:
  POST /control/outage        {"mode": "503"|"drop"|"off"}  every API call answers 503
                              UNAVAILABLE, or (drop) every call, the token's too, gets no answer
  POST /control/revoke        {"revoked": true|false}    403 for the service account
  POST /control/expire_tokens {}                         every issued token stops working
  POST /control/token_lifetime {"seconds": N}
  POST /control/quota         {"reads": N, "writes": N}  per-minute limits
  POST /control/delete_sheet  {"title": T}
  POST /control/add_sheet     {"title": T}
  POST /control/insert_column {"title": T, "index": i, "header": H}   a person inserts a column
  POST /control/insert_row    {"title": T, "index": i, "values": [...]} a person inserts a row
  POST /control/delete_row    {"title": T, "index": i}   a person deletes a row
  POST /control/set_cell      {"title": T, "row": r, "col": c, "value": v}  (0-based)
  (the person's edits above take "defer": true to land just before the client's next read,
   i.e. between two of its cycles; an edit between a read and the write that follows it is
   the one race the API itself cannot close, see the README)
  POST /control/create        {"id": ID, "sheets": [titles]}  an empty spreadsheet
  POST /control/rename_sheet  {"title": T, "to": U}     a person renames a sheet
  POST /control/stall_appends {"seconds": S}  an append is applied, then answered S s later
  POST /control/drop_appends  {"count": N}    the next N appends are applied, never answered
  POST /control/stall_structure {"seconds": S}  the same for spreadsheets.batchUpdate
  POST /control/drop_structure  {"count": N}
  GET  /control/dump          {"sheets": {title: rows}} as stored (trailing blanks trimmed)
  GET  /control/stats         request counts, 429s, most requests seen in one minute, rows
                              appended and deleted (by deleteDimension) per sheet

Run: python3 standin.py --key KEY.json --port 0 --sheet-id ID [--portfile F]
"""
import argparse
import base64
import hashlib
import json
import math
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCOPE = "https://www.googleapis.com/auth/spreadsheets"
# DER prefix of the DigestInfo of a SHA-256 hash (RFC 8017 §9.2 note 1).
SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def public_numbers(pem):
    """(n, e) of an RSA private key in PEM, read with the openssl command."""
    out = subprocess.run(["openssl", "rsa", "-noout", "-text"], input=pem.encode(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout.decode()
    m = re.search(r"modulus:\s*\n((?:\s+[0-9a-f:]+\n)+)", out)
    n = int(re.sub(r"[\s:]", "", m.group(1)), 16)
    e = int(re.search(r"publicExponent: (\d+)", out).group(1))
    return n, e


def rs256_verify(n, e, signing_input, sig):
    k = (n.bit_length() + 7) // 8
    if len(sig) != k:
        return False
    m = pow(int.from_bytes(sig, "big"), e, n).to_bytes(k, "big")
    t = SHA256_PREFIX + hashlib.sha256(signing_input).digest()
    return m == b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t


# ---------------------------------------------------------------------------------------------
# A1 notation
# ---------------------------------------------------------------------------------------------

def col_index(letters):
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def col_letters(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def split_range(rng):
    """(title or None, cell part or None)."""
    if rng.startswith("'"):
        i, title = 1, ""
        while i < len(rng):
            if rng[i] == "'":
                if i + 1 < len(rng) and rng[i + 1] == "'":
                    title += "'"
                    i += 2
                    continue
                break
            title += rng[i]
            i += 1
        rest = rng[i + 1:]
        if rest == "":
            return title, None
        if not rest.startswith("!"):
            raise ValueError(rng)
        return title, rest[1:]
    if "!" in rng:
        t, c = rng.rsplit("!", 1)
        return t, c
    return rng, None


CELL_RE = re.compile(r"^([A-Za-z]*)(\d*)$")


def parse_cells(part):
    """(r0, c0, r1, c1) zero-based inclusive, None = open; raises ValueError."""
    if part is None:
        return (0, 0, None, None)
    pieces = part.split(":")
    if len(pieces) > 2:
        raise ValueError(part)
    a = CELL_RE.match(pieces[0])
    if not a or (not a.group(1) and not a.group(2)):
        raise ValueError(part)
    ac = col_index(a.group(1)) if a.group(1) else None
    ar = int(a.group(2)) - 1 if a.group(2) else None
    if len(pieces) == 1:
        if ac is None or ar is None:
            raise ValueError(part)
        return (ar, ac, ar, ac)
    b = CELL_RE.match(pieces[1])
    if not b or (not b.group(1) and not b.group(2)):
        raise ValueError(part)
    bc = col_index(b.group(1)) if b.group(1) else None
    br = int(b.group(2)) - 1 if b.group(2) else None
    if (ar is None) != (br is None) and ar is None:
        raise ValueError(part)
    return (ar if ar is not None else 0, ac if ac is not None else 0,
            br, bc)


def quote_title(t):
    if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", t):
        return t
    return "'" + t.replace("'", "''") + "'"


# ---------------------------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------------------------

class ApiError(Exception):
    def __init__(self, code, status, message, details=None, headers=None):
        super().__init__(message)
        self.code, self.status, self.message, self.details = code, status, message, details
        self.headers = headers or {}

    def body(self):
        e = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            e["details"] = self.details
        return {"error": e}


def quota_error(kind, project="269908437164"):
    metric = "Read requests" if kind == "read" else "Write requests"
    limit = "ReadRequestsPerMinutePerUser" if kind == "read" else "WriteRequestsPerMinutePerUser"
    return ApiError(429, "RESOURCE_EXHAUSTED",
                    "Quota exceeded for quota metric '%s' and limit '%s per minute per user' of "
                    "service 'sheets.googleapis.com' for consumer 'project_number:%s'."
                    % (metric, metric, project),
                    [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                      "reason": "RATE_LIMIT_EXCEEDED", "domain": "googleapis.com",
                      "metadata": {"quota_limit": limit,
                                   "quota_metric": "sheets.googleapis.com/%s_requests" % kind,
                                   "consumer": "projects/%s" % project,
                                   "service": "sheets.googleapis.com"}},
                     {"@type": "type.googleapis.com/google.rpc.Help",
                      "links": [{"description": "Request a higher quota limit.",
                                 "url": "https://cloud.google.com/docs/quota#requesting_higher_quota"}]}])


class Sheet:
    def __init__(self, sheet_id, title, rows=1000, cols=26):
        self.sheet_id, self.title = sheet_id, title
        self.row_count, self.col_count = rows, cols
        self.cells = []   # list of rows; each a list of values ("" = empty)

    def get(self, r, c):
        if r < len(self.cells) and c < len(self.cells[r]):
            return self.cells[r][c]
        return ""

    def set(self, r, c, v):
        while len(self.cells) <= r:
            self.cells.append([])
        row = self.cells[r]
        while len(row) <= c:
            row.append("")
        row[c] = v

    def last_data_row(self):
        for r in range(len(self.cells) - 1, -1, -1):
            if any(v not in ("", None) for v in self.cells[r]):
                return r
        return -1

    def trimmed(self):
        out = [list(r) for r in self.cells]
        for r in out:
            while r and r[-1] in ("", None):
                r.pop()
        while out and not out[-1]:
            out.pop()
        return out


class State:
    def __init__(self, key, sheet_id):
        self.lock = threading.Lock()
        self.email = key["client_email"]
        self.token_uri = key["token_uri"]
        self.n, self.e = public_numbers(key["private_key"])
        self.spreadsheets = {}
        self.create(sheet_id, [])
        self.tokens = {}
        self.token_lifetime = 3600
        self.outage = "off"
        self.revoked = False
        self.quota = {"read": 60, "write": 60}
        self.window = {}    # (kind, minute) -> count
        self.stats = {"read": 0, "write": 0, "token": 0, "429": 0, "401": 0, "403": 0,
                      "400": 0, "503": 0, "max_per_minute": {"read": 0, "write": 0},
                      "append_rows": {}, "deleted_rows": {}, "structure": 0}
        self.next_sheet_id = 1000
        self.deferred = []   # person's edits applied just before the next values read
        self.stall_appends = 0.0
        self.drop_appends = 0
        self.stall_structure = 0.0
        self.drop_structure = 0

    def create(self, sid, titles):
        ss = {"sheets": []}
        self.spreadsheets[sid] = ss
        for i, t in enumerate(titles):
            ss["sheets"].append(Sheet(i, t))

    def sheet(self, sid, title, rng):
        for s in self.spreadsheets[sid]["sheets"]:
            if s.title == title:
                return s
        raise ApiError(400, "INVALID_ARGUMENT", "Unable to parse range: %s" % rng)

    def count(self, kind):
        minute = int(time.time() // 60)
        k = (kind, minute)
        n = self.window.get(k, 0)
        if n >= self.quota[kind]:
            self.stats["429"] += 1
            raise quota_error(kind)
        self.window[k] = n + 1
        self.stats[kind] += 1
        mp = self.stats["max_per_minute"]
        mp[kind] = max(mp[kind], n + 1)

    # -- token ---------------------------------------------------------------------------------
    def token(self, form):
        self.stats["token"] += 1
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return 400, {"error": "unsupported_grant_type",
                         "error_description": "Invalid grant_type: %s" % form.get("grant_type")}
        jwt = form.get("assertion", "")
        parts = jwt.split(".")
        bad = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        if len(parts) != 3 or any("=" in p for p in parts):
            return 400, bad
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            sig = b64url_decode(parts[2])
        except Exception:
            return 400, bad
        if header.get("alg") != "RS256" or header.get("typ") != "JWT":
            return 400, bad
        if not rs256_verify(self.n, self.e, (parts[0] + "." + parts[1]).encode(), sig):
            return 400, bad
        if claims.get("iss") != self.email:
            return 400, {"error": "invalid_grant",
                         "error_description": "Invalid grant: account not found"}
        if claims.get("aud") != self.token_uri:
            return 400, {"error": "invalid_grant",
                         "error_description": "Invalid JWT: Failed audience check. The right "
                                              "audience is %s" % self.token_uri}
        if claims.get("scope") not in (SCOPE, SCOPE + ".readonly"):
            return 400, {"error": "invalid_scope",
                         "error_description": "Invalid OAuth scope or ID token audience provided."}
        iat, exp, now = claims.get("iat"), claims.get("exp"), time.time()
        if (not isinstance(iat, int) or not isinstance(exp, int) or exp - iat > 3600 or
                exp < now or iat > now + 300):
            return 400, {"error": "invalid_grant",
                         "error_description": "Invalid JWT: Token must be a short-lived token (60 "
                         "minutes) and in a reasonable timeframe. Check your iat and exp values "
                         "and use a clock with skew to account for clock differences between "
                         "systems."}
        tok = "ya29.standin-" + hashlib.sha256(("%s%f" % (jwt, now)).encode()).hexdigest()[:40]
        self.tokens[tok] = (now + self.token_lifetime, claims["scope"])
        return 200, {"access_token": tok, "expires_in": self.token_lifetime,
                     "token_type": "Bearer"}

    def auth(self, headers, write):
        if self.outage == "503":
            self.stats["503"] += 1
            raise ApiError(503, "UNAVAILABLE", "The service is currently unavailable.")
        h = headers.get("Authorization", "")
        tok = h[len("Bearer "):] if h.startswith("Bearer ") else None
        t = self.tokens.get(tok)
        if not t or t[0] < time.time():
            self.stats["401"] += 1
            raise ApiError(401, "UNAUTHENTICATED",
                           "Request had invalid authentication credentials. Expected OAuth 2 "
                           "access token, login cookie or other valid authentication credential. "
                           "See https://developers.google.com/identity/sign-in/web/devconsole-project.")
        if write and t[1] != SCOPE:
            self.stats["403"] += 1
            raise ApiError(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.")

    def spreadsheet(self, sid):
        if sid not in self.spreadsheets:
            raise ApiError(404, "NOT_FOUND", "Requested entity was not found.")
        if self.revoked:
            self.stats["403"] += 1
            raise ApiError(403, "PERMISSION_DENIED", "The caller does not have permission")
        return self.spreadsheets[sid]

    # -- values --------------------------------------------------------------------------------
    def read_range(self, sid, rng, render):
        title, part = split_range(rng)
        s = self.sheet(sid, title, rng)
        try:
            r0, c0, r1, c1 = parse_cells(part)
        except ValueError:
            raise ApiError(400, "INVALID_ARGUMENT", "Unable to parse range: %s" % rng)
        if r0 >= s.row_count or c0 >= s.col_count:
            raise ApiError(400, "INVALID_ARGUMENT",
                           "Range (%s!%s%d) exceeds grid limits. Max rows: %d, max columns: %d"
                           % (quote_title(title), col_letters(c0), r0 + 1, s.row_count,
                              s.col_count))
        r1 = s.row_count - 1 if r1 is None else min(r1, s.row_count - 1)
        c1 = s.col_count - 1 if c1 is None else min(c1, s.col_count - 1)
        rows = []
        for r in range(r0, min(r1, len(s.cells) - 1) + 1):
            row = []
            for c in range(c0, min(c1, len(s.cells[r]) - 1) + 1):
                row.append(self.render(s.cells[r][c], render))
            while row and row[-1] == "":
                row.pop()
            rows.append(row)
        while rows and not rows[-1]:
            rows.pop()
        out = {"range": "%s!%s%d:%s%d" % (quote_title(title), col_letters(c0), r0 + 1,
                                         col_letters(c1), r1 + 1),
               "majorDimension": "ROWS"}
        if rows:
            out["values"] = rows
        return out

    @staticmethod
    def render(v, render):
        if v is None or v == "":
            return ""
        if render == "FORMATTED_VALUE":
            if isinstance(v, bool):
                return "TRUE" if v else "FALSE"
            if isinstance(v, float) and v.is_integer():
                return str(int(v))
            return str(v)
        return v

    @staticmethod
    def input_value(v, option):
        if v is None:
            return None
        if isinstance(v, (bool, int, float)):
            return v
        if option == "USER_ENTERED":
            if re.match(r"^-?\d+(\.\d+)?$", v):
                return float(v) if "." in v else int(v)
            if v.upper() in ("TRUE", "FALSE"):
                return v.upper() == "TRUE"
        return v

    def write_range(self, sid, rng, values, option, grow=False):
        title, part = split_range(rng)
        s = self.sheet(sid, title, rng)
        try:
            r0, c0, r1, c1 = parse_cells(part)
        except ValueError:
            raise ApiError(400, "INVALID_ARGUMENT", "Unable to parse range: %s" % rng)
        bounded = part is not None and ":" in part
        for i, row in enumerate(values):
            for j, v in enumerate(row):
                r, c = r0 + i, c0 + j
                if bounded and r1 is not None and r > r1:
                    raise ApiError(400, "INVALID_ARGUMENT",
                                   "Requested writing within range [%s], but tried writing to "
                                   "row [%d]" % (rng, r + 1))
                if bounded and c1 is not None and c > c1:
                    raise ApiError(400, "INVALID_ARGUMENT",
                                   "Requested writing within range [%s], but tried writing to "
                                   "column [%s]" % (rng, col_letters(c)))
                if not grow and (r >= s.row_count or c >= s.col_count):
                    raise ApiError(400, "INVALID_ARGUMENT",
                                   "Range (%s!%s%d) exceeds grid limits. Max rows: %d, max "
                                   "columns: %d" % (quote_title(title), col_letters(c), r + 1,
                                                    s.row_count, s.col_count))
        cells = 0
        for i, row in enumerate(values):
            for j, v in enumerate(row):
                iv = self.input_value(v, option)
                if iv is None:
                    continue
                s.set(r0 + i, c0 + j, iv)
                cells += 1
        return s, r0, c0, cells

    def append(self, sid, rng, values, option, insert):
        title, part = split_range(rng)
        s = self.sheet(sid, title, rng)
        try:
            r0, c0, _, _ = parse_cells(part)
        except ValueError:
            raise ApiError(400, "INVALID_ARGUMENT", "Unable to parse range: %s" % rng)
        last = s.last_data_row()
        table = ("%s!A1:%s%d" % (quote_title(title), col_letters(s.col_count - 1), last + 1)
                 if last >= 0 else "")
        at = max(last + 1, r0)
        if insert == "INSERT_ROWS":
            for _ in values:
                if at < len(s.cells):
                    s.cells.insert(at, [])
                s.row_count += 1
        width = max([len(r) for r in values] + [0])
        s.row_count = max(s.row_count, at + len(values))
        s.col_count = max(s.col_count, c0 + width)
        for i, row in enumerate(values):
            for j, v in enumerate(row):
                iv = self.input_value(v, option)
                if iv is not None:
                    s.set(at + i, c0 + j, iv)
        upd = "%s!%s%d:%s%d" % (quote_title(title), col_letters(c0), at + 1,
                               col_letters(c0 + max(width, 1) - 1), at + len(values))
        self.stats["append_rows"][title] = self.stats["append_rows"].get(title, 0) + len(values)
        return {"spreadsheetId": sid, "tableRange": table,
                "updates": {"spreadsheetId": sid, "updatedRange": upd,
                            "updatedRows": len(values), "updatedColumns": width,
                            "updatedCells": sum(len(r) for r in values)}}


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def route(self, method):
        st = self.state
        u = urllib.parse.urlsplit(self.path)
        raw_body = self.body()
        if st.outage == "drop" and not u.path.startswith("/control/"):
            self.close_connection = True      # unreachable: no answer at all
            return
        try:
            with st.lock:
                if u.path.startswith("/control/"):
                    return self.reply(200, self.control(method, u.path[9:], raw_body))
                if u.path == "/token" and method == "POST":
                    form = dict(urllib.parse.parse_qsl(raw_body.decode()))
                    code, obj = st.token(form)
                    return self.reply(code, obj)
                m = re.match(r"^/v4/spreadsheets/([^/:]+)(.*)$", u.path)
                if not m:
                    raise ApiError(404, "NOT_FOUND", "Requested entity was not found.")
                sid = urllib.parse.unquote(m.group(1))
                rest = m.group(2)
                q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
                write = method != "GET"
                st.auth(self.headers, write)
                ss = st.spreadsheet(sid)
                st.count("write" if write else "read")
                body = json.loads(raw_body) if raw_body else {}
                out = self.api(method, sid, ss, rest, q, body)
                is_append = rest.endswith(":append")
                is_structure = rest == ":batchUpdate"
                stall = (st.stall_appends if is_append else
                         st.stall_structure if is_structure else 0)
                drop = ((is_append and st.drop_appends > 0) or
                        (is_structure and st.drop_structure > 0))
                if drop and is_append:
                    st.drop_appends -= 1
                elif drop:
                    st.drop_structure -= 1
        except ApiError as e:
            if e.code == 400:
                st.stats["400"] += 1
            return self.reply(e.code, e.body(), e.headers)
        except (ValueError, KeyError) as e:
            st.stats["400"] += 1
            return self.reply(400, {"error": {"code": 400, "status": "INVALID_ARGUMENT",
                                              "message": "Invalid JSON payload received. %s" % e}})
        # Outside the lock: the write is applied; its answer is late or never comes.
        if drop:
            self.close_connection = True
            return
        if stall:
            time.sleep(stall)
        return self.reply(200, out)

    def api(self, method, sid, ss, rest, q, body):
        st = self.state
        render = (q.get("valueRenderOption") or ["FORMATTED_VALUE"])[0]
        if rest == "" and method == "GET":
            return {"spreadsheetId": sid, "sheets": [
                {"properties": {"sheetId": s.sheet_id, "title": s.title, "index": i,
                                "sheetType": "GRID",
                                "gridProperties": {"rowCount": s.row_count,
                                                   "columnCount": s.col_count}}}
                for i, s in enumerate(ss["sheets"])]}
        if rest == ":batchUpdate" and method == "POST":
            return self.structure(sid, ss, body)
        if rest.startswith("/values") and method == "GET":
            # A person's edits queued with "defer": they land between two of the client's
            # cycles, i.e. after its last write and before its next read.
            for edit in st.deferred:
                self.control("POST", edit[0], json.dumps(edit[1]).encode())
            st.deferred = []
        if rest == "/values:batchGet" and method == "GET":
            return {"spreadsheetId": sid,
                    "valueRanges": [st.read_range(sid, r, render) for r in q.get("ranges", [])]}
        if rest == "/values:batchUpdate" and method == "POST":
            opt = body.get("valueInputOption")
            if not opt:
                raise ApiError(400, "INVALID_ARGUMENT",
                               "'valueInputOption' is required but not specified")
            # Atomic: every range is checked before anything is written.
            snapshot = {s.title: ([list(r) for r in s.cells], s.row_count, s.col_count)
                        for s in ss["sheets"]}
            resps, total = [], 0
            try:
                for vr in body.get("data", []):
                    s, r0, c0, cells = st.write_range(sid, vr["range"], vr.get("values", []), opt)
                    total += cells
                    resps.append({"spreadsheetId": sid, "updatedRange": vr["range"],
                                  "updatedCells": cells})
            except ApiError:
                for s in ss["sheets"]:
                    if s.title in snapshot:
                        s.cells, s.row_count, s.col_count = snapshot[s.title]
                raise
            return {"spreadsheetId": sid, "totalUpdatedCells": total, "responses": resps}
        m = re.match(r"^/values/(.+?)(:append)?$", rest)
        if m:
            rng = urllib.parse.unquote(m.group(1))
            if m.group(2) and method == "POST":
                opt = (q.get("valueInputOption") or [None])[0]
                if not opt:
                    raise ApiError(400, "INVALID_ARGUMENT",
                                   "'valueInputOption' is required but not specified")
                return st.append(sid, rng, body.get("values", []), opt,
                                 (q.get("insertDataOption") or ["OVERWRITE"])[0])
            if method == "GET":
                return st.read_range(sid, rng, render)
            if method == "PUT":
                opt = (q.get("valueInputOption") or [None])[0]
                if not opt:
                    raise ApiError(400, "INVALID_ARGUMENT",
                                   "'valueInputOption' is required but not specified")
                _, _, _, cells = st.write_range(sid, rng, body.get("values", []), opt)
                return {"spreadsheetId": sid, "updatedRange": rng, "updatedCells": cells}
        raise ApiError(404, "NOT_FOUND", "Requested entity was not found.")

    def structure(self, sid, ss, body):
        """spreadsheets.batchUpdate: "If any request is not valid then the entire request will
        fail and nothing will be applied" (reference §2.6)."""
        st = self.state
        snapshot = ([s for s in ss["sheets"]],
                    {id(s): ([list(r) for r in s.cells], s.row_count, s.col_count)
                     for s in ss["sheets"]}, st.next_sheet_id, dict(st.stats["deleted_rows"]))
        try:
            return self.structure_apply(sid, ss, body)
        except ApiError:
            ss["sheets"] = snapshot[0]
            for s in ss["sheets"]:
                s.cells, s.row_count, s.col_count = snapshot[1][id(s)]
            st.next_sheet_id = snapshot[2]
            st.stats["deleted_rows"] = snapshot[3]
            raise

    @staticmethod
    def grid(ss, i, kind, sheet_id):
        for s in ss["sheets"]:
            if s.sheet_id == sheet_id:
                return s
        raise ApiError(400, "INVALID_ARGUMENT",
                       "Invalid requests[%d].%s: No grid with id: %s" % (i, kind, sheet_id))

    def dimension(self, ss, i, kind, rng):
        """The sheet and [start, end) of a DimensionRange (zero-based, half open; a missing
        index is unbounded on that side), checked as Google checks it."""
        s = self.grid(ss, i, kind, rng.get("sheetId", 0))
        dim = rng.get("dimension")
        if dim not in ("ROWS", "COLUMNS"):
            raise ApiError(400, "INVALID_ARGUMENT",
                           "Invalid requests[%d].%s: dimension must be ROWS or COLUMNS" % (i, kind))
        count = s.row_count if dim == "ROWS" else s.col_count
        start = int(rng.get("startIndex", 0))
        end = int(rng.get("endIndex", count))
        if start < 0 or end < start:
            raise ApiError(400, "INVALID_ARGUMENT",
                           "Invalid requests[%d].%s: Invalid dimension range: start %d, end %d"
                           % (i, kind, start, end))
        return s, dim, start, end, count

    def structure_apply(self, sid, ss, body):
        st = self.state
        replies = []
        st.stats["structure"] += 1
        for i, req in enumerate(body.get("requests", [])):
            if "addSheet" in req:
                p = req["addSheet"].get("properties", {})
                title = p.get("title") or "Sheet%d" % (len(ss["sheets"]) + 1)
                if any(s.title == title for s in ss["sheets"]):
                    raise ApiError(400, "INVALID_ARGUMENT",
                                   "Invalid requests[%d].addSheet: A sheet with the name \"%s\" "
                                   "already exists. Please enter another name." % (i, title))
                g = p.get("gridProperties", {})
                st.next_sheet_id += 1
                s = Sheet(st.next_sheet_id, title, g.get("rowCount", 1000),
                          g.get("columnCount", 26))
                ss["sheets"].append(s)
                replies.append({"addSheet": {"properties": {"sheetId": s.sheet_id,
                                                            "title": title}}})
            elif "appendDimension" in req:
                a = req["appendDimension"]
                s = self.grid(ss, i, "appendDimension", a.get("sheetId", 0))
                if a["dimension"] == "ROWS":
                    s.row_count += a["length"]
                else:
                    s.col_count += a["length"]
                replies.append({})
            elif "deleteDimension" in req:
                s, dim, start, end, count = self.dimension(
                    ss, i, "deleteDimension", req["deleteDimension"].get("range", {}))
                what = "row" if dim == "ROWS" else "column"
                if end > count:
                    raise ApiError(400, "INVALID_ARGUMENT",
                                   "Invalid requests[%d].deleteDimension: Cannot delete a %s "
                                   "that doesn't exist. Tried to delete %s index %d but there "
                                   "are only %d %ss." % (i, what, what, end - 1, count, what))
                if start == 0 and end == count:
                    raise ApiError(400, "INVALID_ARGUMENT",
                                   "Invalid requests[%d].deleteDimension: You can't delete all "
                                   "the %ss on the sheet." % (i, what))
                if dim == "ROWS":
                    del s.cells[start:end]
                    s.row_count -= end - start
                    d = st.stats["deleted_rows"]
                    d[s.title] = d.get(s.title, 0) + end - start
                else:
                    for row in s.cells:
                        del row[start:end]
                    s.col_count -= end - start
                replies.append({})
            elif "insertDimension" in req:
                a = req["insertDimension"]
                s, dim, start, end, count = self.dimension(ss, i, "insertDimension",
                                                           a.get("range", {}))
                if start > count:
                    raise ApiError(400, "INVALID_ARGUMENT",
                                   "Invalid requests[%d].insertDimension: range start %d is past "
                                   "the end of the grid (%d)" % (i, start, count))
                if dim == "ROWS":
                    for _ in range(end - start):
                        if start < len(s.cells):
                            s.cells.insert(start, [])
                    s.row_count += end - start
                else:
                    for row in s.cells:
                        if start < len(row):
                            row[start:start] = [""] * (end - start)
                    s.col_count += end - start
                replies.append({})
            else:
                raise ApiError(400, "INVALID_ARGUMENT", "Invalid request: %s" % list(req)[0])
        return {"spreadsheetId": sid, "replies": replies}

    def control(self, method, what, raw):
        st = self.state
        a = json.loads(raw) if raw else {}
        sid = a.get("id") or next(iter(st.spreadsheets))
        ss = st.spreadsheets.get(sid)

        def sheet(t):
            return next(s for s in ss["sheets"] if s.title == t)
        if a.pop("defer", False):
            st.deferred.append((what, a))
            return {"ok": True, "deferred": True}
        if what == "outage":
            st.outage = a["mode"]
        elif what == "revoke":
            st.revoked = bool(a["revoked"])
        elif what == "expire_tokens":
            st.tokens = {k: (0, v[1]) for k, v in st.tokens.items()}
        elif what == "token_lifetime":
            st.token_lifetime = int(a["seconds"])
        elif what == "quota":
            st.quota = {"read": int(a["reads"]), "write": int(a["writes"])}
        elif what == "delete_sheet":
            ss["sheets"] = [s for s in ss["sheets"] if s.title != a["title"]]
        elif what == "add_sheet":
            st.next_sheet_id += 1
            ss["sheets"].append(Sheet(st.next_sheet_id, a["title"]))
        elif what == "insert_column":
            s = sheet(a["title"])
            for row in s.cells:
                if len(row) > a["index"]:
                    row.insert(a["index"], "")
            s.col_count += 1
            s.set(0, a["index"], a.get("header", ""))
        elif what == "insert_row":
            s = sheet(a["title"])
            s.cells.insert(a["index"], list(a.get("values", [])))
            s.row_count += 1
        elif what == "delete_row":
            s = sheet(a["title"])
            if a["index"] < len(s.cells):
                del s.cells[a["index"]]
            s.row_count -= 1
        elif what == "set_cell":
            sheet(a["title"]).set(a["row"], a["col"], a["value"])
        elif what == "rename_sheet":
            sheet(a["title"]).title = a["to"]
        elif what == "stall_appends":
            st.stall_appends = float(a["seconds"])
        elif what == "drop_appends":
            st.drop_appends = int(a["count"])
        elif what == "stall_structure":
            st.stall_structure = float(a["seconds"])
        elif what == "drop_structure":
            st.drop_structure = int(a["count"])
        elif what == "create":
            st.create(sid, a.get("sheets", []))
        elif what == "dump":
            return {"sheets": {s.title: s.trimmed() for s in ss["sheets"]}}
        elif what == "stats":
            return st.stats
        else:
            raise ApiError(404, "NOT_FOUND", "no control %s" % what)
        return {"ok": True}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True)
    ap.add_argument("--sheet-id", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--portfile")
    a = ap.parse_args()
    with open(a.key) as f:
        key = json.load(f)
    Handler.state = State(key, a.sheet_id)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    port = srv.server_address[1]
    if a.portfile:
        with open(a.portfile + ".tmp", "w") as f:
            f.write(str(port))
        import os
        os.rename(a.portfile + ".tmp", a.portfile)
    print("standin listening on %d" % port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()

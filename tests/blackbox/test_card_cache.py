#!/usr/bin/env python3
"""The spool cards of POST /api/spools/batch-status and GET /api/spool/{tag}/status come from a
cache of rendered cards (src/http/card_cache.c) and, while the list generation is unchanged,
without reading the store. What must hold: a batch answer is byte for byte the single cards
of its tags joined as the contract's object, first asked and then from the cache, whatever
the body's spacing; a card follows a mutation made through this instance at once, one made
through another instance sharing the store (Redis message), and one made by a writer that
publishes nothing (the store's generation): a spool row changed, and a worker renamed (the
*_display names)."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from test_list_cache import TwoInstances, generation_bump_sql, wait_until  # noqa: E402
from test_live_stream import pausar, tomar  # noqa: E402


class CardCache(TwoInstances):
    def all_tags(self):
        return [s["tag_spool"] for s in self.ok(self.server.get(
            "/api/spools/iniciar?operacion=ARM")).json["spools"]]

    def batch(self, server, tags, raw=None):
        body = raw if raw is not None else json.dumps({"tags": tags})
        r = server.post("/api/spools/batch-status", body=body.encode(),
                        headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 200, r)
        return r

    def card(self, server, tag):
        r = self.batch(server, [tag])
        self.assertEqual(r.json["total"], 1, r)
        return r.json["spools"][0]

    def test_batch_is_the_single_cards_byte_for_byte(self):
        tags = self.all_tags()[:60] + ["NO-SUCH-SPOOL"]
        singles = []
        for t in tags[:-1]:
            r = self.ok(self.server.get("/api/spool/%s/status" % t))
            singles.append(r.body)
        want = (b'{"spools":[' + b",".join(singles) + b'],"total":%d,"errors":[]}' % len(singles))
        spaced = ' {\n "tags" : [ ' + ' ,\t'.join('"%s"' % t for t in tags) + " ]\r\n} "
        for raw in (None, None, spaced, json.dumps({"tags": tags}, indent=2)):
            with self.subTest(raw=raw and raw[:20]):
                self.assertEqual(self.batch(self.server, tags, raw).body, want)
        # And the same bytes again from the single route, now that every card is cached.
        for t, body in zip(tags, singles):
            self.assertEqual(self.ok(self.server.get("/api/spool/%s/status" % t)).body, body)

    def test_card_follows_a_mutation_of_this_instance(self):
        tag = self.plant.fresh_tags(1)[0]
        w = self.plant.armadores[3]["id"]
        free = self.card(self.server, tag)
        self.assertEqual(self.card(self.server, tag), free)  # cached now
        self.assertIsNone(free["ocupado_por"])
        self.ok(tomar(self.server, tag, w))
        held = self.card(self.server, tag)
        self.assertEqual(held["estado_trabajo"], "EN_PROGRESO", held)
        self.assertEqual(held["ocupado_por"], self.plant.names[w])
        self.ok(pausar(self.server, tag, w))
        after = self.card(self.server, tag)
        self.assertIsNone(after["ocupado_por"], after)
        self.assertEqual(after["estado_trabajo"], "PAUSADO", after)

    def test_card_follows_the_other_instance(self):
        a, b = self.server, self.server_b
        tag = self.plant.fresh_tags(1)[0]
        w = self.plant.armadores[4]["id"]
        for _ in range(2):
            self.assertIsNone(self.card(a, tag)["ocupado_por"])
        self.ok(tomar(b, tag, w))
        self.assertTrue(wait_until(lambda: self.card(a, tag)["ocupado_por"] == self.plant.names[w]),
                        "instance A still shows the spool free after B's TOMAR")
        self.ok(pausar(b, tag, w))
        self.assertTrue(wait_until(lambda: self.card(a, tag)["ocupado_por"] is None),
                        "instance A still shows the spool taken after B's PAUSAR")
        self.assertEqual(self.batch(a, [tag]).body, self.batch(b, [tag]).body)

    def test_a_writer_that_publishes_nothing_is_seen(self):
        a = self.server
        tag = self.plant.fresh_tags(1)[0]
        w = self.plant.armadores[5]
        self.ok(tomar(a, tag, w["id"]))
        held = self.card(a, tag)
        self.assertEqual(held["ocupado_por_display"], "%s %s" % (w["nombre"], w["apellido"]))
        self.assertEqual(self.card(a, tag), held)
        # The spool's row changes in the store, nothing is published.
        harness.store_exec(self.db, "BEGIN; UPDATE spools SET estado_detalle = 'Revisado a mano'"
                                    " WHERE tag = '%s'; %s; COMMIT" % (tag, generation_bump_sql()))
        self.assertTrue(wait_until(lambda: self.card(a, tag)["estado_detalle"] == "Revisado a mano"),
                        "the card still shows the old Estado_Detalle")
        # A worker is renamed: the display name on the card follows.
        harness.store_exec(self.db, "BEGIN; UPDATE workers SET nombre = 'Zacarías' WHERE id = %d;"
                                    " %s; COMMIT" % (int(w["id"]), generation_bump_sql()))
        self.assertTrue(wait_until(lambda: self.card(a, tag)["ocupado_por_display"]
                                   == "Zacarías %s" % w["apellido"]),
                        "the card still shows the worker's old name")
        # The single route agrees with the batch.
        single = self.ok(a.get("/api/spool/%s/status" % tag)).json
        self.assertEqual(single, self.card(a, tag))


if __name__ == "__main__":
    unittest.main()

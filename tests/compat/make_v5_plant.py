#!/usr/bin/env python3
"""Writes the plant the v5 app flows run on, as the CSV sheets `zeues import` reads.

    python3 tests/compat/make_v5_plant.py --out DIR [--seed 42] [--shared-ot]

DIR receives Operaciones.csv (the 75 columns of domain-v3.md §1.2, v4 counters included),
Uniones.csv (the 17 columns of domain-v4.md §3.1), Trabajadores.csv, Roles.csv, Metadata.csv
(v4 layout, with N_UNION) and manifest.json: the tags the driver needs, by role.

The plant follows the load-test seed of api-v4v5.md §6.1: 200 spools `MK-9999-{CW|TW|BW|SW}-
{10000..99999}-{seq:03d}` in the same state blocks (60 LIBRE, 30 EN_ARM, 20 ARM_PEND,
20 ARM_TERM, 30 EN_SOLD, 10 SOLD_PEND, 10 SOLD_TERM, 10 MET_PEND, 6 RECHAZADO,
4 EN_REPARACION), 1..10 unions per spool, the same worker pool (Manuel Marchetti also holds the
Armador role, as the original's flow 05 needs). It does not reproduce Python's random stream of
the original, and differs on purpose in three places:
- union types are BW/SO/FILL/BR/MIT (the types the app can save), not BW/SW/TW;
- each spool has its own OT (`99` + seq), because union ids are `{OT}+{N_UNION}` and one OT
  shared by 200 spools makes them ambiguous; `--shared-ot` writes OT 9999 everywhere as the
  original seed does;
- a few spools are fixed rather than drawn (manifest.json names them): the spools the flows
  mutate have enough unions of SOLD types to be finished in two steps, and the eleven TAGs the
  original's perf specs name are at their sequence numbers, in their states (seq 141: 8 unions,
  7 soldered, occupied by ML(12); seq 198: ciclo 2, occupied by NR(94)).
Dates are relative to now in America/Santiago, so a plant generated today has today's
occupations.
"""
import argparse
import csv
import datetime as dt
import json
import os
import random
import uuid

try:
    from zoneinfo import ZoneInfo
    TZ = ZoneInfo("America/Santiago")
except Exception:  # pragma: no cover - no tz database: fall back to UTC-4
    TZ = dt.timezone(dt.timedelta(hours=-4))

OPERACIONES_HEADERS = [
    "id", "NV", "OT", "CT", "ITEM", "SPLIT", "TAG_SPOOL", "STATUS_NV", "Status_Spool",
    "Ubicación", "Cliente", "OC", "Item_OC", "PLANO_KRONOS N°", "Rev.", "Plano_Referencia",
    "Marca_Placa", "Prioridad", "Notas", "Fecha_Compromiso", "Fecha_Estimada_Entrega", "DIAM",
    "PD_Soldadura", "PD_Ranurado", "PD_Hilo", "Peso_Kg", "Area_m2", "Tipo Armado", "Tipo_NDT",
    "Tipo_PH", "Tipo_Revestimiento", "Tipo_Pintura", "Tipo_Embalaje", "Fecha_Ingenieria",
    "Fecha_Materiales", "Fecha_Armado", "Armador", "Fecha_Soldadura", "Soldador",
    "Fecha_QC_Metrología", "Fecha_NDT", "OK NDT si/no/Rep", "N°_nforme_PT", "N°_Informe_UT_ RX",
    "Fecha_PH", "N°_Informe_PH", "Fecha_Revestimiento", "Fecha_QC_Revestimiento",
    "Fecha_Envio_Pintura", "GD_envio_Pintura", "Fecha_Pintura", "Taller_Pintura",
    "Informe_Pintura", "Fecha_QC_Pintura", "Fecha_Liberación", "N°_Acta_Libración",
    "Packing_list", "Fecha_GD", "Guia_Despacho", "Precio Fabricación", "Precio Revestimiento",
    "Precio Pintura", "Precio Embalaje", "Precio Total", "FLAG", "MatSys", "Ocupado_Por",
    "Fecha_Ocupacion", "version", "Estado_Detalle", "Total_Uniones", "Uniones_ARM_Completadas",
    "Uniones_SOLD_Completadas", "Pulgadas_ARM", "Pulgadas_SOLD",
]
assert len(OPERACIONES_HEADERS) == 75

UNIONES_HEADERS = [
    "ID", "OT", "N_UNION", "TAG_SPOOL", "DN_UNION", "TIPO_UNION", "ARM_FECHA_INICIO",
    "ARM_FECHA_FIN", "ARM_WORKER", "SOL_FECHA_INICIO", "SOL_FECHA_FIN", "SOL_WORKER",
    "NDT_UNION", "R_NDT_UNION", "NDT_FECHA", "NDT_STATUS", "version",
]
METADATA_HEADERS = [
    "id", "timestamp", "evento_tipo", "tag_spool", "worker_id", "worker_nombre", "operacion",
    "accion", "fecha_operacion", "metadata_json", "N_UNION",
]

# (id, nombre, apellido, activo, roles)
WORKERS = [
    (93, "Mauricio", "Rodriguez", True, ["Armador"]),
    (94, "Nicolás", "Rodriguez", True, ["Armador"]),
    (10, "Nahuel", "Huiriqueo", True, ["Armador"]),
    (11, "Manuel", "Marchetti", True, ["Soldador", "Armador"]),
    (12, "Maximiliano", "Liberona", True, ["Soldador"]),
    (13, "José", "Pozo", True, ["Soldador", "Ayudante"]),
    (129, "Fernanda", "Fuentes", True, ["Metrologia"]),
    (76, "Andrés", "Pizarro", True, ["Metrologia"]),
    (14, "Pedro", "Soto", False, ["Armador"]),
]
ARMADORES = [93, 94, 10]

# Rows of the original seed whose TAGs its perf specs name (api-v4v5.md §6.1 "key rows"): the
# same TAG at the same sequence number and state, so those specs find their spools here.
KNOWN_TAGS = {
    1: "MK-9999-CW-13278-001", 2: "MK-9999-SW-38893-002", 3: "MK-9999-CW-59797-003",
    4: "MK-9999-CW-59823-004", 5: "MK-9999-TW-14207-005", 6: "MK-9999-BW-86622-006",
    111: "MK-9999-SW-32216-111", 141: "MK-9999-CW-53456-141", 171: "MK-9999-BW-78039-171",
    181: "MK-9999-TW-37964-181", 198: "MK-9999-CW-29048-198",
}
SOLDADORES = [11, 12, 13]
METROLOGOS = [129, 76]

STATES = [  # (name, count) in sequence order, as the original seed
    ("LIBRE", 60), ("EN_ARM", 30), ("ARM_PEND", 20), ("ARM_TERM", 20), ("EN_SOLD", 30),
    ("SOLD_PEND", 10), ("SOLD_TERM", 10), ("MET_PEND", 10), ("RECHAZADO", 6),
    ("EN_REPARACION", 4),
]
DN_VALUES = [0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0]
TIPOS = ["BW", "SO", "FILL", "BR", "MIT"]
SOLD_TIPOS = ["BW", "SO", "FILL", "BR"]


def code(wid):
    w = next(w for w in WORKERS if w[0] == wid)
    return "%s%s(%d)" % (w[1][0].upper(), w[2][0].upper(), wid)


def dmy(d):
    return d.strftime("%d-%m-%Y")


def dmy_hms(t):
    return t.strftime("%d-%m-%Y %H:%M:%S")


def fmt_dn(x):
    return ("%g" % x)


class Plant:
    def __init__(self, seed, shared_ot):
        self.rnd = random.Random(seed)
        self.shared_ot = shared_ot
        self.now = dt.datetime.now(TZ).replace(microsecond=0)
        self.ops = []
        self.unions = []
        self.meta = []
        self.by_state = {}
        self.info = {}  # tag -> dict used by the manifest

    # --- one spool ---------------------------------------------------------------------------
    def spool(self, seq, state, fixed=None):
        r = self.rnd
        fixed = fixed or {}
        kind = r.choice(["CW", "TW", "BW", "SW"])
        tag = "MK-9999-%s-%05d-%03d" % (kind, r.randint(10000, 99999), seq)
        tag = KNOWN_TAGS.get(seq, tag)
        ot = "9999" if self.shared_ot else "99%03d" % seq
        base = (self.now - dt.timedelta(days=r.randint(30, 90))).date()
        total = fixed.get("total", r.randint(1, 10))
        tipos = fixed.get("tipos") or [r.choice(TIPOS) for _ in range(total)]
        dns = [r.choice(DN_VALUES) for _ in range(total)]
        row = {h: "" for h in OPERACIONES_HEADERS}
        row.update({
            "id": str(seq), "NV": "NV10%02d" % r.randint(0, 9), "OT": ot,
            "CT": r.choice("ABCD"), "ITEM": "%03d" % r.randint(1, 999), "SPLIT": "1",
            "TAG_SPOOL": tag, "STATUS_NV": "ACTIVA", "Status_Spool": "ACTIVO",
            "Ubicación": "Taller", "Cliente": "LOAD-TEST",
            "DIAM": fmt_dn(r.choice(DN_VALUES)), "PD_Soldadura": "%.2f" % r.uniform(1, 40),
            "Peso_Kg": "%.1f" % r.uniform(5, 400),
            "Fecha_Ingenieria": dmy(base - dt.timedelta(days=r.randint(7, 30))),
            "Fecha_Materiales": dmy(base), "version": "v4.0", "Total_Uniones": str(total),
        })
        arm_done = sold_done = 0
        armador = fixed.get("armador", r.choice(ARMADORES))
        soldador = fixed.get("soldador", r.choice(SOLDADORES))
        occupant = None
        estado = ""
        arm_complete = sold_complete = False
        if state == "LIBRE":
            pass
        elif state == "EN_ARM":
            arm_done = fixed.get("arm_done", r.randint(0, total - 1))
            occupant = armador
            estado = "%s trabajando ARM (ARM en progreso, SOLD pendiente)" % code(armador)
        elif state == "ARM_PEND":
            total = max(total, 2)
            arm_done = r.randint(1, total - 1)
            estado = "ARM parcial %d/%d (pausado)" % (arm_done, total)
        elif state == "ARM_TERM":
            arm_done, arm_complete = total, True
            estado = "ARM completado - Disponible"
        elif state == "EN_SOLD":
            arm_done, arm_complete = total, True
            sold_done = fixed.get("sold_done", r.randint(0, total - 1))
            occupant = soldador
            estado = "%s trabajando SOLD (ARM completado, SOLD en progreso)" % code(soldador)
        elif state == "SOLD_PEND":
            total = max(total, 2)
            arm_done, arm_complete = total, True
            sold_done = r.randint(1, total - 1)
            estado = "SOLD parcial %d/%d (pausado)" % (sold_done, total)
        else:  # SOLD_TERM and later: ARM and SOLD complete
            arm_done = sold_done = total
            arm_complete = sold_complete = True
            estado = "SOLD completado - Disponible"
            if state == "MET_PEND":
                estado = "PENDIENTE_METROLOGIA"
            elif state == "RECHAZADO":
                estado = "RECHAZADO (Ciclo %d/3) - Pendiente reparación" % fixed["ciclo"]
            elif state == "EN_REPARACION":
                occupant = armador
                estado = "EN_REPARACION (Ciclo %d/3) - Ocupado: %s" % (fixed["ciclo"], code(armador))
        # the list may have grown for *_PEND
        while len(tipos) < total:
            tipos.append(r.choice(TIPOS))
        while len(dns) < total:
            dns.append(r.choice(DN_VALUES))
        row["Total_Uniones"] = str(total)
        if arm_done or state in ("EN_ARM", "ARM_PEND"):
            row["Armador"] = code(armador)
        if arm_complete:
            row["Fecha_Armado"] = dmy(base + dt.timedelta(days=r.randint(1, 5)))
        if sold_done or state in ("EN_SOLD", "SOLD_PEND"):
            row["Soldador"] = code(soldador)
        if sold_complete:
            row["Fecha_Soldadura"] = dmy(base + dt.timedelta(days=r.randint(6, 15)))
        if occupant is not None:
            row["Ocupado_Por"] = code(occupant)
            started = self.now - dt.timedelta(hours=r.randint(1, 8), minutes=r.randint(0, 59))
            row["Fecha_Ocupacion"] = dmy_hms(started)
        row["Estado_Detalle"] = estado
        row["Uniones_ARM_Completadas"] = str(arm_done)
        row["Uniones_SOLD_Completadas"] = str(sold_done)
        row["Pulgadas_ARM"] = "%.2f" % sum(dns[:arm_done])
        row["Pulgadas_SOLD"] = "%.2f" % sum(dns[:sold_done])
        self.ops.append(row)

        t0 = dt.datetime.combine(base, dt.time(8, 0), TZ)
        for n in range(1, total + 1):
            u = {h: "" for h in UNIONES_HEADERS}
            u.update({"ID": "%s+%d" % (ot, n), "OT": ot, "N_UNION": str(n), "TAG_SPOOL": tag,
                      "DN_UNION": fmt_dn(dns[n - 1]), "TIPO_UNION": tipos[n - 1],
                      "version": str(uuid.UUID(int=r.getrandbits(128), version=4))})
            if n <= arm_done:
                u["ARM_FECHA_INICIO"] = dmy_hms(t0 - dt.timedelta(days=2, minutes=-n * 7))
                u["ARM_FECHA_FIN"] = dmy_hms(t0 - dt.timedelta(days=1, minutes=-n * 7))
                u["ARM_WORKER"] = code(armador)
            if n <= sold_done:
                u["SOL_FECHA_INICIO"] = dmy_hms(t0 + dt.timedelta(days=5, minutes=n * 9))
                u["SOL_FECHA_FIN"] = dmy_hms(t0 + dt.timedelta(days=6, minutes=n * 9))
                u["SOL_WORKER"] = code(soldador)
            self.unions.append(u)

        self.meta.append({
            "id": str(uuid.UUID(int=r.getrandbits(128), version=4)),
            "timestamp": dmy_hms(self.now), "evento_tipo": "SEED_LOAD_TEST", "tag_spool": tag,
            "worker_id": "", "worker_nombre": "", "operacion": "", "accion": "",
            "fecha_operacion": "", "N_UNION": "",
            "metadata_json": json.dumps({"estado_objetivo": state, "seed": 42}),
        })
        self.by_state.setdefault(state, []).append(tag)
        self.info[tag] = {"seq": seq, "state": state, "total": total, "arm_done": arm_done,
                          "sold_done": sold_done, "occupant": occupant, "ot": ot,
                          "nv": row["NV"], "tipos": tipos}
        return tag

    # --- the whole plant ----------------------------------------------------------------------
    def build(self):
        sold4 = ["BW", "SO", "FILL", "BR", "BW"]
        fixed = {
            1: {"total": 3, "tipos": ["BW", "SO", "BW"]},              # flow assign-1
            61: {"total": 5, "tipos": sold4, "arm_done": 1},           # lifecycle spool
            62: {"total": 4, "tipos": sold4[:4], "arm_done": 1},        # notas / quitar occupied
            91: {"total": 4, "tipos": sold4[:4]},                       # fallback ARM_PEND
            111: {"total": 5},                                          # original flow 09
            131: {"total": 4, "tipos": sold4[:4], "sold_done": 1},      # SOLD flows
            141: {"total": 8, "sold_done": 7, "soldador": 12},          # original flow 07
            161: {"total": 4, "tipos": sold4[:4]},                      # fallback SOLD_PEND
            198: {"armador": 94},                                       # original flow 10
        }
        seq = 0
        rej = 0
        rep = 0
        for state, count in STATES:
            for _ in range(count):
                seq += 1
                f = dict(fixed.get(seq, {}))
                if state == "RECHAZADO":
                    rej += 1
                    f["ciclo"] = 1 if rej <= 3 else 2
                if state == "EN_REPARACION":
                    rep += 1
                    f["ciclo"] = 1 if rep % 2 else 2
                self.spool(seq, state, f)
        assert seq == 200
        assert len(self.info) == 200, "duplicate TAG"

    def manifest(self):
        s = self.by_state
        libre = s["LIBRE"]
        return {
            "generated_at": dmy_hms(self.now),
            "tags": [row["TAG_SPOOL"] for row in self.ops],
            "by_state": s,
            "spools": self.info,
            "roles": {
                "assign_one": libre[0],          # perf flow 05 (seq 1)
                "add_one": libre[1],             # perf flow 04
                "batch_assign": libre[1:6],      # perf flow 06 (seq 2..6)
                "uniones_edit": libre[6],
                "lifecycle": s["EN_ARM"][0],     # ARM partial -> ... -> metrología
                "occupied_arm": s["EN_ARM"][1],  # notas, quitar ocupado
                "en_sold": s["EN_SOLD"][0],      # perf flow 07
                "arm_term": s["ARM_TERM"][0],    # perf flow 09 (skip OperationModal -> SOLD)
                "sold_term": s["SOLD_TERM"][0],  # perf flow 09 (-> metrología)
                "met_pend": s["MET_PEND"][0],    # perf flow 08
                "rechazado": s["RECHAZADO"][0],
                "en_reparacion": s["EN_REPARACION"][0],
            },
            "workers": {
                "armador_display": "Manuel Marchetti", "armador_id": 11,
                "armador2_display": "Mauricio Rodriguez", "armador2_id": 93,
                "soldador_display": "Maximiliano Liberona", "soldador_id": 12,
                "reparador_display": "Nicolás Rodriguez", "reparador_id": 94,
                "metrologo_display": "Fernanda Fuentes", "metrologo_id": 129,
            },
        }


def write_csv(path, headers, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(headers)
        for r in rows:
            w.writerow([r.get(h, "") for h in headers] if isinstance(r, dict) else r)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--shared-ot", action="store_true", help="OT 9999 on every spool")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    p = Plant(a.seed, a.shared_ot)
    p.build()
    write_csv(os.path.join(a.out, "Operaciones.csv"), OPERACIONES_HEADERS, p.ops)
    write_csv(os.path.join(a.out, "Uniones.csv"), UNIONES_HEADERS, p.unions)
    write_csv(os.path.join(a.out, "Metadata.csv"), METADATA_HEADERS, p.meta)
    write_csv(os.path.join(a.out, "Trabajadores.csv"), ["Id", "Nombre", "Apellido", "Activo"],
              [[w[0], w[1], w[2], "TRUE" if w[3] else "FALSE"] for w in WORKERS])
    write_csv(os.path.join(a.out, "Roles.csv"), ["Id", "Rol", "Activo"],
              [[w[0], role, "TRUE"] for w in WORKERS for role in w[4]])
    with open(os.path.join(a.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(p.manifest(), f, ensure_ascii=False, indent=1)
    print("%d spools, %d unions, %d workers -> %s" % (len(p.ops), len(p.unions), len(WORKERS), a.out))


if __name__ == "__main__":
    main()

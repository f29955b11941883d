#!/usr/bin/env python3
"""read_xlsx.py FILE.xlsx: every sheet as JSON, read by openpyxl (python3-openpyxl), a reader that
Laba did not write: {"sheets": [{"name", "rows": [[cell, ...], ...]}]}, a date cell as
{"date": "YYYY-MM-DDTHH:MM:SS"}, numbers as numbers, texts as texts."""
import datetime
import json
import sys

import openpyxl

book = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": []}
for ws in book.worksheets:
    rows = []
    for row in ws.iter_rows():
        cells = []
        for c in row:
            v = c.value
            if isinstance(v, datetime.datetime):
                cells.append({"date": v.replace(microsecond=0).isoformat(), "format": c.number_format})
            else:
                cells.append(v)
        rows.append(cells)
    out["sheets"].append({"name": ws.title, "rows": rows})
print(json.dumps(out, ensure_ascii=False))

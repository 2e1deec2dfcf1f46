#!/usr/bin/env python3
# The Python pipeline issue #6 compares the workbook import with: read a portfolio workbook
# of the template's layout with fastexcel, then NPV and IRR of every project with numpy
# (f64, vectorised; no eligibility, no lifecycle cost, no financing, no provenance).
# Run: pip install fastexcel pyarrow numpy && python3 core/benches/peers/python_workbook.py FILE.xlsx
# (FILE.xlsx from `greenlight bench --xlsx --projects 100000 --save FILE.xlsx`)
import sys, time
import numpy as np
import fastexcel

t0 = time.perf_counter()
book = fastexcel.read_excel(sys.argv[1])
projects = book.load_sheet_by_name("Projects", header_row=0).to_arrow()
flows = book.load_sheet_by_name("CashFlows", header_row=0).to_arrow()
t_read = time.perf_counter() - t0

t1 = time.perf_counter()
ids = projects.column("Project id").to_numpy(zero_copy_only=False)
rate = np.array([float(r) for r in projects.column("Discount rate (%)").to_pylist()])
index = {p: i for i, p in enumerate(ids)}
line_project = np.array([index[p] for p in flows.column("Project id").to_pylist()])
esc = np.array([float(e) if e else 0.0 for e in flows.column("Escalation (%)").to_pylist()])
years = [c for c in flows.column_names if c not in ("Project id", "Category", "Label", "Escalation (%)", "Unit")]
amounts = np.column_stack([np.nan_to_num(flows.column(y).to_numpy(zero_copy_only=False).astype(float)) for y in years])
# Escalation from each line's first year, as the template's lines are written.
first = np.argmax(amounts != 0, axis=1)
k = np.clip(np.arange(len(years))[None, :] - first[:, None], 0, None)
amounts = amounts * (1.0 + esc[:, None]) ** k
net = np.zeros((len(ids), len(years)))
np.add.at(net, line_project, amounts)
t = np.arange(len(years))
npv = (net / (1.0 + rate[:, None]) ** t).sum(axis=1)
# IRR: Newton from 10 %, vectorised over the projects still moving (a step of 1e-12 or more),
# at most 50 steps; one root per project, where the engine finds all of them.
r = np.full(len(ids), 0.1)
active = np.arange(len(ids))
steps = 0
while active.size and steps < 50:
    steps += 1
    ra = r[active][:, None]
    d = (1.0 + ra) ** t
    f = (net[active] / d).sum(axis=1)
    df = (-t * net[active] / (d * (1.0 + ra))).sum(axis=1)
    step = f / np.where(df == 0, 1, df)
    r[active] = np.clip(r[active] - step, -0.99, 10)
    active = active[np.abs(step) >= 1e-12]
t_calc = time.perf_counter() - t1
print(f"fastexcel read: {t_read:.2f} s; numpy NPV + IRR: {t_calc:.2f} s; total {t_read + t_calc:.2f} s "
      f"for {len(ids)} projects ({len(flows)} cash-flow lines), {steps} Newton steps; mean NPV {npv.mean():.2f}")

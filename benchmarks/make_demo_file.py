"""Write the demo practice's dirty export (committed at contacts/demo/patients.csv).

Fictional people; every phone number is in the reserved 555-0100..0199 range.
Run: python benchmarks/make_demo_file.py
"""

import csv
from pathlib import Path

from dirty_rows import HEADER, dirty_rows

OUT = Path(__file__).resolve().parent.parent / "contacts" / "demo" / "patients.csv"

if __name__ == "__main__":
    OUT.parent.mkdir(exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(dirty_rows(300, seed=2026, fictional=True))
    print(OUT)

#!/usr/bin/env python3
"""Reads the TRX files of a `dotnet test` run: prints each skipped test with its reason, then one
plain line 'tests: N passed, N failed, N skipped'."""
import glob
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    for result in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", NS):
        outcome = result.get("outcome")
        if outcome == "Passed":
            passed += 1
        elif outcome in ("Failed", "Error", "Timeout", "Aborted"):
            failed += 1
        else:
            skipped += 1
            message = result.find("t:Output/t:ErrorInfo/t:Message", NS)
            reason = (message.text or "").strip() if message is not None else "(no reason given)"
            print(f"skipped {result.get('testName')}: {reason}")
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")

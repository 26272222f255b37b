#!/usr/bin/env python3
"""Mechanical transcriptions of published battery recordings into the formats
`kretslopp-agent collect --json --from` reads (DESIGN.md contract):

  ioreg-json   SystemInfoKit MeasuredValues JSON (normalize.py / plutil output)
               -> XML plist array, as `ioreg -a -r -n AppleSmartBattery` prints
  ioreg-text   `ioreg -r -n AppleSmartBattery` text (one object per
               "+-o AppleSmartBattery" block, or bare "Key" = value lines)
               -> XML plist array
  uevent       uevent text (KEY=value lines) -> sysfs tree
               <root>/class/power_supply/<NAME>/uevent (verbatim lines) plus one
               attribute file per line (lower-case name without POWER_SUPPLY_)
  attrs        sysfs attribute listing (path line, value line; or path:value)
               -> the same sysfs tree, one file per attribute shown
  tlp          `tlp-stat -b` battery block -> sysfs attribute files; values
               printed in [mWh]/[mAh]/[mW]/[mA] are multiplied by 1000 back to
               the sysfs units (µWh, µAh, µW, µA); "(not supported)" is left out
  wmic         `wmic path Win32_Battery get ... /value` (or /format:list) text
               -> {"Win32_Battery": [ {...}, ... ]}, the JSON shape that
               `Get-CimInstance Win32_Battery | ConvertTo-Json` prints: an empty
               value is null, numbers and booleans typed per the Win32_Battery
               MOF (learn.microsoft.com/en-us/windows/win32/cimwin32prov/win32-battery)
               Other WMI text (Format-List, scalars, tables) is transcribed by
               hand with the same typing; see SOURCES.md.

Rules (see SOURCES.md, "Transcription rules"): values are copied unchanged;
a value the source does not show (redacted, "<data: N bytes>", null) is left
out with its key; nothing is added. The only typing decision is booleans in
ioreg-json: keys that every typed ioreg dump in this corpus prints as
<true/>/<false/> (BOOL_KEYS) become booleans when the JSON has 0/1.
"""
import json
import os
import plistlib
import re
import sys

# Keys printed as <true/>/<false/> in the typed (XML) ioreg dumps of this corpus
# (macos/pwer-mba-26/AppleSmartBattery.plist) and as Yes/No in the ioreg text
# dumps (macos/shalby-mbp15-osx, macos/hiboma-mbp-osx).
BOOL_KEYS = {
    "AppleRawExternalConnected", "AtCriticalLevel", "BatteryInstalled",
    "ExternalChargeCapable", "ExternalConnected", "FullyCharged", "IsCharging",
    "IsWireless", "SkipperNEIgnoreAtCritical", "built-in",
}

UNSHOWN = re.compile(r"^<(redacted|data: \d+ bytes)>$")


def _clean(v, key=None):
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            c = _clean(x, k)
            if c is not None:
                out[k] = c
        return out
    if isinstance(v, list):
        items = [_clean(x, key) for x in v]
        if any(i is None for i in items):
            return None  # an element is not shown: the whole array is not shown
        return items
    if v is None:
        return None
    if isinstance(v, str) and UNSHOWN.match(v):
        return None
    if key in BOOL_KEYS and isinstance(v, int) and v in (0, 1):
        return bool(v)
    return v


def ioreg_json(path):
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    return [_clean(d)]


# --- ioreg text -------------------------------------------------------------

class _P:
    def __init__(self, s):
        self.s, self.i = s, 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t":
            self.i += 1

    def value(self):
        self.ws()
        c = self.s[self.i]
        if c == '"':
            j = self.s.index('"', self.i + 1)
            v = self.s[self.i + 1:j]
            self.i = j + 1
            return v
        if c == "<":
            j = self.s.index(">", self.i)
            hx = self.s[self.i + 1:j].replace(" ", "")
            self.i = j + 1
            return bytes.fromhex(hx)
        if c == "(":
            self.i += 1
            arr = []
            self.ws()
            if self.s[self.i] == ")":
                self.i += 1
                return arr
            while True:
                arr.append(self.value())
                self.ws()
                if self.s[self.i] == ",":
                    self.i += 1
                    continue
                if self.s[self.i] == ")":
                    self.i += 1
                    return arr
                raise ValueError("array at %d: %r" % (self.i, self.s[self.i:self.i + 20]))
        if c == "{":
            self.i += 1
            d = {}
            self.ws()
            if self.s[self.i] == "}":
                self.i += 1
                return d
            while True:
                self.ws()
                k = self.value()
                self.ws()
                assert self.s[self.i] == "=", self.s[self.i:self.i + 20]
                self.i += 1
                d[k] = self.value()
                self.ws()
                if self.s[self.i] == ",":
                    self.i += 1
                    continue
                if self.s[self.i] == "}":
                    self.i += 1
                    return d
                raise ValueError("dict at %d: %r" % (self.i, self.s[self.i:self.i + 20]))
        m = re.compile(r"[^,)}\s]*").match(self.s, self.i)
        tok = m.group(0)
        self.i = m.end()
        if tok == "Yes":
            return True
        if tok == "No":
            return False
        if re.fullmatch(r"-?\d+", tok):
            return int(tok)
        if re.fullmatch(r"-?\d+\.\d+", tok):
            return float(tok)
        if tok == "":
            return None  # e.g. "AdapterPower"= with no value shown
        return tok


LINE = re.compile(r'^[\s|]*"([^"]+)" = (.*)$')


def ioreg_text(path, drop=()):
    """drop: keys whose shown value is a placeholder the publisher put in place
    of the real one (anonymised serials); they are left out like redactions."""
    objs, cur = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if "+-o AppleSmartBattery" in line:
                cur = {}
                objs.append(cur)
                continue
            m = LINE.match(line)
            if not m:
                continue
            if cur is None:
                cur = {}
                objs.append(cur)
            if m.group(1) in drop:
                continue
            v = _P(m.group(2)).value()
            v = _drop_none(v)
            if v is not None:
                cur[m.group(1)] = v
    return objs


def _drop_none(v):
    if isinstance(v, dict):
        return {k: _drop_none(x) for k, x in v.items() if _drop_none(x) is not None}
    if isinstance(v, list):
        return [_drop_none(x) for x in v]
    return v


def write_plist(objs, out):
    # ioreg prints unsigned 64-bit values; plistlib needs them as int too.
    with open(out, "wb") as f:
        plistlib.dump(objs, f, fmt=plistlib.FMT_XML, sort_keys=True)


# --- sysfs ------------------------------------------------------------------

def _write(root, name, attr, value):
    d = os.path.join(root, "class", "power_supply", name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, attr), "w", encoding="utf-8") as f:
        f.write(value + "\n")


def uevent(path, root):
    """Each block of KEY=value lines starting at POWER_SUPPLY_NAME is one supply."""
    blocks, cur = [], None
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n").strip()
            if "=" not in line or not line.startswith(("POWER_SUPPLY_", "DEVTYPE")):
                continue
            k, v = line.split("=", 1)
            if k == "POWER_SUPPLY_NAME":
                cur = {"name": v, "lines": []}
                blocks.append(cur)
            if cur is None:
                raise SystemExit("%s: uevent line before POWER_SUPPLY_NAME" % path)
            cur["lines"].append((k, v, line))
    for b in blocks:
        d = os.path.join(root, "class", "power_supply", b["name"])
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "uevent"), "w", encoding="utf-8") as f:
            for _, _, line in b["lines"]:
                f.write(line + "\n")
        for k, v, _ in b["lines"]:
            if k.startswith("POWER_SUPPLY_") and k != "POWER_SUPPLY_NAME":
                _write(root, b["name"], k[len("POWER_SUPPLY_"):].lower(), v)


ATTR_PATH = re.compile(r"^/sys/class/power_supply/([^/]+)/([a-z_0-9]+):?(.*)$")


def attrs(path, root):
    """`for f in .../*; do echo $f; cat $f; done` (path line then value line)
    or `grep -r . .../` (path:value). uevent content is written verbatim too."""
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f]
    i = 0
    while i < len(lines):
        m = ATTR_PATH.match(lines[i])
        if not m:
            i += 1
            continue
        name, attr, rest = m.group(1), m.group(2), m.group(3)
        if rest:  # grep form path:value
            if attr == "uevent":
                d = os.path.join(root, "class", "power_supply", name)
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, "uevent"), "a", encoding="utf-8") as f:
                    f.write(rest + "\n")
            else:
                _write(root, name, attr, rest)
            i += 1
            continue
        # echo/cat form: value lines until the next path line
        j = i + 1
        vals = []
        while j < len(lines) and not ATTR_PATH.match(lines[j]):
            vals.append(lines[j])
            j += 1
        if vals and not vals[0].startswith("cat:"):
            if attr == "uevent":
                d = os.path.join(root, "class", "power_supply", name)
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, "uevent"), "w", encoding="utf-8") as f:
                    for v in vals:
                        # a line cut off by the source (no "=") is not shown
                        if v.startswith("POWER_SUPPLY_") and "=" in v:
                            f.write(v + "\n")
            else:
                _write(root, name, attr, vals[0])
        i = j


TLP = re.compile(r"^/sys/class/power_supply/([^/]+)/([a-z_0-9]+)\s+=\s+(.*?)\s*$")
UNIT = re.compile(r"^(-?\d+)\s+\[(mWh|mAh|mW|mA|mV)\]$")


def tlp(path, root):
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = TLP.match(line.rstrip("\n"))
            if not m:
                continue
            name, attr, val = m.groups()
            if val.startswith("(not supported)") or val.startswith("(not available)"):
                continue
            u = UNIT.match(val)
            if u:
                val = str(int(u.group(1)) * 1000)
            elif re.match(r"^\d+ \(or not supported\)$", val):
                val = val.split()[0]
            elif re.match(r"^-?\d+ \[%\]$", val):
                val = val.split()[0]
            _write(root, name, attr, val)


# Win32_Battery property types from the MOF on
# https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/win32-battery
WIN32_BATTERY_TYPES = {
    "Availability": "uint", "BatteryRechargeTime": "uint", "BatteryStatus": "uint",
    "Caption": "string", "Chemistry": "uint", "ConfigManagerErrorCode": "uint",
    "ConfigManagerUserConfig": "bool", "CreationClassName": "string",
    "Description": "string", "DesignCapacity": "uint", "DesignVoltage": "uint",
    "DeviceID": "string", "ErrorCleared": "bool", "ErrorDescription": "string",
    "EstimatedChargeRemaining": "uint", "EstimatedRunTime": "uint",
    "ExpectedBatteryLife": "uint", "ExpectedLife": "uint",
    "FullChargeCapacity": "uint", "InstallDate": "datetime", "LastErrorCode": "uint",
    "MaxRechargeTime": "uint", "Name": "string", "PNPDeviceID": "string",
    "PowerManagementCapabilities": "uint[]", "PowerManagementSupported": "bool",
    "SmartBatteryVersion": "string", "Status": "string", "StatusInfo": "uint",
    "SystemCreationClassName": "string", "SystemName": "string",
    "TimeOnBattery": "uint", "TimeToFullCharge": "uint",
}


def _wmi_value(name, raw):
    t = WIN32_BATTERY_TYPES.get(name)
    if t is None:
        raise SystemExit("unknown Win32_Battery property %r" % name)
    if raw == "":
        return None
    if t == "uint":
        return int(raw)
    if t == "bool":
        return {"TRUE": True, "FALSE": False}[raw.upper()]
    if t == "uint[]":
        return [int(x) for x in raw.strip("{}").split(",") if x != ""]
    return raw


def wmic(path):
    """wmic /value: NAME=value lines; an instance starts again when a property
    repeats (the first property of the listing)."""
    objs, cur = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if "=" not in line or line.startswith("PS ") or " " in line.split("=", 1)[0]:
                continue
            k, v = line.split("=", 1)
            if cur is None or k in cur:
                cur = {}
                objs.append(cur)
            cur[k] = _wmi_value(k, v)
    return {"Win32_Battery": objs}


def main():
    kind, src = sys.argv[1], sys.argv[2]
    out = sys.argv[3]
    if kind == "ioreg-json":
        write_plist(ioreg_json(src), out)
    elif kind == "ioreg-text":
        drop = sys.argv[4].split(",") if len(sys.argv) > 4 else ()
        write_plist(ioreg_text(src, drop), out)
    elif kind == "uevent":
        uevent(src, out)
    elif kind == "attrs":
        attrs(src, out)
    elif kind == "tlp":
        tlp(src, out)
    elif kind == "wmic":
        with open(out, "w", encoding="utf-8") as f:
            json.dump(wmic(src), f, indent=2)
            f.write("\n")
    else:
        raise SystemExit("unknown kind " + kind)


if __name__ == "__main__":
    main()

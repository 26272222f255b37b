#!/usr/bin/env python3
"""Writes ../facts.json: for every recording the raw values its files show
(read from the files themselves, so facts and files cannot drift apart) and,
from META below, where it was published and what the OS or a tool showed the
user. No agent rule is applied: no unit conversion, no choice of voltage.

Run from the corpus folder: python3 transcribe/facts.py > facts.json
"""
import datetime
import json
import os
import plistlib
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

SIK = "https://github.com/Kyome22/SystemInfoKit/blob/{c}/MeasuredValues/{p}"
SIK_README = ("https://github.com/Kyome22/SystemInfoKit/blob/56bfde260431e8c0270137f409f8e8c9de04bbec/"
              "MeasuredValues/README.md (section \"System Settings comparison\")")


def sik(path, commit, machine, ver, state, pack=None, pack_commit=None, shown=None):
    src = {"url": SIK.format(c=commit, p="AppleSmartBattery/" + path),
           "repo": "Kyome22/SystemInfoKit", "path": "MeasuredValues/AppleSmartBattery/" + path,
           "commit": commit, "author": "volunteers, collected by Kyome22 (MeasuredValues/README.md)",
           "published": "2026-07 (repository history)"}
    if pack:
        src["pack_url"] = SIK.format(c=pack_commit, p="AppleSmartBatteryPack/" + pack)
    files = {"source": ["AppleSmartBattery.json"] + (["AppleSmartBatteryPack.json"] if pack else []),
             "from": ["AppleSmartBattery.plist"]}
    return dict(os="macos", os_version=ver, arch="arm64", machine=machine, source=src,
                form="JSON of ioreg AppleSmartBattery (SystemInfoKit normalize.py / plutil), "
                     "serials redacted by the publisher; power state: " + state,
                transcribed="XML plist (transcribe.py ioreg-json)", complete=True, files=files,
                shown_to_user=shown)


# The M3 Air's reading arrived after the README's comparison table, which
# the same commit cut down to its conclusion: the figure is in the commit
# message only.
SIK_M3_COMMIT = ("https://github.com/Kyome22/SystemInfoKit/commit/dd86226bf8ab44479fbf062c625489ac75d511ae "
                 "(commit message: \"A fourth System Settings reading (MacBook Air M3 on macOS 27, 90%)\")")

SETTINGS = lambda pct, where=SIK_README: {"health_pct": pct, "by": "macOS System Settings, Maximum Capacity",
                                          "where": where}

META = {
    "macos/sik-mba-m2-27": sik("MacBook_Air_M2_macOS_27_appleAdapter.json", "ea4014d086510842e5bdf28f8550c214bdcc7aef",
                               "MacBook Air (M2)", "27", "Apple 30W adapter, charging",
                               "MacBook_Air_M2_macOS_27_appleAdapter.json", "ea4014d086510842e5bdf28f8550c214bdcc7aef",
                               SETTINGS(100)),
    "macos/sik-mba-m3-27": sik("MacBook_Air_M3_macOS_27_unknownAdapter.json", "ea4014d086510842e5bdf28f8550c214bdcc7aef",
                               "MacBook Air (M3)", "27", "90W third-party adapter, not charging at 80%",
                               "MacBook_Air_M3_macOS_27_unknownAdapter.json", "ea4014d086510842e5bdf28f8550c214bdcc7aef",
                               SETTINGS(90, SIK_M3_COMMIT)),
    "macos/sik-mba-m4-26": sik("MacBook_Air_M4_macOS_26_appleAdapter.json", "210b20393b6a6aa2bc0073bad697bd65d1bcb616",
                               "MacBook Air (M4)", "26", "Apple 30W adapter, not charging at 80%"),
    "macos/sik-mbp-m1pro-15": sik("MacBook_Pro_M1_Pro_macOS_15_appleAdapter.json", "ea4014d086510842e5bdf28f8550c214bdcc7aef",
                                  "MacBook Pro (M1 Pro)", "15", "Apple 96W adapter, charging", shown=SETTINGS(91)),
    "macos/sik-mbp-m2max-15": sik("MacBook_Pro_M2_Max_macOS_15_onBattery.json", "210b20393b6a6aa2bc0073bad697bd65d1bcb616",
                                  "MacBook Pro (M2 Max)", "15", "on battery, 8%"),
    "macos/sik-mbp-m2pro-26": sik("MacBook_Pro_M2_Pro_macOS_26_appleAdapter.json", "210b20393b6a6aa2bc0073bad697bd65d1bcb616",
                                  "MacBook Pro (M2 Pro)", "26", "Apple 67W adapter, not charging at 80%"),
    "macos/sik-mbp16-m4max-26": sik("MacBook_Pro_M4_Max_macOS_26_appleAdapter.json", "cc597ccfa1a6c09f2c251119136c5d679ca396b0",
                                    "MacBook Pro 16-inch (M4 Max) (16-inch per MeasuredValues/README.md: DesignCapacity 8579 mAh)",
                                    "26", "Apple 140W adapter, charging"),
    "macos/sik-mbp14-m4max-26": sik("MacBook_Pro_M4_Max_macOS_26_onBattery.json", "210b20393b6a6aa2bc0073bad697bd65d1bcb616",
                                    "MacBook Pro 14-inch (M4 Max) (14-inch per MeasuredValues/README.md: DesignCapacity 6249 mAh)",
                                    "26", "on battery"),
    "macos/sik-mbp-m4pro-15": sik("MacBook_Pro_M4_Pro_macOS_15_onBattery.json", "210b20393b6a6aa2bc0073bad697bd65d1bcb616",
                                  "MacBook Pro (M4 Pro)", "15", "on battery, 100%"),
    "macos/sik-mbp-m4pro-26": sik("MacBook_Pro_M4_Pro_macOS_26.json", "71cd6f6e5b9dd2944e402c2f5a326d76d0027f9f",
                                  "MacBook Pro (M4 Pro)", "26",
                                  "90W third-party adapter, full (later renamed ..._unknownAdapter.json upstream)",
                                  shown=SETTINGS(97)),
    "macos/sik-mbp-m5-26": sik("MacBook_Pro_M5_macOS_26_appleAdapter.json", "210b20393b6a6aa2bc0073bad697bd65d1bcb616",
                               "MacBook Pro (M5)", "26", "Apple 70W adapter, not charging at 79%"),
    "macos/sik-mini-m4-26": sik("Mac_mini_M4_macOS_26_noBattery.json", "ea4014d086510842e5bdf28f8550c214bdcc7aef",
                                "Mac mini (M4), no battery", "26", "desktop, BatteryInstalled = 0"),
    "macos/sik-studio-m4max-26": sik("Mac_Studio_M4_Max_macOS_26_noBattery.json", "ea4014d086510842e5bdf28f8550c214bdcc7aef",
                                     "Mac Studio (M4 Max), no battery", "26", "desktop, BatteryInstalled = 0"),
    "macos/pwer-mba-26": dict(
        os="macos", os_version=None, arch="arm64",
        machine="Apple silicon Mac laptop, model not stated (bq40z651 gauge, DesignCapacity 4629 mAh, the same as "
                "the MacBook Air M4 in sik-mba-m4-26); captured 2025-12-27 (UpdateTime), so most likely macOS 26",
        source={"url": "https://github.com/narumiruna/pwer/blob/17a48e84d56ebf90140293483762c32c628c8991/tests/fixtures/real_mac.txt",
                "repo": "narumiruna/pwer", "path": "tests/fixtures/real_mac.txt",
                "commit": "17a48e84d56ebf90140293483762c32c628c8991", "author": "narumiruna",
                "published": "2025-12 (fixture described as \"real ioreg output\" in tests/conftest.py)"},
        form="XML plist of `ioreg -rw0 -c AppleSmartBattery -a` (verbatim, full)",
        transcribed=None, complete=True,
        files={"source": ["AppleSmartBattery.plist"], "from": ["AppleSmartBattery.plist"]},
        shown_to_user=None),
    "macos/si1041-27": dict(
        os="macos", os_version="27", arch=None, machine="not stated",
        source={"url": "https://github.com/sebhildebrandt/systeminformation/issues/1041", "author": "Jy-EggRoll",
                "published": "2026-09-16",
                "context": "the fix PR https://github.com/sebhildebrandt/systeminformation/pull/1042 says it was "
                           "tested on \"real macOS 27.0 (26A428)\""},
        form="one line of `ioreg -n AppleSmartBattery -r` text as quoted in the issue (the BatteryData line only)",
        transcribed="XML plist (transcribe.py ioreg-text)", complete=False,
        files={"source": ["ioreg.txt"], "from": ["AppleSmartBattery.plist"]},
        shown_to_user={"note": "systeminformation showed maxCapacity 0 and health 0 (the bug reported)"}),
    "macos/macstats7-intel-mojave": dict(
        os="macos", os_version="10.14", arch="x86_64", machine="Intel Mac laptop, model not stated",
        source={"url": "https://github.com/jkuri/macstats/issues/7", "author": "alexalouit", "published": "2018-10-18"},
        form="three `ioreg -rn AppleSmartBattery | grep` lines (MaxCapacity, DesignCapacity, CycleCount) and the "
             "macstats output",
        transcribed="XML plist (transcribe.py ioreg-text)", complete=False,
        files={"source": ["ioreg.txt", "macstats.txt"], "from": ["AppleSmartBattery.plist"]},
        shown_to_user={"by": "macstats", "full_mAh": 6077, "charge_mAh": 5932,
                       "note": "macstats showed Maximum Charge 6077 mAh, Current Charge 5932 mAh, Is Charged, "
                               "Design Capacity NaN (its bug)"}),
    "macos/shalby-mbp-osx": dict(
        os="macos", os_version=None, arch="x86_64",
        machine="Intel MacBook, model not stated (bq20z451 gauge, DesignCapacity 8460 mAh, ManufactureDate 2012-09-15)",
        source={"url": "https://github.com/mashhoodr/Shalby/blob/master/Shalby/MLBatteryInfo.m",
                "repo": "mashhoodr/Shalby", "path": "Shalby/MLBatteryInfo.m", "commit": None,
                "author": "Mashhood Rastgar", "published": "2013-08-10 (file header)"},
        form="`ioreg` AppleSmartBattery text properties pasted in a comment of the source file (OS X era, before "
             "AppleRaw* keys existed)",
        transcribed="XML plist (transcribe.py ioreg-text)", complete=True,
        files={"source": ["ioreg.txt"], "from": ["AppleSmartBattery.plist"]}, shown_to_user=None),
    "macos/hiboma-mbp-osx": dict(
        os="macos", os_version=None, arch="x86_64",
        machine="Intel MacBook, model not stated (bq20z451 gauge, DesignCapacity 6900 mAh, ManufactureDate 2011-01-24)",
        source={"url": "https://github.com/hiboma/p5-Mac-IORegistry-Battery/blob/f7442eb34bc384a5be2c66d5c42ac7e3e7a67df7/t/01_get.t",
                "repo": "hiboma/p5-Mac-IORegistry-Battery", "path": "t/01_get.t",
                "commit": "f7442eb34bc384a5be2c66d5c42ac7e3e7a67df7", "author": "hiboma", "published": None},
        form="`ioreg -rc AppleSmartBattery` text used as test input; the author replaced BatterySerialNumber and "
             "ManufacturerData by placeholders (AAAA…, <aaaa…>), which the transcription leaves out",
        transcribed="XML plist (transcribe.py ioreg-text, drop=BatterySerialNumber,ManufacturerData)", complete=True,
        files={"source": ["ioreg.txt"], "from": ["AppleSmartBattery.plist"]}, shown_to_user=None),
}


def linux(url, author, date, machine, form, src, kind, complete=True, shown=None, version=None, note=None,
          tool=None):
    d = dict(os="linux", os_version=version, arch=None, machine=machine, tool=tool,
             source={"url": url, "author": author, "published": date},
             form=form, transcribed="sysfs tree (transcribe.py %s)" % kind, complete=complete,
             files={"source": [src], "sysfs_root": "sysfs"}, shown_to_user=shown)
    if note:
        d["note"] = note
    return d


UEVENT = "`cat /sys/class/power_supply/<name>/uevent` output"
TLPF = ("`tlp-stat -b` battery block (values in mWh/mAh, transcribed ×1000 to µWh/µAh; attributes tlp-stat "
        "does not print, e.g. type, present, voltage_*, capacity, are absent)")

META.update({
    "linux/i3bp4-xps15-9560": linux("https://github.com/rjekker/i3-battery-popup/issues/4", "ergor", "2017-10-03",
                                    "Dell XPS 15 9560", UEVENT, "uevent.txt", "uevent",
                                    version="Arch Linux, kernel 4.12.13-1-ARCH"),
    "linux/i3s186-thinkpad-42t4977": linux("https://github.com/i3/i3status/issues/186", "ael-code", "2016-12-17",
                                           "not stated (battery SMP 42T4977, a Lenovo part)", UEVENT, "uevent.txt", "uevent",
                                           shown={"by": "i3status 2.10", "charge_pct": 21.33,
                                                  "note": "i3status showed 21.33% where the kernel's capacity is 32%"}),
    "linux/ff118-dell-pn1vn08": linux("https://github.com/fastfetch-cli/fastfetch/issues/118", "LinusDierheimer",
                                      "2021-12-28", "laptop, model not stated (battery DELL PN1VN08)", UEVENT,
                                      "uevent.txt", "uevent"),
    "linux/i3s288-thinkpad-42t4865": linux("https://github.com/i3/i3status/issues/288", "nolash", "2018-06-16",
                                           "not stated (battery LGC 42T4865, a Lenovo part)", UEVENT, "uevent.txt", "uevent",
                                           shown={"by": "i3status", "charge_pct": 9.7,
                                                  "note": "i3status showed 9.7% and stopped at \"UNK 37%\" while charging"}),
    "linux/codehex8-asus-c300": linux("https://github.com/Code-Hex/battery/pull/8", "yasu47b", "2016-10-25",
                                      "ASUS Chromebook C300", "uevent text", "uevent.txt", "uevent"),
    "linux/i3-775-thinkpad-bat1": linux("https://github.com/i3/i3/issues/775",
                                        "keks@… (reported on trac, imported by i3bot)", "2012-08-16",
                                        "not stated (battery LGC 42T4969, a Lenovo part), supply named BAT1",
                                        "`cat uevent` output", "uevent.txt", "uevent",
                                        shown={"by": "i3status", "charge_pct": 100.26}),
    "linux/i3py156-thinkpad-bat1": linux("https://github.com/enkore/i3pystatus/issues/156", "azmd", "2015-01-04",
                                         "laptop with two batteries, model not stated (this is BAT1: SONY 45N1041, "
                                         "a Lenovo part); BAT0 is not shown", UEVENT, "uevent.txt", "uevent",
                                         complete=False,
                                         note="the second battery of a two-battery laptop, depleted (energy_now 0, "
                                              "status Unknown); the first battery was not posted"),
    "linux/burr-t470-two": linux(None, "Matthew Burr", "2020-04-14",
                                 "Lenovo ThinkPad T470, internal LGC 01AV489 (BAT0) and external Celxpert 01AV424 (BAT1)",
                                 UEVENT + " for BAT0 and BAT1", "uevent.txt", "uevent",
                                 version="Gentoo, gentoo-sources-5.4.28",
                                 note="blog post \"Gentoo Linux on the ThinkPad T470\" (Hugo front matter: slug "
                                      "gentoo-linux-on-the-thinkpad-t470); the search tool shows it as stored file "
                                      "id 4606468120 without its repository or URL, so the address could not be "
                                      "resolved"),
    "linux/solaar512-m560-mouse": linux("https://github.com/pwr-Solaar/Solaar/issues/512", "priv", "2019-03-20",
                                        "desktop (hostname alvin-BM1AF) with a Logitech Wireless Mouse M560; no laptop "
                                        "battery", UEVENT, "uevent.txt", "uevent", version="Ubuntu 18.10"),
    "linux/battop27-thinkpad-t16": linux("https://github.com/svartalf/rust-battop/issues/27", "dausruddin", "2023-09-01",
                                         "Lenovo ThinkPad T16 Gen 1", "uevent as printed by a `for f in …; echo; cat` loop",
                                         "uevent.txt", "uevent",
                                         note="model_name holds non-UTF-8 bytes shown as U+FFFD in the issue"),
    "linux/xmobar276-thinkpad-45n1153": linux("https://github.com/jaor/xmobar/issues/276", "waynr", "2016-09-01",
                                              "not stated (battery LGC 45N1153, a Lenovo part)",
                                              "`for f in /sys/class/power_supply/BAT0/*; do echo $f; cat $f; done`",
                                              "attributes.txt", "attrs", complete=False,
                                              note="the stored excerpt ends inside uevent (after CAPACITY); the "
                                                   "attribute files after uevent (voltage_*) are not shown, their "
                                                   "values are in the uevent lines"),
    "linux/tlp707-msi-bat1": linux("https://github.com/linrunner/TLP/issues/707", "ElSargo", None,
                                   "MSI laptop, model not stated (supply BAT1, model_name BIF0_9)",
                                   "`grep -r . /sys/class/power_supply/BAT1/` output (path:value)",
                                   "attributes.txt", "attrs", complete=False,
                                   note="the stored excerpt ends inside the uevent lines; no voltage_* attribute is shown"),
    "linux/tlp762-x1-extreme-gen2": linux("https://github.com/linrunner/TLP/issues/762", "qpkorr", "2024-09-13",
                                          "Lenovo ThinkPad X1 Extreme Gen 2", TLPF, "tlp-stat.txt", "tlp",
                                          tool="TLP 1.6.1", complete=False,
                                          note="implausible: energy_full 653840 mWh against energy_full_design 13840 mWh "
                                               "(47.2×); model_name is garbage; issue labelled \"battery defect\"; the stored "
                                               "excerpt ends after the charge thresholds, before tlp-stat's Charge and "
                                               "Capacity lines"),
    "linux/tlp330-thinkpad-45n1173": linux("https://github.com/linrunner/TLP/issues/330", "pgera", "2018-03-25",
                                           "ThinkPad, model not stated (battery SANYO 45N1173)", TLPF, "tlp-stat.txt", "tlp",
                                           shown={"by": "tlp-stat", "health_pct": 101.0, "charge_pct": 100.0}),
    "linux/tlp471-dell-xps-t453x": linux("https://github.com/linrunner/TLP/issues/471", "pflanzenandi", "2020-02-13",
                                         "Dell XPS, model not stated (battery DELL T453X)", TLPF, "tlp-stat.txt", "tlp",
                                         version="Ubuntu 19.10", tool="TLP 1.3.1",
                                         shown={"by": "tlp-stat", "health_pct": 97.0, "charge_pct": 72.4,
                                                "note": "the reporter says upower and Windows powercfg /batteryreport "
                                                        "show capacities more than 10% higher (values not in the excerpt)"}),
    "linux/tlp446-hp-pavilion-15": linux("https://github.com/linrunner/TLP/issues/446", "nnmlss",
                                         "2020-01 (comment answered by linrunner on 2020-01-22)",
                                         "HP Pavilion Power Laptop 15-cb0xx", TLPF, "tlp-stat.txt", "tlp",
                                         shown={"by": "tlp-stat", "health_pct": 100.0, "charge_pct": 100.0}),
})


def win(url, author, date, machine, form, srcs, version=None, complete=True, shown=None, note=None, extra=None):
    d = dict(os="windows", os_version=version, arch=None, machine=machine,
             source={"url": url, "author": author, "published": date},
             form=form, transcribed="JSON keyed by WMI class (see SOURCES.md)", complete=complete,
             files={"source": srcs, "from": ["wmi.json"]}, shown_to_user=shown)
    if note:
        d["note"] = note
    if extra:
        d["source"].update(extra)
    return d


META.update({
    "windows/si539-dell-xps15": win("https://github.com/sebhildebrandt/systeminformation/issues/539", "plakak",
                                    "2021-05-17", "Dell XPS 15 (model number cut in the excerpt: \"Dell XPS 15 9\")",
                                    "`wmic Path Win32_Battery … /value` and two `(Get-WmiObject … -Namespace ROOT/WMI)."
                                    "<Property>` scalars", ["wmic.txt", "powershell.txt"], version="Windows 10",
                                    note="root\\WMI values are scalars: no InstanceName shown"),
    "windows/si537-thinkpad-t450s-two": win("https://github.com/sebhildebrandt/systeminformation/issues/537", "plakak",
                                            "2021-05-16", "Lenovo ThinkPad T450s (internal and external battery)",
                                            "`wmic Path Win32_Battery Get BatteryStatus,EstimatedChargeRemaining /value`",
                                            ["wmic.txt"], version="Windows 10",
                                            note="Win32_Battery only; the first battery has an empty BatteryStatus"),
    "windows/glpi240-thinkpad-two": win("https://github.com/glpi-project/glpi-agent/issues/240", "pxlcore", "2022-10-13",
                                        "laptop with two batteries (00HW023 and 01AV406, Lenovo ThinkPad parts); model "
                                        "not stated", "`wmic path Win32_Battery get /format:list` (German UI)",
                                        ["wmic.txt"], complete=False,
                                        note="Win32_Battery only (DesignCapacity and FullChargeCapacity empty); the stored "
                                             "excerpt ends in the second instance after SystemName"),
    "windows/si42-dell-laptop": win("https://github.com/sebhildebrandt/systeminformation/issues/42", "PikaDude",
                                    "2017-06-20", "Dell laptop, model not stated",
                                    "`WMIC Path Win32_Battery Get BatteryStatus, DesignCapacity, EstimatedChargeRemaining /value`",
                                    ["wmic.txt"], version="Windows 10", note="taken while charging (the reporter says so)"),
    "windows/superuser994185-asus-k52f": win(
        "https://newbetuts.com/994185-where-does-powercfg-get-battery-health-information-and-why-isnt-it-in-wmi",
        "answerer not shown (question by tgies, 2015-10-31)", "2015",
        "ASUS laptop, battery DeviceName K52F-44 (ASUS K52F)",
        "three `Get-WmiObject -Namespace 'root\\wmi' -Query …` Format-List outputs as rendered by the page",
        ["powershell.txt"],
        extra={"origin": "https://superuser.com/questions/994185/where-does-powercfg-get-battery-health-information-and-why-isnt-it-in-wmi"},
        note="root\\WMI only; no Win32_Battery shown"),
    "windows/scriptrunner-battery-wear": win("https://www.scriptrunner.com/blog-admin-architect/detecting-laptop-battery-wear",
                                             "ScriptRunner blog", None, "laptop, model not stated",
                                             "table printed by the post's PowerShell (BatteryFullChargedCapacity joined "
                                             "with BatteryStaticData.DesignedCapacity by InstanceName)",
                                             ["powershell.txt"],
                                             shown={"by": "the post's PowerShell script", "health_pct": 52.99}),
    "windows/psdotcom-thierry-laptop": win("https://github.com/CailleauThierry/PowerShellDotCom/blob/master/Get-MyLaptopBatteryStatus.ps1",
                                           "CailleauThierry", "2023-02-13 (file header)", "laptop, model not stated",
                                           "the same table, pasted into a comment of the script", ["powershell.txt"],
                                           extra={"repo": "CailleauThierry/PowerShellDotCom",
                                                  "path": "Get-MyLaptopBatteryStatus.ps1", "commit": None},
                                           shown={"by": "the script", "health_pct": 63.57}),
    "windows/si641-dell-m4gwp11": win("https://github.com/sebhildebrandt/systeminformation/issues/641", "babojamo",
                                      "2022-01-17", "PC DESKTOP-HBA5R8G with a Dell battery (DeviceID \" 4390BYDDELL M4GWP11\")",
                                      "`Get-WmiObject Win32_Battery | fl *` (Format-List)", ["powershell.txt"],
                                      complete=False,
                                      note="the stored excerpt ends after ErrorDescription, before "
                                           "EstimatedChargeRemaining; the reporter says AC is always shown connected "
                                           "and the percentage always 0"),
})


# --- raw values from the files ---------------------------------------------

def utc(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def mac_battery(d, pack=None):
    bd = d.get("BatteryData", {}) or {}
    keys = {}
    for k in ("DesignCapacity", "AppleRawMaxCapacity", "MaxCapacity", "NominalChargeCapacity",
              "AppleRawCurrentCapacity", "CurrentCapacity"):
        if k in d:
            keys[k] = d[k]
    for k in ("DesignCapacity", "FullChargeCapacity", "NominalChargeCapacity", "RemainingCapacity",
              "MaxCapacity", "CurrentCapacity"):
        if k in bd:
            keys["BatteryData." + k] = bd[k]
    if pack is not None:
        pbd = pack.get("BatteryData", {})
        for k in ("AppleRawMaxCapacity", "NominalChargeCapacity", "DesignCapacity", "AppleRawCurrentCapacity"):
            if k in pbd:
                keys["AppleSmartBatteryPack.BatteryData." + k] = pbd[k]
    design = d.get("DesignCapacity", bd.get("DesignCapacity"))
    maxc = d.get("MaxCapacity")
    if "AppleRawMaxCapacity" in d:
        full, fk = d["AppleRawMaxCapacity"], "AppleRawMaxCapacity"
    elif "FullChargeCapacity" in bd:
        full, fk = bd["FullChargeCapacity"], "BatteryData.FullChargeCapacity"
    elif maxc is not None and maxc > 100:
        full, fk = maxc, "MaxCapacity (mAh on Intel Macs)"
    else:
        full, fk = None, None
    volts = {}
    for k in ("Voltage", "AppleRawBatteryVoltage"):
        if k in d:
            volts[k] = d[k]
    if "Voltage" in bd:
        volts["BatteryData.Voltage"] = bd["Voltage"]
    if isinstance(d.get("LegacyBatteryInfo"), dict) and "Voltage" in d["LegacyBatteryInfo"]:
        volts["LegacyBatteryInfo.Voltage"] = d["LegacyBatteryInfo"]["Voltage"]
    cells = bd.get("CellVoltage", d.get("CellVoltage"))
    cycle = d.get("CycleCount", bd.get("CycleCount"))
    state = {k: d[k] for k in ("IsCharging", "ExternalConnected", "FullyCharged") if k in d}
    if maxc == 100 or (maxc is None and bd.get("MaxCapacity") == 100):
        cur = d.get("CurrentCapacity", bd.get("CurrentCapacity"))
        pct = cur
    else:
        pct = None
    return {
        "unit": "mAh",
        "design": design,
        "full": full, "full_key": fk,
        "capacity_keys": keys,
        "voltage_mV": volts,
        "design_voltage_mV": None,
        "cell_voltage_mV": cells,
        "cycle_count": cycle,
        "charge_pct_gauge": pct,
        "state_raw": state,
        "battery_installed": d.get("BatteryInstalled"),
        "update_time": utc(d["UpdateTime"]) if isinstance(d.get("UpdateTime"), int) else None,
    }


def macos(rid, meta):
    d = os.path.join(ROOT, rid)
    with open(os.path.join(d, "AppleSmartBattery.plist"), "rb") as f:
        arr = plistlib.load(f)
    pack = None
    if os.path.exists(os.path.join(d, "AppleSmartBatteryPack.json")):
        with open(os.path.join(d, "AppleSmartBatteryPack.json")) as f:
            pack = json.load(f)
    bats = [mac_battery(x, pack) for x in arr if x.get("BatteryInstalled") not in (False, 0)]
    return bats


ATTRS = ("type", "scope", "present", "status", "technology", "manufacturer", "model_name",
         "cycle_count", "voltage_min_design", "voltage_now", "capacity",
         "energy_full_design", "energy_full", "energy_now", "charge_full_design", "charge_full", "charge_now")


def linux_supplies(rid):
    base = os.path.join(ROOT, rid, "sysfs", "class", "power_supply")
    out = []
    for name in sorted(os.listdir(base)):
        dd = os.path.join(base, name)
        vals = {}
        # uevent lines first, then attribute files for what uevent lacks
        # (the order the kernel ABI gives both; values are the same where both show them)
        ue = os.path.join(dd, "uevent")
        if os.path.exists(ue):
            with open(ue, encoding="utf-8") as f:
                for line in f:
                    k, _, v = line.rstrip("\n").partition("=")
                    a = k[len("POWER_SUPPLY_"):].lower()
                    if k.startswith("POWER_SUPPLY_") and a in ATTRS:
                        vals[a] = v
        for a in ATTRS:
            if a in vals:
                continue
            p = os.path.join(dd, a)
            if os.path.exists(p):
                with open(p, encoding="utf-8") as f:
                    vals[a] = f.read().rstrip("\n")
        unit = "uWh" if "energy_full_design" in vals or "energy_full" in vals else (
            "uAh" if "charge_full_design" in vals or "charge_full" in vals else None)
        pre = "energy_" if unit == "uWh" else "charge_"
        num = lambda k: int(vals[k]) if k in vals and vals[k].lstrip("-").isdigit() else None
        out.append({
            "name": name,
            "unit": unit,
            "design": num(pre + "full_design"),
            "full": num(pre + "full"),
            "now": num(pre + "now"),
            "voltage_uV": {k: num(k) for k in ("voltage_min_design", "voltage_now") if k in vals},
            "cycle_count": num("cycle_count"),
            "capacity_pct": num("capacity"),
            "status": vals.get("status"),
            "type": vals.get("type"),
            "scope": vals.get("scope"),
            "present": num("present"),
            "type_shown": "type" in vals,
            "model_name": vals.get("model_name"),
            "manufacturer": vals.get("manufacturer"),
        })
    return out


def windows(rid):
    with open(os.path.join(ROOT, rid, "wmi.json")) as f:
        d = json.load(f)
    return {k: v for k, v in d.items()}


def main():
    recs = []
    for rid in sorted(META):
        m = dict(META[rid])
        r = {"id": rid}
        r.update(m)
        if m["os"] == "macos":
            r["batteries"] = macos(rid, m)
            r["system_batteries"] = len(r["batteries"])
        elif m["os"] == "linux":
            sup = linux_supplies(rid)
            r["power_supplies"] = sup
            r["system_batteries"] = sum(1 for s in sup if s["scope"] != "Device" and s["unit"] is not None)
        else:
            w = windows(rid)
            r["wmi"] = w
            r["system_batteries"] = max(len(w.get("Win32_Battery", [])), len(w.get("BatteryStaticData", [])),
                                        len(w.get("BatteryFullChargedCapacity", [])))
        recs.append(r)
    json.dump({"schema": 1,
               "about": "Raw values shown by each recording under testdata/corpus (see SOURCES.md). "
                        "Units as in the source: macOS mAh and mV; Linux µWh/µAh and µV; "
                        "Windows root\\WMI mWh and mV. system_batteries counts the laptop batteries the "
                        "recording shows (peripherals such as mice are not counted).",
               "recordings": recs}, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

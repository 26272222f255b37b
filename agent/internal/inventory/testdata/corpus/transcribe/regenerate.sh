#!/bin/sh
# Regenerates every transcription and facts.json from the verbatim recordings.
# Run from agent/internal/inventory/testdata/corpus: sh transcribe/regenerate.sh
set -eu
T=transcribe/transcribe.py
for d in macos/sik-*; do
	python3 $T ioreg-json "$d/AppleSmartBattery.json" "$d/AppleSmartBattery.plist"
done
python3 $T ioreg-text macos/si1041-27/ioreg.txt macos/si1041-27/AppleSmartBattery.plist
python3 $T ioreg-text macos/macstats7-intel-mojave/ioreg.txt macos/macstats7-intel-mojave/AppleSmartBattery.plist
python3 $T ioreg-text macos/shalby-mbp-osx/ioreg.txt macos/shalby-mbp-osx/AppleSmartBattery.plist
python3 $T ioreg-text macos/hiboma-mbp-osx/ioreg.txt macos/hiboma-mbp-osx/AppleSmartBattery.plist BatterySerialNumber,ManufacturerData
for d in linux/*; do
	rm -rf "$d/sysfs"
	if [ -f "$d/uevent.txt" ]; then python3 $T uevent "$d/uevent.txt" "$d/sysfs"; fi
	if [ -f "$d/attributes.txt" ]; then python3 $T attrs "$d/attributes.txt" "$d/sysfs"; fi
	if [ -f "$d/tlp-stat.txt" ]; then python3 $T tlp "$d/tlp-stat.txt" "$d/sysfs"; fi
done
for d in windows/*; do
	if [ -f "$d/wmic.txt" ] && [ ! -f "$d/powershell.txt" ]; then python3 $T wmic "$d/wmic.txt" "$d/wmi.json"; fi
done
python3 transcribe/facts.py > facts.json

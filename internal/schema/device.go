package schema

// Device measurements, written by the collector's ingest from agent reports.
const (
	Device        = "device"
	Battery       = "battery"
	DeviceDaily   = "device_daily"
	BatteryDaily  = "battery_daily"
	DeviceBinding = "device_binding"
)

// TokenTag is the tag that names the agent token a point came with (its
// name in the tokens file, never the token); see docs/security.md.
const TokenTag = "token"

var (
	tokenTag    = Field{Name: TokenTag, Doc: "name of the agent token that sent it"}
	deviceTags  = append(tags("device_id", "os", "manufacturer", "model"), tokenTag)
	batteryTags = []Field{{Name: "device_id"}, {Name: "battery"}, {Name: "manufacturer", Doc: "the device's"}, {Name: "model", Doc: "the device's, for grouping by model"}, tokenTag}

	deviceFields = []Field{
		{"uptime_s", Float, "s", "time since boot"},
		{"boot_time", Integer, "unix s", "reboots are changes of it between reports"},
		{"memory_bytes", Integer, "bytes", ""},
		{"disk_bytes", Integer, "bytes", "the system volume (root file system; on Windows the drive Windows is on)"},
		{"spool_dropped", Integer, "batches", "dropped by the agent's spool since the previous report"},
		{"os_install_time", Integer, "unix s", ""},
		{"hostname", String, "", ""},
		{"arch", String, "", ""},
		{"os_version", String, "", ""},
		{"os_description", String, "", ""},
		{"serial", String, "", "hardware serial"},
		{"model_identifier", String, "", "machine-readable model where the hardware keeps one apart from `model`: a Lenovo's machine type-model"},
		{"firmware_date", String, "YYYY-MM-DD", ""},
		{"firmware_time", Integer, "unix s", "firmware_date as a number"},
		{"agent_version", String, "", ""},
	}
	batteryFields = []Field{
		{"cycle_count", Integer, "cycles", "absent when unknown"},
		{"design_wh", Float, "Wh", ""},
		{"full_wh", Float, "Wh", ""},
		{"health_pct", Float, "%", "full_wh / design_wh × 100, when both are in the report"},
		{"charge_pct", Float, "%", ""},
		{"voltage_v", Float, "V", ""},
		{"state", String, "", "charging, discharging, full, not_charging, unknown"},
		{"vendor", String, "", ""},
		{"battery_model", String, "", ""},
		{"chemistry", String, "", ""},
		{"battery_serial", String, "", ""},
		{"manufacture_date", String, "YYYY-MM-DD", ""},
		{"implausible", String, "", "readings the agent withheld (health outside 10–150 %, a capacity ≤ 0, more than 10,000 cycles), with the values read; absent when all are plausible"},
	}
	lastSeen = Field{"last_seen", Integer, "unix s", "time of the day's last report"}
)

func init() {
	register(
		Measurement{Name: Device, Area: AreaDevice, Time: "the agent's read time", Doc: "one point per device report",
			Tags: deviceTags, Labels: true, Fields: deviceFields},
		Measurement{Name: Battery, Area: AreaDevice, Time: "the agent's read time", Doc: "one point per battery and report",
			Tags: batteryTags, Fields: batteryFields},
		Measurement{Name: DeviceDaily, Area: AreaDevice, Time: "00:00 UTC of the report's day", Doc: "the day's last `device` point, plus `last_seen`",
			Tags: deviceTags, Labels: true, Fields: with(deviceFields, lastSeen)},
		Measurement{Name: BatteryDaily, Area: AreaDevice, Time: "00:00 UTC of the report's day", Doc: "the day's last `battery` point, plus `last_seen`",
			Tags: batteryTags, Fields: with(batteryFields, lastSeen)},
		Measurement{Name: DeviceBinding, Area: AreaDevice, Time: "when the device was bound (its first report, or the move), unique per token",
			Doc:  "which agent token may write a device ID: the newest point per device wins; written by ingest and `kretslopp-collector device move`. One series per token (the device ID is a field), so that a collector reads a fleet's bindings quickly at start",
			Tags: []Field{{Name: TokenTag, Doc: "name of the agent token (`-`: every token without a name)"}}, Fields: []Field{
				{"device_id", String, "", ""},
				{"site", String, "", "the token's site, when it has one"},
				{"reason", String, "", "`first_report`, `known` (reported before bindings existed) or `move`"},
			}},
	)
}

package schema

// OTLP resource attributes of an agent report (one resource per device
// report). Names follow the OpenTelemetry semantic conventions where one
// exists; the rest carry the kretslopp. prefix.
const (
	AttrHostID             = "host.id"
	AttrHostName           = "host.name"
	AttrHostArch           = "host.arch"
	AttrOSType             = "os.type"
	AttrOSVersion          = "os.version"
	AttrOSDescription      = "os.description"
	AttrDeviceManufacturer = "device.manufacturer"
	AttrDeviceModel        = "device.model.name"
	AttrHardwareSerial     = "kretslopp.hardware.serial"
	AttrFirmwareDate       = "kretslopp.firmware.date"
	AttrOSInstallTime      = "kretslopp.os.install_time"
	AttrServiceName        = "service.name"
	AttrServiceVersion     = "service.version"
	// AttrDeviceModelIdentifier is the machine-readable model where the
	// hardware keeps one apart from the marketing name: a Lenovo's machine
	// type-model ("20W000Q2MX") while device.model.name is its name.
	AttrDeviceModelIdentifier = "device.model.identifier"
)

// OTLP data point attributes.
const (
	AttrMountpoint             = "system.filesystem.mountpoint"
	AttrBatteryID              = "hw.id"
	AttrBatteryVendor          = "hw.vendor"
	AttrBatteryModel           = "hw.model"
	AttrBatteryChemistry       = "hw.battery.chemistry"
	AttrBatterySerial          = "hw.serial_number"
	AttrBatteryManufactureDate = "kretslopp.battery.manufacture_date"
	AttrBatteryState           = "hw.battery.state"
	AttrBatteryImplausible     = "kretslopp.battery.implausible"
	// AttrFilesystemSystem (bool) marks the system volume among the
	// system.filesystem.limit points; see RootFilesystem.
	AttrFilesystemSystem = "kretslopp.filesystem.system"
)

// OTLP metric names (all gauges).
const (
	MetricUptime         = "system.uptime"
	MetricBootTime       = "kretslopp.system.boot_time"
	MetricMemory         = "system.memory.limit"
	MetricFilesystem     = "system.filesystem.limit"
	MetricSpoolDropped   = "kretslopp.agent.spool.dropped"
	MetricBatteryCharge  = "hw.battery.charge"
	MetricBatteryCycles  = "kretslopp.battery.cycle_count"
	MetricBatteryDesign  = "kretslopp.battery.design_energy"
	MetricBatteryFull    = "kretslopp.battery.full_energy"
	MetricBatteryVoltage = "kretslopp.battery.voltage"
)

// Attribute is an OTLP attribute and what the collector makes of it.
type Attribute struct {
	Name    string
	Type    Type // String or Integer
	Example string
	// Tag or Field is what it becomes in the device (resource attributes)
	// or battery (battery point attributes) measurement; neither: not stored.
	Tag, Field string
	Note       string
}

// Metric is an OTLP metric the agent sends and where the collector stores
// it: Measurement.Field = value × Scale, of type Type.
type Metric struct {
	Name, Unit  string
	Measurement string
	Field       string
	Type        Type
	Scale       float64
	// PointAttributes are the data point's attributes besides the battery's.
	PointAttributes []string
	Battery         bool // carries the battery attributes
	Note            string
}

// ResourceAttributes are the resource attributes of an agent report.
var ResourceAttributes = []Attribute{
	{AttrHostID, String, "machine-id / MachineGuid / IOPlatformUUID", "device_id", "", "required: a resource without it is refused"},
	{AttrHostName, String, "`skola-lap-0042`", "", "hostname", ""},
	{AttrHostArch, String, "`amd64`", "", "arch", ""},
	{AttrOSType, String, "`linux`, `windows`, `darwin`", "os", "", ""},
	{AttrOSVersion, String, "`12.5`, `10.0.22631`", "", "os_version", ""},
	{AttrOSDescription, String, "`Debian GNU/Linux 12 (bookworm)`", "", "os_description", ""},
	{AttrDeviceManufacturer, String, "`LENOVO`", "manufacturer", "", ""},
	{AttrDeviceModel, String, "`ThinkPad T14 Gen 2i`", "model", "", "the marketing name (on Lenovo DMI `product_version`, WMI `Win32_ComputerSystemProduct.Version`)"},
	{AttrDeviceModelIdentifier, String, "`20W000Q2MX`", "", "model_identifier", "the machine-readable model where the hardware keeps one apart from the name: a Lenovo's machine type-model"},
	{AttrHardwareSerial, String, "`PF2ABCDE`", "", "serial", ""},
	{AttrFirmwareDate, String, "`2021-03-15` (YYYY-MM-DD)", "", "firmware_date", "also field `firmware_time` (integer, unix s of that day)"},
	{AttrOSInstallTime, Integer, "`1680000000` (unix s)", "", "os_install_time", ""},
	{AttrServiceName, String, "`kretslopp-agent`", "", "", ""},
	{AttrServiceVersion, String, "`0.1.0`", "", "agent_version", ""},
	{LabelPrefix + "<key>", String, "`kretslopp.label.site=Rinkeby skola`", "<key>", "", "for example `site`, `department`; the key follows the label rule below"},
}

// BatteryAttributes are the attributes of every battery data point.
var BatteryAttributes = []Attribute{
	{AttrBatteryID, String, "`BAT0`", "battery", "", "required: a battery data point without it is refused"},
	{AttrBatteryVendor, String, "`Celxpert`", "", "vendor", ""},
	{AttrBatteryModel, String, "`5B10W51867`", "", "battery_model", ""},
	{AttrBatteryChemistry, String, "`Li-poly`", "", "chemistry", ""},
	{AttrBatterySerial, String, "`2419`", "", "battery_serial", ""},
	{AttrBatteryManufactureDate, String, "`2021-02-01` (YYYY-MM-DD)", "", "manufacture_date", ""},
	{AttrBatteryState, String, "`charging`, `discharging`, `full`, `not_charging`, `unknown`", "", "state", "on `hw.battery.charge` only"},
	{AttrBatteryImplausible, String, "`health_pct 4724.28 outside 10–150 (full_wh 653.84, design_wh 13.84)`", "", "implausible", "readings the agent withheld as implausible, with the values read; absent when all are plausible"},
}

// Metrics are the metrics of an agent report. Other metrics are accepted
// and ignored, so that a generic OpenTelemetry exporter can send.
var Metrics = []Metric{
	{MetricUptime, "s", Device, "uptime_s", Float, 1, nil, false, ""},
	{MetricBootTime, "s", Device, "boot_time", Integer, 1, nil, false, "unix seconds"},
	{MetricMemory, "By", Device, "memory_bytes", Integer, 1, nil, false, ""},
	{MetricFilesystem, "By", Device, "disk_bytes", Integer, 1, []string{AttrMountpoint, AttrFilesystemSystem}, false, "the system volume only: the point marked `kretslopp.filesystem.system` = true, else mountpoint `/`, `C:\\` or `C:` (see below)"},
	{MetricSpoolDropped, "{batch}", Device, "spool_dropped", Integer, 1, nil, false, "batches the spool dropped since the previous report"},
	{MetricBatteryCharge, "1", Battery, "charge_pct", Float, 100, []string{AttrBatteryState}, true, "0–1, stored ×100; the state as field `state`"},
	{MetricBatteryCycles, "{cycle}", Battery, "cycle_count", Integer, 1, nil, true, "0 means unknown and is not stored"},
	{MetricBatteryDesign, "Wh", Battery, "design_wh", Float, 1, nil, true, ""},
	{MetricBatteryFull, "Wh", Battery, "full_wh", Float, 1, nil, true, ""},
	{MetricBatteryVoltage, "V", Battery, "voltage_v", Float, 1, nil, true, ""},
}

// MetricByName returns the metric called name.
func MetricByName(name string) (Metric, bool) {
	for _, m := range Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// MetricUnit is the unit of a metric in Metrics ("" for another name).
func MetricUnit(name string) string {
	m, _ := MetricByName(name)
	return m.Unit
}

// AttributeByName returns the attribute called name from attrs.
func AttributeByName(attrs []Attribute, name string) (Attribute, bool) {
	for _, a := range attrs {
		if a.Name == name {
			return a, true
		}
	}
	return Attribute{}, false
}

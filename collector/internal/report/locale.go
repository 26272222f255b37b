package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Lang is a report language: "sv" or "en".
type Lang string

// Languages the report is written in.
const (
	Swedish Lang = "sv"
	English Lang = "en"
)

// ParseLang accepts "sv" and "en".
func ParseLang(s string) (Lang, error) {
	switch Lang(s) {
	case Swedish, English:
		return Lang(s), nil
	}
	return "", fmt.Errorf("language %q: use sv or en", s)
}

const nbsp = "\u00a0"

// Number formats v with the given decimals: Swedish groups thousands with a
// non-breaking space and uses a decimal comma ("13 050,5"), English groups
// with a comma and uses a decimal point ("13,050.5"). A minus sign is
// written as U+2212 in Swedish, as typography there wants, and '-' in English.
func (l Lang) Number(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
	neg := v < 0 && strings.Trim(s, "0.") != ""
	intPart, frac, _ := strings.Cut(s, ".")
	group, point, minus := ",", ".", "-"
	if l == Swedish {
		group, point, minus = nbsp, ",", "\u2212"
	}
	var b strings.Builder
	if neg {
		b.WriteString(minus)
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString(point)
		b.WriteString(frac)
	}
	return b.String()
}

// Int formats a whole number.
func (l Lang) Int(n int64) string { return l.Number(float64(n), 0) }

// Pct formats a percentage with one decimal: "13 050,5 %" (Swedish puts a
// non-breaking space before the sign) or "13,050.5%"; nil gives "–".
// Growth (signed) adds a plus sign to positive values.
func (l Lang) Pct(p *float64, signed bool) string {
	if p == nil {
		return "–"
	}
	s := l.Number(*p, 1)
	if signed && *p > 0 && s != l.Number(0, 1) {
		s = "+" + s
	}
	if l == Swedish {
		return s + nbsp + "%"
	}
	return s + "%"
}

// T translates a message key.
func (l Lang) T(key string) string {
	if m, ok := messages[key]; ok {
		if l == Swedish {
			return m[0]
		}
		return m[1]
	}
	return key
}

// Month names a month (1–12), abbreviated.
func (l Lang) Month(m int) string {
	sv := []string{"jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"}
	en := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	if m < 1 || m > 12 {
		return strconv.Itoa(m)
	}
	if l == Swedish {
		return sv[m-1]
	}
	return en[m-1]
}

// messages: key → {Swedish, English}.
var messages = map[string][2]string{
	"title":                {"Hållbar IT – årsrapport %d–%d", "Sustainable IT – yearly report %d–%d"},
	"intro":                {"Rapporten är framtagen ur Kretslopps mätdata (InfluxDB) och ersätter den manuella sammanställningen av policyn för hållbar IT: videomöten i stället för resor, och datorernas livslängd och skick.", "This report is drawn from Kretslopp's measurements (InfluxDB) and replaces the hand-made account of the sustainable-IT policy: video meetings instead of travel, and how long our computers live and in what shape."},
	"generated":            {"Skapad", "Generated"},
	"h.meetings":           {"Videomöten i stället för resor", "Video meetings instead of travel"},
	"h.meetings_year":      {"Möten per plattform och år", "Meetings per platform and year"},
	"h.meetings_month":     {"Möten per månad", "Meetings per month"},
	"h.minutes":            {"Mötestid per sätt att mötas (minuter)", "Meeting time by modality (minutes)"},
	"h.fleet":              {"Datorernas livslängd och skick", "How long our computers live, and in what shape"},
	"h.age":                {"Ålder (år)", "Age (years)"},
	"h.health":             {"Batterihälsa (% av ursprunglig kapacitet)", "Battery health (% of design capacity)"},
	"h.uptime":             {"Tid sedan omstart (dagar)", "Time since reboot (days)"},
	"h.method":             {"Metod och datakällor", "Method and data sources"},
	"platform":             {"Plattform", "Platform"},
	"year":                 {"År", "Year"},
	"meetings":             {"Möten", "Meetings"},
	"growth":               {"Förändring mot året före", "Change on the year before"},
	"all":                  {"alla", "all"},
	"audio":                {"Ljud", "Audio"},
	"video":                {"Video", "Video"},
	"screenshare":          {"Skärmdelning", "Screen share"},
	"meeting_min":          {"Mötesminuter totalt", "Meeting minutes in all"},
	"devices":              {"Datorer", "Devices"},
	"batteries":            {"Batterier", "Batteries"},
	"no_meetings":          {"Inga mötesdata för perioden.", "No meeting data for this period."},
	"no_minutes":           {"Ingen källa redovisar mötestid för perioden.", "No source reports meeting time for this period."},
	"no_devices":           {"Inga datorer rapporterade under perioden.", "No device reported in this period."},
	"highlight":            {"%s ökade med %s under %d jämfört med %d.", "%s grew by %s in %d against %d."},
	"f.devices":            {"Datorer som rapporterat under %d", "Devices that reported in %d"},
	"f.by_year":            {"Datorer som rapporterat per år", "Devices that reported per year"},
	"f.median_age":         {"Medianålder (år)", "Median age (years)"},
	"f.age_source":         {"Åldern räknas från BIOS-/firmwaredatum för %s datorer och från första rapport för %s.", "Age counts from the firmware date for %s devices and from the first report for %s."},
	"f.due_replacement":    {"Äldre än planerad livslängd (%s år) – dags att ersätta", "Older than the planned life (%s years) – due for replacement"},
	"f.median_health":      {"Medianbatterihälsa", "Median battery health"},
	"f.below80":            {"Batterier under 80 % hälsa", "Batteries below 80 % health"},
	"f.over1000":           {"Batterier över 1 000 laddcykler", "Batteries over 1,000 cycles"},
	"f.due_battery":        {"Datorer som behöver nytt batteri", "Devices due for a battery"},
	"f.not_rebooted":       {"Ej omstartade på 30 dagar", "Not rebooted in 30 days"},
	"f.median_uptime":      {"Mediantid sedan omstart (dagar)", "Median time since reboot (days)"},
	"f.as_of":              {"Läget per %s, för datorer som rapporterat sedan %s.", "State as of %s, for devices that reported since %s."},
	"m.source":             {"Källa", "Source"},
	"m.measurement":        {"Mätserie", "Measurement"},
	"m.first":              {"Första dag", "First day"},
	"m.last":               {"Sista dag", "Last day"},
	"m.days":               {"Dagar med data", "Days with data"},
	"m.text1":              {"Möten: summan av dagliga mötesantal per plattform (mätserien meetings), hämtade ur Microsoft Graph (Teams, Skype för företag) och importerade exporter (Zoom, Webex, handförda listor). Förändring räknas mot föregående år inom rapportens period; saknas data för året före anges ingen förändring. Ett år är jämförbart bara om källan täcker hela året – se första och sista dag nedan.", "Meetings: the sum of daily meeting counts per platform (the meetings measurement), pulled from Microsoft Graph (Teams, Skype for Business) and imported exports (Zoom, Webex, hand-kept lists). Change is against the year before within the report; without data for the year before no change is given. A year compares fairly only if the source covers all of it – see the first and last day below."},
	"m.text2":              {"Mötestid: Teams redovisar ljud-, video- och skärmdelningstid (sekunder, här i minuter); Zoom och generiska listor redovisar mötesminuter totalt. Tomt betyder att källan inte redovisar det.", "Meeting time: Teams reports audio, video and screen share time (seconds, here in minutes); Zoom and generic lists report meeting minutes in all. Empty means the source does not report it."},
	"m.text3":              {"Datorer: agenten på varje dator rapporterar identitet, drifttid och batterier; mätserierna device_daily och battery_daily håller dagens senaste värde. Ålder räknas från firmwaredatum, annars från första rapporten (då blir åldern en underskattning). Ett batteri behöver bytas under 80 % hälsa (full laddning/ursprunglig kapacitet) eller över 1 000 cykler. Omstartsvanor gäller datorer som rapporterat de sista 30 dagarna.", "Devices: the agent on each computer reports identity, uptime and batteries; the device_daily and battery_daily measurements hold each day's latest values. Age counts from the firmware date, else from the first report (then it underestimates). A battery is due below 80 % health (full charge capacity/design capacity) or over 1,000 cycles. Reboot habits cover devices that reported in the last 30 days."},
	"h.longevity":          {"Hårdvarans hela livslängd: omgångar, upphandling och livslängd", "Hardware over its whole life: rounds, procurement and service life"},
	"h.rounds":             {"Omgångar per dator", "Rounds per device"},
	"h.service_life":       {"Livslängd för avvecklade datorer (år)", "Service life of retired devices (years)"},
	"h.certifications":     {"Miljömärkta inköp per inköpsår", "Certified purchases per purchase year"},
	"h.gap":                {"Inventarium mot rapporterande datorer", "Inventory against reporting devices"},
	"l.as_of":              {"Läget per %s, för hårdvara (serienummer) som rapporterat sedan %s; livslängd för hårdvara avvecklad under rapportens år.", "State as of %s, for hardware (serial numbers) that reported since %s; service life for hardware retired in the report's years."},
	"l.median_life":        {"Medianlivslängd för avvecklade (år)", "Median service life of retired (years)"},
	"l.second_round":       {"I sin andra omgång", "In their second round"},
	"l.third_round":        {"I sin tredje omgång eller senare", "In their third round or later"},
	"l.candidates":         {"Äldre än %s år men friska batterier (≥ 80 %%) – kandidater för en omgång till", "Older than %s years with healthy batteries (≥ 80 %%) – candidates for another round"},
	"l.past_life":          {"Äldre än planerad livslängd (%s år)", "Older than the planned life (%s years)"},
	"l.hardware":           {"Hårdvara (serienummer)", "Hardware (serial numbers)"},
	"l.device_ids":         {"Installationer (enhets-id)", "Installations (device IDs)"},
	"l.mean_rounds":        {"Omgångar per dator i genomsnitt", "Mean rounds per device"},
	"l.retired":            {"Avvecklade (sålda för återbruk, återvunna)", "Retired (sold for reuse, recycled)"},
	"l.batteries_replaced": {"Bytta batterier", "Batteries replaced"},
	"l.life_source":        {"Livslängden räknas från inköpsdatum för %s datorer och från första rapport för %s.", "Service life counts from the purchase date for %s devices and from the first report for %s."},
	"l.class":              {"Datortyp", "Device class"},
	"l.model":              {"Modell", "Model"},
	"l.purchases":          {"Inköp", "Purchases"},
	"l.no_retired":         {"Ingen dator avvecklades under perioden enligt inventariet.", "No device was retired in this period according to the inventory."},
	"l.no_inventory":       {"Inget inventarium är importerat (kretslopp-collector import --format inventory).", "No inventory has been imported (kretslopp-collector import --format inventory)."},
	"l.missing":            {"Rapporterar men saknas i inventariet: %s.", "Reporting but missing from the inventory: %s."},
	"l.never":              {"I inventariet men har aldrig rapporterat (ej avvecklade): %s.", "In the inventory but never reported (not retired): %s."},
	"l.more":               {" och %d till", " and %d more"},
	"c.rounds":             {"Hårdvara per antal omgångar", "Hardware by number of rounds"},
	"c.certifications":     {"Andel inköp med miljömärkning per år (%)", "Share of purchases with each certification per year (%)"},
	"c.meetings_year":      {"Möten per plattform och år", "Meetings per platform and year"},
	"c.meetings_month":     {"Möten per månad och plattform", "Meetings per month and platform"},
}

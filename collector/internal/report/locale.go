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
	"c.age":                {"Datorer per ålder (år)", "Devices by age (years)"},
	"c.health":             {"Batterier per batterihälsa (% av ursprunglig kapacitet)", "Batteries by health (% of design capacity)"},
	"c.uptime":             {"Datorer per tid sedan omstart (dagar)", "Devices by time since reboot (days)"},
	"c.service_life":       {"Avvecklade datorer per livslängd (år)", "Retired devices by service life (years)"},
	"c.rounds":             {"Hårdvara per antal omgångar", "Hardware by number of rounds"},
	"c.certifications":     {"Andel inköp med miljömärkning per år (%)", "Share of purchases with each certification per year (%)"},
	"c.meetings_year":      {"Möten per plattform och år", "Meetings per platform and year"},
	"c.meetings_month":     {"Möten per månad och plattform (en månad utan data är ett glapp i linjen)", "Meetings per month and platform (a month without data is a gap in the line)"},
	"c.modality":           {"Mötestid i %s per år: med ljud, video och skärmdelning (minuter)", "%s meeting time per year: with audio, video and screen sharing (minutes)"},
	"c.meeting_minutes":    {"Mötesminuter totalt per plattform och år", "Meeting minutes in all per platform and year"},
	// The results document (report --template policy), in the structure
	// of the policy's action plan (seeds/000_…: seven activities).
	"p.title":              {"Resultat av arbetet med policy för hållbar IT %d–%d", "Results of the sustainable-IT policy %d–%d"},
	"p.intro":              {"Sammanställning ur Kretslopps mätdata av vad som gjorts inom handlingsplanens aktiviteter, med rapportåret jämfört med året före. Varje siffra anger mätserien (och fältet) den kommer från; ett avsnitt utan data säger det i stället för att visa 0.", "What was done within the activities of the action plan, drawn from Kretslopp's measurements, with the report year against the year before. Each figure names the measurement (and field) it comes from; a section without data says so instead of showing 0."},
	"p.figure":             {"Mått", "Figure"},
	"p.change":             {"Förändring", "Change"},
	"p.source":             {"Källa (mätserie)", "Source (measurement)"},
	"p.points":             {"%s procentenheter", "%s points"},
	"p.years":              {"%s år", "%s years"},
	"p.partial_days":       {"%d har data för %d dagar mot %d dagar %d: jämför antal med det i minnet, andelar är jämförbara.", "%d has data for %d days against %d days in %d: compare counts with that in mind; shares compare."},
	"p.partial_months":     {"%d har data för %d månader mot %d månader %d: jämför antal med det i minnet, andelar är jämförbara.", "%d has data for %d months against %d months in %d: compare counts with that in mind; shares compare."},
	"p.nodata_short":       {"inga data", "no data"},
	"p1.title":             {"Miljöriktig återanvändning, återvinning och skrotning av kommunens elektronik", "Environmentally sound reuse, recycling and scrapping of the municipality's electronics"},
	"p1.policy":            {"Skoldatorer återanvänds två till tre omgångar; administrativa datorer återanvänds eller säljs för restaurering och vidareförsäljning; överbliven elektronik återvinns.", "School computers are reused for two or three rounds; office computers are reused or sold for refurbishing and resale; left-over electronics are recycled."},
	"p1.nodata":            {"Inga data: ingen dator har rapporterat serienummer och inget inventarium med avvecklad hårdvara är importerat.", "No data: no computer has reported a serial number and no inventory with retired hardware has been imported."},
	"p1.hardware":          {"Hårdvara (serienummer) som rapporterat under året", "Hardware (serial numbers) that reported in the year"},
	"p1.second_round_pct":  {"Andel i sin andra omgång", "Share in their second round"},
	"p1.third_round_pct":   {"Andel i sin tredje omgång eller senare", "Share in their third round or later"},
	"p1.sold":              {"Avvecklade under året: sålda för återbruk", "Retired in the year: sold for reuse"},
	"p1.recycled":          {"Avvecklade under året: återvunna", "Retired in the year: recycled"},
	"p1.note":              {"En omgång är en installation (nytt enhets-id eller ny installation av operativsystemet) eller en flytt till en annan förvaltning av samma hårdvara (serienummer); se docs/lifecycle.md.", "A round is one installation (a new device ID or a new OS installation) or a move to another department of the same hardware (serial number); see docs/lifecycle.md."},
	"p2.title":             {"Miljökrav i varje upphandling av IT-produkter", "Environmental requirements in every procurement of IT products"},
	"p2.policy":            {"Energy Star, TCO Certified och EPEAT ska finnas med som krav i varje upphandling.", "Energy Star, TCO Certified and EPEAT are required in every procurement."},
	"p2.nodata":            {"Inga data: inget inventarium med inköpsdatum för perioden är importerat (kretslopp-collector import --format inventory).", "No data: no inventory with purchase dates in this period has been imported (kretslopp-collector import --format inventory)."},
	"p2.share":             {"Andel av årets inköp med %s", "Share of the year's purchases with %s"},
	"p2.no_purchases":      {"Inga inköp med inköpsdatum %d eller %d i inventariet.", "No purchases dated %d or %d in the inventory."},
	"p2.note":              {"Andelen räknas på inventariets poster med inköpsdatum det året; saknad uppgift räknas som ej certifierad.", "The share counts the inventory items purchased that year; an unknown certification counts as not certified."},
	"p3.title":             {"Krav på socialt ansvar i varje upphandling av IT-produkter", "Social-responsibility requirements in every procurement of IT products"},
	"p3.policy":            {"ILO:s åtta kärnkonventioner, FN:s barnkonvention artikel 32, arbetsmiljö- och arbetsrättslagstiftningen i tillverkningslandet.", "The ILO's eight core conventions, article 32 of the UN Convention on the Rights of the Child, and the health-and-safety and labour law of the country of manufacture."},
	"p3.nodata":            {"Mäts inte av Kretslopp: kraven följs upp i varje upphandling, inte i mätdata.", "Not measured by Kretslopp: the requirements are followed up in each procurement, not in measured data."},
	"p4.title":             {"Förlängd livslängd för datorer och annan IT-utrustning", "Longer life for computers and other IT equipment"},
	"p4.policy":            {"Produkter med något högre prestanda köps in för att säkerställa längre livslängd, och long-life-batterier.", "Products with slightly higher performance are bought to ensure a longer life, and long-life batteries."},
	"p4.nodata":            {"Inga data: ingen dator har rapporterat batterier och ingen avvecklad hårdvara finns i inventariet.", "No data: no computer has reported batteries and no retired hardware is in the inventory."},
	"p4.with_battery":      {"Datorer med batteridata", "Computers with battery data"},
	"p4.by_class":          {"Livslängd för hårdvara avvecklad %d, per datortyp", "Service life of hardware retired in %d, by device class"},
	"p4.by_age":            {"Batterihälsa efter ålder, %d", "Battery health by age, %d"},
	"p4.age":               {"Ålder (år)", "Age (years)"},
	"p4.no_retired":        {"Ingen hårdvara avvecklades %d enligt inventariet.", "No hardware was retired in %d according to the inventory."},
	"p5.title":             {"Videomöten i stället för resor", "Video meetings instead of travel"},
	"p5.policy":            {"Bättre information på intranätet om kommunens lösningar för videomöten.", "Better information on the intranet about the municipality's video-meeting solutions."},
	"p5.platform":          {"Möten i %s", "Meetings in %s"},
	"p5.all":               {"Möten, alla plattformar", "Meetings, all platforms"},
	"p6.title":             {"Kortsystem för alla större skrivare", "Card release on all larger printers"},
	"p6.policy":            {"Utskrifter släpps först när användaren hämtar dem med sitt kort; utskrifter som aldrig hämtas skrivs aldrig ut.", "Print jobs are released only when the user collects them with a card; jobs never collected are never printed."},
	"p6.nodata":            {"Inga utskriftsdata är importerade (kretslopp-collector import --format print-daily eller papercut-printlog).", "No printing data has been imported (kretslopp-collector import --format print-daily or papercut-printlog)."},
	"p6.not_printed":       {"Ark som aldrig hämtades (aldrig skrevs ut)", "Sheets never collected (never printed)"},
	"p6.printed":           {"Utskrivna ark", "Sheets printed"},
	"p6.share":             {"Andel ark som aldrig hämtades", "Share of sheets never collected"},
	"p6.jobs_not_released": {"Utskriftsjobb som aldrig hämtades", "Print jobs never released"},
	"p6.jobs_submitted":    {"Skickade utskriftsjobb", "Print jobs submitted"},
	"p6.pages_logged":      {"Sidor i PaperCuts utskriftslogg", "Pages in PaperCut's print log"},
	"p6.jobs_logged":       {"Jobb i PaperCuts utskriftslogg", "Jobs in PaperCut's print log"},
	"p6.days":              {"Dagar med data", "Days with data"},
	"p6.sites":             {"Enheter med data", "Sites with data"},
	"p6.site":              {"Enhet", "Site"},
	"p6.trend":             {"Förändring mot året före", "Change on the year before"},
	"p6.by_year":           {"Utskrifter per år", "Printing per year"},
	"p6.top_sites":         {"De %d enheter med flest ark som aldrig hämtades %d", "The %d sites with the most sheets never collected in %d"},
	"p6.no_year":           {"Inga utskriftsdata för %d.", "No printing data for %d."},
	"p6.papercut_note":     {"PaperCuts utskriftslogg i textform listar jobb med sidor och färgsidor men inte om ett jobb släpptes eller förföll i kön; ark som aldrig hämtades kommer därför bara från källor som redovisar dem (print-daily). Se docs/paper.md.", "PaperCut's plain-text print log lists jobs with pages and colour pages but not whether a job was released or expired in the queue; sheets never collected therefore come only from sources that report them (print-daily). See docs/paper.md."},
	"p6.note":              {"Ett år är jämförbart med ett annat bara om samma enheter rapporterat hela året – se dagar och enheter med data.", "A year compares with another only if the same sites reported all year – see days and sites with data."},
	"p7.title":             {"Mina meddelanden – digital post", "Digital mail (Mina meddelanden)"},
	"p7.policy":            {"System ansluts till kommunens lösning för digital post, för att sedan skalas upp till fler system och verksamheter.", "Systems are connected to the municipality's digital-mailbox solution, then scaled to more systems and departments."},
	"p7.nodata":            {"Inga data om digital post är importerade (kretslopp-collector import --format mail-daily).", "No digital-mail data has been imported (kretslopp-collector import --format mail-daily)."},
	"p7.share":             {"Andel brev som skickades digitalt", "Share of letters sent digitally"},
	"p7.connected":         {"Anslutna system (minst ett digitalt brev)", "Systems connected (at least one digital letter)"},
	"p7.digital":           {"Digitala brev", "Letters sent digitally"},
	"p7.paper":             {"Pappersbrev", "Letters sent on paper"},
	"p7.system":            {"System", "System"},
	"p7.months":            {"Månader med data", "Months with data"},
	"p7.by_system":         {"Digital post per system och år", "Digital mail per system and year"},
	"p7.no_year":           {"Inga data om digital post för %d.", "No digital-mail data for %d."},
	"p7.note":              {"Andelen digitalt = digitala brev / (digitala brev + pappersbrev), för de system som rapporterat.", "Share sent digitally = digital letters / (digital letters + paper letters), over the systems that reported."},
	"c.health_by_age":      {"Medianbatterihälsa efter datorns ålder, %d (%%)", "Median battery health by the computer's age, %d (%%)"},
	"c.not_printed_year":   {"Ark som aldrig hämtades, per år", "Sheets never collected, per year"},
	"c.not_printed_month":  {"Ark som aldrig hämtades, per månad (en månad utan data är ett glapp)", "Sheets never collected, per month (a month without data is a gap)"},
	"c.mail_share":         {"Andel brev som skickades digitalt, per system och år (%)", "Share of letters sent digitally, per system and year (%)"},
	// The CO2e section (carbon.Section, docs/carbon.md) and the travel
	// estimate.
	"h.co2":               {"Klimatavtryck från tillverkning (CO2e) över datorernas livslängd", "Embodied emissions (CO2e) over our computers' service lives"},
	"p4.co2":              {"Klimatavtryck från tillverkning (CO2e)", "Embodied emissions (CO2e)"},
	"co2.intro":           {"Tillverkningens del av varje produkts klimatavtryck (tillverkning, transport och slutomhändertagande; inte användningen), enligt tillverkarnas produktklimatavtryck, fördelad över datorns livslängd hittills: från inköp (annars första rapport) till avveckling, annars till %s. Ju längre en dator används, desto mindre blir utsläppen per datorår. För hårdvara som avvecklats under ett år är undvikta utsläpp = tillverkningens CO2e × (livslängd ÷ referenslivslängd − 1): positivt när den levde längre än referensen (en dator som inte behövde köpas), negativt när den lämnade tidigare. Siffrorna visar storleksordningar: tillverkarnas beräkningar har stora felmarginaler.", "The manufacturing share of each product's carbon footprint (manufacturing, transport and end of life; not the use phase), from the manufacturers' product carbon footprints, spread over the computer's service life so far: from purchase (else the first report) to retirement, else to %s. The longer a computer serves, the smaller its emissions per device-year. For hardware retired in a year, avoided emissions = embodied CO2e × (service life ÷ baseline life − 1): positive when it lived longer than the baseline (a computer that did not need buying), negative when it left earlier. The figures give orders of magnitude: manufacturers' calculations have large margins of error."},
	"co2.nodata":          {"Inga CO2e-siffror: ingen hårdvara med inköpsdatum eller rapport var i tjänst eller avvecklades under perioden.", "No CO2e figures: no hardware with a purchase date or a report was in service or retired in this period."},
	"co2.undated":         {"%d enheter hårdvara saknar både inköpsdatum och rapport och ingår inte.", "%d pieces of hardware have neither a purchase date nor a report and are left out."},
	"co2.kpi_per_dy":      {"kg CO2e från tillverkning per datorår, %d", "kg embodied CO2e per device-year, %d"},
	"co2.kpi_avoided":     {"kg CO2e undvikt netto av hårdvara avvecklad %d", "kg CO2e avoided (net) by hardware retired in %d"},
	"co2.kpi_devices":     {"datorer i tjänst %d", "devices in service in %d"},
	"co2.kpi_defaults":    {"enheter med datortypens standardvärde (ingen produkt matchad)", "pieces of hardware on their class default (no product matched)"},
	"co2.matches":         {"Klimatavtryck för %s enheter hårdvara (serienummer): %s med exakt produktnamn, %s genom en matchningsregel, %s genom analytikerns överstyrning och %s med datortypens standardvärde (datamängdens median för typen).", "Footprints for %s pieces of hardware (serials): %s by exact product name, %s by a matching rule, %s by the analyst's override and %s on their device class's default (the data set's median for the class)."},
	"co2.baseline_mfr":    {"Referenslivslängd: tillverkarens antagna livslängd för produkten, annars %s år (carbon.baseline_years).", "Baseline life: the manufacturer's assumed lifetime of the product, else %s years (carbon.baseline_years)."},
	"co2.baseline_fixed":  {"Referenslivslängd: %s år för all hårdvara (carbon.baseline_years).", "Baseline life: %s years for all hardware (carbon.baseline_years)."},
	"co2.citation":        {"Källa för klimatavtrycken: %s (%s), commit %s av %s, filen %s, %s produkter; licens %s. Metod: docs/carbon.md.", "Footprints: %s (%s), commit %s of %s, file %s, %s products; licence %s. Method: docs/carbon.md."},
	"co2.by_year":         {"CO2e per år (kg)", "CO2e per year (kg)"},
	"co2.by_class":        {"Per datortyp och år (kg CO2e)", "By device class and year (kg CO2e)"},
	"co2.top_models":      {"De %d av %d modeller med mest tillverknings-CO2e %d (kg; alla finns i JSON)", "The %d of %d models with the most embodied CO2e in %d (kg; all of them are in the JSON)"},
	"co2.note_kg":         {"Belopp i kg CO2e. Undvikt och extra gäller hårdvara avvecklad det året (– när ingen avvecklades).", "Amounts in kg CO2e. Avoided and extra are those of hardware retired that year (– when none was)."},
	"co2.devices":         {"I tjänst", "In service"},
	"co2.device_years":    {"Datorår", "Device-years"},
	"co2.embodied":        {"CO2e för året", "CO2e of the year"},
	"co2.per_dy":          {"Per datorår", "Per device-year"},
	"co2.retired":         {"Avvecklade", "Retired"},
	"co2.avoided":         {"Undvikt, längre liv", "Avoided, longer lives"},
	"co2.extra":           {"Extra, kortare liv", "Extra, shorter lives"},
	"co2.net":             {"Netto undvikt", "Net avoided"},
	"co2.match":           {"Matchning", "Match"},
	"co2.footprint":       {"Avtryck från", "Footprint of"},
	"co2.per_device":      {"CO2e per dator", "CO2e per device"},
	"co2.class_default":   {"standardvärde för %s", "default for %s"},
	"co2.own_figures":     {"analytikerns egna siffror", "the analyst's own figures"},
	"co2.match.exact":     {"exakt", "exact"},
	"co2.match.rule":      {"regel", "rule"},
	"co2.match.override":  {"överstyrd", "override"},
	"co2.match.none":      {"ingen (standardvärde)", "none (class default)"},
	"p4.co2_per_dy":       {"CO2e från tillverkning per datorår (kg)", "Embodied CO2e per device-year (kg)"},
	"p4.co2_devices":      {"Hårdvara i tjänst under året", "Hardware in service in the year"},
	"p4.co2_device_years": {"Datorår i tjänst", "Device-years in service"},
	"p4.co2_retired":      {"Hårdvara avvecklad under året", "Hardware retired in the year"},
	"p4.co2_avoided":      {"CO2e undvikt genom längre liv (kg)", "CO2e avoided by longer lives (kg)"},
	"p4.co2_extra":        {"CO2e extra genom kortare liv (kg)", "CO2e extra by shorter lives (kg)"},
	"p4.co2_net":          {"CO2e undvikt netto (kg)", "CO2e avoided, net (kg)"},
	"p.kg":                {"%s\u00a0kg", "%s\u00a0kg"},
	"c.co2_per_dy":        {"Tillverknings-CO2e per datorår, per datortyp och år (kg)", "Embodied CO2e per device-year, by device class and year (kg)"},
	"c.co2_per_dy_one":    {"Tillverknings-CO2e per datorår och år, %s (kg)", "Embodied CO2e per device-year, per year: %s (kg)"},
	"c.co2_retired":       {"Hårdvara avvecklad varje år: CO2e undvikt genom längre liv och extra genom kortare (kg)", "Hardware retired each year: CO2e avoided by longer lives and extra by shorter ones (kg)"},
	"tr.title":            {"Resor som videomöten kan ha ersatt – en uppskattning", "Travel that video meetings may have replaced – an estimate"},
	"tr.label":            {"UPPSKATTNING, inte mätt.", "ESTIMATE, not measured."},
	"tr.note":             {"Möten per år (alla plattformar, som mötesrapporten räknar dem) × andel möten som ersätter en resa × km per resa × kg CO2e per km, med analytikerns faktorer (carbon.travel) och deras källor. Uppskattningen ingår inte i någon mätt siffra.", "Meetings per year (all platforms, as the meetings report counts them) × share of meetings that replace a trip × km per trip × kg CO2e per km, with the analyst's factors (carbon.travel) and their sources. The estimate is not part of any measured figure."},
	"tr.no_meetings":      {"Inga möten under perioden: ingen uppskattning.", "No meetings in this period: no estimate."},
	"tr.factors":          {"Analytikerns faktorer", "The analyst's factors"},
	"tr.factors_lc":       {"analytikerns faktorer", "the analyst's factors"},
	"tr.factor":           {"Faktor", "Factor"},
	"tr.value":            {"Värde", "Value"},
	"tr.unit":             {"Enhet", "Unit"},
	"tr.source":           {"Källa", "Source"},
	"tr.share":            {"Andel möten som ersätter en resa", "Share of meetings that replace a trip"},
	"tr.km":               {"Resans längd", "Length of a trip"},
	"tr.kg_per_km":        {"Utsläpp per km", "Emissions per km"},
	"tr.unit.share":       {"andel av mötena", "share of meetings"},
	"tr.unit.km":          {"km", "km"},
	"tr.unit.kgkm":        {"kg CO2e/km", "kg CO2e/km"},
	"tr.years":            {"Uppskattning per år", "Estimate per year"},
	"tr.trips":            {"Resor ersatta (uppskattat)", "Trips replaced (estimated)"},
	"tr.km_total":         {"Km (uppskattat)", "Km (estimated)"},
	"tr.kg":               {"kg CO2e (uppskattat)", "kg CO2e (estimated)"},
}

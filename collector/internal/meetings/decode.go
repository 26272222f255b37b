package meetings

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kretslopp/kretslopp/internal/schema"
)

// Format names one kind of CSV export. The string values are the names
// accepted by `kretslopp-collector import --format`.
type Format string

// The formats Decode reads. See docs/meetings.md for every column.
const (
	// Graph getTeamsUserActivityCounts / Teams admin center "User activity"
	// daily counts -> measurement "meetings", platform=teams.
	FormatTeamsActivityCounts Format = "teams-activity-counts"
	// Graph getTeamsUserActivityUserDetail (one row per user), aggregated
	// per Report Refresh Date -> measurement "teams_meeting_types".
	FormatTeamsUserDetail Format = "teams-user-detail"
	// Graph getTeamsDeviceUsageUserCounts -> measurement "teams_clients".
	FormatTeamsDeviceUsage Format = "teams-device-usage"
	// Graph getSkypeForBusinessOrganizerActivityCounts -> "meetings", platform=skype.
	FormatSkypeOrganizer Format = "skype-organizer-activity-counts"
	// Graph getSkypeForBusinessParticipantActivityCounts -> "meetings", platform=skype.
	FormatSkypeParticipant Format = "skype-participant-activity-counts"
	// Graph getSkypeForBusinessPeerToPeerActivityCounts -> "meetings", platform=skype.
	FormatSkypePeerToPeer Format = "skype-peer-to-peer-activity-counts"
	// Zoom "Daily usage report" export (Date, New Users, Meetings,
	// Participants, Meeting Minutes) -> "meetings", platform=zoom.
	FormatZoomDaily Format = "zoom-daily"
	// Generic date,platform,meetings[,minutes][,participants] for any other
	// system (Webex, Jitsi, video rooms, or Skype/Teams history kept by hand).
	FormatMeetingsDaily Format = "meetings-daily"
)

// Formats lists every format Decode accepts, in a stable order.
func Formats() []Format {
	return []Format{FormatTeamsActivityCounts, FormatTeamsUserDetail, FormatTeamsDeviceUsage,
		FormatSkypeOrganizer, FormatSkypeParticipant, FormatSkypePeerToPeer,
		FormatZoomDaily, FormatMeetingsDaily}
}

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats() {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, 0, 8)
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("unknown format %q (one of: %s)", s, strings.Join(names, ", "))
}

// Record is one point to write: one measurement, tag set and UTC day,
// aggregated and free of any per-user or per-meeting identifier.
type Record struct {
	Measurement string
	Tags        map[string]string
	Day         time.Time      // 00:00 UTC of the day the values describe
	Fields      map[string]any // int64 counts and seconds; "source" is a string
	// Refreshed is the export's Report Refresh Date (zero when the format has
	// none). When two files hold the same point, the newer refresh wins.
	Refreshed time.Time
	File      string // where the record came from, for messages
	Line      int
}

// key identifies the point a record becomes in InfluxDB.
func (r Record) key() string {
	var b strings.Builder
	b.WriteString(r.Measurement)
	keys := make([]string, 0, len(r.Tags))
	for k := range r.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteByte(',')
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(r.Tags[k])
	}
	b.WriteByte(' ')
	b.WriteString(r.Day.Format("2006-01-02"))
	return b.String()
}

// Options adjusts Decode.
type Options struct {
	// File names the input in messages (a path, or a Graph report name).
	File string
	// Source is stored in the "source" field; default: the format name.
	Source string
	// MaxErrors bounds Result.Errors (default 100); all bad rows are counted.
	MaxErrors int
	// Now is the clock used to reject dates in the future; default time.Now.
	Now func() time.Time
	// Day, when set, is the day a per-user report was requested for
	// (Graph's date= parameter): its rows count for that day whatever
	// their Report Refresh Date says. Microsoft documents the date as the
	// day whose activity the report lists, and Report Refresh Date as when
	// the data was last updated, which need not be the same day.
	Day time.Time
}

// Result is what one file gave.
type Result struct {
	Format  Format
	File    string
	Records []Record    // sorted by measurement, tags, day
	Rows    int         // data rows read, blank lines excluded
	BadRows int         // rows rejected
	Errors  []*RowError // the first Options.MaxErrors rejected rows, in file order
}

// Err returns nil when every row was accepted, otherwise an error that lists
// the first rejected rows and how many there were.
func (r *Result) Err() error { return RowErrors(r.File, r.BadRows, r.Errors) }

// RowErrors joins the first ten of a file's rejected rows, and how many
// there were in all when that is more; nil when badRows is 0.
func RowErrors(file string, badRows int, rows []*RowError) error {
	if badRows == 0 {
		return nil
	}
	errs := make([]error, 0, 11)
	for i, e := range rows {
		if i == 10 {
			break
		}
		errs = append(errs, e)
	}
	if badRows > len(errs) {
		errs = append(errs, fmt.Errorf("%s: %d invalid rows in all", file, badRows))
	}
	return errors.Join(errs...)
}

// Decode reads one CSV export of the given format from r, row by row (the
// file is never held in memory; only the per-day aggregates are), checks
// every row and returns the records to write. Columns are found by header
// name, in any order, case and punctuation ignored; unknown columns are
// ignored. A UTF-8 byte order mark is skipped; rows may come in any order
// (Graph writes newest first).
//
// Bad rows do not stop the reading: each is counted in Result.BadRows and
// described in Result.Errors (file, line, column, value and reason), and
// does not contribute to any record. The error return is for a file that
// cannot be used at all (unreadable, no header, missing required column)
// or a cancelled ctx.
func Decode(ctx context.Context, format Format, r io.Reader, opts Options) (*Result, error) {
	if opts.File == "" {
		opts.File = "<input>"
	}
	if opts.Source == "" {
		opts.Source = string(format)
	}
	if opts.MaxErrors <= 0 {
		opts.MaxErrors = 100
	}
	now := time.Now().UTC()
	if opts.Now != nil {
		now = opts.Now().UTC()
	}
	var d decoder
	switch format {
	case FormatTeamsUserDetail:
		d = &userDetailDecoder{source: opts.Source, now: now, day: opts.Day.UTC().Truncate(24 * time.Hour)}
	default:
		spec, ok := dailySpecs[format]
		if !ok {
			_, err := ParseFormat(string(format))
			return nil, err
		}
		d = &dailyDecoder{spec: spec, source: opts.Source, now: now, seen: map[string]int{}}
	}
	var header []string
	var isData func(string) bool
	if hd, ok := d.(headerless); ok {
		header, isData = hd.defaultHeader()
	}
	t, err := newTable(r, opts.File, header, isData)
	if err != nil {
		return nil, err
	}
	if err := d.init(t); err != nil {
		return nil, err
	}
	st, err := (&Table{t}).ReadRows(ctx, opts.MaxErrors, func() *RowError { return d.row(t) })
	if err != nil {
		return nil, err
	}
	res := &Result{Format: format, File: opts.File, Rows: st.Rows, BadRows: st.BadRows, Errors: st.Errors}
	res.Records = d.finish()
	for i := range res.Records {
		res.Records[i].File = opts.File
	}
	sort.SliceStable(res.Records, func(i, j int) bool {
		a, b := res.Records[i], res.Records[j]
		if a.Measurement != b.Measurement {
			return a.Measurement < b.Measurement
		}
		if pa, pb := a.Tags["platform"], b.Tags["platform"]; pa != pb {
			return pa < pb
		}
		if !a.Day.Equal(b.Day) {
			return a.Day.Before(b.Day)
		}
		return a.key() < b.key()
	})
	return res, nil
}

type decoder interface {
	init(t *table) error
	row(t *table) *RowError // checks the current row and adds it, or rejects it whole
	finish() []Record
}

// headerless is a decoder whose files may lack a header row.
type headerless interface {
	defaultHeader() (header []string, isData func(firstCell string) bool)
}

type kind int

const (
	kCount kind = iota
	kDuration
)

// colSpec maps one CSV column (under any of its names) to one field.
type colSpec struct {
	names    []string
	field    string
	kind     kind
	required bool
}

// dailySpec describes a format with one row per day (and platform).
type dailySpec struct {
	measurement string
	platform    string // fixed platform tag; "" with platformCol or none
	platformCol bool   // the platform comes from a "platform" column
	dateCols    []string
	usDates     bool
	cols        []colSpec
	extraCounts bool     // every other column is a count named snake(header)
	ignore      []string // columns never stored
	derive      func(f map[string]any)
	headerless  []string // default header when the file may have none
}

var reportMeta = []string{"Report Refresh Date", "Report Date", "Report Period"}

var dailySpecs = map[Format]dailySpec{
	FormatTeamsActivityCounts: {
		measurement: schema.Meetings, platform: "teams",
		dateCols: []string{"Report Date"},
		cols: []colSpec{
			{names: []string{"Meetings", "Meeting Count"}, field: "meetings", required: true},
			{names: []string{"Meetings Organized", "Meetings Organized Count"}, field: "meetings_organized"},
			{names: []string{"Meetings Attended", "Meetings Attended Count"}, field: "meetings_attended"},
			{names: []string{"Calls", "Call Count"}, field: "calls"},
			{names: []string{"Team Chat Messages", "Team Chat Message Count"}, field: "team_chat_messages"},
			{names: []string{"Private Chat Messages", "Private Chat Message Count"}, field: "private_chat_messages"},
			{names: []string{"Post Messages"}, field: "post_messages"},
			{names: []string{"Reply Messages"}, field: "reply_messages"},
			{names: []string{"Urgent Messages"}, field: "urgent_messages"},
			{names: []string{"Audio Duration In Seconds", "Audio Duration"}, field: "audio_s", kind: kDuration},
			{names: []string{"Video Duration In Seconds", "Video Duration"}, field: "video_s", kind: kDuration},
			{names: []string{"Screen Share Duration In Seconds", "Screen Share Duration"}, field: "screenshare_s", kind: kDuration},
		},
	},
	FormatTeamsDeviceUsage: {
		measurement: schema.TeamsClients,
		dateCols:    []string{"Report Date"},
		extraCounts: true,
		ignore:      reportMeta,
	},
	FormatSkypeOrganizer: {
		measurement: schema.Meetings, platform: "skype",
		dateCols: []string{"Report Date"},
		cols: []colSpec{
			{names: []string{"Audio/Video"}, field: "conf_audio_video", required: true},
			{names: []string{"IM"}, field: "conf_im"},
			{names: []string{"App Sharing"}, field: "conf_app_sharing"},
			{names: []string{"Web"}, field: "conf_web"},
			{names: []string{"Dial-in/out 3rd Party"}, field: "conf_dial_in_out_3rd_party"},
			{names: []string{"Dial-in/out Microsoft"}, field: "conf_dial_in_out_microsoft"},
		},
		derive: func(f map[string]any) {
			f["meetings"] = f["conf_audio_video"]
			f["meetings_organized"] = f["conf_audio_video"]
		},
	},
	FormatSkypeParticipant: {
		measurement: schema.Meetings, platform: "skype",
		dateCols: []string{"Report Date"},
		cols: []colSpec{
			{names: []string{"Audio/Video"}, field: "part_audio_video", required: true},
			{names: []string{"IM"}, field: "part_im"},
			{names: []string{"App Sharing"}, field: "part_app_sharing"},
			{names: []string{"Web"}, field: "part_web"},
			{names: []string{"Dial-in/out 3rd Party"}, field: "part_dial_in_out_3rd_party"},
		},
		derive: func(f map[string]any) { f["meetings_attended"] = f["part_audio_video"] },
	},
	FormatSkypePeerToPeer: {
		measurement: schema.Meetings, platform: "skype",
		dateCols: []string{"Report Date"},
		cols: []colSpec{
			{names: []string{"Audio"}, field: "p2p_audio", required: true},
			{names: []string{"Video"}, field: "p2p_video", required: true},
			{names: []string{"IM"}, field: "p2p_im"},
			{names: []string{"App Sharing"}, field: "p2p_app_sharing"},
			{names: []string{"File Transfer"}, field: "p2p_file_transfer"},
		},
		derive: func(f map[string]any) { f["calls"] = f["p2p_audio"].(int64) + f["p2p_video"].(int64) },
	},
	FormatZoomDaily: {
		measurement: schema.Meetings, platform: "zoom",
		dateCols: []string{"Date"}, usDates: true,
		cols: []colSpec{
			{names: []string{"Meetings"}, field: "meetings", required: true},
			{names: []string{"Participants"}, field: "participants"},
			{names: []string{"Meeting Minutes", "Minutes"}, field: "minutes"},
			{names: []string{"New Users"}, field: "new_users"},
		},
	},
	FormatMeetingsDaily: {
		measurement: schema.Meetings, platformCol: true,
		dateCols: []string{"date", "day"},
		cols: []colSpec{
			{names: []string{"meetings"}, field: "meetings", required: true},
			{names: []string{"minutes", "meeting minutes"}, field: "minutes"},
			{names: []string{"participants"}, field: "participants"},
		},
		headerless: []string{"date", "platform", "meetings", "minutes", "participants"},
	},
}

type boundCol struct {
	idx  int
	spec colSpec
}

// dailyDecoder reads formats with one row per day (and platform).
type dailyDecoder struct {
	spec      dailySpec
	source    string
	now       time.Time
	dateIdx   int
	refreshIx int
	platIdx   int
	cols      []boundCol
	recs      []Record
	seen      map[string]int // point key -> line it was first seen on
}

func (d *dailyDecoder) defaultHeader() ([]string, func(string) bool) {
	if d.spec.headerless == nil {
		return nil, nil
	}
	return d.spec.headerless, func(first string) bool {
		_, err := parseDay(first, d.spec.usDates, d.now)
		return err == nil
	}
}

func (d *dailyDecoder) init(t *table) error {
	var err error
	if d.dateIdx, err = t.require(d.spec.dateCols...); err != nil {
		return err
	}
	d.refreshIx = t.col("Report Refresh Date")
	d.platIdx = -1
	if d.spec.platformCol {
		if d.platIdx, err = t.require("platform"); err != nil {
			return err
		}
	}
	used := map[int]bool{d.dateIdx: true, d.refreshIx: true, d.platIdx: true}
	for _, c := range d.spec.cols {
		i := t.col(c.names...)
		if i < 0 && c.required {
			_, err := t.require(c.names...)
			return err
		}
		if i >= 0 {
			d.cols = append(d.cols, boundCol{i, c})
			used[i] = true
		}
	}
	if d.spec.extraCounts {
		for _, n := range d.spec.ignore {
			used[t.col(n)] = true
		}
		for i, h := range t.header {
			if !used[i] && snake(h) != "" {
				d.cols = append(d.cols, boundCol{i, colSpec{field: snake(h)}})
			}
		}
	}
	return nil
}

func (d *dailyDecoder) row(t *table) *RowError {
	day, err := parseDay(t.cell(d.dateIdx), d.spec.usDates, d.now)
	if err != nil {
		return t.errAt(d.dateIdx, err.Error())
	}
	var refreshed time.Time
	if d.refreshIx >= 0 && t.cell(d.refreshIx) != "" {
		if refreshed, err = parseDay(t.cell(d.refreshIx), false, d.now); err != nil {
			return t.errAt(d.refreshIx, err.Error())
		}
		if refreshed.Before(day) {
			return t.errAt(d.refreshIx, "is before the Report Date "+day.Format("2006-01-02"))
		}
	}
	tags := map[string]string{}
	if d.spec.platform != "" {
		tags["platform"] = d.spec.platform
	}
	if d.platIdx >= 0 {
		p, err := parsePlatform(t.cell(d.platIdx))
		if err != nil {
			return t.errAt(d.platIdx, err.Error())
		}
		tags["platform"] = p
	}
	fields := make(map[string]any, len(d.cols)+2)
	for _, c := range d.cols {
		s := t.cell(c.idx)
		var v int64
		var ok bool
		if c.spec.kind == kDuration {
			v, ok, err = parseDuration(s)
		} else {
			v, ok, err = parseCount(s)
		}
		if err == nil && !ok && c.spec.required {
			err = errEmpty
		}
		if err != nil {
			return t.errAt(c.idx, err.Error())
		}
		if ok {
			fields[c.spec.field] = v
		}
	}
	if len(fields) == 0 {
		return &RowError{File: t.file, Line: t.line, Msg: "has no values to store (every count is empty)"}
	}
	if d.spec.derive != nil {
		d.spec.derive(fields)
	}
	if _, ok := fields["meetings"]; ok {
		fields["source"] = d.source
	}
	rec := Record{Measurement: d.spec.measurement, Tags: tags, Day: day, Fields: fields, Refreshed: refreshed, Line: t.line}
	k := rec.key()
	if first, dup := d.seen[k]; dup {
		what := day.Format("2006-01-02")
		if p := tags["platform"]; p != "" && d.spec.platformCol {
			what += " " + p
		}
		return &RowError{File: t.file, Line: t.line, Column: d.dateIdx + 1, Field: t.header[d.dateIdx], Value: t.cell(d.dateIdx),
			Msg: fmt.Sprintf("%s is already on line %d; a day is counted once per platform", what, first)}
	}
	d.seen[k] = t.line
	d.recs = append(d.recs, rec)
	return nil
}

func (d *dailyDecoder) finish() []Record { return d.recs }

// platformAliases maps names people write to the platform tag values.
var platformAliases = map[string]string{
	"microsoft teams":           "teams",
	"ms teams":                  "teams",
	"skype for business":        "skype",
	"skype for business online": "skype",
	"lync":                      "skype",
	"cisco webex":               "webex",
	"webex meetings":            "webex",
	"zoom meetings":             "zoom",
	"google meet":               "meet",
}

// parsePlatform turns a platform cell into a tag value: lower case, spaces
// as "-", only letters, digits, "-", "_" and ".".
func parsePlatform(s string) (string, error) {
	if s == "" {
		return "", errEmpty
	}
	low := strings.ToLower(strings.Join(strings.Fields(s), " "))
	if a, ok := platformAliases[low]; ok {
		return a, nil
	}
	low = strings.ReplaceAll(low, " ", "-")
	if len(low) > 40 {
		return "", errors.New("is too long for a platform name (40 characters at most)")
	}
	for _, r := range low {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return "", errors.New("is not a platform name (letters, digits, '-', '_' and '.' only, for example webex)")
		}
	}
	return low, nil
}

// userDetailDecoder aggregates getTeamsUserActivityUserDetail rows (one per
// user) into one record per Report Refresh Date and Report Period. It reads
// no identifying column at all: User Id, User Principal Name, Tenant
// Display Name and the like are never looked at.
type userDetailDecoder struct {
	source string
	now    time.Time
	day    time.Time // Options.Day, 00:00 UTC

	refreshIdx, periodIdx, licensedIdx, deletedIdx int
	cols                                           []udCol
	aggs                                           map[udKey]*udAgg
	order                                          []udKey
}

type udKey struct {
	day    int64 // unix seconds of the refresh date
	period int64 // -1 when the export has no Report Period
}

type udAgg struct {
	firstLine int
	refreshed time.Time // the newest Report Refresh Date of the rows
	users     int64
	meeting   int64 // users with at least one meeting
	licensed  int64
	deleted   int64
	sums      []int64
	has       []bool
}

type udCol struct {
	idx   int
	field string
	kind  kind
}

// userDetailCols lists the summed columns; the first name found wins, so the
// exact "... In Seconds" columns are preferred over the ISO 8601 ones.
var userDetailCols = []colSpec{
	{names: []string{"Meeting Count", "Meetings"}, field: "meetings", required: true},
	{names: []string{"Meetings Organized Count"}, field: "meetings_organized"},
	{names: []string{"Meetings Attended Count"}, field: "meetings_attended"},
	{names: []string{"Ad Hoc Meetings Organized Count"}, field: "adhoc_organized"},
	{names: []string{"Ad Hoc Meetings Attended Count"}, field: "adhoc_attended"},
	{names: []string{"Scheduled One-time Meetings Organized Count"}, field: "scheduled_onetime_organized"},
	{names: []string{"Scheduled One-time Meetings Attended Count"}, field: "scheduled_onetime_attended"},
	{names: []string{"Scheduled Recurring Meetings Organized Count"}, field: "scheduled_recurring_organized"},
	{names: []string{"Scheduled Recurring Meetings Attended Count"}, field: "scheduled_recurring_attended"},
	{names: []string{"Call Count"}, field: "calls"},
	{names: []string{"Team Chat Message Count"}, field: "team_chat_messages"},
	{names: []string{"Private Chat Message Count"}, field: "private_chat_messages"},
	{names: []string{"Audio Duration In Seconds", "Audio Duration"}, field: "audio_s", kind: kDuration},
	{names: []string{"Video Duration In Seconds", "Video Duration"}, field: "video_s", kind: kDuration},
	{names: []string{"Screen Share Duration In Seconds", "Screen Share Duration"}, field: "screenshare_s", kind: kDuration},
}

func (d *userDetailDecoder) init(t *table) error {
	var err error
	if d.refreshIdx, err = t.require("Report Refresh Date"); err != nil {
		return err
	}
	d.periodIdx = t.col("Report Period")
	d.licensedIdx = t.col("Is Licensed")
	d.deletedIdx = t.col("Is Deleted")
	for _, c := range userDetailCols {
		i := t.col(c.names...)
		if i < 0 && c.required {
			_, err := t.require(c.names...)
			return err
		}
		if i >= 0 {
			d.cols = append(d.cols, udCol{i, c.field, c.kind})
		}
	}
	d.aggs = map[udKey]*udAgg{}
	return nil
}

// row parses every value first and adds them only when all are valid.
func (d *userDetailDecoder) row(t *table) *RowError {
	refreshed, err := parseDay(t.cell(d.refreshIdx), false, d.now)
	if err != nil {
		return t.errAt(d.refreshIdx, err.Error())
	}
	key := udKey{day: refreshed.Unix(), period: -1}
	if !d.day.IsZero() {
		key.day = d.day.Unix()
	}
	if d.periodIdx >= 0 && t.cell(d.periodIdx) != "" {
		p, ok, err := parseCount(t.cell(d.periodIdx))
		if err != nil || !ok {
			return t.errAt(d.periodIdx, "is not a report period in days")
		}
		key.period = p
	}
	licensed, err := parseBool(t.cell(d.licensedIdx))
	if err != nil {
		return t.errAt(d.licensedIdx, err.Error())
	}
	deleted, err := parseBool(t.cell(d.deletedIdx))
	if err != nil {
		return t.errAt(d.deletedIdx, err.Error())
	}
	var vals [16]int64
	var has [16]bool
	for i, c := range d.cols {
		var v int64
		var ok bool
		if c.kind == kDuration {
			v, ok, err = parseDuration(t.cell(c.idx))
		} else {
			v, ok, err = parseCount(t.cell(c.idx))
		}
		if err != nil {
			return t.errAt(c.idx, err.Error())
		}
		vals[i], has[i] = v, ok
	}
	a := d.aggs[key]
	if a == nil {
		a = &udAgg{firstLine: t.line, sums: make([]int64, len(d.cols)), has: make([]bool, len(d.cols))}
		d.aggs[key] = a
		d.order = append(d.order, key)
	}
	if refreshed.After(a.refreshed) {
		a.refreshed = refreshed
	}
	a.users++
	if licensed {
		a.licensed++
	}
	if deleted {
		a.deleted++
	}
	if vals[0] > 0 {
		a.meeting++
	}
	for i := range d.cols {
		if has[i] {
			a.sums[i] += vals[i]
			a.has[i] = true
		}
	}
	return nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "false", "no", "0":
		return false, nil
	case "true", "yes", "1":
		return true, nil
	}
	return false, errors.New("is not Yes/No or True/False")
}

func (d *userDetailDecoder) finish() []Record {
	out := make([]Record, 0, len(d.order))
	for _, k := range d.order {
		a := d.aggs[k]
		f := map[string]any{
			"users":               a.users,
			"users_with_meetings": a.meeting,
			"source":              d.source,
		}
		if d.licensedIdx >= 0 {
			f["licensed_users"] = a.licensed
		}
		if d.deletedIdx >= 0 {
			f["deleted_users"] = a.deleted
		}
		for i, c := range d.cols {
			if a.has[i] {
				f[c.field] = a.sums[i]
			}
		}
		// Unclassified meetings: organized but neither ad hoc nor scheduled
		// (Microsoft's note: the three types need not add up to the total).
		if org, ok := f["meetings_organized"].(int64); ok {
			typed := int64(0)
			for _, n := range []string{"adhoc_organized", "scheduled_onetime_organized", "scheduled_recurring_organized"} {
				if v, ok := f[n].(int64); ok {
					typed += v
				}
			}
			f["unclassified_organized"] = max(org-typed, 0)
		}
		tags := map[string]string{}
		if k.period >= 0 {
			tags["report_period"] = strconv.FormatInt(k.period, 10)
		}
		day := time.Unix(k.day, 0).UTC()
		out = append(out, Record{Measurement: schema.TeamsMeetingTypes, Tags: tags, Day: day, Fields: f, Refreshed: a.refreshed, Line: a.firstLine})
	}
	return out
}

// Package meetings is Kretslopp's model of remote-meeting activity: it reads
// the CSV exports that Microsoft Graph, the Teams admin center, Zoom and
// hand-kept spreadsheets produce, aggregates them into privacy-safe daily
// points (one per platform and UTC day in the "meetings" measurement, plus
// "teams_meeting_types" and "teams_clients"), merges overlapping exports so
// that a day is never counted twice, and computes monthly and yearly totals
// with growth against the previous period ("meetings_monthly",
// "meetings_yearly").
//
// The readers stream: a file is read row by row and only one aggregate per
// day is kept, so memory does not grow with the number of users in a
// report. No user name, user principal name or per-user or per-meeting
// identifier is ever read into a record. docs/meetings.md documents every
// measurement, field and column mapping.
package meetings

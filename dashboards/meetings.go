package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// Meetings is the "Meeting growth" dashboard: daily, monthly and yearly
// meetings per platform (measurements meetings, meetings_monthly,
// meetings_yearly), growth against the year before, Teams durations,
// meeting types and clients, and the Graph call-record aggregates
// (call_records_daily).
func Meetings() (dashboard.Dashboard, error) {
	b := newBoard("kretslopp-meetings", "Kretslopp · Meeting growth",
		"How much did remote meetings replace travel? Meetings per platform per day, month and year, growth against the year before, and Microsoft Teams detail. Sources: kretslopp-collector pull (Microsoft Graph) and import (saved CSV exports).",
		"now-8y", "meetings")

	b.row("Growth per year")
	b.add(single("Growth against the year before",
		"meetings_yearly.growth_pct of the latest year in the time range, per platform: (this year − year before) / year before × 100. Empty for a platform's first year or a zero base. The current year is not finished yet: compare whole years by narrowing the range.",
		"percent", size{12, 6}, thresholds("red", 0.0, "green"),
		Query("A", TimeSeries, `SELECT last("growth_pct") AS "growth" FROM "meetings_yearly" WHERE $timeFilter GROUP BY "platform"`).Alias("$tag_platform")))
	b.add(single("Meetings in the latest year",
		"meetings_yearly.meetings of the latest year in the time range, per platform.",
		"short", size{12, 6}, nil,
		Query("A", TimeSeries, `SELECT last("meetings") AS "meetings" FROM "meetings_yearly" WHERE $timeFilter GROUP BY "platform"`).Alias("$tag_platform")))
	b.add(series("Meetings per year by platform",
		"meetings_yearly.meetings: the sum of the daily meetings of each calendar year (UTC), written by import and pull.",
		"short", half, "", true,
		Query("A", TimeSeries, `SELECT "meetings" FROM "meetings_yearly" WHERE $timeFilter GROUP BY "platform"`).Alias("$tag_platform")))
	b.add(tabular("Meetings and growth per year",
		"One row per platform and year: meetings, days with data, growth against the year before in per cent.",
		half, nil,
		Query("A", Table, `SELECT "meetings" AS "meetings", "days" AS "days with data", "growth_pct" AS "growth %" FROM "meetings_yearly" WHERE $timeFilter GROUP BY "platform"`)))

	b.row("Months and days")
	b.add(series("Meetings per month by platform",
		"meetings_monthly.meetings (time = 1st of the month).",
		"short", half, "", true,
		Query("A", TimeSeries, `SELECT "meetings" FROM "meetings_monthly" WHERE $timeFilter GROUP BY "platform"`).Alias("$tag_platform")))
	b.add(series("Month against the same month a year before",
		"meetings_monthly.growth_yoy_pct: growth of each month against the same month a year before, in per cent.",
		"percent", half, "", false,
		Query("A", TimeSeries, `SELECT "growth_yoy_pct" FROM "meetings_monthly" WHERE $timeFilter GROUP BY "platform"`).Alias("$tag_platform")))
	b.add(series("Meetings per day by platform",
		"meetings.meetings, one point per platform per UTC day; on long ranges each point is the mean of the days in the interval (still meetings per day).",
		"short", full, "1d", false,
		Query("A", TimeSeries, `SELECT mean("meetings") FROM "meetings" WHERE $timeFilter GROUP BY time($__interval), "platform" fill(none)`).Alias("$tag_platform")))

	b.row("Microsoft Teams")
	b.add(series("Teams audio, video and screen-share minutes per day",
		"meetings.audio_s, video_s and screenshare_s of platform teams (Teams user activity counts), in minutes per day; the mean per day over each interval on long ranges.",
		"m", half, "1d", false,
		Query("A", TimeSeries, `SELECT mean("audio_s") / 60 AS "audio", mean("video_s") / 60 AS "video", mean("screenshare_s") / 60 AS "screen share" FROM "meetings" WHERE "platform" = 'teams' AND $timeFilter GROUP BY time($__interval) fill(none)`)))
	b.add(series("Teams clients (daily unique users)",
		"teams_clients: daily unique Teams users per client (Teams device usage report); the mean per day over each interval on long ranges.",
		"short", half, "1d", false,
		Query("A", TimeSeries, `SELECT mean("windows") AS "Windows", mean("mac") AS "Mac", mean("web") AS "Web", mean("ios") AS "iOS", mean("android_phone") AS "Android", mean("linux") AS "Linux", mean("chrome_os") AS "Chrome OS" FROM "teams_clients" WHERE $timeFilter GROUP BY time($__interval) fill(none)`)))
	b.add(series("Teams meetings organized, by type",
		"teams_meeting_types (Teams user activity user detail, summed over all users): meetings organized per type, one series per report period (days the report covers).",
		"short", full, "", false,
		Query("A", TimeSeries, `SELECT "adhoc_organized" AS "ad hoc", "scheduled_onetime_organized" AS "scheduled one-time", "scheduled_recurring_organized" AS "scheduled recurring", "unclassified_organized" AS "unclassified" FROM "teams_meeting_types" WHERE $timeFilter GROUP BY "report_period"`).Alias("$col (report period $tag_report_period d)")))

	b.row("Call records (Microsoft Graph)")
	b.add(single("Group meetings in range",
		"call_records_daily.group_meetings summed over the time range (Graph keeps call records for 30 days; the collector keeps the daily aggregates).",
		"short", sixth, nil,
		Query("A", TimeSeries, `SELECT sum("group_meetings") AS "group meetings" FROM "call_records_daily" WHERE $timeFilter`)))
	b.add(single("Group meeting minutes in range",
		"call_records_daily.group_meeting_minutes summed over the time range.",
		"m", sixth, nil,
		Query("A", TimeSeries, `SELECT sum("group_meeting_minutes") AS "minutes" FROM "call_records_daily" WHERE $timeFilter`)))
	b.add(single("Participants per meeting",
		"Participant entries (participants_v2) summed over the group meetings whose participant list was read, divided by those meetings (participants_meetings), over the time range. Days without a list read count in neither.",
		"short", sixth, nil,
		Query("A", TimeSeries, `SELECT sum("participants") / sum("participants_meetings") AS "participants per meeting" FROM "call_records_daily" WHERE $timeFilter`)))
	b.add(single("Meetings with video or screen share",
		"Share of group meetings with video or screen sharing over the time range, weighted by meetings per day.",
		"percentunit", sixth, nil,
		Query("A", TimeSeries, `SELECT sum("vs") / sum("gm") AS "video or screen share" FROM (SELECT "share_video_or_screenshare" * "group_meetings" AS "vs", "group_meetings" AS "gm" FROM "call_records_daily" WHERE $timeFilter)`)))
	b.add(single("1:1 calls in range",
		"call_records_daily.peer_to_peer_calls summed over the time range.",
		"short", sixth, nil,
		Query("A", TimeSeries, `SELECT sum("peer_to_peer_calls") AS "1:1 calls" FROM "call_records_daily" WHERE $timeFilter`)))
	b.add(single("Call records in range",
		"call_records_daily.records summed over the time range (each record counted once even when Graph lists it twice).",
		"short", sixth, nil,
		Query("A", TimeSeries, `SELECT sum("records") AS "records" FROM "call_records_daily" WHERE $timeFilter`)))
	b.add(series("Call minutes per day",
		"Minutes in group meetings and 1:1 calls per UTC day (call_records_daily); the mean per day over each interval on long ranges.",
		"m", third, "1d", true,
		Query("A", TimeSeries, `SELECT mean("group_meeting_minutes") AS "group meetings", mean("peer_to_peer_minutes") AS "1:1 calls" FROM "call_records_daily" WHERE $timeFilter GROUP BY time($__interval) fill(none)`)))
	b.add(series("Participants per group meeting",
		"Participant entries (participants_v2) divided by the group meetings whose participant list was read (participants_meetings), per interval; no value where no list was read.",
		"short", third, "1d", false,
		Query("A", TimeSeries, `SELECT sum("participants") / sum("participants_meetings") AS "participants per meeting" FROM "call_records_daily" WHERE "participants_meetings" > 0 AND $timeFilter GROUP BY time($__interval) fill(none)`)))
	b.add(series("Video and screen-share share",
		"Share of group meetings with video, with screen sharing, and with either, per interval.",
		"percentunit", third, "1d", false,
		Query("A", TimeSeries, `SELECT sum("group_meetings_video") / sum("group_meetings") AS "video", sum("group_meetings_screenshare") / sum("group_meetings") AS "screen share", sum("vs") / sum("group_meetings") AS "video or screen share" FROM (SELECT "group_meetings_video", "group_meetings_screenshare", "group_meetings", "share_video_or_screenshare" * "group_meetings" AS "vs" FROM "call_records_daily" WHERE "group_meetings" > 0 AND $timeFilter) WHERE $timeFilter GROUP BY time($__interval) fill(none)`)))
	return b.build()
}
